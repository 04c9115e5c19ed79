"""Shell completion: one function per kind of value, for click's `shell_complete=` (entry_ids, domain_ids,
audience_ids, path_targets; types and formats are click.Choice options, which click completes itself), and
`kb completion bash|zsh|fish`, which prints the script a shell sources.

Completion runs on every Tab, in a new process: it reads file names and the taxonomy, never the entries'
YAML; and whatever goes wrong (no KB, a broken taxonomy, an unreadable folder) completes nothing rather
than printing a traceback into the shell.
"""
from __future__ import annotations

import os

import click
from click.shell_completion import CompletionItem

from .app import main

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_KB_COMPLETE"  # click's protocol: the shell script sets it and runs kb


def entry_ids(ctx: click.Context, param, incomplete: str) -> list[CompletionItem]:
    """Ids of the KB's entries (from the file names), each with its type."""
    def ids(root):
        from kb.model import ENTRIES_DIR, ID_PATTERN, TYPES

        found = []
        for type_ in TYPES:
            folder = os.path.join(root, ENTRIES_DIR, type_)
            if os.path.isdir(folder):
                with os.scandir(folder) as files:
                    found += [(f.name[:-5], type_) for f in files if f.name.endswith(".yaml")
                              and f.name.startswith(incomplete) and ID_PATTERN.match(f.name[:-5])]
        return [CompletionItem(entry_id, help=type_) for entry_id, type_ in sorted(found)]
    return _quietly(ctx, ids)


def domain_ids(ctx: click.Context, param, incomplete: str) -> list[CompletionItem]:
    """The taxonomy's domain ids, each with its title."""
    return _quietly(ctx, lambda root: _terms(root, "domains", incomplete))


def audience_ids(ctx: click.Context, param, incomplete: str) -> list[CompletionItem]:
    """The taxonomy's audience ids, each with its title."""
    return _quietly(ctx, lambda root: _terms(root, "audiences", incomplete))


def path_targets(ctx: click.Context, param, incomplete: str) -> list[CompletionItem]:
    """What `kb path` takes: domain ids, then entry ids."""
    return domain_ids(ctx, param, incomplete) + entry_ids(ctx, param, incomplete)


SCHEMA_KINDS = {"entry-id": entry_ids, "domain-id": domain_ids, "audience-id": audience_ids}
FIELD_KINDS = {"prerequisites": entry_ids}  # ids or short text: the ids are what can be completed


def for_field(name: str, prop: dict):
    """The completion function for an entry field (by name, else its items' `$ref`), or None: for the
    options of `kb new`."""
    return FIELD_KINDS.get(name) or SCHEMA_KINDS.get(prop.get("items", {}).get("$ref", "").rsplit("/", 1)[-1])


def _terms(root, kind: str, incomplete: str) -> list[CompletionItem]:
    from kb.model import ENTRIES_DIR, load_taxonomy

    taxonomy, _ = load_taxonomy(root / ENTRIES_DIR)  # a broken one loads empty: nothing to offer
    return [CompletionItem(term_id, help=term.title) for term_id, term in getattr(taxonomy, kind).items()
            if term_id.startswith(incomplete)]


def _quietly(ctx: click.Context, complete) -> list[CompletionItem]:
    """complete(root) for the KB the command line names (--root, KB_ROOT, or the folders above), or []
    when anything fails: a shell has no place for an error message."""
    try:
        from kb.model import find_root

        return complete(find_root(ctx.find_root().params.get("root")))
    except Exception:  # noqa: BLE001 - completion must never print a traceback
        return []


@main.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the shell's completion script (ids, domains, audiences, types, options). Load it from your
    shell's start-up file: `eval "$(kb completion bash)"` in ~/.bashrc, `eval "$(kb completion zsh)"`
    in ~/.zshrc, `kb completion fish | source` in ~/.config/fish/config.fish."""
    from click.shell_completion import get_completion_class

    script = get_completion_class(shell)(main, {}, "kb", COMPLETE_VAR)
    click.echo(script.source())
