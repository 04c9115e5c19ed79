"""The site's search index: one Pagefind record per entry, made straight from the entries (not from the
built pages, so it is the same for MkDocs and Zensical and needs no second parse of 10,000 HTML pages).

Each record is a small HTML document given to Pagefind's Python API (`add_html_file`): the title as the
`<h1>` (Pagefind weights it 7, the body 1: a title match ranks above a match in *why*), the people
weighted between the two, then *why* and *for whom* as plain text. Filters (FILTERS) and metadata (META)
sit in a `data-pagefind-ignore` block, so they are captured as data but not searched as words. Every
value is HTML-escaped on the way in; Pagefind hands filters and metadata back as plain strings, and the
browser code (assets/kb-search.js) puts them on the page as text, never as HTML.

    write_search_index(site, folder) -> SearchReport   # the bundle: pagefind.js, its wasm, the index
"""
from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kb.model import Entry, KbError

from .model import TYPE_TITLES, Site, access_title, entry_page, format_titles, page_url
from .safe import plain_text, text

# (filter name, label shown above its checkboxes): the facets of the search panel, in this order.
FILTERS = (("type", "Type"), ("area", "Area"), ("domain", "Domain"), ("audience", "Audience"),
           ("format", "Format"), ("access", "Access"))
META = ("title", "type", "people", "year")  # shown on each result, with the audience filter's values
PEOPLE_SHOWN = 4
# Pagefind's own search interfaces, which the site does not use (assets/kb-search.js is ours): not published.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


class SearchIndexError(KbError):
    """Pagefind could not be started or refused the records."""


@dataclass
class SearchReport:
    records: int
    files: int


def record(site: Site, entry: Entry) -> str:
    """The entry as the HTML document Pagefind indexes (every value escaped)."""
    data = entry.data
    people = entry.people[:PEOPLE_SHOWN]
    names = ", ".join(people) + (" et al." if len(entry.people) > PEOPLE_SHOWN else "")
    values = {"type": [TYPE_TITLES.get(entry.type, entry.type)], "area": [], "domain": [],
              "audience": [_title(site.taxonomy.audiences, a) for a in entry.audience],
              "format": format_titles(entry), "access": [access_title(entry)]}
    for domain_id in entry.domains:
        trail = site.taxonomy.ancestors(domain_id) if domain_id in site.taxonomy.domains else []
        titles = [t.title for t in trail] or [domain_id]
        values["area"].append(titles[0])
        # every level below the top, so that choosing a domain also finds its sub-domains' entries
        values["domain"] += [" › ".join(titles[:depth]) for depth in range(2, len(titles) + 1)]
    meta = {"type": values["type"][0], "people": names, "year": str(entry.year or "")}
    hidden = "".join(f'<span data-pagefind-filter="{name}">{text(v)}</span>'
                     for name, _ in FILTERS for v in dict.fromkeys(values[name]) if str(v).strip())
    hidden += "".join(f'<span data-pagefind-meta="{name}">{text(v)}</span>' for name, v in meta.items() if v)
    return (f'<html lang="en"><body><main data-pagefind-body>'
            f'<h1 data-pagefind-meta="title">{text(entry.title)}</h1>'
            f'<p data-pagefind-weight="4">{text(", ".join(entry.people))}</p>'
            f'<p>{text(plain_text(data.get("why")))}</p><p>{text(plain_text(data.get("for_whom")))}</p>'
            f"<div data-pagefind-ignore>{hidden}</div></main></body></html>")


def _title(vocabulary: dict, term_id: str) -> str:
    term = vocabulary.get(term_id)
    return term.title if term else term_id


def write_search_index(site: Site, folder: Path) -> SearchReport:
    """Write the Pagefind bundle for the site's entries into `folder` (replaced as a whole: a failure
    leaves the previous bundle in place)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-search-", dir=_memory_folder()) as records, \
            tempfile.TemporaryDirectory(prefix=".pagefind-", dir=folder.parent) as staging:  # beside: renames
        write_records(site, Path(records))
        bundle = Path(staging) / folder.name
        asyncio.run(_index(Path(records), bundle))
        for name in UNUSED:
            (bundle / name).unlink(missing_ok=True)
        files = sum(1 for p in bundle.rglob("*") if p.is_file())
        _swap(bundle, folder)
    return SearchReport(len(site.entries), files)


def write_records(site: Site, folder: Path) -> None:
    """Each record as `entries/<id>/index.html` under `folder`: Pagefind gives it the URL /entries/<id>/.
    Records are files indexed as one folder because the Python API waits 0.1 s before reading each
    reply of its service: one `add_html_file` call per entry took 1,000 s for 10,000 entries."""
    for entry in site.entries:
        path = folder / page_url(entry_page(entry.id)) / "index.html"
        os.makedirs(path.parent, exist_ok=True)
        path.write_text(record(site, entry), encoding="utf-8")


def _memory_folder() -> str | None:
    """/dev/shm where there is one: the records are thrown away, and 10,000 folders cost 8 s on this
    project's disk against 0.7 s in memory. Elsewhere the system's temporary folder."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


async def _index(records: Path, output: Path) -> None:
    try:
        from pagefind.index import IndexConfig, PagefindIndex
    except ImportError as exc:  # the site extra is not installed
        raise SearchIndexError("the site search needs Pagefind: pip install 'pagefind[bin]'") from exc
    config = IndexConfig(output_path=str(output), force_language="en")
    try:
        async with PagefindIndex(config=config) as index:
            await index.add_directory(str(records))
    except FileNotFoundError as exc:  # no binary: pagefind_bin missing for this platform
        raise SearchIndexError(f"cannot run Pagefind: {exc}; pip install 'pagefind[bin]'") from exc
    except Exception as exc:  # the service's own errors arrive as bare Exceptions
        if isinstance(exc, KbError):
            raise
        raise SearchIndexError(f"Pagefind failed: {exc}") from exc


def _swap(new: Path, folder: Path) -> None:
    """Put `new` in place of `folder` with renames only, so readers see the old or the new bundle."""
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
        folder.rename(old)
    new.rename(folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
