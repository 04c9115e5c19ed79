"""Paper metadata from arXiv (its Atom API) and from Crossref (JSON), falling back to doi.org content
negotiation (CSL-JSON) for DOIs Crossref does not hold (DataCite's, for instance).

Where and how to ask is FetchSettings, built from the SETTINGS table (each setting's default, validator and
environment variable); `FetchSettings.from_env()` reads the variables with the link checker's validators,
so a bad value is a ConfigError (exit 2) naming the variable.

Results are entry fields (title, authors, year, url, and arxiv, doi, venue when known). Every failure
(network, timeout, 404, rate limit beyond max_wait, malformed response) raises FetchError with a
message saying what happened; nothing is written by this module.

Atom is parsed with defusedxml and DTDs refused: the API's answers never carry one, and refusing them
rules out entity expansion ("billion laughs") and external entities in a response we do not control.
"""
from __future__ import annotations

import html
import os
import re
import time
from urllib.parse import quote

from kb import __version__
from kb.model import DOI_PATTERN, KbError, arxiv_url, bare_doi, doi_url
from kb.model import arxiv_id as parse_arxiv_id
from kb.model.http import retry_after_seconds
from kb.model.settings import (
    ENVIRONMENT,
    Setting,
    apply,
    duration,
    environment_values,
    header_safe,
    http_base,
    longer_than,
    settings_dataclass,
)

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
RETRY_STATUSES = (429, 503)
MAX_ATTEMPTS = 4
_TAGS = re.compile(r"<[^>]+>")


class FetchError(KbError):
    pass


class NotFound(FetchError):
    pass


SETTINGS = (
    Setting("arxiv_api", "https://export.arxiv.org/api", http_base, "The arXiv API", env="KB_ARXIV_API"),
    Setting("crossref_api", "https://api.crossref.org", http_base, "The Crossref REST API", env="KB_CROSSREF_API"),
    Setting("doi_resolver", "https://doi.org", http_base, "The DOI resolver asked for CSL-JSON when Crossref has no "
            "record", env="KB_DOI_RESOLVER"),
    Setting("timeout", "15s", longer_than(0), "Time for the connection and for each read of a request",
            env="KB_FETCH_TIMEOUT"),
    Setting("max_wait", "30s", duration, "The longest time a 429 or 503 answer's Retry-After is waited for",
            env="KB_FETCH_MAX_WAIT"),
    Setting("contact", None, header_safe, "An e-mail address for the User-Agent (Crossref's \"polite pool\")",
            env="KB_CONTACT_EMAIL"),
)


@settings_dataclass(SETTINGS)
class FetchSettings:
    """Where metadata is asked for and how long kb waits (durations in seconds)."""

    @classmethod
    def from_env(cls, environ=None) -> FetchSettings:
        """The defaults, then the environment variables; ConfigError (exit 2) names a bad one."""
        return apply(cls(), environment_values(SETTINGS, os.environ if environ is None else environ), ENVIRONMENT)

    @property
    def user_agent(self) -> str:
        contact = f"; mailto:{self.contact}" if self.contact else ""
        return f"kb/{__version__} (knowledge-base metadata lookup{contact})"


def fetch_arxiv(identifier: str, settings: FetchSettings | None = None) -> dict:
    """Entry fields for an arXiv id (or arXiv URL / DOI), from the arXiv API's Atom feed."""
    settings = settings or FetchSettings.from_env()
    wanted = parse_arxiv_id(identifier)
    if not wanted:
        raise FetchError(f"`{identifier}` is not an arXiv id (like 2412.06769 or hep-th/9901001)")
    response = _get(f"{settings.arxiv_api.rstrip('/')}/query", settings, "arXiv",
                    params={"id_list": wanted, "max_results": "1"})
    entry = _atom_entry(response.content, wanted)
    found = parse_arxiv_id(_text(entry, ATOM + "id").replace("http://", "https://"))
    if found != wanted:
        raise FetchError(f"malformed response from arXiv: asked for {wanted}, got `{_text(entry, ATOM + 'id')}`")
    published = _text(entry, ATOM + "published")
    fields = {"title": _clean(_text(entry, ATOM + "title")),
              "authors": [_clean(a.findtext(ATOM + "name", "")) for a in entry.findall(ATOM + "author")],
              "url": arxiv_url(wanted), "arxiv": wanted,
              "venue": _clean(_text(entry, ARXIV + "journal_ref")),
              "doi": _text(entry, ARXIV + "doi").strip(),
              "year": int(published[:4]) if published[:4].isdigit() else None}
    if not fields["title"] or not all(fields["authors"]) or not fields["authors"] or fields["year"] is None:
        raise FetchError(f"malformed response from arXiv: the entry for {wanted} lacks a title, authors or date")
    return {k: v for k, v in fields.items() if v}


def _atom_entry(content: bytes, wanted: str):
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        feed = fromstring(content, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise FetchError(f"malformed response from arXiv (not the Atom feed it documents): {exc}") from None
    if feed.tag != ATOM + "feed":
        raise FetchError(f"malformed response from arXiv: root element is {feed.tag}, not an Atom feed")
    entry = feed.find(ATOM + "entry")
    if entry is not None and "/api/errors" in _text(entry, ATOM + "id"):
        raise FetchError(f"arXiv refused the query: {_clean(_text(entry, ATOM + 'summary'))}")
    if entry is None or not _text(entry, ATOM + "title").strip():
        raise NotFound(f"arXiv has no paper {wanted}")
    return entry


def fetch_doi(doi: str, settings: FetchSettings | None = None) -> dict:
    """Entry fields for a DOI: arXiv DOIs from arXiv, others from Crossref, else doi.org (CSL-JSON)."""
    settings = settings or FetchSettings.from_env()
    doi = bare_doi(doi)
    if not DOI_PATTERN.match(doi):
        raise FetchError(f"`{doi}` is not a DOI (like 10.18653/v1/2024.acl-long.841)")
    if parse_arxiv_id(doi):
        return {**fetch_arxiv(doi, settings), "doi": doi}
    path = quote(doi, safe="/()")
    try:
        response = _get(f"{settings.crossref_api.rstrip('/')}/works/{path}", settings, "Crossref",
                        headers={"Accept": "application/json"})
        record = _json(response, "Crossref").get("message")
    except NotFound:
        response = _get(f"{settings.doi_resolver.rstrip('/')}/{path}", settings, "doi.org",
                        headers={"Accept": "application/vnd.citationstyles.csl+json"})
        record = _json(response, "doi.org")
    return _from_csl(record, doi)


def _from_csl(record, doi: str) -> dict:
    """Entry fields from a Crossref work or a CSL-JSON item (the same shape, except that Crossref gives
    title and container-title as lists)."""
    try:
        title = _first(record.get("title"))
        authors = [_clean(p.get("literal") or p.get("name") or f"{p.get('given', '')} {p['family']}")
                   for p in record.get("author", [])]
        dates = [record.get(k) for k in ("issued", "published", "published-print", "published-online", "created")]
        year = next(d["date-parts"][0][0] for d in dates if d and d.get("date-parts") and d["date-parts"][0][0])
        fields = {"title": _clean(_TAGS.sub("", title)), "authors": authors, "year": int(year),
                  "url": doi_url(record.get("DOI") or doi), "doi": record.get("DOI") or doi,
                  "venue": _clean(_TAGS.sub("", _first(record.get("container-title")) or ""))}
    except (AttributeError, KeyError, TypeError, IndexError, ValueError, StopIteration) as exc:
        raise FetchError(f"malformed metadata for DOI {doi} ({type(exc).__name__}: {exc})") from None
    if not fields["title"] or not authors:
        raise FetchError(f"the metadata for DOI {doi} lacks a title or authors")
    return {k: v for k, v in fields.items() if v}


def _get(url: str, settings: FetchSettings, service: str, **kwargs):
    """GET with the polite User-Agent and the timeout, honouring Retry-After (429/503) up to max_wait."""
    import requests

    headers = {"User-Agent": settings.user_agent, **kwargs.pop("headers", {})}
    waited = 0.0
    for _ in range(MAX_ATTEMPTS):
        try:
            response = requests.get(url, headers=headers, timeout=settings.timeout, **kwargs)
        except requests.Timeout:
            raise FetchError(f"{service} did not answer within {settings.timeout:g} s; try again later") from None
        except requests.RequestException as exc:
            raise FetchError(f"cannot reach {service} ({url}): {type(exc).__name__}") from None
        if response.status_code not in RETRY_STATUSES:
            break
        delay = retry_after_seconds(response.headers.get("Retry-After"))
        if delay is None or waited + delay > settings.max_wait:
            asked = f"asked to wait {delay:.0f} s" if delay is not None else "no Retry-After given"
            raise FetchError(f"{service} is rate limiting requests (HTTP {response.status_code}, {asked}; kb waits "
                             f"at most {settings.max_wait:g} s): try again later")
        time.sleep(delay)
        waited += delay
    else:
        raise FetchError(f"{service} kept answering HTTP {response.status_code}; try again later")
    if response.status_code == 404:
        raise NotFound(f"{service} has no record for this identifier (HTTP 404)")
    if response.status_code >= 400:
        raise FetchError(f"{service} answered HTTP {response.status_code}")
    return response


def _json(response, service: str) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise FetchError(f"malformed response from {service}: not JSON") from None
    if not isinstance(data, dict):
        raise FetchError(f"malformed response from {service}: expected a JSON object")
    return data


def _text(element, tag: str) -> str:
    return element.findtext(tag, "") or ""


def _first(value):
    return value[0] if isinstance(value, list) and value else value


def _clean(text: str) -> str:
    return " ".join(html.unescape(text).split())
