"""Gathering everything one review's report says, in one read transaction, independent of language.

``collect_review`` returns a ``ReviewData``: the protocol, the ``lsr status`` item, the PRISMA flow per
round, the search log (PRISMA-S), the included studies with reviewer notes, what changed since the cutoff,
the screening curve, the stopping rule's state and (dual screening) inter-rater agreement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from lsr.jsoncols import AUTHORS, FILTERS, REQUEST_URLS
from lsr.models import Decision, Record, SearchRun
from lsr.protocol import Protocol
from lsr.report.prisma import Flow, prisma_flow
from lsr.report.rounds import Round, parse_since, round_of
from lsr.screening.agreement import review_agreement
from lsr.screening.decisions import FT, TA, settled_labels
from lsr.status import review_status


@dataclass
class RunInfo:
    """One search run as the PRISMA-S log shows it."""

    run: SearchRun
    round_index: int
    filters: dict = field(default_factory=dict)
    request_urls: list[str] = field(default_factory=list)


@dataclass
class Study:
    """A record shown as a full reference, with the reviewers' notes."""

    record: Record
    authors: list[str]
    round_index: int
    decided_at: datetime | None = None
    notes: list[tuple[str, str, str]] = field(default_factory=list)  # (reviewer, stage, note)


@dataclass
class ReviewData:
    """Everything a summary of one review reports."""

    protocol: Protocol
    status: dict
    flow: Flow
    rounds: list[Round]
    cutoff: datetime | None
    cutoff_kind: str | None  # "since" | "report" | None (first report)
    now: datetime
    runs: list[RunInfo]
    included: list[Study]
    awaiting_fulltext: list[Study]
    new_inclusions: list[Study]
    screened_since: int
    curve: list[int]  # title/abstract includes found after each screened record (ends at status "included")
    stopping: dict
    agreement: dict | None = None
    synthesis: object | None = None  # lsr.synthesis.service.Synthesis
    previous_synthesis: dict | None = None  # the snapshot the previous report stored (reports.json)
    previous_report_at: datetime | None = None

    @property
    def last_search(self) -> SearchRun | None:
        """The latest OpenAlex update run, whatever its outcome."""
        updates = [r.run for r in self.runs if r.run.kind == "update"]
        return updates[-1] if updates else None


def _agreement(session: Session, review_id: str) -> dict | None:
    return review_agreement(session, review_id, TA)


def collect_review(
    ws,
    session: Session,
    review_id: str,
    rounds: list[Round],
    cutoff: datetime | None,
    cutoff_kind: str | None,
    now: datetime,
    log: list[dict] | None = None,
) -> ReviewData:
    """Read one review's report data.

    Args:
        ws: the open workspace.
        session: a read session.
        review_id: the review.
        rounds: its update rounds, oldest first (the last is the current round).
        cutoff: start of the current round (None: first report).
        cutoff_kind: ``"since"`` or ``"report"``, for the wording of "what changed".
        now: the report's moment.
        log: the review's report log, for the synthesis snapshot of the report at or before the cutoff.
    """
    proto = ws.protocol(review_id)
    per_record = proto.screening.reviewers_per_record
    status = review_status(ws, session, review_id)
    flow = prisma_flow(session, review_id, rounds, per_record)
    runs = session.exec(
        select(SearchRun).where(SearchRun.review_id == review_id).order_by(SearchRun.started_at, SearchRun.id)
    ).all()
    run_infos = [
        RunInfo(
            r,
            round_of(rounds, r.started_at),
            FILTERS.decode_or_empty(r.filters_json),
            REQUEST_URLS.decode_or_empty(r.request_urls_json),
        )
        for r in runs
    ]
    run_round = {ri.run.id: ri.round_index for ri in run_infos}
    ta = settled_labels(session, review_id, TA, per_record)
    ft = settled_labels(session, review_id, FT, per_record)
    wanted = {lab.decision_id for lab in (*ta.values(), *ft.values()) if lab.decision_id is not None}
    decided = (
        dict(session.exec(select(Decision.id, Decision.created_at).where(Decision.id.in_(wanted))).all())
        if wanted
        else {}
    )
    included_ids = sorted(rid for rid, lab in ft.items() if lab.label == "include")
    awaiting_ids = sorted(rid for rid, lab in ta.items() if lab.label == "include" and rid not in ft)
    records = {
        r.id: r
        for r in session.exec(
            select(Record).where(Record.review_id == review_id, Record.id.in_(included_ids + awaiting_ids))
        )
    }
    notes: dict[int, list[tuple[str, str, str]]] = {}
    for d in session.exec(
        select(Decision)
        .where(
            Decision.review_id == review_id,
            Decision.note.is_not(None),
            Decision.record_id.in_(included_ids + awaiting_ids),
        )
        .order_by(Decision.id)
    ):
        item = (d.reviewer, d.stage, d.note.strip())
        if item[2] and item not in notes.setdefault(d.record_id, []):
            notes[d.record_id].append(item)

    def study(rid: int, labels: dict) -> Study:
        rec = records[rid]
        idx = run_round.get(rec.first_seen_run_id, None)
        if idx is None:
            idx = round_of(rounds, rec.created_at)
        return Study(
            rec, AUTHORS.decode_or_empty(rec.authors_json), idx, decided.get(labels[rid].decision_id),
            notes.get(rid, []),
        )

    included = sorted((study(rid, ft) for rid in included_ids), key=_ref_key)
    awaiting = sorted((study(rid, ta) for rid in awaiting_ids), key=_ref_key)
    new = [s for s in included if cutoff is None or (s.decided_at is not None and s.decided_at >= cutoff)]
    screened_since = sum(
        1 for lab in ta.values() if cutoff is None or (decided.get(lab.decision_id) or cutoff) >= cutoff
    )
    first_at = dict(
        session.exec(
            select(Decision.record_id, func.min(Decision.id))
            .where(Decision.review_id == review_id, Decision.stage == TA)
            .group_by(Decision.record_id)
        ).all()
    )
    order = sorted(ta, key=lambda rid: first_at.get(rid, math.inf))
    curve, found = [], 0
    for rid in order:
        found += ta[rid].label == "include"  # ends at the review's title/abstract include count
        curve.append(found)
    from lsr.synthesis.service import synthesize_session

    previous = _previous_entry(log or [], cutoff)
    return ReviewData(
        synthesis=synthesize_session(session, proto),
        previous_synthesis=previous.get("synthesis") if previous else None,
        previous_report_at=parse_since(previous["at"]) if previous else None,
        protocol=proto,
        status=status,
        flow=flow,
        rounds=rounds,
        cutoff=cutoff,
        cutoff_kind=cutoff_kind,
        now=now,
        runs=run_infos,
        included=included,
        awaiting_fulltext=awaiting,
        new_inclusions=new,
        screened_since=screened_since,
        curve=curve,
        stopping=status.get("stopping") or {},
        agreement=_agreement(session, review_id) if per_record >= 2 else None,
    )


def _previous_entry(log: list[dict], cutoff: datetime | None) -> dict | None:
    """The latest logged report at or before the cutoff (the report this one is compared with)."""
    if cutoff is None:
        return None
    earlier = []
    for entry in log:
        try:
            at = parse_since(entry["at"])
        except (ValueError, KeyError):
            continue
        if at is not None and at <= cutoff:
            earlier.append((at, entry))
    return max(earlier, key=lambda pair: pair[0])[1] if earlier else None


def _ref_key(study: Study) -> tuple:
    first = study.authors[0].split()[-1].lower() if study.authors and study.authors[0].split() else "~"
    return (first, study.record.year or 0, study.record.title.lower())
