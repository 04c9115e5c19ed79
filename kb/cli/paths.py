"""`kb path`: the learning path to an entry or through a domain (see kb.paths and docs/commands.md)."""
from __future__ import annotations

import json

import click

from .app import main, pass_state
from .completion import audience_ids, path_targets


@main.command("path")
@click.argument("target", shell_complete=path_targets)
@click.option("--audience", metavar="ID", shell_complete=audience_ids,
              help="Only the domain's entries for this audience (and what they require).")
@click.option("--json", "as_json", is_flag=True, help="Print the path as JSON (the format is in docs/commands.md).")
@pass_state
def path(state, target: str, audience: str | None, as_json: bool) -> None:
    """The steps to an entry (ID) or through a domain (DOMAIN), each after what it requires, with hours."""
    from kb.paths import find_path

    learning_path = find_path(state.root, target, audience)
    click.echo(json.dumps(learning_path.as_json(), indent=2, ensure_ascii=False, allow_nan=False) if as_json
               else learning_path.text())
    if learning_path.skipped:
        click.echo(f"{learning_path.skipped} files skipped: run `kb validate`", err=True)
