"""Learning paths: the steps to an entry (everything it requires, then itself) or through a domain (its
entries, for an audience when one is given, and everything they require from any domain), in the graph's
one order, with stages, totals and the knowledge they assume. A path renders itself as text and JSON."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from kb.model import Entry, EntryNotFound, UsageError, bulk_load, closest_term, did_you_mean

from .graph import PrerequisiteGraph

ENTRY, DOMAIN = "entry", "domain"


class Step(NamedTuple):
    id: str
    entry: Entry
    stage: int  # from 0: steps of one stage never require each other
    requires: list[str]  # ids of the entries it lists among its prerequisites (all earlier in the path)


@dataclass
class LearningPath:
    target: str  # an entry id or a domain id
    kind: str  # ENTRY or DOMAIN
    title: str  # the entry's or the domain's
    audience: str | None
    ids: list[str]  # the steps' entry ids, in order
    graph: PrerequisiteGraph = field(repr=False, compare=False)
    reasons: dict[str, str] = field(default_factory=dict, repr=False)  # id -> why, for the domain's entries
    skipped: int = field(default=0, compare=False)  # entry files that did not load, so were left out

    @cached_property
    def steps(self) -> list[Step]:
        return self.first(len(self.ids))

    def first(self, count: int) -> list[Step]:
        """The first `count` steps (the site lists a long path's beginning without making every step)."""
        if "steps" in self.__dict__:
            return self.steps[:count]
        stage, requires, entry = self.graph.stage, self.graph.connections.requires, self.graph.entry
        return [Step(i, entry(i), stage[i], requires(i)) for i in self.ids[:count]]

    @cached_property
    def assumed(self) -> list[str]:
        """The steps' prerequisites that are not entries, once each (ignoring case and spacing), in order."""
        assumed: dict[str, str] = {}
        for entry_id in self.ids:
            for text in self.graph.connections.assumed(entry_id):
                assumed.setdefault(" ".join(text.split()).casefold(), text)
        return list(assumed.values())

    def reason(self, step: Step) -> str:
        """Why the step is there: "in physics/...", "the entry asked for", or "needed by: a, b" (the
        steps that list it among their prerequisites, in the path's order)."""
        return self.reasons.get(step.id) or "needed by: " + ", ".join(self.needed_by(step.id))

    def needed_by(self, entry_id: str) -> list[str]:
        """The steps that list this one among their prerequisites, in the path's order."""
        return self._needed_by.get(entry_id, [])

    @cached_property
    def _needed_by(self) -> dict[str, list[str]]:
        needed_by: dict[str, list[str]] = {}
        for step in self.steps:
            for required in step.requires:
                needed_by.setdefault(required, []).append(step.id)
        return needed_by

    @property
    def total_hours(self) -> float:
        """Hours summed over the steps that have an estimate."""
        return self._totals[0]

    @property
    def steps_without_hours(self) -> int:
        return self._totals[1]

    @cached_property
    def _totals(self) -> tuple[float, int]:
        hours = list(map(self.graph.hours.__getitem__, self.ids))
        return _number(sum(h for h in hours if h is not None)), hours.count(None)

    def stages(self, limit: int | None = None) -> list[list[Step]]:
        """The steps (the first `limit` of them when given) by stage, each stage in the path's order."""
        steps = self.steps if limit is None else self.first(limit)
        stages: list[list[Step]] = [[] for _ in range(max((s.stage for s in steps), default=-1) + 1)]
        for step in steps:
            stages[step.stage].append(step)
        return stages

    def as_json(self) -> dict:
        """The stable JSON document of `kb path --json` (docs/commands.md)."""
        return {"target": self.target, "kind": self.kind, "audience": self.audience,
                "steps": [{"id": s.id, "title": s.entry.title, "type": s.entry.type,
                           "audience": s.entry.audience, "format": s.entry.formats, "hours": s.entry.hours,
                           "reason": self.reason(s), "requires": s.requires} for s in self.steps],
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
        if not self.ids:
            return f"No entries in {self.title} ({self.target})" + (
                f" for the {self.audience} audience." if self.audience else ".")
        width = len(str(len(self.steps)))
        lines = [f"{self.heading()}: {_count(len(self.steps), 'step')}", ""]
        for number, step in enumerate(self.steps, 1):
            entry, indent = step.entry, " " * (width + 2)
            facts = [entry.type, ", ".join(entry.audience), ", ".join(entry.formats), hours_text(entry.hours),
                     step.id]
            lines += [f"{number:>{width}}. {entry.title}", indent + " · ".join(f for f in facts if f),
                      indent + self.reason(step)]
        lines.append("")
        if self.assumed:
            lines.append("Assumed: " + "; ".join(self.assumed))
        lines.append("Total: " + self.total_text())
        return "\n".join(lines)

    def total_text(self) -> str:
        """"5 steps, 64 hours (2 steps without an estimate)"."""
        known = len(self.ids) - self.steps_without_hours
        hours = f"{_number_text(self.total_hours)} hours" if known else "hours unknown"
        missing = self.steps_without_hours
        return (f"{_count(len(self.ids), 'step')}, {hours}"
                + (f" ({_count(missing, 'step')} without an estimate)" if missing else ""))


def path_to_entry(graph: PrerequisiteGraph, entry_id: str) -> LearningPath:
    """The entry's prerequisites that are entries, transitively, then the entry itself."""
    if entry_id not in graph.connections.by_id:
        raise EntryNotFound(f"no entry with id `{entry_id}`" + did_you_mean(entry_id, graph.connections.by_id))
    ids = graph.with_prerequisites([entry_id])
    return LearningPath(entry_id, ENTRY, graph.entry(entry_id).title, None, ids, graph,
                        reasons={entry_id: "the entry asked for"})


def path_for_domain(graph: PrerequisiteGraph, domain: str, audience: str | None = None) -> LearningPath:
    """The domain's entries (sub-domains included; those for `audience` when given) and, transitively,
    every entry they require, from any domain."""
    domain = domain.rstrip("/")
    graph.taxonomy.check_terms(domain=domain, audience=audience)
    reasons = graph.members(domain, audience)
    ids = graph.with_prerequisites(reasons)
    return LearningPath(domain, DOMAIN, graph.taxonomy.domains[domain].title, audience, ids, graph, reasons)


def find_path(root: Path, target: str, audience: str | None = None) -> LearningPath:
    """`kb path TARGET [--audience A]`: the path through a domain (a domain id wins over an entry id of the
    same spelling) or to an entry. UsageError for an unknown target or audience, or an audience given
    with an entry; PrerequisiteCycle when the KB's prerequisites go round in a circle."""
    with bulk_load():  # the graph is thousands of small objects: each collection would scan the whole KB
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
