"""Cycles in the prerequisite graph (an entry needing, through others, what needs it).

The common case, no cycle, is settled by the standard library's topological sort; only a KB that has a
cycle pays for networkx (imported on demand), which finds one cycle in each strongly connected part.
"""
from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from kb.model import Entry


def prerequisite_graph(entries: list[Entry]) -> dict[str, list[str]]:
    """id -> ids of the entries it needs (prerequisites that are entries of the KB; itself left out)."""
    known = {entry.id for entry in entries}
    return {entry.id: [p for p in entry.prerequisites if p in known and p != entry.id] for entry in entries}


def prerequisite_cycles(entries: list[Entry]) -> list[list[str]]:
    """Each cycle as the ids [a, b, ..., z] where a needs b ... and z needs a, starting at the smallest id
    of its part of the graph; sorted. [] when the prerequisites can be ordered."""
    graph = prerequisite_graph(entries)
    try:
        TopologicalSorter(graph).prepare()
        return []
    except CycleError:
        pass
    import networkx

    digraph = networkx.DiGraph((entry, need) for entry, needs in graph.items() for need in needs)
    cycles = []
    for part in networkx.strongly_connected_components(digraph):
        if len(part) > 1:
            cycle = [start for start, _ in networkx.find_cycle(digraph.subgraph(part), source=min(part))]
            first = cycle.index(min(cycle))
            cycles.append(cycle[first:] + cycle[:first])
    return sorted(cycles)
