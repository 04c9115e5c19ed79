"""The controlled vocabularies: hierarchical domains and audience levels, read from entries/taxonomy.yaml.

File format:

    domains:
      physics:
        title: Physics
        description: One line.
        children:
          statistical-mechanics: {title: ..., description: ...}
    audiences:            # in order, from the widest public to specialists
      general: {title: General public, description: ...}

A domain's id is its path: `physics/statistical-mechanics`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KbError, UsageError, closest
from .yamlfile import Document, LoadError, load_bytes

TAXONOMY_FILE = "taxonomy.yaml"
_WORD = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class UnknownTerm(UsageError):
    """A domain or audience id that the taxonomy does not hold."""


class TaxonomyBroken(KbError):
    """entries/taxonomy.yaml is missing or does not load: commands that need the vocabulary stop (exit 1)."""


@dataclass(frozen=True)
class Term:
    id: str
    title: str
    description: str
    line: int = 1


@dataclass
class Taxonomy:
    domains: dict[str, Term] = field(default_factory=dict)  # in file order, parents before children
    audiences: dict[str, Term] = field(default_factory=dict)  # in file order

    def top_domains(self) -> list[Term]:
        return [term for term_id, term in self.domains.items() if "/" not in term_id]

    def children(self, domain_id: str) -> list[Term]:
        depth = domain_id.count("/") + 1
        return [t for i, t in self.domains.items() if i.startswith(domain_id + "/") and i.count("/") == depth]

    def closest(self, kind: str, value: str) -> str | None:
        """The domain or audience id (`kind`) a misspelt or partial `value` most likely means."""
        return closest_term(self.domains if kind == "domain" else self.audiences, value)

    def unknown(self, kind: str, value: str) -> UnknownTerm:
        return unknown_term(kind, value, self.domains if kind == "domain" else self.audiences)

    def check_terms(self, domain: str | None = None, audience: str | None = None) -> None:
        """UnknownTerm unless each given id is in the taxonomy (a domain may end in `/`)."""
        if domain is not None and domain.rstrip("/") not in self.domains:
            raise self.unknown("domain", domain)
        if audience is not None and audience not in self.audiences:
            raise self.unknown("audience", audience)

    def ancestors(self, domain_id: str) -> list[Term]:
        """The domain's ancestors from the top, then the domain itself (for breadcrumbs)."""
        parts = domain_id.split("/")
        return [self.domains[p] for p in ("/".join(parts[: i + 1]) for i in range(len(parts))) if p in self.domains]


@dataclass
class TaxonomyProblem:
    code: str
    message: str
    line: int
    column: int = 1
    hint: str | None = None


def closest_term(ids, value: str) -> str | None:
    """The id in `ids` that `value` most likely means: first one whose last part is the value's last
    part (`deep-learning` -> `machine-learning/deep-learning`), else the closest spelling."""
    leaf = str(value).strip("/").rsplit("/", 1)[-1]
    same_leaf = [term_id for term_id in ids if term_id.rsplit("/", 1)[-1] == leaf]
    return same_leaf[0] if same_leaf else closest(value, ids)


def unknown_term(kind: str, value: str, ids) -> UnknownTerm:
    """The error for a domain or audience id (`kind`) not among `ids`, with "did you mean"."""
    close = closest_term(ids, value)
    return UnknownTerm(f"unknown {kind} `{value}`" + (f"; did you mean `{close}`?" if close else
                                                      f" (the {kind} ids are in entries/{TAXONOMY_FILE})"))


def domain_matches(domain_id: str, wanted: str) -> bool:
    """True when `domain_id` is `wanted` or one of its sub-domains."""
    return domain_id == wanted or domain_id.startswith(wanted.rstrip("/") + "/")


def load_taxonomy(entries_dir: Path) -> tuple[Taxonomy, list[TaxonomyProblem]]:
    """Read the taxonomy; problems are collected, never raised, so validation can report them all."""
    path = Path(entries_dir) / TAXONOMY_FILE
    taxonomy, problems = Taxonomy(), []
    try:
        doc = load_bytes(path.read_bytes())
    except FileNotFoundError:
        return taxonomy, [TaxonomyProblem("taxonomy-missing", f"no {TAXONOMY_FILE} in {entries_dir}", 1,
                                          hint="create it with `domains:` and `audiences:` mappings")]
    except LoadError as exc:
        return taxonomy, [TaxonomyProblem(exc.code, exc.message, exc.line, exc.column, exc.hint)]
    if not isinstance(doc.value, dict) or set(doc.value) != {"domains", "audiences"}:
        return taxonomy, [TaxonomyProblem("taxonomy-format", "the taxonomy must be a mapping with exactly "
                                          "`domains` and `audiences`", doc.where(())[0])]
    _read_terms(doc, ("domains",), "", taxonomy.domains, problems, nested=True)
    _read_terms(doc, ("audiences",), "", taxonomy.audiences, problems, nested=False)
    return taxonomy, problems


def require_taxonomy(entries_dir: Path) -> Taxonomy:
    """The taxonomy, for commands that cannot work without it (the site, exports, new entries, search):
    TaxonomyBroken listing every problem as path:line:col when it is missing or broken."""
    taxonomy, problems = load_taxonomy(entries_dir)
    if problems:
        shown = f"{Path(entries_dir).name}/{TAXONOMY_FILE}"
        raise TaxonomyBroken(f"{shown} cannot be used (fix it, then run `kb validate`):\n" + "\n".join(
            f"  {shown}:{p.line}:{p.column}: error[{p.code}]: {p.message}" + (f" ({p.hint})" if p.hint else "")
            for p in problems))
    return taxonomy


def _read_terms(doc: Document, path: tuple, prefix: str, into: dict, problems: list, nested: bool) -> None:
    terms = _get(doc.value, path)
    if not isinstance(terms, dict) or not terms:
        problems.append(TaxonomyProblem("taxonomy-format", f"`{'.'.join(map(str, path))}` must be a non-empty "
                                        "mapping of ids to {title, description}", doc.where(path)[0]))
        return
    for word, body in terms.items():
        line, column = doc.where(path + (word,))
        allowed = {"title", "description", "children"} if nested else {"title", "description"}
        if not _WORD.match(str(word)):
            problems.append(TaxonomyProblem("taxonomy-id", f"id `{word}` must be lowercase words joined by "
                                            "hyphens", line, column))
            continue
        if (not isinstance(body, dict) or not isinstance(body.get("title"), str)
                or not isinstance(body.get("description"), str) or set(body) - allowed):
            problems.append(TaxonomyProblem("taxonomy-format", f"`{word}` needs a `title` and a one-line "
                                            f"`description` (allowed keys: {', '.join(sorted(allowed))})",
                                            line, column))
            continue
        term_id = prefix + word
        into[term_id] = Term(term_id, body["title"], body["description"], line)
        if nested and "children" in body:
            _read_terms(doc, path + (word, "children"), term_id + "/", into, problems, nested)


def _get(value, path):
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value
