"""Memory between runs: the cache of results with each URL's history (written atomically, and only over a
file kb wrote: anything else is refused, a damaged cache moved aside), and `.kb/link-status.json`, the
per-URL status the static site reads."""
from __future__ import annotations

import json
import re
import time
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

from kb.model import UsageError, atomic_write, output_file

from .result import Result, now_iso

STATE_DIR = ".kb"  # kb's own folder under the KB root (git-ignored), made when needed
STATUS_FILE = f"{STATE_DIR}/link-status.json"
CACHE_FORMAT, CACHE_VERSION = "kb-links-cache", 1
# How a cache kb wrote begins, even when the rest is damaged: json.dumps keeps the key order, indent=1 the
# layout. Caches written before the "format" key began with "version".
_OWN_START = re.compile(rb'^\{\s*"(format": "kb-links-cache"|version": 1,\s*"urls": \{)')
_RESULT_FIELDS = {f.name for f in fields(Result)} - {"locations", "from_cache"}
_STATUS_FIELDS = ("status", "http_status", "final_url", "checked_at", "last_ok", "first_failed", "consecutive_failures")


class NotACache(UsageError):
    """The cache file holds something kb did not write, or cannot be read: it is left alone (exit 2)."""


def cache_location(root: Path, cache: str | Path, option: str) -> Path:
    """The cache file (`cache` relative to the root). Its folder must exist, as for any file the user names
    (`option` says where they did), except kb's own folder under the root, which kb makes."""
    path = Path(root) / cache
    if path.resolve().parent == (Path(root) / STATE_DIR).resolve():
        return path
    return output_file(path, option)


class LinkCache:
    def __init__(self, path: Path | None, records: dict | None = None, notice: str | None = None):
        self.path, self.records, self.notice = path, records or {}, notice  # path None: never saved

    @classmethod
    def load(cls, path: Path) -> LinkCache:
        """The cache at `path` (empty when there is none). A damaged cache is moved aside, with a notice;
        NotACache for a file kb did not write or cannot read, so that it is never overwritten."""
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):  # no file there (saving will say why, if it cannot)
            return cls(path)
        except OSError as exc:
            raise NotACache(f"cannot read the link cache {path} ({exc.strerror or exc}); name another file with "
                            "--cache, or use --no-cache") from None
        records = _records(raw)
        if records is not None:
            return cls(path, records)
        if not _OWN_START.match(raw):
            raise NotACache(f"{path} exists and is not a kb link cache, so kb will not overwrite it: name another "
                            "file with --cache (or the `cache` setting), or move this one away")
        try:
            aside = _move_aside(path)
        except OSError as exc:
            reason = exc.strerror or exc
            return cls(None, notice=f"the link cache {path} is damaged and cannot be moved aside ({reason}); it is "
                                    "left as it is, and this run's results are not cached")
        return cls(path, notice=f"the link cache {path} was damaged: moved aside to {aside.name}, a new one is written")

    def fresh(self, url: str, max_age: dict) -> Result | None:
        """The cached result for `url` if it is younger than the lifetime of its status."""
        record = self.records.get(url)
        if not record:
            return None
        try:  # a record with an unknown status, a bad date or missing fields is checked again
            result = Result(**{k: v for k, v in record.items() if k in _RESULT_FIELDS})
            age = (datetime.now(UTC) - datetime.fromisoformat(result.checked_at)).total_seconds()
        except (TypeError, ValueError):
            return None
        if not result.status.cached or not 0 <= age < max_age.get(result.status, 0):
            return None
        result.from_cache = True
        return result

    def remember(self, result: Result) -> None:
        """Carry the URL's history forward onto `result` and keep it."""
        previous = self.records.get(result.url, {})
        update_history(result, previous)
        if result.status.cached:
            self.records[result.url] = {k: v for k, v in result.as_json().items() if k in _RESULT_FIELDS}

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache; `keep` (after a run over every entry) drops URLs no entry uses any more."""
        if self.path is None:
            return
        records = {u: r for u, r in self.records.items() if keep is None or u in keep}
        atomic_write(self.path, json.dumps({"format": CACHE_FORMAT, "version": CACHE_VERSION, "urls": records},
                                           indent=1, ensure_ascii=False))


def _records(raw: bytes) -> dict | None:
    """The URL records of a readable cache (this version's, or one written before the format key), else None."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except ValueError:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None
    if (not isinstance(data, dict) or data.get("format", CACHE_FORMAT) != CACHE_FORMAT
            or data.get("version") != CACHE_VERSION or not isinstance(data.get("urls"), dict)):
        return None
    return {url: record for url, record in data["urls"].items() if isinstance(record, dict)}


def _move_aside(path: Path) -> Path:
    """Rename `path` to PATH.corrupt-<UTC time> (never over an earlier one) and return the new path."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside, number = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while aside.exists():
        number += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{number}")
    path.rename(aside)
    return aside


def update_history(result: Result, previous: dict) -> None:
    result.last_ok = previous.get("last_ok")
    result.first_failed = previous.get("first_failed")
    count = previous.get("consecutive_failures", 0)
    result.consecutive_failures = count if isinstance(count, int) else 0
    if result.status.working:
        result.last_ok, result.first_failed, result.consecutive_failures = result.checked_at, None, 0
    elif result.status.counts_toward_gone:
        result.first_failed = result.first_failed or result.checked_at
        result.consecutive_failures += 1


def write_link_status(root: Path, results: list[Result], replace: bool) -> None:
    """Export each URL's status for the site; a partial run (some entries) updates the previous export."""
    urls = {} if replace else load_link_status(root)
    urls.update({r.url: {k: getattr(r, k) for k in _STATUS_FIELDS} for r in results})
    atomic_write(root / STATUS_FILE, json.dumps({"generated": now_iso(), "urls": urls}, indent=1, ensure_ascii=False))


def load_link_status(root: Path) -> dict:
    """The `urls` mapping of .kb/link-status.json: url -> {status, http_status, final_url, checked_at,
    last_ok, first_failed, consecutive_failures}; empty when the file is missing or corrupt."""
    try:
        data = json.loads((Path(root) / STATUS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    urls = data.get("urls") if isinstance(data, dict) else None
    return urls if isinstance(urls, dict) else {}
