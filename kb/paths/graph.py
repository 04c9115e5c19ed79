"""The prerequisite graph of a KB (networkx, imported only here and only when a graph is built): an arrow
from each entry to every entry that lists it among its prerequisites, the one order every path follows,
and the stage of each entry (the steps that can be taken side by side)."""
from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from kb.model import (
    ENTRIES_DIR,
    Connections,
    Entry,
    KbError,
    Taxonomy,
    cycle_text,
    domain_matches,
    load_entries,
    load_taxonomy,
)


class PrerequisiteCycle(KbError):
    """The prerequisites go round in a circle, so no entry of the circle can come first (exit 1)."""

    def __init__(self, cycle: list[str]):
        self.cycle = [*cycle, cycle[0]]  # each id lists the next among its prerequisites; back to the first
        super().__init__(cycle_text(cycle))


class PrerequisiteGraph:
    """The entries of a KB as a directed graph, prerequisite -> entry that requires it."""

    def __init__(self, connections: Connections, taxonomy: Taxonomy):
        import networkx  # 0.15 s to import: only the commands that draw paths pay for it

        self.connections, self.taxonomy = connections, taxonomy
        ids = sorted(connections.by_id)
        self.graph = networkx.DiGraph()
        self.graph.add_nodes_from(ids)
        self.graph.add_edges_from((p, i) for i in ids for p in connections.requires(i))
        self._members: dict[tuple[str, str | None], dict[str, str]] = {}

    @classmethod
    def load(cls, root: Path) -> tuple[PrerequisiteGraph, int]:
        """The graph of the KB at `root`, and how many entry files did not load (left out)."""
        entries, failures = load_entries(root)
        return cls(Connections(entries), load_taxonomy(Path(root) / ENTRIES_DIR)[0]), len(failures)

    def entry(self, entry_id: str) -> Entry:
        return self.connections.by_id[entry_id]

    @cached_property
    def hours(self) -> dict[str, float | None]:
        """Each entry's `hours` estimate (read once: totals add up thousands of steps on the site)."""
        return {entry_id: entry.hours for entry_id, entry in self.connections.by_id.items()}

    def level(self, entry: Entry) -> int:
        """The position of the entry's earliest audience in the taxonomy's order (unknown ones last)."""
        return min((self._audience_order[a] for a in entry.audience if a in self._audience_order),
                   default=len(self._audience_order))

    @cached_property
    def _audience_order(self) -> dict[str, int]:
        return {audience: i for i, audience in enumerate(self.taxonomy.audiences)}

    @cached_property
    def order(self) -> list[str]:
        """Every entry id, each after all it requires; where either may come first, the earlier audience
        level, then the title, then the id. Any part of it is the order of the path made of that part
        (a path holds everything its steps require, so the same choices are made). PrerequisiteCycle
        when there is no such order."""
        import networkx

        keys = {entry_id: (self.level(entry), entry.title.casefold(), entry_id)
                for entry_id, entry in self.connections.by_id.items()}
        with self._no_cycle():
            return list(networkx.lexicographical_topological_sort(self.graph, key=keys.__getitem__))

    @cached_property
    def rank(self) -> dict[str, int]:
        """Each entry's position in `order`."""
        return {entry_id: i for i, entry_id in enumerate(self.order)}

    @cached_property
    def stage(self) -> dict[str, int]:
        """Each entry's stage, from 0: the length of the longest chain of prerequisites leading to it, so
        the entries of one stage never require each other."""
        import networkx

        with self._no_cycle():
            return {entry_id: stage for stage, ids in enumerate(networkx.topological_generations(self.graph))
                    for entry_id in ids}

    def check(self) -> None:
        """PrerequisiteCycle unless the prerequisites leave an order (computing it, and the stages)."""
        self.order, self.stage  # noqa: B018 (cached properties, computed here for their error)

    @contextmanager
    def _no_cycle(self):
        """networkx's "no order" error as PrerequisiteCycle, naming the cycle."""
        import networkx

        try:
            yield
        except networkx.NetworkXUnfeasible:
            raise PrerequisiteCycle(self.connections.cycles()[0]) from None

    def with_prerequisites(self, entry_ids) -> list[str]:
        """The given entries and everything they require, transitively, in `order`."""
        rank, before = self.rank, self._before
        bits = 0
        for entry_id in entry_ids:
            bits |= before[rank[entry_id]] | 1 << rank[entry_id]
        return self._ids(bits)

    def count_prerequisites(self, entry_id: str) -> int:
        """How many entries the entry requires, transitively."""
        return self._before[self.rank[entry_id]].bit_count()

    @cached_property
    def _before(self) -> list[int]:
        """What each entry of `order` requires, transitively, as a set of positions in `order` held in the
        bits of an int (bit i: order[i]). One pass along the order unites the sets of what each entry
        names: 0.03 s for 10,000 entries, where Python sets take 0.2 s and networkx's `ancestors`, one
        entry at a time, 1.2 s (the site asks for every entry's path)."""
        rank, before = self.rank, []
        for entry_id in self.order:
            bits = 0
            for required in self.connections.requires(entry_id):
                bits |= before[rank[required]] | 1 << rank[required]
            before.append(bits)
        return before

    def _ids(self, bits: int) -> list[str]:
        """The entries whose positions are the set bits, in `order`."""
        order = self.order
        if bits.bit_count() * 32 > bits.bit_length():  # many: read the bits as a string
            return [order[i] for i, bit in enumerate(reversed(bin(bits))) if bit == "1"]
        ids = []
        while bits:  # few: take the lowest set bit until none is left
            lowest = bits & -bits
            ids.append(order[lowest.bit_length() - 1])
            bits ^= lowest
        return ids

    def members(self, domain: str, audience: str | None = None) -> dict[str, str]:
        """The entries of a domain (sub-domains included; those for `audience` when given), in id order,
        each with why it is in the domain's path ("in physics/quantum-mechanics"). Computed for every
        audience of the domain at once (the site asks for each)."""
        if (domain, None) not in self._members:
            self._members[domain, None] = {}
            for entry_id, domains, audiences in self._classification:
                within = [d for d in domains if domain_matches(d, domain)]
                if within:
                    reason = "in " + ", ".join(within)
                    for key in (None, *dict.fromkeys(audiences)):
                        self._members.setdefault((domain, key), {})[entry_id] = reason
        return self._members.get((domain, audience), {})

    @cached_property
    def _classification(self) -> list[tuple[str, list[str], list[str]]]:
        """(id, domains, audience) of every entry, by id: read once for all the domains asked about."""
        return [(entry_id, entry.domains, entry.audience) for entry_id, entry in sorted(self.connections.by_id.items())]
