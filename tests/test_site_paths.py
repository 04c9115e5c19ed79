"""The site's learning paths: path pages (order, stages, cards, the SVG picture), "Path to this entry" and
"Compared with" on entry pages, on a small hand-built KB built with MkDocs and on the real entries."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_paths import TAXONOMY, add

from kb.model import Connections, load_entries, load_taxonomy
from kb.paths import PrerequisiteGraph, path_for_domain
from kb.site import generate
from kb.site.path_picture import MAX_DRAWN
from kb.site.paths import ENTRY_LISTED, LISTED

from test_site import REPO, Html, build, built_real_site, page, site_root

SVG = "{http://www.w3.org/2000/svg}"
NOTES = {"intro": "Intro is gentler than Mechanics and needs no calculus at all.",
         "mech": "Mechanics is the real course; take Intro only to get a first taste.",
         "qm": "Quantum mechanics builds on statistical physics' ensembles."}


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    """calc -> linalg, calc -> mech -> stat, qm (which also need linalg); intro alone; alternatives:
    intro <-> mech stated on both sides, qm -> stat on one."""
    root = tmp_path_factory.mktemp("paths-site")
    (root / "entries").mkdir()
    (root / "entries" / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    add(root, "calc", "Calculus", domain="maths", audience=("beginner",), hours=10, formats=("video", "notes"))
    add(root, "linalg", "Linear algebra", domain="maths/algebra", hours=20, requires=("calc",))
    add(root, "mech", "Mechanics", domain="physics/mechanics", requires=("calc", "Basic calculus"),
        alternatives=[("intro", NOTES["mech"])])
    add(root, "stat", "Statistical physics", audience=("graduate",), hours=30, requires=("mech", "linalg"))
    add(root, "qm", "Quantum mechanics", audience=("graduate",), hours=40, requires=("mech", "linalg"),
        alternatives=[("stat", NOTES["qm"])])
    add(root, "intro", "Intro to physics", audience=("general",), hours=5, alternatives=[("mech", NOTES["intro"])])
    built = site_root(tmp_path_factory.mktemp("paths-built"), root / "entries")
    return build(built)


def step_ids(html: str) -> list[str]:
    return re.findall(r'<div class="kb-step" id="step-([^"]+)"', html)


def stages(html: str) -> dict[str, int]:
    """Step id -> the number of the stage it is listed under."""
    found = {}
    for number, body in re.findall(r'<h2 id="stage-(\d+)"(.*?)(?=<h2 id=|$)', html, re.S):
        found.update((entry_id, int(number)) for entry_id in step_ids(body))
    return found


DRAWING = '<svg xmlns="http://www.w3.org/2000/svg" class="kb-path-svg"'  # the theme has SVG icons too


def picture(html: str) -> ET.Element:
    start = html.index(DRAWING)
    return ET.fromstring(html[start:html.index("</svg>", start) + len("</svg>")])


def check_path_page(site: Path, url: str, connections: Connections, expected: list[str]) -> ET.Element | None:
    """The page lists `expected` in a valid order, by stage, and draws them when they are few enough."""
    html = page(site, url)
    if not expected:
        assert "No entries yet." in html and "kb-step" not in html and DRAWING not in html
        return None
    listed, stage = step_ids(html), stages(html)
    # the path's first steps, grouped by stage, each stage in the path's order
    assert listed == sorted(expected[:LISTED], key=lambda i: (stage[i], expected.index(i))), url
    position = {entry_id: i for i, entry_id in enumerate(listed)}
    for entry_id in listed:  # every step after, and in a later stage than, all it requires
        for required in connections.requires(entry_id):
            assert position[required] < position[entry_id] and stage[required] < stage[entry_id], (url, entry_id)
    if len(expected) > MAX_DRAWN:
        assert DRAWING not in html and "too many to draw" in html
        return None
    svg = picture(html)
    nodes = svg.findall(f".//{SVG}a[@class='kb-node']")
    assert [n.get("data-entry") for n in nodes] == expected  # one node per step, in the path's order
    edges = {(e.get("data-from"), e.get("data-to")) for e in svg.findall(f".//{SVG}path[@class='kb-edge']")}
    assert len(svg.findall(f".//{SVG}path[@class='kb-edge']")) == len(edges)  # one arrow per edge
    assert edges == {(r, i) for i in listed for r in connections.requires(i)}
    for node in nodes:  # each a link to the entry's page, which exists
        target = (site / url / node.get("href")).resolve()
        assert target == (site / "entries" / node.get("data-entry")).resolve() and (target / "index.html").is_file()
    return svg


# --- a small KB ------------------------------------------------------------------------------------------

def test_domain_path_page_lists_steps_by_stage_under_the_picture(small_site):
    html = page(small_site, "paths/physics")
    assert step_ids(html) == ["intro", "calc", "linalg", "mech", "qm", "stat"]
    assert stages(html) == {"intro": 1, "calc": 1, "linalg": 2, "mech": 2, "qm": 3, "stat": 3}
    connections = Connections(load_entries(small_site.parent)[0])
    svg = check_path_page(small_site, "paths/physics", connections, step_ids(html))
    assert len(svg.findall(f".//{SVG}text[@class='kb-stage']")) == 3
    # each step: its card (the existing markup, which shows the formats), what it needs (links to the steps
    # above) and its hours
    qm = html.split('id="step-qm"')[1].split('<div class="kb-step"')[0]
    assert '<div class="kb-card" data-entry="qm">' in qm
    assert re.search(r'Needs <a href="#step-mech">Mechanics</a>, <a href="#step-linalg">Linear algebra</a> · 40 h', qm)
    calc = html.split('id="step-calc"')[1].split('<div class="kb-step"')[0]
    assert "Video, Notes" in calc.split('class="kb-step__facts"')[0] and "Needs no earlier step · 10 h" in calc
    assert html.count("6 steps, 105 hours (1 step without an estimate).") == 2  # above the picture and as the total
    assert "Assumed: Basic calculus." in html
    counted = re.search(r'data-kb-progress="([^"]*)"', html).group(1).split()  # "n of m done" in the browser
    assert counted == step_ids(html)


def test_audience_pages_exist_where_their_path_has_two_steps(small_site):
    connections = Connections(load_entries(small_site.parent)[0])
    expected = {"physics/graduate": ["calc", "linalg", "mech", "qm", "stat"],
                "physics/undergraduate": ["calc", "mech"], "maths/undergraduate": ["calc", "linalg"]}
    for url, steps in expected.items():
        assert step_ids(page(small_site, f"paths/{url}")) == steps, url
        check_path_page(small_site, f"paths/{url}", connections, steps)
    for url in ("physics/general", "physics/beginner", "maths/beginner", "maths/graduate"):  # 1 or 0 steps
        assert not (small_site / "paths" / url).exists(), url
    physics = page(small_site, "paths/physics")
    assert 'href="graduate/">Graduate</a> <span class="kb-count">5 steps</span>' in physics
    assert 'href="../">all audiences</a>' in page(small_site, "paths/physics/graduate")
    assert "No entries yet." in page(small_site, "paths/history")  # every top-level domain has its page


def test_navigation_has_a_paths_section(small_site):
    nav = json.loads((small_site.parent / "docs" / "generated" / "_nav.yml").read_text().split("\n", 1)[1])["nav"]
    paths = next(item["Paths"] for item in nav if "Paths" in item)
    assert paths == ["paths/index.md", {"Mathematics": "paths/maths/index.md"},
                     {"Physics": "paths/physics/index.md"}, {"History": "paths/history/index.md"}]
    index = page(small_site, "paths")
    assert 'href="physics/">Physics</a>: 6 steps, 105 hours (1 step without an estimate)' in index


def test_entry_pages_show_the_path_to_them(small_site):
    html = page(small_site, "entries/stat")
    section = html.split('<h2 id="path-to-this-entry"')[1].split("<h2")[0]
    assert "4 steps, 60 hours (1 step without an estimate), in this order:" in section
    assert re.findall(r'<li><a href="../([a-z]+)/">', section) == ["calc", "linalg", "mech"]
    assert "<strong>This entry</strong> · 30 h" in section
    link = re.search(r'<a href="([^"]+)">Physics path</a>', section).group(1)
    assert link == "../../paths/physics/#step-stat" and 'id="step-stat"' in page(small_site, "paths/physics")
    assert 'id="path-to-this-entry"' not in page(small_site, "entries/calc")  # requires nothing
    assert 'id="path-to-this-entry"' not in page(small_site, "entries/intro")


def test_compared_with_shows_on_both_entries_with_the_notes(small_site):
    def compared(entry_id: str) -> str:
        return page(small_site, f"entries/{entry_id}").split('<h2 id="compared-with"')[1].split("<h2")[0]

    intro, mech = compared("intro"), compared("mech")
    assert 'href="../mech/">Mechanics</a>' in intro and 'href="../intro/">Intro to physics</a>' in mech
    # a pair stated on both sides: both notes on both pages, the page's own first
    assert intro.index(NOTES["intro"]) < intro.index(NOTES["mech"])
    assert "<em>Its entry says:</em> " + NOTES["mech"] in intro
    assert mech.index(NOTES["mech"]) < mech.index(NOTES["intro"])
    # stated on one side only: shown on the other side too
    assert NOTES["qm"].replace("'", "&#x27;") in compared("stat") and "Its entry says:" in compared("stat")
    assert 'href="../stat/">Statistical physics</a>' in compared("qm")
    assert 'id="compared-with"' not in page(small_site, "entries/calc")
    leads_to = page(small_site, "entries/calc").split('<h2 id="leads-to"')[1].split("<h2")[0]
    assert re.findall(r'href="../([a-z]+)/"', leads_to) == ["linalg", "mech"]  # one "Leads to", by title


# --- the real entries --------------------------------------------------------------------------------------

def test_real_path_pages_are_valid(tmp_path_factory):
    site = built_real_site(tmp_path_factory)
    entries, _ = load_entries(REPO)
    taxonomy = load_taxonomy(REPO / "entries")[0]
    graph = PrerequisiteGraph(Connections(entries), taxonomy)
    drawn = 0
    for term in taxonomy.top_domains():
        for audience in (None, *taxonomy.audiences):
            path = path_for_domain(graph, term.id, audience)
            url = f"paths/{term.id}" + (f"/{audience}" if audience else "")
            if audience and len(path.ids) < 2:
                assert not (site / url).exists(), url
                continue
            drawn += check_path_page(site, url, graph.connections, path.ids) is not None
    assert drawn >= len(taxonomy.top_domains())  # the real paths are short enough to draw


# --- generation only: cycles, large paths, hostile values ---------------------------------------------------

def test_a_cycle_leaves_the_site_without_paths_but_still_built(tmp_path):
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries" / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    add(tmp_path, "a", "A", requires=("b",))
    add(tmp_path, "b", "B", requires=("a",))
    out = generate(tmp_path).output
    physics = (out / "paths" / "physics" / "index.md").read_text()
    assert "No path can be given: the prerequisites form a cycle: a -&gt; b -&gt; a" in physics
    assert "kb-step" not in physics and DRAWING not in physics
    entry = (out / "entries" / "a.md").read_text()
    assert "Path to this entry" not in entry and "## Builds on" in entry


def test_long_paths_are_listed_not_drawn_and_summed_up_on_entry_pages(tmp_path):
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries" / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    count = max(MAX_DRAWN, LISTED) + 2
    for i in range(count):  # a chain: each needs the one before
        add(tmp_path, f"step-{i:03d}", f"Step {i:03d}", hours=1, requires=(f"step-{i - 1:03d}",) if i else ())
    out = generate(tmp_path).output
    physics = (out / "paths" / "physics" / "index.md").read_text()
    assert DRAWING not in physics and f"This path has {count} steps: too many to draw" in physics
    assert step_ids(physics) == [f"step-{i:03d}" for i in range(LISTED)]
    assert f"The first {LISTED} steps are listed below" in physics and f"{count} steps, {count} hours" in physics
    short = (out / "entries" / f"step-{ENTRY_LISTED:03d}.md").read_text().split("## Path to this entry")[1]
    assert re.findall(r'<li><a href="../(step-\d+)/', short.split("## ")[0]) == \
        [f"step-{i:03d}" for i in range(ENTRY_LISTED)]
    long = (out / "entries" / f"step-{ENTRY_LISTED + 1:03d}.md").read_text()
    assert f"{ENTRY_LISTED + 1} steps come before this one: too many to list here" in long
    assert 'href="../../paths/physics/#step-step-' in long
    last = (out / "entries" / f"step-{count - 1:03d}.md").read_text()
    assert 'href="../../paths/physics/">Physics path' in last  # not among the steps the page lists


def test_hostile_values_stay_text_in_path_pages_and_the_picture(tmp_path):
    (tmp_path / "entries").mkdir()
    (tmp_path / "entries" / "taxonomy.yaml").write_text(TAXONOMY, encoding="utf-8")
    hostile = "<script>alert('x')</script> & <img src=x onerror=alert(1)>"
    add(tmp_path, "base", hostile, formats=("video",), requires=(hostile,))
    add(tmp_path, "top", "Top & </svg><script>alert(2)</script>", requires=("base",),
        alternatives=[("base", hostile + " is the note here.")])
    out = generate(tmp_path).output
    physics = (out / "paths" / "physics" / "index.md").read_text()
    svg = picture(physics)  # well-formed XML: nothing closed it early
    assert [t.text for t in svg.iter(f"{SVG}title")][1:] == [hostile + " (Lecture series · no estimate)",
                                                             "Top & </svg><script>alert(2)</script> "
                                                             "(Lecture series · no estimate)"]
    for text in (physics, (out / "entries" / "top.md").read_text(), (out / "entries" / "base.md").read_text()):
        parsed = Html(text)
        assert not any(tag == "img" or tag == "script" and attrs.get("type") != "application/ld+json"
                       for tag, attrs in parsed.tags)
        assert not any(name.startswith("on") for _, attrs in parsed.tags for name in attrs)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in (out / "entries" / "top.md").read_text()
