"""The Textual app, its one factory ``make_app`` (the CLI and the tests share it), and ``run_app``.

``make_app`` opens the workspace and checks the review before the terminal is taken over, so a wrong
review id or a broken workspace ends as a one-line error instead of a crashed full-screen app. It takes
the core functions the app calls (retraining, updating, writing reports) as arguments, None to leave one
out; ``run_app`` passes lsr's own (what ``lsr`` and ``lsr screen`` open).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from lsr.ranking.process import ProcessRerank
from lsr.screening.labels import TA
from lsr.settings import Settings
from lsr.tui.screens.home import HomeScreen
from lsr.workspace import Workspace, open_workspace

# The screener is imported when a review is opened, and the screening service (and with it SQLAlchemy) when
# the database is, so that the home screen and the screener's first record appear without waiting for them.


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
            from lsr.tui.screens.screener import start_screening  # noqa: PLC0415

            self._first_service = start_screening(ws, review_id, reviewer, stage)

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
        from lsr.tui.screens.screener import ScreenerScreen, start_screening  # noqa: PLC0415

        self.push_screen(ScreenerScreen(start_screening(self.ws, review_id, self.reviewer, TA), rerank=self.rerank))


def make_app(target: Settings | Workspace, review_id: str | None = None, *, reviewer: str | None = None,
             stage: str = TA, rerank: Callable[..., Any] | None = None,
             update: Callable[..., Any] | None = None, report: Callable[..., Any] | None = None) -> LsrApp:
    """Build the app on a workspace (opened from settings when given settings).

    Args:
        target: settings to open the workspace with, or an opened workspace.
        review_id: open the screener on this review; None for the home screen.
        reviewer: who decides; defaults to the settings' reviewer.
        stage: the screener's first stage (``title-abstract`` or ``full-text``).
        rerank: ``rerank(ws, review_id)`` retrains the ranker; None never retrains.
        update: ``update(ws, review_id, progress=...)`` searches OpenAlex; None hides the action.
        report: ``report(ws, review_ids)`` writes the evidence summaries; None hides the action.

    Raises:
        LsrError: the workspace cannot be opened, or the review or stage is unknown.
    """
    ws = target if isinstance(target, Workspace) else open_workspace(target)
    if review_id is not None:
        ws.protocol(review_id)
    return LsrApp(ws, reviewer or ws.settings.reviewer, review_id, stage=stage,
                  rerank=rerank, update=update, report=report)


def update_review(ws: Workspace, review_id: str, *, progress: Callable[..., Any] | None = None) -> Any:
    """``lsr.search.update.update_review``, imported on the first call (in a worker thread: it takes seconds)."""
    from lsr.search.update import update_review as update  # noqa: PLC0415  (slow to import; keeps start-up fast)

    return update(ws, review_id, progress=progress)


def write_reports(ws: Workspace, review_ids: list[str]) -> Any:
    """``lsr.report.write_reports``, imported on the first call (in a worker thread)."""
    from lsr.report import write_reports as write  # noqa: PLC0415  (slow to import; keeps start-up fast)

    return write(ws, review_ids)


def run_app(target: Settings | Workspace, review_id: str | None = None, *, stage: str = TA) -> None:
    """Open the app in the terminal with lsr's own core functions and return when the user quits.

    The ranker retrains in a child process (``lsr.ranking.process``); updates and reports run in the
    app's worker threads. ``target`` is as for ``make_app``.
    """
    settings = target.settings if isinstance(target, Workspace) else target
    make_app(target, review_id, stage=stage, rerank=ProcessRerank(settings), update=update_review,
             report=write_reports).run()
