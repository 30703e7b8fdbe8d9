"""Screening decisions: recording, undoing, and reading the current labels.

The decision log is append-only. A record's current label for a reviewer is that reviewer's latest row
for the stage; undo appends a correction that restores the label before the undone decision. The
*settled* label of a record (what counts for PRISMA, status and ranking) is computed here too, so every
caller agrees on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_
from sqlmodel import Session, select

from lsr.errors import LsrError
from lsr.identity import normalize_doi, normalize_openalex_id
from lsr.models import LABELS, STAGES, Decision, Record
from lsr.protocol import Protocol

TA, FT = STAGES


@dataclass(frozen=True)
class Label:
    """A current label with its reason and note."""

    label: str
    reason: str | None = None
    note: str | None = None
    decision_id: int | None = None


def find_record(session: Session, review_id: str, ref: str | int) -> Record:
    """A record of the review by lsr id, OpenAlex id (W… or URL) or DOI.

    Raises:
        LsrError: no such record in this review.
    """
    text = str(ref).strip()
    record = None
    if text.isdigit():
        record = session.get(Record, int(text))
        if record is not None and record.review_id != review_id:
            record = None
    elif (oa := normalize_openalex_id(text)) is not None:
        record = session.exec(select(Record).where(Record.review_id == review_id, Record.openalex_id == oa)).first()
    elif (doi := normalize_doi(text)) is not None:
        record = session.exec(select(Record).where(Record.review_id == review_id, Record.doi == doi)).first()
    if record is None:
        raise LsrError(f"no record {text!r} in review {review_id!r} (give an lsr record id, an OpenAlex id or a DOI)")
    return record


def validate_decision(protocol: Protocol, label: str | None, stage: str, reason: str | None) -> str | None:
    """Check label, stage and reason against the protocol; return the canonical reason.

    A reason may be given by its text (case-insensitive) or its number (1-based, as the screener's keys).

    Raises:
        LsrError: unknown label or stage, a reason not in the protocol, a full-text exclusion without one.
    """
    if label is not None and label not in LABELS:
        raise LsrError(f"label must be one of {', '.join(LABELS)} (got {label!r})")
    if stage not in STAGES:
        raise LsrError(f"stage must be one of {', '.join(STAGES)} (got {stage!r})")
    reasons = protocol.criteria.exclusion_reasons
    if reason is not None and reason.strip():
        text = reason.strip()
        if text.isdigit() and 1 <= int(text) <= len(reasons):
            return reasons[int(text) - 1]
        for known in reasons:
            if known.lower() == text.lower():
                return known
        listed = "; ".join(f"{i}: {r}" for i, r in enumerate(reasons, 1))
        raise LsrError(f"reason {text!r} is not one of the protocol's exclusion reasons ({listed})")
    if label == "exclude" and stage == FT:
        listed = "; ".join(f"{i}: {r}" for i, r in enumerate(reasons, 1))
        raise LsrError(f"a full-text exclusion needs a reason (PRISMA 2020): {listed}")
    return None


def add_decision(session: Session, protocol: Protocol, record_id: int, reviewer: str, label: str | None, *,
                 stage: str = TA, reason: str | None = None, note: str | None = None, kind: str = "screen",
                 rank_position: int | None = None, model_run_id: int | None = None) -> Decision:
    """Append one decision in the caller's transaction (validated against the protocol)."""
    reason = validate_decision(protocol, label, stage, reason)
    if label != "exclude" and kind != "undo":
        reason = None if label is not None else reason
    decision = Decision(review_id=protocol.id, record_id=record_id, reviewer=reviewer, stage=stage, label=label,
                        reason=reason, note=(note or None), kind=kind, rank_position=rank_position,
                        model_run_id=model_run_id)
    session.add(decision)
    session.flush()
    return decision


def undo_last(session: Session, protocol: Protocol, reviewer: str, stage: str = TA) -> Decision | None:
    """Append a correction that reverses the reviewer's most recent, not yet undone decision.

    Returns the correction, or None when there is nothing to undo.
    """
    rows = session.exec(
        select(Decision).where(Decision.review_id == protocol.id, Decision.reviewer == reviewer,
                               Decision.stage == stage).order_by(Decision.id.desc())
    ).all()
    undone = {d.corrects_id for d in rows if d.kind == "undo"}
    target = next((d for d in rows if d.kind != "undo" and d.id not in undone), None)
    if target is None:
        return None
    earlier = [d for d in rows if d.record_id == target.record_id and d.id < target.id]
    before = earlier[0] if earlier else None
    correction = Decision(review_id=protocol.id, record_id=target.record_id, reviewer=reviewer, stage=stage,
                          label=before.label if before else None, reason=before.reason if before else None,
                          note=before.note if before else None, kind="undo", corrects_id=target.id)
    session.add(correction)
    session.flush()
    return correction


def latest_decisions(session: Session, review_id: str, stage: str = TA, reviewer: str | None = None
                     ) -> dict[tuple[int, str], Decision]:
    """The latest decision per (record, reviewer) for a stage, optionally for one reviewer.

    The values are read-only rows with the Decision's columns as attributes (building ORM objects cost
    more than the query: this runs before every retrain).
    """
    cond = [Decision.review_id == review_id, Decision.stage == stage]
    if reviewer is not None:
        cond.append(Decision.reviewer == reviewer)
    latest = (select(func.max(Decision.id)).where(*cond).group_by(Decision.record_id, Decision.reviewer))
    rows = session.exec(select(*Decision.__table__.columns).where(Decision.id.in_(latest))).all()
    return {(d.record_id, d.reviewer): d for d in rows}


def resolutions_of(session: Session, review_id: str, stage: str = TA) -> dict[int, Decision]:
    """The resolution in force per record at a stage: its latest ``resolve`` decision not undone since.

    A resolution stays in force when its author later adds a note or another decision on the record; only
    an undo of the resolution itself (or a newer resolution) replaces it.
    """
    rows = session.exec(select(Decision).where(
        Decision.review_id == review_id, Decision.stage == stage,
        or_(Decision.kind == "resolve", Decision.kind == "undo")).order_by(Decision.id)).all()
    undone = {d.corrects_id for d in rows if d.kind == "undo"}
    out: dict[int, Decision] = {}
    for d in rows:
        if d.kind == "resolve" and d.label is not None and d.id not in undone:
            out[d.record_id] = d
    return out


def settled_labels(session: Session, review_id: str, stage: str = TA, reviewers_per_record: int = 1
                   ) -> dict[int, Label]:
    """The label that counts for each record at a stage.

    Single screening: the latest decision of any reviewer. Dual screening: a resolution decision (kind
    ``resolve``) settles; otherwise the record is settled once ``reviewers_per_record`` reviewers agree.
    Records without a settled label are absent.
    """
    per_pair = latest_decisions(session, review_id, stage)
    resolutions = resolutions_of(session, review_id, stage) if reviewers_per_record > 1 else {}
    by_record: dict[int, list[Decision]] = {}
    for (record_id, _), d in per_pair.items():
        by_record.setdefault(record_id, []).append(d)
    out: dict[int, Label] = {}
    for record_id, decisions in by_record.items():
        if len(decisions) > 1:  # a row's attribute lookup is slow: most records have one decision
            decisions.sort(key=lambda d: d.id)
        latest = decisions[-1]
        if reviewers_per_record <= 1:
            if latest.label is not None:
                out[record_id] = Label(latest.label, latest.reason, latest.note, latest.id)
            continue
        if (d := resolutions.get(record_id)) is not None:
            out[record_id] = Label(d.label, d.reason, d.note, d.id)
            continue
        labelled = [d for d in decisions if d.label is not None]
        if len(labelled) >= reviewers_per_record and len({d.label for d in labelled}) == 1:
            out[record_id] = Label(latest.label, latest.reason, latest.note, latest.id)
    return out


def conflicts(session: Session, review_id: str, stage: str = TA, reviewers_per_record: int = 2
              ) -> dict[int, list[Decision]]:
    """Records where the required reviewers disagree and no resolution has settled it.

    Returns each conflicting record's current decisions, one per reviewer (oldest first).
    """
    if reviewers_per_record < 2:
        return {}
    per_pair = latest_decisions(session, review_id, stage)
    resolutions = resolutions_of(session, review_id, stage)
    by_record: dict[int, list[Decision]] = {}
    for (record_id, _), d in per_pair.items():
        by_record.setdefault(record_id, []).append(d)
    out: dict[int, list[Decision]] = {}
    for record_id, decisions in by_record.items():
        if record_id in resolutions:
            continue
        labelled = sorted((d for d in decisions if d.label is not None and d.kind != "resolve"), key=lambda d: d.id)
        if len(labelled) >= 2 and len({d.label for d in labelled}) > 1:
            out[record_id] = labelled
    return out


def decide_one(ws, review_id: str, record_ref: str | int, label: str, *, reviewer: str, stage: str = TA,
               reason: str | None = None, note: str | None = None) -> Decision:
    """Find a record by any identifier and commit one decision on it (``lsr decide``)."""
    protocol = ws.protocol(review_id)
    with ws.db.write() as session:
        record = find_record(session, review_id, record_ref)
        return add_decision(session, protocol, record.id, reviewer, label, stage=stage, reason=reason, note=note)
