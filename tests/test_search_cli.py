"""`kb search` and `kb index` at the command line: output formats, options, and robustness against
whatever a user may type (results or a clear message, never a traceback)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kb.model import load_entries

from conftest import write_entry, write_paper

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("index"))


def run(cli, root, index_dir, *args):
    return cli(root, "search", "--index-dir", index_dir, *args)


def test_json_format(cli, repo_root, index_dir):
    result = run(cli, repo_root, index_dir, "susskind", "--json", "--limit", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"query", "total", "matched", "results", "facets", "suggestion", "did_you_mean"}
    assert data["query"] == "susskind" and data["suggestion"] is None and data["matched"] == "all"
    assert data["did_you_mean"] is None
    assert len(data["results"]) == 2 and data["total"] >= 2
    entries = {e.id: e for e in load_entries(repo_root)[0]}
    for hit in data["results"]:
        assert set(hit) == {"id", "type", "title", "url", "score", "domains", "audience", "format", "year",
                            "people", "highlights"}
        entry = entries[hit["id"]]
        assert (hit["title"], hit["url"], hit["people"], hit["year"]) == (entry.title, entry.data["url"],
                                                                        entry.people, entry.year)
        assert hit["domains"] == entry.data["domains"] and hit["audience"] == entry.data["audience"]
        assert hit["format"] == entry.formats
        assert "Susskind" in hit["people"][0]
        for highlight in hit["highlights"]:
            for start, end in highlight["matches"]:
                assert highlight["text"][start:end].lower().startswith("susskind")
    assert set(data["facets"]) == {"type", "domain", "audience", "format"}
    assert sum(data["facets"]["type"].values()) == data["total"]
    scores = [hit["score"] for hit in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_text_output_marks_matches_without_colour_off_a_terminal(cli, repo_root, index_dir):
    result = run(cli, repo_root, index_dir, "susskind", "statistical", "mechanics", "--limit", "1")
    assert result.exit_code == 0
    assert not ANSI.search(result.stdout)
    assert " 1. *Statistical Mechanics* (Spring 2013)  (lecture-series, 2013)" in result.stdout
    assert "https://theoreticalminimum.com/courses/statistical-mechanics/2013/spring" in result.stdout
    assert "Leonard *Susskind* · beginner, undergraduate · physics/statistical-mechanics" in result.stdout
    assert re.search(r"--type\s+lecture-series \d+", result.stdout)
    assert re.search(r"--audience\s+.*undergraduate \d+", result.stdout)


def test_colour_on_a_terminal(repo_root, index_dir):
    """A real pseudo-terminal as stdout: ANSI colours, and no `*` markers."""
    import pty

    code = ("import sys; from kb.cli import main; "
            f"main(['--root', {str(repo_root)!r}, 'search', '--index-dir', {index_dir!r}, 'hamming'])")
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    proc = subprocess.run([sys.executable, "-c", code], stdout=follower, stderr=subprocess.PIPE, env=env, timeout=60)
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    text = output.decode()
    assert proc.returncode == 0, proc.stderr
    assert ANSI.search(text) and "*Hamming*" not in text and "Hamming" in ANSI.sub("", text)


def test_misspelt_query_says_what_it_searched(cli, repo_root, index_dir):
    result = run(cli, repo_root, index_dir, "susskid", "statistcal", "mechanics", "--json")
    data = json.loads(result.stdout)
    assert data["suggestion"] == "susskind statistical mechanics"
    assert data["results"][0]["id"] == "statistical-mechanics-susskind"
    text = run(cli, repo_root, index_dir, "susskid", "statistcal", "mechanics").stdout
    assert "showing results for `susskind statistical mechanics`" in text


def test_nothing_found_gives_a_did_you_mean_or_a_plain_no(cli, repo_root, index_dir):
    nothing = run(cli, repo_root, index_dir, "qqqqzzzzxxxx")
    assert nothing.exit_code == 0 and "No entries match `qqqqzzzzxxxx`." in nothing.stdout
    data = json.loads(run(cli, repo_root, index_dir, "qqqqzzzzxxxx", "--json").stdout)
    assert data["total"] == 0 and data["results"] == [] and data["suggestion"] is None
    # a misspelling whose correction exists only outside the filter: no results, but a suggestion
    filtered = run(cli, repo_root, index_dir, "hammming", "--type", "paper", "--json")
    data = json.loads(filtered.stdout)
    assert data["total"] == 0 and data["suggestion"] == "hamming"
    assert "Did you mean `hamming`?" in run(cli, repo_root, index_dir, "hammming", "--type", "paper").stdout


def test_year_range_filters(cli, repo_root, index_dir):
    data = json.loads(run(cli, repo_root, index_dir, "learning", "--year-from", "2018", "--year-to", "2021",
                          "--json", "--limit", "100").stdout)
    assert data["total"] == len(data["results"]) > 0
    assert all(2018 <= hit["year"] <= 2021 for hit in data["results"])


@pytest.mark.parametrize("query", [
    '"', '"statistical mechanics', "(", ")", "((susskind", "*", "stat*", "*cs", ":", "title:", ":susskind",
    "~", "susskind~", "susskind~2", "a:b:c", "year:[2010 TO", "year:abc", "year:>", "[", "{", "^", "!", "-",
    "AND", "OR NOT", "NOT susskind", "\\", "'", "susskind^99", "🙂", "entropy\x00", "title:(", "%s %d {0}",
])
def test_syntax_characters_never_crash(cli, repo_root, index_dir, query):
    result = run(cli, repo_root, index_dir, query, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["total"] >= len(data["results"]) >= 0


def test_long_query_is_refused_with_a_clear_message(cli, repo_root, index_dir):
    result = run(cli, repo_root, index_dir, "mechanics " * 1000)
    assert result.exit_code == 2
    assert "kb: error: the query is 10000 characters long; at most 1000" in result.stderr
    assert "Traceback" not in result.output


def test_longest_allowed_query_works(cli, repo_root, index_dir):
    words = " ".join(["statistical", "mechanics", "zebra", "(", '"']) + " "
    query = (words * 200)[:1000]
    result = run(cli, repo_root, index_dir, query, "--json")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args", [[], [""], ["   "]])
def test_empty_query_is_a_usage_error(cli, repo_root, index_dir, args):
    result = run(cli, repo_root, index_dir, *args)
    assert result.exit_code == 2
    assert "kb: error: empty query" in result.stderr


def test_empty_query_with_a_filter_lists_the_filtered_entries(cli, repo_root, index_dir):
    data = json.loads(run(cli, repo_root, index_dir, "--audience", "general", "--json", "--limit", "100").stdout)
    assert data["total"] > 0 and all("general" in hit["audience"] for hit in data["results"])


@pytest.mark.parametrize("args,message", [
    (["x", "--domain", "machine-lerning"], "unknown domain `machine-lerning`; did you mean `machine-learning`?"),
    (["x", "--audience", "beginners"], "unknown audience `beginners`; did you mean `beginner`?"),
    (["x", "--year-from", "2020", "--year-to", "2010"], "--year-from 2020 is after --year-to 2010"),
    (["x", "--limit", "0"], "--limit must be between 1 and 1000"),
])
def test_bad_options_are_usage_errors(cli, repo_root, index_dir, args, message):
    result = run(cli, repo_root, index_dir, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_index_folder_that_cannot_be_written_is_a_clear_error(cli, kb_copy):
    (kb_copy / "a-file").write_text("not a folder")
    for args in (["index"], ["search", "susskind"]):
        result = cli(kb_copy, *args, "--index-dir", str(kb_copy / "a-file" / "index"))
        assert result.exit_code == 1
        assert f"kb: error: cannot write the search index in {kb_copy / 'a-file' / 'index'}: Not a directory" \
            in result.stderr


def test_kb_index_reports_and_moves_with_the_environment(cli, kb_copy, tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("KB_INDEX_DIR", str(elsewhere))
    built = cli(kb_copy, "index")
    assert built.exit_code == 0 and "built the search index" in built.stderr
    assert (elsewhere / "state.json").is_file() and not (kb_copy / ".kb").exists()
    again = cli(kb_copy, "index")
    assert "search index up to date" in again.stderr
    rebuilt = cli(kb_copy, "index", "--rebuild")
    assert "built the search index" in rebuilt.stderr and "asked to rebuild" in rebuilt.stderr


def test_whoosh_compiles_without_warnings_and_kb_starts_without_it():
    """whoosh3 must not raise SyntaxWarnings (Whoosh 2.7.4 did): compile its sources with warnings as
    errors (importing would not: cached bytecode skips compilation). `kb` must not import it to start."""
    import importlib.util
    import warnings

    folder = Path(importlib.util.find_spec("whoosh").submodule_search_locations[0])
    sources = sorted(folder.rglob("*.py"))
    assert len(sources) > 50
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for source in sources:
            compile(source.read_text(encoding="utf-8"), str(source), "exec")
    loaded = subprocess.run([sys.executable, "-c", "import sys, kb.cli; print(sorted(m for m in sys.modules "
                             "if m.startswith(('whoosh', 'kb.search'))))"], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr


def test_the_search_library_renders_without_click(empty_kb, tmp_path):
    """The library renders its own answer (ANSI colour behind a flag); only kb/cli imports click."""
    write_paper(empty_kb, "one-paper", "Entropy Explained", "A careful account of entropy for anyone at all.")
    code = ("import sys; from pathlib import Path; from kb.search import search; "
            f"result = search(Path({str(empty_kb)!r}), 'entropy', location={str(tmp_path / 'index')!r}); "
            "print(repr(result.render('text', colour=True))); print(result.render('text')); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'click'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    coloured, plain, modules = proc.stdout.splitlines()[0], proc.stdout.splitlines()[1:-1], proc.stdout.splitlines()[-1]
    assert "\\x1b[33;1mEntropy\\x1b[0m" in coloured and "*Entropy* Explained" in "\n".join(plain)
    assert modules == "[]"


def why_highlight(cli, root: Path, index: Path, why: str, *query: str) -> dict:
    """The one highlight of the only hit of `query` in a KB of one paper whose `why` is the given text."""
    write_paper(root, "one-paper", "A Plain Title", why)
    result = cli(root, "search", "--index-dir", str(index), *query, "--json")
    assert result.exit_code == 0, result.output
    [highlight] = json.loads(result.stdout)["results"][0]["highlights"]
    return highlight


def test_long_field_highlight_is_a_snippet_around_the_densest_matches(cli, empty_kb, tmp_path):
    why = ("An opening sentence about nothing in particular, padded so that the snippet must start later on. "
           "Gödel appears once here. Then a long stretch of unrelated words fills the middle of the text so "
           "that no window could hold every match at once, and it goes on for a while longer still. "
           "Finally the studies of Gödel and the incompleteness studies come together, close to each other, "
           "before a closing sentence that is also rather long and ends the field.")
    highlight = why_highlight(cli, empty_kb, tmp_path / "index", why, "godel", "study")
    text, matches = highlight["text"], highlight["matches"]
    assert highlight["field"] == "why" and text in why and len(text) < len(why)
    # the densest run: the three matches of the last sentences, not the lone early "Gödel"
    assert [text[start:end] for start, end in matches] == ["studies", "Gödel", "studies"]
    start = why.index(text)  # cut between words
    assert (start == 0 or why[start - 1] == " ") and why[start + len(text)] == " "


def test_a_match_longer_than_a_snippet_is_shown_whole(cli, empty_kb, tmp_path):
    word = "quasi" + "x" * 200
    highlight = why_highlight(cli, empty_kb, tmp_path / "index", f"Some words, then {word} and a few after it.", word)
    assert [highlight["text"][start:end] for start, end in highlight["matches"]] == [word]


# A small KB of its own, so that what these tests expect does not move with the real entries.
SERIES = """\
    id: {id}
    title: "{title}"
    url: https://example.org/{id}
    domains: [{domain}]
    audience: [undergraduate]
    lecturers: [{lecturers}]
    year: {year}
    format: {format}
    why: A careful course that derives everything from first principles, with many worked examples.
    for_whom: Undergraduates with some calculus.
    added: 2026-01-01
"""
SMALL_KB = [  # id, title, domain, lecturers, year, format
    ("statistical-mechanics-susskind", "Statistical Mechanics", "physics/statistical-mechanics", "Leonard Susskind",
     2013, "[video]"),
    ("deep-learning-ds-ga-1008", "Deep Learning (DS-GA 1008)", "machine-learning/deep-learning", "Yann LeCun", 2021,
     "[video, slides, exercises]"),
    ("introduction-to-algorithms", "Introduction to Algorithms", "computer-science/algorithms",
     "Erik Demaine, Jason Ku", 2020, "[notes, exercises]"),
]


def series(entry_id: str, title: str, domain: str, lecturers: str, year: int, format: str = "[]") -> str:
    text = SERIES.format(id=entry_id, title=title, domain=domain, lecturers=lecturers, year=year, format=format)
    return text if format != "[]" else text.replace("    format: []\n", "")


@pytest.fixture
def small_kb(empty_kb):
    for row in SMALL_KB:
        write_entry(empty_kb, "lecture-series", row[0], series(*row))
    return empty_kb


def search_json(cli, root: Path, *args: str) -> dict:
    result = cli(root, "search", "--index-dir", str(root / "index"), *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def found(cli, root: Path, *args: str) -> list[str]:
    return [hit["id"] for hit in search_json(cli, root, *args, "--limit", "100")["results"]]


@pytest.mark.parametrize("args", [["susskind"], ["--domain", "physics"], ["year:[1 TO 40000]"]])
def test_a_kb_without_entries_has_no_results(cli, empty_kb, args):
    result = cli(empty_kb, "search", *args)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("No entries") and "internal error" not in result.output
    data = search_json(cli, empty_kb, *args)
    assert (data["total"], data["results"], data["matched"]) == (0, [], "none")


def test_a_kb_whose_last_entry_was_deleted_has_no_results(cli, small_kb):
    assert found(cli, small_kb, "lectures OR course") != []
    for path in (small_kb / "entries" / "lecture-series").iterdir():
        path.unlink()
    result = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "course")
    assert result.exit_code == 0, result.output
    assert "No entries match `course`." in result.stdout and "3 deleted" in result.stderr


@pytest.mark.parametrize("boosted,plain", [
    ("susskind^10", "susskind"), ("statistical^2 mechanics", "statistical mechanics"),
    ('"statistical mechanics"^3', '"statistical mechanics"'), ("(susskind OR ku)^2.5", "susskind OR ku"),
    ("susskind ^10", "susskind"),
])
def test_a_boost_is_ignored(cli, small_kb, boosted, plain):
    assert found(cli, small_kb, boosted) == found(cli, small_kb, plain) != []


@pytest.mark.parametrize("query,expected", [
    ("year:[1 TO 40000]", 3), ("year:[2014 TO 99999999999999999999]", 2), ("year:[-40000 TO 2013]", 1),
    ("year:>=40000", 0), ("year:<-40000", 0), ("year:[40000 TO 50000]", 0), ("year:40000", 0),
    ("year:>2012", 3), ("year:{2013 TO 40000]", 2),
])
def test_year_ranges_past_the_fields_bounds_are_clamped(cli, small_kb, query, expected):
    data = search_json(cli, small_kb, query)
    assert data["total"] == expected


@pytest.mark.parametrize("options,expected", [
    (["--year-from", "40000"], 0), (["--year-to", "40000"], 3), (["--year-from", "-40000", "--year-to", "2013"], 1),
    (["--year-from", str(10**30)], 0), (["--year-to", str(-10**30)], 0),
])
def test_year_options_past_the_fields_bounds_are_clamped(cli, small_kb, options, expected):
    data = search_json(cli, small_kb, *options)
    assert data["total"] == expected
    text = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), *options)
    assert text.exit_code == 0 and (expected or "No entries with these filters." in text.stdout)


def test_an_entry_with_a_year_past_the_fields_bounds_is_indexed_without_it(cli, small_kb):
    """`year: 40000` is a validation error; search still finds the entry (but not by year)."""
    write_entry(small_kb, "lecture-series", "far-future", series("far-future", "Far Future Lectures", "physics",
                                                                 "Ada Example", 40000))
    result = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "future")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output and "id: far-future" in result.stdout
    assert found(cli, small_kb, "future", "--year-from", "2000") == []


def test_numbers_are_never_corrected(cli, small_kb):
    data = search_json(cli, small_kb, "susskind", "1000")
    assert data["suggestion"] is None and data["did_you_mean"] is None
    assert [hit["id"] for hit in data["results"]] == ["statistical-mechanics-susskind"] and data["matched"] == "any"
    assert search_json(cli, small_kb, "1007")["suggestion"] is None
    assert "1008" not in cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "susskind", "1000").stdout


def test_short_words_are_only_offered_as_a_did_you_mean(cli, small_kb):
    data = search_json(cli, small_kb, "kb")
    assert (data["suggestion"], data["did_you_mean"], data["total"]) == (None, "ku", 0)
    text = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "kb").stdout
    assert text.startswith("No entries match `kb`. Did you mean `ku`?") and "showing results for" not in text
    # a long word is still corrected, and the offer shows the short word's correction on top of it
    data = search_json(cli, small_kb, "susskid", "kb")
    assert (data["suggestion"], data["did_you_mean"]) == ("susskind kb", "susskind ku")
    assert [hit["id"] for hit in data["results"]] == ["statistical-mechanics-susskind"]
    text = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "susskid", "kb").stdout
    assert "showing results for `susskind kb`" in text and "Did you mean `susskind ku`?" in text


def test_format_filter_and_field_query(cli, small_kb):
    write_entry(small_kb, "lecture-series", "no-format", series("no-format", "Lectures Without a Format",
                                                                "physics", "Ada Example", 2019))
    assert sorted(found(cli, small_kb, "--format", "video")) == ["deep-learning-ds-ga-1008",
                                                                  "statistical-mechanics-susskind"]
    assert sorted(found(cli, small_kb, "course", "--format", "exercises")) == ["deep-learning-ds-ga-1008",
                                                                              "introduction-to-algorithms"]
    assert found(cli, small_kb, "format:notes") == found(cli, small_kb, "formats:notes") == [
        "introduction-to-algorithms"]
    assert found(cli, small_kb, "course", "--format", "audio") == []
    text = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "--format", "audio")
    assert text.exit_code == 0 and text.stdout.startswith("No entries with these filters.")
    unknown = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "x", "--format", "vidoe")
    assert unknown.exit_code == 2 and "'vidoe' is not one of 'video', 'audio', 'notes'" in unknown.output


def test_format_is_a_facet_in_json_and_text(cli, small_kb):
    write_entry(small_kb, "lecture-series", "no-format", series("no-format", "Lectures Without a Format",
                                                                "physics", "Ada Example", 2019))
    data = search_json(cli, small_kb, "course")
    assert data["total"] == 4
    assert data["facets"]["format"] == {"exercises": 2, "video": 2, "notes": 1, "slides": 1}
    assert list(data["facets"]["format"].items()) == [("exercises", 2), ("video", 2), ("notes", 1), ("slides", 1)]
    assert {hit["id"]: hit["format"] for hit in data["results"]}["deep-learning-ds-ga-1008"] == [
        "video", "slides", "exercises"]
    text = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "course").stdout
    assert "\n  --format    exercises 2, video 2, notes 1, slides 1" in text
    assert "Yann LeCun · undergraduate · machine-learning/deep-learning · video, slides, exercises" in text
    # a facet no match has is left out of the text, and is empty in JSON
    only = cli(small_kb, "search", "--index-dir", str(small_kb / "index"), "without")
    assert "--format" not in only.stdout and "--type" in only.stdout
    assert search_json(cli, small_kb, "without")["facets"]["format"] == {}


def test_every_search_option_is_documented(repo_root):
    from kb.cli import main as kb

    table = (repo_root / "docs" / "search.md").read_text(encoding="utf-8").split("## Options")[1].split("##")[0]
    rows = {opt for line in table.splitlines() if line.startswith("| `")
            for opt in re.findall(r"`(--[a-z-]+)`", line.split(" | ")[0])}
    synopsis = (repo_root / "docs" / "commands.md").read_text(encoding="utf-8").split("## kb search")[1]
    options = [opt for param in kb.commands["search"].params for opt in param.opts if opt.startswith("--")]
    assert "--format" in options and "--json" in options
    assert [opt for opt in options if opt not in rows] == []  # a row in docs/search.md's table of options
    assert [opt for opt in options if opt not in synopsis.split("\n\n")[1]] == []
