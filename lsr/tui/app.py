"""The Textual app and its one factory, ``make_app``, used by the CLI (``lsr``, ``lsr screen``) and the tests.

``make_app`` opens the workspace and checks the review before the terminal is taken over, so a wrong
review id or a broken workspace ends as a one-line error instead of a crashed full-screen app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from lsr.labels import TA
from lsr.settings import Settings
from lsr.tui import optional
from lsr.tui.ranker_process import DEFAULT_TARGET, ProcessRerank
from lsr.tui.screens.home import HomeScreen
from lsr.workspace import Workspace, open_workspace

# The screener and the screening service (and with them SQLAlchemy) are imported when a review is opened,
# so that the home screen appears without waiting for them.


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Any = _Default()
"""Marker: use the installed module's function (or None when the module does not exist)."""


class LsrApp(App[None]):
    """lsr in the terminal: the home screen, or the screener when a review is given.

    Args:
        ws: the opened workspace.
        reviewer: the name recorded on every decision.
        review_id: open the screener on this review directly (``q`` then quits).
        stage: the screener's first stage.
        rerank: ``rerank_review(ws, review_id)``, or None to never retrain.
        update: ``update_review(ws, review_id, progress=...)``, or None.
        report: ``write_reports(ws, review_ids)``, or None.
    """

    TITLE = "lsr"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, ws: Workspace, reviewer: str, review_id: str | None = None, *, stage: str = TA,
                 rerank: Callable[..., Any] | None = None, update: Callable[..., Any] | None = None,
                 report: Callable[..., Any] | None = None) -> None:
        super().__init__()
        self.ws, self.reviewer, self.review_id, self.stage = ws, reviewer, review_id, stage
        self.rerank, self.update_fn, self.report_fn = rerank, update, report
        self._first_service = None
        if review_id:
            from lsr.screening import ScreeningService  # noqa: PLC0415

            self._first_service = ScreeningService(ws, review_id, reviewer, stage)

    def on_mount(self) -> None:
        if self._first_service is not None:
            from lsr.tui.screens.screener import ScreenerScreen  # noqa: PLC0415

            self.push_screen(ScreenerScreen(self._first_service, rerank=self.rerank, standalone=True))
        else:
            self.push_screen(HomeScreen(open_screener=self.open_screener, update=self.update_fn,
                                        report=self.report_fn))

    def on_unmount(self) -> None:
        close = getattr(self.rerank, "close", None)
        if close is not None:
            close()

    def open_screener(self, review_id: str) -> None:
        """Open the screener on a review (from the home screen; ``q`` comes back)."""
        from lsr.screening import ScreeningService  # noqa: PLC0415
        from lsr.tui.screens.screener import ScreenerScreen  # noqa: PLC0415

        service = ScreeningService(self.ws, review_id, self.reviewer, TA)
        self.push_screen(ScreenerScreen(service, rerank=self.rerank))


def make_app(target: Settings | Workspace, review_id: str | None = None, *, reviewer: str | None = None,
             stage: str = TA, rerank: Callable[..., Any] | None = DEFAULT,
             update: Callable[..., Any] | None = DEFAULT, report: Callable[..., Any] | None = DEFAULT) -> LsrApp:
    """Build the app on a workspace (opened from settings when given settings).

    Args:
        target: settings to open the workspace with, or an opened workspace.
        review_id: open the screener on this review; None for the home screen.
        reviewer: who decides; defaults to the settings' reviewer.
        stage: the screener's first stage (``title-abstract`` or ``full-text``).
        rerank, update, report: the core functions to call; by default the installed modules' functions
            (the ranker then runs in a child process, see ``lsr.tui.ranker_process``).

    Raises:
        LsrError: the workspace cannot be opened, or the review or stage is unknown.
    """
    ws = target if isinstance(target, Workspace) else open_workspace(target)
    if review_id is not None:
        ws.protocol(review_id)
    return LsrApp(
        ws, reviewer or ws.settings.reviewer, review_id, stage=stage,
        rerank=default_rerank(ws) if rerank is DEFAULT else rerank,
        update=optional.update_function() if update is DEFAULT else update,
        report=optional.report_function() if report is DEFAULT else report,
    )


def default_rerank(ws: Workspace) -> ProcessRerank | None:
    """The installed ranker, run in a child process; None when ``lsr.ranking.service`` does not exist."""
    return ProcessRerank(ws.settings, DEFAULT_TARGET) if optional.has_module(DEFAULT_TARGET.split(":")[0]) else None
