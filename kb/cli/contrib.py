"""Commands for contributors: new, import-bibtex, export, fmt (library code in kb/contrib)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.model import TYPES, entry_schema

from .app import main, pass_state
from .completion import audience_ids, domain_ids, for_field

# --id is explicit; lists of mappings are edited in the file
_NOT_OPTIONS = ("id", "links", "recommended_by", "alternatives")


def _field_options(command):
    """One option per entry field, from the schema: `--title`, `--domain` (repeatable) and so on."""
    from kb.contrib.naming import option_name

    defs = entry_schema()["$defs"]
    seen = {}
    for type_ in ("common", *TYPES):
        for name, prop in defs[type_]["properties"].items():
            if name not in _NOT_OPTIONS:
                seen.setdefault(name, prop)
    for name, prop in reversed(seen.items()):
        kind = {"integer": int, "number": float}.get(prop.get("type"), str)
        kind = int if prop.get("$ref", "").endswith("/year") else kind
        choices = prop.get("enum") or prop.get("items", {}).get("enum")
        kind = click.Choice(choices) if choices else kind
        help_text = prop.get("description", "")
        command = click.option(f"--{option_name(name)}", name, type=kind, multiple=prop.get("type") == "array",
                               shell_complete=for_field(name, prop),
                               help=help_text + (" (repeatable)" if prop.get("type") == "array" else ""))(command)
    return command


@main.command()
@click.argument("entry_type", metavar="TYPE", type=click.Choice(TYPES))
@click.option("--id", "entry_id", metavar="ID", help="The entry id (default: from the title and year).")
@_field_options
@click.option("--offline", is_flag=True, help="Do not fetch metadata for --arxiv/--doi.")
@click.option("--dry-run", is_flag=True, help="Print the entry instead of writing it.")
@pass_state
def new(state, entry_type: str, entry_id: str | None, offline: bool, dry_run: bool, **values) -> None:
    """Add an entry: entries/TYPE/ID.yaml, valid by construction. Papers given --arxiv or --doi get
    their title, authors, year and venue fetched. On a terminal, asks for missing fields."""
    from kb.contrib import scaffold

    data = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items() if v not in (None, ())}
    if entry_id:
        data["id"] = entry_id
    data, fetched = scaffold.with_metadata(entry_type, data, fetch=not offline)
    if fetched:
        click.echo(f"fetched: {fetched['title']} ({fetched.get('year', 'no year')})", err=True)
    if sys.stdin.isatty():
        data = _prompt_missing(state.root, entry_type, data)
    item = scaffold.new_entry(state.root, entry_type, data, dry_run=dry_run)
    click.echo(item.text if dry_run else f"wrote {item.path.as_posix()}", nl=not dry_run)


def _prompt_missing(root, entry_type: str, data: dict) -> dict:
    """Ask for each missing required field, checking each answer as it is given and asking again."""
    from kb.contrib.scaffold import complete, missing_fields, parse_value
    from kb.model import UsageError, fields
    from kb.validate import field_problems

    for name in missing_fields(entry_type, complete(entry_type, data)):
        is_list = fields(entry_type)[name].get("type") == "array"
        label = name.replace("_", " ") + (" (comma-separated)" if is_list else "")
        while True:
            try:
                value = parse_value(entry_type, name, click.prompt(label))
                problems = field_problems(root, entry_type, {**data, name: value}, name)
            except UsageError as exc:
                problems = [str(exc)]
            if not problems:
                data[name] = value
                break
            click.echo("\n".join(f"  {p}" for p in problems) + "\n  (try again)", err=True)
    return data


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--check", is_flag=True, help="Change nothing; exit 1 listing the files that would change.")
@click.option("--changed-since", metavar="GIT_REF", help="Only entries added or changed since this git revision.")
@pass_state
def fmt(state, paths: tuple[Path, ...], check: bool, changed_since: str | None) -> None:
    """Rewrite entries (default: all) in canonical form: field order, quoting, line width; comments kept."""
    from kb.contrib.canonical import format_paths

    report = format_paths(state.root, list(paths) or None, changed_since=changed_since, write=not check)
    for path in report.changed:
        click.echo(f"{'would reformat' if check else 'reformatted'} {path}")
    for path, reason in report.failed:
        click.echo(f"kb: error: {path}: {reason}", err=True)
    click.echo(report.summary(), err=True)
    raise SystemExit(report.exit_code)


@main.command("import-bibtex")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--domain", "domains", metavar="ID", multiple=True, required=True, shell_complete=domain_ids,
              help="Taxonomy domain for every imported entry (repeatable; at least one).")
@click.option("--audience", "audience", metavar="ID", multiple=True, required=True, shell_complete=audience_ids,
              help="Audience for every imported entry (repeatable; at least one).")
@click.option("--dry-run", is_flag=True, help="Report what would be written; write nothing.")
@pass_state
def import_bibtex(state, file: Path, domains: tuple[str, ...], audience: tuple[str, ...], dry_run: bool) -> None:
    """Add an entry per new BibTeX record (a paper, or the lecture series or research guide that kb export
    wrote); why and for_whom are left as TODOs that kb validate reports. Duplicates, malformed blocks and
    incomplete records are reported and skipped."""
    from kb.contrib.bibtex import import_bibtex_file

    report = import_bibtex_file(state.root, file, list(domains), list(audience), dry_run=dry_run)
    for line in report.lines():
        click.echo(line)
    for note in report.notes():
        click.echo(note, err=True)
    click.echo(report.summary(), err=True)
    raise SystemExit(report.exit_code)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["bibtex", "csl-json", "json"]), required=True,
              help="bibtex: every entry (biblatex); csl-json: every entry; json: the whole KB, versioned.")
@click.option("--output", "-o", type=click.Path(path_type=Path, dir_okay=False), help="Write here (default: stdout).")
@pass_state
def export(state, fmt: str, output: Path | None) -> None:
    """Export the KB as BibTeX, CSL-JSON or a versioned JSON dump for other tools."""
    from kb.contrib.export import export_text
    from kb.model import atomic_write, output_file

    target = output_file(output) if output else None
    text, skipped = export_text(state.root, fmt)
    if target:
        atomic_write(target, text)
    else:
        click.echo(text, nl=False)
    if skipped:
        click.echo(f"{skipped} entry files skipped (they do not load: run kb validate)", err=True)
