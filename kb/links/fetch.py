"""Checking one URL over HTTP: HEAD first and GET when HEAD is refused, redirects followed by hand
(each hop through the network guard and the host limiter), retries for temporary failures only,
Retry-After honoured per host up to a cap, and bounded time and bytes."""
from __future__ import annotations

import random
import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from kb.model.http import retry_after_seconds

from .guard import Blocked, GuardedAdapter
from .probers import Probe, probe_for, wayback_lookup_url
from .result import Result
from .status import Status

REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)
HEAD_REFUSED = (400, 403, 404, 405, 501)  # answers after which HEAD is worth trying again as GET
BOT_WALL = (401, 403, 999)
FAILURE_STATUSES = {"blocked": Status.BLOCKED, "timeout": Status.TIMEOUT, "rate-limited": Status.RATE_LIMITED}
# every other kind of failure (dns, tls, refused, dropped, invalid) is reported as broken


@dataclass
class Answer:
    """What one request got: a status code and headers, or a kind of failure."""

    code: int | None = None
    reason: str = ""
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    failure: str | None = None  # timeout, dropped, refused, dns, tls, invalid, blocked, rate-limited
    message: str = ""
    rate_limited: bool = False

    @property
    def location(self) -> str | None:
        return self.headers.get("location") if self.code in REDIRECTS else None


@dataclass
class Trail:
    """The answer at the end of a chain of redirects, and the chain."""

    answer: Answer
    method: str
    final_url: str
    redirects: list = field(default_factory=list)
    problem: str | None = None  # a redirect loop, too many hops, a hop to a non-web address


class Fetcher:
    def __init__(self, config, guard, limiter):
        self.config, self.guard, self.limiter = config, guard, limiter
        biggest = max([config.per_host, *(r.per_host or 0 for r in config.hosts.values())])
        self.adapter = GuardedAdapter(guard, pool_connections=256, pool_maxsize=biggest, max_retries=0)
        self.local = threading.local()

    def session(self) -> requests.Session:
        """One session per worker thread (cookies stay per thread), all sharing the connection pools."""
        session = getattr(self.local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = False  # no proxies (the guard must see the real peer) and no .netrc credentials
            session.headers = {"User-Agent": self.config.user_agent, "Accept": "*/*"}
            session.mount("http://", self.adapter)
            session.mount("https://", self.adapter)
            self.local.session = session
        return session

    def check(self, url: str) -> Result:
        start = time.monotonic()
        deadline = start + self.config.deadline
        if self.config.excluded(url):
            return Result(url, Status.EXCLUDED, message="excluded by the `exclude` setting")
        if not host_of(url):
            return Result(url, Status.BROKEN, message="invalid URL: no host, or a malformed one")
        self.session().cookies.clear()
        probe = probe_for(url, self.config)
        target = without_credentials(probe.target if probe else url)
        rule = self.config.host_rule(host_of(target))
        methods = ("GET",) if probe or rule.method == "GET" else ("HEAD", "GET")
        for method in methods:
            trail = self.follow(target, method, deadline=deadline, need_body=probe is not None)
            if not (method == "HEAD" and head_refused(trail.answer)):
                break
        result = classify(url, trail, probe=probe, accept=rule.accept)
        result.elapsed = time.monotonic() - start
        return result

    def archive_url(self, url: str) -> str | None:
        """The latest Wayback Machine snapshot of `url`, from the redirect of web/<url> (not followed)."""
        lookup = wayback_lookup_url(url, self.config)
        answer = self.request(lookup, "GET", deadline=time.monotonic() + self.config.deadline, need_body=False)
        return urljoin(lookup, answer.location) if answer.location else None

    def follow(self, url: str, method: str, *, deadline: float, need_body: bool) -> Trail:
        redirects, seen, current = [], {url}, url
        while True:
            answer = self.with_retries(current, method, deadline=deadline, need_body=need_body)
            if not answer.location:
                return Trail(answer, method, current, redirects)
            try:
                target = without_credentials(urljoin(current, answer.location))
            except ValueError:
                target = answer.location  # malformed: host_of finds no host and the hop is refused below
            redirects.append({"status": answer.code, "url": target})
            trail = Trail(answer, method, target, redirects)
            if not host_of(target) or urlsplit(target).scheme not in ("http", "https"):
                trail.problem = f"redirects to a non-web address {target}"
            elif target in seen:
                trail.problem = f"redirect loop (back to {target})"
            elif len(redirects) > self.config.max_redirects:
                trail.problem = f"more than {self.config.max_redirects} redirects"
            if trail.problem:
                return trail
            seen.add(target)
            current, method = target, ("GET" if answer.code == 303 else method)

    def with_retries(self, url: str, method: str, *, deadline: float, need_body: bool) -> Answer:
        attempt = 0
        while True:
            answer = self.request(url, method, deadline=deadline, need_body=need_body)
            wait = self.retry_wait(answer, attempt, deadline=deadline, method=method, host=host_of(url))
            if wait is None:
                return answer
            if answer.code in (429, 503) and "retry-after" in answer.headers:
                self.limiter.pause(host_of(url), wait)  # the whole host waits, not just this URL
            time.sleep(wait)
            attempt += 1

    def retry_wait(self, answer: Answer, attempt: int, *, deadline: float, method: str, host: str) -> float | None:
        """Seconds to wait before trying again, or None (marking a rate limit that cannot be waited out)."""
        code, config = answer.code, self.config
        temporary = (code is not None and (code >= 500 or code in (408, 429))
                     or answer.failure == "timeout" or (answer.failure == "dropped" and method == "GET"))
        if not temporary:
            return None
        retry_after = retry_after_seconds(answer.headers.get("retry-after")) if code in (429, 503) else None
        if retry_after is not None and retry_after > config.max_retry_after:
            answer.rate_limited = True
            answer.message = f"Retry-After of {retry_after:.0f} s is past the cap of {config.max_retry_after:.0f} s"
            self.limiter.close(host, f"{host} asked for a {retry_after:.0f} s pause earlier in this run; "
                                     "not asked again")
            return None
        if attempt >= config.retries:
            answer.rate_limited = code == 429
            return None
        wait = retry_after if retry_after is not None else config.backoff * 2 ** attempt * (1 + random.random())
        if time.monotonic() + wait >= deadline:
            answer.rate_limited = code == 429 or retry_after is not None
            answer.message = f"no time left to wait {wait:.1f} s and retry within the {config.deadline:.0f} s deadline"
            return None
        return wait

    def request(self, url: str, method: str, *, deadline: float, need_body: bool) -> Answer:
        host = host_of(url)
        if not host:
            return Answer(failure="invalid", message="the URL has no host")
        try:
            self.guard.check_host(host)
        except Blocked as exc:
            return Answer(failure="blocked", message=str(exc))
        except (socket.gaierror, UnicodeError) as exc:
            return Answer(failure="dns", message=f"DNS lookup of {host} failed ({exc})")
        if host in self.limiter.closed:
            return Answer(failure="rate-limited", message=self.limiter.closed[host])
        headers = self.config.host_rule(host).headers
        with self.limiter.slot(host):
            remaining = deadline - time.monotonic()  # after any wait for room on the host
            if remaining <= 0:
                return Answer(failure="timeout",
                              message=f"the {self.config.deadline:.0f} s deadline for this URL passed")
            timeout = min(self.config.timeout, remaining)
            try:
                response = self.session().request(method, url, headers=headers, timeout=(timeout, timeout),
                                                  allow_redirects=False, stream=method == "GET")
            except Exception as exc:  # noqa: BLE001 - every failure becomes a reported kind
                return failure_answer(exc, timeout)
            try:
                body = self.read_body(response, deadline=deadline, need_body=need_body)
            finally:
                response.close()
        return Answer(response.status_code, response.reason or "", {k.lower(): v for k, v in response.headers.items()},
                      body)

    def read_body(self, response, *, deadline: float, need_body: bool) -> bytes:
        """The body up to max_body bytes when a prober needs it, or when it is that small anyway (so the
        connection can be reused); otherwise nothing: closing the response drops the connection."""
        limit, length = self.config.max_body, response.headers.get("content-length", "")
        if response.request.method == "HEAD" or not (need_body or (length.isdigit() and int(length) <= limit)):
            return b""
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(8192):
                chunks.append(chunk)
                size += len(chunk)
                if size >= limit or time.monotonic() > deadline:
                    break
        except requests.RequestException:
            pass  # the status is known; a body cut short only matters to probers, which see what came
        return b"".join(chunks)[:limit]


def head_refused(answer: Answer) -> bool:
    return answer.code in HEAD_REFUSED or answer.failure == "dropped"


def failure_answer(exc: Exception, timeout: float) -> Answer:
    if isinstance(exc, Blocked):
        return Answer(failure="blocked", message=str(exc))
    if isinstance(exc, requests.Timeout):
        return Answer(failure="timeout", message=f"no answer within {timeout:.1f} s")
    if isinstance(exc, requests.exceptions.SSLError):
        return Answer(failure="tls", message=f"TLS error: {short(exc)}")
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    if isinstance(reason, NameResolutionError):
        return Answer(failure="dns", message="DNS lookup failed: the host does not exist")
    if isinstance(reason, NewConnectionError):
        return Answer(failure="refused", message=f"connection refused or unreachable ({short(reason)})")
    if isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, ValueError)):
        return Answer(failure="invalid", message=f"invalid URL: {short(exc)}")
    return Answer(failure="dropped", message=f"connection dropped: {short(exc)}")


def short(exc: BaseException) -> str:
    text = str(exc)
    return text.rsplit(": ", 1)[-1].strip("()'\" ")[:160] or type(exc).__name__


def host_of(url: str) -> str:
    """The URL's host in lower case, or "" when it has none or cannot be parsed."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def without_credentials(url: str) -> str:
    """`url` without a user:password@ part (never sent) or fragment; unchanged if it cannot be parsed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def classify(url: str, trail: Trail, *, probe: Probe | None, accept: tuple[int, ...]) -> Result:
    answer = trail.answer
    result = Result(url, Status.BROKEN, http_status=answer.code, final_url=trail.final_url,
                    redirects=trail.redirects, method=trail.method)
    if trail.problem:
        result.message = trail.problem
        return result
    if answer.failure:
        result.status = FAILURE_STATUSES.get(answer.failure, Status.BROKEN)
        result.message, result.final_url = answer.message, None
        return result
    verdict = probe.interpret(answer.code, answer.body) if probe else None
    if probe:
        result.final_url, result.method = None, f"GET ({probe.name})"
    if verdict:
        result.status, result.message = verdict
        return result
    result.status, result.message = status_of(answer, accept)
    if result.status == Status.OK and not probe:
        moved_to = new_address(trail.redirects)
        if moved_to:
            result.status, result.message = Status.MOVED, f"moved permanently to {moved_to}: update the entry"
    return result


def status_of(answer: Answer, accept: tuple[int, ...]) -> tuple[Status, str]:
    code = answer.code
    label = f"HTTP {code} {answer.reason}".strip()
    if answer.rate_limited:
        return Status.RATE_LIMITED, f"{label}: {answer.message or 'still rate-limited after retries'}"
    if 200 <= code < 300 or code in accept:
        return Status.OK, ""
    if code in BOT_WALL or "cf-mitigated" in answer.headers:
        return Status.UNVERIFIABLE, f"{label}: the site refuses automated checks (a bot wall?); check it by hand"
    return Status.BROKEN, label + (f" ({answer.message})" if answer.message else "")


def new_address(redirects: list) -> str | None:
    """Where the URL now lives: the end of the leading run of permanent redirects."""
    moved_to = None
    for hop in redirects:
        if hop["status"] not in PERMANENT:
            break
        moved_to = hop["url"]
    return moved_to
