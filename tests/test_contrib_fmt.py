"""`kb fmt`: canonical order, quoting and width; idempotent; comments and values kept; --check for CI."""
from __future__ import annotations

import re

from kb.contrib.canonical import format_text
from kb.model import entry_files, load_text, modeline_schema, schema_comment

from conftest import write_entry

SCHEMA_COMMENT = schema_comment("lecture-series")
LEGACY_COMMENT = "# yaml-language-server: $schema=../../kb/schema/entry.schema.json"  # before the per-type schemas

MESSY = """\
# curator's note: checked 2024-05-01
why: |
  The only course that derives everything from the principle of least action, with care.
# a comment between fields
title: 'Gödel, Escher: Bach'   # the title comment
id: messy-entry
url: https://example.org/messy
tags: ['physics', "mechanics"]  # tags comment
domains:
  - physics/classical-mechanics   # most specific first
  - physics
audience: [undergraduate]
for_whom: Physics students who know calculus.
lecturers: [Jane Doe]
course_code: "PHYS 101"
related: [classical-mechanics-susskind-2011, mit-8-01-classical-mechanics-lewin-1999, feynman-lectures-on-physics-online]
recommended_by:
  - note: in a talk
    name: Someone   # who said it
added: 2024-01-01
unknown_field: no
"""  # noqa: E501 - the `related` list is longer than a line on purpose


def test_canonical_form_of_a_messy_entry():
    out = format_text(MESSY, "lecture-series")
    assert out.splitlines()[0] == SCHEMA_COMMENT
    keys = [line.split(":")[0] for line in out.splitlines() if re.match(r"^[a-z_]+:", line)]
    assert keys == ["id", "title", "url", "domains", "audience", "lecturers", "course_code", "why", "for_whom",
                    "tags", "related", "recommended_by", "added", "unknown_field"]
    assert 'title: "Gödel, Escher: Bach"' in out and "course_code: PHYS 101\n" in out
    assert "tags: [physics, mechanics]" in out
    assert "related:\n  - classical-mechanics-susskind-2011\n" in out  # too wide for one line
    assert "  - name: Someone   # who said it\n    note: in a talk\n" in out
    assert "unknown_field: no\n" in out  # a YAML 1.1 boolean stays one
    assert max(len(line) for line in out.splitlines()) <= 120


def test_comments_and_values_are_kept_and_formatting_is_idempotent():
    out = format_text(MESSY, "lecture-series")
    comments = [c.strip() for c in re.findall(r"#.*", MESSY)]
    assert all(c in out for c in comments)
    assert load_text(out).value == load_text(MESSY).value
    assert format_text(out, "lecture-series") == out


def test_the_schema_comment_moves_to_line_one_once():
    text = f"# a note above the schema comment\n{SCHEMA_COMMENT}\n" + MESSY.split("\n", 1)[1]
    out = format_text(text, "lecture-series")
    assert out.startswith(f"{SCHEMA_COMMENT}\n# a note above the schema comment\n") and out.count(SCHEMA_COMMENT) == 1


def test_real_entries_keep_their_values_and_a_second_run_changes_nothing(repo_root):
    for path in entry_files(repo_root):
        if path.suffix != ".yaml":
            continue
        text = path.read_text(encoding="utf-8")
        out = format_text(text, path.parent.name)
        assert load_text(out).value == load_text(text).value, path
        assert format_text(out, path.parent.name) == out, path


def test_check_lists_files_and_changes_nothing_then_fmt_fixes_them(kb_copy, cli):
    path = write_entry(kb_copy, "lecture-series", "messy-entry", MESSY)
    cli(kb_copy, "fmt")  # the real entries' own reformat, if any, is not what this test is about
    path.write_text(MESSY)
    check = cli(kb_copy, "fmt", "--check")
    assert check.exit_code == 1
    assert check.stdout.splitlines() == ["would reformat entries/lecture-series/messy-entry.yaml"]
    assert path.read_text() == MESSY
    fixed = cli(kb_copy, "fmt", str(path))
    assert fixed.exit_code == 0 and "reformatted entries/lecture-series/messy-entry.yaml" in fixed.output
    assert cli(kb_copy, "fmt", "--check").exit_code == 0


def test_a_file_that_does_not_load_is_reported_and_left_alone(empty_kb, cli):
    bad = "id: broken\ntitle: [unclosed\n"
    path = write_entry(empty_kb, "paper", "broken", bad)
    result = cli(empty_kb, "fmt")
    assert result.exit_code == 1 and "entries/paper/broken.yaml: line" in result.output
    assert path.read_text() == bad


def test_a_missing_path_is_a_usage_error(empty_kb, cli):
    assert cli(empty_kb, "fmt", str(empty_kb / "nope.yaml")).exit_code == 2


def test_the_quick_check_and_the_full_round_trip_agree(repo_root):
    """Comment-free canonical files are recognised without ruamel.yaml; a comment forces the full
    round trip, which must produce the same canonical text."""
    for path in entry_files(repo_root):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yaml" and format_text(text, path.parent.name) == text:
            with_comment = text + "# a comment at the end\n"
            assert format_text(with_comment, path.parent.name) == with_comment, path


def test_real_entries_are_in_canonical_form(repo_root, cli):
    result = cli(repo_root, "fmt", "--check")
    assert result.exit_code == 0 and not result.stdout, result.output


def test_fmt_points_every_entry_at_its_type_editor_schema(kb_copy, cli):
    path = write_entry(kb_copy, "paper", "legacy-line", f"{LEGACY_COMMENT}\n" + MESSY.split("\n", 1)[1])
    other = write_entry(kb_copy, "research-guide", "odd-modeline",
                        "# $schema: https://example.org/other.json\n" + MESSY.split("\n", 1)[1])
    assert cli(kb_copy, "fmt").exit_code in (0, 1)  # the MESSY fields are not a paper's: only the line matters here
    assert path.read_text().splitlines()[0] == schema_comment("paper")
    assert other.read_text().splitlines()[0] == schema_comment("research-guide")
    for entry in entry_files(kb_copy):
        lines = entry.read_text(encoding="utf-8").splitlines()
        assert lines[0] == schema_comment(entry.parent.name), entry
        assert [line for line in lines[1:] if modeline_schema(line) is not None] == [], entry


def test_changed_since_formats_only_changed_entries(kb_copy, cli):
    import subprocess

    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin", "HOME": str(kb_copy)}
    for args in (["init", "-q"], ["add", "entries"], ["commit", "-qm", "base"]):
        subprocess.run(["git", *args], cwd=kb_copy, check=True, capture_output=True, env=env)
    assert "no entry changed" in cli(kb_copy, "fmt", "--check", "--changed-since", "HEAD").output
    write_entry(kb_copy, "lecture-series", "messy-entry", MESSY)
    result = cli(kb_copy, "fmt", "--check", "--changed-since", "HEAD")
    assert result.exit_code == 1 and result.stdout == "would reformat entries/lecture-series/messy-entry.yaml\n"
    assert "1 files checked" in result.output


def test_parallel_formatting_gives_the_same_report(kb_copy, monkeypatch):
    from kb.contrib import canonical

    canonical.format_paths(kb_copy)  # the real entries' own reformat, if any, is not what this test is about
    write_entry(kb_copy, "lecture-series", "messy-entry", MESSY)
    write_entry(kb_copy, "paper", "broken", "id: broken\ntitle: [unclosed\n")
    entries = len(list((kb_copy / "entries").glob("*/*.yaml")))  # the real ones and the two above
    sequential = canonical.format_paths(kb_copy, write=False)
    monkeypatch.setattr(canonical, "PARALLEL_FROM", 2)
    parallel = canonical.format_paths(kb_copy, write=False)
    assert parallel == sequential and parallel.checked == entries
    assert parallel.changed == ["entries/lecture-series/messy-entry.yaml"]
    assert [path for path, _ in parallel.failed] == ["entries/paper/broken.yaml"]
