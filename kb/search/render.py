"""The text report of `kb search`: ranked results with matches highlighted, then the facet counts.
Matches are coloured on a terminal and marked `*like this*` elsewhere."""
from __future__ import annotations

import click

from .backend import Filters, Highlight, Hit
from .searching import SearchResult

SNIPPET_FIELDS = ("why", "for_whom", "topics", "institution")  # the first that matched is shown
FIELD_LABELS = {"why": "why", "for_whom": "for whom", "topics": "topics", "institution": "at"}


def format_text(result: SearchResult, colour: bool) -> str:
    page = result.page
    lines = _preamble(result)
    for rank, hit in enumerate(page.hits, 1):
        lines += _hit_lines(rank, hit, colour) + [""]
    if page.total:
        shown = f"showing {len(page.hits)}" if len(page.hits) < page.total else "all shown"
        lines.append(f"{page.total} {'entry' if page.total == 1 else 'entries'} ({shown}); narrow down with:")
        for name, option in (("type", "--type"), ("domain", "--domain"), ("audience", "--audience")):
            counts = ", ".join(f"{value} {count}" for value, count in page.facets.get(name, {}).items())
            lines.append(f"  {option:<11} {counts}")
    return "\n".join(lines)


def _preamble(result: SearchResult) -> list[str]:
    page, query = result.page, result.query.strip()
    lines = []
    if page.suggestion and page.total:
        lines.append(f"No entry matches `{query}`; showing results for `{page.suggestion}`.")
    elif page.suggestion:
        lines.append(f"No entries match `{query}`. Did you mean `{page.suggestion}`?")
    elif not page.total:
        narrowed = " with these filters" if result.filters != Filters() else ""
        lines.append(f"No entries match `{query}`{narrowed}." if query else f"No entries{narrowed}.")
    if page.matched == "any":
        lines.append("No entry has every word; showing entries that have some of them.")
    return lines + [""] if lines else lines


def _hit_lines(rank: int, hit: Hit, colour: bool) -> list[str]:
    doc = hit.document
    marked = {h.field: _mark(h, colour) for h in hit.highlights}
    title = marked.get("title") or doc["title"]
    if colour:
        title = click.style(title, bold=True)
    about = f"{doc['type']}" + (f", {doc['year']}" if doc.get("year") else "")
    details = " · ".join(part for part in (
        marked.get("people") or ", ".join(doc["people"]),
        ", ".join(doc["audience"]),
        ", ".join(doc["domains"])) if part)
    url = click.style(doc["url"], fg="blue", underline=True) if colour else doc["url"]
    lines = [f"{rank:>2}. {title}  ({about})", f"    {details}", f"    {url}"]
    snippet = next(((name, marked[name]) for name in SNIPPET_FIELDS if name in marked), None)
    if snippet:
        lines.append(f"    {FIELD_LABELS[snippet[0]]}: {snippet[1]}")
    lines.append(f"    id: {doc['id']}")
    return lines


def _mark(highlight: Highlight, colour: bool) -> str:
    """The highlight's text with its matches emphasised; matches separated only by spaces form one run."""
    text, out, last = highlight.text, [], 0
    for start, end in _merged(highlight.text, highlight.matches):
        word = text[start:end]
        out += [text[last:start], click.style(word, fg="yellow", bold=True) if colour else f"*{word}*"]
        last = end
    out.append(text[last:])
    return "".join(out)


def _merged(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if runs and not text[runs[-1][1]:start].strip():
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        else:
            runs.append((start, end))
    return runs
