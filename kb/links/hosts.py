"""Politeness: at most N requests in flight per host, Retry-After pauses per host, and a scheduler
that hands a worker the next URL whose host has room, round-robin across hosts, so that the global
worker pool never idles behind one busy host."""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from contextlib import contextmanager


class HostLimiter:
    """Counts requests in flight per host; `slot(host)` waits for room and for any Retry-After pause."""

    def __init__(self, limit_of):
        self.limit_of = limit_of  # host -> its in-flight limit
        self.cond = threading.Condition()
        self.active: dict[str, int] = {}
        self.not_before: dict[str, float] = {}
        self.peak: dict[str, int] = {}  # the most requests seen in flight per host (for tests and benchmarks)
        self.closed: dict[str, str] = {}  # host -> why no more requests go to it in this run

    def has_room(self, host: str) -> bool:
        return (self.active.get(host, 0) < self.limit_of(host)
                and self.not_before.get(host, 0.0) <= time.monotonic())

    @contextmanager
    def slot(self, host: str):
        with self.cond:
            while not self.has_room(host):
                self.cond.wait(max(self.not_before.get(host, 0.0) - time.monotonic(), 0.01))
            self._take(host)
        try:
            yield
        finally:
            self.release(host)

    def _take(self, host: str) -> None:
        self.active[host] = self.active.get(host, 0) + 1
        self.peak[host] = max(self.peak.get(host, 0), self.active[host])

    def release(self, host: str) -> None:
        with self.cond:
            self.active[host] -= 1
            self.cond.notify_all()

    def close(self, host: str, reason: str) -> None:
        """No more requests to `host` in this run (it asked for a longer wait than the cap)."""
        with self.cond:
            self.closed.setdefault(host, reason)

    def pause(self, host: str, seconds: float) -> None:
        """No new request to `host` for `seconds` (a Retry-After answer)."""
        with self.cond:
            self.not_before[host] = max(self.not_before.get(host, 0.0), time.monotonic() + seconds)


class Scheduler:
    """Hands out (host, item) pairs: round-robin over hosts, only for hosts with room for one more
    URL in progress; None when everything has been handed out (or stop() was called)."""

    def __init__(self, limiter: HostLimiter, items_by_host: dict[str, list]):
        self.limiter = limiter
        self.pending = OrderedDict((host, deque(items)) for host, items in items_by_host.items() if items)
        self.in_progress: dict[str, int] = {}
        self.stopped = False

    def take(self):
        with self.limiter.cond:
            while self.pending and not self.stopped:
                for host in list(self.pending):
                    if self.in_progress.get(host, 0) < self.limiter.limit_of(host) and self.limiter.has_room(host):
                        self.pending.move_to_end(host)  # round-robin: this host goes to the back
                        item = self.pending[host].popleft()
                        if not self.pending[host]:
                            del self.pending[host]
                        self.in_progress[host] = self.in_progress.get(host, 0) + 1
                        return host, item
                self.limiter.cond.wait(0.05)
            return None

    def done(self, host: str) -> None:
        with self.limiter.cond:
            self.in_progress[host] -= 1
            self.limiter.cond.notify_all()

    def stop(self) -> None:
        with self.limiter.cond:
            self.stopped = True
            self.limiter.cond.notify_all()
