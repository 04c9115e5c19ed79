"""`kb site build`, `kb site generate` and `kb site serve`: the static site from the entries (see docs/site.md)."""
from __future__ import annotations

from pathlib import Path

import click

from .app import main, pass_state

ENGINES = ("mkdocs", "zensical")  # kb.site.build.ENGINES, listed here so that `kb --help` imports no site code


@main.group()
def site() -> None:
    """Build the static site, generate its pages, or serve it while you edit entries."""


edit_url_option = click.option("--edit-url", metavar="URL", envvar="KB_EDIT_URL", show_envvar=True,
                               help="Base URL for 'Edit this entry' links (the entry's path is appended).")
site_url_option = click.option("--site-url", metavar="URL", envvar="KB_SITE_URL", show_envvar=True,
                               help="The address the site is served from (sitemap, canonical and feed links).")
engine_option = click.option("--engine", type=click.Choice(ENGINES), default="mkdocs", show_default=True,
                             help="The static site generator that builds the pages.")


def report_generated(report) -> None:
    for path, reason in report.skipped:
        click.echo(f"{path}: skipped: {reason}", err=True)
    click.echo(f"{report.written.pages} files in {report.output} ({report.written.written} written, "
               f"{report.written.removed} removed)", err=True)
    if report.search_records is not None:
        count = report.search_records
        click.echo(f"search index: {count} {'entry' if count == 1 else 'entries'} (waited "
                   f"{report.seconds['search wait']:.1f} s for it after the pages)", err=True)


@site.command()
@engine_option
@edit_url_option
@site_url_option
@pass_state
def build(state, engine: str, edit_url: str | None, site_url: str | None) -> None:
    """Generate the pages and the search index, then build the site into site/ with MkDocs or Zensical."""
    from kb.site.build import build as build_site

    report = build_site(state.root, engine, edit_url, site_url)
    report_generated(report.generated)
    click.echo(f"{engine} built the site in {report.seconds:.1f} s", err=True)


@site.command()
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the generated pages (default: ROOT/docs/generated, mkdocs.yml's docs_dir).")
@edit_url_option
@site_url_option
@pass_state
def generate(state, output: Path | None, edit_url: str | None, site_url: str | None) -> None:
    """Write the site's Markdown pages, navigation, feeds, open data and search index (no HTML yet)."""
    from kb.site import generate as generate_site

    report_generated(generate_site(state.root, output, edit_url, site_url))


@site.command()
@click.option("--address", "-a", default="127.0.0.1:8000", show_default=True, help="host:port to serve on.")
@engine_option
@edit_url_option
@pass_state
def serve(state, address: str, engine: str, edit_url: str | None) -> None:
    """Serve the site, search included, rebuilding when entries change (Ctrl-C stops)."""
    from kb.site.serve import watch_and_serve

    raise SystemExit(watch_and_serve(state.root, address, edit_url, echo=lambda m: click.echo(m, err=True),
                                     engine=engine))
