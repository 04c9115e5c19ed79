"""What the index holds for one entry: a flat document of plain strings, lists and one year, built from
the entry's YAML data and the taxonomy (for domain titles). Backend-neutral: no search library here.

Entries with validation problems are indexed as far as their fields allow (a wrong-typed field is read
as text or left out): the YAML files are the truth, `kb validate` reports their problems, and search
should still find what a reader is looking for.
"""
from __future__ import annotations

from dataclasses import dataclass

from kb.model import Entry, Taxonomy, scalars


@dataclass(frozen=True)
class Vocabulary:
    """The taxonomy as the index needs it: titles of domains and audiences, in file order."""

    domains: dict[str, str]
    audiences: dict[str, str]

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> Vocabulary:
        return cls({i: t.title for i, t in taxonomy.domains.items()},
                   {i: t.title for i, t in taxonomy.audiences.items()})

    def as_json(self) -> dict:
        return {"domains": self.domains, "audiences": self.audiences}

    @classmethod
    def from_json(cls, data: dict) -> Vocabulary:
        return cls(dict(data.get("domains", {})), dict(data.get("audiences", {})))


def ancestry(domain_id: str) -> list[str]:
    """`a/b/c` -> [`a`, `a/b`, `a/b/c`]: indexing every ancestor makes a domain filter match sub-domains."""
    parts = domain_id.strip("/").split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


def document(entry: Entry, vocabulary: Vocabulary) -> dict:
    """The entry as an index document (see docs/search.md for what each field is searched for)."""
    data = entry.data
    domains = entry.domains
    lineage = list(dict.fromkeys(a for d in domains for a in ancestry(d)))
    lecturers = scalars(data.get("lecturers"))
    authors = scalars(data.get("authors"))
    audience = entry.audience
    return {
        "path": entry.path.as_posix(),
        "id": entry.id,
        "type": entry.type,
        "title": entry.title,
        "url": _text(data.get("url")),
        "people": lecturers + authors,
        "lecturers": lecturers,
        "authors": authors,
        "institution": " ".join(_text(data.get(k)) for k in ("institution", "course_code", "venue")).strip(),
        "tags": [t.replace("-", " ") for t in entry.tags],
        "domains": domains,
        "domain_lineage": lineage,
        "domain_titles": [vocabulary.domains[d] for d in lineage if d in vocabulary.domains],
        "audience": audience,
        "audience_titles": [vocabulary.audiences.get(a, a) for a in audience],
        "format": entry.formats,
        "year": entry.year,
        "why": " ".join(_text(data.get("why")).split()),  # one line: highlight snippets need no re-spacing
        "for_whom": " ".join(_text(data.get("for_whom")).split()),
    }


def _text(value) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return " ".join(_text(v) for v in value.values())
    return "" if value is None or isinstance(value, bool) else str(value)
