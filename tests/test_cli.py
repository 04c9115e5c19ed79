"""kb list, show, schema, the documentation of every command, and the loader's edge cases."""
from __future__ import annotations

import json
import re

import yaml

from kb.cli import main
from kb.model import TYPES, field_reference, load_entries, load_text, schema_comment, select


def test_list_filters_by_type_domain_and_audience(cli, repo_root):
    everything = json.loads(cli(repo_root, "list", "--json").stdout)
    entries, _ = load_entries(repo_root)
    assert {e["id"] for e in everything} == {e.id for e in entries}
    ml = json.loads(cli(repo_root, "list", "--domain", "machine-learning", "--json").stdout)
    assert ml and all(any(d == "machine-learning" or d.startswith("machine-learning/") for d in e["domains"])
                      for e in ml)
    assert "cs224w-machine-learning-with-graphs-2021" in {e["id"] for e in ml}  # a sub-domain entry
    papers_for_researchers = json.loads(cli(repo_root, "list", "--type", "paper", "--audience", "researcher",
                                            "--json").stdout)
    assert papers_for_researchers and {e["type"] for e in papers_for_researchers} == {"paper"}
    assert all("researcher" in e["audience"] for e in papers_for_researchers)
    assert len(papers_for_researchers) == len(select(entries, "paper", None, "researcher"))


def test_list_text_and_unknown_filters(cli, repo_root):
    text = cli(repo_root, "list", "--type", "research-guide")
    assert text.exit_code == 0 and "you-and-your-research-hamming" in text.stdout
    assert re.search(r"\d+ entries", text.stderr)
    unknown = cli(repo_root, "list", "--audience", "undergrad")
    assert unknown.exit_code == 2 and "did you mean `undergraduate`" in unknown.stderr
    assert cli(repo_root, "list", "--type", "book").exit_code == 2


def test_show_text_and_json(cli, repo_root):
    text = cli(repo_root, "show", "statistical-mechanics-susskind")
    assert text.exit_code == 0 and "Leonard Susskind" in text.stdout and "why:" in text.stdout
    data = json.loads(cli(repo_root, "show", "statistical-mechanics-susskind", "--json").stdout)
    assert data["id"] == "statistical-mechanics-susskind" and data["type"] == "lecture-series"
    raw = yaml.safe_load((repo_root / "entries/lecture-series/statistical-mechanics-susskind.yaml").read_text())
    assert data["title"] == raw["title"] and data["lecturers"] == raw["lecturers"]


def test_show_unknown_or_hostile_id(cli, repo_root):
    # a usage error (exit 2), as docs/commands.md says: the id was given on the command line
    missing = cli(repo_root, "show", "no-such-entry")
    assert missing.exit_code == 2 and "no entry with id `no-such-entry`" in missing.stderr
    hostile = cli(repo_root, "show", "../../etc/passwd")
    assert hostile.exit_code == 2 and "not an entry id" in hostile.stderr


def test_schema_is_the_shipped_json_schema(cli, repo_root):
    printed = json.loads(cli(repo_root, "schema").stdout)
    assert printed == json.loads((repo_root / "kb/schema/entry.schema.json").read_text())
    paper = json.loads(cli(repo_root, "schema", "--type", "paper").stdout)
    assert paper["$ref"] == "#/$defs/paper"


def test_field_reference_doc_is_generated_from_the_schema(repo_root):
    assert (repo_root / "docs/fields.md").read_text() == field_reference(), \
        "docs/fields.md is stale: run `kb schema --format markdown > docs/fields.md`"


def test_the_readme_gives_the_real_counts(cli, repo_root):
    block = (repo_root / "README.md").read_text().split("<!-- /counts -->")[0].split("-->\n", 1)[1]
    assert block == cli(repo_root, "stats", "--format", "markdown").stdout, \
        "README.md's counts are stale: run `make readme`"
    assert block.startswith(f"**{len(list((repo_root / 'entries').glob('*/*.yaml')))} entries (")


def test_every_exit_code_is_documented(repo_root):
    """The exit codes the code can produce (on exception classes, in exits of the CLI) are the ones
    docs/commands.md's table lists."""
    code = "".join(p.read_text() for p in (repo_root / "kb").rglob("*.py"))
    used = {int(n) for n in re.findall(r"exit_code = (\d+)|ctx\.exit\((\d+)\)|SystemExit\((\d+)", code)
            for n in n if n} | {0}
    table = (repo_root / "docs/commands.md").read_text().split("## Exit codes")[1].split("\n## ")[0]
    documented = {int(n) for n in re.findall(r"^\| (\d+) \|", table, re.M)}
    assert used <= documented == {0, 1, 2, 130}


def test_every_command_is_documented(repo_root):
    documented = set(re.findall(r"^## kb ([a-z-]+(?: [a-z-]+)?)", (repo_root / "docs/commands.md").read_text(), re.M))
    commands = set()
    for name, command in main.commands.items():
        commands.add(name)
        commands.update(f"{name} {sub}" for sub in getattr(command, "commands", {}))
    missing = {c for c in commands if c not in documented and c.split()[0] not in documented}
    assert not missing, f"commands without a `## kb <name>` section in docs/commands.md: {missing}"


def test_every_type_folder_exists_and_entry_files_carry_the_schema_comment(repo_root):
    for type_ in TYPES:
        files = list((repo_root / "entries" / type_).glob("*.yaml"))
        assert files, type_
        for path in files:
            assert path.read_text().splitlines()[0] == schema_comment(type_), path


def test_loader_positions_point_at_keys_and_items():
    doc = load_text("title: x\ndomains:\n  - a\n  - b\nlinks:\n  - label: l\n    url: u\n")
    assert doc.where(("title",)) == (1, 1)
    assert doc.where(("domains", 1)) == (4, 5)
    assert doc.where(("links", 0, "url")) == (7, 5)
    assert doc.where(("missing",)) == (1, 1)  # falls back to the nearest existing ancestor


def test_loader_keeps_yaml_11_meaning_and_marks_dates():
    value = load_text("a: no\nb: 2024-01-05\nc: '2024-01-05'\nd: 1.5e+3\ne: ~\n").value
    assert value["a"] is False and value["e"] is None and value["d"] == 1500.0
    assert type(value["b"]).__name__ == "YamlDate" and value["b"] == "2024-01-05"
    assert type(value["c"]) is str


def test_bulk_loaded_entries_still_know_where_their_fields_are(repo_root):
    entries, _ = load_entries(repo_root)
    entry = next(e for e in entries if e.id == "statistical-mechanics-susskind")
    assert entry.doc is None  # not held for the whole KB
    lines = (repo_root / entry.path).read_text().splitlines()
    line, column = entry.where(("audience",))
    assert lines[line - 1].startswith("audience:") and column == 1
