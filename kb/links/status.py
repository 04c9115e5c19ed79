"""The link checker's one vocabulary of outcomes, and what each means for the run, the cache, the history
and the site (as lychee's `Status::is_*`). Standard library only: the site reads it too."""
from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """A URL's outcome; its value is what reports, the cache and .kb/link-status.json hold."""

    OK = "ok"
    MOVED = "moved"
    BROKEN = "broken"
    TIMEOUT = "timeout"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate-limited"
    UNVERIFIABLE = "unverifiable"
    EXCLUDED = "excluded"

    @classmethod
    def of(cls, value) -> Status | None:
        """The status named `value`, or None (a record from another version, or hand-edited)."""
        try:
            return cls(value)
        except ValueError:
            return None

    @property
    def fails_run(self) -> bool:
        """The run exits 1."""
        return self in (Status.BROKEN, Status.TIMEOUT, Status.BLOCKED)

    @property
    def warns(self) -> bool:
        """Reported, and fails the run only with --strict."""
        return self in (Status.MOVED, Status.RATE_LIMITED, Status.UNVERIFIABLE)

    @property
    def cached(self) -> bool:
        """Kept between runs; blocked and excluded depend on this run's settings."""
        return self not in (Status.BLOCKED, Status.EXCLUDED)

    @property
    def counts_toward_gone(self) -> bool:
        """One more failed run in a row (`consecutive_failures`); the site shows the link as broken."""
        return self in (Status.BROKEN, Status.TIMEOUT)

    @property
    def working(self) -> bool:
        """The resource answered: the URL's history starts again (`last_ok`)."""
        return self in (Status.OK, Status.MOVED)
