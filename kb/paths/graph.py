"""The prerequisite graph of a KB (networkx, imported only here and only when a graph is built): an arrow
from each entry to every entry that lists it among its prerequisites, the one order every path follows,
and the stage of each entry (the steps that can be taken side by side)."""
from __future__ import annotations

from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from kb.model import ENTRIES_DIR, Connections, Entry, KbError, Taxonomy, load_entries, load_taxonomy, select


class PrerequisiteCycle(KbError):
    """The prerequisites go round in a circle, so no entry of the circle can come first (exit 1)."""

    def __init__(self, cycle: list[str]):
        self.cycle = cycle  # each id lists the next among its prerequisites; the last is the first again
        super().__init__(f"prerequisites form a cycle: {' -> '.join(cycle)}")


class PrerequisiteGraph:
    """The entries of a KB as a directed graph, prerequisite -> entry that requires it."""

    def __init__(self, connections: Connections, taxonomy: Taxonomy):
        import networkx  # 0.15 s to import: only the commands that draw paths pay for it

        self.connections, self.taxonomy = connections, taxonomy
        self.entries: list[Entry] = sorted(connections.by_id.values(), key=lambda e: e.id)
        self.graph = networkx.DiGraph()
        self.graph.add_nodes_from(e.id for e in self.entries)
        self.graph.add_edges_from((p, e.id) for e in self.entries for p in connections.requires(e))
        self._members: dict[str, list[Entry]] = {}

    @classmethod
    def load(cls, root: Path) -> tuple[PrerequisiteGraph, int]:
        """The graph of the KB at `root`, and how many entry files did not load (left out)."""
        entries, failures = load_entries(root)
        return cls(Connections(entries), load_taxonomy(Path(root) / ENTRIES_DIR)[0]), len(failures)

    def entry(self, entry_id: str) -> Entry:
        return self.connections.by_id[entry_id]

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

        by_id = self.connections.by_id

        def key(entry_id: str) -> tuple:
            entry = by_id[entry_id]
            return self.level(entry), entry.title.casefold(), entry_id

        with self._no_cycle():
            return list(networkx.lexicographical_topological_sort(self.graph, key=key))

    @cached_property
    def rank(self) -> dict[str, int]:
        return {entry_id: i for i, entry_id in enumerate(self.order)}

    @cached_property
    def stage(self) -> dict[str, int]:
        """Each entry's stage, from 0: the length of the longest chain of prerequisites leading to it, so
        the entries of one stage never require each other."""
        import networkx

        with self._no_cycle():
            return {entry_id: stage for stage, ids in enumerate(networkx.topological_generations(self.graph))
                    for entry_id in ids}

    @contextmanager
    def _no_cycle(self):
        """networkx's "no order" error as PrerequisiteCycle, naming the cycle."""
        import networkx

        try:
            yield
        except networkx.NetworkXUnfeasible:
            raise PrerequisiteCycle(self.cycle()) from None

    def cycle(self) -> list[str]:
        """A cycle of prerequisites as ids, each listing the next, starting and ending at the smallest id;
        [] when there is none."""
        import networkx

        try:
            edges = networkx.find_cycle(self.graph.reverse(copy=False))  # entry -> a prerequisite of it
        except networkx.NetworkXNoCycle:
            return []
        ids = [u for u, _ in edges]
        start = ids.index(min(ids))
        ids = ids[start:] + ids[:start]
        return ids + ids[:1]

    def with_prerequisites(self, entry_ids) -> list[str]:
        """The given entries and everything they require, transitively, in `order`."""
        import networkx

        sources = list(entry_ids)
        found = {entry_id for layer in networkx.bfs_layers(self.graph.reverse(copy=False), sources)
                 for entry_id in layer} if sources else set()
        return sorted(found, key=self.rank.__getitem__)

    def needed_by(self, entry_id: str, among: set[str]) -> list[str]:
        """The entries of `among` that list this one among their prerequisites, in `order`."""
        return sorted((s for s in self.graph.successors(entry_id) if s in among), key=self.rank.__getitem__)

    def members(self, domain: str, audience: str | None = None) -> list[Entry]:
        """The entries of a domain (sub-domains included), for an audience when one is given."""
        if domain not in self._members:
            self._members[domain] = select(self.entries, domain=domain)
        members = self._members[domain]
        return members if audience is None else [e for e in members if audience in e.audience]
