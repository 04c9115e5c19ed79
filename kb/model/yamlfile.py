"""Safe, position-aware loading of one YAML document.

PyYAML's loaders hide what a curator needs to see: they accept duplicate keys silently, expand alias
bombs, and forget where each value came from. Here libyaml (C, when present) composes the node graph and
a small converter of ours builds plain Python values from it, recording the line and column of every
key and value, rejecting duplicate keys, aliases, non-core tags and deep nesting.

Scalars follow YAML 1.1 as PyYAML resolves them (so `no` is a boolean and `2024-01-01` a date, exactly
what every PyYAML consumer of these files would see); dates and timestamps are kept as `YamlDate`, a
`str` holding the ISO text, so the schema can accept them where a date belongs and the validator can
flag them where a string was meant.

Limits: MAX_BYTES per file and MAX_DEPTH levels of nesting.
"""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

import yaml

from .errors import KbError

try:  # libyaml is several times faster; the pure-Python composer is a correct fallback
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader

MAX_BYTES = 256 * 1024
MAX_DEPTH = 20

Path_ = tuple  # a value's address inside the document: keys and list indexes, e.g. ("links", 0, "url")

_TAG = "tag:yaml.org,2002:"
_DATE_RE = re.compile(r"^(\d{4})-(\d\d?)-(\d\d?)$")


class _Loader(_BaseLoader):
    """The safe loader with tag resolution trimmed to what safe loading uses: the composer calls
    these for every node, and PyYAML's general versions (path resolvers) cost a tenth of the load."""

    _implicit = _BaseLoader.yaml_implicit_resolvers

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self._implicit.get(value[:1], ()):
                    if regexp.match(value):
                        return tag
            return _TAG + "str"
        return _TAG + ("seq" if kind is yaml.SequenceNode else "map")

    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass


class YamlDate(str):
    """A value YAML reads as a date or timestamp, kept as its ISO text (e.g. '2024-01-01')."""


@dataclass
class LoadError(KbError):
    """Why a document could not be loaded, and where (1-based line and column); `path` names the file
    once a caller knows it. Printed as `kb validate` prints a problem: path:line:col: error[code]: message."""

    code: str
    message: str
    line: int = 1
    column: int = 1
    hint: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        hint = f" ({self.hint})" if self.hint else ""
        return f"{self.path or '<text>'}:{self.line}:{self.column}: error[{self.code}]: {self.message}{hint}"


@dataclass
class Document:
    """A loaded YAML document: its value, and the node graph that knows where each part starts."""

    value: object
    node: yaml.Node = field(repr=False, default=None)
    head: str = field(repr=False, default="")  # the text before the first value: leading comments

    def where(self, path: Path_) -> tuple[int, int]:
        """(line, column) of the key at `path` (of the value for list items and the root), or of the
        nearest ancestor that exists. Computed on demand: only problems need positions."""
        node, mark = self.node, self.node.start_mark
        for step in path:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == step), None)
                if pair is None:
                    break
                mark, node = pair[0].start_mark, pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                node = node.value[step]
                mark = node.start_mark
            else:
                break
        return mark.line + 1, mark.column + 1


def decode(data: bytes) -> str:
    """UTF-8 text of `data` (a BOM is allowed), or LoadError pointing at the first bad byte."""
    if len(data) > MAX_BYTES:
        raise LoadError("file-too-large", f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,}",
                        hint="an entry should be a few kilobytes: move long text to the resource itself")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError("encoding", f"not UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
                        line, column, hint="save the file as UTF-8") from None


def load_text(text: str) -> Document:
    """Load one YAML document from `text`; raise LoadError for anything that is not plain data."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text) from None
    except yaml.YAMLError as exc:
        raise LoadError("yaml-syntax", str(exc).splitlines()[0]) from None
    if node is None:
        raise LoadError("empty", "file holds no YAML document",
                        hint="an entry is a mapping of fields, e.g. `title: ...`")
    return Document(_Converter().convert(node, 0), node, text[:node.start_mark.index])


def load_bytes(data: bytes) -> Document:
    return load_text(decode(data))


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> LoadError:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    problem = exc.problem or exc.context or "invalid YAML"
    hint = None
    source_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    if "\t" in problem or "\t" in source_line[: max(column, 1)]:
        return LoadError("tab", "a tab is used for indentation; YAML allows only spaces", line, column,
                         hint="replace the tab with spaces")
    if "mapping values are not allowed" in problem:
        hint = "a value containing ': ' must be quoted"
    elif "found character '@'" in problem or "found character '`'" in problem:
        hint = "values starting with @ or ` must be quoted"
    return LoadError("yaml-syntax", f"YAML syntax error: {problem}", line, column, hint=hint)


class _Converter:
    """Builds Python values from a composed node graph (see module doc for what it refuses)."""

    def __init__(self):
        self.seen: set[int] = set()

    def convert(self, node: yaml.Node, depth: int):
        if depth > MAX_DEPTH:
            raise _error(node, "too-deep", f"nesting deeper than {MAX_DEPTH} levels",
                         "entries are flat: a few lists and small mappings at most")
        if id(node) in self.seen:  # the same node twice means an alias: never needed in an entry
            raise _error(node, "yaml-alias", "this value is anchored (&name) and reused by an alias (*name); "
                         "anchors and aliases are not allowed", "write the value out in full")
        self.seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if isinstance(node, yaml.MappingNode) and node.tag == _TAG + "map":
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode) and node.tag == _TAG + "seq":
            return [self.convert(item, depth + 1) for item in node.value]
        raise _bad_tag(node)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> dict:
        result: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _error(key_node, "bad-key", "a mapping key must be a plain word",
                             "field names are words like `title`")
            if key_node.tag == _TAG + "merge":
                raise _error(key_node, "yaml-alias", "YAML merge keys (<<) are not allowed",
                             "write the fields out in full")
            key = key_node.value
            if key in result:
                raise _error(key_node, "duplicate-key",
                             f"duplicate key `{key}` (first defined on line {first_line[key]})",
                             "keep one of the two; YAML would silently use the last")
            first_line[key] = key_node.start_mark.line + 1
            result[key] = self.convert(value_node, depth + 1)
        return result


def _scalar(node: yaml.ScalarNode):
    tag, text = node.tag, node.value
    if tag == _TAG + "str":
        return text
    if tag == _TAG + "null":
        return None
    if tag == _TAG + "bool":
        return text.lower() in ("yes", "true", "on")
    if tag == _TAG + "int":
        return _construct(yaml.constructor.SafeConstructor.construct_yaml_int, node)
    if tag == _TAG + "float":
        return _construct(yaml.constructor.SafeConstructor.construct_yaml_float, node)
    if tag == _TAG + "timestamp":
        return _timestamp(text)
    raise _bad_tag(node)


def _bad_tag(node: yaml.Node) -> LoadError:
    return _error(node, "yaml-tag", f"YAML tag `{node.tag}` is not allowed",
                  "entries hold plain strings, numbers, lists and mappings; remove the tag")


def _error(node: yaml.Node, code: str, message: str, hint: str | None = None) -> LoadError:
    return LoadError(code, message, node.start_mark.line + 1, node.start_mark.column + 1, hint)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _construct(method, node):
    return method(_CONSTRUCTOR, node)


def _timestamp(text: str) -> str:
    """An ISO date as YamlDate; anything else YAML calls a timestamp (or an impossible date) as plain str."""
    match = _DATE_RE.match(text)
    if match:
        try:
            return YamlDate(datetime.date(*map(int, match.groups())).isoformat())
        except ValueError:
            return text  # e.g. 2024-02-30: left as text, the validator reports it as an impossible date
    return YamlDate(text)

