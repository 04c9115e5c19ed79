"""completion: whole-process shell completion (what one Tab costs) on synthetic KBs, against `kb --version`.

Options: --entries N [N ...] (default 1000 10000), --runs R (default 5; the best run is reported). Each Tab
runs kb once with click's completion protocol (`_KB_COMPLETE=bash_complete`, the words in COMP_WORDS), as
the script of `kb completion bash` does; `kb --version`, the same start-up with nothing to complete, is
the floor it is compared with.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from .common import best_of, tool
from .corpus import make_corpus

CASES = {"entry ids (kb show <Tab>)": "kb show ", "entry ids, 2 letters typed": "kb show in",
         "domains (kb list --domain <Tab>)": "kb list --domain ", "audiences (kb search --audience <Tab>)":
         "kb search x --audience "}


def add_arguments(parser) -> None:
    parser.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)


def run(args) -> int:
    for n in args.entries:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            make_corpus(root, n)
            floor, _, floor_memory = best_of(args.runs, [tool("kb"), "--version"], cwd=root)
            print(f"{n} entries, kb --version (the floor): {floor * 1000:.0f} ms, peak {floor_memory} MB", flush=True)
            for name, words in CASES.items():
                env = {"_KB_COMPLETE": "bash_complete", "COMP_WORDS": words,
                       "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1))}
                seconds, code, memory = best_of(args.runs, [tool("kb")], cwd=root, env=env)
                print(f"{n} entries, completion of {name}: {seconds * 1000:.0f} ms ({seconds / floor:.2f}x the "
                      f"floor), peak {memory} MB, exit {code}", flush=True)
    return 0
