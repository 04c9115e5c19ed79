"""How entries point at each other, in both directions: what an entry requires (its `prerequisites` that
are entries; the rest is assumed knowledge), what it leads to (the entries requiring it) and what it is
compared with (its `alternatives`, and the entries naming it among theirs). Computed once for a KB, for
`kb show`, `kb path` and the site alike."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Iterable, NamedTuple

from .entries import Entry, load_entries


class Comparison(NamedTuple):
    """Another entry that overlaps with this one, with the notes saying when to prefer which."""

    other: Entry
    notes: list[tuple[str, str]]  # (id of the entry whose file holds the note, the note); this entry's first


def by_title(entry: Entry) -> tuple[str, str]:
    """The order entries are listed in wherever no other order applies."""
    return entry.title.casefold(), entry.id


class Connections:
    """The links between a KB's entries. Names that resolve to no entry, and an entry naming itself, are
    left out (`kb validate` reports both)."""

    def __init__(self, entries: Iterable[Entry]):
        self.by_id: dict[str, Entry] = {}
        for entry in entries:
            self.by_id.setdefault(entry.id, entry)
        leads_to: dict[str, list[Entry]] = defaultdict(list)
        compared: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(dict)
        for entry in sorted(self.by_id.values(), key=by_title):
            for prerequisite in self.requires(entry):
                leads_to[prerequisite].append(entry)
            for other, note in entry.alternatives:
                if other in self.by_id and other != entry.id:
                    compared[entry.id].setdefault(other, []).append((entry.id, note))
                    compared[other].setdefault(entry.id, []).append((entry.id, note))
        self._leads_to = dict(leads_to)
        self._compared = dict(compared)

    @classmethod
    def load(cls, root: Path) -> Connections:
        """The connections of the KB at `root` (files that do not load are left out)."""
        return cls(load_entries(root)[0])

    def requires(self, entry: Entry) -> list[str]:
        """Ids of the entries among the entry's prerequisites, each once, in the order written."""
        return list(dict.fromkeys(p for p in entry.prerequisites if p in self.by_id and p != entry.id))

    def assumed(self, entry: Entry) -> list[str]:
        """The entry's prerequisites that are not entries: knowledge it assumes ("Basic calculus")."""
        return [p for p in entry.prerequisites if p not in self.by_id]

    def leads_to(self, entry_id: str) -> list[Entry]:
        """The entries that list this one among their prerequisites, by title."""
        return self._leads_to.get(entry_id, [])

    def compared_with(self, entry_id: str) -> list[Comparison]:
        """The entries this one names as alternatives and those naming it, each once (a pair stated on
        both sides has both notes): first those it names, in its order, then the others by title."""
        notes = self._compared.get(entry_id, {})
        entry = self.by_id.get(entry_id)
        named = list(dict.fromkeys(other for other, _ in entry.alternatives if other in notes)) if entry else []
        others = sorted((i for i in notes if i not in named), key=lambda i: by_title(self.by_id[i]))
        return [Comparison(self.by_id[other], sorted(notes[other], key=lambda note: note[0] != entry_id))
                for other in named + others]
