"""Synthetic KB corpora for benchmarks: a taxonomy and N valid entries of all three types.

make_corpus(root, n, seed=0) writes root/entries/...; values are varied (words, people, years, domains)
so that search and site benchmarks see realistic spread, and every entry passes `kb validate`.
"""
from __future__ import annotations

import random
from pathlib import Path

from kb.model import schema_comment

TOPICS = ["statistical", "mechanics", "quantum", "learning", "graph", "neural", "networks", "vision", "language",
          "models", "reasoning", "probability", "algebra", "calculus", "economics", "markets", "games", "biology",
          "psychology", "philosophy", "algorithms", "databases", "systems", "alignment", "interpretability",
          "optimisation", "inference", "causality", "topology", "geometry", "thermodynamics", "relativity"]
PEOPLE = ["Leonard Susskind", "Justin Johnson", "Jure Leskovec", "Gilbert Strang", "Joe Blitzstein", "Ada Lovelace",
          "Alan Turing", "Grace Hopper", "Emmy Noether", "Richard Hamming", "Claude Shannon", "Marie Curie",
          "Andrej Karpathy", "Chris Olah", "Ethan Perez", "Jacob Steinhardt", "Percy Liang", "Chelsea Finn"]
DOMAINS = {"physics": ["statistical-mechanics", "classical-mechanics", "quantum-mechanics"],
           "machine-learning": ["deep-learning", "graph-neural-networks", "computer-vision", "language-models"],
           "mathematics": ["linear-algebra", "probability", "calculus"],
           "ai-safety": ["cot-faithfulness", "interpretability"],
           "research-skills": ["writing", "doing-research"]}
AUDIENCES = ["general", "beginner", "undergraduate", "graduate", "researcher", "practitioner"]
TYPES = ["lecture-series", "research-guide", "paper"]


def taxonomy_yaml() -> str:
    lines = ["domains:"]
    for top, children in DOMAINS.items():
        lines += [f"  {top}:", f"    title: {top.replace('-', ' ').title()}", f"    description: All of {top}.",
                  "    children:"]
        for child in children:
            lines += [f"      {child}:", f"        title: {child.replace('-', ' ').title()}",
                      f"        description: The {child} part of {top}."]
    lines.append("audiences:")
    for audience in AUDIENCES:
        lines += [f"  {audience}:", f"    title: {audience.title()}", f"    description: For the {audience} reader."]
    return "\n".join(lines) + "\n"


def entry_yaml(i: int, rng: random.Random) -> tuple[str, str, str]:
    """(type, id, YAML text) of synthetic entry number i."""
    type_ = TYPES[i % 3]
    words = rng.sample(TOPICS, 4)
    entry_id = f"{'-'.join(words[:2])}-{i}"
    top = rng.choice(list(DOMAINS))
    domain = f"{top}/{rng.choice(DOMAINS[top])}"
    people = rng.sample(PEOPLE, rng.randint(1, 3))
    year = rng.randint(1960, 2025)
    lines = [schema_comment(type_),
             f"id: {entry_id}", f"title: {' '.join(w.title() for w in words)} {i}",
             f"url: https://host{i % 20}.example.org/{entry_id}",
             f"domains: [{domain}]", f"audience: [{', '.join(rng.sample(AUDIENCES, 2))}]"]
    people_field = "lecturers" if type_ == "lecture-series" else "authors"
    lines.append(f"{people_field}: [{', '.join(people)}]")
    if type_ == "lecture-series":
        lines += ["institution: Example University", f"term: Fall {year}"]
    if type_ == "paper":
        lines += [f"venue: Journal of {words[0].title()}"]
    lines += [f"year: {year}",
              f"why: |\n  A clear and careful treatment of {words[0]} and {words[1]}, with worked examples on"
              f"\n  {words[2]} that most alternatives skip; entry {i} of a synthetic corpus.",
              f"for_whom: Readers who know some {words[3]} and want depth.",
              f"tags: [{words[0]}, {words[2]}]", "added: 2026-01-15"]
    return type_, entry_id, "\n".join(lines) + "\n"


def make_corpus(root: Path, n: int, seed: int = 0) -> list[Path]:
    """Write a KB of n entries under root; returns the entry paths."""
    rng = random.Random(seed)
    entries = Path(root) / "entries"
    for type_ in TYPES:
        (entries / type_).mkdir(parents=True, exist_ok=True)
    (entries / "taxonomy.yaml").write_text(taxonomy_yaml(), encoding="utf-8")
    paths = []
    for i in range(n):
        type_, entry_id, text = entry_yaml(i, rng)
        path = entries / type_ / f"{entry_id}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
