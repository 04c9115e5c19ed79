"""What the KB holds, counted: entries by type, top-level domain, audience and format. One source for the
README's first lines, the site's home page and `kb stats`."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from .entries import TYPES, Entry
from .taxonomy import Taxonomy, domain_matches

# Each type's name for a list of its entries (the site's headings, and the counts' sentence in lower case)
TYPE_PLURALS = {"lecture-series": "Lecture series", "research-guide": "Research guides", "paper": "Papers"}


@dataclass
class Counts:
    entries: int
    by_type: dict[str, int]
    by_top_domain: dict[str, int]  # an entry in two top-level domains counts in both
    by_audience: dict[str, int]
    by_format: dict[str, int]
    fields_with_entries: int  # top-level domains holding at least one entry (in it or a sub-domain)
    subfields_with_entries: int  # sub-domains holding at least one entry
    audiences: int

    def as_json(self) -> dict:
        return dict(self.__dict__)

    def render(self, fmt: str) -> str:
        """`text` (a line per kind of count, then the sentence), `json`, or `markdown` (the README's lines)."""
        if fmt == "json":
            return json.dumps(self.as_json(), indent=2, allow_nan=False)
        if fmt == "markdown":
            return f"**{self.sentence()}**, each with why it is recommended and for whom."
        tables = (("type", self.by_type), ("field", self.by_top_domain), ("audience", self.by_audience),
                  ("format", self.by_format))
        return "\n".join([*(f"{title:<10} " + ", ".join(f"{name} {n}" for name, n in table.items())
                             for title, table in tables), self.sentence()])

    def sentence(self) -> str:
        """E.g. '276 entries (162 lecture series, 43 research guides, 71 papers) in 19 fields and 120
        sub-fields, for 6 audience levels'."""
        kinds = ", ".join(f"{self.by_type[t]} {TYPE_PLURALS[t].lower()}" for t in TYPES)
        return (f"{self.entries} entries ({kinds}) in {self.fields_with_entries} fields and "
                f"{self.subfields_with_entries} sub-fields, for {self.audiences} audience levels")


def count(entries: list[Entry], taxonomy: Taxonomy) -> Counts:
    named = {d for e in entries for d in e.domains if d in taxonomy.domains}
    by_top = {t.id: sum(any(domain_matches(d, t.id) for d in e.domains) for e in entries)
              for t in taxonomy.top_domains()}
    return Counts(
        entries=len(entries),
        by_type={t: sum(e.type == t for e in entries) for t in TYPES},
        by_top_domain=by_top,
        by_audience={a: sum(a in e.audience for e in entries) for a in taxonomy.audiences},
        by_format=dict(Counter(f for e in entries for f in e.formats).most_common()),
        fields_with_entries=sum(1 for n in by_top.values() if n),
        subfields_with_entries=len({d for d in named if "/" in d}), audiences=len(taxonomy.audiences))
