"""The link checker's settings: one table (SETTINGS: name, default, validator, help) from which come
LinkConfig, the checking of `[tool.kb.links]` in the KB's pyproject.toml, of the environment variables and
of the command-line flags (in that order of precedence), the flags' help and the table in docs/links.md."""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb import __version__
from kb.model.settings import (
    COMMAND_LINE,
    ENVIRONMENT,
    ConfigError,
    Setting,
    apply,
    at_least,
    duration,
    environment_values,
    header_name,
    header_safe,
    http_base,
    longer_than,
    non_blank,
    settings_dataclass,
    string_list,
)

from .status import Status

__all__ = ["ConfigError", "HostRule", "LinkConfig", "SETTINGS", "load_config", "read_table"]


@dataclass(frozen=True)
class HostRule:
    """Per-host overrides: a different in-flight limit, extra headers, status codes to accept as ok,
    and the first method to use (GET for hosts that answer HEAD wrongly)."""

    per_host: int | None = None
    headers: dict = field(default_factory=dict)
    accept: tuple[int, ...] = ()
    method: str = "HEAD"


def max_ages(value) -> dict[str, float]:
    """Seconds a result stays fresh, per cached status: a table {status: duration}; one duration, for
    `ok` and `moved`; or (from --max-age) a list of `[STATUS=]AGE`."""
    if isinstance(value, (list, tuple)):
        ages = {}
        for item in value:
            status, _, age = str(item).rpartition("=")
            ages.update(max_ages({status: age} if status else age))
        return ages
    if not isinstance(value, dict):
        age = duration(value)
        return {Status.OK: age, Status.MOVED: age}
    cached = [s for s in Status if s.cached]
    unknown = set(value) - set(cached)
    if unknown:
        raise ValueError(f"has unknown status {sorted(unknown)[0]!r} (cached statuses: {', '.join(cached)})")
    return {Status(status): duration(age) for status, age in value.items()}


def patterns(value) -> tuple[str, ...]:
    items = string_list(value)
    for item in items:
        try:
            re.compile(item)
        except re.error as exc:
            raise ValueError(f"has an invalid regular expression {item!r}: {exc}") from None
    return items


def networks(value) -> tuple[str, ...]:
    items = string_list(value)
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ValueError(f"has {item!r}, which is not a network like 10.0.0.0/8 or 127.0.0.1/32") from None
    return items


def host_rules(value) -> dict[str, HostRule]:
    if not isinstance(value, dict):
        raise ValueError("must be a table of host names, e.g. [tool.kb.links.hosts.\"example.org\"]")
    return {host.lower(): host_rule(host, rule) for host, rule in value.items()}


def host_rule(host: str, rule) -> HostRule:
    allowed = {"per_host", "headers", "accept", "method"}
    if not isinstance(rule, dict) or set(rule) - allowed:
        raise ValueError(f"for {host!r} must be a table with some of: {', '.join(sorted(allowed))}")
    headers = rule.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ValueError(f"for {host!r}: headers must be a table of strings")
    for name, value in headers.items():
        try:
            header_name(name)
            header_safe(value)
        except ValueError as exc:  # a CR or LF would start another header (or fail every request)
            raise ValueError(f"for {host!r}: header {name!r} {exc}") from None
    accept = rule.get("accept", [])
    if not isinstance(accept, list) or not all(isinstance(c, int) and 100 <= c <= 999 for c in accept):
        raise ValueError(f"for {host!r}: accept must be a list of HTTP status codes")
    method = str(rule.get("method", "HEAD")).upper()
    if method not in ("HEAD", "GET"):
        raise ValueError(f"for {host!r}: method must be HEAD or GET")
    per_host = at_least(1)(rule["per_host"]) if "per_host" in rule else None
    return HostRule(per_host, dict(headers), tuple(accept), method)


SETTINGS = (
    Setting("concurrency", 64, at_least(1), "Requests in flight at most, all hosts together: a worker thread each",
            flag="--concurrency", metavar="N"),
    Setting("per_host", 4, at_least(1), "Requests in flight to one host at most", flag="--per-host", metavar="N"),
    Setting("timeout", "10s", longer_than(0), "Connect timeout, and the longest wait for each read",
            flag="--timeout", metavar="DURATION"),
    Setting("deadline", "30s", longer_than(0), "Time per URL, retries, waits and redirects included"),
    Setting("retries", 2, at_least(0), "More tries for temporary failures (5xx, 408, 429, timeouts, dropped "
            "connections)", flag="--retries", metavar="N"),
    Setting("backoff", "0.5s", duration, "Wait before the first retry, doubled each time, plus up to as much "
            "again of jitter"),
    Setting("max_retry_after", "30s", duration, "The longest Retry-After waited for; past it the URL is "
            "rate-limited and its host is not asked again in this run"),
    Setting("max_redirects", 10, at_least(0), "Redirects followed at most"),
    Setting("max_body", 65536, at_least(1024), "Bytes of a body read at most (probers read bodies)"),
    Setting("user_agent", f"kb-check-links/{__version__} (link checker of a curated knowledge base; python-requests)",
            header_safe, "The User-Agent header sent",
            shown='"kb-check-links/<version> (link checker of a curated knowledge base; python-requests)"'),
    Setting("cache", ".kb/links-cache.json", non_blank, "The file results and their history are kept in "
            "(in pyproject.toml: relative to the KB root)", flag="--cache", metavar="FILE"),
    Setting("max_age", {"ok": "7d", "moved": "7d", "unverifiable": "7d", "broken": "0s", "timeout": "0s",
                        "rate-limited": "0s"}, max_ages,
            "How long a result is trusted, per status (failures are checked again on every run); one duration "
            "sets `ok` and `moved`", flag="--max-age", metavar="[STATUS=]AGE"),
    Setting("gone_after", 3, at_least(1), "Failed runs in a row before a URL is reported as probably gone"),
    Setting("exclude", [], patterns, "Regular expressions (searched in the URL) of URLs never requested"),
    Setting("allow_networks", [], networks, "Network ranges (CIDR) the network guard lets through, e.g. an intranet's",
            flag="--allow-network", metavar="CIDR"),
    Setting("hosts", {}, host_rules, "Per host: `per_host`, `headers`, `accept` (status codes taken as ok) "
            "and `method` (`GET` for a host that answers HEAD wrongly)"),
    Setting("youtube_oembed", "https://www.youtube.com/oembed", http_base, "YouTube's oEmbed endpoint (the "
            "YouTube prober)", env="KB_LINKS_YOUTUBE_OEMBED"),
    Setting("doi_api", "https://doi.org/api/handles", http_base, "The doi.org handle API (the DOI prober)",
            env="KB_LINKS_DOI_API"),
    Setting("arxiv_abs", "https://arxiv.org/abs", http_base, "arXiv's abstract pages (the arXiv prober)",
            env="KB_LINKS_ARXIV_ABS"),
    Setting("wayback", "https://web.archive.org/web", http_base, "The Wayback Machine (`--suggest-archive`)",
            env="KB_LINKS_WAYBACK"),
)


@settings_dataclass(SETTINGS)
class LinkConfig:
    """The settings of one run, as the checker uses them (durations in seconds, lists as tuples)."""

    def host_rule(self, host: str) -> HostRule:
        return self.hosts.get(host.lower(), _NO_RULE)

    def limit(self, host: str) -> int:
        return self.host_rule(host).per_host or self.per_host

    def excluded(self, url: str) -> bool:
        return any(re.search(pattern, url) for pattern in self.exclude)


_NO_RULE = HostRule()


def load_config(root: Path, overrides: dict | None = None, environ=None) -> LinkConfig:
    """The defaults, then [tool.kb.links] from root/pyproject.toml, then the environment variables, then
    `overrides` (command-line values by setting name; None means not given)."""
    config = apply(LinkConfig(), read_table(root / "pyproject.toml"), "pyproject.toml [tool.kb.links]")
    config = apply(config, environment_values(SETTINGS, os.environ if environ is None else environ), ENVIRONMENT)
    return apply(config, {k: v for k, v in (overrides or {}).items() if v is not None}, COMMAND_LINE)


def read_table(path: Path) -> dict:
    import tomllib  # 3 ms: only when there is a file to read

    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    table = data
    for key in ("tool", "kb", "links"):
        table = table.get(key, {}) if isinstance(table, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kb.links] must be a table")
    return table
