"""Shared pieces of the link checker tests: a real HTTP server on a loopback address (standard library,
in a thread) whose answers each test scripts, which records every request it receives and the most
requests it had in flight at once; and a quick way to check a KB against it."""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kb.links import LinkConfig, check_links

from conftest import write_entry

FAST = LinkConfig(allow_networks=("127.0.0.1/32",), timeout=1.0, deadline=4.0, backoff=0.01, retries=2,
                  max_retry_after=2.0, cache=".kb/links-cache.json")


def reply(status: int = 200, headers: dict | None = None, body: bytes = b"ok", delay: float = 0.0):
    """An answer: status, headers and body, after `delay` seconds."""
    def answer(handler):
        time.sleep(delay)
        return status, headers or {}, body
    return answer


def sequence(*answers):
    """Each request gets the next answer; the last one repeats."""
    remaining = list(answers)
    lock = threading.Lock()

    def answer(handler):
        with lock:
            current = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        return current(handler)
    return answer


def by_method(**answers):
    """HEAD=..., GET=...: a different answer per method."""
    return lambda handler: answers[handler.command](handler)


def drop(handler):
    """Close the connection without an answer."""
    handler.close_connection = True
    return None


def endless(handler):
    """200 with a body that never ends (None tells the handler the answer is already written)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.end_headers()
    chunk = b"x" * 65536
    try:
        while True:
            handler.wfile.write(chunk)
            handler.server.owner.bytes_sent += len(chunk)
    except OSError:
        pass
    handler.close_connection = True
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.owner.handle(self)

    do_HEAD = do_POST = do_GET


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict = {}
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, headers)
        self.arrivals: list[tuple[str, float]] = []  # (path, time.monotonic()) in arrival order
        self.in_flight = self.peak = self.bytes_sent = 0
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self
        self.host, self.port = host, self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, answer) -> str:
        self.routes[path] = answer
        return self.url(path)

    def count(self, path: str | None = None, method: str | None = None) -> int:
        return sum(1 for m, p, _ in self.requests
                   if (path is None or p.split("?")[0] == path) and (method is None or m == method))

    def handle(self, handler) -> None:
        with self.lock:
            self.requests.append((handler.command, handler.path, dict(handler.headers)))
            self.arrivals.append((handler.path, time.monotonic()))
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            answer = self.answer_for(handler.path)(handler)
        finally:
            with self.lock:
                self.in_flight -= 1
        if answer is None:
            return
        status, headers, body = answer
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def answer_for(self, path: str):
        """The route for the path (without query), or the longest `prefix*` route that matches."""
        path = path.split("?")[0]
        if path in self.routes:
            return self.routes[path]
        prefixes = [p for p in self.routes if p.endswith("*") and path.startswith(p[:-1])]
        return self.routes[max(prefixes, key=len)] if prefixes else reply(404, body=b"not found")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    local = LocalServer()
    yield local
    local.close()


@pytest.fixture
def other_server():
    """A server on 127.0.0.2: outside the range the tests allow, so nothing may ever reach it."""
    local = LocalServer("127.0.0.2")
    yield local
    local.close()


def refused_url() -> str:
    """A loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing"


def kb_with_urls(root: Path, *urls: str, entry: str = "example-paper") -> Path:
    """An (otherwise minimal) entry using each URL, under root/entries/paper/."""
    first, *rest = urls
    links = "".join(f"  - label: link {i}\n    url: {u}\n" for i, u in enumerate(rest))
    text = f"title: Example\nurl: {first}\n" + (f"links:\n{links}" if rest else "")
    return write_entry(root, "paper", entry, text)


def check(root: Path, config: LinkConfig = FAST, **kwargs):
    return check_links(root, config, **kwargs)


def only(report, url: str | None = None):
    """The one result of a report (or the one for `url`)."""
    found = [r for r in report.results if url is None or r.url == url]
    assert len(found) == 1, [r.url for r in report.results]
    return found[0]


def configured(**changes) -> LinkConfig:
    return replace(FAST, **changes)
