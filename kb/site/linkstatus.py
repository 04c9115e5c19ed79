"""What the last link check said about each URL, from `.kb/link-status.json` (written by
`kb check-links`, read by kb.links.load_link_status). A missing or unreadable file means no link status
on the site, never a failed build.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kb.links import Status, load_link_status


@dataclass(frozen=True)
class LinkStatus:
    status: str
    checked_at: str | None
    last_ok: str | None
    first_failed: str | None

    @property
    def working(self) -> bool:
        known = Status.of(self.status)  # None for a status this version does not know: neither
        return known is not None and known.working

    @property
    def broken(self) -> bool:
        known = Status.of(self.status)
        return known is not None and known.counts_toward_gone


def read_link_status(root: Path) -> dict[str, LinkStatus]:
    """URL -> LinkStatus for every well-formed record; {} when the file is missing or corrupt."""
    urls = load_link_status(root)
    return {url: LinkStatus(str(record["status"]), _date(record.get("checked_at")), _date(record.get("last_ok")),
                            _date(record.get("first_failed")))
            for url, record in urls.items() if isinstance(record, dict) and isinstance(record.get("status"), str)}


def _date(value) -> str | None:
    """The day of an ISO timestamp (what a reader needs), or None."""
    return value[:10] if isinstance(value, str) and value[:4].isdigit() else None
