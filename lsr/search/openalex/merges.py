"""Works OpenAlex merged into another work: follow the old id and keep one record.

OpenAlex merges duplicate works; the merged-away id answers ``301 Moved Permanently`` with the surviving
work in ``Location`` and drops out of list results (docs: "Get single entities -- Merged Entity IDs";
API reference "Errors": 301 = "Entity was merged; follow the redirect"). A living update would then meet
the surviving id as an unknown work and -- without a DOI to match on -- add it as a new record to screen
again. :func:`fold_merged_records` runs after a complete update: every record whose OpenAlex id did not
come back is looked up (single-work requests cost no credits); for a merged id, the record the run created
for the surviving work is folded into the record lsr already had (its provenance rows move over as
duplicates with ``match_rule = "merged_id"``), and the old record takes the surviving id. A surviving
record that existed before the run or already has decisions is left alone and logged.
"""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlmodel import select

from lsr.models import Decision, Record, RecordRank, RecordSource, SearchRun
from lsr.search.openalex.client import OpenAlexClient, OpenAlexError
from lsr.workspace import Workspace

__all__ = ["MAX_LOOKUPS", "fold_merged_records"]

log = logging.getLogger(__name__)

MAX_LOOKUPS = 200
"""Most single-work lookups one update makes (they are free, but each is a round trip)."""


def fold_merged_records(ws: Workspace, review_id: str, run_id: int, client: OpenAlexClient) -> int:
    """Follow merged OpenAlex ids of records the run did not see again; return how many records were folded.

    Best effort: a failing lookup (network, budget) ends the check without failing the update.
    """
    with ws.db.read() as s:
        seen = set(s.exec(select(RecordSource.record_id).where(RecordSource.search_run_id == run_id)).all())
        known = s.exec(select(Record.id, Record.openalex_id).where(
            Record.review_id == review_id, Record.openalex_id.is_not(None))).all()
    missing = [(rid, wid) for rid, wid in known if rid not in seen]
    folded = 0
    for rec_id, old_id in missing[:MAX_LOOKUPS]:
        try:
            target = client.transport.resolve_work(old_id)
        except OpenAlexError as exc:
            log.info("merge check of %s stopped: %s", review_id, exc.message)
            break
        if target and target != old_id:
            folded += _fold(ws, review_id, run_id, rec_id, old_id, target)
    return folded


def _fold(ws: Workspace, review_id: str, run_id: int, rec_id: int, old_id: str, target: str) -> int:
    with ws.db.write() as s:
        old = s.get(Record, rec_id)
        twin = s.exec(select(Record).where(Record.review_id == review_id, Record.openalex_id == target)).first()
        if twin is not None:
            decided = s.exec(select(Decision.id).where(Decision.record_id == twin.id).limit(1)).first()
            if twin.first_seen_run_id != run_id or decided is not None:
                log.warning("%s: OpenAlex merged %s into %s, but both are records with their own history; "
                            "left as they are", review_id, old_id, target)
                return 0
            run = s.get(SearchRun, run_id)
            for src in s.exec(select(RecordSource).where(RecordSource.record_id == twin.id)).all():
                src.record_id, src.is_duplicate, src.match_rule = old.id, True, "merged_id"
                s.add(src)
            s.exec(delete(RecordRank).where(RecordRank.record_id == twin.id))
            old.is_retracted, old.raw_json = twin.is_retracted, twin.raw_json
            s.delete(twin)
            s.flush()
            run.new_records = max((run.new_records or 0) - 1, 0)
            run.duplicates = (run.duplicates or 0) + 1
            s.add(run)
        old.openalex_id = target
        s.add(old)
        log.info("%s: OpenAlex merged %s into %s; record %s now carries %s", review_id, old_id, target,
                 rec_id, target)
        return int(twin is not None)
