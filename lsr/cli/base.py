"""The root ``lsr`` command group and the glue every subcommand shares.

Subcommands live in sibling modules (one concern each) and are registered in ``lsr/cli/__init__.py``.
Commands stay thin: parse, call one library function, print. ``LsrError`` from the core becomes a
one-line message on stderr with exit code 1; click's usage errors exit 2. Every command and subgroup is
built from ``LsrCommand``/``LsrSubGroup``, whose usage error for a global option given after the command
(``lsr decide ... --reviewer anna``) says where it goes.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

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


def _global_option_hint(ctx: click.Context, name: str, args: list[str]) -> str | None:
    """For an option of the root ``lsr`` command given after a subcommand: where it belongs, with its value."""
    root = ctx.find_root()
    option = next((p for p in root.command.params if isinstance(p, click.Option) and name in p.opts), None)
    if option is None or option.is_eager:  # --version: a command of its own, not a setting
        return None
    given = [name]
    if not option.is_flag:
        value = next((a.split("=", 1)[1] for a in args if a.startswith(f"{name}=")), None)
        if value is None and name in args and args.index(name) + 1 < len(args):
            value = args[args.index(name) + 1]
        given.append(shlex.quote(value) if value is not None else option.metavar or "VALUE")
    path = ctx.command_path.split(" ", 1)[1] if " " in ctx.command_path else ""
    return f"{name} is an option of lsr itself and goes before the command: lsr {' '.join(given)} {path} ..."


class _GlobalOptionHint:
    """Mixin: "No such option" for a root option given after the subcommand also says where it goes."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        given = list(args)  # the parser consumes ``args``
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            hint = _global_option_hint(ctx, exc.option_name, given)
            if hint is None:
                raise
            raise click.NoSuchOption(exc.option_name, f"{exc.message} {hint}", ctx=ctx) from None


class LsrCommand(_GlobalOptionHint, click.Command):
    """Every ``lsr`` subcommand (``LsrGroup.command_class``)."""


class LsrSubGroup(_GlobalOptionHint, click.Group):
    """Command groups under ``lsr`` (``lsr protocols``); their commands are ``LsrCommand`` too."""

    command_class = LsrCommand


LsrGroup.command_class = LsrCommand
LsrGroup.group_class = LsrSubGroup


def refuse_reason_without_exclude(label: str, reason: str | None) -> None:
    """A usage error for ``--reason`` with include or maybe: the reason would be dropped silently."""
    if reason is not None and label != "exclude":
        raise click.UsageError(f"--reason is for exclusions (exclusion reasons, PRISMA): not with {label}; "
                               "use --note to say why")


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


@contextlib.contextmanager
def atomic_output(output: str, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A text file handle for ``output``, written whole or not at all: into a temporary file beside it that
    replaces it on success (a reader never sees half a file, a failed run leaves the old one).

    An existing destination that is not a regular file (``/dev/null``, ``/dev/stdout``, a named pipe) is
    written directly: renaming over it would replace the device with a file (as root: ``/dev/null`` itself).
    """
    path = Path(output)
    if path.exists() and not path.is_file() and not path.is_dir():
        with open(path, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        return
    tmp = path.with_name(f".{path.name}.part")
    try:
        with open(tmp, "w", encoding="utf-8", newline=newline) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_file(output: str, text: str) -> None:
    """Write ``text`` to ``output`` whole or not at all (``atomic_output``)."""
    try:
        with atomic_output(output) as fh:
            fh.write(text)
    except OSError as exc:
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
    """Open the workspace of the invocation, warning about reviews disabled by a broken protocol file and
    about content recorded under a ``version`` label the review already had (``Workspace.sync_warnings``).

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
    for line in ws.sync_warnings:
        click.echo(f"lsr: warning: {line}", err=True)
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

    Run without a command to open the screening app on the workspace (it needs a terminal; in scripts
    and cron use the commands, e.g. `lsr status`).

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

        if not (sys.stdin.isatty() and sys.stdout.isatty()):  # cron, a script, a pipe: the app would hang
            raise LsrError("the screening app (lsr without a command) needs a terminal; in scripts and cron "
                           "use a command, e.g. `lsr status` for the counts per review")
        launch_home(open_ws(ctx.obj, lazy=True))
