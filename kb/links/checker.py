"""A whole run: which URLs, which are fresh in the cache, checking the rest on a pool of worker
threads (global cap) fed by the per-host scheduler, then the cache, the status export and a report."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from kb.model import select_entry_files

from .collect import collect_urls
from .fetch import Fetcher, host_of
from .guard import NetworkGuard
from .hosts import HostLimiter, Scheduler
from .probers import probe_for
from .report import Report
from .result import Result
from .status import Status
from .store import LinkCache, cache_location, write_link_status


def check_links(root: Path, config, *, paths: list[Path] | None = None, changed_since: str | None = None,
                use_cache: bool = True, suggest_archive: bool = False, progress=None) -> Report:
    """Check the URLs of the selected entries (default all); `progress(done, total)` is called as
    results arrive. Writes the cache (unless use_cache is False) and .kb/link-status.json."""
    started = time.monotonic()
    selection = select_entry_files(root, paths, changed_since)  # the same files as validate and fmt
    urls, notices = collect_urls(root, selection.files)
    cache = LinkCache.load(cache_location(root, config.cache, "the `cache` setting")) if use_cache else LinkCache(None)
    notices += [cache.notice] if cache.notice else []
    cached = {url: cache.fresh(url, config.max_age) for url in urls}
    todo = [url for url, hit in cached.items() if hit is None]
    limiter = HostLimiter(config.limit)
    fetcher = Fetcher(config, NetworkGuard(config.allow_networks), limiter)
    checked = check_and_remember(fetcher, limiter, todo, cache=cache, save=use_cache, progress=progress)
    if suggest_archive:
        for result in checked.values():
            if result.status.counts_toward_gone:
                result.archive_url = fetcher.archive_url(result.url)
    results = [checked.get(url) or cached[url] for url in urls]
    for result in results:
        result.locations = urls[result.url]
    if use_cache:
        saved(notices, "the cache", lambda: cache.save(keep=set(urls) if selection.whole_kb else None))
    saved(notices, "the link status", lambda: write_link_status(root, results, replace=selection.whole_kb))
    return Report(results, notices, time.monotonic() - started, config, dict(limiter.peak),
                  files=len(selection.files), changed_since=changed_since)


def saved(notices: list[str], what: str, write) -> None:
    """Run `write`; a file that cannot be written becomes a notice (the results are still reported)."""
    try:
        write()
    except OSError as exc:
        notices.append(f"could not write {what}: {exc}")


def check_and_remember(fetcher: Fetcher, limiter: HostLimiter, urls: list[str], *, cache: LinkCache, save: bool,
                       progress=None) -> dict[str, Result]:
    """Check `urls`, carrying each URL's history forward in the cache; after Ctrl-C, what was checked
    so far is saved before the interruption goes on."""
    checked: dict[str, Result] = {}
    interrupted = True
    try:
        run_pool(fetcher, limiter, urls, results=checked, progress=progress)
        interrupted = False
    finally:
        for result in checked.values():
            cache.remember(result)
        if interrupted and save:
            cache.save()
    return checked


def run_pool(fetcher: Fetcher, limiter: HostLimiter, urls: list[str], *, results: dict, progress=None) -> None:
    """Fill `results` ({url: Result}) for `urls`, checked by up to `concurrency` threads (the setting), per-host limits
    kept. On KeyboardInterrupt the workers stop taking URLs and `results` holds what was done."""
    by_host: dict[str, list[str]] = {}
    for url in urls:
        probe = probe_for(url, fetcher.config)
        by_host.setdefault(host_of(probe.target if probe else url), []).append(url)
    scheduler = Scheduler(limiter, by_host)
    lock = threading.Lock()

    def work():
        while (item := scheduler.take()) is not None:
            host, url = item
            try:
                result = fetcher.check(url)
            except Exception as exc:  # noqa: BLE001 - one URL's surprise must not stop the run
                result = Result(url, Status.BROKEN, message=f"checker error: {type(exc).__name__}: {exc}")
            finally:
                scheduler.done(host)
            with lock:
                results[url] = result
                if progress:
                    progress(len(results), len(urls))

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(fetcher.config.concurrency, len(urls)))]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        scheduler.stop()  # workers finish the request in hand, then stop
        raise
