"""Writing the generated folder: only files whose text changed are rewritten (so `mkdocs serve` sees
real changes only), files no longer generated are removed, and a marker file guards against treating
a folder we did not make as ours."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kb.model import UsageError, atomic_write

MARKER = ".kb-site-generated"  # MkDocs skips dot files


class NotGeneratedFolder(UsageError):
    pass


@dataclass
class WriteReport:
    pages: int
    written: int
    removed: int


def claim_folder(output: Path) -> Path:
    """Make `output` ours (created, with the marker), or refuse a non-empty folder we did not make."""
    output = Path(output)
    if output.exists() and any(output.iterdir()) and not (output / MARKER).exists():
        raise NotGeneratedFolder(f"{output} is not empty and was not made by `kb site generate`; "
                                 "choose an empty or new folder")
    output.mkdir(parents=True, exist_ok=True)
    (output / MARKER).touch()
    return output


def write_folder(output: Path, files: dict[str, str], others: tuple[str, ...] = ()) -> WriteReport:
    """Make `output` hold exactly `files` (relative POSIX path -> text), leaving alone the folders named
    in `others` (written by another step, e.g. the search index); refuses a non-empty folder that a
    previous generation did not create."""
    output = claim_folder(output)
    written = sum(_write_if_changed(output / name, content) for name, content in files.items())
    removed = _remove_others(output, set(files) | {MARKER}, others)
    return WriteReport(len(files), written, removed)


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
