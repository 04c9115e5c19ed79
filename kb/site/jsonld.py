"""schema.org JSON-LD for an entry page: Course for lecture series, ScholarlyArticle for papers,
CreativeWork for research guides."""
from __future__ import annotations

import json

from kb.model import Entry, Taxonomy, arxiv_url, doi_url

from .safe import http_url, summary

SCHEMA_TYPES = {"lecture-series": "Course", "paper": "ScholarlyArticle", "research-guide": "CreativeWork"}
# Inside <script>, "</script>" or "<!--" in a value would end or confuse the block: escape < > & as JSON.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def describe(entry: Entry, taxonomy: Taxonomy) -> dict:
    """The entry as a schema.org object (plain data)."""
    data = entry.data
    thing = {"@context": "https://schema.org", "@type": SCHEMA_TYPES.get(entry.type, "CreativeWork"),
             "name": entry.title, "description": summary(data.get("why"), limit=500)}
    if http_url(entry.url):
        thing["url"] = entry.url
    people = [{"@type": "Person", "name": p} for p in entry.people]
    if people:
        thing["creator" if entry.type == "lecture-series" else "author"] = people
    if entry.year:
        thing["dateCreated" if entry.type == "lecture-series" else "datePublished"] = str(entry.year)
    if data.get("institution"):
        thing["provider"] = {"@type": "Organization", "name": str(data["institution"])}
    if data.get("course_code"):
        thing["courseCode"] = str(data["course_code"])
    if data.get("venue"):
        thing["publisher" if entry.type == "research-guide" else "isPartOf"] = str(data["venue"])
    same_as = [u for u in (_arxiv_url(data.get("arxiv")), _doi_url(data.get("doi"))) if u]
    if same_as:
        thing["sameAs"] = same_as
    audiences = [taxonomy.audiences[a].title for a in entry.audience if a in taxonomy.audiences]
    if audiences:
        thing["audience"] = [{"@type": "Audience", "audienceType": a} for a in audiences]
        thing["educationalLevel"] = audiences
    about = [taxonomy.domains[d].title for d in entry.domains if d in taxonomy.domains]
    if about:
        thing["about"] = about
    if entry.tags:
        thing["keywords"] = ", ".join(entry.tags)
    thing["inLanguage"] = str(data.get("language") or "en")
    return thing


def script(entry: Entry, taxonomy: Taxonomy) -> str:
    """The <script type="application/ld+json"> block for the entry page."""
    body = json.dumps(describe(entry, taxonomy), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).translate(_SCRIPT_SAFE)
    return f'<script type="application/ld+json">{body}</script>\n'


def _arxiv_url(arxiv) -> str | None:
    return http_url(arxiv_url(str(arxiv))) if arxiv else None


def _doi_url(doi) -> str | None:
    return http_url(doi_url(str(doi))) if doi else None
