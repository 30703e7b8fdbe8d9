"""Starting the Textual app from the CLI (kept separate so the CLI imports textual only when needed)."""

from __future__ import annotations

from lsr.settings import Settings


def launch_home(settings: Settings) -> None:
    """Open the app's home screen on the workspace (``lsr`` without a command)."""
    from lsr.tui.app import run_app

    run_app(settings)


def launch_screener(settings: Settings, review_id: str, stage: str) -> None:
    """Open the screener on one review (``lsr screen``)."""
    from lsr.tui.app import run_app

    run_app(settings, review_id, stage=stage)
