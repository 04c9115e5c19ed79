"""Shared fixtures: the real repository, temporary copies of it, and a CLI runner bound to a KB."""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main

REPO = Path(__file__).resolve().parents[1]
pytest_plugins = ["test_links_support"]  # its `server` and `other_server` fixtures (loopback HTTP) for every test


@pytest.fixture
def repo_root() -> Path:
    """The real repository (read-only use)."""
    return REPO


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    """A writable copy of the real KB (entries/ with the taxonomy) in a temporary folder."""
    shutil.copytree(REPO / "entries", tmp_path / "entries")
    return tmp_path


@pytest.fixture
def empty_kb(tmp_path) -> Path:
    """A KB with the real taxonomy and no entries; add some with write_entry()."""
    (tmp_path / "entries").mkdir()
    shutil.copy(REPO / "entries" / "taxonomy.yaml", tmp_path / "entries" / "taxonomy.yaml")
    return tmp_path


def write_entry(root: Path, type_: str, entry_id: str, text: str) -> Path:
    """Write entries/<type>/<id>.yaml under root from (dedented) YAML text."""
    path = root / "entries" / type_ / f"{entry_id}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD_ENTRY = """\
# yaml-language-server: $schema=../../kb/schema/editor/lecture-series.schema.json
id: {id}
title: {title}
url: {url}
domains: [physics/statistical-mechanics]
audience: [undergraduate]
lecturers: [Leonard Susskind]
year: 2013
why: |
  A clear derivation of statistical mechanics from entropy and a handful of ideas.
for_whom: Undergraduates starting physics.
added: 2026-01-15
"""


def good_entry(entry_id: str = "good-entry", title: str = "A Good Entry", url: str | None = None,
               extra: str = "") -> str:
    """A valid lecture-series entry's text (its URL from the id unless given), with `extra` lines after."""
    return GOOD_ENTRY.format(id=entry_id, title=title, url=url or f"https://example.org/{entry_id}") + extra


def write_paper(root: Path, entry_id: str, title: str, why: str) -> Path:
    """Write a valid paper entry whose title and `why` are the given texts (for search tests)."""
    return write_entry(root, "paper", entry_id, f"""\
        id: {entry_id}
        title: {title}
        url: https://example.org/{entry_id}
        domains: [mathematics]
        audience: [graduate]
        authors: [Ada Example]
        year: 2020
        why: "{why}"
        for_whom: Anyone.
        added: 2026-01-01
        """)


@pytest.fixture
def cli():
    """cli(root, *args) runs `kb --root ROOT args...` in-process and returns click's Result."""
    runner = CliRunner()

    def invoke(root: Path | None, *args: str, **kwargs):
        argv = (["--root", str(root)] if root else []) + [str(a) for a in args]
        return runner.invoke(main, argv, catch_exceptions=False, **kwargs)

    return invoke
