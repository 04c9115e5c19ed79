"""A search from start to end: check the request, refresh the index if the files changed, ask the
backend, and package the answer, which renders itself (text in render.py, JSON in SearchResult.as_json)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import KbError, UsageError, unknown_term

from .backend import Filters, IndexUnreadable, Page, backend_class
from .documents import Vocabulary
from .indexing import IndexReport, is_fresh, refresh
from .render import render_text
from .store import IndexBusy, IndexState, IndexStore, index_location

MAX_QUERY_CHARS = 1000
MAX_LIMIT = 1000


@dataclass
class SearchResult:
    query: str
    filters: Filters
    page: Page
    notices: list[str] = field(default_factory=list)  # what happened to the index on the way (stderr)
    unreadable: dict[str, str] = field(default_factory=dict)  # entry files left out: path -> why

    def messages(self) -> list[str]:
        """What to tell the user beside the results (stderr): the notices, and a warning for unread files."""
        unread = (f"warning: {len(self.unreadable)} entry files could not be read and are not searchable "
                  "(run `kb validate`)")
        return self.notices + ([unread] if self.unreadable else [])

    def render(self, fmt: str, colour: bool = False) -> str:
        """The answer as `text` (matches coloured with ANSI codes when `colour`, else `*marked*`) or `json`."""
        if fmt == "json":
            return json.dumps(self.as_json(), indent=2, ensure_ascii=False, allow_nan=False)
        return render_text(self, colour)

    def as_json(self) -> dict:
        """The `kb search --json` document (format in docs/search.md)."""
        return {
            "query": self.query,
            "total": self.page.total,
            "matched": self.page.matched,
            "results": [{**{k: hit.document[k] for k in ("id", "type", "title", "url")}, "score": hit.score,
                         **{k: hit.document[k] for k in ("domains", "audience", "format", "year", "people")},
                         "highlights": [h.as_json() for h in hit.highlights]} for hit in self.page.hits],
            "facets": self.page.facets,
            "suggestion": self.page.suggestion,
            "did_you_mean": self.page.did_you_mean,
        }


def search(root: Path, text: str, filters: Filters | None = None, limit: int = 10,
           location: str | os.PathLike | None = None, wait: float = 10.0) -> SearchResult:
    """Search the KB at root (within `filters`, default none), first bringing its index up to date with the
    entry files."""
    filters = filters or Filters()
    _check_request(text, filters, limit)
    store = IndexStore(index_location(root, location))
    notices: list[str] = []
    _ensure_fresh(root, store, wait, notices)
    for attempt in range(3):
        state = store.read_state()
        try:
            if state is None:
                raise IndexUnreadable("state.json is gone")
            backend = backend_class().open(store.folder(state.generation))
        except IndexUnreadable:
            # A writer may just have replaced the generation (look again), or the index is damaged.
            _note(notices, refresh(root, store, wait=wait))
            continue
        try:
            _check_terms(filters, Vocabulary.from_json(state.vocabulary))
            page = backend.search(text.strip(), filters, limit)
            return SearchResult(text, filters, page, notices, state.failures)
        except KbError:
            raise
        except Exception:
            # Whoosh opens some files lazily: a concurrent update may have merged them away since we
            # opened the index. Open it again (three times at most: not a way to hide a real bug).
            if attempt == 2:
                raise
        finally:
            backend.close()
    raise IndexUnreadable(f"cannot read the search index in {store.location}; remove it and run `kb index`")


def update_index(root: Path, location: str | os.PathLike | None = None, rebuild: bool = False,
                 wait: float = 10.0) -> IndexReport:
    """`kb index`: bring the index up to date (or rebuild it) and say what was done."""
    return refresh(root, IndexStore(index_location(root, location)), rebuild=rebuild, wait=wait)


def _ensure_fresh(root: Path, store: IndexStore, wait: float, notices: list[str]) -> None:
    state = store.read_state()
    if is_fresh(root, state):
        return
    try:
        _note(notices, refresh(root, store, wait=wait))
    except IndexBusy:
        if not _usable(store, state):
            raise
        notices.append("another process is updating the search index; these results may miss the latest "
                       "changes to the entries")


def _usable(store: IndexStore, state: IndexState | None) -> bool:
    return state is not None and store.folder(state.generation).is_dir()


def _note(notices: list[str], report: IndexReport) -> None:
    if report.action != "fresh":
        notices.append(report.summary())


def _check_request(text: str, filters: Filters, limit: int) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise UsageError(f"the query is {len(text)} characters long; at most {MAX_QUERY_CHARS} are searched "
                         "(use a few distinctive words)")
    if not text.strip() and filters == Filters():
        raise UsageError("empty query: give words to search for (e.g. `kb search statistical mechanics`), "
                         "or a filter such as --domain, --type or --audience to list what it holds")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"--limit must be between 1 and {MAX_LIMIT}")
    if filters.year_from is not None and filters.year_to is not None and filters.year_from > filters.year_to:
        raise UsageError(f"--year-from {filters.year_from} is after --year-to {filters.year_to}")


def _check_terms(filters: Filters, vocabulary: Vocabulary) -> None:
    """An unknown domain or audience is a usage error naming the closest known id."""
    for value, known, kind in ((filters.domain, vocabulary.domains, "domain"),
                               (filters.audience, vocabulary.audiences, "audience")):
        if value is not None and value.strip("/") not in known:
            raise unknown_term(kind, value, known)
