"""Helpers for screening tests: workspaces with records built in code, and database look-ups."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import select

from lsr.models import Decision, Record, SearchRun
from lsr.ranking.service import write_ranking
from lsr.search.dedupe import Candidate, Ingest
from lsr.settings import resolve
from lsr.workspace import Workspace, open_workspace
from tests.helpers import make_workspace

REVIEW = "test-review"

WORDS = ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet", "Kilo",
         "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo", "Sierra", "Tango")


def title_for(i: int) -> str:
    """A distinctive title: the first word identifies the record in screen captures."""
    word = WORDS[i % len(WORDS)] + ("" if i < len(WORDS) else str(i))
    return f"{word} trial of an extended school day and pupil achievement"


def candidates(n: int) -> list[Candidate]:
    """``n`` deterministic works; every third mentions rats (an exclude highlight term)."""
    out = []
    for i in range(n):
        animal = " A comparison study in rats was added." if i % 3 == 2 else ""
        out.append(Candidate(
            title=title_for(i),
            abstract=(f"We studied {100 + i} pupils in deprived neighbourhoods whose school day was extended by "
                      f"two hours. Achievement improved in reading and mathematics.{animal}"),
            authors=[f"Author{i} A", "Second B"], year=2000 + i % 25, venue="Journal of Education Research",
            doi=f"10.1234/test.{i}", openalex_id=f"W{1000 + i}"))
    return out


_TEMPLATES: dict[tuple, Path] = {}
_TEMPLATE_ROOT = Path(tempfile.mkdtemp(prefix="lsr-test-templates-"))
atexit.register(shutil.rmtree, _TEMPLATE_ROOT, True)


def build_workspace(path: Path, n: int = 5, *, review_ids: tuple[str, ...] = (REVIEW,), ranked: bool = True,
                    **protocol_kw) -> Path:
    """A workspace whose reviews each hold ``n`` records imported through ``lsr.search.dedupe``.

    With ``ranked`` the records get ranks in insertion order (record i has rank i). On SQLite the first
    workspace of each shape is built for real and later ones copy it (migrating a fresh database costs
    about a second); with ``LSR_DATABASE_URL`` set (the PostgreSQL runs) every workspace is built.
    """
    if os.environ.get("LSR_DATABASE_URL"):
        _build(path, n, review_ids, ranked, **protocol_kw)
        return path
    key = (n, review_ids, ranked, tuple(sorted(protocol_kw.items())))
    if key not in _TEMPLATES:
        template = _TEMPLATE_ROOT / f"t{len(_TEMPLATES)}"
        _build(template, n, review_ids, ranked, **protocol_kw)
        ws = open_ws(template)
        raw = ws.db.write_engine.raw_connection()  # autocommit: the checkpoint must run outside a transaction
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
        _TEMPLATES[key] = template
    shutil.copytree(_TEMPLATES[key], path, ignore=shutil.ignore_patterns("*-wal", "*-shm"))
    return path


def _build(path: Path, n: int, review_ids: tuple[str, ...], ranked: bool, **protocol_kw) -> None:
    make_workspace(path, review_ids, **protocol_kw)
    ws = open_workspace(resolve(path, reviewer="tester"))
    for rid in review_ids:
        with ws.db.write() as session:
            run = SearchRun(review_id=rid, kind="import", source="test", file="test.ris", status="ok")
            session.add(run)
            session.flush()
            ingest = Ingest(session, rid, run, "ris")
            ids = [ingest.add(cand, str(i)).record.id for i, cand in enumerate(candidates(n))]
            if ranked:
                write_ranking(session, rid, None, ids)


def bulk_workspace(path: Path, n: int, review_id: str = REVIEW) -> Path:
    """A workspace with ``n`` ranked records inserted in bulk (fast enough for 10 k)."""
    make_workspace(path, (review_id,))
    ws = open_workspace(resolve(path, reviewer="tester"))
    now = datetime.now(UTC)
    with ws.db.write() as session:
        session.execute(insert(Record), [
            dict(review_id=review_id, title=c.title, title_key=c.title.lower(), abstract=c.abstract,
                 authors_json=json.dumps(c.authors), keywords_json="[]", referenced_works_json="[]", year=c.year,
                 venue=c.venue, doi=c.doi, openalex_id=c.openalex_id, created_at=now)
            for c in candidates(n)])
        ids = session.exec(select(Record.id).where(Record.review_id == review_id).order_by(Record.id)).all()
        write_ranking(session, review_id, None, ids)
    return path


def open_ws(path: Path, reviewer: str = "tester") -> Workspace:
    return open_workspace(resolve(path, reviewer=reviewer))


def decisions(path: Path, review_id: str = REVIEW) -> list[Decision]:
    """Every decision of the review in the order they were made."""
    ws = open_ws(path)
    with ws.db.read() as session:
        return list(session.exec(select(Decision).where(Decision.review_id == review_id)
                                 .order_by(Decision.id)).all())


def record_id_by_word(path: Path, word: str, review_id: str = REVIEW) -> int:
    """The id of the record whose title starts with ``word``."""
    ws = open_ws(path)
    with ws.db.read() as session:
        rec = session.exec(select(Record).where(Record.review_id == review_id,
                                                Record.title.startswith(f"{word} "))).one()
        return rec.id


def reverse_rank(ws: Workspace, review_id: str) -> None:
    """A stand-in ranker for the ranking process: ranks records by descending id and logs a ModelRun.

    The ModelRun's params record the process id, so tests can tell where it ran.
    """
    from lsr.models import ModelRun

    with ws.db.write() as session:
        run = ModelRun(review_id=review_id, model="reverse", params_json=json.dumps({"pid": os.getpid()}))
        session.add(run)
        session.flush()
        ids = session.exec(select(Record.id).where(Record.review_id == review_id)).all()
        write_ranking(session, review_id, run.id, sorted(ids, reverse=True))
