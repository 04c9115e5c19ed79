"""The index folder on disk: where it is, which generation is live, the file table, and the writers' lock.

Layout of the folder (default `<root>/.kb/index`):

    lock             writers hold an exclusive POSIX lock on it (released by the OS if the writer dies;
                     never inherited by processes the writer forks)
    state.json       the live generation, its schema, the fingerprint of the files it was built from,
                     the taxonomy's titles and the files that could not be read; replaced atomically
    g-<hex>/         one generation: the backend's files and files.json (path -> size, mtime, hash)

A full build writes a new generation beside the live one and then replaces state.json: a run killed
before that leaves the previous generation live. The replaced generation is deleted only a while
later (RETIRED_FOR_S), by a later build. An incremental update commits inside the live generation (the backend's
commit is atomic), then rewrites files.json and state.json.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import ENTRIES_DIR, TAXONOMY_FILE, TYPES, KbError, atomic_write

INDEX_ENV = "KB_INDEX_DIR"
DEFAULT_LOCATION = Path(".kb") / "index"
STATE_FILE = "state.json"
FILES_FILE = "files.json"
LOCK_FILE = "lock"
TAXONOMY_KEY = f"{ENTRIES_DIR}/{TAXONOMY_FILE}"
# A file modified this recently may change again within the file system's timestamp granularity without
# its size or mtime changing; it is recorded as unknown, so the next look hashes it again.
RACY_NS = 2_000_000_000
RETIRED_FOR_S = 60  # how long a replaced generation stays on disk for readers still using it


class IndexBusy(KbError):
    """Another process holds the writers' lock for longer than we were willing to wait."""


class IndexNotWritable(KbError):
    """The index folder cannot be created or written (a file in the way, no space, no permission)."""


def index_location(root: Path, explicit: str | os.PathLike | None = None) -> Path:
    """The index folder: `explicit`, else $KB_INDEX_DIR, else <root>/.kb/index."""
    named = explicit or os.environ.get(INDEX_ENV)
    return Path(named).expanduser().resolve() if named else root / DEFAULT_LOCATION


Stat = tuple[int, int]  # (size, mtime_ns); (-1, -1) when unknown


def scan(root: Path) -> dict[str, Stat]:
    """Size and mtime of every file the index depends on: entries/<type>/*.yaml and the taxonomy."""
    stats: dict[str, Stat] = {}
    for type_ in TYPES:  # this loop is most of a search's start-up on a large KB: kept lean
        prefix = f"{ENTRIES_DIR}/{type_}/"
        try:
            with os.scandir(root / ENTRIES_DIR / type_) as folder:
                for item in folder:
                    name = item.name
                    if name.endswith(".yaml") and name[0] != "." and item.is_file():
                        st = item.stat()
                        stats[prefix + name] = (st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            continue
    try:
        st = os.stat(root / ENTRIES_DIR / TAXONOMY_FILE)
        stats[TAXONOMY_KEY] = (st.st_size, st.st_mtime_ns)
    except FileNotFoundError:
        pass
    return stats


def settled(stat: Stat, scanned_at_ns: int) -> Stat:
    """The stat to record for a file read after `scanned_at_ns`: unknown (never equal to a real stat, so
    the next search looks again) when the file changed too recently to trust its mtime."""
    return (-1, -1) if stat[1] >= scanned_at_ns - RACY_NS else stat


def fingerprint(stats: dict[str, Stat]) -> str:
    """One digest of all the stats: comparing it is the whole staleness check of a search. The numbers
    go in through hash() of a tuple of int tuples, computed in C and, unlike hashes of strings, the same
    in every process of a Python version (another version at worst causes one needless refresh)."""
    paths = sorted(stats)
    numbers = hash(tuple([stats[path] for path in paths]))
    data = "\n".join(paths).encode() + numbers.to_bytes(8, "little", signed=True)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class IndexState:
    """The small record that says which generation is live and what it was built from."""

    generation: str
    schema: str
    fingerprint: str
    vocabulary: dict  # documents.Vocabulary.as_json()
    failures: dict[str, str] = field(default_factory=dict)  # path -> why it could not be read

    def as_json(self) -> dict:
        return {"generation": self.generation, "schema": self.schema, "fingerprint": self.fingerprint,
                "vocabulary": self.vocabulary, "failures": self.failures}


class IndexStore:
    def __init__(self, location: Path):
        self.location = Path(location)

    def read_state(self) -> IndexState | None:
        """The live state, or None when there is none or it cannot be read (the index is then rebuilt)."""
        try:
            data = json.loads((self.location / STATE_FILE).read_text(encoding="utf-8"))
            return IndexState(generation=str(data["generation"]), schema=str(data["schema"]),
                              fingerprint=str(data["fingerprint"]), vocabulary=dict(data["vocabulary"]),
                              failures=dict(data.get("failures", {})))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def write_state(self, state: IndexState) -> None:
        atomic_write(self.location / STATE_FILE, json.dumps(state.as_json(), ensure_ascii=False))

    def folder(self, generation: str) -> Path:
        return self.location / generation

    def new_generation(self) -> str:
        return f"g-{uuid.uuid4().hex[:12]}"

    def read_files(self, generation: str) -> dict[str, list] | None:
        """path -> [size, mtime_ns, hash] of the files the generation was built from, or None."""
        try:
            data = json.loads((self.folder(generation) / FILES_FILE).read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else None
        except (OSError, ValueError):
            return None

    def write_files(self, generation: str, files: dict[str, list]) -> None:
        atomic_write(self.folder(generation) / FILES_FILE, json.dumps(files, separators=(",", ":")))

    def retire(self, previous: str | None, live: str) -> None:
        """After `live` replaced `previous`: delete the generations retired more than RETIRED_FOR_S ago
        (and debris of killed builds as old), keep the others. A reader that opened `previous` just
        before the switch may still open some of its files (Whoosh opens columns lazily): it has that
        long to finish. Only called under the lock."""
        if previous and previous != live and self.folder(previous).is_dir():
            os.utime(self.folder(previous))  # its mtime now says when it was retired
        cutoff = time.time() - RETIRED_FOR_S
        for item in self.location.glob("g-*"):
            if item.name not in (live, previous) and item.is_dir() and item.stat().st_mtime < cutoff:
                shutil.rmtree(item, ignore_errors=True)

    @contextmanager
    def lock(self, wait: float):
        """Hold the writers' lock, waiting up to `wait` seconds for another writer; raises IndexBusy."""
        try:
            self.location.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.location / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise IndexNotWritable(self.not_writable(exc)) from exc
        try:
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(self._busy_message(fd, wait)) from None
                    time.sleep(0.05)
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def not_writable(self, exc: OSError) -> str:
        return (f"cannot write the search index in {self.location}: {exc.strerror or exc}; "
                "use --index-dir or KB_INDEX_DIR to put it elsewhere")

    def _busy_message(self, fd: int, wait: float) -> str:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        who = f"process {holder}" if holder.isdigit() else "another process"
        return (f"the search index in {self.location} is being updated by {who}; gave up after waiting "
                f"{wait:g} s. Try again when it has finished (or pass a longer --wait).")
