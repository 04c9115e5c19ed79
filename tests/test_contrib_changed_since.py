"""`kb validate --changed-since REF`: only entries changed since a git revision (the pull-request check)."""
from __future__ import annotations

import subprocess

import pytest

from conftest import write_entry


def git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(root)})


@pytest.fixture
def repo(kb_copy):
    git(kb_copy, "init", "-q", "-b", "main")
    git(kb_copy, "add", "entries")
    git(kb_copy, "commit", "-qm", "base")
    return kb_copy


def test_nothing_changed_says_so_and_passes(repo, cli):
    result = cli(repo, "validate", "--changed-since", "HEAD")
    assert result.exit_code == 0 and "no entry changed since HEAD" in result.output


def test_only_changed_entries_are_reported(repo, cli):
    write_entry(repo, "paper", "bad-new-entry", "id: bad-new-entry\ntitle: Only a title\n")
    hamming = repo / "entries/research-guide/you-and-your-research-hamming.yaml"
    hamming.write_text(hamming.read_text().replace("audience: [general, graduate, researcher]", "audience: [nobody]"))
    result = cli(repo, "validate", "--changed-since", "HEAD", "--format", "github")
    assert result.exit_code == 1
    files = {line.split("file=")[1].split(",")[0] for line in result.stdout.splitlines()}
    assert files == {"entries/paper/bad-new-entry.yaml", "entries/research-guide/you-and-your-research-hamming.yaml"}
    assert "2 entries checked" in result.output


def test_unknown_revision_and_paths_with_it_are_usage_errors(repo, cli):
    assert cli(repo, "validate", "--changed-since", "no-such-ref").exit_code == 2
    assert cli(repo, "validate", "entries/paper", "--changed-since", "HEAD").exit_code == 2
