"""`kb site build`: generate the pages (with feeds, open data and the Pagefind index), then build the
site with MkDocs or Zensical from the root's mkdocs.yml into its `site_dir` (default `site/`).

    build(root, engine="mkdocs", edit_url=None, site_url=None) -> BuildReport

The engine runs as a child process (`python -m mkdocs build --strict` or `python -m zensical build
--clean --strict`): both print their own messages; a failed build raises BuildFailed with its exit code.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kb.model import KbError, UsageError

from . import GenerateReport, generate

CONFIG = "mkdocs.yml"
SITE_DIR = "site"  # mkdocs.yml's site_dir (a test holds them together)
# engine -> the command that builds the site from a config file (appended), and the one that serves it
ENGINES = {
    "mkdocs": (["-m", "mkdocs", "build", "--strict", "--quiet", "-f"], ["-m", "mkdocs", "serve", "-f"]),
    "zensical": (["-m", "zensical", "build", "--clean", "--strict", "-f"], ["-m", "zensical", "serve", "-f"]),
}
# Material's banner about MkDocs 2 on every run: docs/site.md says where the site goes after Material.
QUIET = {"NO_MKDOCS_2_WARNING": "1"}


class BuildFailed(KbError):
    pass


@dataclass
class BuildReport:
    generated: GenerateReport
    engine: str
    seconds: float  # the engine's build


def engine_command(engine: str, action: str, root: Path) -> list[str]:
    """The argv that builds (action "build") or serves ("serve") the site at `root` with `engine`."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine `{engine}`: choose one of {', '.join(ENGINES)}")
    config = Path(root) / CONFIG
    if not config.is_file():
        raise UsageError(f"no {CONFIG} in {root}: the site is configured there")
    build_args, serve_args = ENGINES[engine]
    return [sys.executable, *(build_args if action == "build" else serve_args), str(config)]


def engine_env() -> dict[str, str]:
    return {**os.environ, **QUIET}


def build(root: Path, engine: str = "mkdocs", edit_url: str | None = None,
          site_url: str | None = None) -> BuildReport:
    """Generate the site's sources, then build it with `engine` (see the module docstring)."""
    root = Path(root)
    argv = engine_command(engine, "build", root)  # checks the engine and the config before generating
    generated = generate(root, edit_url=edit_url, site_url=site_url)
    started = time.perf_counter()
    code = subprocess.run(argv, cwd=root, env=engine_env()).returncode
    if code != 0:
        raise BuildFailed(f"{engine} build failed (exit {code}); its messages are above")
    return BuildReport(generated, engine, time.perf_counter() - started)
