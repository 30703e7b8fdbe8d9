"""Search validation: did the review's search return the key studies its protocol names?

A protocol's ``[search] known_studies`` lists DOIs the search must retrieve (PRISMA-S). After each finished
update run, :func:`record_run` looks up which of them that run returned (its ``RecordSource`` hits, matched
by the record's normalised DOI) and stores ``{"checked", "found", "missing"}`` on the ``SearchRun``, so the
search log shows, run by run, when a query lost a key study. :func:`known_studies_status` gives the state
for ``lsr status --json`` (``{"found": N, "missing": [...]}`` plus context), and :func:`describe` says it in
words for the screener's home screen and the report's methods section.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lsr.jsoncols import KNOWN_STUDIES

if TYPE_CHECKING:  # the status path reads through plain SQL and must not import the ORM
    from lsr.workspace import Workspace

log = logging.getLogger(__name__)


def check_run(q, review_id: str, run_id: int, dois: tuple[str, ...]) -> dict:
    """``{"checked", "found", "missing"}``: which of ``dois`` (normalised) search run ``run_id`` returned.

    ``q`` is a query function (``lsr.screening.labels.Query``): the update stores this check and
    ``lsr status`` recomputes it for an amended list through the same SQL, without the ORM.
    """
    returned = {row[0] for row in q(
        "SELECT record.doi FROM record JOIN record_source ON record_source.record_id = record.id "
        "WHERE record_source.review_id = :review AND record_source.search_run_id = :run "
        "AND record.doi IS NOT NULL", {"review": review_id, "run": run_id})} if dois else set()
    return {"checked": list(dois), "found": [d for d in dois if d in returned],
            "missing": [d for d in dois if d not in returned]}


def record_run(ws: Workspace, review_id: str, run_id: int) -> dict | None:
    """Store on a finished update run which known studies it returned; never fails the update.

    Returns the stored check, or None when it could not be stored (logged as a warning).
    """
    from lsr.db import session_query
    from lsr.models import SearchRun

    try:
        dois = ws.protocol(review_id).search.known_studies
        with ws.db.write() as session:
            run = session.get(SearchRun, run_id)
            check = check_run(session_query(session), review_id, run_id, dois)
            run.known_studies = check
            session.add(run)
        return check
    except Exception:  # the records are stored; a validation problem must not undo the update
        log.warning("could not record the known-studies check of run %s of %s", run_id, review_id, exc_info=True)
        return None


def known_studies_status(dois: tuple[str, ...], q, review_id: str) -> dict:
    """``{"found", "missing", "total", "search_run", "checked_at"}`` for the review's latest finished update.

    The protocol's current list (``dois``) is checked against what that run returned: a list amended since
    the run is checked too (from the run's stored hits), so the answer always matches the protocol. Before
    any finished update run, ``found`` is 0, every known study is ``missing`` and ``search_run`` is None.
    ``q`` is a query function (``lsr.screening.labels.Query``), so ``lsr status`` reads this without the ORM.
    """
    rows = q("SELECT id, known_studies_json, finished_at FROM search_run WHERE review_id = :review "
             "AND kind = 'update' AND status = 'ok' ORDER BY id DESC LIMIT 1", {"review": review_id})
    if not rows:
        return {"found": 0, "missing": list(dois), "total": len(dois), "search_run": None, "checked_at": None}
    run_id, stored_json, finished_at = rows[0]
    stored = KNOWN_STUDIES.decode(stored_json)
    check = stored if stored and stored.get("checked") == list(dois) else check_run(q, review_id, run_id, dois)
    finished = None
    if finished_at is not None:
        moment = finished_at if not isinstance(finished_at, str) else datetime.fromisoformat(finished_at)
        finished = moment.replace(tzinfo=moment.tzinfo or UTC).isoformat(timespec="seconds")
    return {"found": len(check["found"]), "missing": check["missing"], "total": len(dois),
            "search_run": run_id, "checked_at": finished}


def describe(state: dict | None, lang: str = "en") -> str:
    """One sentence on the search validation, in Dutch (``nl``) or English; empty when none is defined."""
    if not state or not state.get("total"):
        return ""
    total, found, missing = state["total"], state["found"], state.get("missing", [])
    if state.get("search_run") is None:
        return (f"Controle van de zoekvraag: {total} {'studie' if total == 1 else 'studies'} waarvan we weten "
                f"dat {'die' if total == 1 else 'ze'} gevonden {'moet' if total == 1 else 'moeten'} worden; dit is "
                "nog niet gecontroleerd, omdat er nog geen zoekactie in OpenAlex is afgerond."
                if lang == "nl" else
                f"Search validation: {total} {'known study' if total == 1 else 'known studies'}; not yet checked "
                "(no OpenAlex search has finished yet).")
    if not missing:
        if total == 1:
            return ("Controle van de zoekvraag: de zoekactie vond de ene studie die gevonden moest worden." if lang == "nl"
                    else "Search validation: the search found the one known study.")
        if total == 2:
            return ("Controle van de zoekvraag: de zoekactie vond beide studies die gevonden moesten worden." if lang == "nl"
                    else "Search validation: the search found both known studies.")
        return (f"Controle van de zoekvraag: de zoekactie vond alle {total} studies die gevonden moesten worden."
                if lang == "nl" else f"Search validation: the search found all {total} known studies.")
    listed = ", ".join(missing)
    return (f"Controle van de zoekvraag: de zoekactie vond {found} van de {total} studies die gevonden moesten "
            f"worden; niet gevonden: {listed}."
            if lang == "nl" else
            f"Search validation: the search found {found} of {total} known {'study' if total == 1 else 'studies'}; "
            f"missed: {listed}.")
