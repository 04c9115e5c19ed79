"""Settings as one table (as datasette's SETTINGS): a row per setting with its name, default, validator and
help, from which come the settings dataclass and its defaults, the checking of values read from a file,
the environment or the command line (a ConfigError naming the setting as the user wrote it), the CLI help
and the table in the docs. The validators are shared by the link checker and the metadata fetcher."""
from __future__ import annotations

import copy
import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from .errors import UsageError, did_you_mean

COMMAND_LINE = "command line"
ENVIRONMENT = "environment"


class ConfigError(UsageError):
    """A setting has a value kb cannot use (exit 2); the message names the setting and where it was set."""


class Setting(NamedTuple):  # a NamedTuple, as datasette's: cheaper to define than a dataclass at kb start-up
    name: str
    default: Any  # as a user writes it in pyproject.toml ("10s", not 10.0); None: not set
    check: Callable[[Any], Any]  # a value as written -> the value kb uses; ValueError says what is wrong
    help: str
    flag: str | None = None  # the command-line option that sets it
    metavar: str | None = None
    env: str | None = None  # the environment variable that sets it
    shown: str | None = None  # the default as help and docs show it, when not `default` itself

    def label(self, source: str, key: str) -> str:
        """The setting as the user named it: the flag, the variable, or the key in the file."""
        if source == COMMAND_LINE:
            return self.flag or f"--{self.name.replace('_', '-')}"
        if source == ENVIRONMENT and self.env:
            return self.env
        return f"`{key}`"

    def default_text(self) -> str:
        return self.shown or ("none" if self.default is None else toml(self.default))


def settings_dataclass(table: tuple[Setting, ...]):
    """Make the decorated class a frozen dataclass with one field per setting, whose default is the
    setting's default as its validator reads it (so the defaults are checked too); `cls.SETTINGS` is the
    table."""
    def build(cls):
        cls.SETTINGS = table
        cls.__annotations__ = {setting.name: Any for setting in table}
        for setting in table:
            value = None if setting.default is None else setting.check(setting.default)
            if isinstance(value, (dict, list)):
                value = field(default_factory=lambda value=value: copy.deepcopy(value))
            setattr(cls, setting.name, value)
        return dataclass(frozen=True)(cls)
    return build


def apply(config, values: dict, source: str):
    """`config` with `values` ({setting name or key as written: value as written}) checked and set. A table
    setting (a dict) updates the one before it key by key. ConfigError names `source` and the setting."""
    table = {setting.name: setting for setting in config.SETTINGS}
    changes = {}
    for key, value in values.items():
        setting = table.get(key.replace("-", "_"))
        if setting is None:
            hint = did_you_mean(key, table) or f" (known: {', '.join(table)})"
            raise ConfigError(f"{source}: unknown setting `{key}`{hint}")
        try:
            checked = setting.check(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: {setting.label(source, key)} {exc}") from None
        current = getattr(config, setting.name)
        changes[setting.name] = {**current, **checked} if isinstance(current, dict) else checked
    return replace(config, **changes)


def environment_values(table: tuple[Setting, ...], environ) -> dict:
    """{setting name: value} for the settings whose environment variable is set (an empty one is not)."""
    return {setting.name: environ[setting.env] for setting in table if setting.env and environ.get(setting.env)}


def markdown_table(table: tuple[Setting, ...]) -> str:
    """The settings as the Markdown table the docs hold (a test keeps the docs equal to it)."""
    rows = ["| Setting | Default | Flag or variable | Meaning |", "|---|---|---|---|"]
    for setting in table:
        where = f"`{setting.flag}`" if setting.flag else f"`{setting.env}`" if setting.env else ""
        cells = (f"`{setting.name}`", f"`{setting.default_text()}`", where, setting.help)
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"


def toml(value) -> str:
    """`value` as TOML writes it (strings, numbers, lists and inline tables)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {toml(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value)


# Validators: each takes a value as written and returns the value kb uses, or raises ValueError with the
# end of a sentence that begins with the setting's name.

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # an RFC 9110 token


def at_least(minimum: int):
    """A whole number, `minimum` or more."""
    def check(value) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"must be a whole number >= {minimum}, not {value!r}")
        return value
    return check


def duration(value) -> float:
    """Seconds, 0 or more, from a number or text like `45`, `30s`, `10m`, `12h`, `7d`, `2w`."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"must be a duration like 30s, 10m, 12h or 7d, not {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def longer_than(minimum: float):
    """A duration of more than `minimum` seconds."""
    def check(value) -> float:
        seconds = duration(value)
        if seconds <= minimum:
            raise ValueError(f"must be more than {minimum:g} seconds, not {value!r}")
        return seconds
    return check


def non_blank(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, not {value!r}")
    return value


def header_safe(value) -> str:
    """Text that can go into an HTTP header as it is: printable ASCII, so no CR or LF that would start
    another header, and nothing http.client cannot encode."""
    for column, char in enumerate(non_blank(value), 1):
        if not " " <= char <= "~":
            what = (f"a control character U+{ord(char):04X}" if unicodedata.category(char).startswith("C")
                    else f"the non-ASCII character {char!r} (U+{ord(char):04X})")
            raise ValueError(f"has {what} at column {column} in {value!r}; HTTP header values must be "
                             "printable ASCII")
    return value


def header_name(value) -> str:
    if not isinstance(value, str) or not _HEADER_NAME.match(value):
        raise ValueError("is not an HTTP header name (letters, digits and !#$%&'*+-.^_`|~ only)")
    return value


def http_base(value) -> str:
    """An http(s) URL (a base others are appended to: no trailing slash)."""
    from urllib.parse import urlsplit

    text = non_blank(value)
    if any(char.isspace() or not char.isprintable() for char in text):
        raise ValueError(f"must be an http(s) URL without spaces or control characters, not {value!r}")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL, not {value!r}")
    return text.rstrip("/")


def string_list(value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"must be a list of strings, not {value!r}")
    return tuple(value)
