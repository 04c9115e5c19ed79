"""Shell completion through click's own machinery (ShellComplete, the `_KB_COMPLETE` protocol the scripts
use, and the bash script itself): entry ids, domains, audiences, types and formats; nothing, and no
traceback, for a broken KB."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from kb.cli import main
from kb.model import TYPES, entry_schema, load_entries, load_taxonomy

from conftest import write_entry

KB = str(Path(sys.executable).with_name("kb"))


def complete(root: Path | None, words: list[str], incomplete: str) -> list[str]:
    """What click offers for `incomplete` after `kb WORDS...`, as the shell scripts ask for it."""
    args = (["--root", str(root)] if root else []) + words
    return [item.value for item in ShellComplete(main, {}, "kb", "_KB_COMPLETE").get_completions(args, incomplete)]


def test_entry_ids_complete_for_show(repo_root):
    ids = sorted(e.id for e in load_entries(repo_root)[0])
    assert complete(repo_root, ["show"], "") == ids
    wanted = sorted(i for i in ids if i.startswith("stat"))
    assert wanted and complete(repo_root, ["show"], "stat") == wanted
    assert complete(repo_root, ["show"], "no-such-prefix") == []


def test_entry_ids_complete_for_the_references_of_kb_new(repo_root):
    ids = [e.id for e in load_entries(repo_root)[0] if e.id.startswith("cs2")]
    for option in ("--related", "--prerequisite"):
        assert complete(repo_root, ["new", "paper", option], "cs2") == sorted(ids)


@pytest.mark.parametrize("words", [["list", "--domain"], ["search", "susskind", "--domain"],
                                   ["new", "paper", "--domain"], ["import-bibtex", "refs.bib", "--domain"]])
def test_domain_ids_complete_everywhere(repo_root, words):
    taxonomy, _ = load_taxonomy(repo_root / "entries")
    assert complete(repo_root, words, "") == list(taxonomy.domains)
    physics = [d for d in taxonomy.domains if d.startswith("physics/st")]
    assert physics and complete(repo_root, words, "physics/st") == physics


@pytest.mark.parametrize("words", [["list", "--audience"], ["search", "x", "--audience"],
                                   ["new", "lecture-series", "--audience"], ["import-bibtex", "r.bib", "--audience"],
                                   ["path", "physics", "--audience"]])
def test_audiences_complete_everywhere(repo_root, words):
    taxonomy, _ = load_taxonomy(repo_root / "entries")
    assert complete(repo_root, words, "") == list(taxonomy.audiences)
    assert complete(repo_root, words, "g") == [a for a in taxonomy.audiences if a.startswith("g")]


def test_path_targets_are_domains_then_entries(repo_root):
    taxonomy, _ = load_taxonomy(repo_root / "entries")
    physics = [d for d in taxonomy.domains if d.startswith("physics")]
    entries = sorted(p.stem for p in (repo_root / "entries").glob("*/physics*.yaml"))
    assert complete(repo_root, ["path"], "physics") == physics + entries
    assert "statistical-mechanics-susskind" in complete(repo_root, ["path"], "statistical-")


def test_domains_and_audiences_carry_their_titles(repo_root):
    items = ShellComplete(main, {}, "kb", "_KB_COMPLETE").get_completions(["--root", str(repo_root), "list",
                                                                            "--audience"], "under")
    assert [(i.value, i.help) for i in items] == [("undergraduate", "Undergraduate")]


def test_types_and_formats_complete(repo_root):
    assert complete(repo_root, ["new"], "") == list(TYPES)
    assert complete(repo_root, ["list", "--type"], "re") == ["research-guide"]
    formats = entry_schema()["$defs"]["common"]["properties"]["format"]["items"]["enum"]
    assert complete(repo_root, ["new", "paper", "--format"], "") == formats
    assert complete(repo_root, ["new", "paper", "--format"], "v") == ["video"]
    assert complete(repo_root, ["completion"], "") == ["bash", "zsh", "fish"]


def test_the_kb_is_found_as_every_command_finds_it(empty_kb, monkeypatch):
    write_entry(empty_kb, "paper", "only-paper", "id: only-paper\n")
    monkeypatch.chdir(empty_kb / "entries" / "paper")
    assert complete(None, ["show"], "") == ["only-paper"]
    monkeypatch.setenv("KB_ROOT", str(empty_kb))
    monkeypatch.chdir(empty_kb.parent)
    assert complete(None, ["show"], "on") == ["only-paper"]


def test_a_broken_kb_completes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KB_ROOT", raising=False)
    assert complete(None, ["show"], "") == []  # no KB anywhere above
    assert complete(tmp_path / "missing", ["list", "--domain"], "") == []
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries/taxonomy.yaml").write_text("domains: [unclosed\n")
    assert complete(tmp_path, ["list", "--domain"], "") == []
    assert complete(tmp_path, ["list", "--audience"], "") == []
    (tmp_path / "entries/paper").write_text("a file where a folder belongs")
    assert complete(tmp_path, ["show"], "") == []


def shell_protocol(words: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`kb` run by a completion script: the words typed so far in COMP_WORDS, the last one incomplete."""
    return subprocess.run([KB], capture_output=True, text=True, timeout=60, cwd=cwd, env={
        **os.environ, **(env or {}), "_KB_COMPLETE": "bash_complete", "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))})


def test_the_process_protocol_and_its_silence_on_a_broken_kb(repo_root, tmp_path):
    found = shell_protocol("kb show statistical-mech", repo_root)
    assert found.returncode == 0 and found.stdout.split() == ["plain,statistical-mechanics-susskind"]
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries/taxonomy.yaml").write_bytes(b"\xff\xfe garbage")
    for words in ("kb show ", "kb list --domain ", "kb --root /nonexistent show "):
        broken = shell_protocol(words, tmp_path, {"KB_ROOT": str(tmp_path)})
        assert (broken.returncode, broken.stdout.strip(), broken.stderr) == (0, "", ""), words


@pytest.mark.parametrize("shell, marker", [("bash", "_KB_COMPLETE=bash_complete"), ("zsh", "#compdef kb"),
                                           ("fish", "_KB_COMPLETE=fish_complete")])
def test_completion_prints_each_shell_script(cli, shell, marker):
    result = cli(None, "completion", shell)
    assert result.exit_code == 0 and marker in result.stdout
    assert cli(None, "completion", "powershell").exit_code == 2


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_bash_completes_with_the_printed_script(repo_root):
    """The line docs/commands.md says to add to ~/.bashrc, then a Tab after `kb show statistical-mech`."""
    script = f"""
        eval "$({KB} completion bash)"
        COMP_WORDS=(kb show statistical-mech); COMP_CWORD=2
        _kb_completion kb
        printf '%s\\n' "${{COMPREPLY[@]}}"
    """
    run = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60, cwd=repo_root,
                         env={**os.environ, "PATH": f"{Path(KB).parent}:{os.environ['PATH']}"})
    assert run.returncode == 0 and run.stdout.split() == ["statistical-mechanics-susskind"], run.stderr


def test_docs_give_the_line_for_each_shell(repo_root):
    docs = (repo_root / "docs/commands.md").read_text()
    section = docs.split("## kb completion", 1)[1].split("\n## ", 1)[0]
    for line in ('eval "$(kb completion bash)"', 'eval "$(kb completion zsh)"', "kb completion fish | source"):
        assert line in section
