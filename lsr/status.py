"""Per-review counts and schedule state: the data behind ``lsr status`` and the app's home screen.

The JSON shape is a public contract (DESIGN.md): scripts and monitoring read it. Fields may be added,
never renamed or removed.

The latest update run and whether it waits to be completed (``latest_run``) are read here once, for the
status table, the JSON, and ``lsr update --due`` (``lsr.search.update.due_reviews``): a run marked
``running`` whose process is gone (``process_gone``), a run ``paused`` until the daily budget resets, or an
``interrupted`` one.

Everything here is plain SQL through a query function (``lsr.screening.labels.Query``) and the pure rules of
``lsr.screening.labels``, ``lsr.screening.agreement`` and ``lsr.screening.stopping``: the same code answers from a SQLAlchemy session
and from the read-only sqlite3 reader that lets ``lsr status`` start without importing SQLAlchemy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lsr.screening.agreement import review_agreement
from lsr.screening.labels import FT, TA, as_query, memo, open_conflicts, settled
from lsr.screening.stopping import evaluate_review
from lsr.search.known_studies import known_studies_status
from lsr.search.schedule import is_due, next_update


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def as_utc(value: Any) -> datetime | None:
    """A stored timestamp as an aware UTC datetime (SQLite keeps naive UTC text, PostgreSQL datetimes)."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def stopping_status(ws, session, review_id: str) -> dict:
    """The stopping rule's state (``lsr.screening.stopping.evaluate_review``)."""
    return evaluate_review(ws, session, review_id)


@dataclass(frozen=True)
class LatestRun:
    """A review's latest update run, as ``lsr status`` and ``lsr update --due`` see it.

    Attributes:
        status: as stored: ``running``, ``ok``, ``failed``, ``interrupted`` or ``paused`` (the daily OpenAlex
            budget ran out).
        process_gone: for a ``running`` run, True when no process holds the review's update lock (the update
            was killed or crashed; the next ``lsr update`` completes it), False while an update holds it, None
            when that cannot be told; False for every other status.
    """

    id: int
    status: str
    error: str | None
    requests: int | None
    credits_used: int | None
    budget_resets_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    process_gone: bool | None

    @property
    def resumable_from(self) -> datetime | None:
        """When the next update may complete this run: a paused run once its budget resets, an interrupted run
        (or one whose process is gone) at once -- since it stopped; None when no run waits to be completed."""
        stopped = self.finished_at or self.started_at
        if self.status == "paused":
            return self.budget_resets_at or stopped
        if self.status == "interrupted" or (self.status == "running" and self.process_gone):
            return stopped
        return None

    def as_dict(self) -> dict:
        """The ``latest_run`` object of ``lsr status --json``."""
        return {"id": self.id, "status": self.status, "error": self.error, "requests": self.requests,
                "credits_used": self.credits_used, "budget_resets_at": _iso(self.budget_resets_at),
                "process_gone": self.process_gone}


def process_gone(settings, review_id: str, status: str) -> bool | None:
    """Whether a run in ``status`` lost the process that ran it (see :attr:`LatestRun.process_gone`).

    Only a ``running`` run is probed: ``lsr.locks.update_in_progress`` reads the review's lock without taking
    it (the lock file's ``flock`` with SQLite, ``pg_locks`` with PostgreSQL).
    """
    if status != "running":
        return False
    if settings is None:
        return None
    from lsr.locks import update_in_progress  # noqa: PLC0415  (only for a run marked running)

    held = update_in_progress(settings, review_id)
    return None if held is None else not held


def latest_run(q, review_id: str, settings=None) -> LatestRun | None:
    """The review's latest update run, or None before its first update.

    Args:
        q: a query function (``lsr.screening.labels.Query``) or a SQLAlchemy session.
        review_id: the review.
        settings: the workspace settings, to probe the update lock of a ``running`` run (None: not probed).
    """
    rows = as_query(q)("SELECT id, status, error, requests, credits_used, budget_resets_at, started_at, finished_at "
                       "FROM search_run WHERE review_id = :review AND kind = 'update' ORDER BY id DESC LIMIT 1",
                       {"review": review_id})
    if not rows:
        return None
    run = rows[0]
    return LatestRun(id=run[0], status=run[1], error=run[2], requests=run[3], credits_used=run[4],
                     budget_resets_at=as_utc(run[5]), started_at=as_utc(run[6]), finished_at=as_utc(run[7]),
                     process_gone=process_gone(settings, review_id, run[1]))


def _retracted(q, review_id: str, ta_labels: dict) -> dict:
    """Records OpenAlex marks as retracted, and how many of them are included on title and abstract."""
    ids = {row[0] for row in q("SELECT id FROM record WHERE review_id = :review AND is_retracted",
                               {"review": review_id})}
    return {"records": len(ids),
            "included": sum(1 for rid, lab in ta_labels.items() if rid in ids and lab.label == "include")}


def _count(q, sql: str, review_id: str) -> int:
    return int(q(sql, {"review": review_id})[0][0] or 0)


def review_status(ws, session, review_id: str, settings=None) -> dict:
    """Counts and schedule for one review (the ``reviews[]`` item of ``lsr status --json``).

    Args:
        ws: the workspace (anything with ``protocol(review_id)``).
        session: a SQLAlchemy session or a query function (``lsr.screening.labels.Query``).
        review_id: the review.
        settings: the workspace settings, to tell a killed update from a running one (default: ``ws.settings``
            when ``ws`` has them).
    """
    settings = settings if settings is not None else getattr(ws, "settings", None)
    q = memo(as_query(session))  # one read: the same question is answered once
    proto = ws.protocol(review_id)
    n_records = _count(q, "SELECT count(*) FROM record WHERE review_id = :review", review_id)
    n_dupes = _count(q, "SELECT count(*) FROM record_source WHERE review_id = :review AND is_duplicate", review_id)
    runs = _count(q, "SELECT count(*) FROM search_run WHERE review_id = :review AND kind = 'update' "
                     "AND NOT (status = 'failed' AND results_returned = 0)", review_id)  # as prisma.searched
    last_rows = q("SELECT last_update_at FROM review WHERE id = :review", {"review": review_id})
    per_record = proto.screening.reviewers_per_record
    ta = Counter(lab.label for lab in settled(q, review_id, TA, per_record).values())
    ft = Counter(lab.label for lab in settled(q, review_id, FT, per_record).values())
    screened = ta["include"] + ta["exclude"] + ta["maybe"]
    last = as_utc(last_rows[0][0]) if last_rows else None
    run = latest_run(q, review_id, settings)
    resume_at = run.resumable_from if run else None
    nxt = next_update(proto.schedule, last, resume_at)
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
        "conflicts": len(open_conflicts(q, review_id, TA, per_record)) + len(open_conflicts(q, review_id, FT,
                                                                                            per_record)),
        "agreement": review_agreement(q, review_id, TA)["overall"] if per_record > 1 else None,
        "search_runs": runs,
        "new_in_last_update": _new_in_last_update(q, review_id),
        "latest_run": run.as_dict() if run else None,
        "retracted": _retracted(q, review_id, settled(q, review_id, TA, per_record)),
        "last_update": _iso(last),
        "next_update": _iso(nxt),
        "due": is_due(proto.schedule, last, resume_at=resume_at),
        "stopping": stopping_status(ws, q, review_id),
        "known_studies": known_studies_status(ws.protocol(review_id).search.known_studies, q, review_id),
    }


def _new_in_last_update(q, review_id: str) -> int | None:
    """Records first seen in the review's latest update run (its new records); None before any update."""
    last = q("SELECT max(id) FROM search_run WHERE review_id = :review AND kind = 'update'", {"review": review_id})
    if not last or last[0][0] is None:
        return None
    rows = q("SELECT count(*) FROM record WHERE review_id = :review AND first_seen_run_id = :run",
             {"review": review_id, "run": last[0][0]})
    return int(rows[0][0])


def status_document(ws, q, root, database: str, review_ids: list[str] | None = None, settings=None) -> dict:
    """The whole ``lsr status --json`` document from a query function.

    Reviews whose protocol file does not load are listed under ``disabled`` (id, file, problems), not
    under ``reviews``: every ``reviews[]`` item keeps its full set of fields for the scripts that read it.
    """
    reviews = [review_status(ws, q, rid, settings) for rid in ws.review_ids(review_ids)]
    disabled = [d.as_dict() for rid, d in sorted(ws.disabled.items()) if not review_ids or rid in review_ids]
    return {"workspace": str(root), "database": database, "reviews": reviews, "disabled": disabled}


def quick_status(settings, review_ids: list[str] | None = None):
    """``lsr status`` without SQLAlchemy: ``(document, catalogue)`` read through ``lsr.sqlite_reader``, or
    None when the workspace must be opened the usual way (not SQLite, schema or protocols not current).

    Raises:
        LsrError: missing workspace or protocols folder; an unknown or disabled review asked for.
    """
    from lsr.protocol import load_catalogue  # noqa: PLC0415
    from lsr.sqlite_reader import open_reader  # noqa: PLC0415

    catalogue = load_catalogue(settings.workspace)
    q = open_reader(settings, catalogue)
    if q is None:
        return None
    return (status_document(catalogue, q, settings.workspace, settings.safe_database_url, review_ids, settings),
            catalogue)


def workspace_status(ws, review_ids: list[str] | None = None) -> dict:
    """The whole ``lsr status --json`` document of an opened workspace (``lsr.workspace.Workspace``)."""
    with ws.db.read() as session:
        return status_document(ws, as_query(session), ws.root, ws.db.safe_url, review_ids)
