"""Dual-screening conflicts: listing them with both reviewers' labels, and settling them with a third decision.

With ``reviewers_per_record = 2`` a record is settled when both reviewers agree. When they disagree the record
is a *conflict* (``lsr.screening.decisions.conflicts``) until someone appends a ``kind="resolve"`` decision: that
resolution is then the record's settled label (``lsr.screening.decisions.settled_labels``), so PRISMA counts, status
and the ranking all follow it. The resolver may be a third person or one of the two reviewers.

This module reveals every reviewer's label, so it is meant for the conflicts view and ``lsr conflicts``,
never for the blinded screening queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from lsr.errors import LsrError
from lsr.models import STAGES, Decision, Record
from lsr.screening.agreement import review_agreement
from lsr.screening.decisions import TA, add_decision, conflicts, find_record, validate_decision
from lsr.screening.labels import in_force
from lsr.workspace import Workspace

RESOLVE = "resolve"
"""``Decision.kind`` of a resolution."""


@dataclass(frozen=True)
class ReviewerLabel:
    """One reviewer's current label on a conflicting record."""

    reviewer: str
    label: str
    reason: str | None
    note: str | None
    at: datetime | None
    decision_id: int

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"reviewer": self.reviewer, "label": self.label, "reason": self.reason, "note": self.note,
                "at": self.at.isoformat() if self.at else None}


@dataclass(frozen=True)
class Conflict:
    """A record the required reviewers disagree on, with their labels (oldest decision first)."""

    stage: str
    record: Record
    labels: tuple[ReviewerLabel, ...]

    @property
    def record_id(self) -> int:
        """The lsr record id."""
        return self.record.id

    def as_dict(self) -> dict:
        """JSON-ready form (the items of ``lsr conflicts --json``)."""
        r = self.record
        return {"record": {"id": r.id, "openalex_id": r.openalex_id, "doi": r.doi, "title": r.title,
                           "year": r.year, "venue": r.venue, "abstract": r.abstract},
                "stage": self.stage, "labels": [lab.as_dict() for lab in self.labels]}


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise LsrError(f"stage must be one of {', '.join(STAGES)} (got {stage!r})")


def _conflicts_in(session: Session, review_id: str, stage: str, per_record: int) -> list[Conflict]:
    found = conflicts(session, review_id, stage, per_record)
    if not found:
        return []
    ids = sorted(found)
    records = {r.id: r for r in session.exec(select(Record).where(Record.id.in_(ids))).all()}
    rows = session.exec(select(Decision).where(
        Decision.review_id == review_id, Decision.stage == stage, Decision.record_id.in_(ids),
        Decision.note.is_not(None)).order_by(Decision.id)).all()
    notes: dict[tuple[int, str], str] = {}
    for d in rows:  # a reviewer's latest note on the record, even when a later decision carried none
        if d.note and d.note.strip():
            notes[(d.record_id, d.reviewer)] = d.note
    out = []
    for rid in ids:
        labels = tuple(ReviewerLabel(d.reviewer, d.label, d.reason, d.note or notes.get((rid, d.reviewer)),
                                     d.created_at, d.id) for d in found[rid])
        out.append(Conflict(stage, records[rid], labels))
    return out


def list_conflicts(ws: Workspace, review_id: str, stage: str | None = None) -> list[Conflict]:
    """The review's unresolved conflicts, title/abstract first, then by record id.

    Args:
        ws: the opened workspace.
        review_id: the review (its protocol must exist).
        stage: one stage, or None for both.

    Returns:
        An empty list with single screening (``reviewers_per_record = 1``).

    Raises:
        LsrError: unknown review or stage.
    """
    per_record = ws.protocol(review_id).screening.reviewers_per_record
    stages = STAGES if stage is None else (stage,)
    for s in stages:
        _check_stage(s)
    with ws.db.read() as session:
        return [c for s in stages for c in _conflicts_in(session, review_id, s, per_record)]


def resolve(ws: Workspace, review_id: str, record_ref: str | int, label: str, reviewer: str,
            reason: str | None = None, note: str | None = None, stage: str = TA) -> Decision:
    """Settle a conflict with a third decision (``kind="resolve"``), committed before returning.

    Args:
        ws: the opened workspace.
        review_id: the review.
        record_ref: the lsr record id, an OpenAlex id or a DOI.
        label: ``include``, ``exclude`` or ``maybe``.
        reviewer: who resolves (a third person or one of the two reviewers).
        reason: an exclusion reason (text or 1-based number); required for full-text exclusions.
        note: why the conflict was settled this way.
        stage: ``title-abstract`` (default) or ``full-text``.

    Raises:
        LsrError: unknown record, invalid label/reason/stage, or the record is not in conflict at the stage.
    """
    protocol = ws.protocol(review_id)
    _check_stage(stage)
    with ws.db.write() as session:
        record = find_record(session, review_id, record_ref)
        # Two people settling one conflict at once: the record's row lock makes the second wait for the first
        # to commit, and its check below then sees the first's resolution (PostgreSQL, READ COMMITTED; SQLite
        # write transactions already run one at a time, and the dialect leaves FOR UPDATE out).
        session.exec(select(Record.id).where(Record.id == record.id).with_for_update()).one()
        open_conflicts = conflicts(session, review_id, stage, protocol.screening.reviewers_per_record)
        if record.id not in open_conflicts:
            earlier = _resolution_in_force(session, review_id, record.id, stage)
            if earlier is None:
                raise LsrError(f"record {record.id} has no open conflict at {stage} in review {review_id!r} "
                               f"(see `lsr conflicts {review_id}`)")
            if earlier.label == label and earlier.reason == validate_decision(protocol, label, stage, reason):
                return earlier  # the same resolution twice (two clicks, a re-run script): nothing to add
            when = earlier.created_at.strftime("%Y-%m-%d %H:%M") if earlier.created_at else "earlier"
            given = f"{earlier.label}{f' ({earlier.reason})' if earlier.reason else ''}"
            raise LsrError(f"record {record.id} was already resolved at {stage} by {earlier.reviewer} at {when} "
                           f"UTC as {given}; your {label} was not recorded")
        return add_decision(session, protocol, record.id, reviewer, label, stage=stage, reason=reason, note=note,
                            kind=RESOLVE)


def _resolution_in_force(session: Session, review_id: str, record_id: int, stage: str) -> Decision | None:
    """The ``resolve`` decision that settles a record at a stage now (not undone since), if any."""
    rows = session.exec(select(Decision).where(
        Decision.review_id == review_id, Decision.record_id == record_id, Decision.stage == stage,
        Decision.kind.in_((RESOLVE, "undo"))).order_by(Decision.id)).all()
    found = in_force(rows).get(record_id)
    return found if found is not None and found.kind == RESOLVE else None


def agreement_summary(ws: Workspace, review_id: str, stage: str = TA, block: int | None = None) -> dict | None:
    """Pooled agreement (``n``, ``kappa``, ``percent_agreement``, ``pabak``) for dual screening, else None.

    ``block``: whole blocks of that many records per reviewer pair only (see ``review_agreement``).
    """
    if ws.protocol(review_id).screening.reviewers_per_record < 2:
        return None
    with ws.db.read() as session:
        return review_agreement(session, review_id, stage, block)["overall"]
