"""A KB whose every field is hostile (scripts, event handlers, javascript: URLs) builds into a site where
all of it is visible text: no markup, no handler, no link but http(s), with MkDocs and with Zensical."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import write_entry
from test_site import REPO, Html, build, page, pagefind_records, site_root

SCRIPT = "<script>alert('{}')</script>"
IMG = "<img src=x onerror=alert('{}')>"
TITLE = "<script>alert('title')</script> <img src=x onerror=alert('title')>"
HOSTILE_FIELDS = """
title: "<script>alert('title')</script> <img src=x onerror=alert('title')>"
url: "javascript:alert('url')"
links:
  - label: "<b onmouseover=alert('label')>label</b>"
    url: "javascript:alert('links')"
  - label: "data link"
    url: "data:text/html,<script>alert('data')</script>"
archive_url: "JaVaScRiPt:alert('archive')"
domains: [physics/statistical-mechanics, "<script>alert('domain')</script>"]
audience: [beginner, "<img src=x onerror=alert('audience')>"]
why: |
  <script>alert('why')</script> **bold** [click](javascript:alert('why-link'))
  <img src=x onerror=alert('why-img')> ![pic](javascript:alert('why-pic')) <a href="javascript:alert(1)">raw</a>
  [fine](https://example.org/fine) and `<code onclick=alert(1)>` {: onclick="alert('attr')" }

  <div onmouseover="alert('block')">a raw block</div>
for_whom: "<svg onload=alert('for_whom')>"
caveats: "<details open ontoggle=alert('caveats')>x</details>"
year: 2020
tags: ["<script>alert('tag')</script>", "statistical-physics"]
related: ["<script>alert('related')</script>", hostile-guide]
prerequisites: ["<img src=x onerror=alert('prereq')>", hostile-guide]
recommended_by:
  - name: "<script>alert('name')</script>"
    source: "javascript:alert('source')"
    note: "<img src=x onerror=alert('note')>"
language: "<script>alert('lang')</script>"
added: 2026-01-01
"""
BY_TYPE = {
    "paper": 'authors: ["<script>alert(\'author\')</script>", "Eve\\" onerror=\\"alert(1)"]\n'
             "venue: \"<iframe src=javascript:alert('venue')>\"\narxiv: \"<script>alert('arxiv')</script>\"\n"
             'doi: "10.1/<script>}{"\n',
    "lecture-series": "lecturers: [\"<script>alert('lecturer')</script>\"]\n"
                      "institution: \"<img src=x onerror=alert('institution')>\"\ncourse_code: \"<b>CS</b>\"\n"
                      "term: \"<script>alert('term')</script>\"\nlectures: \"<i>many</i>\"\n",
    "research-guide": "authors: [\"<img src=x onerror=alert('guide')>\"]\npublished: \"<script>\"\n"
                      "venue: \"<script>alert('venue')</script>\"\n",
}
IDS = {"paper": "hostile-paper", "lecture-series": "hostile-course", "research-guide": "hostile-guide"}


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory) -> Path:
    root = site_root(tmp_path_factory.mktemp("hostile"), REPO / "entries")
    for path in (root / "entries").glob("*/*.yaml"):
        path.unlink()  # only the hostile entries, for a fast build
    for type_, entry_id in IDS.items():
        write_entry(root, type_, entry_id, f"id: {entry_id}\n{HOSTILE_FIELDS}{BY_TYPE[type_]}")
    taxonomy = root / "entries" / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text().replace("title: Statistical mechanics",
                                                     "title: \"Stat <img src=x onerror=alert('taxonomy')>\""))
    (root / ".kb").mkdir()
    (root / ".kb" / "link-status.json").write_text(json.dumps({"urls": {"javascript:alert('url')": {
        "status": "<script>alert('status')</script>", "checked_at": "2026-<script>alert(1)</script>",
        "last_ok": None, "first_failed": None}}}))
    return root


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def hostile_site(request, hostile_root) -> Path:
    return build(hostile_root, request.param)  # MkDocs builds with --strict


def test_no_hostile_markup_survives_in_any_page(hostile_site):
    pages = list(hostile_site.rglob("*.html"))
    assert len(pages) > 50
    for html_file in pages:
        parsed = Html(html_file.read_text(encoding="utf-8"))
        for tag, attrs in parsed.tags:
            assert tag not in ("iframe", "svg", "details") or "alert" not in str(attrs), (html_file, tag, attrs)
            assert not [name for name in attrs if name.startswith("on")], (html_file, tag, attrs)
            for name in ("href", "src", "action", "formaction"):
                value = (attrs.get(name) or "").strip().lower()
                assert not value.startswith(("javascript:", "data:", "vbscript:")), (html_file, tag, attrs)
            assert not (tag == "img" and attrs.get("src") == "x"), html_file
        for kind, body in parsed.scripts:
            assert kind == "application/ld+json" or "alert(" not in body, html_file


def test_hostile_values_appear_as_text(hostile_site):
    for entry_id in IDS.values():
        parsed = Html(page(hostile_site, f"entries/{entry_id}"))
        text = "".join(parsed.text)
        for value in ("<script>alert('title')</script>", "<img src=x onerror=alert('title')>",
                      "<script>alert('why')</script>", "<svg onload=alert('for_whom')>",
                      "<img src=x onerror=alert('note')>", "<img src=x onerror=alert('prereq')>"):
            assert value in text, (entry_id, value)
        assert "Open the resource" in text  # shown as text: the javascript: URL is not a link
        assert ("a", {"href": "https://example.org/fine"}) in parsed.tags
        json_ld = json.loads(next(body for kind, body in parsed.scripts if kind == "application/ld+json"))
        assert json_ld["name"] == "<script>alert('title')</script> <img src=x onerror=alert('title')>"
        assert "url" not in json_ld


def test_hostile_values_in_titles_are_escaped(hostile_site):
    html = page(hostile_site, "entries/hostile-paper")
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    # <title> is printed through `striptags`, which unescapes: the title has look-alikes, never "<"
    assert "<" not in title and "‹script›alert(" in title
    domain = page(hostile_site, "domains/physics/statistical-mechanics")
    assert "Stat ‹img src=x onerror=alert(" in domain  # navigation and <title>
    assert "Stat &lt;img src=x onerror=alert(" in domain  # the heading: exactly the value, as text


def test_search_records_and_open_data_hold_hostile_values_as_data(hostile_site):
    """Pagefind's records and api/entries.json keep every value exactly as written: data for the browser
    code to show as text (tests/test_browser.py checks it does), never HTML made from it."""
    record = pagefind_records(hostile_site)["/entries/hostile-paper/"]
    assert record["meta"]["title"] == TITLE
    assert record["meta"]["people"] == "<script>alert('author')</script>, Eve\" onerror=\"alert(1)"
    assert record["filters"]["audience"] == ["Beginner", "<img src=x onerror=alert('audience')>"]
    assert record["filters"]["area"] == ["Physics", "<script>alert('domain')</script>"]  # an unknown domain as is
    assert record["filters"]["domain"] == ["Physics › Stat <img src=x onerror=alert('taxonomy')>"]
    assert "<script>alert('why')</script>" in record["content"]
    dump = json.loads((hostile_site / "api" / "entries.json").read_text(encoding="utf-8"))
    assert {e["id"]: e["title"] for e in dump["entries"]}["hostile-paper"] == TITLE


def test_hostile_bibtex_stays_one_well_formed_record(hostile_site):
    html = page(hostile_site, "entries/hostile-paper")
    code = "".join(Html(html.split('<h2 id="cite">')[1].split("</h2>")[1].split("</pre>")[0]).text).strip()
    assert code.startswith("@article{hostile-paper,") and code.rstrip().endswith("}")
    assert code.count("{") == code.count("}")
    assert "doi =" not in code and "url =" not in code  # braces in a verbatim field, a javascript: URL


def test_link_status_values_are_escaped(hostile_site):
    text = "".join(Html(page(hostile_site, "entries/hostile-course")).text)
    assert "could not verify this link (<script>alert('status')</script>, 2026-<scri)" in text
