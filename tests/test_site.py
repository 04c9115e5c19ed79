"""The site built from the real entries and from a fixture with hostile values: assertions on the HTML."""
from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from kb.model import TYPES, load_entries, load_taxonomy, select
from kb.site import SITE_SOURCES

REPO = Path(__file__).resolve().parents[1]
BUILD_ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
_BUILT: dict[str, Path] = {}  # the real site, built once per session (test_browser.py uses it too)
LINK_STATUS = {  # link-check results for two real entries, in the shape `kb check-links` writes
    "generated": "2026-11-20T10:00:00Z",
    "urls": {
        "https://theoreticalminimum.com/courses/statistical-mechanics/2013/spring": {
            "status": "ok", "http_status": 200, "final_url": None, "checked_at": "2026-11-20T10:00:00Z",
            "last_ok": "2026-11-20T10:00:00Z", "first_failed": None, "consecutive_failures": 0},
        "https://arxiv.org/abs/2412.06769": {
            "status": "broken", "http_status": 404, "final_url": None, "checked_at": "2026-11-20T10:00:00Z",
            "last_ok": "2026-10-01T08:00:00Z", "first_failed": "2026-11-13T10:00:00Z", "consecutive_failures": 2},
    },
}


def site_root(dest: Path, entries: Path) -> Path:
    """A KB root at `dest`: the given entries folder plus the site's sources from the repository."""
    shutil.copytree(entries, dest / "entries")
    for name in SITE_SOURCES:
        source = REPO / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, dest / name)
    return dest


KB = str(Path(sys.executable).parent / "kb")


def build(root: Path, tool: str = "mkdocs", *options: str) -> Path:
    """`kb site build --engine TOOL` (both engines strict): generate, search index, site; returns site/."""
    result = subprocess.run([KB, "--root", str(root), "site", "build", "--engine", tool, *options], cwd=root,
                            env=BUILD_ENV, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"


def built_real_site(tmp_path_factory) -> Path:
    """The real entries' site (with link status for two of them), built once per session."""
    if "real" not in _BUILT:
        root = site_root(tmp_path_factory.mktemp("real-site"), REPO / "entries")
        (root / ".kb").mkdir()
        (root / ".kb" / "link-status.json").write_text(json.dumps(LINK_STATUS), encoding="utf-8")
        _BUILT["real"] = build(root)
    return _BUILT["real"]


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> Path:
    return built_real_site(tmp_path_factory)


@pytest.fixture(scope="module")
def real():
    entries, failures = load_entries(REPO)
    assert entries and not failures
    return entries, load_taxonomy(REPO / "entries")[0]


class Html(HTMLParser):
    """Every start tag with its attributes, the text, and the content of each <script>."""

    def __init__(self, source: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.text, self.scripts, self._script = [], [], [], None
        self.feed(source)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script = (dict(attrs).get("type"), [])

    def handle_endtag(self, tag):
        if tag == "script" and self._script:
            self.scripts.append((self._script[0], "".join(self._script[1])))
            self._script = None

    def handle_data(self, data):
        (self._script[1] if self._script else self.text).append(data)


def page(site: Path, url_path: str) -> str:
    return (site / url_path / "index.html").read_text(encoding="utf-8")


def card_ids(html: str) -> list[str]:
    return re.findall(r'<div class="kb-card" data-entry="([^"]+)"', html)


def sections(html: str) -> dict[str, list[str]]:
    """Card ids under each <h2 id=...> of a listing page."""
    parts = re.split(r'<h2 id="([^"]+)"', html)
    return {parts[i]: card_ids(parts[i + 1]) for i in range(1, len(parts) - 1, 2)}


# --- the real entries --------------------------------------------------------------------------------

def test_every_entry_has_its_page_with_its_link(real_site, real):
    entries, _ = real
    for entry in entries:
        html = page(real_site, f"entries/{entry.id}")
        parsed = Html(html)
        assert ("a", {"href": entry.data["url"], "class": "md-button md-button--primary kb-open"}) \
            in parsed.tags, entry.id
        assert entry.title in "".join(parsed.text)
        assert re.search(r'<h2 id="why">.*?<div class="kb-why">\s*<p>\S', html, re.S), entry.id
        assert re.search(r'<h2 id="for-whom">.*?<div class="kb-for-whom">\s*<p>\S', html, re.S), entry.id


def first_level(entry, taxonomy) -> str:
    return next(a for a in taxonomy.audiences if a in entry.data["audience"])


def test_domain_pages_list_exactly_their_entries_by_first_level(real_site, real):
    entries, taxonomy = real
    for domain_id in taxonomy.domains:
        html = page(real_site, f"domains/{domain_id}")
        ids = card_ids(html)
        assert sorted(ids) == sorted(e.id for e in select(entries, domain=domain_id)), domain_id  # each once
        found = sections(html)
        for audience_id in taxonomy.audiences:
            expected = sorted(e.id for e in select(entries, domain=domain_id)
                              if first_level(e, taxonomy) == audience_id)
            assert sorted(found.get(audience_id, [])) == expected, (domain_id, audience_id)
        assert list(found) == [a for a in taxonomy.audiences if a in found]  # taxonomy order: general first


def test_audience_and_type_pages_list_exactly_their_entries(real_site, real):
    entries, taxonomy = real
    for audience_id in taxonomy.audiences:
        assert set(card_ids(page(real_site, f"audiences/{audience_id}"))) == \
            {e.id for e in select(entries, audience=audience_id)}
    for type_ in TYPES:
        ids = card_ids(page(real_site, f"types/{type_}"))
        assert set(ids) == {e.id for e in select(entries, type=type_)}


def test_home_grid_counts_add_up(real_site, real):
    entries, taxonomy = real
    home = page(real_site, "")
    readme = (REPO / "README.md").read_text().split("<!-- /counts -->")[0]
    said = re.search(r'<p class="kb-counts">(.*?)\.</p>', home).group(1)
    assert said.startswith(f"{len(entries)} entries (") and f"**{said}**" in readme  # the README's counts
    rows = re.findall(r'<tr(?: class="kb-total")?><th scope="row">(.*?)</tr>', home)
    assert len(rows) == len(taxonomy.top_domains()) + 1
    for row in rows:
        cells = re.findall(r'<td(?: class="kb-all")? data-count="(\d+)">(?:<a href="([^"]+)">)?', row)
        *levels, (total, total_url) = cells
        assert len(levels) == len(taxonomy.audiences)
        assert sum(int(count) for count, _ in levels) == int(total), row  # each row adds up
        for (count, url), audience_id in zip(levels, taxonomy.audiences, strict=True):
            if url:  # a domain's cell: the number of cards in that section of its page
                target, anchor = url.split("#")
                cards = sections(page(real_site, target.rstrip("/")))[anchor]
                assert anchor == audience_id and int(count) == len(cards)
            elif "All domains" not in row:
                assert count == "0"
        if "All domains" in row:
            assert int(total) == len(entries)
            assert [int(c) for c, _ in levels] == [sum(first_level(e, taxonomy) == a for e in entries)
                                                   for a in taxonomy.audiences]
        else:
            assert int(total) == len(set(card_ids(page(real_site, total_url.rstrip("/")))))
    assert f"{len(entries)} entries" in home


def test_json_ld_parses_with_the_schema_org_type(real_site, real):
    entries, _ = real
    expected_types = {"lecture-series": "Course", "paper": "ScholarlyArticle", "research-guide": "CreativeWork"}
    for entry in entries:
        blocks = [body for kind, body in Html(page(real_site, f"entries/{entry.id}")).scripts
                  if kind == "application/ld+json"]
        assert len(blocks) == 1, entry.id
        data = json.loads(blocks[0])
        assert data["@context"] == "https://schema.org" and data["@type"] == expected_types[entry.type]
        assert data["name"] == entry.title and data["url"] == entry.data["url"]
        people = data.get("creator") or data.get("author")
        assert [p["name"] for p in people] == entry.people


def test_prerequisites_and_related_are_linked_both_ways(real_site):
    statmech = page(real_site, "entries/statistical-mechanics-susskind")
    classical = page(real_site, "entries/classical-mechanics-susskind-2011")
    builds_on = statmech.split('<h2 id="builds-on">')[1].split("<h2")[0]
    assert 'href="../classical-mechanics-susskind-2011/"' in builds_on and "Basic calculus" in builds_on
    leads_to = classical.split('<h2 id="leads-to">')[1].split("<h2")[0]
    assert 'href="../statistical-mechanics-susskind/"' in leads_to
    assert 'href="../statistical-mechanics-susskind/"' in classical.split('<h2 id="related">')[1].split("<h2")[0]


def test_entry_page_shows_breadcrumbs_recommender_and_source(real_site):
    html = page(real_site, "entries/statistical-mechanics-susskind")
    assert re.search(r'<nav class="kb-crumbs"><a href="../../domains/physics/">Physics</a> › '
                     r'<a href="../../domains/physics/statistical-mechanics/">Statistical mechanics</a></nav>', html)
    assert "Rauno Arike" in html.split('<h2 id="recommended-by">')[1]
    assert "entries/lecture-series/statistical-mechanics-susskind.yaml" in html
    assert "Edit this entry" not in html  # no repository URL configured: the file is named instead


def test_every_entry_has_a_bibtex_block(real_site, real):
    entries, _ = real
    for entry in entries:
        html = page(real_site, f"entries/{entry.id}")
        assert '<h2 id="cite">' in html, entry.id
    susskind = page(real_site, "entries/statistical-mechanics-susskind")
    code = "".join(Html(susskind.split('<h2 id="cite">')[1].split("</pre>")[0]).text)
    assert "@online{statistical-mechanics-susskind," in code and "entrysubtype = {lecture-series}" in code
    coconut = page(real_site, "entries/coconut-latent-reasoning")
    code = "".join(Html(coconut.split('<h2 id="cite">')[1].split("</pre>")[0]).text)  # highlighted: text only
    assert "@misc{coconut-latent-reasoning," in code and "eprint = {2412.06769}" in code


def test_link_status_shows_last_working_or_broken(real_site):
    ok = page(real_site, "entries/statistical-mechanics-susskind")
    assert "Link last seen working on 2026-11-20." in ok
    broken = page(real_site, "entries/coconut-latent-reasoning")
    assert "The link looked broken at the last check (2026-11-20, failing since 2026-11-13)." in broken
    assert "last seen working on 2026-10-01" in broken
    assert "link broken" in page(real_site, "domains/ai-safety/latent-reasoning")  # the card warns too
    assert "Link last seen" not in page(real_site, "entries/you-and-your-research-hamming")  # never checked


def test_every_internal_link_resolves(real_site):
    for html_file in real_site.rglob("*.html"):
        if html_file.name == "404.html":
            continue  # its links are absolute from the site root, as it is served at any depth
        for tag, attrs in Html(html_file.read_text(encoding="utf-8")).tags:
            target = attrs.get("href") if tag in ("a", "link") else attrs.get("src")
            if not target or re.match(r"^[a-z]+:|^#|^//", target):
                continue
            resolved = (html_file.parent / target.split("#")[0].split("?")[0]).resolve()
            assert resolved.is_file() or (resolved / "index.html").is_file(), f"{html_file}: {target}"


def pagefind_records(site: Path) -> dict[str, dict]:
    """URL -> what Pagefind stored for the page (content, meta, filters), read from its fragment files
    (gzip, then a `pagefind_dcd` marker before the JSON)."""
    records = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd"), path
        record = json.loads(data[len(b"pagefind_dcd"):])
        records[record["url"]] = record
    return records


def test_search_index_holds_every_entry_with_its_filters_and_nothing_else(real_site, real):
    entries, taxonomy = real
    assert not (real_site / "search" / "search_index.json").exists()  # no lunr index any more
    bundle = json.loads((real_site / "pagefind" / "pagefind-entry.json").read_text())
    assert bundle["languages"]["en"]["page_count"] == len(entries)
    records = pagefind_records(real_site)
    assert set(records) == {f"/entries/{e.id}/" for e in entries}  # entry pages only, each once
    statmech = records["/entries/statistical-mechanics-susskind/"]
    assert statmech["meta"] == {"title": "Statistical Mechanics (Spring 2013)", "type": "Lecture series",
                                "people": "Leonard Susskind", "year": "2013"}
    assert statmech["filters"]["area"] == ["Physics"] and statmech["filters"]["type"] == ["Lecture series"]
    assert statmech["filters"]["domain"] == ["Physics › Statistical mechanics"]
    assert "Boltzmann" in statmech["content"] and "Leonard Susskind" in statmech["content"]
    for entry in entries:
        record = records[f"/entries/{entry.id}/"]
        assert record["meta"]["title"] == entry.title
        assert record["filters"]["audience"] == [taxonomy.audiences[a].title for a in entry.data["audience"]]
        assert record["filters"]["access"] == [{"free": "Free", "registration": "Free with registration",
                                                 "paid": "Paid"}[entry.data.get("access", "free")]]
        assert record["filters"].get("format", []) == [f.capitalize() for f in entry.data.get("format", [])]


def test_navigation_lists_listing_pages_not_entries(real_site, real):
    _, taxonomy = real
    nav = json.loads((real_site.parent / "docs" / "generated" / "_nav.yml").read_text().split("\n", 1)[1])
    flat = json.dumps(nav)
    assert "entries/" not in flat
    assert all(f'"domains/{t.id}/index.md"' in flat for t in taxonomy.top_domains())
    assert all(f'"audiences/{a}.md"' in flat for a in taxonomy.audiences)
    for domain_id in taxonomy.domains:  # sub-domains are reached from their parent's page
        parent = domain_id.rpartition("/")[0] or None
        if parent:
            assert f'href="{domain_id.rpartition("/")[2]}/"' in page(real_site, f"domains/{parent}")
    home = page(real_site, "")
    assert home.count('href="entries/') == 10  # only the "recently added" cards link to entries


def test_tags_contribute_and_404_pages(real_site, real):
    entries, _ = real
    assert 'href="theoretical-minimum/"' in page(real_site, "tags")
    tagged = page(real_site, "tags/theoretical-minimum")  # listed by the tags plugin
    expected = {e.id for e in entries if "theoretical-minimum" in e.data.get("tags", [])}
    assert len(expected) >= 4 and set(re.findall(r'href="../../entries/([^/]+)/"', tagged)) == expected
    chip = re.search(r'<a href="([^"]+)" class="md-tag">', page(real_site, "entries/statistical-mechanics-susskind"))
    assert chip and chip.group(1).startswith("../../tags/")
    assert "How to contribute" in page(real_site, "contribute")
    assert "Page not found" in (real_site / "404.html").read_text(encoding="utf-8")


def test_zensical_builds_the_same_pages(tmp_path):
    root = site_root(tmp_path, REPO / "entries")
    site = build(root, tool="zensical")
    html = page(site, "entries/statistical-mechanics-susskind")
    assert "Statistical Mechanics (Spring 2013)" in html and "Susskind" in html
    zensical_physics = set(card_ids(page(site, "domains/physics")))
    assert zensical_physics and zensical_physics == set(card_ids(page(build(root), "domains/physics")))
