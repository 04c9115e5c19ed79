"""`kb path` and kb.paths on small hand-built KBs: exact order, stages, totals, text and JSON; cycles,
unknown targets; and `kb show`'s "leads to" and "compared with" (kb.model.connections)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kb.model import Connections, load_entries
from kb.paths import PrerequisiteCycle, PrerequisiteGraph, find_path, path_for_domain, path_to_entry

from conftest import write_entry

TAXONOMY = """\
domains:
  maths:
    title: Mathematics
    description: Numbers and shapes.
    children:
      algebra: {title: Algebra, description: Symbols.}
  physics:
    title: Physics
    description: Nature.
    children:
      mechanics: {title: Mechanics, description: Motion.}
  history:
    title: History
    description: The past.
audiences:
  general: {title: General public, description: Anyone.}
  beginner: {title: Beginner, description: New to it.}
  undergraduate: {title: Undergraduate, description: Students.}
  graduate: {title: Graduate, description: Advanced students.}
"""


@pytest.fixture
def kb(tmp_path):
    """A KB with the small taxonomy above and no entries; add some with add()."""
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries" / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    return tmp_path


def add(root, entry_id, title, domain="physics", audience=("undergraduate",), requires=(), hours=None,
        formats=(), alternatives=()):
    """A valid lecture series; `requires` holds entry ids and text, as `prerequisites` does."""
    lines = [f"id: {entry_id}", f"title: {json.dumps(title)}", f"url: https://example.org/{entry_id}",
             f"domains: [{domain}]", f"audience: [{', '.join(audience)}]", "lecturers: [Ada Example]"]
    if hours is not None:
        lines.append(f"hours: {hours}")
    if formats:
        lines.append(f"format: [{', '.join(formats)}]")
    lines += ["why: Clear and careful.", "for_whom: Students."]
    if requires:
        lines.append(f"prerequisites: {json.dumps(list(requires))}")
    if alternatives:
        lines.append("alternatives:")
        lines += [f"  - {{id: {other}, note: {json.dumps(note)}}}" for other, note in alternatives]
    lines.append("added: 2026-01-01")
    write_entry(root, "lecture-series", entry_id, "\n".join(lines) + "\n")


def ids(result) -> list[str]:
    return [step["id"] for step in json.loads(result.stdout)["steps"]]


def path_json(cli, root, *args) -> dict:
    result = cli(root, "path", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def chain(kb):
    """calc (maths) <- mech (physics/mechanics) <- stat (physics): each requires the one before."""
    add(kb, "calc", "Calculus", domain="maths", audience=("beginner",), hours=10, formats=("video",),
        requires=("High-school algebra",))
    add(kb, "mech", "Mechanics", domain="physics/mechanics", hours=20.5, requires=("calc", "Basic calculus"))
    add(kb, "stat", "Statistical physics", audience=("graduate",), requires=("mech", "high-school  algebra"))
    return kb


# --- order -----------------------------------------------------------------------------------------

def test_chain_text_output_is_exact(cli, chain):
    result = cli(chain, "path", "stat")
    assert result.exit_code == 0, result.output
    assert result.stdout == textwrap.dedent("""\
        Path to Statistical physics (stat): 3 steps

        1. Calculus
           lecture-series · beginner · video · 10 h · calc
           needed by: mech
        2. Mechanics
           lecture-series · undergraduate · 20.5 h · mech
           needed by: stat
        3. Statistical physics
           lecture-series · graduate · no estimate · stat
           the entry asked for

        Assumed: High-school algebra; Basic calculus
        Total: 3 steps, 30.5 hours (1 step without an estimate)
        """)


def test_chain_json_document_is_exact(cli, chain):
    assert path_json(cli, chain, "stat") == {
        "target": "stat", "kind": "entry", "audience": None,
        "steps": [
            {"id": "calc", "title": "Calculus", "type": "lecture-series", "audience": ["beginner"],
             "format": ["video"], "hours": 10, "reason": "needed by: mech", "requires": []},
            {"id": "mech", "title": "Mechanics", "type": "lecture-series", "audience": ["undergraduate"],
             "format": [], "hours": 20.5, "reason": "needed by: stat", "requires": ["calc"]},
            {"id": "stat", "title": "Statistical physics", "type": "lecture-series", "audience": ["graduate"],
             "format": [], "hours": None, "reason": "the entry asked for", "requires": ["mech"]},
        ],
        "total_hours": 30.5, "steps_without_hours": 1, "assumed": ["High-school algebra", "Basic calculus"]}


def test_path_to_an_entry_holds_only_what_it_requires(cli, chain):
    assert ids(cli(chain, "path", "mech", "--json")) == ["calc", "mech"]
    alone = path_json(cli, chain, "calc")
    assert [s["id"] for s in alone["steps"]] == ["calc"] and alone["total_hours"] == 10
    assert alone["assumed"] == ["High-school algebra"]


def test_diamond_ties_go_to_the_earlier_audience_level_then_the_title(cli, kb):
    add(kb, "base", "Base", audience=("graduate",), hours=1)
    add(kb, "zeta", "Zeta course", audience=("beginner",), requires=("base",), hours=2)
    add(kb, "alpha", "Alpha course", audience=("undergraduate",), requires=("base",), hours=3)
    add(kb, "top", "Top", audience=("general",), requires=("zeta", "alpha"), hours=4)
    doc = path_json(cli, kb, "top")
    assert [s["id"] for s in doc["steps"]] == ["base", "zeta", "alpha", "top"]  # beginner before undergraduate
    assert doc["steps"][0]["reason"] == "needed by: zeta, alpha"  # an entry needed by two others, listed once
    assert doc["total_hours"] == 10 and doc["steps_without_hours"] == 0
    # same level: the title decides (case-insensitively), whatever the ids or the order written
    add(kb, "alpha", "alpha course", audience=("beginner",), requires=("base",))
    assert ids(cli(kb, "path", "top", "--json")) == ["base", "alpha", "zeta", "top"]


def test_an_entrys_earliest_level_counts(cli, kb):
    add(kb, "wide", "Wide", audience=("graduate", "general"))
    add(kb, "narrow", "Narrow", audience=("beginner",))
    add(kb, "end", "End", requires=("narrow", "wide"))
    assert ids(cli(kb, "path", "end", "--json")) == ["wide", "narrow", "end"]


def test_several_roots_every_step_after_what_it_requires(cli, kb):
    add(kb, "r1", "Beta intro", audience=("general",))
    add(kb, "r2", "Alpha intro", audience=("beginner",))
    add(kb, "x", "Aardvark advanced", audience=("graduate",), requires=("r1",))
    add(kb, "y", "Aaa basics", audience=("general",), requires=("r2",))
    doc = path_json(cli, kb, "physics")
    # y is for the general public, but it needs r2: it comes after r2 and before the graduate course
    assert [s["id"] for s in doc["steps"]] == ["r1", "r2", "y", "x"]
    assert {s["id"]: s["reason"] for s in doc["steps"]} == {i: "in physics" for i in ("r1", "r2", "x", "y")}
    graph, _ = PrerequisiteGraph.load(kb)
    stages = path_for_domain(graph, "physics").stages()
    assert [[s.id for s in stage] for stage in stages] == [["r1", "r2"], ["y", "x"]]


def test_the_order_is_deterministic_and_independent_of_files(cli, kb):
    for entry_id, title in (("c-id", "One"), ("a-id", "Two"), ("b-id", "Three")):
        add(kb, entry_id, title)
    first = cli(kb, "path", "physics").stdout
    assert ids(cli(kb, "path", "physics", "--json")) == ["c-id", "b-id", "a-id"]  # by title
    (kb / "entries" / "lecture-series" / "a-id.yaml").touch()
    assert cli(kb, "path", "physics").stdout == first


# --- domains and audiences ---------------------------------------------------------------------------

def test_domain_path_takes_sub_domains_and_prerequisites_from_any_domain(cli, chain):
    doc = path_json(cli, chain, "physics")
    assert doc["kind"] == "domain" and doc["target"] == "physics" and doc["audience"] is None
    assert [(s["id"], s["reason"]) for s in doc["steps"]] == [
        ("calc", "needed by: mech"), ("mech", "in physics/mechanics"), ("stat", "in physics")]
    maths = path_json(cli, chain, "maths/")  # a trailing slash is the domain too
    assert maths["target"] == "maths" and [s["id"] for s in maths["steps"]] == ["calc"]


def test_audience_filters_the_domains_entries_not_their_prerequisites(cli, chain):
    doc = path_json(cli, chain, "physics", "--audience", "graduate")
    assert doc["audience"] == "graduate"
    assert [(s["id"], s["reason"]) for s in doc["steps"]] == [
        ("calc", "needed by: mech"), ("mech", "needed by: stat"), ("stat", "in physics")]
    under = path_json(cli, chain, "physics", "--audience", "undergraduate")
    assert [s["id"] for s in under["steps"]] == ["calc", "mech"]
    text = cli(chain, "path", "physics", "--audience", "undergraduate").stdout
    assert text.startswith("Path through Physics (physics), for undergraduate: 2 steps\n")


def test_a_domain_without_entries_for_the_audience_is_one_line(cli, chain):
    empty = cli(chain, "path", "physics", "--audience", "general")
    assert empty.exit_code == 0 and empty.stdout == "No entries in Physics (physics) for the general audience.\n"
    assert cli(chain, "path", "history").stdout == "No entries in History (history).\n"
    assert path_json(cli, chain, "history") == {"target": "history", "kind": "domain", "audience": None,
                                                 "steps": [], "total_hours": 0, "steps_without_hours": 0,
                                                 "assumed": []}


# --- totals and assumed knowledge ----------------------------------------------------------------------

def test_hours_are_summed_over_the_steps_with_an_estimate(cli, kb):
    add(kb, "a", "A", hours=0.1)
    add(kb, "b", "B", hours=0.2, requires=("a",))
    add(kb, "c", "C", requires=("b",))
    add(kb, "d", "D", requires=("c",))
    doc = path_json(cli, kb, "d")
    assert doc["total_hours"] == 0.3 and doc["steps_without_hours"] == 2
    assert cli(kb, "path", "d").stdout.endswith("Total: 4 steps, 0.3 hours (2 steps without an estimate)\n")
    add(kb, "solo", "Solo")
    assert cli(kb, "path", "solo").stdout.endswith("Total: 1 step, hours unknown (1 step without an estimate)\n")


def test_text_prerequisites_are_assumed_once_each(cli, kb):
    add(kb, "a", "A", requires=("Linear algebra", "Python"))
    add(kb, "b", "B", requires=("a", "python", "Probability", "no-such-entry"))
    add(kb, "c", "C", requires=("b", "Linear  algebra"))
    assert path_json(cli, kb, "c")["assumed"] == ["Linear algebra", "Python", "Probability", "no-such-entry"]


# --- errors ------------------------------------------------------------------------------------------------

def test_a_cycle_is_an_error_naming_the_whole_cycle(cli, kb):
    add(kb, "m", "M", requires=("z",))
    add(kb, "z", "Z", requires=("k",))
    add(kb, "k", "K", requires=("m",))
    add(kb, "apart", "Apart")  # not on the cycle: the KB has no order, so no path either
    for target in ("m", "apart", "physics"):
        result = cli(kb, "path", target)
        assert result.exit_code == 1, target
        assert result.stderr == "kb: error: prerequisites form a cycle: k -> m -> z -> k\n"
    graph, _ = PrerequisiteGraph.load(kb)
    with pytest.raises(PrerequisiteCycle) as raised:
        path_to_entry(graph, "apart")
    assert raised.value.cycle == ["k", "m", "z", "k"]


def test_two_entries_requiring_each_other_and_self_references(cli, kb):
    add(kb, "a", "A", requires=("b",))
    add(kb, "b", "B", requires=("a",))
    assert cli(kb, "path", "a").stderr == "kb: error: prerequisites form a cycle: a -> b -> a\n"
    add(kb, "b", "B", requires=("b",))  # names itself: `kb validate` reports it; no step requires itself
    assert ids(cli(kb, "path", "a", "--json")) == ["b", "a"]


def test_unknown_targets_and_audiences_are_usage_errors_with_a_suggestion(cli, chain):
    cases = {("phisics",): "unknown domain `phisics`; did you mean `physics`?",
             ("mechanics",): "unknown domain `mechanics`; did you mean `physics/mechanics`?",
             ("physics/mechanix",): "unknown domain `physics/mechanix`; did you mean `physics/mechanics`?",
             ("statt",): "no entry or domain `statt`; did you mean `stat`?",
             ("physics", "--audience", "graduat"): "unknown audience `graduat`; did you mean `graduate`?",
             ("stat", "--audience", "graduate"): "`stat` is an entry: an audience narrows a domain's path"}
    for args, message in cases.items():
        result = cli(chain, "path", *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    nothing = cli(chain, "path", "qqqqqqqq")
    assert nothing.exit_code == 2 and "no entry or domain `qqqqqqqq` (`kb list` lists the entry ids" in nothing.stderr


def test_unloadable_files_are_left_out_and_counted(cli, chain):
    write_entry(chain, "paper", "broken", "- not\n- a mapping\n")
    result = cli(chain, "path", "stat")
    assert result.exit_code == 0 and "1 files skipped: run `kb validate`" in result.stderr
    assert "3 steps" in result.stdout


def test_the_library_never_prints_and_matches_the_cli(cli, chain, capsys):
    path = find_path(chain, "physics", "graduate")
    assert capsys.readouterr() == ("", "")
    assert path.as_json() == path_json(cli, chain, "physics", "--audience", "graduate")
    assert path.text() + "\n" == cli(chain, "path", "physics", "--audience", "graduate").stdout


def test_other_commands_do_not_import_networkx(chain):
    code = ("import sys; from kb.cli import main\n"
            "for args in (['list'], ['show', 'stat'], ['validate']):\n"
            "    try: main(['--root', sys.argv[1], *args])\n"
            "    except SystemExit: pass\n"
            "    assert 'networkx' not in sys.modules, args\n"
            "main(['--root', sys.argv[1], 'path', 'stat'], standalone_mode=False)\n"
            "print('networkx' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(chain)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("True")


# --- kb show: leads to, compared with ---------------------------------------------------------------------

def test_show_prints_leads_to_and_compared_with_both_ways(cli, kb):
    add(kb, "base", "Base course")
    add(kb, "next", "Next course", requires=("base",),
        alternatives=[("base", "Prefer Next when you already know the basics well.")])
    add(kb, "other", "Other course", requires=("base",),
        alternatives=[("next", "Other is shorter and has more exercises than Next.")])
    add(kb, "next", "Next course", requires=("base",),
        alternatives=[("base", "Prefer Next when you already know the basics well."),
                      ("other", "Next goes deeper than Other into the theory.")])
    base = cli(kb, "show", "base").stdout
    assert base.endswith("leads to:\n  - next: Next course\n  - other: Other course\n"
                         "compared with:\n  - next: Next course\n"
                         "    that entry says: Prefer Next when you already know the basics well.\n")
    nxt = cli(kb, "show", "next").stdout
    assert nxt.endswith("compared with:\n"
                        "  - base: Base course\n"
                        "    this entry says: Prefer Next when you already know the basics well.\n"
                        "  - other: Other course\n    this entry says: Next goes deeper than Other into the theory.\n"
                        "    that entry says: Other is shorter and has more exercises than Next.\n")
    assert "leads to:" not in nxt and "alternatives:" not in nxt
    assert "prerequisites: base" in nxt  # the fields themselves are still shown


def test_connections_leave_out_unknown_ids_and_the_entry_itself(kb):
    add(kb, "a", "A", requires=("a", "ghost", "Some text"), alternatives=[("a", "x" * 30), ("ghost", "y" * 30)])
    add(kb, "b", "B", requires=("a", "a"))
    connections = Connections(load_entries(kb)[0])
    assert connections.requires("a") == [] and connections.assumed("a") == ["ghost", "Some text"]
    assert connections.requires("b") == ["a"] and [e.id for e in connections.leads_to("a")] == ["b"]
    assert connections.compared_with("a") == [] and connections.compared_with("ghost") == []


def test_paths_agree_with_networkx_on_a_random_graph(kb):
    """Every path is the lexicographical topological order (networkx, with the documented key) of the
    subgraph it is made of: checked for each entry and domain of a random KB of 300 entries."""
    import random

    import networkx

    from kb.model import Entry, load_taxonomy

    rng = random.Random(7)
    taxonomy = load_taxonomy(kb / "entries")[0]
    levels, domains = list(taxonomy.audiences), list(taxonomy.domains)
    entries = []
    for i in range(300):
        requires = [f"e{j}" for j in rng.sample(range(i), min(i, rng.randint(0, 3)))]
        entries.append(Entry(Path(f"entries/paper/e{i}.yaml"), "paper", {
            "title": rng.choice(["Alpha", "beta", "Gamma", "delta"]) + f" {rng.randint(0, 9)}",
            "audience": rng.sample(levels, rng.randint(1, 2)), "domains": [rng.choice(domains)],
            "prerequisites": requires + ["Some text"] * rng.randint(0, 1)}))
    graph = PrerequisiteGraph(Connections(entries), taxonomy)
    by_id = {e.id: e for e in entries}

    def key(entry_id):
        entry = by_id[entry_id]
        return min(levels.index(a) for a in entry.audience), entry.title.casefold(), entry_id

    def expected(nodes):
        return list(networkx.lexicographical_topological_sort(graph.graph.subgraph(nodes), key=key))

    for entry in entries:
        ancestors = networkx.ancestors(graph.graph, entry.id)
        assert path_to_entry(graph, entry.id).ids == expected(ancestors | {entry.id})
        assert graph.count_prerequisites(entry.id) == len(ancestors)
    for domain in domains:
        for audience in (None, *levels):
            members = {e.id for e in entries if any(d == domain or d.startswith(domain + "/") for d in e.domains)
                       and (audience is None or audience in e.audience)}
            nodes = members.union(*(networkx.ancestors(graph.graph, m) for m in members))
            path = path_for_domain(graph, domain, audience)
            assert path.ids == expected(nodes), (domain, audience)
            generations = list(networkx.topological_generations(graph.graph.subgraph(nodes)))
            assert [sorted(s.id for s in stage) for stage in path.stages()] == [sorted(g) for g in generations]


def test_show_reads_only_the_files_it_needs_and_says_the_same(repo_root, kb):
    from kb.model import describe, get_entry

    add(kb, "base", "Base")
    add(kb, "other", "Other", alternatives=[("base", "Other is the longer of the two, with exercises.")])
    add(kb, "mine", "Mine", requires=("base",), alternatives=[("other", "Mine is shorter than Other by half.")])
    for root in (repo_root, kb):
        everything = Connections.load(root)
        for entry_id in everything.by_id:
            entry = get_entry(root, entry_id)
            assert describe(entry, Connections.load(root, about=entry_id)) == describe(entry, everything), entry_id
    assert set(Connections.load(kb, about="mine").by_id) == {"mine", "other"}  # base's file does not name it
