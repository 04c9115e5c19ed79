"""`kb index` and `kb search`: the full-text index of the entries and the search over it (kb/search)."""
from __future__ import annotations

import os
import sys

import click

from kb.model import TYPES, format_values

from .app import main, pass_state
from .completion import audience_ids, domain_ids

INDEX_DIR = click.option("--index-dir", metavar="DIR", envvar="KB_INDEX_DIR", show_envvar=True,
                         help="Where the index lives (default: .kb/index under the KB root).")
FORMATS = format_values()  # video, notes, ...
WAIT = click.option("--wait", type=click.FloatRange(min=0), default=10.0, show_default=True, metavar="SECONDS",
                    help="How long to wait for another process updating the index.")


@main.command("index")
@click.option("--rebuild", is_flag=True, help="Build the index from scratch instead of updating it.")
@INDEX_DIR
@WAIT
@pass_state
def index_(state, rebuild: bool, index_dir: str | None, wait: float) -> None:
    """Build or update the search index (only entries whose content changed are re-indexed)."""
    from kb.search import update_index

    report = update_index(state.root, index_dir, rebuild=rebuild, wait=wait)
    click.echo(report.summary(), err=True)


@main.command("search")
@click.argument("words", nargs=-1)
@click.option("--type", "type_", type=click.Choice(TYPES), help="Only entries of this type.")
@click.option("--domain", metavar="ID", shell_complete=domain_ids,
              help="Only entries in this domain or its sub-domains.")
@click.option("--audience", metavar="ID", shell_complete=audience_ids, help="Only entries for this audience.")
@click.option("--format", "format_", type=click.Choice(FORMATS), help="Only entries in this format.")
@click.option("--year-from", type=int, metavar="YEAR", help="Only entries from this year on.")
@click.option("--year-to", type=int, metavar="YEAR", help="Only entries up to this year.")
@click.option("--limit", type=int, default=10, show_default=True, help="How many results to show.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON (see docs/search.md).")
@INDEX_DIR
@WAIT
@pass_state
def search_(state, words: tuple[str, ...], type_, domain, audience, format_, year_from, year_to, limit: int,
            as_json: bool, index_dir: str | None, wait: float) -> None:
    """Search the entries: ranked, typo-tolerant, with facet counts. Query syntax: docs/search.md."""
    from kb.search import Filters, search

    filters = Filters(type=type_, domain=domain, audience=audience, format=format_, year_from=year_from,
                      year_to=year_to)
    result = search(state.root, " ".join(words), filters, limit=limit, location=index_dir, wait=wait)
    for message in result.messages():
        click.echo(f"kb: {message}", err=True)
    colour = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    click.echo(result.render("json" if as_json else "text", colour=colour))
