"""Memory between runs: the cache of results with each URL's history (written atomically; a corrupt
file is reported and ignored), and `.kb/link-status.json`, the per-URL status the static site reads."""
from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime, timezone
from pathlib import Path

from kb.model import atomic_write

from .result import Result, now_iso

STATUS_FILE = ".kb/link-status.json"
CACHE_VERSION = 1
_RESULT_FIELDS = {f.name for f in fields(Result)} - {"locations", "from_cache"}
_STATUS_FIELDS = ("status", "http_status", "final_url", "checked_at", "last_ok", "first_failed", "consecutive_failures")


class LinkCache:
    def __init__(self, path: Path | None, records: dict | None = None, notice: str | None = None):
        self.path, self.records, self.notice = path, records or {}, notice

    @classmethod
    def load(cls, path: Path) -> "LinkCache":
        if not path.exists():
            return cls(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if (not isinstance(data, dict) or data.get("version") != CACHE_VERSION
                    or not isinstance(data.get("urls"), dict)):
                raise ValueError("not a kb link cache")
            return cls(path, {url: rec for url, rec in data["urls"].items() if isinstance(rec, dict)})
        except (OSError, ValueError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            return cls(path, notice=f"cache {path} is unreadable or corrupt ({exc}); ignored, it will be rewritten")

    def fresh(self, url: str, max_age: dict) -> Result | None:
        """The cached result for `url` if it is younger than the lifetime of its status."""
        record = self.records.get(url)
        if not record:
            return None
        try:  # a record with an unknown status, a bad date or missing fields is checked again
            result = Result(**{k: v for k, v in record.items() if k in _RESULT_FIELDS})
            age = (datetime.now(timezone.utc) - datetime.fromisoformat(result.checked_at)).total_seconds()
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
        records = {u: r for u, r in self.records.items() if keep is None or u in keep}
        atomic_write(self.path, json.dumps({"version": CACHE_VERSION, "urls": records}, indent=1, ensure_ascii=False))


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
