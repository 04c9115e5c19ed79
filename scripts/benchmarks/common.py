"""Helpers shared by the benchmarks: timing a whole process and its peak memory."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A console script from the running interpreter's environment (kb, check-jsonschema, ...)."""
    path = VENV_BIN / name
    return str(path) if path.exists() else name


# Measured processes cache their bytecode, as they do for a user (an installed kb ships it; a checkout
# writes it on the first run): with PYTHONDONTWRITEBYTECODE set, as in some sandboxes, every run would
# compile kb's modules again (about 50 ms).
PROCESS_ENV = {"PYTHONDONTWRITEBYTECODE": ""}


def run_process(argv: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, int, int]:
    """(wall seconds, exit code, peak resident memory in MB) of one whole process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env={**os.environ, **PROCESS_ENV, **(env or {})},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    return elapsed, os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024


def best_of(n: int, argv: list[str], **kwargs) -> tuple[float, int, int]:
    """The fastest of n runs (the least disturbed by the rest of the machine), with its exit code and
    the largest peak memory seen."""
    runs = [run_process(argv, **kwargs) for _ in range(n)]
    fastest = min(runs)
    return fastest[0], fastest[1], max(r[2] for r in runs)
