"""`kb validate`: every problem in every entry, in one run.

validate(root, paths=None) loads the taxonomy and the entries, runs the JSON Schema and the checks
registered in checks.py on each entry, then the KB-wide checks (references, duplicates), and returns a
Report of Problems sorted by file and line. Cross-entry checks always see the whole KB, but only the
requested paths are reported. Nothing here prints or exits: the CLI does.

Options: paths (files or folders; default: every file under entries/<type>/), today (for "in the
future" checks; default: the current date).
"""
from __future__ import annotations

import datetime
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from kb.model import (ENTRIES_DIR, ID_PATTERN, TAXONOMY_FILE, TYPES, Entry, LoadError, entry_files,
                      UsageError, bulk_load, entry_type, is_entry_file, load_taxonomy, read_entry, relative_path)

from .checks import ENTRY_CHECKS, KB_CHECK_FIELDS, KB_CHECKS, Context
from .problems import FORMATS, Problem, format_problems
from .schema_errors import schema_problems

PARALLEL_FROM = 2000  # files; below this, starting worker processes costs more than it saves
MAX_WORKERS = 4

__all__ = ["FORMATS", "PathNotFound", "Problem", "Report", "format_problems", "validate"]


class PathNotFound(UsageError):
    pass


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.ok:
            return f"{self.files_checked} entries checked: all valid"
        files = len({p.path for p in self.errors})
        return f"{self.files_checked} entries checked: {len(self.errors)} errors in {files} files"


def validate(root: Path, paths: list[Path] | None = None, today: datetime.date | None = None) -> Report:
    with bulk_load():
        return _validate(Path(root).resolve(), paths, today or datetime.date.today())


def _validate(root: Path, paths: list[Path] | None, today: datetime.date) -> Report:
    taxonomy, taxonomy_problems = load_taxonomy(root / ENTRIES_DIR)
    every_file = entry_files(root)
    targets = every_file if paths is None else _expand(paths)
    ctx = Context(taxonomy, {p.stem for p in every_file if is_entry_file(p)}, today)
    report = Report(files_checked=len(targets))
    taxonomy_file = root / ENTRIES_DIR / TAXONOMY_FILE
    if paths is None or any(taxonomy_file.is_relative_to(Path(p).resolve()) for p in paths):
        taxonomy_path = f"{ENTRIES_DIR}/{TAXONOMY_FILE}"
        report.problems += [Problem(taxonomy_path, p.line, p.column, p.code, p.message, p.hint)
                            for p in taxonomy_problems]
    entries = []
    for entry, problems in _check_files(targets, root, ctx):
        report.problems += problems
        if entry:
            entries.append(entry)
    entries += _load_quietly(set(every_file) - set(targets), root)
    reported = None if paths is None else {relative_path(path, root) for path in targets}
    for check in KB_CHECKS:
        report.problems += [p for p in check(entries, ctx) if reported is None or p.path in reported]
    report.problems.sort()
    return report


def check_file(path: Path, root: Path, ctx: Context) -> tuple[Entry | None, list[Problem]]:
    """The loaded entry (None if it does not load) and every problem found in it on its own."""
    shown = relative_path(path, root)
    if entry_type(path) is None:
        return None, [Problem(shown, 1, 1, "unknown-type", f"`{path.parent.name}` is not an entry type folder",
                              f"entries live in {ENTRIES_DIR}/<type>/ with <type> one of {', '.join(TYPES)}")]
    if path.suffix != ".yaml":
        return None, [Problem(shown, 1, 1, "bad-filename", f"`{path.name}` is not a .yaml file",
                              f"rename it to {path.stem}.yaml")]
    problems = []
    if not ID_PATTERN.match(path.stem):
        problems.append(Problem(shown, 1, 1, "bad-id", f"file name `{path.name}` is not a valid id",
                                "use lowercase letters, digits and single hyphens, e.g. cs224w-2021.yaml"))
    try:
        entry = read_entry(path, root)
    except LoadError as exc:
        return None, problems + [Problem(shown, exc.line, exc.column, exc.code, exc.message, exc.hint)]
    except OSError as exc:
        return None, problems + [Problem(shown, 1, 1, "unreadable", f"cannot read the file: {exc.strerror}")]
    found = list(schema_problems(entry))
    for check in ENTRY_CHECKS:
        found += check(entry, ctx)
    for where, code, message, hint in found:
        line, column = entry.where(where)
        problems.append(Problem(shown, line, column, code, message, hint))
    entry.doc = None  # node graphs of a whole KB cost memory and GC time; Entry.where re-reads on demand
    return entry, problems


def _check_files(paths: list[Path], root: Path, ctx: Context) -> list[tuple[Entry | None, list[Problem]]]:
    """check_file on every path. A large KB is split over the CPU cores (libyaml and the checks are
    CPU-bound): worker processes take all but the last share, which this process checks meanwhile."""
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(paths) < PARALLEL_FROM or workers < 2:
        return _check_chunk(paths, root, ctx)
    share = -(-len(paths) // workers)
    theirs, ours = paths[:-share], paths[-share:]
    size = -(-len(theirs) // (4 * (workers - 1)))
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(workers - 1, mp_context=context) as pool:  # the workers inherit bulk_load
        parts = pool.map(_check_chunk, [theirs[i:i + size] for i in range(0, len(theirs), size)],
                         repeat(root), repeat(ctx), repeat(True))
        mine = _check_chunk(ours, root, ctx)
        return [result for part in parts for result in part] + mine


def _check_chunk(paths: list[Path], root: Path, ctx: Context, trim: bool = False):
    """check_file on each path; `trim` keeps only what KB-wide checks read (cheaper to send back from a
    worker process)."""
    results = [check_file(path, root, ctx) for path in paths]
    for entry, _ in results:
        if entry:
            entry.identity_keys  # noqa: B018 - computed here, in parallel, for the duplicates check
            if trim:
                entry.data = {k: entry.data[k] for k in KB_CHECK_FIELDS if k in entry.data}
    return results


def _expand(paths: list[Path]) -> list[Path]:
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and p.name != TAXONOMY_FILE
                            and not p.name.startswith("."))
        elif path.is_file():
            if path.name != TAXONOMY_FILE:
                files.append(path)
        else:
            raise PathNotFound(f"no such file or folder: {path}")
    return [p.resolve() for p in files]


def _load_quietly(paths: set[Path], root: Path) -> list[Entry]:
    """Entries outside the requested paths, for cross-entry checks only."""
    entries = []
    for path in sorted(p for p in paths if is_entry_file(p)):
        try:
            entries.append(read_entry(path, root, positions=False))
        except (LoadError, OSError):
            continue  # reported when that file itself is validated
    return entries
