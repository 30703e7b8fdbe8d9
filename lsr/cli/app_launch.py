"""Starting the Textual app from the CLI (kept separate so the CLI imports textual only when needed)."""

from __future__ import annotations

import click

from lsr.settings import Settings


def launch_home(settings: Settings) -> None:
    """Open the app's home screen on the workspace; without the app, show the status table."""
    try:
        from lsr.tui.app import run_app
    except ImportError:
        from lsr.cli.core_commands import _print_status_table
        from lsr.status import workspace_status
        from lsr.workspace import open_workspace

        _print_status_table(workspace_status(open_workspace(settings)))
        click.echo("Run `lsr --help` for the commands.")
        return
    run_app(settings)


def launch_screener(settings: Settings, review_id: str, stage: str) -> None:
    """Open the screener on one review (``lsr screen``)."""
    from lsr.tui.app import make_app

    make_app(settings, review_id, stage=stage).run()
