#!/usr/bin/env python3
"""Benchmarks: `python scripts/bench.py NAME [options]`, NAME one of BENCHMARKS (the modules in
scripts/benchmarks/) or `all`. Each generates its own synthetic corpus in a temporary folder, prints its
figures, and never touches the real entries. Record results in docs/benchmarks.md."""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
BENCHMARKS = ("validate", "links", "search", "site", "contrib", "completion", "path")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="name", required=True)
    modules = {}
    for name in BENCHMARKS:
        try:
            modules[name] = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"benchmarks.{name}":
                raise
            continue
        modules[name].add_arguments(sub.add_parser(name, help=modules[name].__doc__.splitlines()[0]))
    sub.add_parser("all", help="every benchmark with its default options")
    args = parser.parse_args(argv)
    if args.name == "all":
        for name, module in modules.items():
            print(f"== {name}", flush=True)
            module.run(sub.choices[name].parse_args([]))
        return 0
    return modules[args.name].run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
