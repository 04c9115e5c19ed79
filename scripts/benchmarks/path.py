"""path: whole-process `kb path DOMAIN` and `kb path ENTRY` against `kb list --domain` on the same KB, and
the time path pages add to `kb site generate`.

Options: --entries N (default 10000), --runs R (default 3; the best run is reported; the commands compared
with each other take their runs in turn).
The KB is the synthetic corpus (corpus.py) with a random acyclic prerequisite graph on top: entry i lists
0 to 4 prerequisites (2 on average), drawn uniformly from the entries before it, and 3 entries in 4 have
an `hours` estimate. `kb path ENTRY` asks for the last entry, whose path is among the longest. The site
figures are `kb site generate` into an empty folder, with the path pages and without them (the same
code with kb.site.paths.SitePaths replaced by one that adds no page, section or navigation), and, as a
measure that the machine's other work disturbs less, the time one generate spends in kb.site.paths.
Goals (issue 12): `kb path` at most 1.5x `kb list --domain`; path pages add at most 10% to generate.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import PROCESS_ENV, tool
from .corpus import make_corpus

DOMAIN = "physics"
GENERATE = """
import sys, time
from pathlib import Path
import kb.site.paths

class NoPaths:  # the site without learning paths: no page, no navigation section, no entry section
    def __init__(self, site): pass
    def pages(self): return {}
    def nav(self): return []
    def entry_section(self, item): return ""

def timed(method):  # for "timed": the seconds spent in the learning paths' code, whatever calls it
    def wrapper(*args):
        start = time.perf_counter()
        try:
            return method(*args)
        finally:
            spent[0] += time.perf_counter() - start
    return wrapper

spent = [0.0]
if sys.argv[2] == "without":
    kb.site.paths.SitePaths = NoPaths
if sys.argv[2] == "timed":
    for name in ("__init__", "pages", "nav", "entry_section"):
        setattr(kb.site.paths.SitePaths, name, timed(getattr(kb.site.paths.SitePaths, name)))
start = time.perf_counter()
from kb.site import generate
generate(Path(sys.argv[1]))
print(spent[0], time.perf_counter() - start)
"""


def add_arguments(parser) -> None:
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)


def add_prerequisites(paths: list[Path], seed: int = 1) -> int:
    """Append `prerequisites` (entries before it only, so the graph is acyclic) and `hours` to each
    entry file; returns the number of prerequisite links."""
    rng = random.Random(seed)
    links = 0
    for i, path in enumerate(paths):
        chosen = rng.sample(range(i), min(i, rng.randint(0, 4)))
        lines = []
        if chosen:
            lines.append(f"prerequisites: [{', '.join(paths[j].stem for j in chosen)}]")
            links += len(chosen)
        if rng.random() < 0.75:
            lines.append(f"hours: {rng.choice([2, 5, 10, 20, 40, 1.5])}")
        with path.open("a", encoding="utf-8") as file:
            file.write("".join(line + "\n" for line in lines))
    return links


def alternating(runs: int, root: Path, commands: dict[str, list[str]]) -> dict[str, tuple[float, float, int, int]]:
    """(wall seconds, CPU seconds, exit code, peak MB) of each command, the best of `runs`, the runs of the
    commands taken in turn, so that a change in the machine's speed weighs on all of them alike. CPU time
    (user + system, the process and its children) is also given, as the machine is shared: other work
    on its 2 cores lengthens the wall time of a run far more than its CPU time."""
    figures = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            figures[name].append(timed_process(argv, root))
    return {name: (min(r[0] for r in rs), min(r[1] for r in rs), max(r[2] for r in rs), max(r[3] for r in rs))
            for name, rs in figures.items()}


def timed_process(argv: list[str], cwd: Path) -> tuple[float, float, int, int]:
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **PROCESS_ENV}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024


def path_length(root: Path, target: str) -> int:
    result = subprocess.run([tool("kb"), "path", target, "--json"], cwd=root, capture_output=True, text=True,
                            env={**os.environ, **PROCESS_ENV})
    return len(json.loads(result.stdout)["steps"])


def run(args) -> int:
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores; above ~1 the machine was busy)")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = make_corpus(root, args.entries)
        links = add_prerequisites(paths)
        last = paths[-1].stem
        print(f"{args.entries} entries, {links} prerequisite links; `kb path {DOMAIN}`: "
              f"{path_length(root, DOMAIN)} steps, `kb path {last}`: {path_length(root, last)} steps")
        kb = tool("kb")
        figures = alternating(args.runs, root, {"list": [kb, "list", "--domain", DOMAIN],
                                                "path domain": [kb, "path", DOMAIN], "path entry": [kb, "path", last]})
        figures.update(alternating(args.runs, root, {
            f"generate {name}": ["sh", "-c", f'rm -rf docs/generated && exec "{sys.executable}" -c "$0" . {name}',
                                 GENERATE] for name in ("with", "without")}))
        shares = []  # in one process: the time spent in the paths' code, and the whole generate
        for _ in range(args.runs):
            done = subprocess.run([sys.executable, "-c", GENERATE, ".", "timed"], cwd=root, capture_output=True,
                                  text=True, check=True, env={**os.environ, **PROCESS_ENV})
            shares.append(tuple(map(float, done.stdout.split())))
        pages = root / "docs" / "generated" / "paths"
        size = sum(f.stat().st_size for f in pages.rglob("*.md")) / 2**20
        count = sum(1 for _ in pages.rglob("*.md"))
    for name, (wall, cpu, code, peak) in figures.items():
        print(f"{name:<17} {wall:6.2f} s  CPU {cpu:6.2f} s  peak {peak} MB  exit {code}")

    def ratio(a: str, b: str, i: int) -> float:
        return figures[a][i] / figures[b][i]

    for name, label in (("path domain", f"kb path {DOMAIN}"), ("path entry", "kb path ENTRY")):
        print(f"{label} / kb list --domain {DOMAIN}: {ratio(name, 'list', 0):.2f}x wall, "
              f"{ratio(name, 'list', 1):.2f}x CPU (goal <= 1.5x)")
    print(f"path pages add {ratio('generate with', 'generate without', 0) - 1:+.1%} wall, "
          f"{ratio('generate with', 'generate without', 1) - 1:+.1%} CPU to kb site generate (goal <= 10%); "
          f"{count} path pages, {size:.1f} MB")
    inside, total = min(shares, key=lambda s: s[0] / s[1])
    print(f"in one kb site generate: {inside:.2f} s of {total:.2f} s in the paths' code (kb.site.paths: "
          f"graph, path pages, entry sections): {inside / (total - inside):+.1%} over the rest "
          f"(the least of {len(shares)} runs; the most: {max(s[0] / (s[1] - s[0]) for s in shares):+.1%})")
    return 0 if all(code == 0 for _, _, code, _ in figures.values()) else 1
