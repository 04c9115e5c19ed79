"""Commands over the entries themselves: validate, list, show, schema."""
from __future__ import annotations

import json
from pathlib import Path

import click

from kb.model import TYPES, format_values

from .app import main, pass_state
from .completion import audience_ids, domain_ids, entry_ids


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text: path:line:col lines; json: a list; github: PR annotations.")
@click.option("--changed-since", metavar="GIT_REF",
              help="Only entries added or changed since this git revision (all, if the taxonomy changed).")
@pass_state
def validate(state, paths: tuple[Path, ...], fmt: str, changed_since: str | None) -> None:
    """Check entries (default: all) against the schema, the taxonomy and each other."""
    from kb.validate import format_problems
    from kb.validate import validate as run_validation

    report = run_validation(state.root, list(paths) or None, changed_since=changed_since)
    output = format_problems(report.problems, fmt)
    if output or fmt == "json":
        click.echo(output)
    click.echo(report.summary(), err=True)
    raise SystemExit(report.exit_code)


@main.command("list")
@click.option("--type", "type_", type=click.Choice(TYPES), help="Only entries of this type.")
@click.option("--domain", metavar="ID", shell_complete=domain_ids,
              help="Only entries in this domain or its sub-domains.")
@click.option("--audience", metavar="ID", shell_complete=audience_ids, help="Only entries for this audience.")
@click.option("--format", "format_", type=click.Choice(format_values()), help="Only entries in this format.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of entries.")
@pass_state
def list_(state, type_: str | None, domain: str | None, audience: str | None, format_: str | None,
          as_json: bool) -> None:
    """List entries, optionally filtered by type, domain, audience and format."""
    from kb.model import list_entries

    entries, skipped = list_entries(state.root, type_, domain, audience, format_)
    if as_json:
        click.echo(json.dumps([e.as_json() for e in entries], indent=2, ensure_ascii=False, allow_nan=False))
    else:
        for entry in entries:
            click.echo(f"{entry.id:<48} {entry.type:<15} {entry.year or '':<5} {entry.title}")
    click.echo(f"{len(entries)} entries" + (f" ({skipped} files skipped: run `kb validate`)" if skipped else ""),
               err=True)


@main.command()
@click.argument("entry_id", metavar="ID", shell_complete=entry_ids)
@click.option("--json", "as_json", is_flag=True, help="Print the entry as JSON.")
@pass_state
def show(state, entry_id: str, as_json: bool) -> None:
    """Show one entry in full, with the entries it leads to and those it is compared with."""
    from kb.model import Connections, describe, get_entry

    entry = get_entry(state.root, entry_id)
    if as_json:
        click.echo(json.dumps(entry.as_json(), indent=2, ensure_ascii=False, allow_nan=False))
    else:
        click.echo(describe(entry, Connections.load(state.root, about=entry.id)))


@main.command()
@click.option("--type", "type_", type=click.Choice(TYPES), help="The schema of one entry type only.")
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="json: the JSON Schema; markdown: the field reference (docs/fields.md).")
@click.option("--editor", is_flag=True, help="The editor schema of --type: its taxonomy ids as enums (for editors).")
@click.option("--write", is_flag=True, help="With --editor: regenerate kb/schema/editor/*.schema.json under the KB.")
@pass_state
def schema(state, type_: str | None, fmt: str, editor: bool, write: bool) -> None:
    """Print the entry JSON Schema (the single source of truth for fields), or the editor schemas."""
    from kb.model import UsageError, field_reference, relative_path, schema_text, type_schema

    if editor:
        from kb.model import editor_schema_texts, write_editor_schemas

        if write == bool(type_) or fmt != "json":
            raise UsageError("kb schema --editor needs --type TYPE (to print one) or --write (to write all three)")
        if write:
            report = write_editor_schemas(state.root)
            for path in report.written:
                click.echo(f"wrote {relative_path(path, state.root)}")
            click.echo(report.summary(), err=True)
        else:
            click.echo(next(t for p, t in editor_schema_texts(state.root).items() if p.name.startswith(type_ + ".")),
                       nl=False)
    elif write:
        raise UsageError("--write writes the editor schemas: give --editor too")
    elif fmt == "markdown":
        click.echo(field_reference(), nl=False)
    else:
        click.echo(json.dumps(type_schema(type_), indent=2, ensure_ascii=False) if type_ else schema_text(), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True,
              help="text: a table; json: every count; markdown: the README's first lines.")
@pass_state
def stats(state, fmt: str) -> None:
    """Count the entries: by type, field (top-level domain), audience and format."""
    from kb.model import ENTRIES_DIR, count, load_entries, require_taxonomy

    counts = count(load_entries(state.root)[0], require_taxonomy(state.root / ENTRIES_DIR))
    click.echo(counts.render(fmt))
