"""One URL's outcome, as reported, cached and exported."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from .status import Status


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Result:
    url: str
    status: Status  # a status name is turned into its Status (ValueError for an unknown one)
    http_status: int | None = None
    final_url: str | None = None
    redirects: list = field(default_factory=list)  # [{"status": 301, "url": "<the Location>"}, ...]
    method: str | None = None
    elapsed: float = 0.0
    checked_at: str = field(default_factory=now_iso)
    locations: list = field(default_factory=list)  # ["entries/paper/x.yaml:4", ...]
    message: str = ""
    archive_url: str | None = None
    from_cache: bool = False
    last_ok: str | None = None
    first_failed: str | None = None
    consecutive_failures: int = 0

    def __post_init__(self):
        self.status = Status(self.status)

    def as_json(self) -> dict:
        data = asdict(self)
        data["elapsed"] = round(self.elapsed, 3)
        return data

    def gone(self, runs: int) -> bool:
        """Failed on `runs` runs in a row: more likely gone than a bad night."""
        return self.status.counts_toward_gone and self.consecutive_failures >= runs
