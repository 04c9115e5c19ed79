"""The registry of checks beyond the JSON Schema.

An entry check is `f(entry, ctx)` yielding (document path, code, message, hint); a KB check is
`f(entries, ctx)` yielding Problems (it sees every entry, for references, duplicates and cycles).
Register with @entry_check(name, codes) or @kb_check(name, codes, fields): every check declares the codes
it emits (the documentation's test reads them from here) and KB checks the fields they read (only those
travel back from worker processes on large KBs). An entry check may say where as a line number instead of a
document path, and may be registered with severity="warning" (reported, never failing the run). The
validator runs them all and collects every problem.
"""
from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from kb.model import (
    ID_PATTERN,
    Connections,
    Entry,
    Taxonomy,
    YamlDate,
    closest,
    closest_term,
    cycle_text,
    modeline_schema,
    schema_comment,
)

from .problems import Problem

DATE_FIELDS = ("added", "published")
URL_FIELDS = (("url",), ("archive_url",), ("links", "*", "url"), ("recommended_by", "*", "source"))
# Text shown on one line (titles, names, ids, terms, codes, venues, tags): no line breaks, no control or
# format characters. Markdown fields (why, for_whom, caveats, notes) may hold line breaks and tabs.
MARKDOWN = {("why",), ("for_whom",), ("caveats",), ("recommended_by", "note"), ("alternatives", "note")}
ALTERNATIVE_NOTE_MIN = 20  # visible characters in an alternatives note
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"  # a DNS name's label
_HOST = re.compile(rf"^(?:{_LABEL}\.)*{_LABEL}\.?$|^\[[0-9a-f:.]+\]$", re.I)
_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TODO = re.compile(r"^\s*TODO\b", re.I)


@dataclass(frozen=True)
class Check:
    name: str
    codes: tuple[str, ...]
    run: Callable
    fields: tuple[str, ...] = ()  # what a KB check reads of each entry's data
    severity: str = "error"  # or "warning"


ENTRY_CHECKS: list[Check] = []
KB_CHECKS: list[Check] = []
# Problems found before or around the checks: reading the file, where it lies, the schema, the taxonomy.
OTHER_CODES = {
    "reading": ("encoding", "file-too-large", "empty", "yaml-syntax", "tab", "duplicate-key", "yaml-alias",
                "yaml-tag", "too-deep", "bad-key", "not-a-mapping", "unreadable", "symlink-outside"),
    "location": ("unknown-type", "bad-filename", "bad-id"),
    "schema": ("missing-field", "unknown-field", "wrong-type", "invalid-format", "out-of-range", "too-short",
               "too-long", "duplicate-item", "schema"),
    "taxonomy": ("taxonomy-missing", "taxonomy-format", "taxonomy-id"),
}


@dataclass
class Context:
    taxonomy: Taxonomy
    known_ids: set[str]  # every entry id in the KB, from the file names
    today: datetime.date = field(default_factory=datetime.date.today)


def entry_check(name: str, codes: tuple[str, ...], severity: str = "error"):
    def register(func):
        ENTRY_CHECKS.append(Check(name, codes, func, severity=severity))
        return func
    return register


def kb_check(name: str, codes: tuple[str, ...], fields: tuple[str, ...]):
    def register(func):
        KB_CHECKS.append(Check(name, codes, func, fields))
        return func
    return register


def all_codes() -> set[str]:
    """Every code kb validate can report."""
    return {code for check in ENTRY_CHECKS + KB_CHECKS for code in check.codes} | {
        code for codes in OTHER_CODES.values() for code in codes}


def kb_check_fields() -> tuple[str, ...]:
    """The entry fields some KB check reads."""
    return tuple(dict.fromkeys(name for check in KB_CHECKS for name in check.fields))


@entry_check("id matches the file name", ("id-mismatch",))
def id_matches_file(entry: Entry, ctx: Context):
    declared = entry.data.get("id")
    if isinstance(declared, str) and declared != entry.id and ID_PATTERN.match(declared):
        yield ("id",), "id-mismatch", f"id `{declared}` does not match the file name `{entry.path.name}`", \
            f"rename the file to {declared}.yaml or set `id: {entry.id}`"


@entry_check("taxonomy terms", ("unknown-domain", "unknown-audience"))
def taxonomy_ids(entry: Entry, ctx: Context):
    for field_name, vocabulary, kind in (("domains", ctx.taxonomy.domains, "domain"),
                                         ("audience", ctx.taxonomy.audiences, "audience")):
        if not vocabulary:
            continue  # the taxonomy itself is broken: that is reported once, not on every entry
        values = entry.data.get(field_name)
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and value not in vocabulary:
                close = closest_term(vocabulary, value)
                yield (field_name, i), f"unknown-{kind}", f"unknown {kind} `{value}`", \
                    f"did you mean `{close}`?" if close else \
                    f"see entries/taxonomy.yaml for the {kind} ids, or propose a new one there"


@entry_check("editor schema line", ("schema-comment",), severity="warning")
def schema_line(entry: Entry, ctx: Context):
    """The comment before the first field that points editors at a schema (yaml-language-server reads
    modelines there only) names the entry's type's editor schema. None is not reported (`kb fmt --check`
    is): another one misleads."""
    expected = modeline_schema(schema_comment(entry.type))
    for number, line in enumerate(entry.doc.head.splitlines() if entry.doc else (), 1):
        named = modeline_schema(line)
        if named is not None and named != expected:
            yield number, "schema-comment", f"line {number} points editors at `{named}`, not at the {entry.type} " \
                f"editor schema `{expected}`", "run `kb fmt` on the file to rewrite the line"
            return


@entry_check("URLs", ("bad-url",))
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


@entry_check("text and numbers", ("control-character", "blank-text", "not-finite"))
def text_and_numbers(entry: Entry, ctx: Context):
    """Every value at any depth, in one pass (it runs on every file): text has no control or format
    characters (Unicode Cc and Cf, such as NUL or the U+202E override that reverses text), but the line
    breaks and tabs of Markdown fields, and holds something to read (a title of spaces is no title);
    numbers are finite (YAML reads `.nan` and `.inf`, which no JSON can hold)."""
    for where, value in _leaves(entry.data):
        if isinstance(value, str):
            markdown = where in MARKDOWN or (len(where) == 3 and (where[0], where[2]) in MARKDOWN)
            if not (value.replace("\n", "").replace("\t", "") if markdown else value).isprintable():
                bad = next((i for i, c in enumerate(value) if unicodedata.category(c) in ("Cc", "Cf")
                            and not (markdown and c in "\n\t")), None)  # isprintable is False for more
                if bad is not None:
                    yield where, "control-character", f"`{_dotted(where)}` holds {_describe_char(value[bad])} " \
                        f"at {_position(value, bad)}", \
                        "remove it" + ("" if markdown else " (this field is one line of text)")
            if value and value.isspace():
                yield where, "blank-text", f"`{_dotted(where)}` holds only spaces", \
                    "write the text, or remove the field"
        elif isinstance(value, float) and not math.isfinite(value):
            yield where, "not-finite", f"`{_dotted(where)}` is {value}, not a number kb can use", \
                "write a finite number, e.g. 12.5"


@entry_check("alternatives notes", ("too-short",))
def alternatives_notes(entry: Entry, ctx: Context):
    items = entry.data.get("alternatives")
    for i, item in enumerate(items if isinstance(items, list) else []):
        note = item.get("note") if isinstance(item, dict) else None
        visible = len(" ".join(note.split())) if isinstance(note, str) else None
        if visible is not None and visible < ALTERNATIVE_NOTE_MIN <= len(note):  # shorter: the schema says so
            yield ("alternatives", i, "note"), "too-short", f"`alternatives[{i}].note` has {visible} characters " \
                f"of text; at least {ALTERNATIVE_NOTE_MIN} are needed", "say in a sentence when to prefer which"


@entry_check("dates and years", ("impossible-date", "impossible-year"))
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


@entry_check("dates where text belongs", ("wrong-type",))
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


@entry_check("unfinished text", ("todo",))
def unfinished_text(entry: Entry, ctx: Context):
    for name in ("why", "for_whom"):
        value = entry.data.get(name)
        if isinstance(value, str) and _TODO.match(value):
            yield (name,), "todo", f"`{name}` is still a TODO", f"write the {name.replace('_', ' ')} in your own words"


def references(entry: Entry):
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


@kb_check("references resolve", ("unknown-reference", "self-reference"),
          fields=("related", "prerequisites", "alternatives"))
def references_resolve(entries: list[Entry], ctx: Context):
    for entry in entries:
        for where, name, value in references(entry):
            if value == entry.id:
                yield _problem(entry, where, "self-reference", f"`{name}` names the entry itself", "remove it")
            elif value not in ctx.known_ids:
                close = closest(value, ctx.known_ids, cutoff=0.8)
                hint = f"did you mean `{close}`?" if close else "no entry has this id"
                if name == "prerequisites":
                    hint += "; text (not an id) needs a space or a capital letter"
                yield _problem(entry, where, "unknown-reference", f"`{name}` names `{value}`, "
                               "which is not an entry", hint)


@kb_check("ids are unique", ("duplicate-id",), fields=())
def unique_ids(entries: list[Entry], ctx: Context):
    """One id, one entry: `entries/paper/x.yaml` and `entries/lecture-series/x.yaml` cannot both be."""
    holders: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        holders[entry.id].append(entry)
    for entry_id, same in holders.items():
        for entry in same if len(same) > 1 else ():
            others = ", ".join(o.path.as_posix() for o in same if o is not entry)
            yield _problem(entry, ("id",), "duplicate-id", f"id `{entry_id}` is also the id of {others}",
                           "ids are unique across every type folder: rename one of the files (and its `id`)")


@kb_check("no duplicate resources", ("duplicate-url", "duplicate-arxiv", "duplicate-doi", "duplicate-title"),
          fields=("url", "arxiv", "doi", "title", "year"))
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


@kb_check("prerequisites form no cycle", ("prerequisite-cycle",), fields=("prerequisites",))
def prerequisite_cycles(entries: list[Entry], ctx: Context):
    """A needs B needs A: no order can satisfy it (and `kb path` could not say what comes first). Each
    cycle is reported once, at the `prerequisites` item of the entry that closes it, naming it whole."""
    connections = Connections(entries)
    for cycle in connections.cycles():
        closing = connections.by_id[cycle[-1]]
        index = closing.data["prerequisites"].index(cycle[0])
        yield _problem(closing, ("prerequisites", index), "prerequisite-cycle", cycle_text(cycle),
                       "an entry cannot need, directly or through others, what needs it: remove one of these")


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


def _leaves(value, where: tuple = ()):
    """(path, value) of every value that is not a list or mapping, at any depth (lists of plain values,
    most of an entry, without a recursive call per item)."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, dict):
            yield from _leaves(item, (*where, key))
        elif isinstance(item, list):
            for index, inner in enumerate(item):
                if isinstance(inner, (dict, list)):
                    yield from _leaves(inner, (*where, key, index))
                else:
                    yield (*where, key, index), inner
        else:
            yield (*where, key), item


def _dotted(where: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(where))


def _describe_char(char: str) -> str:
    name = unicodedata.name(char, "")
    if char == "\n":
        name = "a line break"
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")


def _position(value: str, index: int) -> str:
    """Where a character lies in a value, counted as a reader would (1-based)."""
    line = value.count("\n", 0, index) + 1
    column = index - (value.rfind("\n", 0, index) + 1) + 1
    return f"line {line}, column {column} of the value" if "\n" in value[:index] else f"column {column} of the value"
