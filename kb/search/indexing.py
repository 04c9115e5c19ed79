"""Keeping the index in step with the YAML files: full builds, incremental updates, and the freshness
check every search makes first."""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb.model import ENTRIES_DIR, LoadError, bulk_load, read_entry, require_taxonomy

from .backend import IndexUnreadable, backend_class
from .documents import Vocabulary, document
from .store import TAXONOMY_KEY, IndexNotWritable, IndexState, IndexStore, content_hash, fingerprint, scan, settled


@dataclass
class IndexReport:
    """What a refresh did. `action`: "fresh" (nothing to do), "updated" or "built"."""

    action: str
    reason: str = ""
    added: int = 0
    changed: int = 0
    deleted: int = 0
    total: int = 0
    failures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        unread = f"; {len(self.failures)} files could not be read (run `kb validate`)" if self.failures else ""
        if self.action == "fresh":
            return f"search index up to date ({self.total} entries){unread}"
        if self.action == "built":
            return f"built the search index: {self.total} entries in {self.seconds:.1f} s ({self.reason}){unread}"
        return (f"updated the search index: {self.added} added, {self.changed} changed, {self.deleted} deleted, "
                f"{self.total} entries{unread}")


def schema_name() -> str:
    backend = backend_class()
    return f"{backend.__name__}-{backend.schema_version}"


def refresh(root: Path, store: IndexStore, rebuild: bool = False, wait: float = 10.0) -> IndexReport:
    """Bring the index up to date with the files under root (a full build when asked, when there is no
    readable index, or when its schema or the taxonomy changed; else only the files that changed)."""
    started = time.monotonic()
    with store.lock(wait):
        scanned_at = time.time_ns()
        stats = scan(root)
        state = store.read_state()
        reason = _rebuild_reason(store, state, rebuild)
        files = None if reason else store.read_files(state.generation)
        try:
            if files is None or _taxonomy_changed(root, files, stats):
                reason = reason or ("the taxonomy changed" if files is not None else "its file table is missing")
                report = _build(root, store, stats, scanned_at, reason, previous=state.generation if state else None)
            else:
                report = _update(root, store, state, files, stats, scanned_at)
        except OSError as exc:  # no space left, a read-only disk: the previous index stays as it was
            raise IndexNotWritable(store.not_writable(exc)) from exc
    report.seconds = time.monotonic() - started
    return report


def is_fresh(root: Path, state: IndexState | None) -> bool:
    """The cheap check: same schema, and the same size and mtime for every file as when last indexed."""
    return state is not None and state.schema == schema_name() and state.fingerprint == fingerprint(scan(root))


def _rebuild_reason(store: IndexStore, state: IndexState | None, rebuild: bool) -> str:
    if rebuild:
        return "asked to rebuild"
    if state is None:
        return "there was no index"
    if state.schema != schema_name():
        return f"the index schema changed ({state.schema} -> {schema_name()})"
    try:
        backend_class().open(store.folder(state.generation)).close()
    except IndexUnreadable as exc:
        return f"the index was unreadable: {exc}"
    return ""


def _taxonomy_changed(root: Path, files: dict, stats: dict) -> bool:
    recorded = files.get(TAXONOMY_KEY)
    if recorded is None or TAXONOMY_KEY not in stats:
        return recorded is not None or TAXONOMY_KEY in stats
    if tuple(recorded[:2]) == stats[TAXONOMY_KEY]:
        return False
    return recorded[2] != _hash_file(root / TAXONOMY_KEY)


def _build(root: Path, store: IndexStore, stats: dict, scanned_at: int, reason: str,
           previous: str | None) -> IndexReport:
    """Index everything into a new generation, then make it live with one atomic write of the state.
    Entries are read one at a time (read_entry, as load_entries does) and dropped once indexed: holding
    ten thousand parsed entries with their source positions would double the peak memory."""
    vocabulary = Vocabulary.from_taxonomy(require_taxonomy(root / ENTRIES_DIR))  # no search without the vocabulary
    files = {path: [*settled(stat, scanned_at), _hash_file(root / path)] for path, stat in stats.items()}
    failures: dict[str, str] = {}
    generation = store.new_generation()
    backend = backend_class().create(store.folder(generation))
    try:
        with bulk_load():
            docs = (_read_document(root, path, vocabulary, failures) for path in sorted(files) if path != TAXONOMY_KEY)
            backend.update((doc for doc in docs if doc), bulk=True)
    finally:
        backend.close()
    store.write_files(generation, files)
    store.write_state(IndexState(generation=generation, schema=schema_name(), fingerprint=fingerprint(_recorded(files)),
                                 vocabulary=vocabulary.as_json(), failures=failures))
    store.retire(previous, live=generation)
    total = len(files) - (TAXONOMY_KEY in files) - len(failures)
    return IndexReport("built", reason, added=total, total=total, failures=failures)


def _update(root: Path, store: IndexStore, state: IndexState, files: dict, stats: dict,
            scanned_at: int) -> IndexReport:
    """Re-index only the entry files whose content hash changed; drop the deleted ones."""
    vocabulary = Vocabulary.from_json(state.vocabulary)
    failures = dict(state.failures)
    gone = [path for path in files if path not in stats]
    docs, unreadable, added, changed = [], [], 0, 0
    for path, stat in stats.items():
        recorded = files.get(path)
        if recorded is not None and tuple(recorded[:2]) == stat:
            continue
        digest = _hash_file(root / path)
        if path != TAXONOMY_KEY and (recorded is None or recorded[2] != digest):
            added, changed = added + (recorded is None), changed + (recorded is not None)
            doc = _read_document(root, path, vocabulary, failures)
            if doc:
                docs.append(doc)
            else:  # an entry that no longer loads leaves the index: its old text must not stay searchable
                unreadable.append(path)
        files[path] = [*settled(stat, scanned_at), digest]
    for path in gone:
        del files[path]
        failures.pop(path, None)
    if docs or gone or unreadable:
        backend = backend_class().open(store.folder(state.generation))
        try:
            backend.update(docs, delete=gone + unreadable)
        finally:
            backend.close()
    store.write_files(state.generation, files)
    store.write_state(replace(state, fingerprint=fingerprint(_recorded(files)), failures=failures))
    total = len(files) - (TAXONOMY_KEY in files) - len(failures)
    action = "updated" if docs or gone or unreadable else "fresh"
    return IndexReport(action, added=added, changed=changed, deleted=len(gone), total=total, failures=failures)


def _read_document(root: Path, path: str, vocabulary: Vocabulary, failures: dict) -> dict | None:
    try:
        entry = read_entry(root / path, root)
    except (LoadError, OSError) as exc:
        failures[path] = exc.message if isinstance(exc, LoadError) else str(exc)
        return None
    failures.pop(path, None)
    return document(entry, vocabulary)


def _recorded(files: dict) -> dict:
    return {path: (row[0], row[1]) for path, row in files.items()}


def _hash_file(path: Path) -> str:
    try:
        return content_hash(path.read_bytes())
    except OSError:
        return ""
