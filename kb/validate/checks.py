"""The registry of checks beyond the JSON Schema.

An entry check is `f(entry, ctx)` yielding (document path, code, message, hint); a KB check is
`f(entries, ctx)` yielding Problems (it sees every entry, for references and duplicates). Register
with @entry_check or @kb_check; the validator runs them all and collects every problem.
"""
from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kb.model import ID_PATTERN, Entry, Taxonomy, YamlDate, closest, closest_term

from .problems import Problem

ENTRY_CHECKS = []
KB_CHECKS = []
KB_CHECK_FIELDS = ("url", "arxiv", "doi", "title", "year", "related", "prerequisites", "alternatives")  # all KB checks read
DATE_FIELDS = ("added", "published")
URL_FIELDS = (("url",), ("archive_url",), ("links", "*", "url"), ("recommended_by", "*", "source"))
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.?$|^\[[0-9a-f:.]+\]$",
                   re.I)
_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TODO = re.compile(r"^\s*TODO\b", re.I)


@dataclass
class Context:
    taxonomy: Taxonomy
    known_ids: set[str]  # every entry id in the KB, from the file names
    today: datetime.date = field(default_factory=datetime.date.today)
    reported: set[str] | None = None  # paths to report on (None: all)


def entry_check(func):
    ENTRY_CHECKS.append(func)
    return func


def kb_check(func):
    KB_CHECKS.append(func)
    return func


@entry_check
def id_matches_file(entry: Entry, ctx: Context):
    declared = entry.data.get("id")
    if isinstance(declared, str) and declared != entry.id and ID_PATTERN.match(declared):
        yield ("id",), "id-mismatch", f"id `{declared}` does not match the file name `{entry.path.name}`", \
            f"rename the file to {declared}.yaml or set `id: {entry.id}`"


@entry_check
def taxonomy_ids(entry: Entry, ctx: Context):
    for field_name, vocabulary, kind in (("domains", ctx.taxonomy.domains, "domain"),
                                         ("audience", ctx.taxonomy.audiences, "audience")):
        if not vocabulary:
            continue  # the taxonomy itself is broken: that is reported once, not on every entry
        values = entry.data.get(field_name)
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and value not in vocabulary:
                yield (field_name, i), f"unknown-{kind}", f"unknown {kind} `{value}`", \
                    _suggest(value, vocabulary, kind)


def _suggest(value: str, vocabulary: dict, kind: str) -> str:
    close = closest_term(vocabulary, value)
    if close:
        return f"did you mean `{close}`?"
    return f"see entries/taxonomy.yaml for the {kind} ids, or propose a new one there"


@entry_check
def urls(entry: Entry, ctx: Context):
    for where, value in (found for pattern in URL_FIELDS for found in _values_at(entry.data, pattern)):
        if isinstance(value, str):
            problem = url_problem(value)
            if problem:
                yield where, "bad-url", problem[0], problem[1]


def url_problem(url: str) -> tuple[str, str] | None:
    """(message, hint) when `url` is not an http(s) URL fit to publish, else None."""
    if _CONTROL.search(url):
        return f"URL `{url.strip()}` contains whitespace or control characters", "encode spaces as %20"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as exc:
        return f"URL `{url}` cannot be parsed ({exc})", "check the address"
    if parts.scheme.lower() not in ("http", "https"):
        return f"URL `{url}` is not http or https", "only web addresses (http:// or https://) are allowed"
    if parts.username is not None or parts.password is not None:
        return f"URL `{url}` carries credentials", "remove the `user:password@` part"
    if not parts.hostname:
        return f"URL `{url}` has no host", "write the full address, e.g. https://example.org/page"
    if not _HOST.match(parts.hostname) or ("." not in parts.hostname and not parts.hostname.startswith("[")):
        return f"URL `{url}` has an invalid host `{parts.hostname}`", "write the full address"
    return None


@entry_check
def dates_and_years(entry: Entry, ctx: Context):
    for name in DATE_FIELDS:
        value = entry.data.get(name)
        if not isinstance(value, str) or not _DATE_SHAPE.match(value):
            continue  # not a date at all: the schema reports it
        if not _is_date(value):
            yield (name,), "impossible-date", f"`{name}` {value} is not a real date", "check the month and day"
        elif datetime.date.fromisoformat(value) > ctx.today:
            yield (name,), "impossible-date", f"`{name}` {value} is in the future", "use the actual date"
    for name in ("year", "published"):
        value = entry.data.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > ctx.today.year + 1:
            yield (name,), "impossible-year", f"`{name}` {value} is in the future", "use the actual year"


def _is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
        return True
    except ValueError:
        return False


@entry_check
def dates_where_text_belongs(entry: Entry, ctx: Context):
    """YAML reads an unquoted 2024-01-01 as a date: fine for `added`, a surprise anywhere else.
    Looks two levels deep (fields, list items, their fields): deeper data is a schema error anyway."""
    for name, value in entry.data.items():
        if name in DATE_FIELDS or type(value) is str:
            continue
        for where, item in _children((name,), value):
            for where2, item2 in _children(where, item) if isinstance(item, dict) else [(where, item)]:
                if type(item2) is YamlDate:
                    yield where2, "wrong-type", f"`{name}` holds `{item2}`, which YAML reads as a date", \
                        "put it in quotes to keep it as text"


def _children(where: tuple, value):
    if isinstance(value, list):
        return [(where + (i,), item) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return [(where + (k,), item) for k, item in value.items()]
    return [(where, value)]


@entry_check
def unfinished_text(entry: Entry, ctx: Context):
    for name in ("why", "for_whom"):
        value = entry.data.get(name)
        if isinstance(value, str) and _TODO.match(value):
            yield (name,), "todo", f"`{name}` is still a TODO", f"write the {name.replace('_', ' ')} in your own words"


def _references(entry: Entry):
    """(document path, field name, id) of every entry id the entry names: related, prerequisites (the
    items that are ids, not text) and alternatives[].id."""
    for name in ("related", "prerequisites"):
        values = entry.data.get(name)
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and ID_PATTERN.match(value):  # prerequisites may be short text
                yield (name, i), name, value
    alternatives = entry.data.get("alternatives")
    for i, item in enumerate(alternatives if isinstance(alternatives, list) else []):
        if isinstance(item, dict) and isinstance(item.get("id"), str) and ID_PATTERN.match(item["id"]):
            yield ("alternatives", i, "id"), "alternatives", item["id"]


@kb_check
def references_resolve(entries: list[Entry], ctx: Context):
    for entry in entries:
        for where, name, value in _references(entry):
            if value == entry.id:
                yield _problem(entry, where, "self-reference", f"`{name}` names the entry itself", "remove it")
            elif value not in ctx.known_ids:
                close = closest(value, ctx.known_ids, cutoff=0.8)
                hint = f"did you mean `{close}`?" if close else "no entry has this id"
                if name == "prerequisites":
                    hint += "; text (not an id) needs a space or a capital letter"
                yield _problem(entry, where, "unknown-reference", f"`{name}` names `{value}`, "
                               "which is not an entry", hint)


@kb_check
def duplicates(entries: list[Entry], ctx: Context):
    """Two entries for one resource: same normalised URL, arXiv id (however written), DOI, or title+year."""
    holders: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for entry in entries:
        for key in entry.identity_keys:
            holders[key].append(entry)
    fields_of = {"url": ("url",), "arxiv": ("arxiv",), "doi": ("doi",), "title": ("title",)}
    for (kind, key), same in holders.items():
        for entry in same if len(same) > 1 else ():
            others = ", ".join(o.path.as_posix() for o in same if o is not entry)
            where = fields_of[kind] if fields_of[kind][0] in entry.data else ("url",)
            yield _problem(entry, where, f"duplicate-{kind}", f"same {kind} as {others} ({key})",
                           "keep one entry for the resource; merge what the other adds")


def _problem(entry: Entry, where: tuple, code: str, message: str, hint: str | None) -> Problem:
    line, column = entry.where(where)
    return Problem(entry.path.as_posix(), line, column, code, message, hint)


def _values_at(data, pattern: tuple, prefix: tuple = ()):
    """(path, value) for each value matching a field pattern where `*` means every list item."""
    if not pattern:
        yield prefix, data
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        for i, item in enumerate(data if isinstance(data, list) else []):
            yield from _values_at(item, rest, prefix + (i,))
    elif isinstance(data, dict) and head in data:
        yield from _values_at(data[head], rest, prefix + (head,))

