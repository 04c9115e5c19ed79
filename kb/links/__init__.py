"""`kb check-links`: a polite, fast link checker that remembers (docs/links.md).

Public surface: check_links(root, config, *, paths, changed_since, use_cache, suggest_archive, progress)
-> Report; load_config(root, overrides) -> LinkConfig, built from SETTINGS (each setting's name, default,
validator and help: the one place they are written); ConfigError; Status, the vocabulary of outcomes;
load_link_status(root) -> {url: status record}, read from STATUS_FILE, which every run writes for the site;
cache_location(root, path, option) -> the cache file, whose folder must exist; NotACache, for a --cache file
kb did not write.
"""
from .config import SETTINGS, ConfigError, LinkConfig, load_config
from .status import Status

__all__ = ["ConfigError", "LinkConfig", "NotACache", "Report", "SETTINGS", "STATUS_FILE", "Status", "cache_location",
           "check_links", "load_config", "load_link_status"]
_LAZY = {"check_links": "checker", "Report": "report", "STATUS_FILE": "store", "load_link_status": "store",
         "cache_location": "store", "NotACache": "store"}


def __getattr__(name: str):
    """The rest is imported on first use: check_links and Report load requests, and the CLI, which reads
    SETTINGS for its options at every kb start, needs none of it."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
