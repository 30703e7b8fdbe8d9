"""Gathering everything one review's report says, in one read transaction, independent of language.

``collect_review`` returns a ``ReviewData``: the protocol, the ``lsr status`` item, the PRISMA flow per
round, the search log (PRISMA-S), the included studies with reviewer notes, what changed since the cutoff
(studies newly included and studies of the previous version no longer included, compared with what the
previous report published), the screening curve, the stopping rule's state and (dual screening)
inter-rater agreement.
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
from lsr.report.amendments import recorded_versions
from lsr.report.prisma import Flow, Left, prisma_flow
from lsr.report.rounds import Round, parse_since, round_of
from lsr.screening.agreement import review_agreement
from lsr.screening.decisions import FT, TA, settled_labels
from lsr.search.identity import family_name
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
class LeftStudy:
    """A study of the previous version that is no longer included: the study and why (``prisma.Left``)."""

    study: Study
    left: Left


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
    new_inclusions: list[Study]  # included now and not in the previous version (whatever round found them)
    screened_since: int
    curve: list[int]  # title/abstract includes found after each screened record (ends at status "included")
    stopping: dict
    agreement: dict | None = None
    synthesis: object | None = None  # lsr.synthesis.service.Synthesis
    previous_synthesis: dict | None = None  # the snapshot the previous report stored (reports.json)
    previous_report_at: datetime | None = None
    # studies of the previous version no longer included (re-assessed, retracted), with why
    left_inclusions: list[LeftStudy] = field(default_factory=list)
    # where the previous version comes from: "report" (the ids the previous report published) or
    # "decisions" (read back from the decision log at the cutoff: --since, or an older report log)
    previous_source: str | None = None
    log: list[dict] = field(default_factory=list)  # the review's report log before this report
    protocol_versions: list = field(default_factory=list)  # lsr.report.amendments.RecordedVersion, oldest first

    @property
    def last_search(self) -> SearchRun | None:
        """The latest OpenAlex update run, whatever its outcome."""
        updates = [r.run for r in self.runs if r.run.kind == "update"]
        return updates[-1] if updates else None

    @property
    def last_completed_search(self) -> SearchRun | None:
        """The latest OpenAlex update run that finished (``lsr status``'s "last update")."""
        updates = [r.run for r in self.runs if r.run.kind == "update" and r.run.status == "ok"]
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
    previous = _previous_entry(log or [], cutoff)
    published = previous.get("included_ids") if previous and cutoff_kind == "report" else None
    previous_ids = None
    if isinstance(published, list) and all(isinstance(x, int) for x in published):
        previous_ids = set(published)
    flow = prisma_flow(session, review_id, rounds, per_record, previous_ids)
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
    left_ids = [x.record_id for x in flow.left if x.why != "removed"]
    records = {
        r.id: r
        for r in session.exec(
            select(Record).where(
                Record.review_id == review_id, Record.id.in_(included_ids + awaiting_ids + left_ids)
            )
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
        lab = labels.get(rid)
        return Study(
            rec, AUTHORS.decode_or_empty(rec.authors_json), idx,
            decided.get(lab.decision_id) if lab is not None else None, notes.get(rid, []),
        )

    included = sorted((study(rid, ft) for rid in included_ids), key=_ref_key)
    awaiting = sorted((study(rid, ta) for rid in awaiting_ids), key=_ref_key)
    new = [s for s in included if cutoff is None or s.record.id not in flow.previous_ids]
    left = sorted(
        (LeftStudy(study(x.record_id, ft if x.record_id in ft else ta), x) for x in flow.left
         if x.record_id in records),
        key=lambda x: _ref_key(x.study),
    )
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
        left_inclusions=left,
        log=list(log or []),
        protocol_versions=recorded_versions(session, review_id),
        previous_source=None if cutoff is None else ("report" if previous_ids is not None else "decisions"),
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
    first = (family_name(study.authors[0]) if study.authors else "") or "~"  # "Smith JA" sorts under s, not j
    return (first, study.record.year or 0, study.record.title.lower())
