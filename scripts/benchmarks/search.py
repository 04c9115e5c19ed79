"""search: `kb index` and `kb search` on synthetic KBs of 1,000 and 10,000 entries.

Options: --entries N [N ...] (default 1000 10000), --queries Q (default 200), --runs R (default 3; the
best whole-process run is reported). Measures: full index time and peak memory (whole process, its
writer processes included), update after one changed entry (whole `kb index`), in-process query latency
(median and p95 over Q mixed queries: words, pairs, names, field queries, phrases, misspellings,
filters), the freshness check every search makes first, and whole-process `kb search` time and memory.
"""
from __future__ import annotations

import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from kb.search.store import RACY_NS

from .common import best_of, run_process, tool
from .corpus import AUDIENCES, DOMAINS, PEOPLE, TOPICS, make_corpus


def add_arguments(parser) -> None:
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)


def run(args) -> int:
    for n in args.entries:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            paths = make_corpus(root, n)
            print(f"== {n} entries (load average {os.getloadavg()[0]:.2f} on 2 cores)", flush=True)
            indexed = bench_index(root, paths, args.runs)
            bench_queries(root, args.queries)
            bench_process(root, args.runs)
            if not indexed:
                return 1
    return 0


def children_cpu() -> float:
    """User + system seconds of all finished child processes (and theirs) so far: the difference
    around a run is its CPU time, which says more than wall time on a busy machine."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_index(root: Path, paths: list[Path], runs: int) -> bool:
    cpu = children_cpu()
    seconds, code, memory = run_process([tool("kb"), "index"], cwd=root)
    print(f"full index: {seconds:.2f} s, CPU {children_cpu() - cpu:.2f} s, peak {memory} MB, exit {code}")
    updates = []
    for i in range(runs):
        path = paths[(i * 7919) % len(paths)]
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", f"title: Changed{i} ", 1), encoding="utf-8")
        updates.append(run_process([tool("kb"), "index"], cwd=root))
    print(f"index after one changed entry: {min(u[0] for u in updates):.2f} s (best of {runs}), "
          f"peak {max(u[2] for u in updates)} MB")
    # Files changed in the last RACY_NS are recorded as unknown and re-hashed by the next search: wait
    # that long and settle the index, so the searches below measure the steady state.
    time.sleep(RACY_NS / 1e9 + 0.1)
    settled = run_process([tool("kb"), "index"], cwd=root)
    return code == 0 and all(u[1] == 0 for u in updates) and settled[1] == 0


def mixed_queries(count: int, seed: int = 1) -> list[tuple[str, dict]]:
    """(query text, filters) a reader might use, drawn from the corpus vocabulary."""
    rng = random.Random(seed)
    surnames = [p.split()[-1] for p in PEOPLE]

    def typo(word: str) -> str:
        i = rng.randrange(1, len(word) - 1)
        return word[:i] + word[i + 1:]

    makers = [
        lambda: (rng.choice(TOPICS), {}),
        lambda: (f"{rng.choice(TOPICS)} {rng.choice(TOPICS)}", {}),
        lambda: (rng.choice(surnames).lower(), {}),
        lambda: (f"lecturer:{rng.choice(surnames).lower()}", {}),
        lambda: (f"author:{rng.choice(surnames).lower()} {rng.choice(TOPICS)}", {}),
        lambda: (f"year:{rng.randint(1960, 2025)}", {}),
        lambda: (f'"{rng.choice(TOPICS)} {rng.choice(TOPICS)}"', {}),
        lambda: (f"{typo(rng.choice(TOPICS))} {rng.choice(TOPICS)}", {}),
        lambda: (rng.choice(TOPICS), {"domain": rng.choice(list(DOMAINS))}),
        lambda: (f"{rng.choice(TOPICS)} {rng.choice(TOPICS)}", {"audience": rng.choice(AUDIENCES)}),
    ]
    return [makers[i % len(makers)]() for i in range(count)]


def bench_queries(root: Path, count: int) -> None:
    from kb.search import Filters
    from kb.search.backend import backend_class
    from kb.search.indexing import is_fresh
    from kb.search.store import IndexStore, index_location

    store = IndexStore(index_location(root))
    state = store.read_state()
    backend = backend_class().open(store.folder(state.generation))
    try:
        backend.search("warm", Filters(), 10)  # opens the searcher, as the first search of a process does
        latencies = []
        for text, filters in mixed_queries(count):
            started = time.perf_counter()
            backend.search(text, Filters(**filters), 10)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        backend.close()
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    print(f"query latency over {count} mixed queries (in process): median {statistics.median(latencies):.1f} ms, "
          f"p95 {p95:.1f} ms, max {latencies[-1]:.1f} ms")
    started = time.perf_counter()
    fresh = is_fresh(root, state)
    print(f"freshness check (sizes and mtimes of every file): {(time.perf_counter() - started) * 1000:.1f} ms, "
          f"fresh={fresh}")


def bench_process(root: Path, runs: int) -> None:
    for words in (["statistical", "mechanics"], ["susskid", "statistcal", "mechanics"], ["learning", "--json"]):
        cpu = children_cpu()
        seconds, code, memory = best_of(runs, [tool("kb"), "search", *words], cwd=root)
        cpu = (children_cpu() - cpu) / runs
        print(f"kb search {' '.join(words)}: {seconds * 1000:.0f} ms (best of {runs}; CPU {cpu * 1000:.0f} ms "
              f"on average), peak {memory} MB, exit {code}")
