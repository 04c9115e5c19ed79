"""The site's search index: one Pagefind record per entry, made straight from the entries (not from the
built pages, so it is the same for MkDocs and Zensical and needs no second parse of 10,000 HTML pages).

Each record is a small HTML document indexed by Pagefind (see SearchIndex for how): the title as the
`<h1>` (Pagefind weights it 7, the body 1: a title match ranks above a match in *why*), the people
weighted between the two, then *why* and *for whom* as plain text. Filters (FILTERS) and metadata (META)
sit in a `data-pagefind-ignore` block, so they are captured as data but not searched as words. Every
value is HTML-escaped on the way in; Pagefind hands filters and metadata back as plain strings, and the
browser code (assets/kb-search.js) puts them on the page as text, never as HTML.

    write_search_index(site, folder) -> SearchReport   # the bundle: pagefind.js, its wasm, the index
    SearchIndex(site, folder) ... .finish()              # the same, indexing while the caller works
"""
from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kb.model import Entry, KbError

from .safe import plain_text, text
from .view import TYPE_TITLES, Site, access_title, entry_page, format_titles, page_url

# The filters, as assets/kb-search.js shows them (its FACETS: these names, in this order, with labels).
FILTERS = ("type", "area", "domain", "audience", "format", "access")
PEOPLE_SHOWN = 4
# Pagefind's own search interfaces, which the site does not use (assets/kb-search.js is ours): not published.
UNUSED = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-modular-ui.css",
          "pagefind-component-ui.js", "pagefind-component-ui.css", "pagefind-highlight.js")


class SearchIndexError(KbError):
    """Pagefind could not be run or failed."""


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
    # shown on each result, with the title and the audience filter's values
    meta = {"type": values["type"][0], "people": names, "year": str(entry.year or "")}
    hidden = "".join(f'<span data-pagefind-filter="{name}">{text(v)}</span>'
                     for name in FILTERS for v in dict.fromkeys(values[name]) if str(v).strip())
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
    """Write the Pagefind bundle for the site's entries into `folder` (see SearchIndex)."""
    return SearchIndex(site, folder).finish()


class SearchIndex:
    """Pagefind indexing the site's entries in a child process, from the moment this is made until
    finish(), so the page builders can run meanwhile (on the machine's other core).

    The records are written as files (entries/<id>/index.html, so that Pagefind gives each the URL
    /entries/<id>/) and the Pagefind binary (PyPI `pagefind-bin`) indexes that folder, as
    `pagefind --site` does. Not Pagefind's Python API: it drives the same binary as a service, waits
    0.1 s before reading each of its replies (one `add_html_file` per entry took 1,000 s for 10,000) and
    blocks its caller, where a child process indexes while Python builds the pages. The bundle is
    written into a staging folder beside `folder` and moved in by renames (sync_bundle): a failure leaves the
    previous bundle in place. PAGEFIND_BINARY_PATH names another binary, as for the Python API.
    """

    def __init__(self, site: Site, folder: Path):
        self.folder, self.records = Path(folder), len(site.entries)
        self.folder.parent.mkdir(parents=True, exist_ok=True)
        self._records = tempfile.TemporaryDirectory(prefix="kb-search-", dir=_memory_folder())
        self._staging = tempfile.TemporaryDirectory(prefix=".pagefind-", dir=self.folder.parent)
        try:
            write_records(site, Path(self._records.name))
            self._process = subprocess.Popen(
                [str(pagefind_binary()), "--site", self._records.name, "--output-path", str(self._bundle),
                 "--force-language", "en", "--quiet"],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        except BaseException:
            self._cleanup()
            raise

    @property
    def staging(self) -> str:
        """The staging folder's name (beside `folder`), which other writers must leave alone."""
        return Path(self._staging.name).name

    @property
    def _bundle(self) -> Path:
        return Path(self._staging.name) / self.folder.name

    def finish(self) -> SearchReport:
        """Wait for Pagefind, then put its bundle in place of `folder`."""
        try:
            output, _ = self._process.communicate()
            if self._process.returncode != 0 or not (self._bundle / "pagefind.js").is_file():
                message = output.decode("utf-8", "replace").strip().splitlines()[-3:]
                raise SearchIndexError(f"Pagefind failed (exit {self._process.returncode}): " + " ".join(message))
            for name in UNUSED:
                (self._bundle / name).unlink(missing_ok=True)
            files = sum(1 for p in self._bundle.rglob("*") if p.is_file())
            sync_bundle(self._bundle, self.folder)
            return SearchReport(self.records, files)
        finally:
            self._cleanup()

    def cancel(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        self._records.cleanup()
        self._staging.cleanup()


def write_records(site: Site, folder: Path) -> None:
    """Each entry's record as `entries/<id>/index.html` under `folder`."""
    for entry in site.entries:
        path = folder / page_url(entry_page(entry.id)) / "index.html"
        os.makedirs(path.parent, exist_ok=True)
        path.write_text(record(site, entry), encoding="utf-8")


def _memory_folder() -> str | None:
    """/dev/shm where there is one: the records are thrown away, and 10,000 folders cost 8 s on this
    project's disk against 0.7 s in memory. Elsewhere the system's temporary folder."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def pagefind_binary() -> Path:
    if os.environ.get("PAGEFIND_BINARY_PATH"):
        binary = Path(os.environ["PAGEFIND_BINARY_PATH"])
    else:
        try:
            from pagefind_bin import get_executable
        except ImportError as exc:  # the site extra is not installed
            raise SearchIndexError("the site search needs Pagefind: pip install pagefind-bin") from exc
        binary = get_executable()
    if not (binary.is_file() and os.access(binary, os.X_OK)):
        raise SearchIndexError(f"cannot run Pagefind: {binary} is not an executable file")
    return binary


ENTRY = "pagefind-entry.json"  # what the browser reads first: it names the index files, which name the rest


def sync_bundle(new: Path, folder: Path, copy: bool = False) -> None:
    """Make `folder` hold the files of `new`: each new or changed file moved in by a rename (or copied,
    then renamed), the index files before the entry file that names them (a reader sees the old index
    or the new one, whole), then the files the new bundle no longer has removed. Unchanged files are
    left alone, so that `mkdocs serve` and `zensical serve` (whose watcher misses a folder renamed into
    place) see what changed."""
    folder.mkdir(parents=True, exist_ok=True)
    files = [p.relative_to(new) for p in new.rglob("*") if p.is_file()]
    files.sort(key=lambda rel: (len(rel.parts) == 1, rel.name == ENTRY))  # sub-folders first, the entry last
    for rel in files:
        source, target = new / rel, folder / rel
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if copy:
            staged = target.with_name(f".{target.name}.kb-tmp")
            shutil.copyfile(source, staged)
            source = staged
        os.replace(source, target)
    keep = set(files)
    for path in sorted(folder.rglob("*"), key=lambda p: len(p.parts), reverse=True):  # files before folders
        if path.is_file() and path.relative_to(folder) not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
