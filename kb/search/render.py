"""The text report of `kb search`: ranked results with matches highlighted, then the facet counts.
With `colour` (the CLI asks for it on a terminal) matches are coloured with ANSI codes; without, they
are marked `*like this*`."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .backend import Filters, Highlight, Hit

if TYPE_CHECKING:
    from .searching import SearchResult

# ANSI SGR codes: bold titles, blue underlined URLs, bold yellow matches.
STYLES = {"title": "1", "url": "34;4", "match": "33;1"}
SNIPPET_LABELS = {"why": "why", "for_whom": "for whom", "topics": "topics", "institution": "at"}


def render_text(result: SearchResult, colour: bool) -> str:
    page = result.page
    lines = _preamble(result)
    for rank, hit in enumerate(page.hits, 1):
        lines += _hit_lines(rank, hit, colour) + [""]
    if page.total:
        shown = f"showing {len(page.hits)}" if len(page.hits) < page.total else "all shown"
        lines.append(f"{page.total} {'entry' if page.total == 1 else 'entries'} ({shown}); narrow down with:")
        for name, counts in page.facets.items():
            if counts:  # no line for a facet no match has (entries need not give a format)
                lines.append(f"  {'--' + name:<11} " + ", ".join(f"{value} {n}" for value, n in counts.items()))
    return "\n".join(lines)


def _preamble(result: SearchResult) -> list[str]:
    page, query = result.page, result.query.strip()
    lines = []
    offer = page.did_you_mean or page.suggestion  # the fuller correction, when one was only offered
    if page.suggestion and page.total:
        lines.append(f"No entry matches `{query}`; showing results for `{page.suggestion}`.")
    elif offer:
        lines.append(f"No entries match `{query}`. Did you mean `{offer}`?")
    elif not page.total:
        narrowed = " with these filters" if result.filters != Filters() else ""
        lines.append(f"No entries match `{query}`{narrowed}." if query else f"No entries{narrowed}.")
    if page.matched == "any":
        lines.append("No entry has every word; showing entries that have some of them.")
    if page.did_you_mean and page.total:
        lines.append(f"Did you mean `{page.did_you_mean}`?")
    return lines + [""] if lines else lines


def _hit_lines(rank: int, hit: Hit, colour: bool) -> list[str]:
    doc = hit.document
    marked = {h.field: _mark(h, colour) for h in hit.highlights}
    title = marked.get("title") or doc["title"]
    title = _styled(title, "title", colour)
    about = f"{doc['type']}" + (f", {doc['year']}" if doc.get("year") else "")
    details = " · ".join(part for part in (
        marked.get("people") or ", ".join(doc["people"]),
        ", ".join(doc["audience"]),
        ", ".join(doc["domains"]),
        ", ".join(doc["format"])) if part)
    url = _styled(doc["url"], "url", colour)
    lines = [f"{rank:>2}. {title}  ({about})", f"    {details}", f"    {url}"]
    snippet = next((h.field for h in hit.highlights if h.field in SNIPPET_LABELS), None)  # the backend picks one
    if snippet:
        lines.append(f"    {SNIPPET_LABELS[snippet]}: {marked[snippet]}")
    lines.append(f"    id: {doc['id']}")
    return lines


def _mark(highlight: Highlight, colour: bool) -> str:
    """The highlight's text with its matches emphasised; matches separated only by spaces form one run."""
    text, out, last = highlight.text, [], 0
    for start, end in _merged(highlight.text, highlight.matches):
        word = text[start:end]
        out += [text[last:start], _styled(word, "match", colour) if colour else f"*{word}*"]
        last = end
    out.append(text[last:])
    return "".join(out)


def _styled(text: str, role: str, colour: bool) -> str:
    return f"\x1b[{STYLES[role]}m{text}\x1b[0m" if colour else text


def _merged(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if runs and not text[runs[-1][1]:start].strip():
            runs[-1] = (runs[-1][0], max(end, runs[-1][1]))
        else:
            runs.append((start, end))
    return runs
