"""Exports of the KB for other tools: BibTeX, CSL-JSON and a versioned JSON dump, of every entry.

JSON dump (EXPORT_VERSION): {"format": "kb-export", "version", "schema_version" (the entry schema's
x-kb-schema-version), "license" (the entries' text, ENTRIES_LICENSE, an SPDX id) and "license_url",
"generated" (UTC, ISO 8601), "entries": [each entry as
`kb show --json` prints it], "taxonomy": {"domains": {id: {title, description, parent}}, "audiences":
{id: {title, description}}}}. A consumer should check `format` and `version` before reading on.

BibTeX comes from kb.contrib.bibtex (the one BibTeX writer, also used for the site's "Cite" blocks):
one record per entry, keyed by its id; `kb import-bibtex` reads it back to the same types, titles, people,
years, URLs, arXiv ids and DOIs.
"""
from __future__ import annotations

import datetime
import json
from pathlib import Path

from kb.model import ENTRIES_DIR, load_entries, require_taxonomy, schema_version

EXPORT_VERSION = 1
ENTRIES_LICENSE = "CC-BY-SA-4.0"  # the entries' text (the code is MIT: LICENSE)
ENTRIES_LICENSE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
FORMATS = ("bibtex", "csl-json", "json")
CSL_TYPES = {"lecture-series": "speech", "research-guide": "article"}  # papers: see _csl_type


def export_text(root: Path, fmt: str, now: datetime.datetime | None = None) -> tuple[str, int]:
    """The KB in format `fmt`, and how many entry files were left out because they do not load."""
    taxonomy = require_taxonomy(root / ENTRIES_DIR)  # a KB whose vocabulary is broken is not exported
    entries, failures = load_entries(root)
    entries.sort(key=lambda e: e.id)
    if fmt == "bibtex":
        from .bibtex import bibliography

        return bibliography(entries), len(failures)
    if fmt == "csl-json":
        return _json([csl_item(e) for e in entries]), len(failures)
    now = now or datetime.datetime.now(datetime.UTC)
    dump = {"format": "kb-export", "version": EXPORT_VERSION, "schema_version": schema_version(),
            "license": ENTRIES_LICENSE, "license_url": ENTRIES_LICENSE_URL,
            "generated": now.replace(microsecond=0).isoformat(),
            "entries": [e.as_json() for e in entries], "taxonomy": _taxonomy(taxonomy)}
    return _json(dump), len(failures)


def csl_item(entry) -> dict:
    """One entry as a CSL-JSON item (names as `literal`: kb does not split names into parts)."""
    data = entry.data
    item = {"id": entry.id, "type": _csl_type(entry), "title": entry.title, "URL": entry.url,
            "author": [{"literal": p} for p in entry.people] or None, "DOI": data.get("doi"),
            "container-title": data.get("venue"), "publisher": data.get("institution"),
            "genre": "Lecture series" if entry.type == "lecture-series" else None,
            "keyword": ", ".join(entry.tags) or None, "language": data.get("language")}
    published = data.get("published")
    if isinstance(published, str) and published[:4].isdigit():
        item["issued"] = {"date-parts": [[int(part) for part in published.split("-")]]}
    elif entry.year:
        item["issued"] = {"date-parts": [[entry.year]]}
    return {k: v for k, v in item.items() if v}


def _csl_type(entry) -> str:
    if entry.type == "paper":
        venue = str(entry.data.get("venue", ""))
        return "article-journal" if venue and "arxiv" not in venue.lower() else "article"
    return CSL_TYPES[entry.type]


def _taxonomy(taxonomy) -> dict:
    domains = {}
    for term_id, term in taxonomy.domains.items():
        lineage = taxonomy.ancestors(term_id)  # from the top down to the domain itself
        domains[term_id] = {"title": term.title, "description": term.description,
                            "parent": lineage[-2].id if len(lineage) > 1 else None}
    audiences = {term_id: {"title": t.title, "description": t.description} for term_id, t in taxonomy.audiences.items()}
    return {"domains": domains, "audiences": audiences}


def _json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n"
