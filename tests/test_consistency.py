"""One way to do each thing, seen from the command line: the commands that take entry paths select the
same files, and every command that takes a domain suggests the same one for a misspelling."""
from __future__ import annotations

import re

import pytest

from conftest import write_entry
from test_hardening import git, good
from test_links_support import reply

ALLOW = ("--allow-network", "127.0.0.1/32")


@pytest.fixture
def small_kb(empty_kb, server):  # noqa: F811 - the fixture imported above
    """Entries in two type folders whose URLs point at a loopback server, a stray file, a dot file, a
    nested folder and the taxonomy: what a selector could take or leave differently."""
    url = server.route("/ok", reply(200))
    for folder, entry_id in (("lecture-series", "first-entry"), ("lecture-series", "second-entry"),
                             ("paper", "third-entry")):
        text = good(entry_id, entry_id.replace("-", " ").title()).replace(f"https://example.org/{entry_id}",
                                                                         f"{url}?{entry_id}")
        write_entry(empty_kb, folder, entry_id, text.replace("lecturers:", "authors:") if folder == "paper" else text)
    write_entry(empty_kb, "paper", "nested/deeper-entry", good("deeper-entry", "Deeper"))
    (empty_kb / "entries" / "paper" / ".hidden.yaml").write_text("title: hidden\n")
    return empty_kb


def counts(cli, root, *args) -> tuple[int, int, int]:
    """The number of files `kb validate`, `kb fmt --check` and `kb check-links` say they worked on."""
    validate = cli(root, "validate", *args).stderr
    fmt = cli(root, "fmt", "--check", *args).stderr
    links = cli(root, "check-links", *ALLOW, "--no-cache", *args).stderr
    numbers = [re.search(pattern, text) for pattern, text in ((r"(\d+) entries checked", validate),
                                                              (r"(\d+) files checked", fmt),
                                                              (r"URLs in (\d+) files", links))]
    assert all(numbers), (validate, fmt, links)
    return tuple(int(n.group(1)) for n in numbers)


@pytest.mark.parametrize("where, args, expected", [
    ("root", [], 4),  # the three entries and the nested file (which validate reports as misplaced)
    ("root", ["entries"], 4),
    ("root", ["entries/paper"], 2),
    ("root", ["entries/lecture-series/first-entry.yaml", "entries/paper"], 3),
    ("entries", ["paper"], 2),
    ("entries", ["lecture-series", "paper/third-entry.yaml"], 3),
    ("entries", ["."], 4),
])
def test_validate_fmt_and_check_links_select_the_same_files(cli, small_kb, monkeypatch, where, args, expected):
    monkeypatch.chdir(small_kb if where == "root" else small_kb / "entries")
    assert counts(cli, small_kb, *args) == (expected,) * 3


def test_the_same_files_for_changed_since(cli, small_kb, monkeypatch):
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        git(small_kb, *args)
    path = small_kb / "entries" / "lecture-series" / "second-entry.yaml"
    path.write_text(path.read_text().replace("Second Entry", "Second Entry, Revised"))
    assert counts(cli, small_kb, "--changed-since", "HEAD") == (1, 1, 1)
    monkeypatch.chdir(small_kb / "entries")
    assert counts(cli, small_kb, "--changed-since", "HEAD") == (1, 1, 1)


def test_a_path_that_does_not_exist_is_the_same_usage_error_everywhere(cli, small_kb, monkeypatch):
    monkeypatch.chdir(small_kb / "entries")
    for command in (["validate"], ["fmt", "--check"], ["check-links", *ALLOW]):
        result = cli(small_kb, *command, "entries/paper")  # typed as if from the root
        assert result.exit_code == 2, result.output
        assert "no such file or folder: entries/paper" in result.stderr and "did you mean" in result.stderr
        both = cli(small_kb, *command, "paper", "--changed-since", "HEAD")
        assert both.exit_code == 2 and "not both" in both.stderr


@pytest.mark.parametrize("unknown, expected", [("deep-learning", "machine-learning/deep-learning"),  # a leaf alone
                                               ("machine-learnin", "machine-learning")])  # a misspelling
def test_every_command_suggests_the_same_domain(cli, kb_copy, tmp_path, unknown, expected):
    write_entry(kb_copy, "paper", "unknown-domain", good("unknown-domain").replace(
        "physics/statistical-mechanics", unknown).replace("lecturers:", "authors:"))
    said = {
        "validate": cli(kb_copy, "validate", str(kb_copy / "entries/paper/unknown-domain.yaml")).stdout,
        "list": cli(kb_copy, "list", "--domain", unknown).stderr,
        "search": cli(kb_copy, "search", "physics", "--domain", unknown, "--index-dir", str(tmp_path / "i")).stderr,
        "new": cli(kb_copy, "new", "paper", "--title", "A Paper", "--url", "https://example.org/p", "--domain", unknown,
                   "--audience", "graduate", "--author", "A. Person", "--year", "2020",
                   "--why", "x" * 60, "--for-whom", "Graduate students.").stderr,
    }
    hint = f"did you mean `{expected}`?"
    assert {name: hint in text for name, text in said.items()} == dict.fromkeys(said, True), said
