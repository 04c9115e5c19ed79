"""`kb check-links`: check every URL of the entries (see kb/links and docs/links.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import main, pass_state


@main.command("check-links")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--concurrency", type=int,
              help="Requests in flight at most, all hosts together (setting `concurrency`: 64).")
@click.option("--per-host", type=int, help="Requests in flight to one host at most (setting `per_host`: 4).")
@click.option("--timeout", help="Connect and read timeout, e.g. 10 or 10s (setting `timeout`: 10s).")
@click.option("--retries", type=int, help="More tries for temporary failures (setting `retries`: 2).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--cache", "cache_file", metavar="FILE",
              help="Cache file (setting `cache`: .kb/links-cache.json under the KB).")
@click.option("--no-cache", is_flag=True, help="Check everything again; neither read nor write the cache.")
@click.option("--max-age", multiple=True, metavar="[STATUS=]AGE",
              help="How long a cached result stays fresh, e.g. 7d (ok and moved) or broken=1h; repeatable.")
@click.option("--changed-since", metavar="GIT_REF", help="Only entries changed since this revision (pull requests).")
@click.option("--allow-network", multiple=True, metavar="CIDR", help="Let the guard reach this range; repeatable.")
@click.option("--suggest-archive", is_flag=True, help="For broken URLs, look up a Wayback Machine snapshot.")
@click.option("--strict", is_flag=True, help="Warnings (moved, rate-limited, unverifiable) fail the run too.")
@pass_state
def check_links(state, paths, fmt, output, no_cache, strict, suggest_archive, changed_since, **options) -> None:
    """Check the URLs of entries (default: all): ok, moved, broken, timeout, blocked, rate-limited,
    unverifiable or excluded. Exit 1 when any is broken, timed out or blocked. Settings come from
    [tool.kb.links] in pyproject.toml (defaults shown); flags override them. See docs/links.md."""
    from kb.links import check_links as run, load_config

    config = load_config(state.root, config_overrides(options))
    progress = progress_bar() if fmt == "text" and sys.stderr.isatty() else None
    report = run(state.root, config, list(paths) or None, changed_since, not no_cache, suggest_archive, progress)
    for notice in report.notices:
        click.echo(f"kb: warning: {notice}", err=True)
    text = report.format(fmt)
    if output:
        from kb.model import UsageError, atomic_write
        try:
            atomic_write(output, text + "\n")
        except OSError as exc:
            raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    elif text:
        click.echo(text)
    click.echo(report.summary_line(), err=True)
    raise SystemExit(report.exit_code(strict))


def config_overrides(options: dict) -> dict:
    """Command-line values in the config's terms (None: not given)."""
    ages = {}
    for item in options.pop("max_age"):
        status, _, age = item.rpartition("=")
        ages.update({status: age} if status else {"ok": age, "moved": age})
    networks = options.pop("allow_network")
    cache = options.pop("cache_file")
    return {**options, "cache": str(Path(cache).resolve()) if cache else None, "max_age": ages or None,
            "allow_networks": list(networks) or None}


def progress_bar():
    def show(done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        click.echo(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", err=True, nl=done == total)
    return show
