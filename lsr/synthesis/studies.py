"""The included studies as the extraction view sees them: which are included, what is extracted, what changed.

Read-only helpers over ``lsr.synthesis.extraction`` for the screener's extraction view (and anything else
that lists studies awaiting extraction). Writing stays with ``record_extraction``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import select

from lsr.models import Extraction, Record
from lsr.protocol import Protocol
from lsr.screening.decisions import FT, find_record, settled_labels
from lsr.synthesis.extraction import COUNTS, VALUE_COLUMNS, current_extractions, history, own_fields

EFFECT_FIELDS = (*COUNTS, "measure", "estimate", "ci_low", "ci_high")


@dataclass
class IncludedStudy:
    """A record included after full-text assessment and the outcomes extracted from it so far."""

    record: Record
    outcomes: list[str] = field(default_factory=list)


def included_studies(ws, review_id: str) -> list[IncludedStudy]:
    """Studies included at full text, the most recently included first, with their current outcomes."""
    protocol = ws.protocol(review_id)
    with ws.db.read() as session:
        labels = settled_labels(session, review_id, FT, protocol.screening.reviewers_per_record)
        ids = [rid for rid, lab in sorted(labels.items(), key=lambda kv: -(kv[1].decision_id or 0))
               if lab.label == "include"]
        if not ids:
            return []
        records = {r.id: r for r in session.exec(select(Record).where(Record.id.in_(ids)))}
        outcomes: dict[int, list[str]] = {}
        for row in current_extractions(session, review_id):
            outcomes.setdefault(row.record_id, []).append(row.outcome)
        for rec in records.values():
            session.expunge(rec)
    return [IncludedStudy(records[i], outcomes.get(i, [])) for i in ids if i in records]


def is_included(ws, review_id: str, record_id: int) -> bool:
    """Whether the record is included after full-text assessment (the only ones data are extracted from)."""
    protocol = ws.protocol(review_id)
    with ws.db.read() as session:
        lab = settled_labels(session, review_id, FT, protocol.screening.reviewers_per_record).get(record_id)
    return lab is not None and lab.label == "include"


def form_fields(protocol: Protocol) -> tuple[str, ...]:
    """The fields a person fills in, in the protocol's order: ``effect`` stands for the effect columns."""
    out: list[str] = []
    for name in ("outcome", *protocol.extraction.fields):
        names = EFFECT_FIELDS if name == "effect" else (name,)
        out += [n for n in names if n not in out]
    return (*out, *(["note"] if "note" not in out else []))


def as_text(row: Extraction | None, protocol: Protocol) -> dict[str, str]:
    """One extraction's values as the text a person would type (``""`` for absent ones)."""
    if row is None:
        return {}
    out = {"outcome": row.outcome}
    for key in VALUE_COLUMNS:
        value = getattr(row, key)
        out[key] = "" if value is None else f"{value:.6g}" if isinstance(value, float) else str(value)
    extra = row.extra
    for key in own_fields(protocol):
        out[key] = str(extra.get(key, ""))
    return out


def changes(row: Extraction, before: Extraction | None, protocol: Protocol) -> list[tuple[str, str, str]]:
    """What a row changed against the row it corrects: (field, old, new); every given value for a first row."""
    new, old = as_text(row, protocol), as_text(before, protocol)
    return [(k, old.get(k, ""), v) for k, v in new.items() if k != "outcome" and v != old.get(k, "")]


def outcome_trail(ws, review_id: str, record_id: int, outcome: str) -> list[tuple[Extraction, list]]:
    """Every row of one (record, outcome), oldest first, each with its ``changes``: the audit trail."""
    protocol = ws.protocol(review_id)
    with ws.db.read() as session:
        rows = [r for r in history(session, review_id, record_id) if r.outcome.lower() == outcome.lower()]
        for r in rows:
            session.expunge(r)
    by_id = {r.id: r for r in rows}
    return [(r, changes(r, by_id.get(r.corrects_id), protocol)) for r in rows]


def current_of(ws, review_id: str, record_id: int) -> list[Extraction]:
    """The record's current extraction rows (one per outcome)."""
    with ws.db.read() as session:
        rows = [r for r in current_extractions(session, review_id) if r.record_id == record_id]
        for r in rows:
            session.expunge(r)
    return rows


def load_record(ws, review_id: str, record_id: int) -> Record:
    """One record of the review, detached from its session."""
    with ws.db.read() as session:
        rec = find_record(session, review_id, record_id)
        session.expunge(rec)
    return rec
