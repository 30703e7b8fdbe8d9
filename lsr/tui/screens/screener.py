"""The screener: one record at a time, decided with single keys, with live progress beside it.

Every key that decides commits through ``ScreeningService.decide`` before the next record is shown; the next
record comes from the in-memory rank order at once. Retraining (``rerank``) and the side panel's statistics
run in thread workers afterwards and never hold up the keys; a finished retraining swaps in the new order.
lsr's ranking process stores only the head of each new ranking at once and replies with it; the screener
moves those records to the front of its queue (``ScreeningService.put_first``) rather than reading a
100 k-record queue again, which would hold the GIL for a second while keys wait. When one retraining takes
longer than ``RETRAIN_PAUSE_AFTER_S``, the next one waits as long as the last took, so the ranker uses at
most half of the time.

Opened on a database that is not open yet (``lsr screen``), the screener shows the head of the queue read
with ``sqlite3`` (``lsr.screening.queue.first_record``) at once and opens the screening service, which
loads SQLAlchemy, in a worker. Keys pressed meanwhile wait for it and then apply in order, the first one
to the record that was on screen: nothing typed ahead is lost or applied to a record not shown.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from lsr.errors import LsrError
from lsr.screening.claims import CLAIM_TTL
from lsr.screening.labels import FT, TA
from lsr.screening.queue import RecordPreview, check_stage, first_record
from lsr.sqlite_reader import open_reader
from lsr.tui.messages import RankingLanded, StatsReady
from lsr.tui.screens.help import SCREENER_KEYS, HelpScreen
from lsr.tui.screens.prompts import FindPrompt, ReasonPrompt, TextPrompt
from lsr.tui.widgets.record_view import RecordView, record_links
from lsr.tui.widgets.side_panel import STAGE_NAMES, SidePanel

if TYPE_CHECKING:
    from lsr.protocol import Protocol
    from lsr.screening.service import ScreeningService
    from lsr.workspace import Workspace

log = logging.getLogger(__name__)

STATS_DELAY_S = 0.25  # side-panel statistics wait for a pause in the key presses
RETRAIN_PAUSE_AFTER_S = 1.0  # a retraining that took longer is followed by a pause as long as it took


@dataclass(frozen=True)
class Opening:
    """A screening service still to be opened, and the record at the head of its queue (None: empty queue)."""

    ws: Workspace
    review_id: str
    reviewer: str
    stage: str
    first: RecordPreview | None

    @property
    def protocol(self) -> Protocol:
        return self.ws.protocol(self.review_id)

    def open(self) -> ScreeningService:
        """Open the service (imports SQLAlchemy, opens and migrates the database, loads the queue)."""
        from lsr.screening.service import ScreeningService  # noqa: PLC0415  (the slow part of opening)

        return ScreeningService(self.ws, self.review_id, self.reviewer, self.stage)


def start_screening(ws: Workspace, review_id: str, reviewer: str, stage: str) -> ScreeningService | Opening:
    """The screening service, or an ``Opening`` when the first record can be read before the database opens.

    Raises:
        LsrError: unknown review or stage.
    """
    proto = ws.protocol(review_id)
    check_stage(stage)
    q = None if ws.is_open else open_reader(ws.settings, ws)
    if q is not None:
        first = first_record(q, review_id, reviewer, stage, proto.screening.reviewers_per_record)
        return Opening(ws, review_id, reviewer, stage, first)
    from lsr.screening.service import ScreeningService  # noqa: PLC0415

    return ScreeningService(ws, review_id, reviewer, stage)


def when_open(action: Callable[..., Any]) -> Callable[..., Any]:
    """An action that needs the screening service: pressed while it opens, it waits and then runs."""

    @functools.wraps(action)
    async def run(self: ScreenerScreen, *args: Any) -> Any:
        if self.service is None:
            self._typed_ahead += 1
            await self._opened.wait()
            if self.service is None:  # opening failed; the screen says why
                return None
        return action(self, *args)

    return run


class ScreenerScreen(Screen[None]):
    """Screen one review as one reviewer.

    Args:
        service: the screening service (reviewer, review and stage), or an ``Opening`` of one.
        rerank: ``rerank_review(ws, review_id)``, or None to keep the stored order (never retrain).
        standalone: ``q`` quits the app (opened with ``lsr screen``) instead of going back home.
    """

    clock: Callable[[], float] = staticmethod(time.monotonic)
    """Times retrainings, for the pause after a slow one (tests substitute a simulated clock)."""

    DEFAULT_CSS = """
    ScreenerScreen #topbar { height: 1; background: $primary 25%; padding: 0 1; }
    ScreenerScreen #main { height: 1fr; }
    ScreenerScreen RecordView { width: 1fr; }
    """

    BINDINGS = [
        Binding("i", "decide('include')", "Include"),
        Binding("e", "exclude", "Exclude"),
        Binding("1", "reason(1)", "Reason", key_display="1-9"),
        Binding("m", "decide('maybe')", "Maybe"),
        Binding("u", "undo", "Undo"),
        Binding("n", "note", "Note"),
        Binding("o", "links", "Link", show=False),
        Binding("slash", "find", "Find", key_display="/"),
        Binding("s", "switch_stage", "Stage", show=False),
        Binding("c", "toggle_criteria", "Criteria", show=False),
        Binding("C", "conflicts", "Conflicts", show=False),
        Binding("x", "extract", "Extract", show=False),
        Binding("escape", "to_queue", "Queue", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "back", "Back"),
    ] + [Binding(str(n), f"reason({n})", f"Reason {n}", show=False) for n in range(2, 10)]

    def __init__(self, service: ScreeningService | Opening, *, rerank: Callable[..., Any] | None = None,
                 standalone: bool = False) -> None:
        super().__init__()
        self._opening = service if isinstance(service, Opening) else None
        self.service: ScreeningService | None = None if self._opening else service
        self._opened = asyncio.Event()
        self._typed_ahead = 0  # keys pressed for the record on screen while the service opened
        self.rerank = rerank
        self.standalone = standalone
        self._retraining = False
        self._rerank_pending = False
        self._retrain_started = 0.0
        self._stats_timer: Timer | None = None
        self.last_action = ""

    # -- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        proto = (self._opening or self.service).protocol
        yield Static(id="topbar")
        with Horizontal(id="main"):
            yield RecordView(proto.criteria.highlight_include, proto.criteria.highlight_exclude, id="record")
            yield SidePanel(proto, rerank_available=self.rerank is not None, id="panel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(RecordView).focus()
        if self._opening is None:
            self.show_next()
            self._ready()
            return
        first = self._opening.first
        self.record_view.show(first, rank=first.rank if first is not None else None, empty="Nothing left to screen.")
        bar = Text()
        bar.append(self._opening.review_id, style="bold")
        bar.append(f" · {STAGE_NAMES[self._opening.stage]} · {self._opening.reviewer} · opening the database…")
        self.query_one("#topbar", Static).update(bar)
        self.call_after_refresh(self._open_service)

    def _renew_claim(self) -> None:
        try:
            self.service.renew()
        except Exception:  # noqa: BLE001  (a missed renewal only lets the claim expire)
            log.warning("could not renew the claim on the record on screen", exc_info=True)

    def on_unmount(self) -> None:
        """Leaving the screener: the record on screen is no longer claimed, so other screeners get it."""
        if self.service is not None:
            try:
                self.service.close()
            except Exception:  # noqa: BLE001  (leaving must not fail; an unreleased claim expires by itself)
                log.warning("could not release the record on screen", exc_info=True)

    def _ready(self) -> None:
        """The service is open: start the statistics and the ranking process, and let waiting keys run."""
        self._opened.set()
        if self.service is not None:  # a long read must not let the claim on the record lapse
            self.set_interval(min(CLAIM_TTL.values()) / 4, self._renew_claim)
        self.refresh_stats()
        start = getattr(self.rerank, "start", None)
        if start is not None:  # a ranking process: let it import the ranker while the reviewer reads
            start()

    @work(thread=True, group="open", exit_on_error=False)
    def _open_service(self) -> None:
        try:
            service = self._opening.open()
        except Exception as exc:  # the screen must say why instead of crashing the app
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            self.app.call_from_thread(self._open_failed, message)
            return
        self.app.call_from_thread(self._service_opened, service)

    def _service_opened(self, service: ScreeningService) -> None:
        first = self._opening.first
        self.service = service
        shown = service.next_record()
        if first is None:
            self.show_next()
        elif shown is not None and shown.id == first.id:
            self._update_topbar()  # the record on screen is the queue's: leave it (and its scroll) as it is
        elif self._typed_ahead or service.take(first.id) is not None:
            self._show_record(first.id)  # keys typed ahead apply to what was on screen, even if taken meanwhile
        else:  # nothing typed yet, and decided or taken by another screener while the database opened
            self.show_next()
        self._ready()

    def _open_failed(self, message: str) -> None:
        self.record_view.show(None, empty=f"The review could not be opened: {message}\n\nq goes back")
        self._opened.set()

    @property
    def record_view(self) -> RecordView:
        return self.query_one(RecordView)

    @property
    def panel(self) -> SidePanel:
        return self.query_one(SidePanel)

    def show_next(self) -> None:
        """Show the next record of the queue (or say the queue is empty)."""
        rec = self.service.next_record()
        other = STAGE_NAMES[FT if self.service.stage == TA else TA]
        keys = f"s switches to {other} · / finds any record · u undoes your last decision · q goes back"
        nothing = f"Nothing left to screen at {STAGE_NAMES[self.service.stage]} for {self.service.reviewer}"
        empty = f"{nothing}.\n\n{keys}"
        if rec is None and (held := self.service.held_elsewhere):
            minutes = int(CLAIM_TTL[self.service.stage] // 60)
            empty = (f"{nothing} right now: {held} record(s) are on other reviewers' screens. If they leave them "
                     f"undecided (or after {minutes} minutes at most), they are yours: press a decision key to "
                     f"look again, or / to open one now.\n\n{keys}")
        if rec is None and self.service.stage == TA and not self.service.progress().total:
            empty = ("This review has no records yet: search OpenAlex with `lsr update "
                     f"{self.service.review_id}` or add an export file with `lsr import {self.service.review_id} "
                     "FILE`.\n\nq goes back")
        self.record_view.show(rec, rank=self._current_rank(), empty=empty, twins=self.service.current_twins)
        self._update_topbar()

    def _show_record(self, record_id: int) -> None:
        rec = self.service.show(record_id)
        self.record_view.show(rec, my_label=self.service.my_label(record_id), rank=self._current_rank(),
                              twins=self.service.current_twins)
        self._update_topbar()

    def _current_rank(self) -> int | None:
        place = self.service.current_rank
        return place.rank if place is not None else None

    def _update_topbar(self) -> None:
        s = self.service
        bar = Text()
        bar.append(s.review_id, style="bold")
        bar.append(f" · {STAGE_NAMES[s.stage]}")
        bar.append(" (s: switch)", style="dim")
        bar.append(f" · {s.reviewer} · {s.remaining:,} to screen")
        if s.per_record > 1:
            bar.append(" · blinded dual screening")
        if self.last_action:
            bar.append(f" · last: {self.last_action}", style="dim")
        self.query_one("#topbar", Static).update(bar)

    # -- deciding -------------------------------------------------------------------------------------

    def decide_shown(self, label: str, reason: str | None = None) -> None:
        """Commit a label on the shown record, then show the next one at once."""
        rec = self.service.current
        if rec is None:
            self.show_next()  # a record another reviewer had on screen may be free now: shown, not decided
            if self.service.current is None:
                self.notify("No record to decide on.", severity="warning")
            return
        try:
            decision = self.service.decide(rec.id, label, reason=reason)
        except LsrError as exc:
            self.notify(exc.message, title="Not recorded", severity="error")
            return
        self.last_action = f"{label}{f' ({decision.reason})' if decision.reason else ''} #{rec.id}"
        if self.service.notice:
            self.notify(self.service.notice, title="Someone else labelled this record too", severity="warning")
        self.show_next()
        self._after_change()

    action_decide = when_open(decide_shown)

    @when_open
    def action_exclude(self) -> None:
        """Exclude; at full text a reason is required, so ask for it first."""
        if self.service.current is None:
            self.decide_shown("exclude")  # looks again (a record another screener held may be free now)
            return
        if self.service.stage == FT:
            self.app.push_screen(ReasonPrompt(self.service.protocol.criteria.exclusion_reasons,
                                              "Full-text exclusion: which reason? (PRISMA 2020)"),
                                 self._excluded_with)
        else:
            self.decide_shown("exclude")

    def _excluded_with(self, reason: str | None) -> None:
        if reason:
            self.decide_shown("exclude", reason)

    @when_open
    def action_reason(self, number: int) -> None:
        """Exclude with the protocol's exclusion reason ``number`` (1-based)."""
        reasons = self.service.protocol.criteria.exclusion_reasons
        if number > len(reasons):
            listed = " · ".join(f"{i} {r}" for i, r in enumerate(reasons, 1))
            self.notify(f"There is no reason {number}: {listed}", severity="warning")
            return
        self.decide_shown("exclude", reasons[number - 1])

    @when_open
    def action_undo(self) -> None:
        """Undo the last decision at this stage (appends a correction) and show that record again."""
        try:
            correction = self.service.undo()
        except LsrError as exc:
            self.notify(exc.message, severity="error")
            return
        if correction is None:
            self.notify(f"Nothing to undo at {STAGE_NAMES[self.service.stage]}.")
            return
        self.last_action = f"undo #{correction.record_id}"
        if correction.label is None:
            self.show_next()
        else:
            self._show_record(correction.record_id)
            self.notify(f"Record #{correction.record_id} is back to {correction.label}.")
        self._after_change()

    @when_open
    def action_note(self) -> None:
        """Ask for a note and store it on the shown record at once."""
        rec = self.service.current
        if rec is None:
            self.notify("No record to add a note to.", severity="warning")
            return
        self.app.push_screen(TextPrompt(f"Note on #{rec.id}: {rec.title[:50]}", placeholder="your note"),
                             lambda text: self._save_note(rec.id, text))

    def _save_note(self, record_id: int, text: str | None) -> None:
        if not text or not text.strip():
            return
        try:
            self.service.add_note(record_id, text)
        except LsrError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify("Note saved.")

    # -- looking around -------------------------------------------------------------------------------

    @when_open
    def action_links(self) -> None:
        """Show the record's DOI and OpenAlex links (and copy the first to the clipboard)."""
        rec = self.service.current
        links = record_links(rec) if rec is not None else []
        if not links:
            self.notify("This record has no DOI or OpenAlex id.", severity="warning")
            return
        self.app.copy_to_clipboard(links[0])
        self.notify("\n".join(links), title="Links (first one copied)", timeout=12)

    @when_open
    def action_find(self) -> None:
        """Find any record of the review and show it (decide on it as usual)."""
        self.app.push_screen(FindPrompt(self.service.find), self._found)

    def _found(self, record_id: int | None) -> None:
        if record_id:
            self._show_record(record_id)
            elsewhere = ("Another reviewer has it on screen now: your label may come on top of theirs. "
                         if self.service.shown_elsewhere else "")
            self.notify(f"{elsewhere}Decide on it as usual, or press Escape to go back to the queue.")

    @when_open
    def action_to_queue(self) -> None:
        """Leave a record opened with find (or shown by undo) and show the queue's next record."""
        self.show_next()

    @when_open
    def action_switch_stage(self) -> None:
        """Switch between title/abstract and full-text screening."""
        self.service.set_stage(FT if self.service.stage == TA else TA)
        self.last_action = ""
        self.show_next()
        self.notify(f"Now screening {STAGE_NAMES[self.service.stage]}: {self.service.remaining:,} record(s).")
        self.refresh_stats()

    @when_open
    def action_conflicts(self) -> None:
        """Open the conflicts view (dual screening); the panel refreshes on return."""
        from lsr.tui.screens.conflicts import ConflictsScreen  # noqa: PLC0415

        s = self.service
        self.app.push_screen(ConflictsScreen(s.ws, s.review_id, s.reviewer), lambda _: self.refresh_stats())

    @when_open
    def action_extract(self) -> None:
        """Extract data from the shown record if it is included at full text, else choose an included study."""
        from lsr.synthesis.studies import is_included  # noqa: PLC0415
        from lsr.tui.screens.extraction import ExtractionScreen  # noqa: PLC0415
        from lsr.tui.screens.included import IncludedScreen  # noqa: PLC0415

        s, rec = self.service, self.service.current
        if rec is not None and is_included(s.ws, s.review_id, rec.id):
            self.app.push_screen(ExtractionScreen(s.ws, s.review_id, s.reviewer, rec.id))
        else:
            note = f"#{rec.id} is not included at full text; choose" if rec is not None else "Choose"
            self.app.push_screen(IncludedScreen(s.ws, s.review_id, s.reviewer, f"{note} a study (Enter)."))

    def action_toggle_criteria(self) -> None:
        self.panel.toggle_criteria()

    @when_open
    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(f"Screener keys · {self.service.review_id}", SCREENER_KEYS,
                                        self.service.protocol.criteria.exclusion_reasons))

    def action_back(self) -> None:
        if self.standalone:
            self.app.exit()
        else:
            self.app.pop_screen()

    # -- background work ------------------------------------------------------------------------------

    def _after_change(self) -> None:
        """After a decision or undo: retrain (title/abstract only) and refresh the panel after a pause."""
        decided = getattr(self.rerank, "decided", None)
        if decided is not None:  # the ranking process writes best right now (see lsr.ranking.process)
            decided()
        if self.service.stage == TA:  # once the next record is on screen: the two must not share the CPU
            self.call_after_refresh(self.start_retrain)
        self._refresh_stats_soon()

    def _refresh_stats_soon(self) -> None:
        """Refresh the side panel once keys and rankings pause (one refresh for a burst of both: at 100 k
        records a refresh holds the GIL for tens of milliseconds, and keys typed meanwhile wait)."""
        if self._stats_timer is not None:
            self._stats_timer.stop()
        self._stats_timer = self.set_timer(STATS_DELAY_S, self.refresh_stats)

    def start_retrain(self) -> None:
        """Retrain in a worker; while one runs, remember to run once more when it ends."""
        if self.rerank is None:
            return
        if self._retraining:
            self._rerank_pending = True
            return
        self._retraining = True
        self._retrain_started = self.clock()
        self.panel.set_retraining(True)
        self._retrain(self.service.stage)

    @work(thread=True, group="rerank", exit_on_error=False)
    def _retrain(self, stage: str) -> None:
        error = head = None
        try:
            result = self.rerank(self.service.ws, self.service.review_id)
            head = result if isinstance(result, list) else None
        except Exception as exc:  # the ranker failing must never stop screening
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        # Only the head changed: moving it to the front costs milliseconds, where reading a 100 k queue
        # afresh holds the GIL for a second and the reviewer's keys wait.
        order = None if head is not None else self.service.load_order(stage)
        self.post_message(RankingLanded(stage, order, error, head))

    def on_ranking_landed(self, message: RankingLanded) -> None:
        self._retraining = False
        self.panel.set_retraining(False)
        if message.error:
            self.notify(f"Ranking failed: {message.error}. Screening continues in the previous order.",
                        severity="warning")
        if message.order is not None:
            self.service.set_order(message.order, message.stage)
        elif message.head is not None:
            self.service.put_first(message.head, message.stage)
        self._update_topbar()
        if self._rerank_pending:
            self._rerank_pending = False
            took = self.clock() - self._retrain_started
            if took > RETRAIN_PAUSE_AFTER_S:
                self._retraining = True  # decisions meanwhile stay pending: one retraining after the pause
                self.panel.set_retraining(True)
                self.set_timer(took, self._restart_retrain)
            else:
                self.start_retrain()
        self._refresh_stats_soon()

    def _restart_retrain(self) -> None:
        self._retraining = False
        self._rerank_pending = False
        self.start_retrain()

    @work(thread=True, exclusive=True, group="stats", exit_on_error=False)
    def refresh_stats(self) -> None:
        """Recompute progress and freshness, then the stopping state, off the UI thread.

        Two messages: the stopping rule may need seconds the first time (its module loads SciPy).
        """
        svc = self.service
        progress, freshness = svc.progress(), svc.freshness()
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        self.post_message(StatsReady(progress, freshness, None))
        try:
            stopping = svc.stopping()
        except Exception as exc:  # a bug in the stopping rule must not break the panel
            stopping = {"rule": svc.protocol.screening.stopping, "met": False, "estimated_recall": None,
                        "message": f"cannot evaluate: {exc}"}
        if not worker.is_cancelled:
            self.post_message(StatsReady(progress, freshness, stopping))

    def on_stats_ready(self, message: StatsReady) -> None:
        if message.progress.stage == self.service.stage:
            self.panel.show_stats(message.progress, message.freshness, message.stopping)
            if message.stopping is None and self.service.per_record > 1:
                self.panel.load_agreement(self.service.ws, self.service.review_id, self.service.stage)
