"""Search validation: did the review's search return the key studies its protocol names?

A protocol's ``[search] known_studies`` lists DOIs the search must retrieve (PRISMA-S). After each finished
update run, :func:`record_run` looks up which of them that run returned (its ``RecordSource`` hits, matched
by the record's normalised DOI) and stores ``{"checked", "found", "missing"}`` on the ``SearchRun``, so the
search log shows, run by run, when a query lost a key study. :func:`known_studies_status` gives the state
for ``lsr status --json`` (``{"found": N, "missing": [...]}`` plus context), and :func:`describe` says it in
words for the screener's home screen and the report's methods section.
"""

from __future__ import annotations

import json
import logging

from sqlmodel import Session, select

from lsr.models import Record, RecordSource, SearchRun
from lsr.workspace import Workspace

log = logging.getLogger(__name__)


def returned_dois(session: Session, review_id: str, run_id: int, dois: tuple[str, ...]) -> set[str]:
    """Which of ``dois`` (normalised) are records that search run ``run_id`` returned."""
    if not dois:
        return set()
    rows = session.exec(
        select(Record.doi).join(RecordSource, RecordSource.record_id == Record.id).where(
            RecordSource.review_id == review_id, RecordSource.search_run_id == run_id, Record.doi.in_(dois))
    ).all()
    return set(rows)


def _check(session: Session, review_id: str, run_id: int, dois: tuple[str, ...]) -> dict:
    found = returned_dois(session, review_id, run_id, dois)
    return {"checked": list(dois), "found": [d for d in dois if d in found],
            "missing": [d for d in dois if d not in found]}


def record_run(ws: Workspace, review_id: str, run_id: int) -> dict | None:
    """Store on a finished update run which known studies it returned; never fails the update.

    Returns the stored check, or None when it could not be stored (logged as a warning).
    """
    try:
        dois = ws.protocol(review_id).search.known_studies
        with ws.db.write() as session:
            run = session.get(SearchRun, run_id)
            check = _check(session, review_id, run_id, dois)
            run.known_studies_json = json.dumps(check)
            session.add(run)
        return check
    except Exception:  # the records are stored; a validation problem must not undo the update
        log.warning("could not record the known-studies check of run %s of %s", run_id, review_id, exc_info=True)
        return None


def known_studies_status(ws: Workspace, session: Session, review_id: str) -> dict:
    """``{"found", "missing", "total", "search_run", "checked_at"}`` for the review's latest finished update.

    The protocol's current list is checked against what that run returned: a list amended since the run
    is checked too (from the run's stored hits), so the answer always matches the protocol. Before any
    finished update run, ``found`` is 0, every known study is ``missing`` and ``search_run`` is None.
    """
    dois = ws.protocol(review_id).search.known_studies
    run = session.exec(
        select(SearchRun).where(SearchRun.review_id == review_id, SearchRun.kind == "update",
                                SearchRun.status == "ok").order_by(SearchRun.id.desc()).limit(1)
    ).first()
    if run is None:
        return {"found": 0, "missing": list(dois), "total": len(dois), "search_run": None, "checked_at": None}
    stored = json.loads(run.known_studies_json) if run.known_studies_json else None
    check = stored if stored and stored.get("checked") == list(dois) else _check(session, review_id, run.id, dois)
    finished = run.finished_at.isoformat(timespec="seconds") if run.finished_at else None
    return {"found": len(check["found"]), "missing": check["missing"], "total": len(dois),
            "search_run": run.id, "checked_at": finished}


def describe(state: dict | None, lang: str = "en") -> str:
    """One sentence on the search validation, in Dutch (``nl``) or English; empty when none is defined."""
    if not state or not state.get("total"):
        return ""
    total, found, missing = state["total"], state["found"], state.get("missing", [])
    if state.get("search_run") is None:
        return (f"Zoekvalidatie: {total} bekende studies; nog niet gecontroleerd (nog geen afgeronde zoekronde)."
                if lang == "nl" else
                f"Search validation: {total} known studies; not yet checked (no finished search run).")
    if not missing:
        return (f"Zoekvalidatie: de zoekopdracht vond alle {total} bekende studies."
                if lang == "nl" else f"Search validation: the search found all {total} known studies.")
    listed = ", ".join(missing)
    return (f"Zoekvalidatie: de zoekopdracht vond {found} van de {total} bekende studies; niet gevonden: {listed}."
            if lang == "nl" else
            f"Search validation: the search found {found} of {total} known studies; missed: {listed}.")
