"""Entries on disk: where the KB is, which files are entries, and reading them.

An entry is `entries/<type>/<id>.yaml`; the folder gives the type (see TYPES), the file stem the id.
The KB root is the nearest ancestor of the working directory holding `entries/`, unless named by
`--root` or the KB_ROOT environment variable.
"""
from __future__ import annotations

import gc
import math
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .errors import UsageError
from .identity import identity_keys
from .taxonomy import domain_matches, require_taxonomy
from .yamlfile import Document, LoadError, load_bytes

TYPES = ("lecture-series", "research-guide", "paper")
ENTRIES_DIR = "entries"
ROOT_ENV = "KB_ROOT"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # mirrors $defs/entry-id in the schema


class RootNotFound(UsageError):
    pass


class EntryNotFound(UsageError):
    """No entry has this id (a usage error: the id was given on the command line)."""


@dataclass
class Entry:
    """One loaded entry: its identity from the file system, its data and the source positions."""

    path: Path  # relative to the KB root when loaded from it
    type: str
    data: dict
    doc: Document | None = field(repr=False, default=None)  # None when loaded elsewhere (another process)
    source: Path | None = field(repr=False, default=None)  # the file, to reload positions from

    @property
    def id(self) -> str:
        return self.path.stem

    @property
    def title(self) -> str:
        return str(self.data.get("title", self.id))

    # Typed views of the fields, for every reader of entries: a value of the wrong type (an invalid
    # entry, which `kb validate` reports) reads as empty, never as a surprise.
    @property
    def people(self) -> list[str]:
        """Lecturers or authors, whichever the type has."""
        return scalars(self.data.get("lecturers")) or scalars(self.data.get("authors"))

    @property
    def url(self) -> str | None:
        url = self.data.get("url")
        return url if isinstance(url, str) else None

    @property
    def domains(self) -> list[str]:
        return scalars(self.data.get("domains"))

    @property
    def audience(self) -> list[str]:
        return scalars(self.data.get("audience"))

    @property
    def tags(self) -> list[str]:
        return scalars(self.data.get("tags"))

    @property
    def related(self) -> list[str]:
        return scalars(self.data.get("related"))

    @property
    def prerequisites(self) -> list[str]:
        """Entry ids and text, as written (an item that matches ID_PATTERN is meant as an id)."""
        return scalars(self.data.get("prerequisites"))

    @property
    def formats(self) -> list[str]:
        return scalars(self.data.get("format"))

    @property
    def access(self) -> str:
        access = self.data.get("access")
        return access if isinstance(access, str) else "free"

    @property
    def hours(self) -> float | None:
        hours = self.data.get("hours")
        if isinstance(hours, (int, float)) and not isinstance(hours, bool) and math.isfinite(hours) and hours > 0:
            return hours
        return None

    @property
    def alternatives(self) -> list[tuple[str, str]]:
        """(entry id, note) of each well-formed `alternatives` item."""
        items = self.data.get("alternatives")
        return [(item["id"], item["note"]) for item in (items if isinstance(items, list) else [])
                if isinstance(item, dict) and isinstance(item.get("id"), str) and isinstance(item.get("note"), str)]

    @property
    def year(self) -> int | None:
        year = self.data.get("year")
        if isinstance(year, int) and not isinstance(year, bool):
            return year
        published = self.data.get("published")  # research guides: a date or a year
        if isinstance(published, int) and not isinstance(published, bool):
            return published
        if isinstance(published, str) and published[:4].isdigit():
            return int(published[:4])
        return None

    @cached_property
    def identity_keys(self) -> list[tuple[str, str]]:
        """What makes this entry the same resource as another (see identity.identity_keys)."""
        return identity_keys(self.data)

    def where(self, path: tuple) -> tuple[int, int]:
        """(line, column) of a field or item, re-reading the file if the positions were dropped."""
        if self.doc is None and self.source is not None:
            try:
                self.doc = load_bytes(self.source.read_bytes())
            except (LoadError, OSError):
                return 1, 1
        return self.doc.where(path) if self.doc else (1, 1)

    def as_json(self) -> dict:
        """The entry as JSON-ready data: id and type first, then the fields as written, except that a
        number JSON cannot hold (NaN, infinity: `kb validate` refuses them) becomes null."""
        return {"id": self.id, "type": self.type, "path": self.path.as_posix(),
                **{k: json_ready(v) for k, v in self.data.items() if k != "id"}}


def find_root(explicit: str | os.PathLike | None = None, start: Path | None = None) -> Path:
    """The KB root: `explicit`, else $KB_ROOT, else the nearest ancestor of `start` holding entries/."""
    named = explicit or os.environ.get(ROOT_ENV)
    if named:
        root = Path(named).expanduser().resolve()
        if not (root / ENTRIES_DIR).is_dir():
            raise RootNotFound(f"{root} has no {ENTRIES_DIR}/ folder")
        return root
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / ENTRIES_DIR).is_dir():
            return candidate
    raise RootNotFound(f"no {ENTRIES_DIR}/ folder in {here} or any parent; use --root DIR or set {ROOT_ENV}")


def entry_files(root: Path) -> list[Path]:
    """Every file under entries/<type>/ (any extension: the validator reports the wrong ones), sorted."""
    entries_dir = root / ENTRIES_DIR
    files = []
    with os.scandir(entries_dir) as top:
        for folder in sorted(top, key=lambda e: e.name):
            if folder.is_dir() and not folder.name.startswith(".") and not (
                    folder.is_symlink() and not Path(os.path.realpath(folder.path)).is_relative_to(root.resolve())):
                with os.scandir(folder.path) as inner:
                    files.extend(Path(f.path) for f in inner if f.is_file() and not f.name.startswith("."))
    return sorted(files)


def entry_type(path: Path) -> str | None:
    """The type named by the entry's folder, or None when the folder is not a type."""
    folder = os.path.basename(os.path.dirname(path))  # string operations: this runs for every file
    return folder if folder in TYPES else None


def is_entry_file(path: Path) -> bool:
    """A .yaml file in a type folder: what load_entries reads (the validator also reports the others)."""
    return path.suffix == ".yaml" and entry_type(path) is not None


def read_entry(path: Path, root: Path | None = None, positions: bool = True) -> Entry:
    """Load one entry file; raises LoadError (with its path and position) when it is not a YAML mapping.
    positions=False drops the node graph that knows where each value is (Entry.where re-reads the file
    when asked): loaders of a whole KB would otherwise hold every file's graph."""
    path = path if isinstance(path, Path) else Path(path)  # a Path made again costs, 10,000 times over
    shown = relative_path(path, root) if root else str(path)
    try:
        outside = link_outside(path, root) if root is not None else None
        if outside:
            raise LoadError("symlink-outside", outside, hint="put the file itself in the KB instead of a link to it")
        doc = load_bytes(path.read_bytes())
        if not isinstance(doc.value, dict):
            kind = "a list" if isinstance(doc.value, list) else "a single value"
            raise LoadError("not-a-mapping", f"an entry must be a mapping of fields, not {kind}",
                            *doc.where(()), hint="write one `field: value` per line")
    except LoadError as exc:
        exc.path = shown
        raise
    return Entry(Path(shown) if root else path, entry_type(path) or "", doc.value, doc if positions else None, path)


def link_outside(path: Path, root: Path) -> str | None:
    """Why kb does not read `path` when it is a symbolic link to a file outside the KB at `root` (a link
    to /etc/passwd is no entry), else None: links inside the KB are followed."""
    if os.path.islink(path) and not Path(path).resolve().is_relative_to(Path(root).resolve()):
        return f"a symbolic link to {Path(path).resolve()}, outside the KB: not read"
    return None


def relative_path(path: Path, root: Path) -> str:
    """`path` relative to `root` as a POSIX string if it lies inside, else absolute (string operations
    only: this runs once per file on every load)."""
    text, root = os.fspath(path), os.fspath(root)
    text = text if os.path.isabs(text) else os.path.abspath(text)
    prefix = os.path.join(root if os.path.isabs(root) else os.path.abspath(root), "")
    text = text[len(prefix):] if text.startswith(prefix) else text
    return text.replace(os.sep, "/")


def load_entries(root: Path) -> tuple[list[Entry], list[tuple[Path, LoadError]]]:
    """Every entry that loads as a mapping, and the files that do not (for the caller to report)."""
    entries, failures = [], []
    with bulk_load():
        for path in entry_files(root):
            if not is_entry_file(path):
                continue
            try:
                entries.append(read_entry(path, root, positions=False))
            except (LoadError, OSError) as exc:
                error = exc if isinstance(exc, LoadError) else LoadError("unreadable", str(exc))
                failures.append((Path(relative_path(path, root)), error))
    return entries, failures


@contextmanager
def bulk_load():
    """Pause the cyclic garbage collector while loading many entries: their data is acyclic, and with
    thousands held in memory the collector's repeated scans cost a third of the load time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def get_entry(root: Path, entry_id: str) -> Entry:
    """The entry with this id, whatever its type; raises EntryNotFound."""
    if not ID_PATTERN.match(entry_id):
        raise EntryNotFound(f"`{entry_id}` is not an entry id (lowercase letters, digits and hyphens)")
    for type_ in TYPES:
        path = root / ENTRIES_DIR / type_ / f"{entry_id}.yaml"
        if path.is_file():
            return read_entry(path, root)
    raise EntryNotFound(f"no entry with id `{entry_id}`")


def select(entries: list[Entry], type: str | None = None, domain: str | None = None,
           audience: str | None = None, format: str | None = None) -> list[Entry]:
    """Entries of a type, in a domain (or one of its sub-domains), for an audience and in a format;
    None matches all."""
    def keep(entry: Entry) -> bool:
        return ((type is None or entry.type == type)
                and (domain is None or any(domain_matches(d, domain) for d in entry.domains))
                and (audience is None or audience in entry.audience)
                and (format is None or format in entry.formats))
    return [e for e in entries if keep(e)]


def json_ready(value):
    """`value` with non-finite floats (which JSON cannot hold) as None, at any depth."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [json_ready(v) for v in value]
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    return value


def scalars(value) -> list[str]:
    """A list field's items that are plain values, as strings; [] for anything that is not a list."""
    if not isinstance(value, list):
        return []
    return [str(v) for v in value if isinstance(v, (str, int, float)) and not isinstance(v, bool)]


def list_entries(root: Path, type: str | None = None, domain: str | None = None,
                 audience: str | None = None, format: str | None = None) -> tuple[list[Entry], int]:
    """Entries matching the filters (see select), sorted by id, and how many files failed to load.
    An unknown domain or audience is a UsageError naming the closest known id."""
    if domain is not None or audience is not None:  # the filters need the vocabulary; a plain list does not
        require_taxonomy(root / ENTRIES_DIR).check_terms(domain=domain, audience=audience)
    entries, failures = load_entries(root)
    return sorted(select(entries, type, domain, audience, format), key=lambda e: e.id), len(failures)
