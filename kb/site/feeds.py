"""Atom feeds of new entries (by `added`, newest first, at most FEED_SIZE): one for the whole KB and
one per top-level domain, written with the standard library's ElementTree (feedgen 1.0.0 drops `rel`
and `type` from entry links, so an entry's two links would both read as its page). Pages link them
with <link rel="alternate" type="application/atom+xml"> (docs/overrides/main.html).

Ids are `urn:uuid:` names derived from the entry id (stable wherever the site is hosted). Links are
absolute when the site's URL is known (`kb site generate --site-url`), else relative to the feed.
"""
from __future__ import annotations

import datetime
import re
import uuid
from xml.etree import ElementTree

from kb.model import Entry

from .safe import http_url, summary
from .view import Site, domain_page, entry_page, page_url

FEED_SIZE = 50
ALL = "feeds/all.xml"
ATOM = "http://www.w3.org/2005/Atom"
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)  # `updated` of a feed with no entries
ElementTree.register_namespace("", ATOM)
# Material's script fetches `sitemap.xml` beside every <link rel="alternate"> (to map pages between
# languages): an empty one beside the feeds answers it, instead of a 404 on every page view.
EMPTY_SITEMAP = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n')
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # no XML document may hold these


def feed_path(top_domain: str | None = None) -> str:
    """Where a feed is in the site: the whole KB's, or a top-level domain's."""
    return ALL if top_domain is None else f"feeds/{top_domain}.xml"


def feed_title(site: Site, top_domain: str | None = None) -> str:
    if top_domain is None:
        return "kb: new entries"
    return f"kb: new in {site.taxonomy.domains[top_domain].title}"


def feeds_of(site: Site, entry: Entry) -> list[str]:
    """The top-level domains whose feeds an entry appears in (its pages link them)."""
    tops = []
    for domain_id in entry.domains:
        trail = site.taxonomy.ancestors(domain_id) if domain_id in site.taxonomy.domains else []
        if trail and trail[0].id not in tops:
            tops.append(trail[0].id)
    return tops


def feed_files(site: Site, site_url: str | None) -> dict[str, str]:
    """Every feed as {path in the site: Atom XML}."""
    files = {ALL: _feed(site, None, site.entries, site_url), "feeds/sitemap.xml": EMPTY_SITEMAP}
    for term in site.taxonomy.top_domains():
        files[feed_path(term.id)] = _feed(site, term.id, site.in_domain(term.id), site_url)
    return files


def _added(entry: Entry) -> datetime.datetime | None:
    try:
        day = datetime.date.fromisoformat(str(entry.data.get("added", ""))[:10])
    except ValueError:
        return None
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)


def _newest(entries: list[Entry]) -> list[tuple[datetime.datetime, Entry]]:
    dated = [(added, e) for e in entries if (added := _added(e))]
    return sorted(dated, key=lambda pair: (pair[0], pair[1].id), reverse=True)[:FEED_SIZE]


def _feed(site: Site, top_domain: str | None, entries: list[Entry], site_url: str | None) -> str:
    path = feed_path(top_domain)

    def url(page_or_file: str) -> str:  # absolute with a site URL, else relative to the feed
        target = page_url(page_or_file) if page_or_file.endswith(".md") else page_or_file
        return site_url + target if site_url else "../" + target

    newest = _newest(entries)
    feed = ElementTree.Element(_atom("feed"))
    _add(feed, "id", _urn("feed", path))
    _add(feed, "title", feed_title(site, top_domain))
    _add(feed, "updated", (newest[0][0] if newest else EPOCH).isoformat())
    _add(_add(feed, "author"), "name", "kb curators")
    _add(feed, "link", href=url(domain_page(top_domain) if top_domain else "index.md"), rel="alternate",
         type="text/html")
    _add(feed, "link", href=url(path), rel="self", type="application/atom+xml")
    _add(feed, "generator", "kb")
    for added, entry in newest:
        item = _add(feed, "entry")
        _add(item, "id", _urn("entry", entry.id))
        _add(item, "title", entry.title)
        _add(item, "link", href=url(entry_page(entry.id)), rel="alternate", type="text/html")
        if http_url(entry.url):
            _add(item, "link", href=entry.url, rel="related")
        _add(item, "published", added.isoformat())
        _add(item, "updated", added.isoformat())
        for person in entry.people:
            _add(_add(item, "author"), "name", person)
        for domain_id in entry.domains:
            if domain_id in site.taxonomy.domains:
                _add(item, "category", term=domain_id, label=site.taxonomy.domains[domain_id].title)
        _add(item, "summary", summary(entry.data.get("why"), limit=500))
    ElementTree.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(feed, encoding="unicode") + "\n"


def _atom(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _add(parent, tag: str, text: str | None = None, **attributes: str):
    """A child element; ElementTree escapes text and attributes, _xml drops what XML cannot hold."""
    child = ElementTree.SubElement(parent, _atom(tag), {k: _xml(v) for k, v in attributes.items()})
    if text is not None:
        child.text = _xml(text)
    return child


def _urn(kind: str, name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'kb:{kind}:{name}')}"


def _xml(value) -> str:
    return _NOT_XML.sub("", str(value))
