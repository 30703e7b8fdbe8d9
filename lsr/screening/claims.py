"""Who has which record on screen: short-lived claims, so two screeners are not shown the same record.

A screener that shows a record from its queue *claims* it: one ``screen_claim`` row per record, stage and
reviewer, with the time it was claimed. Deciding the record releases the claim, and so do switching
stage and leaving the screener. A claim older than ``CLAIM_TTL`` counts for nothing, so a screener that
was killed, or left open over lunch, holds its record for 20 minutes at title/abstract (4 hours at full
text, where one record is a paper to read).

A record needs another reviewer while its current labels *plus the live claims of other reviewers
without a label on it* fall short of ``reviewers_per_record`` (``lsr.screening.queue.needs_decision``).
Under single screening a record on someone's screen is therefore skipped. Under dual screening two
reviewers may hold it, and a third is not shown it. Claims never refuse a decision: a label given to a
record someone else holds is recorded as always (``extra_label`` says when it came on top of the labels
needed).

Reads take a query function (``lsr.screening.labels``), so the screener's first record, read with
``sqlite3`` before the database is opened, skips held records too; against a database from before claims
(no table yet) they read as none. Writes take a SQLAlchemy session. Time is seconds since the epoch, the
same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable

from lsr.vocabulary import STAGES

__all__ = ["CLAIM_TTL", "claim", "held_by", "holders", "release"]

CLAIM_TTL = {STAGES[0]: 20 * 60.0, STAGES[1]: 4 * 3600.0}
"""Seconds a claim holds a record, per stage (title/abstract, full text)."""

HOLDERS_SQL = """
SELECT record_id, reviewer FROM screen_claim
WHERE review_id = :review AND stage = :stage AND claimed_at > :since"""
RECORD_HOLDERS_SQL = """
SELECT screen_claim.reviewer FROM screen_claim
WHERE screen_claim.record_id = :record AND screen_claim.stage = :stage AND screen_claim.claimed_at > :since"""


def _since(stage: str, now: float | None) -> float:
    return (time.time() if now is None else now) - CLAIM_TTL[stage]


def holders(q: Callable, review_id: str, stage: str, now: float | None = None) -> dict[int, set[str]]:
    """The reviewers holding a live claim, per record, at a stage ({} on a database without claims)."""
    try:
        rows = q(HOLDERS_SQL, {"review": review_id, "stage": stage, "since": _since(stage, now)})
    except sqlite3.OperationalError:  # the sqlite3 first-record read of a database not yet migrated
        return {}
    out: dict[int, set[str]] = {}
    for row in rows:
        out.setdefault(row.record_id, set()).add(row.reviewer)
    return out


def held_by(q: Callable, record_id: int, stage: str, now: float | None = None) -> set[str]:
    """The reviewers holding a live claim on one record at a stage."""
    return {row.reviewer for row in q(RECORD_HOLDERS_SQL, {"record": record_id, "stage": stage,
                                                            "since": _since(stage, now)})}


def claim(session, review_id: str, record_id: int, stage: str, reviewer: str, now: float | None = None) -> None:
    """Record that ``reviewer`` has the record on screen now (a new claim, or the old one renewed)."""
    from lsr.models import ScreenClaim  # noqa: PLC0415  (reads above stay free of SQLAlchemy)

    stamp = time.time() if now is None else now
    row = session.get(ScreenClaim, (record_id, stage, reviewer)) or ScreenClaim(
        record_id=record_id, stage=stage, reviewer=reviewer, review_id=review_id, claimed_at=stamp)
    row.claimed_at = stamp
    session.add(row)


def release(session, review_id: str, reviewer: str, *, stage: str | None = None,
            record_id: int | None = None) -> None:
    """Drop ``reviewer``'s claims in a review: all of them, or those at one stage or on one record."""
    from sqlmodel import delete  # noqa: PLC0415

    from lsr.models import ScreenClaim  # noqa: PLC0415

    where = [ScreenClaim.review_id == review_id, ScreenClaim.reviewer == reviewer]
    if stage is not None:
        where.append(ScreenClaim.stage == stage)
    if record_id is not None:
        where.append(ScreenClaim.record_id == record_id)
    session.exec(delete(ScreenClaim).where(*where))
