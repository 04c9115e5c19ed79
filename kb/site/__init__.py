"""The static site: Markdown pages generated from the entries and the taxonomy, built by MkDocs
(Material theme) or Zensical from the root `mkdocs.yml`. See docs/site.md.

    generate(root, output=None, edit_url=None, site_url=None, search=True) -> GenerateReport
    build(root, engine="mkdocs", ...) -> BuildReport   # generate, then MkDocs or Zensical (kb.site.build)

Options and defaults:
- output: the folder to write, default `<root>/docs/generated` (the `docs_dir` of mkdocs.yml; git-ignored).
  It must be new, empty, or made by an earlier generate: files no longer generated are removed.
- edit_url: base URL that an entry's path (`entries/<type>/<id>.yaml`) is appended to for its "Edit this
  entry" link, e.g. `https://github.com/OWNER/REPO/edit/main/`; default $KB_EDIT_URL; when unset, entry
  pages name the file instead. Only an http(s) URL is accepted.
- site_url: the address the site is served from, e.g. `https://owner.github.io/repo/`; default
  $KB_SITE_URL. Written into `_nav.yml` as MkDocs' `site_url` (for the sitemap and canonical links) and
  used for the feeds' absolute links. Only an http(s) URL is accepted.
- search: write the Pagefind index into `<output>/pagefind/` (kb.site.search); the engines copy it.
- Link status comes from `<root>/.kb/link-status.json` when it exists (see linkstatus.py).
- Hand-written pages: every file under `<root>/docs/site-pages/` is copied in (the contribute page, CSS).

Besides the pages, generate writes `_nav.yml` (the navigation: domains, audiences, types; never entries;
and `site_url` when known), which mkdocs.yml INHERITs, the Atom feeds (`feeds/`, kb.site.feeds), the open
data (`api/`, kb.site.api) and the search index (`pagefind/`). Other entry points: `build` (kb.site.build)
for `kb site build`, `watch_and_serve` (kb.site.serve) for `kb site serve`. Entry pages cite with
kb.contrib.bibtex's writer, the one `kb export --format bibtex` uses.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import ENTRIES_DIR, UsageError, load_entries, require_taxonomy

from .linkstatus import read_link_status
from .output import WriteReport, claim_folder, write_folder
from .safe import http_url
from .view import Site

DEFAULT_OUTPUT = Path("docs") / "generated"
HAND_WRITTEN = Path("docs") / "site-pages"
NAV_FILE = "_nav.yml"
EDIT_URL_ENV = "KB_EDIT_URL"
SITE_URL_ENV = "KB_SITE_URL"
SEARCH_FOLDER = "pagefind"  # the search index (kb.site.search) under the output; the engines copy it as is
# What a KB root needs, besides entries/, to build its site (tests and benchmarks copy these).
SITE_SOURCES = ("mkdocs.yml", "docs/overrides", "docs/site-pages")

__all__ = ["DEFAULT_OUTPUT", "GenerateReport", "SITE_SOURCES", "generate"]


@dataclass
class GenerateReport:
    output: Path
    written: WriteReport
    skipped: list[tuple[Path, str]]  # entry files that did not load, with why
    search_records: int | None = None  # None: no search index written
    # "pages": until the pages were written; "search wait": then waiting for Pagefind; "total"
    seconds: dict[str, float] = field(default_factory=dict)


def generate(root: Path, output: Path | None = None, edit_url: str | None = None, site_url: str | None = None,
             search: bool = True) -> GenerateReport:
    """Write the site's pages, navigation, feeds, open data and search index for the KB at `root` (see
    the module docstring)."""
    root, started = Path(root), time.perf_counter()
    edit_url = _url_option(edit_url or os.environ.get(EDIT_URL_ENV) or None, "edit URL")
    site_url = _url_option(site_url or os.environ.get(SITE_URL_ENV) or None, "site URL")
    if site_url and not site_url.endswith("/"):
        site_url += "/"
    taxonomy = require_taxonomy(root / ENTRIES_DIR)  # no site without its domains and audiences
    entries, failures = load_entries(root)
    site = Site(entries, taxonomy, read_link_status(root), edit_url)
    from .search import SearchIndex

    output = claim_folder(Path(output) if output else root / DEFAULT_OUTPUT, "kb site generate")
    # Pagefind indexes in a child process while the pages are built (kb.site.search.SearchIndex)
    index = SearchIndex(site, output / SEARCH_FOLDER) if search else None
    try:
        others = (SEARCH_FOLDER, index.staging) if index else (SEARCH_FOLDER,)
        report = GenerateReport(output, write_folder(output, _files(root, site, site_url), others),
                                [(path, error.message) for path, error in failures])
        report.seconds["pages"] = time.perf_counter() - started
        if index:
            waited = time.perf_counter()
            report.search_records = index.finish().records
            report.seconds["search wait"] = time.perf_counter() - waited
    except BaseException:
        if index:
            index.cancel()
        raise
    report.seconds["total"] = time.perf_counter() - started
    return report


def _files(root: Path, site: Site, site_url: str | None) -> dict[str, str]:
    """Every generated file but the search index: pages, hand-written files, feeds, api/, _nav.yml."""
    from .api import api_files  # the page builders import markdown: only when generating
    from .feeds import feed_files
    from .pages import build_pages, nav

    files = build_pages(site, _hand_written(root / HAND_WRITTEN))
    files.update(feed_files(site, site_url))
    files.update(api_files(root))
    # JSON is YAML; titles are HTML-escaped because MkDocs themes print nav titles unescaped.
    config = {"nav": nav(site, files), **({"site_url": site_url} if site_url else {})}
    files[NAV_FILE] = "# generated by `kb site generate`\n" + json.dumps(config, indent=1) + "\n"
    return files


def _url_option(value: str | None, what: str) -> str | None:
    if value is not None and http_url(value) is None:
        raise UsageError(f"the {what} must be an http(s) URL, not `{value}`")
    return value


def _hand_written(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith(".")}
