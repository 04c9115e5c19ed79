"""Full-text search over the entries: `kb index` and `kb search`.

The YAML files are the truth; the index is a disposable cache of them (papis style), kept behind the
abstract Backend of backend.py, whose one implementation (whoosh_backend.py) is the only module that
imports Whoosh. Importing this package is cheap; the backend is imported on first use.

Public surface:
- search(root, text, filters, limit, location, wait) -> SearchResult refreshes the index first when an
  entry file or the taxonomy changed (cheap check: sizes and mtimes).
- update_index(root, location, rebuild, wait) -> IndexReport   (`kb index`)
- Filters(type, domain, audience, format, year_from, year_to): None means any; a domain includes its
  sub-domains.
- SearchResult.render(fmt, colour) -> str: the `kb search` answer as text or JSON; .messages(): its notices.

Options and their defaults:
- location: the index folder; default `<root>/.kb/index`, or $KB_INDEX_DIR (INDEX_ENV) when set.
- wait: seconds a writer waits for another writer's lock before IndexBusy.
- limit: results returned, 1..MAX_LIMIT; queries are at most MAX_QUERY_CHARS characters.

Errors: UsageError (bad query or filter, exit 2), IndexBusy (another writer held the lock too long),
IndexNotWritable (the index folder cannot be written), IndexUnreadable (an index that could not be
rebuilt).
"""
from .backend import Filters, IndexUnreadable
from .indexing import IndexReport
from .searching import MAX_LIMIT, MAX_QUERY_CHARS, SearchResult, search, update_index
from .store import INDEX_ENV, IndexBusy, IndexNotWritable, index_location

__all__ = ["Filters", "INDEX_ENV", "IndexBusy", "IndexNotWritable", "IndexReport", "IndexUnreadable", "MAX_LIMIT",
           "MAX_QUERY_CHARS", "SearchResult", "index_location", "search", "update_index"]
