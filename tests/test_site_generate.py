"""`kb site generate` and its parts: the output folder, edit links, BibTeX, link status, safe text."""
from __future__ import annotations

import json
import re

import markdown
import pytest

from kb.contrib.bibtex import entry_to_bibtex
from kb.model import get_entry
from kb.site import generate
from kb.site.linkstatus import read_link_status
from kb.site.safe import http_url, markdown_html, md_text, summary
from kb.site.view import href

from conftest import REPO, write_entry

GUIDE = """
    id: {id}
    title: A guide
    url: https://example.org/{id}
    domains: [research-skills/writing]
    audience: [graduate]
    authors: [Ada Lovelace]
    why: Clear.
    for_whom: Students.
    added: 2026-01-01
    {extra}
"""


def add_guide(root, entry_id, extra=""):
    return write_entry(root, "research-guide", entry_id, GUIDE.format(id=entry_id, extra=extra))


def test_cli_generates_every_page_and_reports(empty_kb, cli):
    add_guide(empty_kb, "a-guide")
    result = cli(empty_kb, "site", "generate")
    assert result.exit_code == 0, result.output
    out = empty_kb / "docs" / "generated"
    assert (out / "entries" / "a-guide.md").is_file()
    assert (out / "domains" / "research-skills" / "writing" / "index.md").is_file()
    assert (out / "index.md").is_file() and (out / "_nav.yml").is_file() and (out / "tags.md").is_file()
    files = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    pages = len([p for p in files if p.relative_to(out).parts[0] != "pagefind"])  # the index is counted apart
    assert re.search(rf"^{pages} files in .* \({pages} written, 0 removed\)$", result.stderr, re.M)
    assert re.search(r"^search index: 1 entry \(waited [0-9.]+ s for it after the pages\)$", result.stderr, re.M)
    assert (out / "pagefind" / "pagefind.js").is_file() and (out / "api" / "entries.json").is_file()
    again = cli(empty_kb, "site", "generate")
    assert f"({0} written, 0 removed)" in again.stderr  # unchanged pages are not rewritten


def test_removed_entries_lose_their_page(empty_kb):
    add_guide(empty_kb, "kept")
    gone = add_guide(empty_kb, "gone")
    out = generate(empty_kb).output
    assert (out / "entries" / "gone.md").exists()
    gone.unlink()
    report = generate(empty_kb)
    assert not (out / "entries" / "gone.md").exists() and (out / "entries" / "kept.md").exists()
    assert "gone" not in (out / "index.md").read_text()
    # the entry's page, and the graduate path of research skills, which has one step left (paths need two)
    assert report.written.removed == 2 and not (out / "paths" / "research-skills" / "graduate.md").exists()


def test_refuses_a_folder_it_did_not_make(empty_kb, cli, tmp_path):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    result = cli(empty_kb, "site", "generate", "--output", precious)
    assert result.exit_code == 2 and "was not made by `kb site generate`" in result.stderr
    assert (precious / "notes.txt").read_text() == "keep me" and len(list(precious.iterdir())) == 1


def test_unloadable_entries_are_skipped_and_named(empty_kb, cli):
    add_guide(empty_kb, "fine")
    write_entry(empty_kb, "paper", "broken", "- just\n- a list\n")
    result = cli(empty_kb, "site", "generate")
    assert result.exit_code == 0
    assert "entries/paper/broken.yaml: skipped:" in result.stderr
    assert (empty_kb / "docs" / "generated" / "entries" / "fine.md").exists()


def test_edit_link_when_configured_only_http(empty_kb, cli, monkeypatch):
    add_guide(empty_kb, "a-guide")
    page = empty_kb / "docs" / "generated" / "entries" / "a-guide.md"
    cli(empty_kb, "site", "generate")
    assert "Edit this entry" not in page.read_text()
    assert "<code>entries/research-guide/a-guide.yaml</code>" in page.read_text()
    cli(empty_kb, "site", "generate", "--edit-url", "https://git.example.org/kb/edit/main/")
    assert '<a href="https://git.example.org/kb/edit/main/entries/research-guide/a-guide.yaml"' in page.read_text()
    monkeypatch.setenv("KB_EDIT_URL", "https://env.example.org/edit/")
    cli(empty_kb, "site", "generate")
    assert 'href="https://env.example.org/edit/entries/research-guide/a-guide.yaml"' in page.read_text()
    result = cli(empty_kb, "site", "generate", "--edit-url", "javascript:alert(1)")
    assert result.exit_code == 2 and "must be an http(s) URL" in result.stderr


def test_archive_copy_offered_when_the_link_is_broken(empty_kb):
    add_guide(empty_kb, "archived", "archive_url: https://web.archive.org/web/2020/https://example.org/archived")
    (empty_kb / ".kb").mkdir()
    (empty_kb / ".kb" / "link-status.json").write_text(json.dumps({"urls": {"https://example.org/archived": {
        "status": "timeout", "checked_at": "2026-11-01T00:00:00Z", "last_ok": None, "first_failed": None}}}))
    text = (generate(empty_kb).output / "entries" / "archived.md").read_text()
    assert "The link looked broken at the last check (2026-11-01)." in text
    assert 'Try the <a href="https://web.archive.org/web/2020/https://example.org/archived">archived copy</a>.' in text


@pytest.mark.parametrize("content", ["", "not json", "[1, 2]", '{"urls": 3}', '{"urls": {"u": {"status": 1}}}'])
def test_missing_or_corrupt_link_status_means_none(tmp_path, content):
    if content:
        (tmp_path / ".kb").mkdir()
        (tmp_path / ".kb" / "link-status.json").write_text(content)
    assert read_link_status(tmp_path) == {}


def test_bibtex_for_a_real_paper_and_escaping(repo_root, empty_kb):
    bibtex = entry_to_bibtex(get_entry(repo_root, "coconut-latent-reasoning"))
    assert bibtex.startswith("@misc{coconut-latent-reasoning,\n")
    assert "author = {Shibo Hao and Sainbayar Sukhbaatar and" in bibtex and "eprinttype = {arxiv}" in bibtex
    write_entry(empty_kb, "paper", "odd", """
        id: odd
        title: "50% of {braces} & $money_#1 ~ ^ \\\\"
        url: https://example.org/odd
        domains: [physics]
        audience: [general]
        authors: [A. Person]
        venue: Journal of Things
        doi: 10.1000/xyz
        why: x
        for_whom: y
        added: 2026-01-01
    """)
    odd = entry_to_bibtex(get_entry(empty_kb, "odd"))
    assert odd.startswith("@article{odd,") and "journaltitle = {Journal of Things}" in odd
    assert "doi = {10.1000/xyz}" in odd
    assert r"{{50\% of \textbraceleft{}braces\textbraceright{} \& \$money\_\#1 \textasciitilde{} " \
           r"\textasciicircum{} \textbackslash{}}}" in odd


@pytest.mark.parametrize("url, ok", [("https://a.org/x?y=1", True), ("http://a.org", True),
                                     ("javascript:alert(1)", False), ("JAVASCRIPT:alert(1)", False),
                                     ("data:text/html,x", False), ("//a.org/x", False), ("https://", False),
                                     ("https://a.org/x y", False), ('https://a.org/"onmouseover=x', False),
                                     (None, False), (3, False)])
def test_only_http_urls(url, ok):
    assert (http_url(url) is not None) == ok


def test_why_markdown_keeps_formatting_and_drops_html_and_bad_links():
    out = markdown_html("**bold** <b>raw</b> [ok](https://a.org) [bad](javascript:x) ![i](data:x)\n\n"
                        "<div onclick='x'>block</div>")
    assert "<strong>bold</strong>" in out and '<a href="https://a.org">ok</a>' in out
    assert "&lt;b&gt;raw&lt;/b&gt;" in out and "&lt;div onclick='x'&gt;block&lt;/div&gt;" in out
    assert "javascript" not in out and "data:x" not in out and "<a>bad</a>" in out


@pytest.mark.parametrize("value", ["plain", "C++ & *stars* _under_ [x](y) #1 `tick` <b>", "a.b-c!d{e}"])
def test_md_text_renders_as_exactly_the_value(value):
    rendered = markdown.markdown(f"# {md_text(value)}")
    assert rendered == f"<h1>{value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')}</h1>"


def test_summary_cuts_at_a_word():
    assert summary("one two three", limit=100) == "one two three"
    assert summary("*alpha* beta gamma delta", limit=12) == "alpha beta …"


@pytest.mark.parametrize("source, target, expected", [
    ("index.md", "entries/a.md", "entries/a/"), ("entries/a.md", "index.md", "../../"),
    ("entries/a.md", "domains/x/y/index.md", "../../domains/x/y/"), ("domains/x/index.md", "domains/x/index.md", "./"),
    ("audiences/b.md", "audiences/index.md", "../")])
def test_relative_links_between_directory_urls(source, target, expected):
    assert href(source, target) == expected


def test_a_failed_search_index_is_a_clear_error_and_keeps_the_previous_one(empty_kb, cli, monkeypatch):
    add_guide(empty_kb, "a-guide")
    assert cli(empty_kb, "site", "generate").exit_code == 0
    bundle = empty_kb / "docs" / "generated" / "pagefind"
    before = sorted(p.relative_to(bundle) for p in bundle.rglob("*"))
    add_guide(empty_kb, "another-guide")
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(empty_kb / "no-such-pagefind"))  # what the API runs
    result = cli(empty_kb, "site", "generate")
    assert result.exit_code == 1 and "kb: error: cannot run Pagefind" in result.stderr
    assert sorted(p.relative_to(bundle) for p in bundle.rglob("*")) == before  # the previous index, whole
    assert not [p for p in bundle.parent.iterdir() if p.name.startswith(".pagefind")]  # no staging left


def test_the_cli_offers_the_engines_the_library_builds_with():
    from kb.cli.site import ENGINES
    from kb.site.build import ENGINES as BUILDERS

    assert ENGINES == tuple(BUILDERS)


def test_the_search_panel_shows_the_filters_the_index_has():
    from kb.site.search import FILTERS

    script = (REPO / "docs" / "site-pages" / "assets" / "kb-search.js").read_text(encoding="utf-8")
    facets = re.search(r"var FACETS = (\[.*?\]);", script, re.S).group(1)
    assert tuple(name for name, _ in json.loads(facets)) == FILTERS
