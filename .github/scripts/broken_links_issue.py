"""The body of the weekly "Broken links" issue, from `kb check-links --format json` output.

Lists the URLs whose status is broken or timeout and that failed at least --runs runs in a row (the
checker's cache keeps that history between weekly runs), with where each is used. Prints `count=N`
(for $GITHUB_OUTPUT) and writes the Markdown body to --output. Exit 2 when the report is missing or
unreadable: the link check itself failed, which someone should look at.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kb.links import Status  # the checker's one vocabulary of outcomes (the workflow installs kb first)


def broken_for_a_while(report: dict, runs: int) -> list[dict]:
    def failing(result: dict) -> bool:
        status = Status.of(result.get("status"))
        return bool(status and status.counts_toward_gone) and int(result.get("consecutive_failures") or 0) >= runs
    return sorted((r for r in report["results"] if failing(r)), key=lambda r: r["url"])


def issue_body(results: list[dict], runs: int) -> str:
    lines = [f"The weekly link check found {len(results)} link(s) failing {runs} or more runs in a row.",
             "Fix the entry's `url`, add an `archive_url`, or remove the entry if the resource is gone.",
             "This issue is updated by each weekly run and closed when no such link is left.", "",
             "| URL | Status | Failing since | Runs | Used in |", "|---|---|---|---|---|"]
    for r in results:
        status = r["status"] + (f" (HTTP {r['http_status']})" if r.get("http_status") else "")
        lines.append(f"| {_cell(r['url'])} | {_cell(status)} | {_cell(r.get('first_failed') or '')} | "
                     f"{r.get('consecutive_failures')} | {_cell(', '.join(r.get('locations') or []))} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path, help="kb check-links --format json output")
    parser.add_argument("--runs", type=int, default=3, help="failed runs in a row before a link is listed [3]")
    parser.add_argument("--output", type=Path, required=True, help="where to write the issue body")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.report.read_text(encoding="utf-8"))
        results = broken_for_a_while(report, args.runs)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cannot read the link check report {args.report}: {exc}", file=sys.stderr)
        return 2
    args.output.write_text(issue_body(results, args.runs), encoding="utf-8")
    print(f"count={len(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
