"""Who screens what next, in plain SQL: a reviewer's queue at a stage, best rank first, and its first record.

Standard library only, on a query function (``lsr.screening.labels``): the screening service builds its
queue with ``screening_order`` through a SQLAlchemy session, and the screener shows its first record with
``first_record`` through a read-only ``sqlite3`` connection while SQLAlchemy (about a third of a second)
is still being imported, so that one rule decides the order in both.

Who needs a record: a record is in a reviewer's queue while fewer than ``reviewers_per_record`` reviewers
hold a current label on it or have it on screen (a live claim, ``lsr.screening.claims``), none of them is
this reviewer, and no resolution settled it. The full-text
queue holds the records whose settled title/abstract label is ``include``. Order: the newest ranking first
(``record_rank.model_run_id`` descending: the live screener writes a ranking's head first and the rest
later, ``lsr.ranking.service.rerank_live``), then ``record_rank.rank`` ascending; unranked records last,
then by id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lsr.errors import LsrError
from lsr.jsoncols import AUTHORS
from lsr.screening import claims, labels
from lsr.screening.labels import FT, SETTLING_KINDS, Query
from lsr.vocabulary import STAGES

ORDER_SQL = """
SELECT record.id AS id, record_rank.rank AS rank, record_rank.model_run_id AS run FROM record
LEFT OUTER JOIN record_rank ON record_rank.record_id = record.id
WHERE record.review_id = :review"""
RECORD_SQL = """
SELECT record.id AS id, title, abstract, authors_json, year, venue, doi, openalex_id, is_retracted,
       record_rank.rank AS rank
FROM record LEFT OUTER JOIN record_rank ON record_rank.record_id = record.id
WHERE record.id = :id"""


def check_stage(stage: str) -> None:
    """Raise ``LsrError`` unless ``stage`` is a screening stage."""
    if stage not in STAGES:
        raise LsrError(f"stage must be one of {', '.join(STAGES)} (got {stage!r})")


def needs_decision(latest: Iterable[tuple[str, str | None, str]], reviewer: str, reviewers_per_record: int,
                   holders: Iterable[str] = ()) -> bool:
    """Whether a record still needs ``reviewer``'s decision.

    Args:
        latest: the latest ``(reviewer, label, kind)`` of every reviewer on the record at the stage.
        reviewer: who is asking.
        reviewers_per_record: how many independent labels settle a record (1 or 2).
        holders: reviewers who have the record on screen now (live claims); each one without a label on it
            counts as a label to come.
    """
    labelled = set()
    for who, label, kind in latest:
        if label is None:
            continue
        if who == reviewer or kind in SETTLING_KINDS:
            return False
        labelled.add(who)
    coming = {who for who in holders if who != reviewer and who not in labelled}
    return len(labelled) + len(coming) < max(reviewers_per_record, 1)


def latest_by_record(q: Query, review_id: str, stage: str) -> dict[int, list[tuple[str, str | None, str]]]:
    """The latest ``(reviewer, label, kind)`` of every reviewer, per record, at a stage."""
    out: dict[int, list[tuple[str, str | None, str]]] = {}
    for row in q(labels.LATEST_SQL, {"review": review_id, "stage": stage}):
        out.setdefault(row.record_id, []).append((row.reviewer, row.label, row.kind))
    return out


def screening_order(q: Query, review_id: str, reviewer: str, stage: str, per_record: int) -> list[int]:
    """The ids of the records ``reviewer`` still has to decide at ``stage``, best rank first; records other
    reviewers have on screen and will settle (live claims) come last, in the same order.

    Args:
        q: a query function (``lsr.screening.labels``).
        review_id: the review.
        reviewer: whose queue.
        stage: ``title-abstract`` or ``full-text``.
        per_record: the protocol's ``reviewers_per_record`` (records decided under an earlier value keep it).
    """
    free, held = _pending(q, review_id, reviewer, stage, per_record)
    return free + held


def _pending(q: Query, review_id: str, reviewer: str, stage: str, per_record: int) -> tuple[list[int], list[int]]:
    """The reviewer's queue split in two, each best rank first: free records, and those held by others."""
    latest = latest_by_record(q, review_id, stage)
    earlier = labels.earlier_rules(q, review_id, stage, per_record)
    eligible = labels.eligible_for_full_text(q, review_id, per_record) if stage == FT else None
    holders = claims.holders(q, review_id, stage)
    free, held = [], []
    for row in q(ORDER_SQL, {"review": review_id}):
        if eligible is not None and row.id not in eligible:
            continue
        mine, required = latest.get(row.id, ()), earlier.get(row.id, per_record)
        if not needs_decision(mine, reviewer, required):
            continue
        key = rank_key(row.rank, row.run, row.id)
        others = holders.get(row.id)  # claims are few: most records skip the second check
        (held if others and not needs_decision(mine, reviewer, required, others) else free).append(key)
    return [key[-1] for key in sorted(free)], [key[-1] for key in sorted(held)]


def rank_key(rank: int | None, run: int | None, record_id: int) -> tuple:
    """Where a record stands in a queue: ranked before unranked, the newest ranking's rows before an older
    one's, then by rank and id (the id is last, so ``key[-1]`` gives it back)."""
    if rank is None:
        return (1, 0, 0, record_id)
    return (0, -(run or 0), rank, record_id)


@dataclass(frozen=True)
class RecordPreview:
    """What the screener shows of a record, read without SQLAlchemy (the same attributes as ``Record``)."""

    id: int
    title: str
    abstract: str | None
    authors: list[str]
    year: int | None
    venue: str | None
    doi: str | None
    openalex_id: str | None
    is_retracted: bool
    rank: int | None


def first_record(q: Query, review_id: str, reviewer: str, stage: str, per_record: int) -> RecordPreview | None:
    """The record at the head of ``reviewer``'s queue (None when the queue is empty or all of it is on other
    reviewers' screens)."""
    order, _ = _pending(q, review_id, reviewer, stage, per_record)
    if not order:
        return None
    row = q(RECORD_SQL, {"id": order[0]})[0]
    authors = AUTHORS.decode_or_empty(row.authors_json)
    return RecordPreview(id=row.id, title=row.title or "", abstract=row.abstract,
                         authors=authors if isinstance(authors, list) else [], year=row.year, venue=row.venue,
                         doi=row.doi, openalex_id=row.openalex_id, is_retracted=bool(row.is_retracted),
                         rank=row.rank)
