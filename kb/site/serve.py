"""`kb site serve`: generate the pages (search index included), run `mkdocs serve` or `zensical serve` on
them (which rebuild and reload the browser when a generated file changes), and regenerate whenever an
entry, the taxonomy, a hand-written page or the link status changes: the engines watch only their own
docs folder, not entries/."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from kb.links import STATUS_FILE
from kb.model import ENTRIES_DIR

from . import HAND_WRITTEN, SEARCH_FOLDER, generate

POLL_SECONDS = 1.0  # polling costs one stat per file: ~50 ms a round for 10,000 entries, no extra dependency


def snapshot(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """path -> (mtime in ns, size) of every file under the given files or folders that exist."""
    seen = {}
    for path in paths:
        if path.is_file():
            stat = path.stat()
            seen[str(path)] = (stat.st_mtime_ns, stat.st_size)
        for folder, _, files in os.walk(path):
            for name in files:
                try:
                    stat = os.stat(os.path.join(folder, name))
                except OSError:  # deleted between listing and stat: the next round sees it gone
                    continue
                seen[os.path.join(folder, name)] = (stat.st_mtime_ns, stat.st_size)
    return seen


def regenerate(root: Path, edit_url: str | None, engine: str):
    """Generate again; with Zensical, also copy the new search index into the folder it serves: its
    `serve` drops changes of static files made during one of its rebuilds, so a new index could stay
    unserved until the next change."""
    from .build import SITE_DIR
    from .search import sync_bundle

    report = generate(root, edit_url=edit_url)
    served = Path(root) / SITE_DIR / SEARCH_FOLDER
    if engine == "zensical" and served.is_dir():
        sync_bundle(report.output / SEARCH_FOLDER, served, copy=True)
    return report


def watch_and_serve(root: Path, address: str, edit_url: str | None = None, echo=print, engine: str = "mkdocs") -> int:
    """Serve the site on `address` (host:port) until interrupted; returns the engine's exit code."""
    from .build import engine_command, engine_env

    argv = engine_command(engine, "serve", root) + ["-a", address]
    report = generate(root, edit_url=edit_url)
    echo(f"generated {report.written.pages} pages in {report.output}")
    watched = [root / ENTRIES_DIR, root / HAND_WRITTEN, root / STATUS_FILE]
    before = snapshot(watched)
    server = subprocess.Popen(argv, env=engine_env())
    try:
        while server.poll() is None:
            time.sleep(POLL_SECONDS)
            now = snapshot(watched)
            if now != before:
                before = now
                report = regenerate(root, edit_url, engine)
                echo(f"entries changed: rewrote {report.written.written} pages, removed {report.written.removed}"
                     + (f"; {len(report.skipped)} files skipped (run kb validate)" if report.skipped else ""))
    finally:  # Ctrl-C goes on to the CLI after the server is stopped: "kb: interrupted", exit 130
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=10)
    return server.returncode
