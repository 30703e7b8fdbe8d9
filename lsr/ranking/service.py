"""Ranking a review in the database: train on its decisions, rank its unscreened records, log a ModelRun.

Every settled title/abstract decision of the review trains the model (all earlier update rounds
included: the living-review advantage); ``maybe`` is left out of training. Before the review has one
inclusion and one exclusion the ranking is by relevance to the protocol's query and question. The
TF-IDF features live in a per-review cache (``reviews/<id>/.cache/features.npz``) that grows with the
records instead of being rebuilt. The new order is written as ``Record.rank`` (0 = first) in one short
write transaction, prepared before the transaction starts so reviewers' decisions barely wait.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from sqlalchemy import update
from sqlmodel import select

from lsr.decisions import TA, settled_labels
from lsr.models import ModelRun, Record
from lsr.ranking.api import rank_records
from lsr.ranking.features import FeatureStore, record_text

DEFAULT_MODEL = os.environ.get("LSR_RANKER", "default")


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


def rerank_review(ws, review_id: str, model: str | None = None) -> ModelRun | None:
    """Train on the review's current labels and store a new ranking; returns the ModelRun (None if empty)."""
    started = time.perf_counter()
    proto = ws.protocol(review_id)
    model = model or DEFAULT_MODEL
    with ws.db.read() as s:
        rows = s.exec(select(Record.id, Record.title, Record.abstract, Record.openalex_id,
                             Record.referenced_works_json).where(Record.review_id == review_id)
                      .order_by(Record.id)).all()
        labels = settled_labels(s, review_id, TA, proto.screening.reviewers_per_record)
    if not rows:
        return None
    ids = [str(r[0]) for r in rows]
    texts = [record_text(r[1], r[2]) for r in rows]
    cache = feature_cache_path(ws, review_id)
    store = _load_store(cache)
    if store.add(ids, texts):
        tmp = cache.with_name("features.tmp.npz")
        store.save(tmp)
        os.replace(tmp, cache)
    matrix = store.matrix()[store.rows(ids)]
    index = {int(rid): i for i, rid in enumerate(ids)}
    train = {index[rid]: 1 if lab.label == "include" else 0 for rid, lab in labels.items()
             if rid in index and lab.label in ("include", "exclude")}
    result = rank_records(texts, train, model, query=proto.search.query, question=proto.question,
                          features=matrix, openalex_ids=[r[3] for r in rows],
                          referenced_works=[json.loads(r[4] or "[]") for r in rows])
    positions = {int(rows[i][0]): pos for pos, i in enumerate(result.order)}
    score_of = {int(rows[i][0]): float(sc) for i, sc in zip(result.order, result.scores, strict=True)}
    params = dict(result.params)
    if result.model == "coldstart":
        params["note"] = "no inclusion and exclusion yet: ranked by relevance to the query and question"
    run = ModelRun(review_id=review_id, model=result.model, params_json=json.dumps(params, default=str),
                   n_labels=result.n_labels, n_included=result.n_included, n_excluded=result.n_labels -
                   result.n_included, n_ranked=len(positions))
    updates = [{"id": int(r[0]), "rank": positions.get(int(r[0])), "rank_score": score_of.get(int(r[0]))}
               for r in rows]
    with ws.db.write() as s:
        run.duration_s = round(time.perf_counter() - started, 4)
        s.add(run)
        s.flush()
        for item in updates:
            item["rank_model_run_id"] = run.id
        s.execute(update(Record), updates)
    return run
