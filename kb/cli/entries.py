"""Commands over the entries themselves: validate, list, show, schema."""
from __future__ import annotations

import json
from pathlib import Path

import click

from kb.model import TYPES

from .app import main, pass_state


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text: path:line:col lines; json: a list; github: PR annotations.")
@click.option("--changed-since", metavar="GIT_REF",
              help="Only entries added or changed since this git revision (all, if the taxonomy changed).")
@pass_state
def validate(state, paths: tuple[Path, ...], fmt: str, changed_since: str | None) -> None:
    """Check entries (default: all) against the schema, the taxonomy and each other."""
    from kb.model import TAXONOMY_FILE, UsageError, changed_entry_files
    from kb.validate import format_problems, validate as run_validation

    if changed_since:
        if paths:
            raise UsageError("give entry paths or --changed-since, not both")
        changed = changed_entry_files(state.root, changed_since)
        if not changed:
            click.echo(f"no entry changed since {changed_since}", err=True)
            return
        paths = () if any(p.name == TAXONOMY_FILE for p in changed) else tuple(changed)
    report = run_validation(state.root, list(paths) or None)
    output = format_problems(report.problems, fmt)
    if output or fmt == "json":
        click.echo(output)
    click.echo(report.summary(), err=True)
    raise SystemExit(0 if report.ok else 1)


@main.command("list")
@click.option("--type", "type_", type=click.Choice(TYPES), help="Only entries of this type.")
@click.option("--domain", metavar="ID", help="Only entries in this domain or its sub-domains.")
@click.option("--audience", metavar="ID", help="Only entries for this audience.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of entries.")
@pass_state
def list_(state, type_: str | None, domain: str | None, audience: str | None, as_json: bool) -> None:
    """List entries, optionally filtered by type, domain and audience."""
    from kb.model import list_entries

    entries, skipped = list_entries(state.root, type_, domain, audience)
    if as_json:
        click.echo(json.dumps([e.as_json() for e in entries], indent=2, ensure_ascii=False))
    else:
        for entry in entries:
            click.echo(f"{entry.id:<48} {entry.type:<15} {entry.year or '':<5} {entry.title}")
    click.echo(f"{len(entries)} entries" + (f" ({skipped} files skipped: run `kb validate`)" if skipped else ""),
               err=True)


@main.command()
@click.argument("entry_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON.")
@pass_state
def show(state, entry_id: str, as_json: bool) -> None:
    """Show one entry in full, with the entries it leads to and those it is compared with."""
    from kb.model import Connections, describe, get_entry

    entry = get_entry(state.root, entry_id)
    if as_json:
        click.echo(json.dumps(entry.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(describe(entry, Connections.load(state.root, about=entry.id)))


@main.command()
@click.option("--type", "type_", type=click.Choice(TYPES), help="The schema of one entry type only.")
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="json: the JSON Schema; markdown: the field reference (docs/fields.md).")
def schema(type_: str | None, fmt: str) -> None:
    """Print the entry JSON Schema (the single source of truth for fields)."""
    from kb.model import field_reference, schema_text, type_schema

    if fmt == "markdown":
        click.echo(field_reference(), nl=False)
    else:
        click.echo(json.dumps(type_schema(type_), indent=2, ensure_ascii=False) if type_ else schema_text(), nl=False)

