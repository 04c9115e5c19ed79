"""`kb check-links`: check every URL of the entries (see kb/links and docs/links.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import main, pass_state


def setting_options(command):
    """One option per setting that has a flag, its help from the settings table (kb.links.SETTINGS)."""
    from kb.links import SETTINGS

    for setting in reversed([s for s in SETTINGS if s.flag]):
        repeatable = isinstance(setting.default, (list, dict))
        help_text = (f"{setting.help}{'; repeatable' if repeatable else ''} "
                     f"(setting `{setting.name}`: {setting.default_text()}).")
        command = click.option(setting.flag, setting.name, metavar=setting.metavar, multiple=repeatable,
                               type=int if type(setting.default) is int else str, help=help_text)(command)
    return command


@main.command("check-links")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@setting_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write the report to FILE.")
@click.option("--no-cache", is_flag=True, help="Check everything again; neither read nor write the cache.")
@click.option("--changed-since", metavar="GIT_REF", help="Only entries changed since this revision (pull requests).")
@click.option("--suggest-archive", is_flag=True, help="For broken URLs, look up a Wayback Machine snapshot.")
@click.option("--strict", is_flag=True, help="Warnings (moved, rate-limited, unverifiable) fail the run too.")
@pass_state
def check_links(state, paths, fmt, output, no_cache, strict, suggest_archive, changed_since, **settings) -> None:
    """Check the URLs of entries (default: all): ok, moved, broken, timeout, blocked, rate-limited,
    unverifiable or excluded. Exit 1 when any is broken, timed out or blocked. Settings come from
    [tool.kb.links] in pyproject.toml (defaults shown); flags override them. See docs/links.md."""
    from kb.links import check_links as run
    from kb.links import load_config
    from kb.model import atomic_write, output_file

    target = output_file(output, "--output") if output else None  # before the run, not after it
    config = load_config(state.root, config_overrides(state.root, settings))
    progress = progress_bar() if fmt == "text" and sys.stderr.isatty() else None
    report = run(state.root, config, paths=list(paths) or None, changed_since=changed_since, use_cache=not no_cache,
                 suggest_archive=suggest_archive, progress=progress)
    for notice in report.notices:
        click.echo(f"kb: warning: {notice}", err=True)
    text = report.format(fmt)
    if target:
        atomic_write(target, text + "\n")
    elif text:
        click.echo(text)
    click.echo(report.summary_line(), err=True)
    raise SystemExit(report.exit_code(strict))


def config_overrides(root: Path, settings: dict) -> dict:
    """The flags' values by setting name (None, or nothing repeated: not given); --cache is relative to the
    current folder, and its folder must exist."""
    from kb.links import cache_location

    given = {name: (value or None) if isinstance(value, tuple) else value for name, value in settings.items()}
    if given["cache"]:
        given["cache"] = str(cache_location(root, Path(given["cache"]).resolve(), "--cache"))
    return given


def progress_bar():
    def show(done: int, total: int) -> None:
        filled = 30 * done // max(total, 1)
        click.echo(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total}", err=True, nl=done == total)
    return show
