"""The outcome of a run as text (a terminal), JSON (tools) or Markdown (a pull-request comment or a
CI step summary), and its exit code."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from .result import Result
from .status import Status

PROBLEMS = [s for s in Status if s.fails_run] + [s for s in Status if s.warns]  # the order reports list them in


@dataclass
class Report:
    results: list[Result]
    notices: list[str]
    elapsed: float
    config: object = field(repr=False, default=None)
    peak_in_flight: dict = field(default_factory=dict)  # host -> most requests seen in flight at once
    files: int = 0  # entry files selected (the same selection as kb validate's and kb fmt's)
    changed_since: str | None = None

    def counts(self) -> dict[str, int]:
        counts = {status: 0 for status in Status}
        for result in self.results:
            counts[result.status] += 1
        return counts

    def summary(self) -> dict:
        gone_after = self.config.gone_after if self.config else 3
        return {"files": self.files, "urls": len(self.results), **self.counts(),
                "from_cache": sum(r.from_cache for r in self.results),
                "gone": sum(r.gone(gone_after) for r in self.results), "elapsed": round(self.elapsed, 2)}

    def exit_code(self, strict: bool = False) -> int:
        return 1 if any(r.status.fails_run or (strict and r.status.warns) for r in self.results) else 0

    def problems(self) -> list[Result]:
        """Failures first, then warnings, each group by URL."""
        order = {status: i for i, status in enumerate(PROBLEMS)}
        return sorted((r for r in self.results if r.status in order), key=lambda r: (order[r.status], r.url))

    def detail(self, result: Result) -> str:
        parts = [result.message or (f"HTTP {result.http_status}" if result.http_status else "")]
        gone_after = self.config.gone_after if self.config else 3
        if result.consecutive_failures > 1:
            verdict = "probably gone" if result.gone(gone_after) else "failing"
            parts.append(f"{verdict}: failed {result.consecutive_failures} runs in a row since {result.first_failed}")
        if result.archive_url:
            parts.append(f"archived copy: add `archive_url: {result.archive_url}`")
        return "; ".join(p for p in parts if p)

    def summary_line(self) -> str:
        summary = self.summary()
        shown = ", ".join(f"{summary[s]} {s}" for s in Status if summary[s])
        extra = f", {summary['from_cache']} from cache" if summary["from_cache"] else ""
        if self.changed_since and not self.files:
            return f"no entry changed since {self.changed_since}"
        return (f"{summary['urls']} URLs in {self.files} files: {shown or 'nothing to check'}{extra} "
                f"({summary['elapsed']:.1f} s)")

    def format(self, fmt: str) -> str:
        return {"text": self.text, "json": self.json, "markdown": self.markdown}[fmt]()

    def text(self) -> str:
        lines = []
        for result in self.problems():
            lines.append(f"{result.status.upper():<13} {result.url}")
            lines.append(f"{'':<14}{self.detail(result)}")
            lines += [f"{'':<14}at {where}" for where in result.locations]
        return "\n".join(lines)

    def json(self) -> str:
        return json.dumps({"results": [r.as_json() for r in self.results], "summary": self.summary(),
                           "notices": self.notices}, indent=2, ensure_ascii=False, allow_nan=False)

    def markdown(self) -> str:
        counts = self.summary()
        lines = ["## Link check", "", self.summary_line(), "",
                 "| " + " | ".join(Status) + " |", "|" + "---|" * len(Status),
                 "| " + " | ".join(str(counts[s]) for s in Status) + " |", ""]
        problems = self.problems()
        if problems:
            lines += ["| Status | URL | Where | Details |", "|---|---|---|---|"]
            lines += [f"| {r.status} | {_cell(r.url)} | {_cell(', '.join(r.locations))} | {_cell(self.detail(r))} |"
                      for r in problems]
        else:
            lines.append("No broken links.")
        lines += [f"- {_cell(n)}" for n in self.notices]
        return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
