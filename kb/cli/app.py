"""The root `kb` group, the global --root option, and the translation of library errors to exit codes."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from kb import __version__
from kb.model import KbError, find_root


class KbGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit):
            raise  # click's own usage errors and exits
        except click.Abort:  # Ctrl-C (or end of input) at a prompt: the same end as Ctrl-C anywhere
            click.echo("\nkb: interrupted", err=True)
            ctx.exit(130)
        except KbError as exc:  # each kind of error carries its exit code (1, or 2 for usage errors)
            click.echo(f"kb: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("kb: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:  # `kb list | head`: the reader has gone, nothing more to say
            sys.stderr.close()
            ctx.exit(1)
        except Exception as exc:  # a bug of ours: say so plainly; KB_DEBUG=1 shows the traceback
            if os.environ.get("KB_DEBUG"):
                raise
            click.echo(f"kb: internal error: {type(exc).__name__}: {exc} (run with KB_DEBUG=1 for details "
                       "and please report it)", err=True)
            ctx.exit(1)


class State:
    """What every command may need, resolved only when asked for."""

    def __init__(self, root_option: str | None):
        self.root_option = root_option
        self._root: Path | None = None

    @property
    def root(self) -> Path:
        if self._root is None:
            self._root = find_root(self.root_option)
        return self._root


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", metavar="DIR", envvar="KB_ROOT", show_envvar=True,
              help="The KB to work on (default: nearest folder above holding entries/).")
@click.version_option(__version__, prog_name="kb")
@click.pass_context
def main(ctx: click.Context, root: str | None) -> None:
    """kb: a curated knowledge base of lecture series, research guides and papers."""
    ctx.obj = State(root)


pass_state = click.make_pass_decorator(State)
