"""BibTeX both ways: `entry_to_bibtex(entry)` writes any entry as a record (the one writer, behind
`kb export --format bibtex` and the site's "Cite" blocks) and `import_bibtex_file` reads records back as
entries (`kb import-bibtex`), through bibtexparser 2 and its middlewares.

Writing follows biblatex's data model (what biber, Zotero and JabRef read; `bibliography()` ends the file
with JabRef's biblatex-mode comment):
- papers: @article (journaltitle = venue) when the venue is not arXiv, else @misc (howpublished = venue);
- lecture series and research guides: @online, `entrysubtype` = the kb type (lecture-series or
  research-guide: how the import recognises them), organization = institution (lecture series) or venue;
- key = entry id; title in double braces (its capitals kept); author = lecturers or authors joined by
  `and` (a name holding `and` or a comma braced whole); `date` for a guide published on a day, else `year`;
  the arXiv id as eprint with eprinttype arxiv; doi; url. Text is LaTeX-escaped so that any value makes a
  well-formed record that decodes back to itself; doi and url are verbatim fields, left out when they hold
  braces, backslashes or spaces (and url unless http(s)).

Reading: @string macros resolved; authors split on `and` ("Last, First" turned round; `and others` and
`et al.` dropped with a warning, never made authors); LaTeX decoded in text fields (`Jos\\'e` -> José,
`{\\TeX}` -> TeX; a command kb cannot decode is named in a warning, its arguments' text kept); url, doi
and eprint kept verbatim (`%` and `~` are not LaTeX there). The URL is the `url` field, else a `\\url{...}`
or `\\href{...}` in howpublished or note, else https://doi.org/DOI, else the arXiv page. The type is the
record's `entrysubtype` when it names a kb type, else paper. why and for_whom are written as a TODO that
`kb validate` reports (code `todo`) until a person replaces it; domains and audience come from the caller.
Reported, never written: malformed blocks, records lacking what their type requires, duplicates of an
entry in the KB or of an earlier record, and records `kb validate` would reject for anything but the TODOs.
"""
from __future__ import annotations

import datetime
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import KbError, UsageError, arxiv_id, arxiv_url, bare_doi, doi_url

MAX_BYTES = 50 * 1024 * 1024  # a thesis bibliography is a few megabytes; /dev/zero is endless
TODO_WHY = "TODO: say why this is worth the reader's time over the alternatives, in your own words."
TODO_FOR_WHOM = "TODO: who it suits and what they should know first."
ALLOWED_CODES = ("todo",)  # validation problems an imported entry may still have
VERBATIM_FIELDS = ("url", "doi", "eprint")
SUBTYPES = ("lecture-series", "research-guide")  # entrysubtype values that make a record that kb type
JABREF_BIBLATEX = "@comment{jabref-meta: databaseType:biblatex;}\n"  # JabRef opens the file in biblatex mode
REQUIRED = {"paper": ("title", "authors", "year", "url"), "lecture-series": ("title", "lecturers", "url"),
            "research-guide": ("title", "authors", "url")}

_LATEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&",
          "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_LATEX_SPECIALS = re.compile("|".join(map(re.escape, _LATEX)))
_LIGATURE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)")  # -- `` '' !` ?` mean other marks
_VERBATIM_OK = re.compile(r"^[^\s{}\\]+$")
_HTTP = re.compile(r"^https?://[^\s{}\\]+$", re.I)
_URL_COMMAND = re.compile(r"\\(?:url|href)\s*\{([^{}\s]+)\}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/]*(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})", re.I)
_PLAIN = re.compile(r"^[^\\{}~$%&#^_`'!?\-]*$")  # no character LaTeX gives a meaning of its own
_NOT_A_NAME = re.compile(r"^(?:others|et\.?\s*al\.?)$", re.I)
_ET_AL = re.compile(r"\s*,?\s+et\.?\s*al\.?$", re.I)
_QUIET = logging.NullHandler()


# --- writing ---------------------------------------------------------------------------------------------

def latex_escape(value) -> str:
    """Text as a BibTeX field value: LaTeX specials escaped, braces always balanced, one line, and the
    ligatures LaTeX would make of `--` or two quotes broken up, so the value reads back as written."""
    text = _LATEX_SPECIALS.sub(lambda m: _LATEX[m.group()], " ".join(str(value).split()))
    return _LIGATURE.sub("{}", text)


def entry_to_bibtex(entry) -> str:
    """The entry as one BibTeX record (text ending in a newline); see the module doc."""
    data = entry.data
    venue = data.get("venue") if isinstance(data.get("venue"), str) else None
    if entry.type == "paper":
        kind = "article" if venue and "arxiv" not in venue.lower() else "misc"
    else:
        kind = "online"
    fields = [("title", "{" + latex_escape(entry.title) + "}")]  # inner braces keep the title's capitals
    if entry.people:
        fields.append(("author", " and ".join(_name(person) for person in entry.people)))
    day = _published_day(entry)
    fields += [("date", day)] if day else [("year", str(entry.year))] if entry.year else []
    publisher = data.get("institution") if entry.type == "lecture-series" else venue
    if kind == "article":
        fields.append(("journaltitle", latex_escape(venue)))
    elif publisher and isinstance(publisher, str):
        fields.append(("howpublished" if kind == "misc" else "organization", latex_escape(publisher)))
    if kind == "online":
        fields.append(("entrysubtype", entry.type))
    if isinstance(data.get("arxiv"), str):
        fields += [("eprint", latex_escape(data["arxiv"])), ("eprinttype", "arxiv")]
    fields += [("doi", data["doi"])] if _verbatim_ok(data.get("doi")) else []
    fields += [("url", entry.url)] if entry.url and _HTTP.match(entry.url) else []
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{entry.id},\n{body}\n}}\n"


def bibliography(entries) -> str:
    """A .bib file of the entries, in the order given."""
    return "\n".join([*(entry_to_bibtex(entry) for entry in entries), JABREF_BIBLATEX])


def _name(person: str) -> str:
    """A name for the author list; braced whole when BibTeX would otherwise split it (on `and`) or turn
    it round (at a comma)."""
    escaped = latex_escape(person)
    return "{" + escaped + "}" if re.search(r"\band\b|,", person, re.I) else escaped


def _published_day(entry) -> str | None:
    published = entry.data.get("published")
    if entry.type != "research-guide" or entry.data.get("year") or not isinstance(published, str):
        return None
    return published if _ISO_DATE.match(published) else None


def _verbatim_ok(value) -> bool:
    """doi and url are verbatim fields (no LaTeX escapes): only emitted when they need none."""
    return isinstance(value, str) and bool(_VERBATIM_OK.match(value))


# --- reading ---------------------------------------------------------------------------------------------

class BibtexError(KbError):
    pass


@dataclass
class Skipped:
    line: int
    key: str
    reason: str  # for people: starts with the kind
    kind: str = "incomplete"  # duplicate, incomplete, invalid, malformed or warning


@dataclass
class ImportReport:
    """What an import wrote and why it skipped the rest; it prints itself and owns its exit code."""

    source: str = "<text>"  # the file, as `FILE:LINE:` in notes
    dry_run: bool = False
    written: list[Path] = field(default_factory=list)  # relative to the root (would be, on a dry run)
    skipped: list[Skipped] = field(default_factory=list)  # duplicates, incomplete or invalid records
    malformed: list[Skipped] = field(default_factory=list)  # blocks bibtexparser could not read
    warnings: list[Skipped] = field(default_factory=list)  # written, but something was left out

    @property
    def exit_code(self) -> int:
        """1 when a record needs the user's attention (malformed, incomplete, invalid); duplicates and
        warnings do not fail the import."""
        return 1 if self.malformed or any(s.kind != "duplicate" for s in self.skipped) else 0

    def lines(self) -> list[str]:
        return [f"{'would write' if self.dry_run else 'wrote'} {path.as_posix()}" for path in self.written]

    def notes(self) -> list[str]:
        """`FILE:LINE: what KEY: why` for each record not written as it was, in file order."""
        labels = {"malformed": "malformed block", "warning": "warning"}
        items = sorted(self.malformed + self.skipped + self.warnings, key=lambda s: s.line)
        return [f"{self.source}:{s.line}: {labels.get(s.kind, 'skipped')} {s.key or '(no key)'}: {s.reason}"
                for s in items]

    def summary(self) -> str:
        return (f"{len(self.written)} {'to write' if self.dry_run else 'written'}, {len(self.skipped)} skipped, "
                f"{len(self.malformed)} malformed" + ("; each new entry needs its why and for_whom written "
                                                      "(kb validate lists them)" if self.written else ""))


def import_bibtex_file(root: Path, path: Path, domains: list[str], audience: list[str],
                       dry_run: bool = False) -> ImportReport:
    """import_bibtex on a file: refused (UsageError) when it is larger than MAX_BYTES, unreadable or not
    UTF-8; never read whole before its size is known to be within the cap."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"{path} is larger than {MAX_BYTES // 2**20} MB, the most kb import-bibtex reads; "
                         "split it into smaller files")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    return import_bibtex(root, text, domains, audience, dry_run=dry_run, source=str(path))


def import_bibtex(root: Path, text: str, domains: list[str], audience: list[str], dry_run: bool = False,
                  source: str = "<text>") -> ImportReport:
    """Add an entry for each new record in `text` (see the module doc); writes nothing on a dry run."""
    from .scaffold import Catalogue, check_vocabulary, complete, stage, write_staged

    check_vocabulary(root, domains, audience)
    records, report = parse(text)
    report.source, report.dry_run = source, dry_run
    catalogue, drafts = Catalogue(root), []
    for line, key, found in records:
        if isinstance(found, Skipped):
            report.skipped.append(found)
            continue
        entry_type, data, warnings = found
        data = complete(entry_type, {**data, "domains": domains, "audience": audience, "why": TODO_WHY,
                                     "for_whom": TODO_FOR_WHOM})
        duplicate = catalogue.duplicate_of({**data, "id": None})
        if duplicate:
            report.skipped.append(Skipped(line, key, f"duplicate: {duplicate}", "duplicate"))
            continue
        data["id"] = _free_id(data["id"], catalogue.ids)
        catalogue.add(data)
        drafts.append((line, key, entry_type, data, warnings))
    staged = stage(root, [(entry_type, data) for _, _, entry_type, data, _ in drafts])
    for (line, key, _, _, warnings), item in zip(drafts, staged, strict=True):
        blocking = [p for p in item.problems if p.code not in ALLOWED_CODES]
        if blocking:
            report.skipped.append(Skipped(line, key, "invalid: " + "; ".join(p.full_message for p in blocking),
                                          "invalid"))
            continue
        if not dry_run:
            write_staged(root, item)
        report.written.append(item.path)
        report.warnings += [Skipped(line, key, warning, "warning") for warning in warnings]
    return report


def parse(text: str) -> tuple[list[tuple[int, str, tuple[str, dict, list[str]] | Skipped]], ImportReport]:
    """(line, key, (type, entry fields, warnings) or why the record cannot be used) per record, and a
    report holding the malformed blocks."""
    import bibtexparser
    from bibtexparser.middlewares import MergeNameParts, SeparateCoAuthors, SplitNameParts

    logging.getLogger("bibtexparser").addHandler(_QUIET)  # its warnings repeat what the report says
    try:
        library = bibtexparser.parse_string(text)  # default stack: @string macros resolved, braces removed
        raw = {e.start_line: {k.lower(): f.value for k, f in e.fields_dict.items() if isinstance(f.value, str)}
               for e in library.entries}
        library = SeparateCoAuthors().transform(library)
        not_names = _drop_not_names(library)
        decoding = _decoding()  # after the names are split and merged: braces still protect `{A and B}`
        for middleware in (SplitNameParts(), MergeNameParts("first"), decoding):
            library = middleware.transform(library)
    except Exception as exc:  # bibtexparser raises on its own internal errors, not on bad BibTeX
        raise BibtexError(f"bibtexparser could not read the file: {type(exc).__name__}: {exc}") from None
    report = ImportReport(malformed=[Skipped(b.start_line + 1, _block_key(b.raw), _block_error(b), "malformed")
                                     for b in library.failed_blocks])
    records = []
    for entry in library.entries:
        line = entry.start_line + 1
        values = {k.lower(): f.value for k, f in entry.fields_dict.items()}
        found = _entry_fields(values, raw[entry.start_line])
        if isinstance(found, str):
            records.append((line, entry.key, Skipped(line, entry.key, found)))
            continue
        warnings = [f"`{name}` in `author` is not a name: left out (add the other authors by hand)"
                    for name in not_names.get(entry.start_line, ())]
        unknown = sorted(decoding.unknown.get(entry.start_line, ()))
        if unknown:
            warnings.append("LaTeX kb cannot decode: " + ", ".join(f"`\\{name}`" for name in unknown)
                            + " left out, the text of the arguments kept (check the entry's text)")
        records.append((line, entry.key, (*found, warnings)))
    return records, report


def _entry_fields(values: dict, raw: dict) -> tuple[str, dict] | str:
    """(type, entry fields) from a record's decoded and raw fields, or why they do not make an entry."""
    text = {k: " ".join(v.split()) for k, v in values.items() if isinstance(v, str)}
    entry_type = raw.get("entrysubtype", "").strip().lower()
    entry_type = entry_type if entry_type in SUBTYPES else "paper"
    doi = bare_doi(raw["doi"]) if raw.get("doi", "").strip() else None
    arxiv = _arxiv(text, raw)
    url = _url(raw) or (doi_url(doi) if doi else arxiv_url(arxiv) if arxiv else None)
    people = [" ".join(str(p).split()) for p in values.get("author", []) if str(p).strip()] \
        if isinstance(values.get("author"), list) else []
    date = text.get("date", "") if _is_date(text.get("date", "")) else None
    year = re.match(r"^\d{4}", text.get("year") or text.get("date") or "")
    year = int(year.group()) if year else None
    published_by = next((text[k] for k in ("organization", "institution", "howpublished", "journaltitle",
                                            "journal", "booktitle") if text.get(k) and _not_a_link(k, raw)), None)
    if entry_type == "lecture-series":
        data = {"title": text.get("title"), "url": url, "lecturers": people, "year": year,
                "institution": published_by}
    elif entry_type == "research-guide":
        data = {"title": text.get("title"), "url": url, "authors": people, "published": date or year,
                "venue": published_by}
    else:
        venue = next((text[k] for k in ("journaltitle", "journal", "booktitle", "howpublished")
                      if text.get(k) and _not_a_link(k, raw)), None)
        data = {"title": text.get("title"), "url": url, "authors": people, "year": year,
                "venue": venue if venue and "arxiv" not in venue.lower() else None, "arxiv": arxiv, "doi": doi}
    lacking = [name for name in REQUIRED[entry_type] if not data[name]]
    if lacking:
        return (f"incomplete: no {', '.join(lacking)} for a {entry_type} (authors and lecturers come from "
                "`author`; the url can also come from doi, eprint or a \\url in howpublished or note)")
    return entry_type, {k: v for k, v in data.items() if v}


def _url(raw: dict) -> str | None:
    """The record's URL: the url field, else the first \\url{...} (or \\href) in howpublished or note, or a
    howpublished that is a bare address (as Zotero reads it)."""
    candidates = [raw.get("url", "").strip()]
    for name in ("howpublished", "note"):
        candidates += _URL_COMMAND.findall(raw.get(name, ""))
    candidates.append(raw.get("howpublished", "").strip())
    return next((c for c in candidates if _HTTP.match(c)), None)


def _not_a_link(name: str, raw: dict) -> bool:
    """A howpublished or note that is (or holds) a link says where, not who published it."""
    return not re.search(r"\\(?:url|href)\b|https?://", raw.get(name, ""))


def _is_date(value: str) -> bool:
    try:
        return bool(_ISO_DATE.match(value)) and bool(datetime.date.fromisoformat(value))
    except ValueError:
        return False


def _arxiv(text: dict, raw: dict) -> str | None:
    prefix = (text.get("archiveprefix") or text.get("eprinttype") or "").lower()
    eprint = raw.get("eprint", "").strip()
    if eprint and (prefix == "arxiv" or arxiv_id(eprint)):
        return arxiv_id(eprint)
    for name in ("url", "doi"):
        if raw.get(name) and arxiv_id(raw[name]):
            return arxiv_id(raw[name])
    found = _ARXIV_IN_TEXT.search(" ".join(text.get(k, "") for k in ("journal", "journaltitle", "note",
                                                                         "howpublished")))
    return found.group(1) if found else None


def _drop_not_names(library) -> dict[int, list[str]]:
    """Take `others` and `et al.` (BibTeX's way to say "and more") out of author lists split by
    SeparateCoAuthors; returns what was taken, per record (its start line)."""
    dropped: dict[int, list[str]] = defaultdict(list)
    for entry in library.entries:
        names = entry.fields_dict.get("author")
        if names is None or not isinstance(names.value, list):
            continue
        kept = []
        for name in names.value:
            if _NOT_A_NAME.match(name.strip()):
                dropped[entry.start_line].append(name.strip())
            elif _ET_AL.search(name):
                dropped[entry.start_line].append(_ET_AL.search(name).group().strip(" ,"))
                kept.append(_ET_AL.sub("", name))
            else:
                kept.append(name)
        names.value = kept
    return dropped


def _decoding():
    """bibtexparser's LaTeX decoding with what pylatexenc lacks for BibTeX files (\\TeX, \\mbox,
    \\textbraceleft, a plain `^` for \\textasciicircum, \\href's two arguments), applied to name lists too,
    and a record of each command it does not know instead of dropping it silently: .unknown maps a
    record's start line to those command names."""
    from bibtexparser.middlewares import LatexDecodingMiddleware
    from pylatexenc import latexwalker, macrospec
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    parsing = latexwalker.get_default_latex_context_db()  # how commands take arguments: \href takes two
    parsing.add_context_category("kb-bibtex", prepend=True, macros=[macrospec.MacroSpec("href", "{{")])

    class Decoder(LatexNodes2Text):
        unknown: set

        def latex_to_text(self, latex, **flags):
            if _PLAIN.match(latex):  # most values: nothing LaTeX would change (a third of an import's time)
                return latex
            return super().latex_to_text(latex, latex_context=parsing, **flags)

        def macro_node_to_text(self, node):
            if self.latex_context.get_macro_spec(node.macroname) is not None:
                return super().macro_node_to_text(node)
            self.unknown.add(node.macroname)  # pylatexenc would drop it and the arguments it parsed
            arguments = node.nodeargd.argnlist if node.nodeargd and node.nodeargd.argnlist else []
            return "".join(self.nodelist_to_text([argument]) for argument in arguments if argument is not None)

    class Decoding(LatexDecodingMiddleware):
        def __init__(self):
            context = get_default_latex_context_db()
            context.add_context_category("kb-bibtex", prepend=True, macros=[
                MacroTextSpec(name, simplify_repl=text) for name, text in (
                    ("url", "%s"), ("mbox", "%s"), ("TeX", "TeX"), ("LaTeX", "LaTeX"), ("LaTeXe", "LaTeX2e"),
                    ("BibTeX", "BibTeX"), ("textbraceleft", "{"), ("textbraceright", "}"),
                    ("textasciicircum", "^"))])
            self.decoder = Decoder(latex_context=context, math_mode="verbatim")
            super().__init__(decoder=self.decoder)
            self.unknown: dict[int, set[str]] = defaultdict(set)

        def transform_entry(self, entry, library):
            self.decoder.unknown = self.unknown[entry.start_line]
            for item in entry.fields:  # name lists (bibtexparser decodes only single strings)
                if isinstance(item.value, list):
                    item.value = [self.decoder.latex_to_text(v) if isinstance(v, str) else v for v in item.value]
            return super().transform_entry(entry, library)

    return Decoding()



def _free_id(wanted: str, taken: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... when another resource already has that id."""
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def _block_key(raw: str) -> str:
    match = re.match(r"\s*@\w+\s*[{(]\s*([^,\s]*)", raw or "")
    return match.group(1) if match else ""


def _block_error(block) -> str:
    error = getattr(block, "error", None)
    reason = getattr(error, "abort_reason", None) or str(error or "").strip()
    return " ".join(reason.split()) or "could not be parsed"
