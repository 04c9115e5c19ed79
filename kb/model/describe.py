"""`kb show`'s text: an entry's fields one per line, then what it leads to and what it is compared with."""
from __future__ import annotations

import re

from .connections import Connections
from .entries import Entry

_WHITESPACE = re.compile(r"\s+")


def describe(entry: Entry, connections: Connections) -> str:
    """An entry as readable text: title, then each field on its own line (lists joined, text indented),
    then the entries that require it ("leads to") and its comparisons, both directions ("compared with")."""
    lines = [entry.title, "=" * min(len(entry.title), 78), f"id: {entry.id}", f"type: {entry.type}",
             f"file: {entry.path.as_posix()}"]
    for name, value in entry.data.items():
        if name in ("id", "title", "alternatives"):  # alternatives: under "compared with", with the other side's
            continue
        if isinstance(value, list):
            value = ", ".join(_inline(v) for v in value)
        if isinstance(value, str) and "\n" in value.strip():
            lines += [f"{name}:", *("  " + line for line in value.strip().splitlines())]
        else:
            lines.append(f"{name}: {_inline(value)}")
    leads_to = connections.leads_to(entry.id)
    if leads_to:
        lines += ["leads to:", *(f"  - {other.id}: {other.title}" for other in leads_to)]
    comparisons = connections.compared_with(entry.id)
    if comparisons:
        lines.append("compared with:")
        for other, notes in comparisons:
            lines.append(f"  - {other.id}: {other.title}")
            lines += [f"    {'this entry' if noted_on == entry.id else 'that entry'} says: {_one_line(note)}"
                      for noted_on, note in notes]
    return "\n".join(lines)


def _inline(value) -> str:
    if isinstance(value, dict):
        return " ".join(f"{v}" if k in ("name", "label") else f"<{v}>" if k in ("url", "source") else f"({v})"
                        for k, v in value.items())
    return str(value).strip()


def _one_line(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()
