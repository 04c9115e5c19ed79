"""What makes two entries the same resource: normalised URLs, arXiv ids and DOIs, titles.

Used by the validator (duplicates across entries) and by `kb new` / `kb import-bibtex` (refusing a
resource the KB already has).
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_ARXIV_ID = r"(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
_ARXIV_URL = re.compile(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/" + _ARXIV_ID, re.I)
_ARXIV_BARE = re.compile(r"^(?:arxiv:)?" + _ARXIV_ID + r"$", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\." + _ARXIV_ID + "$", re.I)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.|www\.)?doi\.org/|doi:)", re.I)
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")  # a bare DOI, as the schema's `doi` pattern has it
_TRACKING = ("utm_", "fbclid", "gclid")
_NOT_WORD = re.compile(r"[^a-z0-9 ]+")


def normalize_url(url: str) -> str:
    """A URL's comparable form: scheme-less, lowercase host without www., no default port, fragment,
    tracking parameters or trailing slash."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower().removeprefix("www.")
        port = parts.port
    except ValueError:
        return url.strip()
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = parts.query
    if query:
        query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True)
                           if not k.lower().startswith(_TRACKING)])
    return urlunsplit(("", host, parts.path.rstrip("/"), query, "")).lstrip("/")


def arxiv_id(value: str) -> str | None:
    """The version-less arXiv id in an id, an arXiv URL (abs/pdf/html) or an arXiv DOI, else None."""
    value = value.strip()
    for pattern in (_ARXIV_BARE, _ARXIV_URL, _ARXIV_DOI):
        match = pattern.match(value)
        if match:
            return match.group(1)
    return None


def bare_doi(value: str) -> str:
    """A DOI without resolver prefix (`https://doi.org/`, `doi:`), its case kept."""
    return _DOI_PREFIX.sub("", value.strip())


def normalize_doi(value: str) -> str:
    """A DOI's comparable form: bare and lowercase (DOIs are case-insensitive)."""
    return bare_doi(value).lower()


def arxiv_url(identifier: str) -> str:
    """The abstract page of an arXiv id (any version-less or versioned form)."""
    return f"https://arxiv.org/abs/{arxiv_id(identifier) or identifier.strip()}"


def doi_url(doi: str) -> str:
    """The doi.org address of a DOI (given bare or with a resolver prefix)."""
    return f"https://doi.org/{bare_doi(doi)}"


def normalize_title(title: str) -> str:
    """Case, accents, punctuation and spacing removed, letters of every script kept (NFKC, casefold):
    'Reasoning Models Don't...' == 'reasoning models dont', 'Théorie' == 'theorie', 'Теория струн' stays."""
    if title.isascii():
        return " ".join(_NOT_WORD.sub("", title.casefold()).split())
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    kept = "".join(c if unicodedata.category(c)[0] in "LN" else " " if c.isspace() else ""
                   for c in decomposed if unicodedata.category(c) != "Mn")  # accents go, letters stay
    return " ".join(unicodedata.normalize("NFKC", kept).split())


def identity_keys(data: dict) -> list[tuple[str, str]]:
    """(kind, key) pairs that identify the resource an entry describes; two entries sharing one are
    duplicates. Kinds: url, arxiv, doi, title."""
    keys: list[tuple[str, str]] = []
    url = data.get("url")
    url = url.strip() if isinstance(url, str) else ""
    if url:
        keys.append(("url", normalize_url(url)))
    url_doi = bare_doi(url) if _DOI_PREFIX.match(url) else None  # https://doi.org/10.x/y names a DOI too
    dois = [d for d in (data.get("doi"), url_doi) if isinstance(d, str) and d.strip()]
    arxiv = {arxiv_id(v) for v in (data.get("arxiv"), url, *dois) if isinstance(v, str)} - {None}
    keys += [("arxiv", a) for a in sorted(arxiv)]
    keys += [("doi", d) for d in sorted({normalize_doi(d) for d in dois if not arxiv_id(bare_doi(d))})]
    title, year = data.get("title"), _year(data)
    if isinstance(title, str) and normalize_title(title) and year:  # without a year, titles such as
        keys.append(("title", f"{normalize_title(title)} ({year})"))  # "Reinforcement Learning" recur
    return keys


def _year(data: dict) -> int | None:
    """`year`, else the year of `published` (research guides): the year a title is compared with."""
    for value in (data.get("year"), data.get("published")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value[:4].isdigit():
            return int(value[:4])
    return None
