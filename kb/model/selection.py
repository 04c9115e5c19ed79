"""Which entry files a command works on: the one selector behind `kb validate`, `kb fmt` and
`kb check-links` (their PATH arguments and `--changed-since`).

- No paths: every file under `entries/`, at any depth (a file outside a type folder is selected too, so
  that the validator reports it instead of ignoring it).
- Paths: files as named; folders walked at any depth. A relative path is relative to the current folder,
  as in a shell, wherever the KB root is.
- `--changed-since REF`: the entry files added, modified, renamed or untracked since the git revision REF;
  the ids of entries deleted or renamed since then are kept too (`removed_ids`), so that the validator can
  check the entries that still name them. Paths and REF together are a usage error.
- Walks skip dot files and dot folders and the taxonomy (`entries/taxonomy.yaml`, which is not an entry;
  `taxonomy` says whether it was named, is under a named folder, or changed).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .entries import ENTRIES_DIR
from .errors import UsageError
from .taxonomy import TAXONOMY_FILE


class PathNotFound(UsageError):
    pass


@dataclass
class Selection:
    files: list[Path]  # absolute, sorted, each once
    whole_kb: bool = False  # no paths and no revision: every entry (cross-run bookkeeping may reset)
    taxonomy: bool = False  # entries/taxonomy.yaml was named, lies in a named folder, or changed
    removed_ids: set[str] = field(default_factory=set)  # ids deleted or renamed since the revision


def select_entry_files(root: Path, paths: list[Path] | None = None, changed_since: str | None = None) -> Selection:
    """The entry files named by `paths` (default: all of entries/), or changed since `changed_since`."""
    root = Path(root).resolve()
    taxonomy_file = root / ENTRIES_DIR / TAXONOMY_FILE
    if paths and changed_since:
        raise UsageError("give entry paths or --changed-since, not both")
    if changed_since:
        from .changes import changed_entry_files, removed_entry_ids

        changed = changed_entry_files(root, changed_since)
        return Selection([p for p in changed if p != taxonomy_file], taxonomy=taxonomy_file in changed,
                         removed_ids=removed_entry_ids(root, changed_since))
    if not paths:
        return Selection(_walk(root / ENTRIES_DIR, root), whole_kb=True, taxonomy=True)
    files: set[Path] = set()
    taxonomy = False
    for named in map(Path, paths):
        path = Path(os.path.abspath(named.expanduser()))
        if path.is_dir():
            files.update(_walk(path.resolve(), root))
            taxonomy = taxonomy or taxonomy_file.is_relative_to(path.resolve())
        elif path.is_file():
            path = path.parent.resolve() / path.name  # the file itself unresolved: read_entry judges a link
            if path.resolve() == taxonomy_file:
                taxonomy = True
            else:
                files.add(path)
        else:
            raise PathNotFound(_not_found(named, root))
    return Selection(sorted(files), taxonomy=taxonomy)


def _walk(folder: Path, root: Path) -> list[Path]:
    """Every file under `folder` but dot files, dot folders and the taxonomy. A symlinked folder is
    followed when it leads to a folder inside the KB root, once (never round a loop of links); one
    leading outside is not (a symlinked file is read_entry's to judge)."""
    found, seen = [], set()
    taxonomy_file = os.fspath(root / ENTRIES_DIR / TAXONOMY_FILE)
    for top, dirs, files in os.walk(folder, followlinks=True):
        seen.add(os.path.realpath(top))
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and _follow(Path(top, d), root, seen))
        found += [os.path.join(top, name) for name in files if not name.startswith(".")]
    found.sort()  # as strings: sorting 10,000 Paths costs ten times more
    return [Path(p) for p in found if p != taxonomy_file]


def _follow(folder: Path, root: Path, seen: set[str]) -> bool:
    if not folder.is_symlink():
        return True
    real = os.path.realpath(folder)
    return real not in seen and Path(real).is_relative_to(root)


def _not_found(named: Path, root: Path) -> str:
    message = f"no such file or folder: {named} (relative paths are taken from the current folder)"
    if not named.is_absolute() and (root / named).exists():
        message += f"; did you mean {root / named}?"
    return message
