"""The screening service shared by the Textual screener and the CLI: queue, decisions, progress, freshness.

A ``ScreeningService`` serves one reviewer at one stage of one review. It keeps the reviewer's queue as an
in-memory list of record ids in queue order (``lsr.screening.queue``: newest ranking first, then rank), so moving
to the next record costs two indexed queries instead of a recomputation over the whole review; the list is
rebuilt with ``load_order`` (any thread) and swapped in with ``set_order`` when a new ranking lands.

Who needs a record is ``lsr.screening.queue``'s rule: with single screening "nobody has screened it"; with
blinded dual screening each reviewer receives the records that still need *their* decision and the
service never reveals another reviewer's label. A record shown from the queue is *claimed*
(``lsr.screening.claims``) until it is decided, the stage changes or ``close`` is called, so other
screeners of the review are not shown it meanwhile (unless they are its second reviewer).

Every ``decide``/``undo``/``add_note`` commits its own transaction before returning (a decision is stored
before the UI moves on). Notes are stored at once as ``kind="note"`` decisions carrying the reviewer's
current label, and are attached to the reviewer's next decision on that record as well.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_
from sqlmodel import Session, select

from lsr.db import session_query
from lsr.errors import LsrError
from lsr.models import Decision, ModelRun, Record, RecordRank
from lsr.protocol import Protocol
from lsr.screening import claims
from lsr.screening.decisions import (
    TA,
    Label,
    add_decision,
    extra_label,
    find_record,
    lock_record,
    reviewers_required,
    settled_labels,
    undo_last,
)
from lsr.screening.queue import check_stage, latest_by_record, needs_decision, screening_order
from lsr.search.dedupe import same_title_records
from lsr.search.identity import title_key
from lsr.status import stopping_status
from lsr.workspace import Workspace

NOTE = "note"
"""``Decision.kind`` of a note added without a new label."""


@dataclass(frozen=True)
class Progress:
    """Where a stage of a review stands, for the screener's side panel.

    Counts use settled labels (what counts for PRISMA); ``mine`` and ``remaining`` are the reviewer's own.
    ``series[k]`` is the number of inclusions among the first ``k + 1`` records screened, in screening order
    (the first decision on each record), for the inclusions-against-screened chart.
    """

    stage: str
    total: int
    screened: int
    included: int
    excluded: int
    maybe: int
    mine: int
    remaining: int
    since_last_inclusion: int
    series: tuple[int, ...] = ()


@dataclass(frozen=True)
class Freshness:
    """How current the ranking is: the latest model run and the decisions made after it."""

    model_run_id: int | None = None
    model: str | None = None
    trained_at: datetime | None = None
    n_labels: int = 0
    decisions_since: int = 0

    @property
    def trained(self) -> bool:
        """Whether the review has been ranked at all."""
        return self.model_run_id is not None

    @property
    def fresh(self) -> bool:
        """Ranked, and no title/abstract decision came after the ranking."""
        return self.trained and self.decisions_since == 0


@dataclass
class _Queue:
    """The in-memory queue of one stage: the order and what was decided since it was loaded."""

    stage: str
    order: list[int] = field(default_factory=list)
    pos: int = 0
    done: set[int] = field(default_factory=set)
    front: list[int] = field(default_factory=list)  # records put back by undo, served first (LIFO)
    held: list[int] = field(default_factory=list)  # passed over while other reviewers had them on screen


class ScreeningService:
    """One reviewer screening one review at one stage.

    Args:
        ws: the opened workspace.
        review_id: the review's id (its protocol must exist).
        reviewer: the name recorded on every decision.
        stage: ``title-abstract`` (default) or ``full-text``.

    Raises:
        LsrError: unknown review or stage.
    """

    def __init__(self, ws: Workspace, review_id: str, reviewer: str, stage: str = TA) -> None:
        self.ws = ws
        self.protocol: Protocol = ws.protocol(review_id)
        self.review_id = review_id
        self.reviewer = reviewer
        check_stage(stage)
        self._queue = _Queue(stage)
        self._pending_notes: dict[int, str] = {}
        self.current: Record | None = None
        self.current_rank: RecordRank | None = None  # the current record's place in the ranking, if ranked
        self.current_twins: list[Record] = []  # records with the current one's title: maybe one study (dedupe)
        self.notice: str | None = None  # about the last decision: it came on top of the labels needed
        self._holding: tuple[int, str, float] | None = None  # (record, stage, when) of this screener's claim
        self.shown_elsewhere = 0  # other screeners that had the record ``show`` opened on screen
        self.refresh()

    # -- the queue ------------------------------------------------------------------------------------

    @property
    def stage(self) -> str:
        """The stage being screened."""
        return self._queue.stage

    @property
    def per_record(self) -> int:
        """How many reviewers must label each record (the protocol's ``reviewers_per_record``)."""
        return self.protocol.screening.reviewers_per_record

    def set_stage(self, stage: str) -> None:
        """Switch to another stage and load its queue (the record on screen is no longer claimed)."""
        check_stage(stage)
        self.close()
        self._queue = _Queue(stage)
        self.current = self.current_rank = None
        self.current_twins = []
        self.refresh()

    def load_order(self, stage: str | None = None) -> list[int]:
        """The reviewer's queue for a stage, best rank first, read fresh from the database.

        Safe to call from a worker thread; pass the result to ``set_order`` on the owning thread.
        """
        stage = stage or self.stage
        with self.ws.db.read() as session:
            return screening_order(session_query(session), self.review_id, self.reviewer, stage, self.per_record)

    def set_order(self, order: list[int], stage: str | None = None) -> bool:
        """Replace the queue's order (e.g. after a new ranking); ignored when ``stage`` is no longer current.

        Returns whether the order was applied.
        """
        if stage is not None and stage != self.stage:
            return False
        self._queue.order, self._queue.pos = list(order), 0
        return True

    def put_first(self, head: list[int], stage: str | None = None) -> bool:
        """Move the records of a new ranking's head (best first) to the front of the queue, in that order;
        the rest keep their order. Records of ``head`` the queue does not hold (decided, not this
        reviewer's) stay out. The queue order ``load_order`` would read after a ranking that stored only
        its head, without reading the whole review again. Returns whether it was applied (not when
        ``stage`` is no longer current).
        """
        if stage is not None and stage != self.stage:
            return False
        q = self._queue
        left = q.order[q.pos:]
        held, first = set(left), set(head)
        self.set_order([rid for rid in head if rid in held] + [rid for rid in left if rid not in first])
        return True

    def refresh(self) -> None:
        """Reload the queue from the database (blocking; use ``load_order`` in a worker for big reviews)."""
        self.set_order(self.load_order())

    @property
    def remaining(self) -> int:
        """An upper bound of the records left in the queue (exact unless others screened meanwhile)."""
        q = self._queue
        left = sum(1 for rid in q.order[q.pos:] if rid not in q.done)
        return left + sum(1 for rid in q.front if rid not in q.done and rid not in q.order[q.pos:])

    @property
    def held_elsewhere(self) -> int:
        """Records of this queue passed over because other reviewers have them on screen now."""
        q = self._queue
        with self.ws.db.read() as session:
            q.held = [rid for rid in q.held
                      if rid not in q.done and self._still_needed(session, rid, claimed=True) is None]
        return len(q.held)

    def take(self, record_id: int) -> Record | None:
        """Make a record the current one and claim it, if it still needs this reviewer's label and no other
        screener holds it (the record shown while the service opened); None otherwise."""
        if not self._hold(record_id):  # checks labels and claims under the record's lock
            return None
        with self.ws.db.read() as session:
            return self._load_current(session, record_id)

    def renew(self) -> None:
        """Renew the claim on the record on screen (a long read must not let the claim lapse)."""
        if self.current is not None and self._holding is not None and self._holding[0] == self.current.id:
            self._hold(self.current.id)

    def next_record(self) -> Record | None:
        """The record to screen now: a record put back by undo, else the best-ranked one still needing a decision.

        Idempotent until the record is decided. Each candidate is checked against the database, so records
        screened meanwhile by someone else are skipped, and so are records other reviewers have on screen
        and will settle (they are tried again once the queue is through). The record returned is claimed
        for this reviewer. None when the queue is empty.
        """
        while True:
            with self.ws.db.read() as session:
                rid = self._candidate(session)
                if rid is None:
                    self.current = self.current_rank = None
                    self.current_twins = []
                    return None
                if self._hold(rid):
                    return self._load_current(session, rid)
            self._advance(rid)  # taken by another screener between the read and the claim

    def _candidate(self, session: Session) -> int | None:
        q = self._queue
        while q.front:
            rid = q.front[-1]
            if rid not in q.done and self._still_needed(session, rid):
                return rid
            q.front.pop()
        while q.pos < len(q.order):
            rid = q.order[q.pos]
            if rid not in q.done:
                need = self._still_needed(session, rid, claimed=True)
                if need:
                    return rid
                if need is None and rid not in q.held:
                    q.held.append(rid)
            q.pos += 1
        for rid in list(q.held):  # the queue is through: what others had on screen may be free by now
            need = None if rid in q.done else self._still_needed(session, rid, claimed=True)
            if need:
                return rid
            if need is False or rid in q.done:
                q.held.remove(rid)
        return None

    def _advance(self, rid: int) -> None:
        """Pass over a record another screener claimed first (it is tried again once the queue is through)."""
        q = self._queue
        if rid not in q.held:
            q.held.append(rid)
        if q.front and q.front[-1] == rid:
            q.front.pop()
        elif q.pos < len(q.order) and q.order[q.pos] == rid:
            q.pos += 1

    def _hold(self, record_id: int, chosen: bool = False) -> bool:
        """Claim the record for this reviewer unless, read again under the record's lock (a decision takes
        the same lock), its labels and other reviewers' claims now cover what it needs; a claim renewed
        within a quarter of its time to live is left as it is."""
        now = time.time()
        mine = self._holding
        fresh = claims.CLAIM_TTL[self.stage] / 4
        if mine is not None and mine[:2] == (record_id, self.stage) and now - mine[2] < fresh:
            return True
        with self.ws.db.write() as session:
            lock_record(session, record_id)
            if mine is None or mine[:2] != (record_id, self.stage):
                # labels and claims, read again under the lock (a record the reviewer chose is claimed anyway)
                if not chosen and not self._still_needed(session, record_id, claimed=True):
                    return False
                if mine is not None:
                    claims.release(session, self.review_id, self.reviewer, stage=mine[1], record_id=mine[0])
            claims.claim(session, self.review_id, record_id, self.stage, self.reviewer, now)
        self._holding = (record_id, self.stage, now)
        return True

    def close(self) -> None:
        """Release this reviewer's claim on the record on screen (leaving the screener, switching stage)."""
        if self._holding is None:
            return
        record_id, stage, _ = self._holding
        self._holding = None
        with self.ws.db.write() as session:
            claims.release(session, self.review_id, self.reviewer, stage=stage, record_id=record_id)

    def show(self, record_id: int) -> Record:
        """Make any record of the review the current one (e.g. found with ``find``), screened or not.

        A record that still needs this reviewer's label is claimed, even when another screener has it on
        screen: the reviewer chose it. ``shown_elsewhere`` says how many other screeners have it on screen.
        """
        with self.ws.db.read() as session:
            rec = session.get(Record, record_id)
            if rec is None or rec.review_id != self.review_id:
                raise LsrError(f"no record {record_id} in review {self.review_id!r}")
            needed = self._still_needed(session, record_id)
            self.shown_elsewhere = len(claims.held_by(session_query(session), record_id, self.stage) - {self.reviewer})
            rec = self._load_current(session, record_id)
        if needed:
            self._hold(record_id, chosen=True)
        return rec

    # -- decisions ------------------------------------------------------------------------------------

    def decide(self, record_id: int, label: str, *, reason: str | None = None, note: str | None = None
               ) -> Decision:
        """Record the reviewer's label on a record and commit it before returning.

        Args:
            record_id: the lsr record id.
            label: ``include``, ``exclude`` or ``maybe``.
            reason: an exclusion reason (text or 1-based number); required for full-text exclusions.
            note: a note kept with the decision; defaults to a note added to this record earlier.

        Sets ``notice`` to a line for the screener when the record no longer needed this reviewer's label
        (someone else gave the label it needed while it was on screen, ``extra_label``): the decision is
        recorded all the same; None otherwise.

        Raises:
            LsrError: invalid label, reason or record.
        """
        note = note if note is not None else self._pending_notes.get(record_id)
        with self.ws.db.write() as session:
            shown = self.current is not None and self.current.id == record_id
            rec = self.current if shown else session.get(Record, record_id)  # the shown one needs no look-up
            if rec is None or rec.review_id != self.review_id:
                raise LsrError(f"no record {record_id} in review {self.review_id!r}")
            place = self.current_rank if shown else session.get(RecordRank, record_id)
            lock_record(session, record_id)  # decisions on this record one after the other (not the review)
            extra = extra_label(session, self.protocol, record_id, self.reviewer, self.stage)
            decision = add_decision(session, self.protocol, record_id, self.reviewer, label, stage=self.stage,
                                    reason=reason, note=note, rank_position=place.rank if place else None,
                                    model_run_id=place.model_run_id if place else None)
            claims.release(session, self.review_id, self.reviewer, stage=self.stage, record_id=record_id)
        if self._holding is not None and self._holding[:2] == (record_id, self.stage):
            self._holding = None
        self._pending_notes.pop(record_id, None)
        self._queue.done.add(record_id)
        self.notice = extra
        return decision

    def undo(self) -> Decision | None:
        """Undo the reviewer's last decision at this stage by appending a correction (never deletes).

        The record returns to the front of the queue when the correction leaves it without a label.
        Returns the correction, or None when there is nothing to undo.
        """
        with self.ws.db.write() as session:
            correction = undo_last(session, self.protocol, self.reviewer, self.stage)
        if correction is None:
            return None
        q = self._queue
        if correction.label is None:
            q.done.discard(correction.record_id)
            if correction.record_id in q.front:
                q.front.remove(correction.record_id)
            q.front.append(correction.record_id)
        return correction

    def add_note(self, record_id: int, text: str) -> Decision:
        """Store a note on a record now (keeping the reviewer's current label) and attach it to the next decision.

        Raises:
            LsrError: empty note or unknown record.
        """
        text = (text or "").strip()
        if not text:
            raise LsrError("a note cannot be empty")
        with self.ws.db.write() as session:
            rec = session.get(Record, record_id)
            if rec is None or rec.review_id != self.review_id:
                raise LsrError(f"no record {record_id} in review {self.review_id!r}")
            mine = self._my_label(session, record_id)
            decision = add_decision(session, self.protocol, record_id, self.reviewer,
                                    mine.label if mine else None, stage=self.stage,
                                    reason=mine.reason if mine else None, note=text, kind=NOTE)
        self._pending_notes[record_id] = text
        return decision

    def my_label(self, record_id: int) -> Label | None:
        """This reviewer's own current label on a record at this stage (never another reviewer's)."""
        with self.ws.db.read() as session:
            return self._my_label(session, record_id)

    # -- reading --------------------------------------------------------------------------------------

    def progress(self) -> Progress:
        """Counts, the reviewer's remaining queue and the inclusion series for this stage (one read)."""
        stage = self.stage
        with self.ws.db.read() as session:
            settled = settled_labels(session, self.review_id, stage, self.per_record)
            if stage == TA:
                total = session.exec(select(func.count()).select_from(Record)
                                     .where(Record.review_id == self.review_id)).one()
            else:
                ta = settled_labels(session, self.review_id, TA, self.per_record)
                total = sum(1 for lab in ta.values() if lab.label == "include")
            first = dict(session.exec(
                select(Decision.record_id, func.min(Decision.id))
                .where(Decision.review_id == self.review_id, Decision.stage == stage, Decision.label.is_not(None))
                .group_by(Decision.record_id)).all())
            mine = sum(1 for latest in latest_by_record(session_query(session), self.review_id, stage).values()
                       for who, label, _ in latest if who == self.reviewer and label is not None)
        order = sorted(settled, key=lambda rid: first.get(rid, 0))
        series, found, since = [], 0, 0
        for rid in order:
            if settled[rid].label == "include":
                found, since = found + 1, 0
            else:
                since += 1
            series.append(found)
        counts = {lab: sum(1 for v in settled.values() if v.label == lab) for lab in ("include", "exclude", "maybe")}
        return Progress(stage=stage, total=total, screened=len(settled), included=counts["include"],
                        excluded=counts["exclude"], maybe=counts["maybe"], mine=mine, remaining=self.remaining,
                        since_last_inclusion=since, series=tuple(series))

    def freshness(self) -> Freshness:
        """The latest model run of the review and how many title/abstract decisions came after it."""
        with self.ws.db.read() as session:
            run = session.exec(select(ModelRun).where(ModelRun.review_id == self.review_id,
                                                      ModelRun.status == "ok")
                               .order_by(ModelRun.id.desc())).first()
            if run is None:
                return Freshness()
            since = session.exec(select(func.count()).select_from(Decision).where(
                Decision.review_id == self.review_id, Decision.stage == TA, Decision.kind != NOTE,
                Decision.created_at > run.started_at)).one()
        return Freshness(model_run_id=run.id, model=run.model, trained_at=run.started_at, n_labels=run.n_labels,
                         decisions_since=since)

    def stopping(self) -> dict:
        """The stopping rule's state (``lsr.status.stopping_status``)."""
        with self.ws.db.read() as session:
            return stopping_status(self.ws, session, self.review_id)

    def find(self, text: str, limit: int = 20) -> list[Record]:
        """Records matching an lsr id, OpenAlex id or DOI exactly, else whose title contains ``text``.

        Title matches come best rank first.
        """
        text = (text or "").strip()
        if not text:
            return []
        with self.ws.db.read() as session:
            try:
                return [find_record(session, self.review_id, text)]
            except LsrError:
                pass
            like = f"%{text.lower()}%"
            key_like = f"%{title_key(text)}%"  # punctuation- and accent-insensitive
            rows = session.exec(
                select(Record).join(RecordRank, RecordRank.record_id == Record.id, isouter=True)
                .where(Record.review_id == self.review_id,
                       or_(func.lower(Record.title).like(like), Record.title_key.like(key_like)))
                .order_by(RecordRank.rank.is_(None), func.coalesce(RecordRank.model_run_id, 0).desc(),
                          RecordRank.rank, Record.id).limit(limit)).all()
        return list(rows)

    # -- internals ------------------------------------------------------------------------------------

    def _still_needed(self, session: Session, record_id: int, claimed: bool = False) -> bool | None:
        """Whether the record still needs this reviewer's label. With ``claimed``: None (falsy) when it
        does by its labels, but other reviewers have it on screen and will give what it needs."""
        rows = session.exec(
            select(Decision.reviewer, Decision.label, Decision.kind, Decision.id)
            .where(Decision.review_id == self.review_id, Decision.record_id == record_id,
                   Decision.stage == self.stage).order_by(Decision.id)).all()
        latest: dict[str, tuple[str, str | None, str]] = {}
        for who, label, kind, _ in rows:
            latest[who] = (who, label, kind)
        required = reviewers_required(session, self.review_id, self.stage, self.per_record).get(record_id,
                                                                                               self.per_record)
        if not needs_decision(latest.values(), self.reviewer, required):
            return False
        if claimed and not needs_decision(latest.values(), self.reviewer, required,
                                          claims.held_by(session_query(session), record_id, self.stage)):
            return None
        return True

    def _load_current(self, session: Session, record_id: int) -> Record | None:
        self.current = session.get(Record, record_id)
        self.current_rank = session.get(RecordRank, record_id) if self.current is not None else None
        self.current_twins = same_title_records(session, self.current) if self.current is not None else []
        return self.current

    def _my_label(self, session: Session, record_id: int) -> Label | None:
        d = session.exec(select(Decision).where(
            Decision.review_id == self.review_id, Decision.record_id == record_id, Decision.stage == self.stage,
            Decision.reviewer == self.reviewer).order_by(Decision.id.desc())).first()
        if d is None or d.label is None:
            return None
        return Label(d.label, d.reason, d.note, d.id)
