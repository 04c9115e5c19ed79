"""Writing the generated folder: only files whose text changed are rewritten (so `mkdocs serve` sees
real changes only), files no longer generated are removed, and a marker file guards against treating
a folder we did not make as ours: kb deletes nothing in a folder that did not already carry the marker
of an earlier generation, and refuses a non-empty folder without it."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.model import CannotWrite, UsageError, atomic_write

MARKER = ".kb-site-generated"  # MkDocs skips dot files


class NotGeneratedFolder(UsageError):
    pass


@dataclass
class WriteReport:
    pages: int
    written: int
    removed: int


def write_folder(output: Path, files: dict[str, str], others: tuple[str, ...] = ()) -> WriteReport:
    """Make `output` (a folder claim_folder accepted) hold exactly `files` (relative POSIX path -> text),
    leaving alone the folders named in `others` (written by another step, e.g. the search index)."""
    output = claim_folder(output, "kb site generate")
    written = sum(_write_if_changed(output / name, content) for name, content in files.items())
    try:
        removed = _remove_others(output, set(files) | {MARKER}, others)
    except OSError as exc:
        raise CannotWrite(exc.errno, exc.strerror, exc.filename or str(output)) from None
    return WriteReport(len(files), written, removed)


def claim_folder(folder: Path, command: str) -> Path:
    """`folder`, resolved, made if missing and marked as kb's: the one gate before kb cleans a folder.
    A folder that exists, holds anything and lacks the marker of an earlier run is refused (exit 2)."""
    folder = Path(os.path.realpath(Path(folder).expanduser()))  # `..` and links resolved before any test
    if folder.exists() and not folder.is_dir():
        raise NotGeneratedFolder(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise NotGeneratedFolder(f"{folder} is not empty and was not made by `{command}`; kb deletes nothing "
                                 "in it: choose an empty or new folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MARKER).touch()
    except OSError as exc:
        raise CannotWrite(exc.errno, exc.strerror, str(folder)) from None
    return folder


def _write_if_changed(path: Path, content: str) -> bool:
    data = content.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write(path, data, durable=False)  # `mkdocs serve` never reads half a page; pages are disposable
    return True


def _remove_others(output: Path, keep: set[str], others: tuple[str, ...]) -> int:
    removed = 0
    for folder, dirs, files in os.walk(output, topdown=False):
        base = Path(folder)
        if base != output and base.relative_to(output).parts[0] in others:
            continue
        for name in files:
            if (base / name).relative_to(output).as_posix() not in keep:
                (base / name).unlink()
                removed += 1
        for name in dirs:
            if (base != output or name not in others) and not any((base / name).iterdir()):
                (base / name).rmdir()
    return removed
