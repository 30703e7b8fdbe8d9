"""Works OpenAlex merged into another work: follow the old id and keep one record.

OpenAlex merges duplicate works; the merged-away id answers ``301 Moved Permanently`` with the surviving
work in ``Location`` and drops out of list results (docs: "Get single entities -- Merged Entity IDs";
API reference "Errors": 301 = "Entity was merged; follow the redirect"). A living update would then meet
the surviving id as an unknown work and -- without a DOI to match on -- add it as a new record to screen
again. :func:`fold_merged_records` runs after a complete update: every record whose OpenAlex id did not
come back is looked up (single-work requests cost no credits); for a merged id, the record the run created
for the surviving work is folded into the record lsr already had (its provenance rows move over as
duplicates with ``match_rule = "merged_id"``), and the old record takes the surviving id.

When lsr already held both works as records with their own history (OpenAlex's usual merge: a duplicate
work, e.g. a preprint's second record, merged into another existing work), the record of the merged-away
id is folded into the record of the surviving id, and nothing is dropped: its provenance rows, decisions
and extraction rows move over (the provenance rows that created it become duplicates with ``match_rule =
"merged_id"``, and the run that created it counts one new record less and one duplicate more, so
identified - duplicates = records still holds in every round); its ranking row goes, and its number
becomes an alias of the survivor (``RecordAlias``), so the number reviewers noted still finds it. Where the two records
had different settled labels at a stage, the merged record keeps the more inclusive one (include > maybe >
exclude): a decision of kind ``merge`` is appended in the name of the reviewer whose label that was, with a
note naming both records and both labels, and the update reports the conflict, so a reviewer can look again.
Under dual screening that reviewer's label then stands beside the other reviewers' latest ones, so a
disagreement shows as an ordinary conflict (``lsr conflicts``).

A merged work whose surviving id still carries the DOI is matched by that DOI during the run, so it is no
new record -- but the record would keep the id that now answers 301, and the retraction check
(:mod:`lsr.search.openalex.refresh` matches hits by stored OpenAlex id) would never reach it again.
:func:`adopt_new_ids` runs after a complete update too: a record that the run found only under one other
OpenAlex id, matched by DOI, while its stored id did not come back at all and now redirects to that id,
takes it, and its metadata
(``is_retracted`` included) is refreshed from the work now served under it. The old id stays in the
record's provenance (``record_source.source_key`` of the runs that found it), the place the model has for
it; no column was added.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import select

from lsr.models import STAGES, Decision, Extraction, Record, RecordAlias, RecordRank, RecordSource, SearchRun
from lsr.screening.decisions import settled_labels
from lsr.search.dedupe import candidate_from_openalex
from lsr.search.identity import normalize_openalex_id
from lsr.search.openalex.client import OpenAlexClient, OpenAlexError
from lsr.search.openalex.refresh import refresh_records
from lsr.workspace import Workspace

__all__ = ["MAX_LOOKUPS", "MERGE_KIND", "Folds", "adopt_new_ids", "fold_merged_records"]

log = logging.getLogger(__name__)

MAX_LOOKUPS = 200
"""Most single-work lookups one update makes (they are free, but each is a round trip)."""


MERGE_KIND = "merge"
"""``Decision.kind`` of the label a record keeps when OpenAlex merged two screened records that disagreed."""

INCLUSIVE = {"include": 2, "maybe": 1, "exclude": 0}


@dataclass
class Folds:
    """What :func:`fold_merged_records` did: records folded, and one line per stage where they disagreed."""

    folded: int = 0
    conflicts: list[str] = field(default_factory=list)


def fold_merged_records(ws: Workspace, review_id: str, run_id: int, client: OpenAlexClient) -> Folds:
    """Follow merged OpenAlex ids of records the run did not see again; fold each into the record of the
    surviving work (see the module docstring).

    Best effort: a failing lookup (network, budget) ends the check without failing the update.
    """
    with ws.db.read() as s:
        seen = set(s.exec(select(RecordSource.record_id).where(RecordSource.search_run_id == run_id)).all())
        known = s.exec(select(Record.id, Record.openalex_id).where(
            Record.review_id == review_id, Record.openalex_id.is_not(None))).all()
    missing = [(rid, wid) for rid, wid in known if rid not in seen]
    out = Folds()
    required = 1
    if missing:
        try:
            required = ws.protocol(review_id).screening.reviewers_per_record
        except Exception:  # noqa: BLE001 (the protocol was read to start this update; 1 is the default)
            required = 1
    for rec_id, old_id in missing[:MAX_LOOKUPS]:
        try:
            target = client.transport.resolve_work(old_id)
        except OpenAlexError as exc:
            log.info("merge check of %s stopped: %s", review_id, exc.message)
            break
        if target and target != old_id:
            out.folded += _fold(ws, review_id, run_id, rec_id, old_id, target, required, out.conflicts)
    return out


def _fold(ws: Workspace, review_id: str, run_id: int, rec_id: int, old_id: str, target: str, required: int,
          conflicts: list[str]) -> int:
    with ws.db.write() as s:
        old = s.get(Record, rec_id)
        twin = s.exec(select(Record).where(Record.review_id == review_id, Record.openalex_id == target)).first()
        if twin is not None:
            decided = s.exec(select(Decision.id).where(Decision.record_id == twin.id).limit(1)).first()
            if twin.first_seen_run_id != run_id or decided is not None:
                conflicts += _fold_held(s, review_id, old, twin, old_id, required)
                log.info("%s: OpenAlex merged %s into %s; record %s folded into record %s", review_id, old_id,
                         target, rec_id, twin.id)
                return 1
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


def _fold_held(s, review_id: str, gone: Record, survivor: Record, old_id: str, required: int) -> list[str]:
    """Fold record ``gone`` (its work was merged away) into ``survivor`` (the surviving work's record), both with
    their own history; return one line per stage where their settled labels differed."""
    before = {stage: settled_labels(s, review_id, stage, required) for stage in STAGES}
    for src in s.exec(select(RecordSource).where(RecordSource.record_id == gone.id)).all():
        if not src.is_duplicate:  # the hit that created the record: one work, so one record, in that run too
            run = s.get(SearchRun, src.search_run_id)
            if run is not None:
                run.new_records = max((run.new_records or 0) - 1, 0)
                run.duplicates = (run.duplicates or 0) + 1
                s.add(run)
            src.is_duplicate, src.match_rule = True, "merged_id"
        src.record_id = survivor.id
        s.add(src)
    for model in (Decision, Extraction):
        for row in s.exec(select(model).where(model.record_id == gone.id)).all():
            row.record_id = survivor.id
            s.add(row)
    s.exec(delete(RecordRank).where(RecordRank.record_id == gone.id))
    for alias in s.exec(select(RecordAlias).where(RecordAlias.record_id == gone.id)).all():
        alias.record_id = survivor.id  # a number folded into ``gone`` earlier follows it
        s.add(alias)
    s.add(RecordAlias(old_id=gone.id, record_id=survivor.id, review_id=review_id,
                      reason=f"OpenAlex merged {old_id} into {survivor.openalex_id}"))
    s.flush()
    s.delete(gone)
    s.flush()
    lines = []
    for stage in STAGES:
        a, b = before[stage].get(gone.id), before[stage].get(survivor.id)
        if a is None or b is None or a.label == b.label:
            continue
        keep = a if INCLUSIVE.get(a.label, 0) > INCLUSIVE.get(b.label, 0) else b
        source = s.get(Decision, keep.decision_id) if keep.decision_id is not None else None
        note = (f"OpenAlex merged {old_id} into {survivor.openalex_id}: record {gone.id} ({old_id}) was {a.label}, "
                f"record {survivor.id} ({survivor.openalex_id}) was {b.label}; the more inclusive label is kept "
                "-- check it")
        s.add(Decision(review_id=review_id, record_id=survivor.id, reviewer=source.reviewer if source else "lsr",
                       stage=stage, label=keep.label, reason=keep.reason, note=note, kind=MERGE_KIND))
        s.flush()
        lines.append(f"{stage}: {note}")
    return lines


def adopt_new_ids(ws: Workspace, review_id: str, run_id: int, client: OpenAlexClient) -> int:
    """Give records the OpenAlex id the run found them under by DOI, when their stored id did not come back;
    return how many records took a new id (see the module docstring).

    Only a merge moves the id: the stored id must now answer with a redirect to the new one (one free
    single-work request each, at most ``MAX_LOOKUPS``). A record is left alone when the run also returned its
    stored id (two OpenAlex works share the DOI), found it under more than one other id, its stored id still
    answers as a work of its own (the search no longer finds it, e.g. after an amendment: a DOI twin is not
    the same OpenAlex work), or another record of the review already has the new id.
    """
    with ws.db.read() as s:  # each hit with the OpenAlex id its record has now, in one query
        hits = s.exec(select(RecordSource.record_id, RecordSource.source_key, RecordSource.match_rule,
                             Record.openalex_id)
                      .join(Record, Record.id == RecordSource.record_id)
                      .where(RecordSource.search_run_id == run_id)).all()
    returned = {key for _, key, _, _ in hits}
    by_doi: dict[int, set[str]] = {}
    stored: dict[int, str | None] = {}
    for rec_id, key, rule, openalex_id in hits:
        if rule == "doi" and normalize_openalex_id(key) == key:
            by_doi.setdefault(rec_id, set()).add(key)
            stored[rec_id] = openalex_id
    adopted = lookups = 0
    for rec_id, keys in by_doi.items():
        if len(keys) != 1:
            continue
        new_id, old_id = next(iter(keys)), stored[rec_id]
        if old_id is None or old_id == new_id or old_id in returned or lookups >= MAX_LOOKUPS:
            continue
        lookups += 1
        try:  # only a merge moves the id: the old id must now answer with the new one (301)
            target = client.transport.resolve_work(old_id)
        except OpenAlexError as exc:
            log.info("merge check of %s stopped: %s", review_id, exc.message)
            break
        if target == new_id and _adopt(ws, review_id, rec_id, old_id, new_id):
            adopted += 1
            _refresh_from(ws, review_id, new_id, client)
    return adopted


def _adopt(ws: Workspace, review_id: str, rec_id: int, old_id: str, new_id: str) -> bool:
    with ws.db.write() as s:
        rec = s.get(Record, rec_id)
        if rec is None or rec.openalex_id != old_id:
            return False
        taken = s.exec(select(Record.id).where(Record.review_id == review_id, Record.openalex_id == new_id)).first()
        if taken is not None:
            return False
        rec.openalex_id = new_id
        s.add(rec)
    log.info("%s: record %s was found under %s (same DOI), not under its stored %s; it now carries %s",
             review_id, rec_id, new_id, old_id, new_id)
    return True


def _refresh_from(ws: Workspace, review_id: str, work_id: str, client: OpenAlexClient) -> None:
    """Refresh a record from the work OpenAlex serves under its new id (best effort: the next update refreshes
    it anyway)."""
    try:
        work = client.transport.fetch_work(work_id)
    except OpenAlexError as exc:
        log.info("refreshing %s of %s after its new id failed: %s", work_id, review_id, exc.message)
        return
    if work is not None:
        with ws.db.write() as s:
            refresh_records(s, review_id, [candidate_from_openalex(work)])
