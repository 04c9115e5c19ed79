"""Content-aware checks for URLs whose status code lies, and the Wayback Machine lookup.

A prober turns a URL into a Probe: the address to request instead (always with GET) and how to read
the answer. A removed YouTube video or playlist still answers 200, so YouTube is asked through its
oEmbed endpoint (404 or 400: gone; 401: private or not embeddable); DOIs through the doi.org handle
API (responseCode 1: registered); arXiv ids through the abstract page. Base URLs come from the config
(`youtube_oembed`, `doi_api`, `arxiv_abs`, `wayback`), so tests point them at local servers.
To add a prober, write a function (url, config) -> Probe | None and list it in PROBERS.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from kb.model.identity import arxiv_id

from .status import Status

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
DOI_HOSTS = {"doi.org", "dx.doi.org", "www.doi.org"}


@dataclass(frozen=True)
class Probe:
    name: str
    target: str
    # (http status, body bytes) -> (status, message), or None to classify the answer like any page
    interpret: Callable[[int, bytes], tuple[Status, str] | None]


def youtube(url: str, config) -> Probe | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host not in YOUTUBE_HOSTS:
        return None
    query = parse_qs(parts.query)
    video_page = ((host == "youtu.be" and len(parts.path) > 1)
                  or parts.path.startswith(("/shorts/", "/embed/", "/live/")))
    if not (video_page or (parts.path == "/watch" and "v" in query) or (parts.path == "/playlist" and "list" in query)):
        return None  # channels and search pages are ordinary pages
    return Probe("YouTube oEmbed", f"{config.youtube_oembed}?format=json&url={quote(url, safe='')}", _youtube_answer)


def _youtube_answer(code: int, body: bytes) -> tuple[Status, str] | None:
    if code == 200:
        return Status.OK, ""
    if code in (400, 404):
        return Status.BROKEN, f"YouTube oEmbed answers {code}: the video or playlist is removed or never existed"
    if code in (401, 403):
        return Status.UNVERIFIABLE, f"YouTube oEmbed answers {code}: private, or embedding is disabled"
    return None


def doi(url: str, config) -> Probe | None:
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if (parts.hostname or "").lower() not in DOI_HOSTS or not name.startswith("10."):
        return None
    return Probe("doi.org handle API", f"{config.doi_api}/{quote(name, safe='/')}", _doi_answer)


def _doi_answer(code: int, body: bytes) -> tuple[Status, str] | None:
    try:
        response_code = json.loads(body).get("responseCode")
    except (ValueError, AttributeError):
        response_code = None
    if code == 200 and response_code == 1:
        return Status.OK, ""
    if code == 404 or response_code == 100:
        return Status.BROKEN, "doi.org: this DOI is not registered"
    return None


def arxiv(url: str, config) -> Probe | None:
    parts = urlsplit(url)
    if not (parts.hostname or "").lower().endswith("arxiv.org"):
        return None
    paper = arxiv_id(url)
    if paper is None:
        return None
    return Probe("arXiv abstract page", f"{config.arxiv_abs}/{paper}", _arxiv_answer)


def _arxiv_answer(code: int, body: bytes) -> tuple[Status, str] | None:
    if code == 404:
        return Status.BROKEN, "arXiv has no paper with this id"
    return None


PROBERS = (youtube, doi, arxiv)


def probe_for(url: str, config) -> Probe | None:
    try:
        return next((probe for prober in PROBERS if (probe := prober(url, config))), None)
    except ValueError:  # a malformed URL: the ordinary check reports it
        return None


def wayback_lookup_url(url: str, config) -> str:
    """The Wayback address whose redirect (read, not followed) names the latest snapshot of `url`."""
    return f"{config.wayback}/{url}"
