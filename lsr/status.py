"""Per-review counts and schedule state: the data behind ``lsr status`` and the app's home screen.

The JSON shape is a public contract (DESIGN.md): scripts and monitoring read it. Fields may be added,
never renamed or removed.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from lsr.agreement import review_agreement
from lsr.decisions import FT, TA, conflicts, settled_labels
from lsr.models import Record, RecordSource, Review, SearchRun
from lsr.schedule import is_due, next_update
from lsr.workspace import Workspace


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def stopping_status(ws: Workspace, session: Session, review_id: str) -> dict:
    """The stopping rule's state; a richer evaluation replaces this when the stopping module exists."""
    rule = ws.protocol(review_id).screening.stopping
    try:
        from lsr.stopping import evaluate_review  # noqa: PLC0415  (optional module)
    except ImportError:
        return {"rule": rule, "met": False, "estimated_recall": None}
    return evaluate_review(ws, session, review_id)


def review_status(ws: Workspace, session: Session, review_id: str) -> dict:
    """Counts and schedule for one review (the ``reviews[]`` item of ``lsr status --json``)."""
    proto = ws.protocol(review_id)
    review = session.get(Review, review_id)
    n_records = session.exec(select(func.count()).select_from(Record).where(Record.review_id == review_id)).one()
    n_dupes = session.exec(
        select(func.count()).select_from(RecordSource).where(RecordSource.review_id == review_id,
                                                             RecordSource.is_duplicate)
    ).one()
    runs = session.exec(
        select(func.count()).select_from(SearchRun).where(SearchRun.review_id == review_id, SearchRun.kind == "update")
    ).one()
    per_record = proto.screening.reviewers_per_record
    ta = Counter(lab.label for lab in settled_labels(session, review_id, TA, per_record).values())
    ft = Counter(lab.label for lab in settled_labels(session, review_id, FT, per_record).values())
    screened = ta["include"] + ta["exclude"] + ta["maybe"]
    last = review.last_update_at if review else None
    nxt = next_update(proto.schedule, last)
    return {
        "id": review_id,
        "title": proto.title,
        "theme": proto.theme,
        "programme_goals": list(proto.programme_goals),
        "protocol_version": proto.version,
        "records": n_records,
        "duplicates": n_dupes,
        "screened": screened,
        "included": ta["include"],
        "excluded": ta["exclude"],
        "maybe": ta["maybe"],
        "unscreened": n_records - screened,
        "fulltext": {"included": ft["include"], "excluded": ft["exclude"], "maybe": ft["maybe"],
                     "pending": max(ta["include"] - sum(ft.values()), 0)},
        "conflicts": len(conflicts(session, review_id, TA, per_record)) + len(conflicts(session, review_id, FT,
                                                                                           per_record)),
        "agreement": review_agreement(session, review_id, TA)["overall"] if per_record > 1 else None,
        "search_runs": runs,
        "last_update": _iso(last),
        "next_update": _iso(nxt),
        "due": is_due(proto.schedule, last),
        "stopping": stopping_status(ws, session, review_id),
    }


def workspace_status(ws: Workspace, review_ids: list[str] | None = None) -> dict:
    """The whole ``lsr status --json`` document.

    Reviews whose protocol file does not load are listed under ``disabled`` (id, file, problems), not
    under ``reviews``: every ``reviews[]`` item keeps its full set of fields for the scripts that read it.
    """
    with ws.db.read() as session:
        reviews = [review_status(ws, session, rid) for rid in ws.review_ids(review_ids)]
    disabled = [d.as_dict() for rid, d in sorted(ws.disabled.items()) if not review_ids or rid in review_ids]
    return {"workspace": str(ws.root), "database": ws.db.safe_url, "reviews": reviews, "disabled": disabled}
