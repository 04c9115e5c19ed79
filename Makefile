# Two commands do everything: `make serve` (set up, validate, build and serve the site) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup validate list readme lint site serve test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[site,test]'
	touch $(STAMP)

validate: setup
	$(BIN)/kb validate

list: validate
	$(BIN)/kb list

# The README's first lines count the entries: rewrite them from `kb stats` (tests/test_cli.py checks them).
readme: validate
	$(BIN)/python -c 'import re, subprocess, pathlib; p = pathlib.Path("README.md"); line = subprocess.run(["$(BIN)/kb", "stats", "--format", "markdown"], capture_output=True, text=True, check=True).stdout; p.write_text(re.sub(r"(<!-- counts:.*?-->\n).*?(<!-- /counts -->)", lambda m: m[1] + line + m[2], p.read_text(), flags=re.S))'

# The site (docs/site.md): pages and the search index generated from entries/, built by MkDocs into
# site/ (ENGINE=zensical builds it with Zensical).
ENGINE ?= mkdocs
site: validate
	$(BIN)/kb site build --engine $(ENGINE)

# Serve on http://127.0.0.1:8000, search included, rebuilding when entries or pages change (Ctrl-C stops).
serve: validate
	$(BIN)/kb site serve --address 127.0.0.1:8000 --engine $(ENGINE)

# The style the code follows (ruff's rules in pyproject.toml); .ci/run runs it before the tests.
lint: setup
	$(BIN)/ruff check .

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python scripts/bench.py all

clean:
	rm -rf $(VENV) .kb site docs/generated
