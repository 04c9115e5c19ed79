"""What the built site publishes besides its pages: Atom feeds (read back with feedparser), the open data
in api/ (checked against the export's documented shape and the entry schema) and, with a site URL, the
sitemap, for MkDocs and Zensical. Plus `kb site build`'s errors."""
from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import feedparser
import jsonschema
import pytest
from defusedxml import ElementTree

from kb.contrib.export import EXPORT_VERSION
from kb.model import load_entries, load_taxonomy, schema_version, select, type_schema
from kb.site.feeds import FEED_SIZE

from conftest import write_entry
from test_site import REPO, Html, build, page, site_root

SITE_URL = "https://kb.example.org/sub/"
EDIT_URL = "https://git.example.org/owner/kb/edit/main/"
# The export document as docs/commands.md (`kb export`) and kb/contrib/export.py describe it.
EXPORT_SCHEMA = {
    "type": "object",
    "required": ["format", "version", "schema_version", "license", "generated", "entries", "taxonomy"],
    "properties": {
        "format": {"const": "kb-export"}, "version": {"const": EXPORT_VERSION},
        "schema_version": {"const": schema_version()}, "license": {"type": ["string", "null"]},
        "generated": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$"},
        "entries": {"type": "array", "items": {"type": "object", "required": ["id", "type", "path"]}},
        "taxonomy": {"type": "object", "required": ["domains", "audiences"], "properties": {
            "domains": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["title", "description", "parent"]}},
            "audiences": {"type": "object", "additionalProperties": {
                "type": "object", "required": ["title", "description"]}}}},
    },
}


@pytest.fixture(scope="module")
def real():
    entries, _ = load_entries(REPO)
    return entries, load_taxonomy(REPO / "entries")[0]


@pytest.fixture(scope="module", params=["mkdocs", "zensical"])
def hosted(request, tmp_path_factory) -> Path:
    """The real entries built with a site URL (as the Pages workflow builds them)."""
    root = site_root(tmp_path_factory.mktemp(f"hosted-{request.param}"), REPO / "entries")
    return build(root, request.param, "--site-url", SITE_URL.rstrip("/"), "--edit-url", EDIT_URL)  # slash added


def added(entry) -> str:
    return str(entry.data["added"])


def test_the_whole_kb_feed_lists_the_newest_entries_first(hosted, real):
    entries, _ = real
    feed = feedparser.parse((hosted / "feeds" / "all.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10" and feed.feed.title == "kb: new entries"
    assert feed.feed.link == SITE_URL and any(link.rel == "self" and link.href == SITE_URL + "feeds/all.xml"
                                              for link in feed.feed.links)
    newest = sorted(entries, key=lambda e: (added(e), e.id), reverse=True)[:FEED_SIZE]
    assert [item.link for item in feed.entries] == [f"{SITE_URL}entries/{e.id}/" for e in newest]
    assert len(feed.entries) == min(FEED_SIZE, len(entries))
    by_id = {e.id: e for e in entries}
    for item in feed.entries:
        entry = by_id[item.link.rstrip("/").rsplit("/", 1)[1]]
        assert item.title == entry.title
        assert datetime.date(*item.published_parsed[:3]).isoformat() == added(entry)
        assert [a.name for a in item.authors] == entry.people
        assert item.id.startswith("urn:uuid:")
        assert any(link.rel == "related" and link.href == entry.data["url"] for link in item.links)
    assert len({item.id for item in feed.entries}) == len(feed.entries)
    dates = [item.published_parsed for item in feed.entries]
    assert dates == sorted(dates, reverse=True)


def test_each_top_domain_has_a_feed_of_its_entries_linked_from_its_pages(hosted, real):
    entries, taxonomy = real
    for term in taxonomy.top_domains():
        feed = feedparser.parse((hosted / "feeds" / f"{term.id}.xml").read_bytes())
        assert not feed.bozo and feed.feed.title == f"kb: new in {term.title}"
        ids = {item.link.rstrip("/").rsplit("/", 1)[1] for item in feed.entries}
        assert ids == {e.id for e in select(entries, domain=term.id)}  # fewer than 50 in each
    html = page(hosted, "domains/physics/statistical-mechanics")
    links = [attrs for tag, attrs in Html(html).tags
             if tag == "link" and attrs.get("rel") == "alternate" and attrs.get("type") == "application/atom+xml"]
    assert {(link["href"], link["title"]) for link in links} == {
        ("../../../feeds/all.xml", "kb: new entries"), ("../../../feeds/physics.xml", "kb: new in Physics")}
    entry_links = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]*" href="([^"]+)"',
                             page(hosted, "entries/statistical-mechanics-susskind"))
    assert entry_links == ["../../feeds/all.xml", "../../feeds/physics.xml"]
    assert all((hosted / "entries" / "x" / link).resolve().is_file() for link in entry_links)


def test_sitemap_lists_every_page_at_the_site_url(hosted, real):
    entries, _ = real
    tree = ElementTree.fromstring((hosted / "sitemap.xml").read_bytes())
    locations = {loc.text.strip() for loc in tree.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {f"{SITE_URL}entries/{e.id}/" for e in entries} <= locations
    assert {SITE_URL, f"{SITE_URL}domains/physics/", f"{SITE_URL}my-list/"} <= locations
    assert all(loc.startswith(SITE_URL) for loc in locations)
    assert f'<link rel="canonical" href="{SITE_URL}entries/statistical-mechanics-susskind/">' in \
        page(hosted, "entries/statistical-mechanics-susskind")


def test_every_entry_page_has_its_edit_link(hosted, real):
    entries, _ = real
    for entry in entries:
        links = [attrs.get("href") for tag, attrs in Html(page(hosted, f"entries/{entry.id}")).tags if tag == "a"]
        assert EDIT_URL + entry.path.as_posix() in links, entry.id


def test_open_data_is_the_export_document_and_its_taxonomy(hosted, real):
    entries, taxonomy = real
    dump = json.loads((hosted / "api" / "entries.json").read_text(encoding="utf-8"))
    jsonschema.validate(dump, EXPORT_SCHEMA)
    assert [e["id"] for e in dump["entries"]] == sorted(e.id for e in entries)
    for item in dump["entries"]:  # each entry, less the export's own keys, is a valid entry of its type
        fields = {k: v for k, v in item.items() if k not in ("type", "path")}
        jsonschema.validate(json.loads(json.dumps(fields, default=str)), type_schema(item["type"]))
    data = json.loads((hosted / "api" / "taxonomy.json").read_text(encoding="utf-8"))
    assert data["format"] == "kb-taxonomy" and data["version"] == 1
    assert data["domains"] == dump["taxonomy"]["domains"] and list(data["audiences"]) == list(taxonomy.audiences)


def test_feeds_skip_undated_entries_and_hold_hostile_text_as_text(empty_kb):
    write_entry(empty_kb, "paper", "hostile", """\
        id: hostile
        title: "<script>alert('t')</script> & \\u0001bell"
        url: https://example.org/h
        domains: [physics]
        audience: [beginner]
        authors: ["<b>Eve</b>"]
        year: 2020
        why: "Why <img src=x onerror=alert(1)>"
        for_whom: Anyone.
        added: 2026-02-02
        """)
    write_entry(empty_kb, "paper", "undated", """\
        id: undated
        title: Undated
        url: https://example.org/u
        domains: [physics]
        audience: [beginner]
        authors: [Ann]
        year: 2020
        why: Why.
        for_whom: Anyone.
        added: someday
        """)
    from kb.site import generate

    out = generate(empty_kb, search=False).output
    feed = feedparser.parse((out / "feeds" / "physics.xml").read_bytes())
    assert not feed.bozo and len(feed.entries) == 1
    item = feed.entries[0]
    assert item.title == "<script>alert('t')</script> & bell"  # the control character is dropped
    assert item.link == "../entries/hostile/"  # no site URL: relative to the feed
    assert "<img" in feedparser.parse((out / "feeds" / "all.xml").read_bytes()).entries[0].summary_detail.value


def test_build_errors_are_clear(empty_kb, cli, tmp_path):
    result = cli(empty_kb, "site", "build")
    assert result.exit_code == 2 and "no mkdocs.yml in" in result.stderr
    root = site_root(tmp_path / "kb", REPO / "entries")
    result = cli(root, "site", "build", "--site-url", "ftp://example.org/")
    assert result.exit_code == 2 and "the site URL must be an http(s) URL" in result.stderr
    (root / "mkdocs.yml").write_text((root / "mkdocs.yml").read_text() + "\nnot_a_setting_of_mkdocs: 1\n")
    result = cli(root, "site", "build")  # MkDocs --strict refuses an unknown setting
    assert result.exit_code == 1 and "mkdocs build failed (exit 1)" in result.stderr
