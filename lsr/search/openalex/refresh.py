"""Keep stored OpenAlex metadata current: a living review must show what OpenAlex says *now*.

OpenAlex corrects works after lsr first stored them: abstracts appear, titles are fixed, and a study is
retracted (``is_retracted``). Every update that returns a work the review already holds (same OpenAlex id)
passes it through :func:`refresh_records`, in the page's own write transaction, so the retraction flag and
the bibliographic fields follow OpenAlex while the record's identity, provenance and decisions stay put.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, select

from lsr.models import Record
from lsr.search.dedupe import Candidate

__all__ = ["refresh_records"]

_SCALARS = ("year", "publication_date", "venue", "type", "language")


def refresh_records(session: Session, review_id: str, cands: Sequence[Candidate]) -> int:
    """Update the review's records that have these candidates' OpenAlex ids; return how many changed.

    Empty values never overwrite stored ones (a work that lost its abstract keeps the one lsr had), but
    ``is_retracted`` always follows OpenAlex, in both directions (retractions are occasionally withdrawn).
    """
    by_id = {c.openalex_id: c for c in cands if c.openalex_id and c.raw is not None}
    if not by_id:
        return 0
    records = session.exec(select(Record).where(Record.review_id == review_id,
                                                Record.openalex_id.in_(list(by_id)))).all()
    changed = 0
    for rec in records:
        cand = by_id[rec.openalex_id]
        before = _snapshot(rec)
        rec.is_retracted = bool(cand.raw.get("is_retracted"))
        if cand.title:
            rec.title, rec.title_key = cand.title, cand.key
        if cand.abstract:
            rec.abstract = cand.abstract
        for attr in _SCALARS:
            if getattr(cand, attr) not in (None, ""):
                setattr(rec, attr, getattr(cand, attr))
        if cand.authors:
            rec.authors = cand.authors
        if cand.keywords:
            rec.keywords = cand.keywords
        if cand.referenced_works:
            rec.referenced_works = cand.referenced_works
        rec.raw = cand.raw
        if _snapshot(rec) != before:
            session.add(rec)
            changed += 1
    return changed


def _snapshot(rec: Record) -> tuple:
    return (rec.is_retracted, rec.title, rec.abstract, rec.authors_json, rec.keywords_json,
            rec.referenced_works_json, rec.raw_json, *(getattr(rec, a) for a in _SCALARS))
