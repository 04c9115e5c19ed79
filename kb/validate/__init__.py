"""`kb validate`: every problem in every entry, in one run.

validate(root, paths=None, today=None, changed_since=None) selects the files (kb.model's selector: the
same rules as `kb fmt` and `kb check-links`), loads the taxonomy and the entries, runs the JSON Schema and
the checks registered in checks.py on each file, then the KB-wide checks (references, duplicates, cycles),
and returns a Report of Problems sorted by file and line. Cross-entry checks always see the whole KB, but
only the selected files are reported. With `changed_since`, every entry is checked when the taxonomy
changed, and the entries naming an entry deleted or renamed since then are checked too. Nothing here
prints or exits: the CLI does.

Options: today (for "in the future" checks; default: the current date).
"""
from __future__ import annotations

import datetime
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

from kb.model import (
    ENTRIES_DIR,
    ID_PATTERN,
    TAXONOMY_FILE,
    TYPES,
    Entry,
    LoadError,
    PathNotFound,
    bulk_load,
    entry_files,
    entry_type,
    is_entry_file,
    load_taxonomy,
    read_entry,
    relative_path,
    select_entry_files,
)

from .checks import ENTRY_CHECKS, KB_CHECKS, Context, all_codes, kb_check_fields, references
from .problems import FORMATS, Problem, format_problems
from .schema_errors import schema_problems

PARALLEL_FROM = 2000  # files; below this, starting worker processes costs more than it saves
MAX_WORKERS = 4

__all__ = ["FORMATS", "PathNotFound", "Problem", "Report", "all_codes", "field_problems", "format_problems",
           "validate"]


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0
    changed_since: str | None = None  # the revision, when only changed entries were selected

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def summary(self) -> str:
        if self.changed_since and not self.files_checked and self.ok:
            return f"no entry changed since {self.changed_since}"
        warnings = len(self.problems) - len(self.errors)
        if self.ok:
            return f"{self.files_checked} entries checked: all valid" + (f" ({warnings} warnings)" if warnings else "")
        files = len({p.path for p in self.errors})
        return f"{self.files_checked} entries checked: {len(self.errors)} errors in {files} files"


def validate(root: Path, paths: list[Path] | None = None, today: datetime.date | None = None,
             changed_since: str | None = None) -> Report:
    root = Path(root).resolve()
    selection = select_entry_files(root, paths, changed_since)
    with bulk_load():
        report = _validate(root, selection, today or datetime.date.today(), changed_since)
    report.changed_since = changed_since
    return report


def _validate(root: Path, selection, today: datetime.date, changed_since: str | None) -> Report:
    taxonomy, taxonomy_problems = load_taxonomy(root / ENTRIES_DIR)
    every_file = entry_files(root)
    ctx = Context(taxonomy, {p.stem for p in every_file if is_entry_file(p)}, today)
    if changed_since and selection.taxonomy:  # the taxonomy decides what every entry may say
        selection = select_entry_files(root)
    targets = selection.files
    report = Report()
    if selection.taxonomy:
        taxonomy_path = f"{ENTRIES_DIR}/{TAXONOMY_FILE}"
        report.problems += [Problem(taxonomy_path, p.line, p.column, p.code, p.message, p.hint)
                            for p in taxonomy_problems]
    entries = []
    for entry, problems in _check_files(targets, root, ctx):
        report.problems += problems
        if entry:
            entries.append(entry)
    others = _load_quietly(set(every_file) - set(targets), root)
    if selection.removed_ids:  # entries still naming an entry deleted or renamed since the revision
        naming = [e for e in others if any(i in selection.removed_ids for _, _, i in references(e))]
        for entry, problems in _check_files([e.source for e in naming], root, ctx):
            report.problems += problems
            entries.append(entry)
        targets = targets + [e.source for e in naming]
        others = [e for e in others if e not in naming]
    entries += others
    report.files_checked = len(targets)
    reported = None if selection.whole_kb else {relative_path(path, root) for path in targets}
    for check in KB_CHECKS:
        report.problems += [p for p in check.run(entries, ctx) if reported is None or p.path in reported]
    report.problems.sort()
    return report


def field_problems(root: Path, entry_type: str, data: dict, name: str) -> list[str]:
    """What is wrong with field `name` of a draft entry on its own (the schema, the taxonomy, its characters),
    as messages: for `kb new` to ask again while a person types, instead of failing at the end."""
    taxonomy, _ = load_taxonomy(Path(root) / ENTRIES_DIR)
    draft = Entry(Path(f"{data.get('id', 'draft')}.yaml"), entry_type, data)
    ctx = Context(taxonomy, set(), datetime.date.today())
    found = [*schema_problems(draft), *(p for check in ENTRY_CHECKS for p in check.run(draft, ctx))]
    return [message + (f" ({hint})" if hint else "") for where, code, message, hint in found
            if where[:1] == (name,) and code != "missing-field"]


def check_file(path: Path, root: Path, ctx: Context) -> tuple[Entry | None, list[Problem]]:
    """The loaded entry (None if it does not load) and every problem found in it on its own."""
    shown = relative_path(path, root)
    if entry_type(path) is None:
        return None, [Problem(shown, 1, 1, "unknown-type", _not_in_type_folder(path, root),
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
    found = [(*problem, "error") for problem in schema_problems(entry)]
    for check in ENTRY_CHECKS:
        found += [(*problem, check.severity) for problem in check.run(entry, ctx)]
    for where, code, message, hint, severity in found:
        line, column = (where, 1) if isinstance(where, int) else entry.where(where)  # a line, or a field's place
        problems.append(Problem(shown, line, column, code, message, hint, severity))
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
                entry.data = {k: entry.data[k] for k in kb_check_fields() if k in entry.data}
    return results


def _not_in_type_folder(path: Path, root: Path) -> str:
    entries_dir = root / ENTRIES_DIR
    if path.parent.resolve().is_relative_to(entries_dir) and path.parent.resolve() != entries_dir:
        return f"`{path.parent.name}` is not an entry type folder"
    return f"`{path.name}` is not in an entry type folder"


def _load_quietly(paths: set[Path], root: Path) -> list[Entry]:
    """Entries outside the requested paths, for cross-entry checks only."""
    entries = []
    for path in sorted(p for p in paths if is_entry_file(p)):
        try:
            entries.append(read_entry(path, root, positions=False))
        except (LoadError, OSError):
            continue  # reported when that file itself is validated
    return entries
