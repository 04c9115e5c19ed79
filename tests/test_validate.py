"""kb validate: every check, with the exact code and line it reports, on small bad entries."""
from __future__ import annotations

import datetime
import json

import pytest

from kb.validate import validate

from conftest import good_entry, write_entry


def good(entry_id="good-entry", title="A Good Entry", url="https://example.org/good"):
    return good_entry(entry_id, title, url)


def codes_at(report, path_end):
    return [(p.code, p.line) for p in report.problems if p.path.endswith(path_end)]


# (case id, entry text, expected (code, line)); each text is a valid entry with one thing wrong.
CASES = [
    ("unknown-field", good().replace("year: 2013", "yaer: 2013"), ("unknown-field", 8)),
    ("field-of-other-type", good().replace("year: 2013", "authors: [A. Person]"), ("unknown-field", 8)),
    ("missing-title", good().replace("title: A Good Entry\n", ""), ("missing-field", 2)),
    ("missing-why", good().replace("why: |\n  A clear derivation of statistical mechanics from entropy and a "
                                   "handful of ideas.\n", ""), ("missing-field", 2)),
    ("string-not-list", good().replace("audience: [undergraduate]", "audience: undergraduate"), ("wrong-type", 6)),
    ("boolean-no", good().replace("title: A Good Entry", "title: no"), ("wrong-type", 3)),
    ("number-for-text", good().replace("for_whom: Undergraduates starting physics.", "for_whom: 1234567890123"),
     ("wrong-type", 11)),
    ("date-for-text", good().replace("title: A Good Entry", "title: 2024-01-01"), ("wrong-type", 3)),
    ("year-as-string", good().replace("year: 2013", "year: '2013'"), ("wrong-type", 8)),
    ("id-pattern", good().replace("id: good-entry", "id: Good_Entry"), ("invalid-format", 2)),
    ("id-mismatch", good().replace("id: good-entry", "id: other-entry"), ("id-mismatch", 2)),
    ("unknown-domain", good().replace("physics/statistical-mechanics", "physics/stat-mech"), ("unknown-domain", 5)),
    ("unknown-audience", good().replace("[undergraduate]", "[undergrad]"), ("unknown-audience", 6)),
    ("url-scheme", good(url="ftp://example.org/file"), ("bad-url", 4)),
    ("url-javascript", good(url="javascript:alert(1)"), ("bad-url", 4)),
    ("url-credentials", good(url="https://user:secret@example.org/x"), ("bad-url", 4)),
    ("url-whitespace", good(url='"https://example.org/a page"'), ("bad-url", 4)),
    ("url-no-host", good(url="https:///path/only"), ("bad-url", 4)),
    ("impossible-date", good().replace("added: 2026-01-15", "added: 2024-02-30"), ("impossible-date", 12)),
    ("future-date", good().replace("added: 2026-01-15", "added: 2999-01-01"), ("impossible-date", 12)),
    ("year-too-old", good().replace("year: 2013", "year: 1066"), ("out-of-range", 8)),
    ("year-in-future", good().replace("year: 2013", "year: 2090"), ("impossible-year", 8)),
    ("unknown-related", good() + "related: [no-such-entry]\n", ("unknown-reference", 13)),
    ("unknown-prerequisite", good() + "prerequisites: [Basic calculus, no-such-entry]\n", ("unknown-reference", 13)),
    ("self-reference", good() + "related: [good-entry]\n", ("self-reference", 13)),
    ("todo-why", good().replace("  A clear derivation of statistical mechanics from entropy and a handful of ideas.",
                                "  TODO: say why this is the best resource on the subject."), ("todo", 9)),
    ("duplicate-key", good().replace("year: 2013", "year: 2013\ntitle: Again"), ("duplicate-key", 9)),
    ("yaml-syntax", good().replace("for_whom: Undergraduates starting physics.",
                                   "for_whom: [unclosed, list"), ("yaml-syntax", 12)),
    ("tab-indent", good().replace("why: |\n  A clear", "why: |\n\tA clear"), ("tab", 10)),
    ("python-tag", good().replace("title: A Good Entry", "title: !!python/object/apply:os.system [echo hi]"),
     ("yaml-tag", 3)),
    ("alias", good().replace("title: A Good Entry", "title: &t A Good Entry") + "for_whom2: *t\n",
     ("yaml-alias", 3)),  # reported where the anchored value is defined
    ("empty-file", "", ("empty", 1)),
    ("comment-only", "# nothing here\n", ("empty", 1)),
    ("top-level-list", "- id: good-entry\n- title: x\n", ("not-a-mapping", 1)),
    ("top-level-scalar", "just a string\n", ("not-a-mapping", 1)),
    ("recommender-extra-key", good() + "recommended_by:\n  - name: A Person\n    sorce: https://example.org/x\n",
     ("unknown-field", 15)),
    ("link-bad-url", good() + "links:\n  - label: playlist\n    url: file:///etc/passwd\n", ("bad-url", 15)),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check_reports_its_code_and_line(empty_kb, text, expected):
    write_entry(empty_kb, "lecture-series", "good-entry", text)
    report = validate(empty_kb, today=datetime.date(2026, 11, 26))
    assert expected in codes_at(report, "good-entry.yaml"), report.problems
    assert not report.ok


def test_a_valid_entry_has_no_problems(empty_kb):
    write_entry(empty_kb, "lecture-series", "good-entry", good())
    report = validate(empty_kb, today=datetime.date(2026, 11, 26))
    assert report.problems == [] and report.ok and report.files_checked == 1


def test_every_problem_in_a_file_is_reported_in_one_run(empty_kb):
    text = good(url="ftp://x.org/a").replace("yaml-language", "yaml-language").replace(
        "year: 2013", "yaer: 2013").replace("[undergraduate]", "[undergrad]").replace("title: A Good Entry\n", "")
    write_entry(empty_kb, "lecture-series", "good-entry", text)
    found = {code for code, _ in codes_at(validate(empty_kb), "good-entry.yaml")}
    assert {"bad-url", "unknown-field", "unknown-audience", "missing-field"} <= found


def test_hints_suggest_the_closest_id_and_field(empty_kb):
    text = good().replace("physics/statistical-mechanics", "physics/statistical-mechanic").replace(
        "year: 2013", "yaer: 2013")
    write_entry(empty_kb, "lecture-series", "good-entry", text)
    hints = {p.code: p.hint for p in validate(empty_kb).problems}
    assert "physics/statistical-mechanics" in hints["unknown-domain"]
    assert "`year`" in hints["unknown-field"]


def test_a_leaf_domain_name_suggests_its_full_id(empty_kb):
    write_entry(empty_kb, "lecture-series", "good-entry", good().replace("physics/statistical-mechanics",
                                                                           "deep-learning"))
    [problem] = validate(empty_kb).problems
    assert problem.hint == "did you mean `machine-learning/deep-learning`?"


def test_file_name_must_be_a_valid_id(empty_kb):
    write_entry(empty_kb, "lecture-series", "Bad_Name", good().replace("id: good-entry", "id: bad-name"))
    assert ("bad-id", 1) in codes_at(validate(empty_kb), "Bad_Name.yaml")


def test_wrong_extension_and_unknown_type_folder(empty_kb):
    write_entry(empty_kb, "lecture-series", "good-entry", good())
    (empty_kb / "entries" / "lecture-series" / "good-entry.yml").write_text(good())
    (empty_kb / "entries" / "papers").mkdir()
    (empty_kb / "entries" / "papers" / "x.yaml").write_text(good())
    report = validate(empty_kb)
    assert ("bad-filename", 1) in codes_at(report, "good-entry.yml")
    assert ("unknown-type", 1) in codes_at(report, "papers/x.yaml")


@pytest.mark.parametrize("first,second,code", [
    ("https://example.org/course/", "http://www.example.org/course?utm_source=feed", "duplicate-url"),
    ("https://arxiv.org/abs/2412.06769", "https://arxiv.org/pdf/2412.06769v2", "duplicate-arxiv"),
])
def test_duplicates_across_entries_are_reported_at_both_places(empty_kb, first, second, code):
    write_entry(empty_kb, "lecture-series", "first-entry", good("first-entry", "First", first))
    write_entry(empty_kb, "lecture-series", "second-entry", good("second-entry", "Second", second))
    report = validate(empty_kb)
    assert (code, 4) in codes_at(report, "first-entry.yaml")
    assert (code, 4) in codes_at(report, "second-entry.yaml")


PAPER = """\
id: {id}
title: {title}
url: {url}
domains: [ai-safety/latent-reasoning]
audience: [researcher]
authors: [A. Author]
year: 2024
arxiv: "{arxiv}"
doi: {doi}
why: A careful study of latent reasoning with clear baselines and ablations.
for_whom: Researchers in the field.
added: 2026-01-15
"""


def test_same_arxiv_id_however_written_and_same_doi_and_title(empty_kb):
    write_entry(empty_kb, "paper", "paper-one", PAPER.format(id="paper-one", title="Latent Thoughts",
                url="https://example.org/one", arxiv="2412.06769", doi="10.1000/ABC.1"))
    write_entry(empty_kb, "paper", "paper-two", PAPER.format(id="paper-two", title="latent   thoughts!",
                url="https://example.org/two", arxiv="2412.06769v3", doi="https://doi.org/10.1000/abc.1"))
    report = validate(empty_kb)
    for name in ("paper-one.yaml", "paper-two.yaml"):
        found = codes_at(report, name)
        assert ("duplicate-arxiv", 8) in found and ("duplicate-doi", 9) in found and ("duplicate-title", 2) in found


HOSTILE = {
    "non-utf8": (b"id: good-entry\ntitle: caf\xe9\n", ("encoding", 2)),
    "too-large": (b"id: x\nwhy: " + b"a" * 300_000 + b"\n", ("file-too-large", 1)),
    "deep-nesting": (b"id: x\ntags: " + b"[" * 60 + b"]" * 60 + b"\n", ("too-deep", 2)),
    "flow-nesting-beyond-libyaml": (b"tags: " + b"[" * 5000 + b"\n", ("yaml-syntax", 1)),
    "billion-laughs": (b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
                       ("yaml-alias", 1)),
    "python-object": (b"id: !!python/object:os.system {}\n", ("yaml-tag", 1)),
    "binary-tag": (b"id: !!binary aGVsbG8=\n", ("yaml-tag", 1)),
    "merge-key": (b"base: &b {title: x}\nother:\n  <<: *b\n", ("yaml-alias", 3)),
    "multiple-documents": (b"id: a\n---\nid: b\n", ("yaml-syntax", 2)),
}


@pytest.mark.parametrize("content,expected", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_files_get_a_clean_problem(empty_kb, content, expected):
    path = empty_kb / "entries" / "paper" / "good-entry.yaml"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert expected in codes_at(validate(empty_kb), "good-entry.yaml")


def test_taxonomy_problems_are_reported_on_the_taxonomy_file(empty_kb):
    taxonomy = empty_kb / "entries" / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text() + "extra: true\n")
    report = validate(empty_kb)
    assert [(p.path, p.code) for p in report.problems] == [("entries/taxonomy.yaml", "taxonomy-format")]


def test_only_requested_paths_are_reported_but_references_see_the_whole_kb(empty_kb):
    write_entry(empty_kb, "lecture-series", "first-entry", good("first-entry", "First", "https://a.org/x"))
    second = write_entry(empty_kb, "lecture-series", "second-entry",
                         good("second-entry", "Second", "https://a.org/x") + "related: [first-entry]\n")
    report = validate(empty_kb, [second])
    assert {p.path for p in report.problems} == {"entries/lecture-series/second-entry.yaml"}
    assert [p.code for p in report.problems] == ["duplicate-url"]


def test_large_kb_is_validated_in_parallel_with_the_same_result(empty_kb, monkeypatch):
    import kb.validate as validation

    for i in range(30):
        write_entry(empty_kb, "lecture-series", f"entry-{i}", good(f"entry-{i}", f"Entry {i}", f"https://e.org/{i}"))
    write_entry(empty_kb, "lecture-series", "entry-bad", good("entry-bad", "Bad", "https://e.org/0"))
    serial = validate(empty_kb).problems
    monkeypatch.setattr(validation, "PARALLEL_FROM", 10)
    assert validate(empty_kb).problems == serial and len(serial) == 2


# ---- the command line -------------------------------------------------------------------------------------

def test_real_entries_are_valid(cli, repo_root):
    result = cli(repo_root, "validate")
    assert result.exit_code == 0, result.output
    assert "all valid" in result.stderr


def test_corrupted_copy_fails_with_precise_lines(cli, kb_copy):
    path = kb_copy / "entries" / "lecture-series" / "statistical-mechanics-susskind.yaml"
    lines = path.read_text().splitlines()
    audience_line = next(i for i, line in enumerate(lines, 1) if line.startswith("audience:"))
    lines[audience_line - 1] = "audience: [undergradute]"
    path.write_text("\n".join(lines) + "\n")
    result = cli(kb_copy, "validate")
    assert result.exit_code == 1
    assert (f"entries/lecture-series/statistical-mechanics-susskind.yaml:{audience_line}:12: "
            "error[unknown-audience]: unknown audience `undergradute` (did you mean `undergraduate`?)") in result.stdout


def test_json_and_github_formats(cli, empty_kb):
    write_entry(empty_kb, "lecture-series", "good-entry", good().replace("[undergraduate]", "[undergrad]"))
    as_json = json.loads(cli(empty_kb, "validate", "--format", "json").stdout)
    assert as_json == [{"path": "entries/lecture-series/good-entry.yaml", "line": 6, "column": 12,
                        "code": "unknown-audience", "severity": "error",
                        "message": "unknown audience `undergrad` (did you mean `undergraduate`?)",
                        "hint": "did you mean `undergraduate`?"}]
    github = cli(empty_kb, "validate", "--format", "github")
    assert github.exit_code == 1
    assert github.stdout.startswith("::error file=entries/lecture-series/good-entry.yaml,line=6,col=12,"
                                    "title=unknown-audience::unknown audience")


def test_validate_named_paths_and_usage_errors(cli, empty_kb):
    path = write_entry(empty_kb, "lecture-series", "good-entry", good())
    assert cli(empty_kb, "validate", str(path)).exit_code == 0
    missing = cli(empty_kb, "validate", str(empty_kb / "nope.yaml"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    assert cli(empty_kb, "validate", "--format", "xml").exit_code == 2


def test_root_is_found_from_a_subfolder_or_named(cli, empty_kb, monkeypatch, tmp_path_factory):
    write_entry(empty_kb, "lecture-series", "good-entry", good())
    monkeypatch.chdir(empty_kb / "entries" / "lecture-series")
    assert "good-entry" in cli(None, "list").stdout
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    result = cli(None, "list")
    assert result.exit_code == 2 and "no entries/ folder" in result.stderr
    monkeypatch.setenv("KB_ROOT", str(empty_kb))
    assert "good-entry" in cli(None, "list").stdout


def test_every_code_is_registered_and_documented(repo_root):
    """The registry of checks lists every code kb validate reports (each test case's among them), and
    docs/validation.md documents each."""
    from kb.validate import all_codes

    documented = (repo_root / "docs/validation.md").read_text()
    expected = {expected[0] for _, _, expected in CASES} | {expected[0] for _, expected in HOSTILE.values()}
    assert expected <= all_codes()
    assert sorted(c for c in all_codes() if f"`{c}`" not in documented) == []


def test_the_published_schema_accepts_real_entries_and_rejects_a_bad_one(repo_root):
    """Editors and other tools use kb/schema/entry.schema.json directly: it must agree with kb validate."""
    from jsonschema import Draft202012Validator

    from kb.model import entry_schema, load_entries

    published = Draft202012Validator(entry_schema())
    entries, failures = load_entries(repo_root)
    assert entries and not failures
    assert [e.id for e in entries if not published.is_valid(e.data)] == []
    bad = dict(entries[0].data, yaer=2020)
    assert not published.is_valid(bad)


def test_taxonomy_is_checked_when_its_folder_is_named(empty_kb):
    taxonomy = empty_kb / "entries" / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace("audiences:", "audiences:\n  Bad_Id:\n    title: x\n"
                                                     "    description: y", 1))
    assert [p.code for p in validate(empty_kb, [empty_kb / "entries"]).problems] == ["taxonomy-id"]
    (empty_kb / "entries" / "paper").mkdir()
    assert validate(empty_kb, [empty_kb / "entries" / "paper"]).problems == []
