"""The site's view of the KB: entries indexed by domain, audience, type and by who points at whom, and
the URL of every page (pages are Markdown files under the generated folder; URLs are directory URLs)."""
from __future__ import annotations

import posixpath
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from kb.model import Connections, Entry, Taxonomy, domain_matches

from .linkstatus import LinkStatus

TYPE_TITLES = {"lecture-series": "Lecture series", "research-guide": "Research guide", "paper": "Paper"}
ACCESS_TITLES = {"free": "Free", "registration": "Free with registration", "paid": "Paid"}
TAG = re.compile(r"^[a-z0-9]+(?:[-+.][a-z0-9]+)*$")  # the schema's tag pattern: nothing else reaches the tags plugin


def format_titles(entry: Entry) -> list[str]:
    """The entry's formats as shown on the site (cards, entry pages, search filters): "Video", "Notes"."""
    return [f.capitalize() for f in entry.formats]


def access_title(entry: Entry) -> str:
    return ACCESS_TITLES.get(entry.access, entry.access)


def page_url(page: str) -> str:
    """The directory URL of a Markdown page: `entries/x.md` -> `entries/x/`, `a/index.md` -> `a/`."""
    stem = page[: -len(".md")]
    stem = stem[: -len("index")] if stem == "index" or stem.endswith("/index") else stem + "/"
    return stem


def href(from_page: str, to_page: str, anchor: str = "") -> str:
    """A relative link from one page to another, as the built site needs it."""
    source, target = page_url(from_page) or ".", page_url(to_page) or "."
    relative = posixpath.relpath(target, source)
    return ("./" if relative == "." else relative + "/") + (f"#{anchor}" if anchor else "")


def entry_page(entry_id: str) -> str:
    return f"entries/{entry_id}.md"


def domain_page(domain_id: str) -> str:
    return f"domains/{domain_id}/index.md"


def audience_page(audience_id: str) -> str:
    return f"audiences/{audience_id}.md"


def type_page(type_: str) -> str:
    return f"types/{type_}.md"


def tag_page(tag: str) -> str:
    return f"tags/{tag}.md"


@dataclass
class Site:
    """Everything the page builders need, computed once."""

    entries: list[Entry]
    taxonomy: Taxonomy
    link_status: dict[str, LinkStatus] = field(default_factory=dict)
    edit_url: str | None = None  # base URL the entry's path is appended to, e.g. .../edit/main/

    def __post_init__(self):
        self.entries = sorted(self.entries, key=lambda e: (e.title.casefold(), e.id))
        self.by_id = {e.id: e for e in self.entries}
        self._in_domain: dict[str, list[Entry]] = {}
        self.connections = Connections(self.entries)  # prerequisites and alternatives, both ways
        self.related_back: dict[str, list[Entry]] = defaultdict(list)  # id -> entries that list it as related
        for entry in self.entries:
            for other in entry.related:
                if other in self.by_id and other != entry.id:
                    self.related_back[other].append(entry)

    @cached_property
    def paths(self):
        """The learning paths and their pages (kb/site/paths.py), computed when first asked for."""
        from .paths import SitePaths
        return SitePaths(self)

    def in_domain(self, domain_id: str) -> list[Entry]:
        """Entries in the domain or any of its sub-domains, each once."""
        if domain_id not in self._in_domain:
            self._in_domain[domain_id] = [e for e in self.entries
                                          if any(domain_matches(d, domain_id) for d in e.domains)]
        return self._in_domain[domain_id]

    @staticmethod
    def for_audience(entries: list[Entry], audience_id: str) -> list[Entry]:
        return [e for e in entries if audience_id in e.audience]

    def by_first_level(self, entries: list[Entry]) -> dict[str | None, list[Entry]]:
        """Entries grouped by the first audience they suit in the taxonomy's order (None: none known)."""
        order = list(self.taxonomy.audiences)
        groups: dict[str | None, list[Entry]] = defaultdict(list)
        for entry in entries:
            levels = [order.index(a) for a in entry.audience if a in self.taxonomy.audiences]
            groups[order[min(levels)] if levels else None].append(entry)
        return groups

    def of_type(self, type_: str) -> list[Entry]:
        return [e for e in self.entries if e.type == type_]

    def related(self, entry: Entry) -> list[Entry]:
        """Entries this one names as related, then those naming it (linked both ways), each once."""
        named = [self.by_id[i] for i in entry.related if i in self.by_id and i != entry.id]
        seen = {e.id for e in named}
        return named + [e for e in self.related_back.get(entry.id, []) if e.id not in seen]

    def recently_added(self, count: int) -> list[Entry]:
        return sorted(self.entries, key=lambda e: str(e.data.get("added", "")), reverse=True)[:count]

    def tags(self, entry: Entry) -> list[str]:
        return [t for t in entry.tags if TAG.match(t)]

    def all_tags(self) -> dict[str, int]:
        """Every tag with its number of entries, by tag."""
        counts = Counter(t for e in self.entries for t in set(self.tags(e)))
        return dict(sorted(counts.items()))
