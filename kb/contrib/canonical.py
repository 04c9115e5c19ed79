"""The canonical form of an entry file: what `kb fmt` rewrites entries into and what `kb new` and
`kb import-bibtex` write.

- Line 1 is the schema comment naming the type's editor schema (kb.model.schema_comment): editors use it
  for completion and checks; any other yaml-language-server modeline is replaced by it.
- Fields in FIELD order: identity (id, title, url, links), classification (domains, audience), the
  resource's particulars (the type's own fields, then PARTICULARS: `year`, `hours`, `format`,
  `access`), the curator's prose (why, for_whom, caveats), then tags, cross-references and `added`:
  the schema's order with the type's own fields and PARTICULARS moved ahead of the prose. Fields the
  schema does not know keep their place after these (the validator reports them). Keys inside `links`
  and `recommended_by` items follow the schema too.
- Quoting: titles in double quotes; other one-line strings plain unless YAML would read them as
  something else (a number, a date, `yes`) or they hold YAML syntax, then in double quotes; text with
  line breaks as a literal block (`|`).
- Line width: a list of strings is written `[a, b]` when that fits in WIDTH columns, else one item per
  line; strings are never folded (a title or URL stays greppable on one line), and block text is kept as
  written, since re-wrapping it would change the value.

Comments are kept (ruamel.yaml round-trips them). A result that would load to different values than the
input is refused (FormatError), so formatting never changes what an entry says.
"""
from __future__ import annotations

import datetime
import io
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, PlainScalarString

from kb.model import (
    TYPES,
    KbError,
    LoadError,
    YamlDate,
    atomic_write,
    entry_schema,
    fields,
    link_outside,
    load_text,
    modeline_schema,
    relative_path,
    schema_comment,
    select_entry_files,
)
from kb.model import entry_type as entry_type_of

WIDTH = 120
PARALLEL_FROM = 200  # files; below this, starting worker processes costs more than it saves
MAX_WORKERS = 4
ALWAYS_QUOTED = ("title",)
PARTICULARS = ("year", "hours", "format", "access")  # shared fields written with the type's own ones
_NO_BLOCK = re.compile(r"[ \t]\n|[\t\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]|^[ \n]")


class FormatError(KbError):
    """A file that cannot be formatted: it does not load, or formatting it would change a value."""


@cache
def field_order(entry_type: str) -> tuple[str, ...]:
    """The canonical order of an entry's fields (see the module doc)."""
    common = list(entry_schema()["$defs"]["common"]["properties"])
    own = [name for name in fields(entry_type) if name not in common]
    prose_at = common.index("why")
    later = [name for name in common[prose_at:] if name not in PARTICULARS]
    return (*common[:prose_at], *own, *PARTICULARS, *later)


def format_text(text: str, entry_type: str) -> str:
    """`text` (an entry of `entry_type`) in canonical form; FormatError if it does not load as a mapping.
    Line endings become LF (CRLF files are rewritten)."""
    text = text.replace("\r\n", "\n")
    try:
        before = load_text(text).value
    except LoadError as exc:
        raise FormatError(f"line {exc.line}: {exc.message}") from None
    if not isinstance(before, dict):
        raise FormatError("not a mapping of fields")
    if "#" not in text.partition("\n")[2] and render_entry(entry_type, _with_dates(before)) == text:
        return text  # the common case, already canonical: ruamel's (slower) round trip is only for changes
    # the type's schema comment goes to line 1 (_dump), replacing any modeline wherever it was
    document = _yaml().load("".join(line for line in text.splitlines(keepends=True) if modeline_schema(line) is None))
    _comments_to_their_fields(document)
    result = _dump(_restyle_entry(document, entry_type), entry_type)
    if load_text(result).value != before:  # a guard: the rules above are meant to make this impossible
        raise FormatError("formatting would change a value; the file is left as it is")
    return result


def _comments_to_their_fields(document: CommentedMap) -> None:
    """Attach every comment to the field it belongs to before fields move. ruamel.yaml hangs a comment
    line that precedes field B on field A, the one before it (and the comment after a block indicator,
    `why: >-  # note`, on the scalar's style, which restyling drops): a comment on its own line goes
    to the field below it, one after a block indicator above its field; end-of-line comments stay."""
    keys = list(document)
    for index, key in enumerate(keys):
        slots = document.ca.items.get(key)
        if not slots:
            continue
        after = slots[2] if len(slots) > 2 else None
        if after is not None:
            value = after.value[1:] if after.value.startswith("\n") else after.value  # the value line's end
            first, *rest = value.splitlines(keepends=True) or [""]
            eol = after.start_mark.column > 0 and first.lstrip().startswith("#")  # on the value's line
            lines = rest if eol else [first, *rest]
            text = _comment_text(lines)
            if index + 1 == len(keys):
                pass  # after the last field: the end of the file, where it stays (with that field)
            elif text:
                slots[2] = _comment_token(first, after) if eol else None
                _comment_before(document, keys[index + 1], text)
        indicator = slots[3] if len(slots) > 3 else None
        if indicator:
            slots[3] = None
            _comment_before(document, key, _comment_text(indicator))


def _comment_text(lines) -> str:
    """Comment lines as text for ruamel's yaml_set_comment_before_after_key: without `#`, blank lines kept."""
    texts = [line.strip() for line in lines]
    while texts and not texts[-1]:
        texts.pop()
    while texts and not texts[0]:
        texts.pop(0)
    return "\n".join(t[1:].lstrip() if t.startswith("#") else t for t in texts)


def _comment_before(document: CommentedMap, key: str, text: str) -> None:
    slots = document.ca.items.get(key)
    earlier = [t.value for t in (slots[1] or [])] if slots and len(slots) > 1 and slots[1] else []
    if slots and len(slots) > 1:
        slots[1] = None
    document.yaml_set_comment_before_after_key(key, before="\n".join(
        [*(_comment_text([line]) for v in earlier for line in v.splitlines() if line.strip()), text]), indent=0)


def _comment_token(value: str, like):
    from ruamel.yaml.tokens import CommentToken

    return CommentToken(value, like.start_mark, None)


def render_entry(entry_type: str, data: dict) -> str:
    """A new entry file holding `data`, in canonical form."""
    return _dump(_restyle_entry(_commented(data), entry_type), entry_type)


def _with_dates(value):
    """Loaded values with dates as datetime.date, as ruamel.yaml reads (and writes) them."""
    if isinstance(value, dict):
        return {k: _with_dates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_dates(v) for v in value]
    if isinstance(value, YamlDate):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _yaml() -> YAML:
    handler = YAML()  # round-trip: keeps comments, key order and the original scalars
    handler.preserve_quotes = True  # so an unquoted `no` (a boolean to YAML 1.1 readers) is left unquoted
    handler.width = 10_000  # never fold a string; lists are wrapped by _restyle_list instead
    handler.indent(mapping=2, sequence=4, offset=2)
    return handler


def _dump(document: CommentedMap, entry_type: str) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    text, comment = out.getvalue(), schema_comment(entry_type)
    return text if text.startswith(comment + "\n") else f"{comment}\n{text}"


def _commented(value):
    if isinstance(value, dict):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(v) for v in value)
    if isinstance(value, str):  # a string from Python is text, however it reads unquoted (see _string)
        return DoubleQuotedScalarString(value)
    return value


def _restyle_entry(document: CommentedMap, entry_type: str) -> CommentedMap:
    _reorder(document, field_order(entry_type))
    properties = fields(entry_type)
    for key, value in document.items():
        item_order = list(properties.get(key, {}).get("items", {}).get("properties", {}))
        document[key] = _restyle(value, key, len(key) + 2, item_order)
    return document


def _reorder(mapping: CommentedMap, order) -> None:
    """Known keys in `order`, then the others as they were. Comments travel with their keys."""
    rank = {name: i for i, name in enumerate(order)}
    for key in sorted(mapping, key=lambda k: rank.get(k, len(rank))):
        mapping.move_to_end(key)


def _restyle(value, key: str, column: int, item_order: list[str]):
    if isinstance(value, str):
        return _string(value, quoted=key in ALWAYS_QUOTED, flow=False)
    if isinstance(value, list):
        return _restyle_list(value, column, item_order)
    if isinstance(value, dict):
        _reorder(value, item_order)
        for inner_key, inner in value.items():
            value[inner_key] = _restyle(inner, inner_key, 0, [])
    return value


def _restyle_list(items: CommentedSeq, column: int, item_order: list[str]) -> CommentedSeq:
    if all(isinstance(item, str) for item in items):
        for i, item in enumerate(items):
            items[i] = _string(item, quoted=False, flow=True)
        flow_width = column + sum(len(_shown(item)) + 2 for item in items)  # `key: [a, b]`
        if items and flow_width <= WIDTH and not items.ca.items:  # comments on items need block style
            items.fa.set_flow_style()
        else:
            items.fa.set_block_style()
            for i, item in enumerate(items):
                items[i] = _string(item, quoted=False, flow=False)
        return items
    items.fa.set_block_style()
    for i, item in enumerate(items):
        items[i] = _restyle(item, "", 4, item_order)
    return items


def _string(value: str, quoted: bool, flow: bool):
    text = str(value)
    if type(value) is str and not _plain_reads_back(text, flow) and _read_as_other(text):
        return value  # written unquoted, so YAML 1.1 readers see a boolean or number: keep what it says
    if "\n" in text and not _NO_BLOCK.search(text):
        return LiteralScalarString(text)
    if quoted or "\n" in text or not _plain_reads_back(text, flow):
        return DoubleQuotedScalarString(text)
    return PlainScalarString(text)  # a str would take on the quoting of the value it replaces


def _shown(item) -> str:
    return json.dumps(str(item), ensure_ascii=False) if isinstance(item, DoubleQuotedScalarString) else str(item)


def _read_as_other(text: str) -> bool:
    try:
        return not isinstance(yaml.safe_load(text), str)
    except yaml.YAMLError:
        return False


@lru_cache(maxsize=4096)
def _plain_reads_back(text: str, flow: bool) -> bool:
    """Whether `text` can be written unquoted and read back as the same string by a YAML 1.1 reader (as
    PyYAML, and so kb, reads entries): PyYAML's emitter only goes plain when that holds."""
    if flow:
        return yaml.safe_dump([text], default_flow_style=True, width=10_000, allow_unicode=True) == f"[{text}]\n"
    return yaml.safe_dump({"k": text}, width=10_000, allow_unicode=True) == f"k: {text}\n"


@dataclass
class FormatReport:
    checked: int = 0
    changed: list[str] = field(default_factory=list)  # paths (relative to the root) not in canonical form
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, why it cannot be formatted)
    write: bool = True  # False: --check, nothing written
    changed_since: str | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or (not self.write and self.changed) else 0

    def summary(self) -> str:
        if self.changed_since and not self.checked:
            return f"no entry changed since {self.changed_since}"
        return f"{self.checked} files checked, {len(self.changed)} {'reformatted' if self.write else 'to reformat'}"


def format_paths(root: Path, paths: list[Path] | None = None, changed_since: str | None = None,
                 write: bool = True) -> FormatReport:
    """Put the selected entry files (kb.model's selector: default all) in canonical form, writing those
    that change unless `write` is false. Files that do not load are reported, never touched. From
    PARALLEL_FROM files on, the formatting is spread over the CPU cores (it is CPU-bound)."""
    root = Path(root).resolve()
    targets = select_entry_files(root, paths, changed_since).files
    report = FormatReport(checked=len(targets), write=write, changed_since=changed_since)
    outside = {p: why for p in targets if (why := link_outside(p, root))}
    report.failed += [(relative_path(p, root), why) for p, why in sorted(outside.items())]
    # a link inside the KB is followed: its target is written, the link stays a link
    targets = list(dict.fromkeys(p.resolve() if p.is_symlink() else p for p in targets if p not in outside))
    for path, (formatted, error) in zip(targets, _map(_format_file, targets), strict=True):
        shown = relative_path(path, root)
        if error:
            report.failed.append((shown, error))
        elif formatted is not None:
            report.changed.append(shown)
            if write:
                atomic_write(path, formatted)
    return report


def _format_file(path: Path) -> tuple[str | None, str | None]:
    """(the canonical text if it differs from the file's, why the file cannot be formatted)."""
    entry_type = entry_type_of(path)
    if entry_type is None:
        return None, f"not in an entry type folder ({', '.join(TYPES)})"
    if path.suffix != ".yaml":
        return None, "not a .yaml file"
    try:
        text = path.read_bytes().decode("utf-8")  # not read_text: it would hide CRLF line ends
        formatted = format_text(text, entry_type)
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read: {exc}"
    except FormatError as exc:
        return None, str(exc)
    return (formatted if formatted != text else None), None


def _map(function, items: list) -> list:
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(items) < PARALLEL_FROM or workers < 2:
        return [function(item) for item in items]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(function, items, chunksize=max(1, len(items) // (4 * workers))))
