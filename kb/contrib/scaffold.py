"""Writing new entries: ids from titles, what is missing, duplicates of what the KB has, and a write
that happens only when the validator passes the exact text (staged outside the KB first)."""
from __future__ import annotations

import datetime
import re
import tempfile
import textwrap
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import (
    ENTRIES_DIR,
    ID_PATTERN,
    KbError,
    UsageError,
    arxiv_id,
    atomic_write,
    bare_doi,
    fields,
    load_entries,
    require_taxonomy,
    required_fields,
)
from kb.model.identity import identity_keys

from .canonical import render_entry
from .naming import option_name

PROSE_FIELDS = ("why", "for_whom", "caveats")
PROSE_WIDTH = 100  # new prose is wrapped like the existing entries'
ID_WORDS, ID_LENGTH = 6, 60
_STOP_WORDS = {"a", "an", "and", "for", "from", "in", "of", "on", "the", "to", "with"}
_KIND_NAMES = {"url": "URL", "arxiv": "arXiv id", "doi": "DOI", "title": "title and year"}


class MissingFields(UsageError):
    def __init__(self, entry_type: str, names: list[str]):
        self.names = names
        super().__init__(f"a {entry_type} entry needs {', '.join(names)}: give "
                         f"{' '.join('--' + option_name(n) for n in names)} (kb new prompts for them on a terminal)")


class EntryExists(KbError):
    """The id or the resource (URL, arXiv id, DOI, title and year) is already in the KB."""


class EntryInvalid(KbError):
    def __init__(self, problems: list):
        self.problems = problems
        super().__init__("the entry would not pass `kb validate`:\n" + "\n".join(
            f"  line {p.line}: {p.code}: {p.message}" + (f" ({p.hint})" if p.hint else "") for p in problems))


def parse_value(entry_type: str, name: str, text: str):
    """A field's value from what a person typed: lists comma-separated, numbers as numbers."""
    schema = fields(entry_type).get(name, {})
    kind = schema.get("type")
    if kind == "array":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "integer" or schema.get("$ref", "").endswith("/year"):
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"{name} must be a whole number, not `{text}`") from None
    if kind == "number":
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"{name} must be a number, not `{text}`") from None
    return text.strip()


def slug_id(title: str, year: int | None = None) -> str:
    """An entry id from a title: ASCII, lowercase, hyphenated, the first few words that say something,
    then the year: 'Training Large Language Models to Reason' -> training-large-language-models-reason-2024."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    ascii_title = re.sub(r"(\w)['’](\w)", r"\1\2", ascii_title)  # don't -> dont
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_title) if w]
    kept = [w for w in words if w not in _STOP_WORDS][:ID_WORDS] or words[:ID_WORDS] or ["entry"]
    slug = "-".join(kept)[:ID_LENGTH].strip("-")
    return f"{slug}-{year}" if year and str(year) not in kept else slug


def complete(entry_type: str, data: dict, today: datetime.date | None = None) -> dict:
    """`data` with empty values dropped, `added` defaulting to today, an id from the title when none is
    given, and prose wrapped and ending in a newline (written as `|` blocks, the house style)."""
    data = {k: v for k, v in data.items() if v not in (None, "", [], ())}
    data.setdefault("added", (today or datetime.date.today()))
    for name in ("added", "published"):
        if isinstance(data.get(name), str):
            data[name] = _date_or_year(name, data[name])
    if isinstance(data.get("arxiv"), str):
        data["arxiv"] = arxiv_id(data["arxiv"]) or data["arxiv"]
    if isinstance(data.get("doi"), str):
        data["doi"] = bare_doi(data["doi"])
    if "id" not in data and isinstance(data.get("title"), str):
        data["id"] = slug_id(data["title"], _year(data))
    for name in PROSE_FIELDS:
        if isinstance(data.get(name), str):
            data[name] = wrap_prose(data[name])
    order = list(fields(entry_type))
    return dict(sorted(data.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


def _year(data: dict) -> int | None:
    for value in (data.get("year"), data.get("published")):
        if isinstance(value, int):
            return value
        if isinstance(value, datetime.date):
            return value.year
    return None


def _date_or_year(name: str, text: str) -> datetime.date | int:
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{name} must be a date written YYYY-MM-DD, not `{text}`") from None


def wrap_prose(text: str) -> str:
    """Long lines wrapped at PROSE_WIDTH (Markdown reads a single line break as a space); list items,
    headings, quotes and indented code left as they are."""
    lines = []
    for line in text.strip().splitlines():
        if len(line) > PROSE_WIDTH and not re.match(r"^\s*(?:[-*+>#|]|\d+\.|\s{4})", line):
            lines += textwrap.wrap(line, PROSE_WIDTH, break_long_words=False, break_on_hyphens=False)
        else:
            lines.append(line.rstrip())
    return "\n".join(lines) + "\n"


def check_vocabulary(root: Path, domains: list[str], audience: list[str]) -> None:
    """UsageError unless every domain and audience id is in the taxonomy (and there is one of each)."""
    taxonomy = require_taxonomy(root / ENTRIES_DIR)
    for values, known, kind in ((domains, taxonomy.domains, "domain"), (audience, taxonomy.audiences, "audience")):
        if not values:
            raise UsageError(f"give at least one --{kind} (ids from entries/taxonomy.yaml)")
        for value in values:
            if value not in known:
                raise taxonomy.unknown(kind, value)


def with_metadata(entry_type: str, data: dict, fetch: bool = True) -> tuple[dict, dict | None]:
    """`data` completed with a paper's metadata fetched for its `arxiv` or `doi` (values given win over
    fetched ones), and what was fetched (None when nothing was asked for)."""
    if entry_type != "paper" or not fetch or not (data.get("arxiv") or data.get("doi")):
        return data, None
    from .metadata import fetch_arxiv, fetch_doi

    found = fetch_arxiv(data["arxiv"]) if data.get("arxiv") else fetch_doi(data["doi"])
    return {**found, **data}, found


def missing_fields(entry_type: str, data: dict) -> list[str]:
    """Required fields `data` lacks; `id` only when a title is there to make it from but gave none."""
    return [name for name in required_fields(entry_type)
            if name not in data and not (name == "id" and "title" not in data)]


class Catalogue:
    """What the KB already holds: ids, and the identity keys of every entry (to refuse duplicates)."""

    def __init__(self, root: Path):
        entries, _ = load_entries(root)
        self.ids = {e.id for e in entries}
        self.owners: dict[tuple[str, str], str] = {}
        for entry in entries:
            for key in entry.identity_keys:
                self.owners.setdefault(key, entry.id)

    def duplicate_of(self, data: dict) -> str | None:
        """Why `data` is already in the KB (naming the entry), or None."""
        if data.get("id") in self.ids:
            return f"an entry with id `{data['id']}` already exists (choose another with --id)"
        for kind, key in identity_keys(data):
            if (kind, key) in self.owners:
                return f"the KB already has this resource as `{self.owners[(kind, key)]}` (same {_KIND_NAMES[kind]})"
        return None

    def add(self, data: dict) -> None:
        self.ids.add(data["id"])
        for key in identity_keys(data):
            self.owners.setdefault(key, data["id"])


@dataclass
class Staged:
    entry_type: str
    data: dict
    text: str
    problems: list = field(default_factory=list)

    @property
    def path(self) -> Path:
        return Path(ENTRIES_DIR) / self.entry_type / f"{self.data['id']}.yaml"


def stage(root: Path, drafts: list[tuple[str, dict]]) -> list[Staged]:
    """Render each (type, data) and run the validator on the exact text, in a folder outside the KB
    (cross-entry checks still see the whole KB); each result carries its problems. Writes nothing."""
    from kb.validate import validate

    staged = [Staged(t, d, render_entry(t, d)) for t, d in drafts]
    with tempfile.TemporaryDirectory(prefix="kb-new-") as folder:
        by_path = {}
        for item in staged:
            path = Path(folder) / item.entry_type / f"{item.data['id']}.yaml"
            atomic_write(path, item.text)
            by_path[str(path.resolve())] = item
        if by_path:
            for problem in validate(root, [Path(p) for p in by_path]).problems:
                if problem.severity == "error" and problem.path in by_path:
                    by_path[problem.path].problems.append(problem)
    return staged


def write_staged(root: Path, item: Staged) -> Path:
    """Write a staged entry into the KB; never over an existing file."""
    target = root / item.path
    if target.exists():
        raise EntryExists(f"{item.path.as_posix()} already exists; kb never overwrites an entry")
    atomic_write(target, item.text)
    return target


def new_entry(root: Path, entry_type: str, data: dict, today: datetime.date | None = None,
              dry_run: bool = False) -> Staged:
    """Complete, check and write one entry (see `kb new`). Raises MissingFields, EntryExists (naming
    the entry the KB already has) or EntryInvalid; writes nothing then, nor on a dry run."""
    foreign = [name for name in data if name not in fields(entry_type)]
    if foreign:
        raise UsageError(f"{', '.join('--' + option_name(n) for n in foreign)}: not a field of {entry_type} entries "
                         f"(see docs/fields.md)")
    data = complete(entry_type, data, today)
    missing = missing_fields(entry_type, data)
    if missing:
        raise MissingFields(entry_type, missing)
    if not ID_PATTERN.match(str(data["id"])):
        raise UsageError(f"`{data['id']}` is not an entry id (lowercase letters, digits and single hyphens)")
    check_vocabulary(root, data["domains"], data["audience"])  # with the hint; the taxonomy must load
    duplicate = Catalogue(root).duplicate_of(data)
    if duplicate:
        raise EntryExists(f"not adding `{data['id']}`: {duplicate}")
    item, = stage(root, [(entry_type, data)])
    if item.problems:
        raise EntryInvalid(item.problems)
    if not dry_run:
        write_staged(root, item)
    return item
