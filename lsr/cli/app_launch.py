"""Starting the Textual app from the CLI (kept separate so the CLI imports textual only when needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lsr.settings import Settings
    from lsr.workspace import Workspace


def launch_home(ws: Workspace) -> None:
    """Open the app's home screen on the workspace (``lsr`` without a command)."""
    from lsr.tui.app import run_app

    run_app(ws)


def launch_screener(ws: Workspace | Settings, review_id: str, stage: str) -> None:
    """Open the screener on one review (``lsr screen``)."""
    from lsr.tui.app import run_app

    run_app(ws, review_id, stage=stage)
