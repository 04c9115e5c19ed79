"""Learning paths: the steps to an entry (everything it requires, then itself) or through a domain (its
entries, for an audience when one is given, and everything they require from any domain), in the graph's
one order, with stages, totals and the knowledge they assume. A path renders itself as text and JSON."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kb.model import Entry, EntryNotFound, UsageError, closest_term, did_you_mean, domain_matches

from .graph import PrerequisiteGraph

ENTRY, DOMAIN = "entry", "domain"


@dataclass
class Step:
    entry: Entry
    stage: int  # from 0: steps of one stage never require each other
    requires: list[str]  # ids of the entries it lists among its prerequisites (all earlier in the path)
    reason: str  # why it is in the path: "in physics/...", "needed by: a, b" or "the entry asked for"


@dataclass
class LearningPath:
    target: str  # an entry id or a domain id
    kind: str  # ENTRY or DOMAIN
    title: str  # the entry's or the domain's
    audience: str | None
    steps: list[Step]
    assumed: list[str]  # prerequisites that are not entries, once each, in the order of the steps
    skipped: int = field(default=0, compare=False)  # entry files that did not load, so were left out

    @property
    def total_hours(self) -> float:
        """Hours summed over the steps that have an estimate."""
        return _number(sum(s.entry.hours for s in self.steps if s.entry.hours is not None))

    @property
    def steps_without_hours(self) -> int:
        return sum(1 for s in self.steps if s.entry.hours is None)

    def stages(self) -> list[list[Step]]:
        """The steps by stage, each stage in the path's order."""
        stages: list[list[Step]] = [[] for _ in range(max((s.stage for s in self.steps), default=-1) + 1)]
        for step in self.steps:
            stages[step.stage].append(step)
        return stages

    def as_json(self) -> dict:
        """The stable JSON document of `kb path --json` (docs/commands.md)."""
        return {"target": self.target, "kind": self.kind, "audience": self.audience,
                "steps": [{"id": s.entry.id, "title": s.entry.title, "type": s.entry.type,
                           "audience": s.entry.audience, "format": s.entry.formats, "hours": s.entry.hours,
                           "reason": s.reason, "requires": s.requires} for s in self.steps],
                "total_hours": self.total_hours, "steps_without_hours": self.steps_without_hours,
                "assumed": self.assumed}

    def heading(self) -> str:
        """"Path to TITLE (id)" or "Path through TITLE (domain), for AUDIENCE"."""
        if self.kind == ENTRY:
            return f"Path to {self.title} ({self.target})"
        return f"Path through {self.title} ({self.target})" + (f", for {self.audience}" if self.audience else "")

    def text(self) -> str:
        """Numbered steps (title; type, audience, format, hours, id; why it is there), what is assumed,
        then the total. A domain without entries (for that audience) is one line."""
        if not self.steps:
            return f"No entries in {self.title} ({self.target})" + (
                f" for the {self.audience} audience." if self.audience else ".")
        width = len(str(len(self.steps)))
        lines = [f"{self.heading()}: {_count(len(self.steps), 'step')}", ""]
        for number, step in enumerate(self.steps, 1):
            entry, indent = step.entry, " " * (width + 2)
            facts = [entry.type, ", ".join(entry.audience), ", ".join(entry.formats), hours_text(entry.hours),
                     entry.id]
            lines += [f"{number:>{width}}. {entry.title}", indent + " · ".join(f for f in facts if f),
                      indent + step.reason]
        if self.assumed:
            lines += ["", "Assumed: " + "; ".join(self.assumed)]
        lines += ["", "Total: " + self.total_text()]
        return "\n".join(lines)

    def total_text(self) -> str:
        """"5 steps, 64 hours (2 steps without an estimate)"."""
        known = len(self.steps) - self.steps_without_hours
        hours = f"{_number_text(self.total_hours)} hours" if known else "hours unknown"
        missing = self.steps_without_hours
        return (f"{_count(len(self.steps), 'step')}, {hours}"
                + (f" ({_count(missing, 'step')} without an estimate)" if missing else ""))


def path_to_entry(graph: PrerequisiteGraph, entry_id: str) -> LearningPath:
    """The entry's prerequisites that are entries, transitively, then the entry itself."""
    if entry_id not in graph.connections.by_id:
        raise EntryNotFound(f"no entry with id `{entry_id}`" + did_you_mean(entry_id, graph.connections.by_id))
    ids = graph.with_prerequisites([entry_id])
    return _learning_path(graph, ids, {entry_id: "the entry asked for"}, target=entry_id, kind=ENTRY,
                          title=graph.entry(entry_id).title, audience=None)


def path_for_domain(graph: PrerequisiteGraph, domain: str, audience: str | None = None) -> LearningPath:
    """The domain's entries (sub-domains included; those for `audience` when given) and, transitively,
    every entry they require, from any domain."""
    domain = domain.rstrip("/")
    graph.taxonomy.check_terms(domain=domain, audience=audience)
    members = graph.members(domain, audience)
    reasons = {e.id: "in " + ", ".join(d for d in e.domains if domain_matches(d, domain)) for e in members}
    ids = graph.with_prerequisites(reasons)
    return _learning_path(graph, ids, reasons, target=domain, kind=DOMAIN,
                          title=graph.taxonomy.domains[domain].title, audience=audience)


def find_path(root: Path, target: str, audience: str | None = None) -> LearningPath:
    """`kb path TARGET [--audience A]`: the path through a domain (a domain id wins over an entry id of the
    same spelling) or to an entry. UsageError for an unknown target or audience, or an audience given
    with an entry; PrerequisiteCycle when the KB's prerequisites go round in a circle."""
    graph, skipped = PrerequisiteGraph.load(root)
    graph.taxonomy.check_terms(audience=audience)
    if target.rstrip("/") in graph.taxonomy.domains:
        path = path_for_domain(graph, target, audience)
    elif target in graph.connections.by_id:
        if audience is not None:
            raise UsageError(f"`{target}` is an entry: an audience narrows a domain's path, not an entry's")
        path = path_to_entry(graph, target)
    else:
        raise _unknown_target(graph, target)
    path.skipped = skipped
    return path


def _learning_path(graph: PrerequisiteGraph, ids: list[str], reasons: dict[str, str], **about) -> LearningPath:
    among, stage, connections = set(ids), graph.stage, graph.connections
    steps, assumed = [], {}
    for entry_id in ids:
        entry = graph.entry(entry_id)
        reason = reasons.get(entry_id) or "needed by: " + ", ".join(graph.needed_by(entry_id, among))
        steps.append(Step(entry, stage[entry_id], connections.requires(entry), reason))
        for text in connections.assumed(entry):
            assumed.setdefault(" ".join(text.split()).casefold(), text)
    return LearningPath(steps=steps, assumed=list(assumed.values()), **about)


def _unknown_target(graph: PrerequisiteGraph, value: str) -> UsageError:
    """Unknown domain (with the taxonomy's suggestion) or unknown entry (with the closest id)."""
    domains, ids = graph.taxonomy.domains, graph.connections.by_id
    if "/" in value or closest_term([*domains, *ids], value) in domains:
        return graph.taxonomy.unknown("domain", value)
    hint = did_you_mean(value, ids) or " (`kb list` lists the entry ids; entries/taxonomy.yaml the domains)"
    return EntryNotFound(f"no entry or domain `{value}`{hint}")


def hours_text(hours: float | None) -> str:
    return f"{_number_text(hours)} h" if hours is not None else "no estimate"


def _number(value: float) -> float:
    return int(value) if float(value).is_integer() else round(value, 2)


def _number_text(value: float) -> str:
    return f"{_number(value):,}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
