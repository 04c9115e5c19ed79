"""Which URLs the entries use, and where: every http(s) string in any field (url, links[].url,
archive_url, recommended_by[].source, ...), plus `doi` and `arxiv` identifiers as their canonical
addresses. Works on any entry file that parses as YAML, valid or not."""
from __future__ import annotations

import re
from pathlib import Path

from kb.model import LoadError, arxiv_id, arxiv_url, bulk_load, doi_url, normalize_doi, read_entry

_URL = re.compile(r"^https?://\S+$", re.I)


def collect_urls(root: Path, files: list[Path]) -> tuple[dict[str, list[str]], list[str]]:
    """{url: ["path:line", ...]} in file order, and notices for files that could not be read."""
    urls: dict[str, list[str]] = {}
    notices = []
    with bulk_load():
        for file in files:
            _collect_file(root, file, urls, notices)
    return urls, notices


def _collect_file(root: Path, file: Path, urls: dict, notices: list) -> None:
    try:
        entry = read_entry(file, root)
    except LoadError as exc:
        notices.append(f"skipped {_shown(file, root)}:{exc.line}: {exc.message}")
        return
    except OSError as exc:
        notices.append(f"skipped {_shown(file, root)}: {exc.strerror or exc}")
        return
    for where, url in urls_in(entry.data):
        urls.setdefault(url, []).append(f"{entry.path.as_posix()}:{entry.where(where)[0]}")


def urls_in(value, where: tuple = ()):
    """(path, url) for every URL in an entry's data, depth first in field order."""
    if isinstance(value, dict):
        for key, item in value.items():
            identifier = _identifier_url(key, item)
            if identifier:
                yield (*where, key), identifier
            else:
                yield from urls_in(item, (*where, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from urls_in(item, (*where, index))
    elif isinstance(value, str) and _URL.match(value.strip()):
        yield where, value.strip()


def _identifier_url(key, value) -> str | None:
    """The canonical address of a `doi` or `arxiv` identifier (not already written as a URL)."""
    if not isinstance(value, str) or _URL.match(value.strip()):
        return None
    if key == "doi" and normalize_doi(value).startswith("10."):
        return doi_url(normalize_doi(value))  # DOIs are case-insensitive: one URL per DOI however written
    if key == "arxiv" and arxiv_id(value):
        return arxiv_url(value)
    return None


def _shown(file: Path, root: Path) -> str:
    try:
        return file.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(file)
