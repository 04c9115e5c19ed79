"""Bad input gets a clear error and nothing is lost: each defect found when kb was tried as a careless or
hostile user would, at the CLI boundary, on real files."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import REPO, good_entry, write_entry
from test_contrib_new import KB, WHY, run_in_terminal


def good(entry_id: str, title: str = "A Good Entry", extra: str = "") -> str:
    return good_entry(entry_id, title, extra=extra)


def problems(cli, root, *args) -> list[dict]:
    result = cli(root, "validate", "--format", "json", *args)
    return json.loads(result.stdout)


# ---- data loss -------------------------------------------------------------------------------------------

def test_site_generate_never_deletes_files_kb_did_not_write(cli, kb_copy, monkeypatch):
    docs = kb_copy / "docs"
    docs.mkdir()
    (docs / "notes.md").write_text("mine\n")
    monkeypatch.chdir(kb_copy)
    result = cli(kb_copy, "site", "generate", "--output", "docs/newdir/..")
    assert result.exit_code == 2 and "not made by `kb site generate`" in result.stderr
    assert (docs / "notes.md").read_text() == "mine\n" and not (docs / "newdir").exists()
    (docs / "newdir").mkdir()
    (docs / "newdir" / "keep.txt").write_text("mine too\n")
    assert cli(kb_copy, "site", "generate", "--output", "docs/newdir").exit_code == 2
    assert (docs / "newdir" / "keep.txt").exists()


def test_export_into_a_missing_folder_is_a_usage_error(cli, kb_copy, tmp_path):
    target = tmp_path / "nonexistent" / "dir" / "file.json"
    result = cli(kb_copy, "export", "--format", "json", "--output", str(target))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    assert not target.parent.exists()


# ---- wrong results ---------------------------------------------------------------------------------------

def test_the_same_id_in_two_type_folders_is_reported_at_both(cli, empty_kb):
    write_entry(empty_kb, "lecture-series", "same-id", good("same-id"))
    paper = good("same-id", "Another Title").replace("lecturers:", "authors:")
    write_entry(empty_kb, "paper", "same-id", paper.replace("url: https://example.org/same-id",
                                                            "url: https://example.org/other"))
    found = [(p["path"], p["code"]) for p in problems(cli, empty_kb) if p["code"] == "duplicate-id"]
    assert found == [("entries/lecture-series/same-id.yaml", "duplicate-id"),
                     ("entries/paper/same-id.yaml", "duplicate-id")]


def git(root: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": os.environ["PATH"], "HOME": str(root)}
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, env=env)


@pytest.mark.parametrize("change", ["delete", "rename"])
def test_changed_since_checks_entries_naming_a_deleted_or_renamed_one(cli, empty_kb, change):
    needed = write_entry(empty_kb, "lecture-series", "needed-entry", good("needed-entry", "Needed"))
    write_entry(empty_kb, "lecture-series", "needing-entry",
                good("needing-entry", "Needing", "prerequisites: [needed-entry]\nrelated: [needed-entry]\n"))
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "base"]):
        git(empty_kb, *args)
    if change == "delete":
        needed.unlink()
    else:
        needed.rename(needed.with_name("renamed-entry.yaml"))
        needed.with_name("renamed-entry.yaml").write_text(good("renamed-entry", "Needed"))
    found = problems(cli, empty_kb, "--changed-since", "HEAD")
    assert [(p["path"], p["code"]) for p in found] == [("entries/lecture-series/needing-entry.yaml",
                                                        "unknown-reference")] * 2


@pytest.mark.parametrize("field, value, where", [
    ("title", '"Statistical\\0Mechanics"', "U+0000"),
    ("title", '"Statistical\\u202eMechanics"', "U+202E (RIGHT-TO-LEFT OVERRIDE) at column 12 of the value"),
    ("title", '"Two\\nlines"', "U+000A (a line break)"),
    ("lecturers", '["Leonard\\u200bSusskind"]', "U+200B (ZERO WIDTH SPACE)"),
    ("why", '"A clear derivation of statistical mechanics\\u202e from entropy and ideas."', "U+202E"),
])
def test_control_and_format_characters_are_refused_with_code_point_and_column(cli, empty_kb, field, value, where):
    text = good("bad-chars")
    lines = [line for line in text.splitlines() if not line.startswith((field, "  A clear"))]
    write_entry(empty_kb, "lecture-series", "bad-chars", "\n".join(lines) + f"\n{field}: {value}\n")
    found = [p for p in problems(cli, empty_kb) if p["code"] == "control-character"]
    assert len(found) == 1 and where in found[0]["message"], found


def test_markdown_fields_keep_line_breaks_and_tabs(cli, empty_kb):
    write_entry(empty_kb, "lecture-series", "ok-prose", good("ok-prose", extra='caveats: "One.\\n\\tTwo."\n'))
    assert problems(cli, empty_kb) == []


def test_kb_new_and_the_site_get_the_character_check(cli, empty_kb):
    result = cli(empty_kb, "new", "paper", "--title", "Reversed\u202etitle", "--url", "https://example.org/r",
                 "--domain", "mathematics", "--audience", "graduate", "--author", "A. Person", "--year", "2020",
                 "--why", WHY, "--for-whom", "Graduate students.")
    assert result.exit_code == 1 and "control-character" in result.output
    assert not list((empty_kb / "entries").glob("*/*.yaml"))


def test_a_title_of_spaces_is_no_title(cli, empty_kb):
    write_entry(empty_kb, "lecture-series", "blank-title", good("blank-title", '"   "'))
    assert [p["code"] for p in problems(cli, empty_kb)] == ["blank-text"]


def test_nan_and_infinity_are_refused_and_json_stays_json(cli, empty_kb):
    result = cli(empty_kb, "new", "lecture-series", "--title", "Some Course", "--url", "https://example.org/c",
                 "--domain", "mathematics", "--audience", "graduate", "--lecturer", "A. Person", "--year", "2020",
                 "--why", WHY, "--for-whom", "Graduate students.", "--hours", "nan")
    assert result.exit_code == 1 and "not-finite" in result.output
    write_entry(empty_kb, "lecture-series", "nan-hours", good("nan-hours", extra="hours: .nan\n"))
    assert [p["code"] for p in problems(cli, empty_kb)] == ["not-finite"]
    shown = cli(empty_kb, "show", "nan-hours", "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["hours"] is None and "NaN" not in shown.stdout
    exported = cli(empty_kb, "export", "--format", "json")
    assert "NaN" not in exported.stdout and json.loads(exported.stdout)["entries"][0]["hours"] is None
    listed = cli(empty_kb, "list", "--json")
    assert json.loads(listed.stdout)[0]["hours"] is None


@pytest.mark.parametrize("taxonomy", [None, "", "domains: [\n", "domains: {}\naudiences: {}\n"],
                         ids=["missing", "empty", "garbage", "no-terms"])
@pytest.mark.parametrize("command", [["site", "generate"], ["export", "--format", "json"],
                                     ["export", "--format", "bibtex"], ["list", "--domain", "physics"]])
def test_a_broken_taxonomy_stops_the_commands_that_need_it(cli, kb_copy, taxonomy, command, tmp_path):
    path = kb_copy / "entries" / "taxonomy.yaml"
    path.unlink() if taxonomy is None else path.write_text(taxonomy)
    if command[0] == "site":
        command = [*command, "--output", str(tmp_path / "out")]
    result = cli(kb_copy, *command)
    assert result.exit_code == 1 and "entries/taxonomy.yaml" in result.stderr, result.output
    assert "internal error" not in result.output and not (tmp_path / "out").exists()


def test_duplicates_in_other_scripts_and_dois_written_as_urls(cli, empty_kb):
    for entry_id, title in (("strings-one", "«Теория струн»"), ("strings-two", "Теория  струн")):
        write_entry(empty_kb, "lecture-series", entry_id, good(entry_id, title).replace("2013", "2020"))
    paper = good("{id}", "{title}").replace("lecturers:", "authors:")
    write_entry(empty_kb, "paper", "doi-field", paper.format(id="doi-field", title="One") + "doi: 10.1000/ABC\n")
    write_entry(empty_kb, "paper", "doi-url", paper.format(id="doi-url", title="Two").replace(
        "https://example.org/doi-url", "https://dx.doi.org/10.1000/abc"))
    write_entry(empty_kb, "paper", "arxiv-field",
                paper.format(id="arxiv-field", title="Three") + 'arxiv: "2412.06769"\n')
    write_entry(empty_kb, "paper", "arxiv-doi-url", paper.format(id="arxiv-doi-url", title="Four").replace(
        "https://example.org/arxiv-doi-url", "https://doi.org/10.48550/arXiv.2412.06769"))
    codes = {(p["path"].rsplit("/", 1)[-1], p["code"]) for p in problems(cli, empty_kb)}
    assert {("strings-one.yaml", "duplicate-title"), ("strings-two.yaml", "duplicate-title"),
            ("doi-field.yaml", "duplicate-doi"), ("doi-url.yaml", "duplicate-doi"),
            ("arxiv-field.yaml", "duplicate-arxiv"), ("arxiv-doi-url.yaml", "duplicate-arxiv")} <= codes


def test_a_prerequisite_cycle_is_reported_where_it_closes_naming_it_whole(cli, empty_kb):
    for name, needs in (("cycle-a", "cycle-b"), ("cycle-b", "cycle-c"), ("cycle-c", "cycle-a")):
        write_entry(empty_kb, "lecture-series", name, good(name, name.title(), f"prerequisites: [{needs}]\n"))
    [found] = problems(cli, empty_kb)
    assert found["code"] == "prerequisite-cycle" and found["path"] == "entries/lecture-series/cycle-c.yaml"
    assert found["line"] == 13 and "cycle-a -> cycle-b -> cycle-c -> cycle-a" in found["message"]


# ---- "internal error" where a plain message belongs ------------------------------------------------------

@pytest.mark.parametrize("text, code", [("id: x\nid: y\n", "duplicate-key"), ("- a\n- b\n", "not-a-mapping"),
                                        ("title: [unclosed\n", "yaml-syntax")])
def test_show_of_a_broken_entry_says_what_validate_says(cli, empty_kb, text, code):
    write_entry(empty_kb, "paper", "broken-entry", text)
    shown = cli(empty_kb, "show", "broken-entry")
    said = cli(empty_kb, "validate").stdout.splitlines()[0]
    assert shown.exit_code == 1 and "internal error" not in shown.stderr
    assert said in shown.stderr and f"error[{code}]" in said


def test_messages_name_the_right_thing(cli, empty_kb, monkeypatch):
    (empty_kb / "README.md").write_text("# a readme\n")
    monkeypatch.chdir(empty_kb)
    [found] = problems(cli, empty_kb, "README.md")
    assert found["code"] == "unknown-type" and found["message"].startswith("`README.md` is not in an entry type folder")
    write_entry(empty_kb, "lecture-series", "short-why", good("short-why").replace(
        "  A clear derivation of statistical mechanics from entropy and a handful of ideas.", "  Too short."))
    [short] = [p for p in problems(cli, empty_kb) if p["code"] == "too-short"]
    assert short["message"].startswith("`why` has 11 characters; at least 40 are needed")


def test_new_asks_again_for_an_answer_that_is_wrong(kb_copy):
    code, seen = run_in_terminal(
        [KB, "--root", str(kb_copy), "new", "lecture-series", "--title", "Introduction to Knots (2021)",
         "--year", "2021"],
        [("url", "ftp://example.org/knots"), ("url", "https://example.org/knots"), ("domains", "knot-theory"),
         ("domains", "mathematics"), ("audience", "undergrad"), ("audience", "undergraduate"),
         ("why", "Short."), ("why", WHY), ("for whom", "Mathematics undergraduates."), ("lecturers", "Jane Doe")])
    assert code == 0, seen
    assert "is not http or https" in seen and "unknown domain `knot-theory`" in seen
    assert "did you mean `undergraduate`?" in seen and "at least 40 are needed" in seen
    assert (kb_copy / "entries/lecture-series/introduction-knots-2021.yaml").is_file()


def test_interrupting_a_prompt_ends_like_any_interrupt(kb_copy):
    """Ctrl-C at a `kb new` prompt: exit 130 and "kb: interrupted", as everywhere (click says "Aborted!"
    and exits 1). A pseudo-terminal is stdin, so kb prompts; its output goes to pipes to be read."""
    import pty
    import select
    import signal
    import time

    controller, terminal = pty.openpty()
    process = subprocess.Popen([KB, "--root", str(kb_copy), "new", "paper"], stdin=terminal,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    os.close(terminal)
    try:
        seen, deadline = b"", time.monotonic() + 30
        while b":" not in seen and time.monotonic() < deadline:  # the first prompt, `title:`
            if select.select([process.stdout], [], [], 0.2)[0]:
                seen += os.read(process.stdout.fileno(), 4096)
        # a person presses Ctrl-C while kb waits for the answer: a signal sent before the read has begun
        # would only be noticed once it returns (CPython's input() race), so wait for the read
        while "State:\tS" not in Path(f"/proc/{process.pid}/status").read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        os.close(controller)
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130 and b"kb: interrupted" in err and b"Aborted" not in err


def test_changed_since_outside_git_says_so(cli, empty_kb):
    for command in (["validate"], ["fmt", "--check"], ["check-links"]):
        result = cli(empty_kb, *command, "--changed-since", "HEAD")
        assert result.exit_code == 2 and "is not a git repository" in result.stderr, (command, result.output)


# ---- kb fmt keeps what the user wrote --------------------------------------------------------------------

MESSY_WITH_COMMENTS = """\
id: commented-entry
why: >-  # the short version
  A clear derivation of statistical mechanics from entropy and a handful of ideas.
# the official title
title: "A Good Entry"
url: https://example.org/commented-entry
domains: [physics/statistical-mechanics]
audience: [undergraduate]  # for now
lecturers: [Leonard Susskind]
for_whom: Undergraduates starting physics.
added: 2026-01-15
# the end
"""


def test_fmt_moves_comments_with_their_fields_and_drops_none(cli, empty_kb):
    path = write_entry(empty_kb, "lecture-series", "commented-entry", MESSY_WITH_COMMENTS)
    assert cli(empty_kb, "fmt").exit_code == 0
    lines = path.read_text().splitlines()
    assert lines[lines.index('title: "A Good Entry"') - 1] == "# the official title"
    assert lines[next(i for i, line in enumerate(lines) if line.startswith("why:")) - 1] == "# the short version"
    assert "audience: [undergraduate]  # for now" in lines and lines[-1] == "# the end"
    assert cli(empty_kb, "fmt", "--check").exit_code == 0  # and formatting again changes nothing


def test_fmt_rewrites_crlf_files_and_check_reports_them(cli, empty_kb):
    path = empty_kb / "entries" / "lecture-series" / "crlf-entry.yaml"
    path.parent.mkdir(parents=True)
    assert cli(empty_kb, "new", "lecture-series", "--title", "Crlf Course", "--id", "crlf-entry",
               "--url", "https://example.org/crlf", "--domain", "mathematics", "--audience", "graduate",
               "--lecturer", "A. Person", "--why", WHY, "--for-whom", "Graduate students.").exit_code == 0
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    check = cli(empty_kb, "fmt", "--check")
    assert check.exit_code == 1 and "would reformat entries/lecture-series/crlf-entry.yaml" in check.stdout
    assert cli(empty_kb, "fmt").exit_code == 0 and b"\r" not in path.read_bytes()


# ---- symlinks ---------------------------------------------------------------------------------------------

def test_an_entry_linked_to_a_file_outside_the_kb_is_refused(cli, empty_kb, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "secret.yaml"
    outside.write_text(good("linked-entry"))
    link = empty_kb / "entries" / "lecture-series" / "linked-entry.yaml"
    link.parent.mkdir(parents=True)
    link.symlink_to(outside)
    [found] = problems(cli, empty_kb)
    assert found["code"] == "symlink-outside" and str(outside) in found["message"]
    assert "linked-entry" not in cli(empty_kb, "list").stdout
    fmt = cli(empty_kb, "fmt")
    assert fmt.exit_code == 1 and "outside the KB" in fmt.stderr and outside.read_text() == good("linked-entry")
    inside = empty_kb / "shared" / "inside-entry.yaml"
    inside.parent.mkdir()
    inside.write_text(good("inside-entry", "Inside"))
    link.unlink()
    (empty_kb / "entries" / "lecture-series" / "inside-entry.yaml").symlink_to(inside)
    assert problems(cli, empty_kb) == [] and "inside-entry" in cli(empty_kb, "list").stdout


# ---- read-only folders -------------------------------------------------------------------------------------

@pytest.fixture
def read_only_kb(tmp_path):
    """A copy of the real KB on a read-only mount (root can write through permissions, not through `ro`);
    skipped where mounting is not allowed."""
    source, mount = tmp_path / "source", tmp_path / "kb"
    mount.mkdir()
    import shutil

    shutil.copytree(REPO / "entries", source / "entries")
    for name in ("mkdocs.yml", "pyproject.toml"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "docs", source / "docs", ignore=shutil.ignore_patterns("generated"))
    done = subprocess.run(["mount", "--bind", "-o", "ro", str(source), str(mount)], capture_output=True)
    if done.returncode != 0 or os.access(mount, os.W_OK) and _writable(mount):
        subprocess.run(["umount", str(mount)], capture_output=True)
        pytest.skip(f"cannot make a read-only mount here ({done.stderr.decode().strip() or 'not read-only'})")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def _writable(folder: Path) -> bool:
    try:
        (folder / ".probe").write_text("x")
    except OSError:
        return False
    (folder / ".probe").unlink()
    return True


WRITING_COMMANDS = [
    ["new", "paper", "--title", "A Read-only Test", "--url", "https://example.org/ro", "--domain", "mathematics",
     "--audience", "graduate", "--author", "A. Person", "--year", "2020", "--why", WHY, "--for-whom", "Anyone at all."],
    ["export", "--format", "json", "--output", "{root}/export.json"],
    ["site", "generate"],
    ["fmt"],  # nothing to change in canonical files: succeeds
    ["index"],
    ["search", "susskind"],
    ["list"], ["show", "statistical-mechanics-susskind"], ["validate"],
]


@pytest.mark.parametrize("command", WRITING_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_command_on_a_read_only_kb_fails_cleanly_or_succeeds(cli, read_only_kb, command):
    args = [a.replace("{root}", str(read_only_kb)) for a in command]
    before = sorted(p.relative_to(read_only_kb) for p in read_only_kb.rglob("*"))
    result = subprocess.run([KB, "--root", str(read_only_kb), *args], capture_output=True, text=True,
                            env={**os.environ, "KB_INDEX_DIR": ""})
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2)
    if result.returncode:
        assert "read-only file system" in result.stderr.lower() and str(read_only_kb) in result.stderr, result.stderr
    assert sorted(p.relative_to(read_only_kb) for p in read_only_kb.rglob("*")) == before


@pytest.mark.parametrize("taxonomy", [None, "", "domains: [\n"], ids=["missing", "empty", "garbage"])
def test_every_command_with_a_broken_taxonomy_fails_cleanly_naming_it(kb_copy, taxonomy, tmp_path):
    import shutil

    from kb.cli import main
    from kb.site import SITE_SOURCES

    for source in SITE_SOURCES:  # so that the site commands get as far as the taxonomy
        copy = shutil.copytree if (REPO / source).is_dir() else shutil.copy
        copy(REPO / source, kb_copy / source)
    path = kb_copy / "entries" / "taxonomy.yaml"
    path.unlink() if taxonomy is None else path.write_text(taxonomy)

    for name, command in sorted(main.commands.items()):
        for argv in _argv_for(name, command, tmp_path):
            result = subprocess.run([KB, "--root", str(kb_copy), *argv], capture_output=True, text=True,
                                    env={**os.environ, "KB_INDEX_DIR": str(tmp_path / "index")}, timeout=120)
            assert "Traceback" not in result.stderr and "internal error" not in result.stderr, (argv, result.stderr)
            if result.returncode:
                said = result.stdout + result.stderr
                assert result.returncode in (1, 2) and "taxonomy.yaml" in said, (argv, said)


def _argv_for(name: str, command, tmp_path: Path) -> list[list[str]]:
    """Each command with arguments that make it use the KB (subcommands of a group each once)."""
    import click

    if isinstance(command, click.Group):
        return [argv for sub, inner in sorted(command.commands.items())
                for argv in _argv_for(f"{name} {sub}", inner, tmp_path) if sub != "serve"]
    examples = {"show": ["statistical-mechanics-susskind"], "search": ["susskind"],
                "export": ["--format", "json"], "import-bibtex": [str(REPO / "tests/data/contrib/import.bib"),
                                                                    "--domain", "mathematics", "--audience", "graduate",
                                                                    "--dry-run"],
                "new": ["paper", "--title", "A Test Paper", "--url", "https://example.org/t", "--domain", "physics",
                        "--audience", "graduate", "--author", "A. Person", "--year", "2020", "--why", WHY,
                        "--for-whom", "Anyone at all.", "--dry-run"], "check-links": ["--no-cache", "--max-age", "1d",
                                                                            str(tmp_path / "none")],
                "site generate": ["--output", str(tmp_path / "site-out")], "path": ["physics"],
                "completion": ["bash"], "schema": []}
    if name == "check-links":
        return []  # it never reads the taxonomy, and it needs the network: tests/test_links_cli.py covers it
    return [[*name.split(), *examples.get(name, [])]]
