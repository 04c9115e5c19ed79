"""BibTeX import with bibtexparser 2: each record becomes a `paper` entry, checked like `kb new` does.

What a record gives: title, authors (split on `and`, "Last, First" turned round), year, venue
(journal or booktitle), DOI, arXiv id (eprint with archivePrefix arXiv, or an arXiv URL/DOI), URL
(else https://doi.org/DOI, else the arXiv abstract page). @string macros are resolved and LaTeX in text
fields is decoded (`Jos\\'e` -> José); url, doi and eprint are kept verbatim (`%` and `~` are not LaTeX
there). What it cannot give — why, for_whom — is written as a TODO that `kb validate` reports (code
`todo`) until a person replaces it; domains and audience come from the caller (one set for the file).

Reported, never written: malformed blocks (with their line), records lacking a title, authors, year or
URL, duplicates of an entry in the KB or of an earlier record, and records that `kb validate` would
reject for anything other than the TODOs.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from kb.model import KbError, arxiv_id, arxiv_url, bare_doi, doi_url
from .scaffold import Catalogue, check_vocabulary, complete, stage, write_staged

TODO_WHY = "TODO: say why this paper is worth reading over the alternatives, in your own words."
TODO_FOR_WHOM = "TODO: who it suits and what they should know first."
ALLOWED_CODES = ("todo",)  # validation problems an imported entry may still have
VERBATIM_FIELDS = ("url", "doi", "eprint")
_QUIET = logging.NullHandler()
_ARXIV_IN_TEXT = re.compile(r"arxiv[:\s/]*(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})", re.I)


class BibtexError(KbError):
    pass


@dataclass
class Skipped:
    line: int
    key: str
    reason: str


@dataclass
class ImportReport:
    written: list[Path] = field(default_factory=list)  # relative to the root (would be, on a dry run)
    skipped: list[Skipped] = field(default_factory=list)  # duplicates, incomplete or invalid records
    malformed: list[Skipped] = field(default_factory=list)  # blocks bibtexparser could not read


def import_bibtex(root: Path, text: str, domains: list[str], audience: list[str],
                  dry_run: bool = False) -> ImportReport:
    """Add a paper entry for each new record in `text` (see the module doc); writes nothing on a dry run."""
    check_vocabulary(root, domains, audience)
    records, report = parse(text)
    catalogue, drafts = Catalogue(root), []
    for line, key, data in records:
        if isinstance(data, str):
            report.skipped.append(Skipped(line, key, data))
            continue
        data = complete("paper", {**data, "domains": domains, "audience": audience, "why": TODO_WHY,
                                  "for_whom": TODO_FOR_WHOM})
        duplicate = catalogue.duplicate_of({**data, "id": None})
        if duplicate:
            report.skipped.append(Skipped(line, key, f"duplicate: {duplicate}"))
            continue
        data["id"] = _free_id(data["id"], catalogue.ids)
        catalogue.add(data)
        drafts.append((line, key, data))
    for (line, key, _), item in zip(drafts, stage(root, [("paper", d) for _, _, d in drafts])):
        blocking = [p for p in item.problems if p.code not in ALLOWED_CODES]
        if blocking:
            report.skipped.append(Skipped(line, key, "invalid: " + "; ".join(p.full_message for p in blocking)))
            continue
        if not dry_run:
            write_staged(root, item)
        report.written.append(item.path)
    return report


def parse(text: str) -> tuple[list[tuple[int, str, dict | str]], ImportReport]:
    """(line, key, entry fields or why the record cannot be used) per record, and the malformed blocks."""
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware, MergeNameParts, SeparateCoAuthors, SplitNameParts

    logging.getLogger("bibtexparser").addHandler(_QUIET)  # its warnings repeat what the report says
    try:
        library = bibtexparser.parse_string(text)  # default stack: @string macros resolved, braces removed
    except Exception as exc:  # bibtexparser raises on its own internal errors, not on bad BibTeX
        raise BibtexError(f"bibtexparser could not read the file: {type(exc).__name__}: {exc}") from None
    verbatim = {id(e): {k: e.fields_dict[k].value for k in VERBATIM_FIELDS if k in e.fields_dict}
                for e in library.entries}
    for middleware in (LatexDecodingMiddleware(), SeparateCoAuthors(), SplitNameParts(), MergeNameParts("first")):
        library = middleware.transform(library)
    report = ImportReport(malformed=[Skipped(b.start_line + 1, _block_key(b.raw), _block_error(b))
                                     for b in library.failed_blocks])
    records = []
    for entry in library.entries:
        values = {k.lower(): f.value for k, f in entry.fields_dict.items()}
        values.update({k.lower(): v for k, v in verbatim[id(entry)].items()})
        records.append((entry.start_line + 1, entry.key, _paper_fields(values)))
    return records, report


def _paper_fields(values: dict) -> dict | str:
    """Entry fields from a record's (decoded) fields, or why they do not make an entry."""
    text = {k: " ".join(str(v).split()) for k, v in values.items() if isinstance(v, str)}
    doi = bare_doi(text["doi"]) if text.get("doi") else None
    arxiv = _arxiv(text)
    url = text.get("url") if re.match(r"^https?://", text.get("url", ""), re.I) else None
    url = url or (doi_url(doi) if doi else arxiv_url(arxiv) if arxiv else None)
    year = re.match(r"^\d{4}", text.get("year", ""))
    venue = text.get("journal") or text.get("booktitle")
    data = {"title": text.get("title"), "url": url,
            "authors": [" ".join(str(a).split()) for a in values.get("author", []) if str(a).strip()]
            if isinstance(values.get("author"), list) else None,
            "year": int(year.group()) if year else None,
            "venue": venue if venue and "arxiv" not in venue.lower() else None, "arxiv": arxiv, "doi": doi}
    lacking = [name for name in ("title", "authors", "year", "url") if not data[name]]
    if lacking:
        return f"incomplete: no {', '.join(lacking)} (url can also come from doi or eprint)"
    return {k: v for k, v in data.items() if v}


def _arxiv(text: dict) -> str | None:
    prefix = (text.get("archiveprefix") or text.get("eprinttype") or "").lower()
    if text.get("eprint") and (prefix == "arxiv" or arxiv_id(text["eprint"])):
        return arxiv_id(text["eprint"])
    for name in ("url", "doi"):
        if text.get(name) and arxiv_id(text[name]):
            return arxiv_id(text[name])
    found = _ARXIV_IN_TEXT.search(" ".join(text.get(k, "") for k in ("journal", "note", "howpublished")))
    return found.group(1) if found else None


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
