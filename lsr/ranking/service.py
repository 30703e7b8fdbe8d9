"""Ranking a review in the database: train on its decisions, rank its unscreened records, log a ModelRun.

Every settled title/abstract decision of the review trains the model (all earlier update rounds
included: the living-review advantage); ``maybe`` is left out of training. Before the review has one
inclusion and one exclusion the ranking is by relevance to the protocol's query and question.

What is expensive is cached, so retraining after every decision stays cheap:

- the TF-IDF features live in a per-review file (``reviews/<id>/.cache/features.npz``) that grows with the
  records instead of being rebuilt; a long-lived process (the screener's ranker) also keeps it in memory
  and reads titles and abstracts only for records it has not seen;
- the citation graph is kept in memory and rebuilt only when a search run or import has changed the
  records.

The default ranker weighs its text and citation models by the *prequential history*: the component
scores each screened record had in the ranking it was screened from. Those scores are stored with every
ranking (``RecordRank.z_text`` / ``z_citation``) and kept once the record is screened, so each retraining
rebuilds the history from the database (oldest decision first).

The new order is written to ``RecordRank`` (``rank`` 0 = first; None once screened), a narrow table so the
write is short, in one transaction prepared before it starts so reviewers' decisions barely wait.
``rerank_review`` writes every rank at once (``lsr rank``, after an update); the live screener's
``rerank_live`` writes the best ``FIRST_RANKS`` with the ModelRun and hands back the rest
(``PendingRanks``), which its ranking process writes in short transactions while the reviewer reads. Each
row carries the model run that placed it, and readers order by the newest run first, then rank: between
the two writes a queue is the new ranking's head followed by the earlier ranking's order.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from sqlmodel import select

from lsr.db import session_query
from lsr.jsoncols import PARAMS, REFERENCED_WORKS
from lsr.models import ModelRun, Record
from lsr.ranking.api import rank_records
from lsr.ranking.citations import CitationGraph
from lsr.ranking.features import FeatureStore, record_text
from lsr.screening import labels as label_rules
from lsr.screening.labels import TA


def feature_cache_path(ws, review_id: str) -> Path:
    path = ws.review_dir(review_id) / ".cache"
    path.mkdir(parents=True, exist_ok=True)
    return path / "features.npz"


def _load_store(path: Path) -> FeatureStore:
    if path.exists():
        try:
            return FeatureStore.load(path)
        except (OSError, ValueError, KeyError):
            path.unlink(missing_ok=True)  # a damaged cache is rebuilt, never trusted
    return FeatureStore()


@dataclass
class _ReviewCache:
    """What one process keeps between retrainings of one review."""

    store: FeatureStore
    mtime: float  # of the features file when ``store`` was loaded or saved
    graph: CitationGraph | None = None
    graph_key: tuple | None = None
    ids: list[int] = field(default_factory=list)  # the review's record ids, ascending
    ids_key: tuple | None = None  # (count, largest) of the ids when read
    index: dict[int, int] = field(default_factory=dict)  # record id -> row in ``ids``
    aligned: Any = None  # the feature matrix with one row per id in ``ids``
    aligned_key: tuple | None = None  # (ids_key, mtime) it was aligned for


_CACHES: dict[str, _ReviewCache] = {}  # by feature-cache path (one per workspace and review)
_TEXT_PAGE = 5000  # records whose texts are read and hashed at a time when the store grows


def _feature_store(cache: Path) -> _ReviewCache:
    """The review's cached features, from memory if the file has not changed since (another process may
    have grown it)."""
    mtime = cache.stat().st_mtime if cache.exists() else 0.0
    held = _CACHES.get(str(cache))
    if held is None:
        held = _CACHES[str(cache)] = _ReviewCache(_load_store(cache), mtime)
    elif held.mtime != mtime:
        held.store, held.mtime = _load_store(cache), mtime
    return held


def _texts(ws, review_id: str, ids: Sequence[int] | None = None) -> dict[int, str]:
    """Title + abstract per record id: all the review's records, or those in ``ids`` (ascending)."""
    cond = [Record.review_id == review_id]
    if ids is not None:
        if not ids:
            return {}
        cond += [Record.id >= ids[0], Record.id <= ids[-1]]
    wanted = None if ids is None else set(ids)
    with ws.db.read() as s:
        rows = s.exec(select(Record.id, Record.title, Record.abstract).where(*cond).order_by(Record.id)).all()
    return {int(r[0]): record_text(r[1], r[2]) for r in rows if wanted is None or int(r[0]) in wanted}


def _add_to_store(ws, review_id: str, held: _ReviewCache, cache: Path, new: list[int]) -> None:
    """Hash the records in ``new`` (ascending ids) into the cached store, a page of texts at a time."""
    for lo in range(0, len(new), _TEXT_PAGE):  # pages keep the texts of a 100 k review out of memory
        page = new[lo : lo + _TEXT_PAGE]
        texts = _texts(ws, review_id, page)
        held.store.add([str(rid) for rid in page], [texts.get(rid, "") for rid in page])
    tmp = cache.with_name("features.tmp.npz")
    held.store.save(tmp)
    os.replace(tmp, cache)
    held.mtime = cache.stat().st_mtime


def _citation_graph(ws, review_id: str, held: _ReviewCache, ids: list[int], last_run: int | None
                    ) -> CitationGraph:
    """The citation graph over ``ids``, rebuilt only when the records or the latest search run changed."""
    key = (len(ids), ids[0], ids[-1], sum(ids), last_run)
    if held.graph is None or held.graph_key != key:
        with ws.db.read() as s:
            rows = s.exec(select(Record.openalex_id, Record.referenced_works_json)
                          .where(Record.review_id == review_id).order_by(Record.id)).all()
        held.graph = CitationGraph([r[0] for r in rows], [REFERENCED_WORKS.decode(r[1]) for r in rows])
        held.graph_key = key
    return held.graph


# New records take ids above the largest (SQLite's rowids, PostgreSQL's sequences), so the count and the
# largest id change whenever the set of ids does.
_IDS_KEY_SQL = "SELECT count(*) AS n, max(id) AS hi FROM record WHERE review_id = :review"
_IDS_SQL = "SELECT id FROM record WHERE review_id = :review ORDER BY id"
_SETTLED_RANKS_SQL = "SELECT record_id, z_text, z_citation, rank FROM record_rank WHERE record_id IN ({marks})"
_IN_CHUNK = 5000  # ids per IN list (well under SQLite's and PostgreSQL's limits on bound parameters)
FIRST_RANKS = 1000
"""How many ranks the live screener's retraining writes at once; the rest follow when the reviewer pauses."""
TAIL_CHUNK = 2000
"""Ranks per write transaction when the rest of a live ranking is written (a few ms of SQLite's write lock)."""


def _record_ids(review_id: str, held: _ReviewCache, q) -> list[int]:
    """The review's record ids, ascending: from memory while the set is unchanged (one aggregate query)."""
    row = q(_IDS_KEY_SQL, {"review": review_id})[0]
    key = (int(row.n), row.hi)
    if held.ids_key != key:
        held.ids = [int(r[0]) for r in q(_IDS_SQL, {"review": review_id})]
        held.index = {rid: i for i, rid in enumerate(held.ids)}
        held.ids_key = key
    return held.ids


def _settled_ranks(session, ids: list[int]) -> dict[int, tuple]:
    """``record_id -> (z_text, z_citation, rank)`` of the given records that have a ranking row."""
    conn = session.connection()
    out: dict[int, tuple] = {}
    for lo in range(0, len(ids), _IN_CHUNK):
        chunk = ids[lo : lo + _IN_CHUNK]
        marks = ", ".join([_driver_sql(conn, "{p}")] * len(chunk))
        for rid, zt, zc, rank in conn.exec_driver_sql(_SETTLED_RANKS_SQL.format(marks=marks), tuple(chunk)):
            out[int(rid)] = (zt, zc, rank)
    return out


@dataclass
class PendingRanks:
    """The part of a live ranking not written yet: ranks ``start`` onwards of one model run.

    ``rerank_live`` writes the best ``FIRST_RANKS`` at once and returns this; the screener's ranking
    process calls ``write_next`` while the reviewer reads (between decisions), and drops what is left when
    the next retraining supersedes it. Until then the records it holds keep their place from an earlier
    ranking: readers order by the newest run first (``lsr.screening.queue``), so a queue read in between is
    the new ranking's head followed by the earlier order.
    """

    review_id: str
    run_id: int
    start: int  # the rank of ``order[0]``
    order: list[int]
    scores: list[float]
    z_text: list[float] | None
    z_citation: list[float] | None
    written: int = 0  # how many of ``order`` are stored

    @property
    def remaining(self) -> int:
        """Ranks not written yet."""
        return len(self.order) - self.written

    def write_next(self, ws, size: int = TAIL_CHUNK) -> bool:
        """Write the next ``size`` ranks in their own transaction; returns whether any remain."""
        if not self.remaining:
            return False
        part = slice(self.written, self.written + size)
        with ws.db.write() as s:
            write_ranking(s, self.review_id, self.run_id, self.order[part], self.scores[part],
                          None if self.z_text is None else self.z_text[part],
                          None if self.z_citation is None else self.z_citation[part], start=self.start + self.written)
        self.written = min(self.written + size, len(self.order))
        return bool(self.remaining)

    def write_all(self, ws) -> None:
        """Write everything that remains."""
        while self.write_next(ws):
            pass


def rerank_review(ws, review_id: str, model: str | None = None) -> ModelRun | None:
    """Train on the review's current labels and store a new ranking of every record in one transaction;
    returns the ModelRun (None if the review has no records)."""
    return _rerank(ws, review_id, model, first=None)[0]


@dataclass
class LiveRanking:
    """What ``rerank_live`` stored now and what it left for later."""

    run_id: int
    head: list[int]  # record ids ranked 0, 1, ... and written now (the best ``FIRST_RANKS``)
    rest: PendingRanks | None  # the other ranks, to write while the reviewer reads (None: nothing left)


def rerank_live(ws, review_id: str, model: str | None = None, first: int = FIRST_RANKS) -> LiveRanking | None:
    """Retrain for the live screener: store the ModelRun, the best ``first`` ranks and the records that
    left the ranking in one short transaction, and return the rest for ``PendingRanks.write_next`` (None
    when the review has no records). One decision moves the reviewer one record down the queue, so the
    head is what matters until the next retraining; writing every rank after every decision held SQLite's
    write lock ~1 s at 100 k records, and a reviewer's next decision waited for it."""
    run, head, rest = _rerank(ws, review_id, model, first=first)
    return None if run is None else LiveRanking(int(run.id), head, rest)


def _rerank(ws, review_id: str, model: str | None, first: int | None
            ) -> tuple[ModelRun | None, list[int], PendingRanks | None]:
    started = time.perf_counter()
    proto = ws.protocol(review_id)
    model = model or ws.settings.ranker
    cache = feature_cache_path(ws, review_id)
    held = _feature_store(cache)
    with ws.db.read() as s:
        q = session_query(s)  # plain SQL: ORM rows for 10 k records cost more than the query itself
        ids = _record_ids(review_id, held, q)
        last_run = q("SELECT max(id) AS id FROM search_run WHERE review_id = :review", {"review": review_id})[0].id
        labels = label_rules.settled(q, review_id, TA, proto.screening.reviewers_per_record)
        if not ids:
            return None, [], None
        index = held.index
        settled = sorted(((lab.decision_id or 0, rid, 1 if lab.label == "include" else 0)
                          for rid, lab in labels.items() if rid in index and lab.label in ("include", "exclude")))
        stored = _settled_ranks(s, [rid for _, rid, _ in settled])
    train = {index[rid]: y for _, rid, y in settled}

    matrix = _aligned_matrix(ws, review_id, held, cache, ids)
    cold = model != "random" and len(set(train.values())) < 2
    texts_by_id = _texts(ws, review_id) if cold else {}
    texts = [texts_by_id.get(rid, "") for rid in ids] if cold else None
    history = [(z[0], z[1], y) for _, rid, y in settled
               if (z := stored.get(rid)) is not None and z[0] is not None and z[1] is not None]
    graph = _citation_graph(ws, review_id, held, ids, last_run) if not cold else None
    result = rank_records(texts, train, model, query=proto.search.query, question=proto.question,
                          features=matrix, graph=graph, history=history)

    params = dict(result.params)
    if result.model == "coldstart":
        params["note"] = "no inclusion and exclusion yet: ranked by relevance to the query and question"
    run = ModelRun(review_id=review_id, model=result.model, params_json=PARAMS.encode(params),
                   n_labels=result.n_labels, n_included=result.n_included, n_excluded=result.n_labels -
                   result.n_included, n_ranked=len(result.order))
    order = np.asarray(ids, dtype=np.int64)[np.asarray(result.order, dtype=np.int64)].tolist()
    scores = np.asarray(result.scores, dtype=np.float64).tolist()
    z_text, z_cit = (None if (v := result.components.get(k)) is None else np.asarray(v, dtype=np.float64).tolist()
                     for k in ("z_text", "z_citation"))
    unranked = [rid for _, rid, _ in settled if (z := stored.get(rid)) is not None and z[2] is not None]
    head = len(order) if first is None else min(first, len(order))
    with ws.db.write() as s:
        run.duration_s = round(time.perf_counter() - started, 4)
        s.add(run)
        s.flush()
        write_ranking(s, review_id, run.id, order[:head], scores[:head], None if z_text is None else z_text[:head],
                      None if z_cit is None else z_cit[:head], unranked=unranked)
    if head == len(order):
        return run, order, None
    return run, order[:head], PendingRanks(review_id, int(run.id), head, order[head:], scores[head:],
                             None if z_text is None else z_text[head:], None if z_cit is None else z_cit[head:])


def _aligned_matrix(ws, review_id: str, held: _ReviewCache, cache: Path, ids: list[int]):
    """The TF-IDF matrix with one row per id in ``ids`` (new records hashed into the cached store first)."""
    key = (held.ids_key, held.mtime)
    if held.aligned is not None and held.aligned_key == key:
        return held.aligned
    str_ids = [str(rid) for rid in ids]
    current = set(str_ids)
    if any(sid not in current for sid in held.store.ids):
        # Records were deleted (OpenAlex merged a twin): SQLite may give a deleted record's id to the next
        # new record, which must not inherit its features, and the document frequencies still count it.
        held.store = FeatureStore()
    if new := [rid for rid in ids if str(rid) not in held.store]:
        _add_to_store(ws, review_id, held, cache, new)
    matrix = held.store.matrix()
    if held.store.ids != str_ids:  # records deleted, or cached in another order
        matrix = matrix[held.store.rows(str_ids)]
    held.aligned, held.aligned_key = matrix, (held.ids_key, held.mtime)
    return matrix


_UPSERT = ("INSERT INTO record_rank (record_id, review_id, rank, score, model_run_id, z_text, z_citation) "
           "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}) "
           "ON CONFLICT (record_id) DO UPDATE SET rank = excluded.rank, score = excluded.score, "
           "model_run_id = excluded.model_run_id, z_text = excluded.z_text, z_citation = excluded.z_citation "
           # a late part of an older ranking never overwrites a newer ranking's place
           "WHERE record_rank.model_run_id IS NULL OR excluded.model_run_id IS NULL "
           "OR record_rank.model_run_id <= excluded.model_run_id")
_UNRANK = "UPDATE record_rank SET rank = NULL, score = NULL, model_run_id = {p} WHERE record_id = {p}"


def _driver_sql(conn, statement: str) -> str:
    """``statement`` with the driver's positional placeholder (``?`` for sqlite3, ``%s`` for psycopg)."""
    return statement.format(p="?" if conn.dialect.paramstyle == "qmark" else "%s")


def write_ranking(session, review_id: str, model_run_id: int | None, order: Sequence[int],
                  scores: Sequence[float] | None = None, z_text: Sequence[float] | None = None,
                  z_citation: Sequence[float] | None = None, *, unranked: Iterable[int] = (),
                  start: int = 0) -> None:
    """Store a ranking, or a part of one, in the caller's transaction.

    Args:
        order: record ids, best first (rank ``start``, ``start`` + 1, ...); ``scores``, ``z_text`` and
            ``z_citation`` align with it when given. A row that a newer model run ranked is left alone.
        unranked: ids of records that left the ranking (screened): their rank is cleared, their component
            scores are kept (the history).
    """

    def column(values: Sequence[float] | None) -> Iterable[float | None]:
        return repeat(None) if values is None else np.asarray(values, dtype=np.float64).tolist()

    # The driver's own executemany with positional rows: SQLAlchemy's per-row parameter processing (ORM
    # or Core) cost more than the write itself, and this runs after every screening decision.
    conn = session.connection()
    run = None if model_run_id is None else int(model_run_id)
    if len(order):
        ids = np.asarray(order, dtype=np.int64).tolist()  # plain ints and floats: the driver's fast path
        conn.exec_driver_sql(_driver_sql(conn, _UPSERT), list(zip(
            ids, repeat(review_id), range(start, start + len(ids)), column(scores), repeat(run), column(z_text),
            column(z_citation))))
    if unranked := [(run, int(rid)) for rid in unranked]:
        conn.exec_driver_sql(_driver_sql(conn, _UNRANK), unranked)
