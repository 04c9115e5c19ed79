"""contrib: whole-process `kb fmt --check`, `kb new`, `kb import-bibtex` and `kb export` (JSON, BibTeX) on
synthetic KBs.

Options: --entries N [N ...] (default 1000 10000), --runs R (default 3; the best run is reported),
--records R (BibTeX records to import, default 100). The corpus is put in canonical form first
(`kb fmt`), so `fmt --check` measures the CI and pre-commit case: nothing to change. `kb new` and
`kb import-bibtex` run with --dry-run: the duplicate scan and the validation against the whole KB,
without the write, so every run sees the same KB.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from .common import best_of, tool
from .corpus import make_corpus

WHY = "A benchmark entry whose reason is long enough to pass the schema's minimum length for why."


def add_arguments(parser) -> None:
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--records", type=int, default=100)


def bibtex(records: int) -> str:
    return "\n".join(f"@article{{bench{i},\n  title = {{Benchmark Record Number {i} on G{{\\\"o}}del}},\n"
                     f"  author = {{M{{\\\"u}}ller, J{{\\\"o}}rg and Roe, Richard}},\n  year = {{2020}},\n"
                     f"  journal = {{Journal of Benchmarks}},\n  doi = {{10.5555/kb-bench.{i}}}\n}}\n"
                     for i in range(records))


def measure(n: int, runs: int, records: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        paths = make_corpus(root, n)
        subprocess.run([tool("kb"), "fmt"], cwd=root, check=True, capture_output=True)
        (root / "refs.bib").write_text(bibtex(records), encoding="utf-8")
        new = [tool("kb"), "new", "paper", "--title", "A Benchmark Paper", "--url", "https://example.org/bench",
               "--author", "Ada Lovelace", "--year", "2024", "--domain", "physics", "--audience", "researcher",
               "--why", WHY, "--for-whom", "Benchmark readers.", "--dry-run"]
        return {"fmt --check (all)": best_of(runs, [tool("kb"), "fmt", "--check"], cwd=root),
                "fmt --check (one file)": best_of(runs, [tool("kb"), "fmt", "--check", str(paths[0])], cwd=root),
                "new --dry-run": best_of(runs, new, cwd=root),
                f"import-bibtex --dry-run ({records} records)": best_of(
                    runs, [tool("kb"), "import-bibtex", "refs.bib", "--domain", "physics", "--audience",
                           "researcher", "--dry-run"], cwd=root),
                "export --format json": best_of(runs, [tool("kb"), "export", "--format", "json", "-o", "kb.json"],
                                                cwd=root),
                "export --format bibtex": best_of(runs, [tool("kb"), "export", "--format", "bibtex", "-o", "kb.bib"],
                                                  cwd=root)}


def run(args) -> int:
    for n in args.entries:
        for name, (seconds, code, memory) in measure(n, args.runs, args.records).items():
            print(f"{n} entries, kb {name}: {seconds:.2f} s, peak {memory} MB, exit {code}", flush=True)
    return 0
