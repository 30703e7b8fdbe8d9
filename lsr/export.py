"""Exporting a review's records with their labels, decisions and provenance.

``export_records`` builds the JSON contract of DESIGN.md (one dict per record); the format writers
(json here; RIS and CSV for reference managers and ASReview LAB in ``export_formats``) all start from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO

from sqlmodel import Session, select

from lsr.errors import LsrError
from lsr.export_formats import write_bibtex, write_csv, write_ris
from lsr.models import Decision, Record, RecordSource, SearchRun
from lsr.screening.decisions import FT, TA, settled_labels
from lsr.workspace import Workspace

ONLY_CHOICES = ("all", "screened", "included")


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def export_records(ws: Workspace, session: Session, review_id: str, only: str = "all") -> Iterator[dict]:
    """Records of a review as contract dicts, in lsr id order.

    ``label`` is the record's current overall label: the full-text label once there is one, else the
    title/abstract label. ``only='screened'`` keeps records with a title/abstract label,
    ``only='included'`` those whose overall label is include.
    """
    if only not in ONLY_CHOICES:
        raise LsrError(f"--only must be one of {', '.join(ONLY_CHOICES)} (got {only!r})")
    proto = ws.protocol(review_id)
    per_record = proto.screening.reviewers_per_record
    ta = settled_labels(session, review_id, TA, per_record)
    ft = settled_labels(session, review_id, FT, per_record)
    decisions: dict[int, list[dict]] = {}
    for d in session.exec(select(Decision).where(Decision.review_id == review_id).order_by(Decision.id)):
        decisions.setdefault(d.record_id, []).append(
            {"reviewer": d.reviewer, "stage": d.stage, "label": d.label, "reason": d.reason, "note": d.note,
             "kind": d.kind, "at": _iso(d.created_at)})
    runs = {r.id: r for r in session.exec(select(SearchRun).where(SearchRun.review_id == review_id))}
    sources: dict[int, list[dict]] = {}
    for s in session.exec(select(RecordSource).where(RecordSource.review_id == review_id).order_by(RecordSource.id)):
        run = runs.get(s.search_run_id)
        item: dict = {"kind": s.kind, "duplicate": s.is_duplicate}
        if s.is_duplicate:  # how it was matched, and the row as the file gave it (imports since 2026-11-30)
            item.update(match_rule=s.match_rule, as_received=s.raw)
        if run is not None and run.kind == "import":
            item.update(file=run.file, source=run.source)
        else:
            item["search_run"] = s.search_run_id
        sources.setdefault(s.record_id, []).append(item)
    for rec in session.exec(select(Record).where(Record.review_id == review_id).order_by(Record.id)):
        t, f = ta.get(rec.id), ft.get(rec.id)
        overall = f or t
        if only == "screened" and t is None:
            continue
        if only == "included" and (overall is None or overall.label != "include"):
            continue
        yield {
            "id": rec.id,
            "openalex_id": rec.openalex_id,
            "doi": rec.doi,
            "pmid": rec.pmid,
            "eric_id": rec.eric_id,
            "title": rec.title,
            "abstract": rec.abstract,
            "authors": rec.authors,
            "year": rec.year,
            "publication_date": rec.publication_date,
            "venue": rec.venue,
            "type": rec.type,
            "keywords": rec.keywords,
            "is_retracted": bool(rec.is_retracted),
            "label": overall.label if overall else None,
            "reason": overall.reason if overall else None,
            "title_abstract_label": t.label if t else None,
            "full_text_label": f.label if f else None,
            "decisions": decisions.get(rec.id, []),
            "sources": sources.get(rec.id, []),
        }


def write_json(items: Iterator[dict], out: IO[str]) -> int:
    """Write records as one JSON array; returns how many."""
    n = 0
    out.write("[")
    for item in items:
        out.write(",\n" if n else "\n")
        out.write(json.dumps(item, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


WRITERS = {"json": write_json, "ris": write_ris, "csv": write_csv, "bibtex": write_bibtex}


def export_review(ws: Workspace, review_id: str, fmt: str, out: IO[str], only: str = "all") -> int:
    """Write a review's records in ``fmt`` to ``out``; returns the number written."""
    writer = WRITERS.get(fmt)
    if writer is None:
        raise LsrError(f"--format must be one of {', '.join(WRITERS)} (got {fmt!r})")
    with ws.db.read() as session:
        return writer(export_records(ws, session, review_id, only), out)
