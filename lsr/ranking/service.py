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
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

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


_RANK_ROWS_SQL = """
SELECT record.id, record_rank.z_text, record_rank.z_citation, record_rank.rank FROM record
LEFT OUTER JOIN record_rank ON record_rank.record_id = record.id
WHERE record.review_id = :review ORDER BY record.id"""


def rerank_review(ws, review_id: str, model: str | None = None) -> ModelRun | None:
    """Train on the review's current labels and store a new ranking; returns the ModelRun (None if empty)."""
    started = time.perf_counter()
    proto = ws.protocol(review_id)
    model = model or ws.settings.ranker
    with ws.db.read() as s:
        q = session_query(s)  # plain SQL: ORM rows for 10 k records cost more than the query itself
        rows = [tuple(r) for r in q(_RANK_ROWS_SQL, {"review": review_id})]
        last_run = q("SELECT max(id) AS id FROM search_run WHERE review_id = :review", {"review": review_id})[0].id
        labels = label_rules.settled(q, review_id, TA, proto.screening.reviewers_per_record)
    if not rows:
        return None
    ids = [int(r[0]) for r in rows]
    index = {rid: i for i, rid in enumerate(ids)}
    settled = sorted(((lab.decision_id or 0, rid, 1 if lab.label == "include" else 0)
                      for rid, lab in labels.items() if rid in index and lab.label in ("include", "exclude")))
    train = {index[rid]: y for _, rid, y in settled}

    cache = feature_cache_path(ws, review_id)
    held = _feature_store(cache)
    str_ids = [str(rid) for rid in ids]
    if new := [rid for rid in ids if str(rid) not in held.store]:
        _add_to_store(ws, review_id, held, cache, new)
    cold = model != "random" and len(set(train.values())) < 2
    texts_by_id = _texts(ws, review_id) if cold else {}
    matrix = held.store.matrix()
    if held.store.ids != str_ids:  # records deleted, or cached in another order
        matrix = matrix[held.store.rows(str_ids)]
    texts = [texts_by_id.get(rid, "") for rid in ids] if cold else None
    history = [(rows[index[rid]][1], rows[index[rid]][2], y) for _, rid, y in settled
               if rows[index[rid]][1] is not None and rows[index[rid]][2] is not None]
    graph = _citation_graph(ws, review_id, held, ids, last_run) if not cold else None
    result = rank_records(texts, train, model, query=proto.search.query, question=proto.question,
                          features=matrix, graph=graph, history=history)

    params = dict(result.params)
    if result.model == "coldstart":
        params["note"] = "no inclusion and exclusion yet: ranked by relevance to the query and question"
    run = ModelRun(review_id=review_id, model=result.model, params_json=PARAMS.encode(params),
                   n_labels=result.n_labels, n_included=result.n_included, n_excluded=result.n_labels -
                   result.n_included, n_ranked=len(result.order))
    order = [ids[int(i)] for i in result.order]
    ranked = set(np.asarray(result.order).tolist())
    unranked = [rid for i, rid in enumerate(ids) if rows[i][3] is not None and i not in ranked]
    with ws.db.write() as s:
        run.duration_s = round(time.perf_counter() - started, 4)
        s.add(run)
        s.flush()
        write_ranking(s, review_id, run.id, order, result.scores, result.components.get("z_text"),
                      result.components.get("z_citation"), unranked=unranked)
    return run


_UPSERT = ("INSERT INTO record_rank (record_id, review_id, rank, score, model_run_id, z_text, z_citation) "
           "VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}) "
           "ON CONFLICT (record_id) DO UPDATE SET rank = excluded.rank, score = excluded.score, "
           "model_run_id = excluded.model_run_id, z_text = excluded.z_text, z_citation = excluded.z_citation")
_UNRANK = "UPDATE record_rank SET rank = NULL, score = NULL, model_run_id = {p} WHERE record_id = {p}"


def _driver_sql(conn, statement: str) -> str:
    """``statement`` with the driver's positional placeholder (``?`` for sqlite3, ``%s`` for psycopg)."""
    return statement.format(p="?" if conn.dialect.paramstyle == "qmark" else "%s")


def write_ranking(session, review_id: str, model_run_id: int | None, order: Sequence[int],
                  scores: Sequence[float] | None = None, z_text: Sequence[float] | None = None,
                  z_citation: Sequence[float] | None = None, *, unranked: Iterable[int] = ()) -> None:
    """Store a ranking in the caller's transaction.

    Args:
        order: record ids, best first (rank 0, 1, ...); ``scores``, ``z_text`` and ``z_citation`` align
            with it when given.
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
            ids, repeat(review_id), range(len(ids)), column(scores), repeat(run), column(z_text),
            column(z_citation))))
    if unranked := [(run, int(rid)) for rid in unranked]:
        conn.exec_driver_sql(_driver_sql(conn, _UNRANK), unranked)
