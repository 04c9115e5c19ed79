"""The errors kb raises for a person to read: each carries its exit code, which the CLI uses as is (as
click's ClickException does). Anything else reaching the CLI is a bug of ours."""
from __future__ import annotations


class KbError(Exception):
    """A failure the user can act on (bad data, a missing file, a service that refused): exit 1."""

    exit_code = 1


class UsageError(KbError):
    """The user asked for something that cannot be (a missing path, an unknown option value): exit 2."""

    exit_code = 2


def did_you_mean(value: str, choices, cutoff: float = 0.6) -> str:
    """"; did you mean `x`?" naming the choice closest to `value`, or "" when none is close: the one
    spelling of that hint, for ids, fields and taxonomy terms alike."""
    close = closest(value, choices, cutoff)
    return f"; did you mean `{close}`?" if close else ""


def closest(value: str, choices, cutoff: float = 0.6) -> str | None:
    import difflib  # 4 ms: only when something is misspelt

    found = difflib.get_close_matches(str(value), sorted(map(str, choices)), n=1, cutoff=cutoff)
    return found[0] if found else None
