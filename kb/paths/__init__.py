"""Learning paths from the prerequisites: what to take first, in which order, and for how long.

    find_path(root, target, audience=None) -> LearningPath      # what `kb path` prints
    graph = PrerequisiteGraph(connections, taxonomy)             # or PrerequisiteGraph.load(root)
    path_to_entry(graph, entry_id) / path_for_domain(graph, domain, audience=None) -> LearningPath

Every path lists each step after all the steps it requires; where two could go either way, the one for the
earlier audience level (the taxonomy's order; an entry's earliest level counts) comes first, then by title.
A path has stages (steps that can be taken side by side), totals, the knowledge its steps assume, and
renders itself (`text()`, `as_json()`). Prerequisites that form a cycle raise PrerequisiteCycle (exit 1)
naming it. networkx is imported when a graph is built, so other commands do not load it.
"""
from .graph import PrerequisiteCycle, PrerequisiteGraph
from .path import DOMAIN, ENTRY, LearningPath, Step, find_path, hours_text, path_for_domain, path_to_entry

__all__ = ["DOMAIN", "ENTRY", "LearningPath", "PrerequisiteCycle", "PrerequisiteGraph", "Step", "find_path",
           "hours_text", "path_for_domain", "path_to_entry"]
