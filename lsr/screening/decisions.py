"""Screening decisions: recording, undoing, and reading the current labels.

The decision log is append-only. A record's current label for a reviewer is that reviewer's latest row
for the stage; undo appends a correction that restores the label before the undone decision. The
*settled* label of a record (what counts for PRISMA, status and ranking) is computed here too, so every
caller agrees on it.

The stages are consistent: a full-text decision needs the record's settled title/abstract include, and
a full-text label counts only while that include stands. An explicit override (``override_stage``)
records, in the same transaction, a title/abstract include of kind ``stage-override`` that settles the
record as a resolution does, so the override is in the log and every count still adds up.
"""

from __future__ import annotations

from sqlalchemy import func, or_
from sqlmodel import Session, select

from lsr.db import session_query
from lsr.errors import LsrError
from lsr.models import LABELS, STAGES, Decision, Record, RecordAlias, RecordSource
from lsr.protocol import Protocol
from lsr.screening import labels
from lsr.screening.labels import FT, SETTLING_KINDS, STAGE_OVERRIDE, TA, Label
from lsr.search.identity import normalize_doi, normalize_openalex_id

__all__ = ["FT", "SETTLING_KINDS", "STAGE_OVERRIDE", "TA", "Label"]  # re-exported: callers import them here


def find_record(session: Session, review_id: str, ref: str | int) -> Record:
    """A record of the review by lsr id, OpenAlex id (W… or URL) or DOI.

    An OpenAlex id the record no longer carries (OpenAlex merged the work into a new id) still finds it through
    the provenance of the searches that returned it under that id, and the number of a record folded into
    another (both works held, then merged by OpenAlex) finds the record it became.

    Raises:
        LsrError: no such record in this review.
    """
    text = str(ref).strip()
    record = None
    if text.isdigit():
        record = session.get(Record, int(text))
        if record is None and (alias := session.get(RecordAlias, int(text))) is not None:
            record = session.get(Record, alias.record_id)  # folded into another record (an OpenAlex merge)
        if record is not None and record.review_id != review_id:
            record = None
    elif (oa := normalize_openalex_id(text)) is not None:
        record = session.exec(select(Record).where(Record.review_id == review_id, Record.openalex_id == oa)).first()
        if record is None:
            record = session.exec(select(Record).join(RecordSource, RecordSource.record_id == Record.id).where(
                RecordSource.review_id == review_id, RecordSource.kind == "openalex", RecordSource.source_key == oa)
                .order_by(RecordSource.id)).first()
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
                 rank_position: int | None = None, model_run_id: int | None = None,
                 override_stage: bool = False) -> Decision:
    """Append one decision in the caller's transaction (validated against the protocol).

    Args:
        override_stage: for a full-text decision on a record without a title/abstract include: record
            that include first (kind ``stage-override``), instead of refusing.

    Raises:
        LsrError: an invalid label, stage or reason; a full-text label on a record that has no settled
            title/abstract include (without ``override_stage``). Nothing is written then.
    """
    reason = validate_decision(protocol, label, stage, reason)
    if stage == FT and label is not None and kind != "undo":
        ta = settled_labels(session, protocol.id, TA, protocol.screening.reviewers_per_record)
        current = ta.get(record_id)
        if current is None or current.label != "include":
            if not override_stage:
                now = f"its title/abstract label is {current.label}" if current else "it has no settled " \
                    "title/abstract label"
                raise LsrError(f"record {record_id}: a full-text decision needs a title/abstract include ({now}); "
                               "screen it on title and abstract first, or record an explicit override "
                               "(lsr decide ... --override-stage)")
            session.add(Decision(review_id=protocol.id, record_id=record_id, reviewer=reviewer, stage=TA,
                                 label="include", kind=STAGE_OVERRIDE,
                                 note=f"stage override: sent to full text without a title/abstract include "
                                      f"(was: {current.label if current else 'unscreened'})"))
            session.flush()
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
    """The resolution in force per record at a stage: its latest ``resolve`` (or ``stage-override``)
    decision not undone since.

    A resolution stays in force when its author later adds a note or another decision on the record; only
    an undo of the resolution itself (or a newer resolution) replaces it.
    """
    return labels.in_force(session.exec(select(Decision).where(
        Decision.review_id == review_id, Decision.stage == stage,
        or_(Decision.kind.in_(SETTLING_KINDS), Decision.kind == "undo")).order_by(Decision.id)).all())


def reviewers_required(session: Session, review_id: str, stage: str, current: int) -> dict[int, int]:
    """Records screened under an earlier ``reviewers_per_record``, with the number that applies to them.

    An amendment of ``reviewers_per_record`` applies to records first decided (at the stage) after the
    amended protocol was recorded; a record decided before keeps the rule it was screened under, so no
    earlier decision loses its effect (1 -> 2 does not send 300 screened records back to the queue).
    Records under ``current`` are absent; the result is empty for a review never amended that way.
    """
    return labels.earlier_rules(session_query(session), review_id, stage, current)


def settled_labels(session: Session, review_id: str, stage: str = TA, reviewers_per_record: int = 1
                   ) -> dict[int, Label]:
    """The label that counts for each record at a stage (``lsr.screening.labels.settled``).

    Single screening: the latest decision of any reviewer. Dual screening: a resolution decision (kind
    ``resolve`` or ``stage-override``) settles; otherwise the record is settled once
    ``reviewers_per_record`` reviewers agree. Records without a settled label are absent. At full text,
    only records whose settled title/abstract label is include can have one.
    """
    return labels.settled(session_query(session), review_id, stage, reviewers_per_record)


def conflicts(session: Session, review_id: str, stage: str = TA, reviewers_per_record: int = 2
              ) -> dict[int, list[Decision]]:
    """Records where the required reviewers disagree and no resolution has settled it.

    Returns each conflicting record's current decisions, one per reviewer (oldest first).
    """
    if reviewers_per_record < 2:
        return {}
    latest = latest_decisions(session, review_id, stage).values()
    if stage == FT:  # a full-text disagreement matters only while the title/abstract include stands
        eligible = labels.eligible_for_full_text(session_query(session), review_id, reviewers_per_record)
        latest = [d for d in latest if d.record_id in eligible]
    return labels.disagreements(latest, resolutions_of(session, review_id, stage))


def lock_record(session: Session, record_id: int) -> None:
    """Hold the record's row until the transaction ends, so decisions on one record are made one after the
    other and each sees the one before (PostgreSQL ``SELECT … FOR UPDATE``; SQLite write transactions already
    run one at a time). Decisions on other records go on meanwhile."""
    session.exec(select(Record.id).where(Record.id == record_id).with_for_update()).one()


def extra_label(session: Session, protocol: Protocol, record_id: int, reviewer: str, stage: str) -> str | None:
    """Why a label of ``reviewer`` on a record that no longer needs it is an extra one (None when it is needed).

    Two screeners are shown a record that needs one more label; the first to decide gives it, and the
    second's label (still recorded: no decision is ever dropped) comes on top of the labels the record
    needs. Changing one's own label is never extra. Says how many labels the record had, never which.
    """
    from lsr.screening.queue import needs_decision  # noqa: PLC0415  (queue imports nothing of this module)

    latest: dict[str, tuple[str, str | None, str]] = {}
    for who, label, kind in session.exec(
            select(Decision.reviewer, Decision.label, Decision.kind)
            .where(Decision.review_id == protocol.id, Decision.record_id == record_id, Decision.stage == stage)
            .order_by(Decision.id)).all():
        latest[who] = (who, label, kind)
    mine = latest.get(reviewer)
    if mine is not None and mine[1] is not None:
        return None
    per_record = protocol.screening.reviewers_per_record
    required = reviewers_required(session, protocol.id, stage, per_record).get(record_id, per_record)
    if needs_decision(latest.values(), reviewer, required):
        return None
    if any(label is not None and kind in SETTLING_KINDS for _, label, kind in latest.values()):
        return f"record {record_id} was already settled by a resolution; your label was kept as an extra one"
    if required < 2:
        return (f"record {record_id} was screened by someone else meanwhile; your label was recorded too, and as "
                "the latest it is the one that counts")
    n = sum(1 for _, label, kind in latest.values() if label is not None)
    return (f"record {record_id} already had {n} reviewers' labels ({required} needed) when yours arrived, "
            "e.g. screened by someone else at the same moment; yours was kept as an extra label (if it differs, "
            "the record becomes a conflict to resolve)")


def decide_one(ws, review_id: str, record_ref: str | int, label: str, *, reviewer: str, stage: str = TA,
               reason: str | None = None, note: str | None = None, override_stage: bool = False,
               notices: list[str] | None = None) -> Decision:
    """Find a record by any identifier and commit one decision on it (``lsr decide``).

    ``notices``: with dual screening, gets a line when the record already had the labels it needs
    (``extra_label``); the decision is recorded all the same.

    Raises:
        LsrError: unknown record, an invalid decision, or a full-text decision without a title/abstract
            include and without ``override_stage`` (nothing is recorded).
    """
    protocol = ws.protocol(review_id)
    with ws.db.write() as session:
        record = find_record(session, review_id, record_ref)
        lock_record(session, record.id)
        extra = extra_label(session, protocol, record.id, reviewer, stage)
        decision = add_decision(session, protocol, record.id, reviewer, label, stage=stage, reason=reason,
                                note=note, override_stage=override_stage)
    if extra and notices is not None and protocol.screening.reviewers_per_record > 1:
        notices.append(extra)
    return decision
