"""`kb site serve`, with each engine: the site, search index included, is served on 127.0.0.1 and rebuilt
when an entry changes or is added."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_site_generate import add_guide

from kb.site.serve import snapshot

from test_site import BUILD_ENV, REPO, site_root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, text: str, seconds: float = 60) -> str:
    """The page at `url` once it contains `text`; fails after `seconds`."""
    deadline, body = time.monotonic() + seconds, ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                body = response.read().decode("utf-8")
            if text in body:
                return body
        except OSError:
            pass
        time.sleep(0.5)
    pytest.fail(f"{url} did not show {text!r} within {seconds} s")


def start_serving(tmp_path: Path, engine: str, stderr=subprocess.DEVNULL) -> tuple[Path, str, subprocess.Popen]:
    """`kb site serve` of a KB with one guide: its root, its address and the process (in a group of its
    own, so that the engine's server is signalled with it)."""
    root = site_root(tmp_path / "kb", REPO / "entries")
    for path in (root / "entries").glob("*/*.yaml"):
        path.unlink()
    add_guide(root, "first-guide")
    port = free_port()
    kb = Path(sys.executable).parent / "kb"
    server = subprocess.Popen([str(kb), "--root", str(root), "site", "serve", "--address", f"127.0.0.1:{port}",
                               "--engine", engine], env=BUILD_ENV, stdout=subprocess.DEVNULL, stderr=stderr,
                              start_new_session=True)
    return root, f"http://127.0.0.1:{port}", server


@pytest.fixture(params=["mkdocs", "zensical"])
def served(request, tmp_path):
    root, base, server = start_serving(tmp_path, request.param)
    yield root, base
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=10)


def test_serve_rebuilds_pages_and_search_when_entries_change(served):
    root, base = served
    wait_for(f"{base}/entries/first-guide/", "A guide")
    wait_for(f"{base}/pagefind/pagefind-entry.json", '"page_count":1')  # search is served too
    path = root / "entries" / "research-guide" / "first-guide.yaml"
    path.write_text(path.read_text().replace("title: A guide", "title: A renamed guide"))
    wait_for(f"{base}/entries/first-guide/", "A renamed guide")
    add_guide(root, "second-guide")
    wait_for(f"{base}/domains/research-skills/writing/", 'data-entry="second-guide"')
    wait_for(f"{base}/pagefind/pagefind-entry.json", '"page_count":2')


def test_ctrl_c_stops_the_server_and_ends_like_every_command(tmp_path):
    """Ctrl-C in a terminal signals the whole process group, kb and the engine's server alike."""
    _, base, server = start_serving(tmp_path, "mkdocs", stderr=subprocess.PIPE)
    try:
        wait_for(f"{base}/entries/first-guide/", "A guide")
        os.killpg(server.pid, signal.SIGINT)
        _, err = server.communicate(timeout=60)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
    assert server.returncode == 130 and b"kb: interrupted" in err, err[-500:]
    with pytest.raises(OSError):  # and the engine's server is gone too
        urllib.request.urlopen(f"{base}/", timeout=5)


def test_snapshot_sees_changes_additions_and_removals(tmp_path):
    (tmp_path / "a").write_text("1")
    before = snapshot([tmp_path, tmp_path / "missing"])
    assert snapshot([tmp_path]) == before
    (tmp_path / "a").write_text("12")
    changed = snapshot([tmp_path])
    assert changed != before
    (tmp_path / "b").write_text("new")
    assert len(snapshot([tmp_path])) == 2
    (tmp_path / "a").unlink()
    assert list(snapshot([tmp_path])) == [str(tmp_path / "b")]


def test_the_served_folder_is_mkdocs_yml_site_dir():
    import yaml

    from kb.site.build import SITE_DIR

    assert yaml.safe_load((REPO / "mkdocs.yml").read_text())["site_dir"] == SITE_DIR
