"""Settled labels and conflicts, read from the decision log with plain SQL; standard library only.

This is the one place that decides which label counts for a record (status, PRISMA, reports, ranking and
the screener all agree through it). It runs on any *query function* ``q(sql, params) -> rows`` whose rows
have the selected columns as attributes: ``lsr.db.session_query`` wraps a SQLAlchemy session (SQLite and
PostgreSQL), and ``lsr.sqlite_reader`` a read-only ``sqlite3`` connection, so that ``lsr status`` and the
home screen answer without importing SQLAlchemy.

Rules (see DESIGN.md): the current label of a reviewer is their latest decision at the stage. Single
screening settles on the latest decision of anyone; dual screening on agreement of the required number of
reviewers, or on a ``resolve`` or ``stage-override`` decision not undone since. A record first decided
under an earlier ``reviewers_per_record`` keeps that rule. A full-text label counts only while the
record's title/abstract label is include.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lsr.jsoncols import PROTOCOL
from lsr.vocabulary import STAGES

TA, FT = STAGES
RESOLVE = "resolve"
STAGE_OVERRIDE = "stage-override"
SETTLING_KINDS = (RESOLVE, STAGE_OVERRIDE)
"""Decision kinds that settle a record on their own, whatever ``reviewers_per_record`` asks."""

Query = Callable[[str, dict], list[Any]]
"""``q(sql, params)``: the rows of a query with ``:name`` parameters, columns readable as attributes."""

LATEST_SQL = """
SELECT id, record_id, reviewer, label, reason, note, kind FROM decision
WHERE id IN (SELECT max(id) FROM decision WHERE review_id = :review AND stage = :stage
             GROUP BY record_id, reviewer)"""
SETTLING_SQL = """
SELECT id, record_id, label, reason, note, kind, corrects_id FROM decision
WHERE review_id = :review AND stage = :stage AND kind IN ('resolve', 'stage-override', 'undo')
ORDER BY id"""
VERSIONS_SQL = """
SELECT recorded_at, protocol_json FROM protocol_version WHERE review_id = :review ORDER BY id"""
FIRST_DECIDED_SQL = """
SELECT record_id, min(created_at) AS first_at FROM decision
WHERE review_id = :review AND stage = :stage GROUP BY record_id"""


def as_query(source: Any) -> Query:
    """A query function from a query function or a SQLAlchemy session (wrapped by ``lsr.db``)."""
    if callable(source):
        return source
    from lsr.db import session_query  # noqa: PLC0415  (SQLAlchemy only when a session is given)

    return session_query(source)


def memo(q: Query) -> Query:
    """``q`` remembering its answers: the rules ask for the same decisions several times per review, and
    within one read (one status, one report) the answers cannot change."""
    seen: dict[tuple, list[Any]] = {}

    def cached(sql: str, params: dict) -> list[Any]:
        key = (sql, tuple(sorted(params.items())))
        if key not in seen:
            seen[key] = q(sql, params)
        return seen[key]

    cached.settled = {}  # type: ignore[attr-defined]  (``settled`` keeps its results here too)
    return cached


@dataclass(frozen=True)
class Label:
    """A current label with its reason and note."""

    label: str
    reason: str | None = None
    note: str | None = None
    decision_id: int | None = None


def in_force(rows: Iterable[Any]) -> dict[int, Any]:
    """The settling decision in force per record: the latest ``resolve``/``stage-override`` not undone since.

    ``rows``: decisions of one stage in id order with ``id, record_id, label, kind, corrects_id``; rows of
    other kinds are ignored (undo rows mark what they undo).
    """
    rows = list(rows)
    undone = {d.corrects_id for d in rows if d.kind == "undo"}
    out: dict[int, Any] = {}
    for d in rows:
        if d.kind in SETTLING_KINDS and d.label is not None and d.id not in undone:
            out[d.record_id] = d
    return out


def rules_by_record(versions: Iterable[tuple[Any, str]], first_decided: Iterable[tuple[int, Any]], current: int
                    ) -> dict[int, int]:
    """Records first decided under an earlier ``reviewers_per_record``, with the value that applies to them.

    Args:
        versions: ``(recorded_at, protocol JSON)`` of the review's protocol versions, oldest first.
        first_decided: ``(record id, time of its first decision at the stage)``.
        current: the value of the protocol in force (it applies to everything after its last version).
    """
    times, rules = [], []
    for at, snapshot in versions:
        rule = _rule(snapshot)
        if rule is None:
            rule = current
        times.append(at)
        rules.append(rule)
    if rules:
        rules[-1] = current  # the protocol in force (its version row may be an older, identical one)
    if len(set(rules)) <= 1:
        return {}
    out: dict[int, int] = {}
    for record_id, at in first_decided:
        if at is None:
            continue
        rule = rules[max(bisect.bisect_right(times, at) - 1, 0)]
        if rule != current:
            out[record_id] = rule
    return out


def settle(latest: Iterable[Any], resolutions: dict[int, Any], required: int,
           earlier_rules: dict[int, int] | None = None) -> dict[int, Label]:
    """The settled label per record from each reviewer's latest decision (pure; see the module rules)."""
    by_record: dict[int, list[Any]] = {}
    for d in latest:
        by_record.setdefault(d.record_id, []).append(d)
    earlier_rules = earlier_rules or {}
    out: dict[int, Label] = {}
    for record_id, decisions in by_record.items():
        if len(decisions) > 1:
            decisions.sort(key=lambda d: d.id)
        last = decisions[-1]
        need = earlier_rules.get(record_id, required)
        if need <= 1:
            if last.label is not None:
                out[record_id] = Label(last.label, last.reason, last.note, last.id)
            continue
        if (d := resolutions.get(record_id)) is not None:
            out[record_id] = Label(d.label, d.reason, d.note, d.id)
            continue
        labelled = [d for d in decisions if d.label is not None]
        if len(labelled) >= need and len({d.label for d in labelled}) == 1:
            out[record_id] = Label(last.label, last.reason, last.note, last.id)
    return out


def disagreements(latest: Iterable[Any], resolutions: dict[int, Any]) -> dict[int, list[Any]]:
    """Records whose reviewers' current labels differ and no resolution settles (oldest decision first)."""
    by_record: dict[int, list[Any]] = {}
    for d in latest:
        by_record.setdefault(d.record_id, []).append(d)
    out: dict[int, list[Any]] = {}
    for record_id, decisions in by_record.items():
        if record_id in resolutions:
            continue
        labelled = sorted((d for d in decisions if d.label is not None and d.kind not in SETTLING_KINDS),
                          key=lambda d: d.id)
        if len(labelled) >= 2 and len({d.label for d in labelled}) > 1:
            out[record_id] = labelled
    return out


def earlier_rules(q: Query, review_id: str, stage: str, current: int) -> dict[int, int]:
    """``rules_by_record`` read from the database."""
    params = {"review": review_id, "stage": stage}
    versions = [(r.recorded_at, r.protocol_json) for r in q(VERSIONS_SQL, params)]
    if len({_rule(snapshot) for _, snapshot in versions} | {current}) <= 1:
        return {}
    return rules_by_record(versions, [(r.record_id, r.first_at) for r in q(FIRST_DECIDED_SQL, params)], current)


def _rule(snapshot: str) -> int | None:
    try:
        return int((PROTOCOL.decode(snapshot).get("screening") or {}).get("reviewers_per_record", 1))
    except (ValueError, TypeError, AttributeError):
        return None


def eligible_for_full_text(q: Query, review_id: str, required: int) -> set[int]:
    """Records whose settled title/abstract label is include."""
    return {rid for rid, lab in settled(q, review_id, TA, required).items() if lab.label == "include"}


def settled(q: Query, review_id: str, stage: str, required: int) -> dict[int, Label]:
    """The label that counts for each record at a stage (records without one are absent)."""
    results = getattr(q, "settled", None)  # a ``memo`` query function: answer each question once
    if results is not None:
        key = (review_id, stage, required)
        if key not in results:
            results[key] = _settled(q, review_id, stage, required)
        return results[key]
    return _settled(q, review_id, stage, required)


def _settled(q: Query, review_id: str, stage: str, required: int) -> dict[int, Label]:
    params = {"review": review_id, "stage": stage}
    rules = earlier_rules(q, review_id, stage, required)
    dual = required > 1 or any(v > 1 for v in rules.values())
    out = settle(q(LATEST_SQL, params), in_force(q(SETTLING_SQL, params)) if dual else {}, required, rules)
    if stage == FT:
        eligible = eligible_for_full_text(q, review_id, required)
        out = {rid: lab for rid, lab in out.items() if rid in eligible}
    return out


def open_conflicts(q: Query, review_id: str, stage: str, required: int) -> dict[int, list[Any]]:
    """Records the required reviewers disagree on, unresolved (none under single screening)."""
    if required < 2:
        return {}
    params = {"review": review_id, "stage": stage}
    latest = q(LATEST_SQL, params)
    if stage == FT:  # a full-text disagreement matters only while the title/abstract include stands
        eligible = eligible_for_full_text(q, review_id, required)
        latest = [d for d in latest if d.record_id in eligible]
    return disagreements(latest, in_force(q(SETTLING_SQL, params)))
