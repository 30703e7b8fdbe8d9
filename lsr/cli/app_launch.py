"""Starting the Textual app from the CLI (kept separate so the CLI imports textual only when needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from lsr.settings import Settings
    from lsr.workspace import Workspace


def launch_home(ws: Workspace) -> None:
    """Open the app's home screen on the workspace; without the app, show the status table."""
    try:
        from lsr.tui.app import make_app
    except ImportError:
        from lsr.cli.core_commands import _print_status_table
        from lsr.status import workspace_status

        _print_status_table(workspace_status(ws))
        click.echo("Run `lsr --help` for the commands.")
        return
    make_app(ws).run()


def launch_screener(ws: Workspace | Settings, review_id: str, stage: str) -> None:
    """Open the screener on one review (``lsr screen``)."""
    from lsr.tui.app import make_app

    make_app(ws, review_id, stage=stage).run()
