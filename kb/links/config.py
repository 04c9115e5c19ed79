"""The link checker's settings: defaults, `[tool.kb.links]` in the KB's pyproject.toml, environment
variables for the prober base URLs, then command-line overrides, each value validated with a message
that names where it came from."""
from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from kb import __version__
from kb.model import UsageError

from .status import Status

CACHED_STATUSES = [s for s in Status if s.cached]
ENV_PREFIX = "KB_LINKS_"
PROBER_BASES = ("youtube_oembed", "doi_api", "arxiv_abs", "wayback")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(UsageError):
    """A setting has a value the checker cannot use (exit 2)."""


def default_max_age() -> dict[str, float]:
    """Seconds a result stays fresh, per status: successes for a week; failures are checked again on
    every run so that consecutive failures count runs, not one bad night."""
    week = 7 * 86400.0
    return {"ok": week, "moved": week, "unverifiable": week, "broken": 0.0, "timeout": 0.0, "rate-limited": 0.0}


@dataclass(frozen=True)
class HostRule:
    """Per-host overrides: a different in-flight limit, extra headers, status codes to accept as ok,
    and the first method to use (GET for hosts that answer HEAD wrongly)."""

    per_host: int | None = None
    headers: dict = field(default_factory=dict)
    accept: tuple[int, ...] = ()
    method: str = "HEAD"


@dataclass(frozen=True)
class LinkConfig:
    concurrency: int = 64
    per_host: int = 4
    timeout: float = 10.0
    deadline: float = 30.0
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 30.0
    max_redirects: int = 10
    max_body: int = 65536
    user_agent: str = f"kb-check-links/{__version__} (link checker of a curated knowledge base; python-requests)"
    cache: str = ".kb/links-cache.json"
    max_age: dict = field(default_factory=default_max_age)
    gone_after: int = 3
    exclude: tuple[str, ...] = ()
    allow_networks: tuple[str, ...] = ()
    hosts: dict = field(default_factory=dict)
    youtube_oembed: str = "https://www.youtube.com/oembed"
    doi_api: str = "https://doi.org/api/handles"
    arxiv_abs: str = "https://arxiv.org/abs"
    wayback: str = "https://web.archive.org/web"

    def host_rule(self, host: str) -> HostRule:
        return self.hosts.get(host.lower(), _NO_RULE)

    def limit(self, host: str) -> int:
        return self.host_rule(host).per_host or self.per_host

    def excluded(self, url: str) -> bool:
        return any(re.search(pattern, url) for pattern in self.exclude)


_NO_RULE = HostRule()


def load_config(root: Path, overrides: dict | None = None, environ=None) -> LinkConfig:
    """Defaults, then [tool.kb.links] from root/pyproject.toml, then KB_LINKS_<BASE> environment
    variables (the prober base URLs), then `overrides` (command-line values; None means not given)."""
    environ = os.environ if environ is None else environ
    config = apply(LinkConfig(), read_table(root / "pyproject.toml"), "pyproject.toml [tool.kb.links]")
    env = {name: environ[ENV_PREFIX + name.upper()] for name in PROBER_BASES if environ.get(ENV_PREFIX + name.upper())}
    config = apply(config, env, "environment")
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    return apply(config, given, "command line")


def read_table(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    table = data.get("tool", {}).get("kb", {}).get("links", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.kb.links] must be a table")
    return table


def apply(config: LinkConfig, values: dict, source: str) -> LinkConfig:
    """`config` with `values` validated and set; ConfigError names the source and the key."""
    known = {f.name for f in fields(LinkConfig)}
    changes = {}
    for key, value in values.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{source}: unknown setting `{key}` (known: {', '.join(sorted(known))})")
        try:
            changes[name] = _VALIDATORS[name](value) if name != "max_age" else {**config.max_age, **max_ages(value)}
        except (TypeError, ValueError) as exc:
            label = _FLAGS.get(name, f"--{name.replace('_', '-')}") if source == "command line" else f"`{key}`"
            raise ConfigError(f"{source}: {label} {exc}") from None
    return replace(config, **changes)


def whole(minimum: int):
    def check(value) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"must be a whole number >= {minimum}, not {value!r}")
        return value
    return check


def seconds(minimum_exclusive: bool):
    def check(value) -> float:
        number = duration(value)
        if minimum_exclusive and number <= 0:
            raise ValueError(f"must be more than 0 seconds, not {value!r}")
        return number
    return check


def duration(value) -> float:
    """Seconds from a number or text like `45`, `30s`, `10m`, `12h`, `7d`, `2w`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"must be a duration like 30s, 10m, 12h or 7d, not {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def max_ages(value) -> dict[str, float]:
    """A table status -> duration, or one duration for the successes (ok and moved)."""
    if not isinstance(value, dict):
        age = duration(value)
        return {"ok": age, "moved": age}
    unknown = set(value) - set(CACHED_STATUSES)
    if unknown:
        raise ValueError(f"has unknown status {sorted(unknown)[0]!r} (cached statuses: {', '.join(CACHED_STATUSES)})")
    return {status: duration(age) for status, age in value.items()}


def text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, not {value!r}")
    return value


def http_base(value) -> str:
    parts = urlsplit(text(value))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL, not {value!r}")
    return value.rstrip("/")


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


def string_list(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"must be a list of strings, not {value!r}")
    return tuple(value)


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
    accept = rule.get("accept", [])
    if not isinstance(accept, list) or not all(isinstance(c, int) and 100 <= c <= 999 for c in accept):
        raise ValueError(f"for {host!r}: accept must be a list of HTTP status codes")
    method = str(rule.get("method", "HEAD")).upper()
    if method not in ("HEAD", "GET"):
        raise ValueError(f"for {host!r}: method must be HEAD or GET")
    per_host = whole(1)(rule["per_host"]) if "per_host" in rule else None
    return HostRule(per_host, dict(headers), tuple(accept), method)


_FLAGS = {"allow_networks": "--allow-network"}  # flags not named like their setting

_VALIDATORS = {
    "concurrency": whole(1), "per_host": whole(1), "retries": whole(0), "max_redirects": whole(0),
    "max_body": whole(1024), "gone_after": whole(1), "timeout": seconds(True), "deadline": seconds(True),
    "backoff": seconds(False), "max_retry_after": seconds(False), "user_agent": text, "cache": text,
    "exclude": patterns, "allow_networks": networks, "hosts": host_rules,
    **{name: http_base for name in PROBER_BASES},
}
