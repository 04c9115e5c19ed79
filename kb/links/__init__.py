"""`kb check-links`: a polite, fast link checker that remembers.

Public surface: check_links(root, config, paths, changed_since, use_cache, suggest_archive, progress)
-> Report; load_config(root, overrides) -> LinkConfig; load_link_status(root) -> {url: status record}
(read from STATUS_FILE under the root); ConfigError; Status, the vocabulary of outcomes.

Settings live in `[tool.kb.links]` of the KB's pyproject.toml; command-line flags override them.
Defaults:
  concurrency = 64          worker threads: the global cap on requests in flight
  per_host = 4              requests in flight to one host at most
  timeout = 10              seconds for the connection and for each read
  deadline = 30             seconds per URL, retries and redirects included
  retries = 2               more tries for temporary failures (5xx, 408, 429, timeouts, resets)
  backoff = 0.5             seconds before the first retry, doubled each time, plus jitter
  max_retry_after = 30      the longest Retry-After waited for; past it the URL is rate-limited
  max_redirects = 10
  max_body = 65536          bytes read of a body at most
  user_agent = "kb-check-links/<version> (...)"
  cache = ".kb/links-cache.json"
  max_age = {ok = "7d", moved = "7d", unverifiable = "7d", broken = 0, timeout = 0, rate-limited = 0}
  gone_after = 3            consecutive failed runs after which a URL is reported as probably gone
  exclude = []              regular expressions of URLs not to check (status `excluded`)
  allow_networks = []       CIDR ranges the network guard lets through (e.g. an intranet)
  hosts = {}                per host: per_host, headers, accept (status codes taken as ok), method
  youtube_oembed = "https://www.youtube.com/oembed"   (env KB_LINKS_YOUTUBE_OEMBED)
  doi_api = "https://doi.org/api/handles"            (env KB_LINKS_DOI_API)
  arxiv_abs = "https://arxiv.org/abs"                (env KB_LINKS_ARXIV_ABS)
  wayback = "https://web.archive.org/web"            (env KB_LINKS_WAYBACK)
Every run also writes .kb/link-status.json for the static site (see docs/links.md).
"""
from .config import ConfigError, LinkConfig, load_config
from .status import Status
from .store import STATUS_FILE, load_link_status

__all__ = ["ConfigError", "LinkConfig", "Report", "STATUS_FILE", "Status", "check_links", "load_config",
           "load_link_status"]


def __getattr__(name: str):
    """check_links and Report load requests: imported on first use, so that readers of the status
    export (the site) stay light."""
    if name == "check_links":
        from .checker import check_links
        return check_links
    if name == "Report":
        from .report import Report
        return Report
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
