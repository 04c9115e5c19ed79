"""validate: whole-process `kb validate` on a synthetic KB, against check-jsonschema on the same files.

Options: --entries N (default 10000), --runs R (default 3; the best run is reported).
check-jsonschema validates every file against the same shipped schema (kb/schema/entry.schema.json);
it checks the schema only, kb validate also the taxonomy, references, URLs and duplicates.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .common import best_of, tool
from .corpus import make_corpus

SCHEMA = Path(__file__).resolve().parents[2] / "kb" / "schema" / "entry.schema.json"


def add_arguments(parser) -> None:
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)


def run(args) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_corpus(Path(tmp), args.entries)
        kb_time, kb_code, kb_mem = best_of(args.runs, [tool("kb"), "validate"], cwd=Path(tmp))
        print(f"kb validate, {args.entries} entries: {kb_time:.2f} s, peak {kb_mem} MB, exit {kb_code}")
        argv = [tool("check-jsonschema"), "--schemafile", str(SCHEMA), *map(str, paths)]
        cj_time, cj_code, cj_mem = best_of(1, argv, cwd=Path(tmp))
        print(f"check-jsonschema, same files and schema: {cj_time:.2f} s, peak {cj_mem} MB, exit {cj_code}")
        print(f"ratio check-jsonschema / kb validate: {cj_time / kb_time:.1f}x")
    return 0 if kb_code == 0 else 1
