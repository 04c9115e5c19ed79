"""The index as a disposable cache of the YAML files: incremental updates, rebuilds, damage, the
writers' lock, a killed writer, and searches while another process indexes."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from kb.search import IndexBusy, search, update_index
from kb.search.store import IndexStore, fingerprint
from kb.search.whoosh_backend import BULK_PROCS

from conftest import write_entry

KB = [sys.executable, "-c", "from kb.cli import main; main()"]

ENTRY = """\
    id: {id}
    title: "{title}"
    url: https://example.org/{id}
    domains: [physics/statistical-mechanics]
    audience: [undergraduate]
    lecturers: [Ada Example]
    year: 2020
    why: A careful course that derives everything from first principles, with many worked examples.
    for_whom: Undergraduates with some calculus.
    added: 2026-01-01
"""


def ids(result) -> list[str]:
    return [hit.document["id"] for hit in result.page.hits]


def index_of(root: Path) -> IndexStore:
    return IndexStore(root / ".kb" / "index")


def test_fingerprint_sees_every_change_and_is_the_same_in_another_process():
    stats = {f"entries/paper/p{i}.yaml": (100 + i, 10**18 + i) for i in range(50)}
    digest = fingerprint(stats)
    renamed = {(k.replace("p7.", "q7.") if "p7." in k else k): v for k, v in stats.items()}
    variants = [{**stats, "entries/paper/p3.yaml": (104, 10**18 + 3)}, {**stats, "entries/paper/p3.yaml": (103, 1)},
                renamed, {k: v for k, v in stats.items() if "p9." not in k},
                {**stats, "entries/paper/new.yaml": (1, 1)}]
    assert len({digest, *map(fingerprint, variants)}) == 1 + len(variants)
    code = ("from kb.search.store import fingerprint; "
            "print(fingerprint({f'entries/paper/p{i}.yaml': (100 + i, 10**18 + i) for i in range(50)}))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.stdout.strip() == digest


def test_one_changed_entry_is_all_that_is_reindexed(kb_copy):
    assert update_index(kb_copy).action == "built"
    path = kb_copy / "entries" / "lecture-series" / "statistical-mechanics-susskind.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('title: "Statistical Mechanics (Spring 2013)"', 'title: "Quokka Thermodynamics"'),
                    encoding="utf-8")
    report = update_index(kb_copy)
    assert (report.action, report.added, report.changed, report.deleted) == ("updated", 0, 1, 0)
    assert ids(search(kb_copy, "quokka")) == ["statistical-mechanics-susskind"]
    assert "statistical-mechanics-susskind" not in ids(search(kb_copy, 'title:"statistical mechanics"'))


def test_search_refreshes_by_itself_added_and_deleted_entries(kb_copy, cli):
    cli(kb_copy, "index")
    path = write_entry(kb_copy, "lecture-series", "wombat-lectures", ENTRY.format(id="wombat-lectures",
                                                                                 title="Wombat Lectures"))
    found = cli(kb_copy, "search", "wombat")
    assert "updated the search index: 1 added" in found.stderr and "id: wombat-lectures" in found.stdout
    path.unlink()
    gone = cli(kb_copy, "search", "wombat", "--json")
    assert "1 deleted" in gone.stderr and json.loads(gone.stdout)["total"] == 0
    assert cli(kb_copy, "search", "wombat").stderr == ""  # nothing changed since: no refresh, no notice


def test_touched_but_unchanged_file_is_not_reindexed(kb_copy):
    update_index(kb_copy)
    path = kb_copy / "entries" / "paper" / "pythia-suite-for-analyzing-llms.yaml"
    os.utime(path, ns=(time.time_ns() - 10**10, time.time_ns() - 10**10))
    report = update_index(kb_copy)
    assert (report.action, report.changed) == ("fresh", 0)


def test_same_size_same_mtime_change_right_after_indexing_is_seen(kb_copy):
    """A file changed within the file system's timestamp granularity keeps size and mtime: it was
    recorded as 'unknown', so the next search hashes it again."""
    path = write_entry(kb_copy, "lecture-series", "echo-lectures", ENTRY.format(id="echo-lectures",
                                                                               title="Alpha Lectures"))
    update_index(kb_copy)
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Alpha", "Gamma"), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert ids(search(kb_copy, "gamma")) == ["echo-lectures"]


def test_unreadable_entries_are_left_out_with_a_warning(kb_copy, cli):
    cli(kb_copy, "index")
    broken = kb_copy / "entries" / "paper" / "pythia-suite-for-analyzing-llms.yaml"
    broken.write_text("title: [unclosed\n", encoding="utf-8")
    result = cli(kb_copy, "search", "pythia", "--json")
    assert result.exit_code == 0
    assert "1 entry files could not be read and are not searchable (run `kb validate`)" in result.stderr
    assert json.loads(result.stdout)["total"] == 0  # its old text is no longer searchable
    assert json.loads(cli(kb_copy, "search", "susskind", "--json").stdout)["total"] >= 4
    rebuilt = update_index(kb_copy, rebuild=True)
    assert list(rebuilt.failures) == ["entries/paper/pythia-suite-for-analyzing-llms.yaml"]


def test_entries_with_validation_problems_are_still_searchable(empty_kb):
    write_entry(empty_kb, "paper", "odd-paper", """\
        id: odd-paper
        title: Numbat Navigation
        year: not a year
        tags: banana
        domains: physics
    """)
    result = search(empty_kb, "numbat")
    assert ids(result) == ["odd-paper"] and result.page.hits[0].document["year"] is None


def test_accents_are_folded(empty_kb):
    write_entry(empty_kb, "research-guide", "goedel-guide", ENTRY.format(id="goedel-guide", title="Gödel for Everyone")
                .replace("lecturers:", "authors:"))
    assert ids(search(empty_kb, "godel")) == ids(search(empty_kb, "gödel")) == ["goedel-guide"]


def test_taxonomy_change_rebuilds_with_new_domain_titles(kb_copy):
    update_index(kb_copy)
    taxonomy = kb_copy / "entries" / "taxonomy.yaml"
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8").replace(
        "title: Graph neural networks", "title: Axolotl graph learning"), encoding="utf-8")
    result = search(kb_copy, "axolotl")
    assert ids(result) == ["cs224w-machine-learning-with-graphs-2021"]
    assert any("the taxonomy changed" in notice for notice in result.notices)


def test_other_schema_version_is_rebuilt_with_a_notice(kb_copy, cli):
    cli(kb_copy, "index")
    state_file = kb_copy / ".kb" / "index" / "state.json"
    state = json.loads(state_file.read_text())
    state_file.write_text(json.dumps({**state, "schema": "WhooshBackend-0"}))
    result = cli(kb_copy, "search", "hamming")
    assert "the index schema changed (WhooshBackend-0 -> WhooshBackend-" in result.stderr
    assert "id: you-and-your-research-hamming" in result.stdout


@pytest.mark.parametrize("damage", ["segments", "state", "folder", "generation"])
def test_damaged_or_missing_index_is_rebuilt_with_a_notice(kb_copy, cli, damage):
    cli(kb_copy, "index")
    store = index_of(kb_copy)
    folder = store.folder(store.read_state().generation)
    if damage == "segments":
        for item in folder.iterdir():
            if item.name != "files.json":
                item.write_bytes(b"\x00garbage" * 100)
    elif damage == "state":
        (store.location / "state.json").write_text("{not json")
    elif damage == "folder":
        shutil.rmtree(store.location)
    else:
        shutil.rmtree(folder)
    result = cli(kb_copy, "search", "hamming")
    assert result.exit_code == 0, result.output
    assert re.search(r"kb: built the search index: \d+ entries", result.stderr)
    assert "id: you-and-your-research-hamming" in result.stdout
    assert "Traceback" not in result.output


@contextmanager
def writer_elsewhere(root: Path):
    """Another process holding the writers' lock (POSIX locks are per process) until the block ends."""
    code = (f"import sys, time; from kb.search.store import IndexStore, fingerprint\n"
            f"with IndexStore({str(root / '.kb' / 'index')!r}).lock(wait=0):\n"
            "    print('locked', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_second_writer_waits_then_fails_clearly(kb_copy, cli):
    update_index(kb_copy)
    with writer_elsewhere(kb_copy) as pid:
        started = time.monotonic()
        result = cli(kb_copy, "index", "--wait", "0.3")
        assert time.monotonic() - started >= 0.3
        assert result.exit_code == 1
        assert f"is being updated by process {pid}; gave up after waiting 0.3 s" in result.stderr
        with pytest.raises(IndexBusy):
            update_index(kb_copy, wait=0)
    assert update_index(kb_copy, wait=0).action == "fresh"  # released


def test_search_while_a_writer_holds_the_lock_uses_the_last_index(kb_copy, cli):
    update_index(kb_copy)
    write_entry(kb_copy, "lecture-series", "wombat-lectures", ENTRY.format(id="wombat-lectures",
                                                                          title="Wombat Lectures"))
    with writer_elsewhere(kb_copy):
        result = cli(kb_copy, "search", "susskind", "--wait", "0.2")
    assert result.exit_code == 0
    assert "another process is updating the search index" in result.stderr
    assert "id: statistical-mechanics-susskind" in result.stdout


def test_replaced_generations_are_deleted_a_while_after(kb_copy):
    store = index_of(kb_copy)
    first = update_index(kb_copy) and store.read_state().generation
    update_index(kb_copy, rebuild=True)
    second = store.read_state().generation
    assert store.folder(first).is_dir()  # a reader that opened it just before may still need it
    long_ago = time.time() - 3600
    os.utime(store.folder(first), (long_ago, long_ago))
    update_index(kb_copy, rebuild=True)
    assert not store.folder(first).exists() and store.folder(second).is_dir()


def many_entries(root: Path, n: int) -> None:
    for i in range(n):
        write_entry(root, "lecture-series", f"bulk-course-{i}", ENTRY.format(
            id=f"bulk-course-{i}", title=f"Bulk Course {i} on Entropy and Ensembles"))


def test_killed_or_interrupted_full_build_leaves_the_previous_index_usable(empty_kb):
    many_entries(empty_kb, 1500)
    assert update_index(empty_kb).action == "built"
    store = index_of(empty_kb)
    live = store.read_state().generation

    killed = rebuild_until_writing(empty_kb)
    os.kill(killed.pid, signal.SIGKILL)  # the writer alone, as the OOM killer would
    killed.wait()
    assert store.read_state().generation == live
    result = search(empty_kb, "bulk course 1234")
    assert result.notices == [] and ids(result)[0] == "bulk-course-1234"
    deadline = time.monotonic() + 10
    while session_members(killed.pid):  # the writer's helper processes die with it, not linger
        assert time.monotonic() < deadline, f"orphaned writer processes: {session_members(killed.pid)}"
        time.sleep(0.05)

    interrupted = rebuild_until_writing(empty_kb)
    os.killpg(interrupted.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group
    _, stderr = interrupted.communicate(timeout=60)
    assert interrupted.returncode == 130 and stderr.strip() == "kb: interrupted"  # no helper's traceback
    assert store.read_state().generation == live and ids(search(empty_kb, "bulk course 77"))[0] == "bulk-course-77"
    report = update_index(empty_kb, rebuild=True, wait=0)  # and nothing holds the lock
    assert report.action == "built" and report.total == 1500


def test_a_build_whose_helper_process_failed_is_not_made_live(empty_kb):
    """Whoosh commits a bulk build without the segment of a helper process that died. Make one die (an
    out-of-range year let through to Whoosh) and check the half-built index is not used."""
    many_entries(empty_kb, 300)
    write_entry(empty_kb, "lecture-series", "far-future", ENTRY.format(id="far-future", title="Far Future")
                .replace("year: 2020", "year: 40000"))
    code = ("import sys; from pathlib import Path; import kb.search.whoosh_backend as backend; "
            "from kb.search import update_index; backend.YEAR_MAX = 10**9; "
            f"update_index(Path({str(empty_kb)!r}))")
    failed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert failed.returncode == 1 and "a process building the search index failed" in failed.stderr
    assert index_of(empty_kb).read_state() is None  # nothing was made live
    result = search(empty_kb, "bulk course 299")  # and the next search builds the whole index
    assert "built the search index: 301 entries" in result.notices[0] and ids(result)[0] == "bulk-course-299"
    assert ids(search(empty_kb, "far future")) == ["far-future"]


def rebuild_until_writing(root: Path) -> subprocess.Popen:
    """`kb index --rebuild` in its own session, returned as soon as it is writing its new generation
    with its helper processes (they start after the first 100 entries: most of the build is ahead)."""
    store = index_of(root)
    before = {g.name for g in store.location.glob("g-*")}
    proc = subprocess.Popen([*KB, "--root", str(root), "index", "--rebuild"], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ([g for g in store.location.glob("g-*") if g.name not in before and any(g.iterdir())]
               and len(session_members(proc.pid)) > BULK_PROCS):
        assert time.monotonic() < deadline and proc.poll() is None, "the rebuild never started writing"
        time.sleep(0.01)
    return proc


def session_members(session: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def test_searches_during_rebuilds_always_answer(kb_copy):
    update_index(kb_copy)
    env = {**os.environ, "KB_ROOT": str(kb_copy)}
    writer = subprocess.Popen([sys.executable, "-c", (
        "from pathlib import Path; from kb.search import update_index\n"
        f"for _ in range(8): update_index(Path({str(kb_copy)!r}), rebuild=True, wait=30)")], env=env)
    answers = []
    try:
        while writer.poll() is None or len(answers) < 3:
            done = subprocess.run([*KB, "search", "susskind", "--json", "--wait", "30"], env=env,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            answers.append(json.loads(done.stdout))
    finally:
        writer.wait(timeout=120)
    assert writer.returncode == 0
    assert all(a["total"] >= 4 and a["results"][0]["people"] == ["Leonard Susskind"] for a in answers)
