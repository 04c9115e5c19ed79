"""How entries point at each other, in both directions: what an entry requires (its `prerequisites` that
are entries; the rest is assumed knowledge), what it leads to (the entries requiring it) and what it is
compared with (its `alternatives`, and the entries naming it among theirs). Computed once for a KB, for
`kb show`, `kb path` and the site alike; every question takes an entry id."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from .entries import Entry, EntryNotFound, bulk_load, entry_files, get_entry, is_entry_file, load_entries, read_entry
from .yamlfile import LoadError


def cycle_text(cycle: list[str]) -> str:
    """How kb names a cycle of prerequisites (Connections.cycles), in `kb validate` and `kb path` alike."""
    return "prerequisites form a cycle: " + " -> ".join([*cycle, cycle[0]])


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
        self._requires: dict[str, list[str]] = {}
        self._assumed: dict[str, list[str]] = {}
        for entry_id, entry in self.by_id.items():
            named = entry.prerequisites
            self._requires[entry_id] = list(dict.fromkeys(p for p in named if p in self.by_id and p != entry_id))
            self._assumed[entry_id] = [p for p in named if p not in self.by_id]

    @cached_property
    def _reverse(self) -> tuple[dict, dict]:
        """(id -> entries requiring it, id -> {other id: notes}): computed when first asked for, as
        `kb path` needs neither."""
        leads_to: dict[str, list[Entry]] = defaultdict(list)
        compared: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(dict)
        for entry_id, entry in sorted(self.by_id.items(), key=lambda item: (item[1].title.casefold(), item[0])):
            for prerequisite in self._requires[entry_id]:
                leads_to[prerequisite].append(entry)
            for other, note in entry.alternatives:
                if other in self.by_id and other != entry_id:
                    compared[entry_id].setdefault(other, []).append((entry_id, note))
                    compared[other].setdefault(entry_id, []).append((entry_id, note))
        return dict(leads_to), dict(compared)

    @classmethod
    def load(cls, root: Path, about: str | None = None) -> Connections:
        """The connections of the KB at `root` (files that do not load are left out). With `about`, an
        entry id, only those of that entry: the entries whose file holds its id (found by a byte search,
        so the others are not parsed: `kb show` reads 10,000 entries in 0.2 s instead of 1.5 s) and the
        entries it names as alternatives."""
        if about is None:
            return cls(load_entries(root)[0])
        needle, entries = about.encode(), []
        with bulk_load():
            for path in entry_files(root):
                try:
                    if is_entry_file(path) and needle in path.read_bytes():
                        entries.append(read_entry(path, root, positions=False))
                except (LoadError, OSError):
                    continue  # as load_entries does: `kb validate` reports it
        named = [other for entry in entries if entry.id == about for other, _ in entry.alternatives]
        for other in dict.fromkeys(named):
            try:
                entries.append(get_entry(root, other))
            except (EntryNotFound, LoadError, OSError):
                continue
        return cls(entries)

    def cycles(self) -> list[list[str]]:
        """Each cycle of prerequisites as ids [a, b, ..., z] where a requires b ... and z requires a,
        starting at its smallest id; one per strongly connected part, sorted; [] when the prerequisites
        leave an order. The common case, no cycle, is settled by the standard library's topological sort;
        only a KB with a cycle pays for networkx (imported here, on demand)."""
        from graphlib import CycleError, TopologicalSorter

        try:
            TopologicalSorter(self._requires).prepare()
            return []
        except CycleError:
            pass
        import networkx

        graph = networkx.DiGraph((entry, need) for entry, needs in self._requires.items() for need in needs)
        cycles = []
        for part in networkx.strongly_connected_components(graph):
            if len(part) > 1:
                cycle = [start for start, _ in networkx.find_cycle(graph.subgraph(part), source=min(part))]
                first = cycle.index(min(cycle))
                cycles.append(cycle[first:] + cycle[:first])
        return sorted(cycles)

    def requires(self, entry_id: str) -> list[str]:
        """Ids of the entries among the entry's prerequisites, each once, in the order written."""
        return self._requires.get(entry_id, [])

    def assumed(self, entry_id: str) -> list[str]:
        """The entry's prerequisites that are not entries: knowledge it assumes ("Basic calculus")."""
        return self._assumed.get(entry_id, [])

    def leads_to(self, entry_id: str) -> list[Entry]:
        """The entries that list this one among their prerequisites, by title."""
        return self._reverse[0].get(entry_id, [])

    def compared_with(self, entry_id: str) -> list[Comparison]:
        """The entries this one names as alternatives and those naming it, each once (a pair stated on
        both sides has both notes): first those it names, in its order, then the others by title."""
        notes = self._reverse[1].get(entry_id, {})
        entry = self.by_id.get(entry_id)
        named = list(dict.fromkeys(other for other, _ in entry.alternatives if other in notes)) if entry else []
        others = sorted((i for i in notes if i not in named), key=lambda i: by_title(self.by_id[i]))
        return [Comparison(self.by_id[other], sorted(notes[other], key=lambda note: note[0] != entry_id))
                for other in named + others]
