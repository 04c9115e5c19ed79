"""`kb site generate` and `kb site serve`: the static site's pages from the entries (see docs/site.md)."""
from __future__ import annotations

from pathlib import Path

import click

from .app import main, pass_state


@main.group()
def site() -> None:
    """Generate the static site's pages, or serve the site while you edit entries."""


edit_url_option = click.option("--edit-url", metavar="URL", envvar="KB_EDIT_URL", show_envvar=True,
                               help="Base URL for 'Edit this entry' links (the entry's path is appended).")


@site.command()
@click.option("--output", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the generated pages (default: ROOT/docs/generated, mkdocs.yml's docs_dir).")
@edit_url_option
@pass_state
def generate(state, output: Path | None, edit_url: str | None) -> None:
    """Write the site's Markdown pages and navigation from the entries and the taxonomy."""
    from kb.site import generate as generate_site

    report = generate_site(state.root, output, edit_url)
    for path, reason in report.skipped:
        click.echo(f"{path}: skipped: {reason}", err=True)
    click.echo(f"{report.written.pages} pages in {report.output} ({report.written.written} written, "
               f"{report.written.removed} removed)", err=True)


@site.command()
@click.option("--address", "-a", default="127.0.0.1:8000", show_default=True, help="host:port to serve on.")
@edit_url_option
@pass_state
def serve(state, address: str, edit_url: str | None) -> None:
    """Serve the site with live rebuilds, regenerating pages when entries change (Ctrl-C stops)."""
    from kb.site.serve import watch_and_serve

    raise SystemExit(watch_and_serve(state.root, address, edit_url, echo=lambda m: click.echo(m, err=True)))
