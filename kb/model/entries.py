"""Entries on disk: where the KB is, which files are entries, and reading them.

An entry is `entries/<type>/<id>.yaml`; the folder gives the type (see TYPES), the file stem the id.
The KB root is the nearest ancestor of the working directory holding `entries/`, unless named by
`--root` or the KB_ROOT environment variable.
"""
from __future__ import annotations

import difflib
import gc
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .identity import identity_keys
from .taxonomy import domain_matches, load_taxonomy
from .yamlfile import Document, LoadError, load_bytes

TYPES = ("lecture-series", "research-guide", "paper")
ENTRIES_DIR = "entries"
ROOT_ENV = "KB_ROOT"
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # mirrors $defs/entry-id in the schema


class KbError(Exception):
    """Base of the errors the library raises for the CLI to report (never a traceback)."""


class UsageError(KbError):
    """The user asked for something that cannot be (a missing path, an unknown option value): exit 2."""


class RootNotFound(UsageError):
    pass


class EntryNotFound(KbError):
    pass


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

    @property
    def people(self) -> list[str]:
        """Lecturers or authors, whichever the type has."""
        people = self.data.get("lecturers") or self.data.get("authors") or []
        return [str(p) for p in people] if isinstance(people, list) else []

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
        """The entry as JSON-ready data: id and type first, then the fields as written."""
        return {"id": self.id, "type": self.type, "path": self.path.as_posix(),
                **{k: v for k, v in self.data.items() if k != "id"}}


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
            if folder.is_dir() and not folder.name.startswith("."):
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
    """Load one entry file; raises LoadError (with position) when it is not a YAML mapping.
    positions=False drops the node graph that knows where each value is (Entry.where re-reads the file
    when asked): loaders of a whole KB would otherwise hold every file's graph."""
    doc = load_bytes(Path(path).read_bytes())
    if not isinstance(doc.value, dict):
        kind = "a list" if isinstance(doc.value, list) else "a single value"
        raise LoadError("not-a-mapping", f"an entry must be a mapping of fields, not {kind}",
                        *doc.where(()), hint="write one `field: value` per line")
    path = Path(path)
    return Entry(Path(relative_path(path, root)) if root else path, entry_type(path) or "", doc.value,
                 doc if positions else None, path)


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
           audience: str | None = None) -> list[Entry]:
    """Entries of a type, in a domain (or one of its sub-domains) and for an audience; None matches all."""
    def keep(entry: Entry) -> bool:
        domains, audiences = entry.data.get("domains"), entry.data.get("audience")
        return ((type is None or entry.type == type)
                and (domain is None or any(domain_matches(str(d), domain) for d in _as_list(domains)))
                and (audience is None or audience in _as_list(audiences)))
    return [e for e in entries if keep(e)]


def _as_list(value) -> list:
    return value if isinstance(value, list) else []


def list_entries(root: Path, type: str | None = None, domain: str | None = None,
                 audience: str | None = None) -> tuple[list[Entry], int]:
    """Entries matching the filters (see select), sorted by id, and how many files failed to load.
    An unknown domain or audience is a UsageError naming the closest known id."""
    taxonomy, _ = load_taxonomy(root / ENTRIES_DIR)
    for value, vocabulary, kind in ((domain, taxonomy.domains, "domain"), (audience, taxonomy.audiences, "audience")):
        if value is not None and value.rstrip("/") not in vocabulary:
            close = difflib.get_close_matches(value, list(vocabulary), n=1)
            raise UsageError(f"unknown {kind} `{value}`" + (f"; did you mean `{close[0]}`?" if close else ""))
    entries, failures = load_entries(root)
    return sorted(select(entries, type, domain, audience), key=lambda e: e.id), len(failures)
