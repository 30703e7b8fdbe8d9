"""``lsr backup``: a consistent copy of the database while it is in use."""

from __future__ import annotations

from pathlib import Path

import click

from lsr.cli.base import CliState, main, pass_state
from lsr.errors import LsrError


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists (otherwise an existing FILE is refused).")
@pass_state
def backup(state: CliState, file: str, force: bool) -> None:
    """Copy the database to FILE, consistently, even while reviewers screen or an update runs.

    An existing FILE is kept (exit code 1) unless --force is given: one slip must not destroy an
    earlier backup.

    SQLite uses the online backup API (the copy is a plain SQLite file: point LSR_DATABASE_URL at it
    to open it). PostgreSQL uses pg_dump (custom format; restore with pg_restore).

    \b
    Examples:
      lsr backup reviews/backup-$(date +%F).sqlite
      LSR_DATABASE_URL=postgresql+psycopg://lsr@db/lsr lsr backup lsr.dump
    """
    from lsr.backup import backup as do_backup
    from lsr.db import open_database

    if Path(file).expanduser().is_file() and not force:
        raise LsrError(f"{file} exists: give --force to overwrite it, or another file name")
    open_database(state.settings.database_url)  # fail early, with migrations applied
    path = do_backup(state.settings.database_url, file)
    click.echo(f"backup written to {path}")
