"""The record every check returns, and the ways a list of them is printed."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass

FORMATS = ("text", "json", "github")


@dataclass(frozen=True, order=True)
class Problem:
    """One problem: what, where (1-based line and column) and, where one helps, how to fix it."""

    path: str
    line: int
    column: int
    code: str
    message: str
    hint: str | None = None
    severity: str = "error"  # or "warning": reported, but does not fail the run

    @property
    def full_message(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


def format_problems(problems: list[Problem], fmt: str) -> str:
    """Render problems as `text` (path:line:col: error[CODE]: message), `json` or `github` annotations."""
    if fmt == "json":
        return json.dumps([{**{k: v for k, v in asdict(p).items() if k != "hint"},
                            "message": p.full_message, "hint": p.hint} for p in problems], indent=2, allow_nan=False)
    if fmt == "github":
        return "\n".join(f"::{p.severity} file={_gh(p.path)},line={p.line},col={p.column},"
                         f"title={p.code}::{_gh_message(p.full_message)}" for p in problems)
    return "\n".join(f"{p.path}:{p.line}:{p.column}: {p.severity}[{p.code}]: {p.full_message}" for p in problems)


def _gh(value: str) -> str:
    # GitHub workflow-command property escaping
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A").replace(":", "%3A").replace(",", "%2C")


def _gh_message(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
