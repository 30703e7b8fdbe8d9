"""The root ``lsr`` command group and the glue every subcommand shares.

Subcommands live in sibling modules (one concern each) and are registered in ``lsr/cli/__init__.py``.
Commands stay thin: parse, call one library function, print. ``LsrError`` from the core becomes a
one-line message on stderr with exit code 1; click's usage errors exit 2.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from lsr import __version__
from lsr.errors import LsrError
from lsr.settings import Settings, resolve


class LsrGroup(click.Group):
    """A group that turns the core's expected errors into clean exits."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LsrError as exc:
            raise click.ClickException(exc.message) from None


def check_writable(output: str) -> None:
    """Refuse, before any long work, an output file whose folder is missing or not writable."""
    path = Path(output)
    folder = path.parent  # Path("x.json").parent is Path(".")
    if path.is_dir():
        raise LsrError(f"cannot write {output}: it is a folder")
    if not folder.is_dir():
        raise LsrError(f"cannot write {output}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise LsrError(f"cannot write {output}: permission denied")


def write_text_file(output: str, text: str) -> None:
    """Write ``text`` to ``output`` whole or not at all (temporary file, then rename)."""
    path = Path(output)
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise LsrError(f"cannot write {output}: {exc.strerror or exc}") from None


class CliState:
    """Per-invocation state: the global options, and settings resolved on first use."""

    def __init__(self, workspace: str | None, reviewer: str | None) -> None:
        self.workspace = workspace
        self.reviewer = reviewer
        self._settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = resolve(self.workspace, reviewer=self.reviewer)
        return self._settings


pass_state = click.make_pass_decorator(CliState)


def warn_disabled(disabled) -> None:
    """One stderr line per review whose protocol file does not load (file and reason)."""
    for item in disabled:
        click.echo(f"lsr: warning: review {item.id} disabled: {item.reason}", err=True)


def open_ws(state: CliState, *, lazy: bool = False):
    """Open the workspace of the invocation, warning about reviews disabled by a broken protocol file.

    Imported lazily so that ``--help`` stays fast. ``lazy``: open the database on first use (the home
    screen) when it is already current; otherwise now, so that a database error is a one-line message.
    """
    from lsr.workspace import open_workspace

    if lazy:
        from lsr.protocol import load_catalogue
        from lsr.sqlite_reader import open_reader

        lazy = open_reader(state.settings, load_catalogue(state.settings.workspace)) is not None
    ws = open_workspace(state.settings, lazy=lazy)
    warn_disabled(ws.disabled.values())
    return ws


@click.group(cls=LsrGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False),
    envvar="LSR_WORKSPACE",
    help="Workspace directory with protocols/ and reviews/ [env: LSR_WORKSPACE; default: current directory].",
)
@click.option(
    "--reviewer",
    envvar="LSR_REVIEWER",
    help="Name recorded on every decision [env: LSR_REVIEWER; default: your login name].",
)
@click.version_option(__version__, prog_name="lsr")
@click.pass_context
def main(ctx: click.Context, workspace: str | None, reviewer: str | None) -> None:
    """lsr keeps living systematic reviews: searched again on a schedule, screened with AI ranking,
    summarised for policy.

    Run without a command to open the screening app on the workspace.

    \b
    Examples:
      lsr status                      counts per review
      lsr update --due                search OpenAlex for reviews whose schedule says so
      lsr screen extended-school-day  screen the top-ranked records
      lsr report --lang nl            write the evidence summaries
    """
    ctx.obj = CliState(workspace, reviewer)
    if ctx.invoked_subcommand is None:
        from lsr.cli.app_launch import launch_home

        launch_home(open_ws(ctx.obj, lazy=True))
