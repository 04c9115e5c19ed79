"""site: building the site (generate, MkDocs, Zensical, Pagefind) and its search in a browser, against the
site as it was before Pagefind (BASELINE: Material's lunr search) on the same synthetic KBs.

Options: --entries N [N ...] (default 1000 10000), --runs R (builds: best of R, default 1; browser: median
of 3 page loads per R), --zensical / --no-zensical (default on; its memory is capped at 8 GB),
--browser / --no-browser (default on: needs Debian's chromium), --baseline REF (default BASELINE).

Steps, each a whole process: `generate` is `kb site generate` into an empty folder (pages, feeds, api/
and the Pagefind index, which a child process builds meanwhile); `pagefind` is that binary alone on the
same records; `mkdocs` is `mkdocs build --strict`, `zensical` is `zensical build --clean --strict`. The
baseline is the code of REF (git archive) run the same way: its `kb site generate`, then `mkdocs build
--strict` with its lunr search plugin. Baseline and new builds alternate, R times; the best of each.
In headless Chromium (a fresh profile per load, the site on 127.0.0.1 served without compression): the
time from navigation start to the first result for the query, and the bytes the server sent until then
(all, and those for search only: the index, its code, the worker).
Goals at 10,000 entries: Pagefind's first result at most 0.2x lunr's time, at most 500 kB fetched for
search, the build (generate + MkDocs) at most 1.2x the baseline's generate + MkDocs.
"""
from __future__ import annotations

import argparse
import functools
import io
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from kb.site import SITE_SOURCES

from .common import best_of, run_process, tool
from .corpus import make_corpus

REPO = Path(__file__).resolve().parents[2]
BASELINE = "fd44443"  # main before the Pagefind site (issue 13): Material's lunr search, no feeds or api/
QUIET = {"NO_MKDOCS_2_WARNING": "1"}
# Zensical 0.0.73 needed 1 GB for 1,000 entries and exhausted the machine's 24 GB at 10,000: cap it so a
# failed build is reported instead of starving everything else on the machine.
ZENSICAL_MEMORY_KB = 8 * 2**20
QUERY = "susskind"  # a name in the synthetic corpus (corpus.PEOPLE): about a sixth of the entries match
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
LOADS = 3  # page loads per search measurement; the median is reported
# (input to type in, element of a result, is the request for search?) for each search
SEARCHES = {
    "pagefind": ("#kb-search-input", ".kb-result",
                 lambda path: path.startswith(("/pagefind/", "/api/taxonomy.json", "/assets/kb-search.js"))),
    "lunr": (".md-search__input", ".md-search-result__item",
             lambda path: path.startswith(("/search/", "/assets/javascripts/workers/"))),
}
FIRST_RESULT = """selector => { window.__kbFirstResult = null;
  new MutationObserver((changes, observer) => { if (document.querySelector(selector)) {
    window.__kbFirstResult = performance.now(); observer.disconnect(); } })
  .observe(document, {childList: true, subtree: true}); }"""


def add_arguments(parser) -> None:
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--zensical", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--browser", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--baseline", default=BASELINE)


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def copy_sources(source: Path, root: Path) -> None:
    for name in SITE_SOURCES:
        (shutil.copytree if (source / name).is_dir() else shutil.copy)(source / name, root / name)


def baseline_code(ref: str, folder: Path) -> Path:
    """The kb package and site sources of `ref`, unpacked into `folder`."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "kb", *SITE_SOURCES], check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


RECORDS = ("import sys; from pathlib import Path; from kb.model import load_entries, load_taxonomy; "
           "from kb.site.view import Site; from kb.site.search import write_records; "
           "root = Path(sys.argv[1]); write_records(Site(load_entries(root)[0], "
           "load_taxonomy(root / 'entries')[0]), Path(sys.argv[2]))")


def generate_command() -> list[str]:
    """`kb site generate` into an empty folder (the first generation, not the no-change rerun)."""
    return ["sh", "-c", f"rm -rf docs/generated && exec {sys.executable} -c 'from kb.cli import main; main()' "
            "--root . site generate"]


def pagefind_step(root: Path, runs: int) -> tuple:
    """The Pagefind binary alone on the records generate writes (which it runs while building pages)."""
    from kb.site.search import pagefind_binary

    records, out = root / ".bench-records", root / ".bench-pagefind"
    subprocess.run([sys.executable, "-c", RECORDS, str(root), str(records)], check=True)
    figures = best_of(runs, ["sh", "-c", f"rm -rf {out} && exec {pagefind_binary()} --site {records} "
                             f"--output-path {out} --force-language en --quiet"], cwd=root)
    shutil.rmtree(records)
    shutil.rmtree(out, ignore_errors=True)
    return figures


def measure(n: int, args, baseline: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root, old = Path(tmp) / "kb", Path(tmp) / "baseline"
        make_corpus(root, n)
        copy_sources(REPO, root)
        shutil.copytree(root / "entries", old / "entries")
        copy_sources(baseline, old)
        mkdocs = [tool("mkdocs"), "build", "--strict", "-q"]
        runs = {"base_generate": [], "base_mkdocs": [], "generate": [], "mkdocs": []}
        for _ in range(args.runs):  # alternating, so that a busy moment of the machine hits both
            runs["base_generate"].append(run_process(generate_command(), cwd=old, env={"PYTHONPATH": str(baseline)}))
            runs["base_mkdocs"].append(run_process(mkdocs, cwd=old, env=QUIET))
            runs["generate"].append(run_process(generate_command(), cwd=root))
            runs["mkdocs"].append(run_process(mkdocs, cwd=root, env=QUIET))
        figures = {step: (min(r)[0], min(r)[1], max(peak for _, _, peak in r)) for step, r in runs.items()}
        figures["pagefind"] = pagefind_step(root, args.runs)
        figures["mkdocs_mb"], figures["base_mb"] = folder_mb(root / "site"), folder_mb(old / "site")
        figures["pages"] = sum(1 for _ in (root / "site").rglob("index.html"))
        if args.browser and Path(CHROMIUM).exists():
            figures["search"] = {"pagefind": first_result(root / "site", "pagefind", args.runs),
                                 "lunr": first_result(old / "site", "lunr", args.runs)}
        if args.zensical:
            shutil.rmtree(root / "site")
            capped = f"ulimit -v {ZENSICAL_MEMORY_KB} && exec {tool('zensical')} build --clean --strict"
            figures["zensical"] = best_of(args.runs, ["sh", "-c", capped], cwd=root)
            figures["zensical_mb"] = folder_mb(root / "site")
        return figures


class CountingHandler(SimpleHTTPRequestHandler):
    """Serves the site and records (time, path, bytes sent) of every request in `sent`."""
    sent: list

    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        data = source.read()
        outputfile.write(data)
        self.sent.append((time.perf_counter(), self.path.split("?")[0], len(data)))


def first_result(site: Path, kind: str, runs: int) -> dict:
    """Median over LOADS x runs page loads of the home page: ms from navigation start to the first search
    result for QUERY, and kB sent by the server until then (all requests, and those for search)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    field, result, for_search = SEARCHES[kind]
    sent: list = []
    handler = type("Handler", (CountingHandler,), {"sent": sent})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    loads, failed = [], 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            for _ in range(LOADS * runs):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                page.add_init_script(f"({FIRST_RESULT})({result!r})")
                sent.clear()
                started = time.perf_counter()  # navigation start, within a millisecond or so
                page.goto(base + "/", wait_until="load")
                page.locator(field).click()
                page.locator(field).fill(QUERY)
                try:
                    page.wait_for_function("window.__kbFirstResult !== null", timeout=60_000)
                except PlaywrightTimeout:  # counted, not hidden: a load that never showed a result
                    failed += 1
                    context.close()
                    continue
                ms = page.evaluate("window.__kbFirstResult")
                done = [(path, size) for at, path, size in sent if at <= started + ms / 1000]
                loads.append((ms, sum(s for _, s in done) / 1000,
                              sum(s for p, s in done if for_search(p)) / 1000))
                context.close()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    if not loads:
        return {"ms": float("nan"), "kb": float("nan"), "search_kb": float("nan"), "failed": failed}
    ms, total, search = (statistics.median(values) for values in zip(*loads, strict=True))
    return {"ms": ms, "kb": total, "search_kb": search, "failed": failed}


def reference_loop() -> float:
    """The guide's reference loop (0.65 s when the machine is in its fast state)."""
    started = time.perf_counter()
    sum(i * i for i in range(10**7))
    return time.perf_counter() - started


def run(args) -> int:
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores; above ~1 the machine was busy); "
          f"reference loop {reference_loop():.2f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = baseline_code(args.baseline, Path(tmp))
        results = {n: measure(n, args, baseline) for n in args.entries}
    ok = True
    for n, f in results.items():
        print(f"{n} entries, {f['pages']} pages:")
        print(f"  baseline ({args.baseline}): generate {f['base_generate'][0]:.1f} s ({f['base_generate'][2]} MB), "
              f"mkdocs with lunr {f['base_mkdocs'][0]:.1f} s ({f['base_mkdocs'][2]} MB), {f['base_mb']:.0f} MB")
        print(f"  now: generate {f['generate'][0]:.1f} s ({f['generate'][2]} MB peak; Pagefind indexing meanwhile, "
              f"alone {f['pagefind'][0]:.1f} s, {f['pagefind'][2]} MB), "
              f"mkdocs {f['mkdocs'][0]:.1f} s ({f['mkdocs'][2]} MB), {f['mkdocs_mb']:.0f} MB")
        if "zensical" in f:
            seconds, code, peak = f["zensical"]
            print(f"  zensical {seconds:.1f} s ({peak} MB peak), {f['zensical_mb']:.0f} MB" if code == 0 else
                  f"  zensical FAILED (exit {code}, memory capped at {ZENSICAL_MEMORY_KB // 2**20} GB)")
        now, before = f["generate"][0] + f["mkdocs"][0], f["base_generate"][0] + f["base_mkdocs"][0]
        print(f"  build (generate + mkdocs): {now:.1f} s against {before:.1f} s: {now / before:.2f}x")
        if "search" in f:
            pf, lunr = f["search"]["pagefind"], f["search"]["lunr"]
            for name, s in (("pagefind", pf), ("lunr", lunr)):
                print(f"  first result ({name}): {s['ms']:.0f} ms, {s['search_kb']:.0f} kB for search, "
                      f"{s['kb']:.0f} kB in all" + (f" ({s['failed']} loads showed no result in 60 s)"
                                                    if s["failed"] else ""))
            print(f"  pagefind / lunr time: {pf['ms'] / lunr['ms']:.2f}")
        ok = ok and all(f[step][1] == 0 for step in ("generate", "pagefind", "mkdocs", "base_generate", "base_mkdocs",
                                                     "zensical")
                        if step in f)
    if 10000 in results:
        f = results[10000]
        now, before = f["generate"][0] + f["mkdocs"][0], f["base_generate"][0] + f["base_mkdocs"][0]
        goals = [("build <= 1.2x the baseline's", now <= 1.2 * before)]
        if "search" in f:
            pf, lunr = f["search"]["pagefind"], f["search"]["lunr"]
            goals += [("first result <= 0.2x lunr's", pf["ms"] <= 0.2 * lunr["ms"]),
                      ("<= 500 kB fetched for search", pf["search_kb"] <= 500)]
        print("goals at 10,000 entries: " + "; ".join(f"{name}: {'met' if met else 'NOT met'}" for name, met in goals))
    return 0 if ok else 1
