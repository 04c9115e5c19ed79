"""The search backend: what kb needs from a full-text engine, independent of which engine it is.

The YAML files are the truth; a backend holds a disposable copy of them, built from the documents of
documents.py, in one folder. The only implementation is Whoosh (whoosh_backend.py, the one module that
imports whoosh), loaded lazily so that `import kb.search` stays cheap.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import KbError


class IndexUnreadable(KbError):
    """The folder holds no index, or one that cannot be read (corrupted, or from another schema)."""


@dataclass(frozen=True)
class Filters:
    """Restrictions applied on top of the query text; None means no restriction."""

    type: str | None = None
    domain: str | None = None  # a domain id: the domain and all its sub-domains
    audience: str | None = None
    format: str | None = None  # one of the `format` vocabulary: video, notes, ...
    year_from: int | None = None
    year_to: int | None = None


@dataclass(frozen=True)
class Highlight:
    """A piece of a field's text with the spans [start, end) of the words that matched the query."""

    field: str
    text: str
    matches: list[tuple[int, int]]

    def as_json(self) -> dict:
        return {"field": self.field, "text": self.text, "matches": [list(m) for m in self.matches]}


@dataclass
class Hit:
    document: dict  # the document's display fields: id, type, title, url, people, domains, audience, format, year
    score: float
    highlights: list[Highlight] = field(default_factory=list)


@dataclass
class Page:
    """One search's answer. `matched` is "all" when every query word matched, "any" when no entry had
    them all and entries matching some are shown; `suggestion` is the corrected query when misspelt
    words were replaced (the hits are then those of the suggestion); `did_you_mean` is a correction
    offered but not searched (it also corrects words too short to be replaced silently)."""

    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]]  # "type" / "domain" (top level) / "audience" / "format" -> value -> count
    suggestion: str | None = None
    matched: str = "all"
    did_you_mean: str | None = None


class Backend(ABC):
    """An index in one folder. Writers are serialised by the caller (see store.py)."""

    @classmethod
    @abstractmethod
    def create(cls, folder: Path) -> Backend:
        """A new, empty index in `folder` (which must be empty or absent)."""

    @classmethod
    @abstractmethod
    def open(cls, folder: Path) -> Backend:
        """The index in `folder`; raises IndexUnreadable when there is none or it cannot be read."""

    @abstractmethod
    def update(self, add: Iterable[dict], delete: Iterable[str] = (), bulk: bool = False) -> None:
        """Delete the documents with these paths, add (or replace, by path) these documents, and commit
        all of it at once: a run killed before the commit leaves the index as it was. `bulk`: many
        documents into a new index (the backend may then use several processes)."""

    @abstractmethod
    def search(self, text: str, filters: Filters, limit: int) -> Page:
        """Rank the documents matching `text` (query syntax in docs/search.md) within `filters`."""

    @abstractmethod
    def close(self) -> None:
        """Release open files."""


def backend_class() -> type[Backend]:
    """The backend implementation, imported on first use (Whoosh costs ~50 ms to import)."""
    from .whoosh_backend import WhooshBackend

    return WhooshBackend
