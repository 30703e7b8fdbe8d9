"""One call from a review's records and decisions to a ranking: the entry point for the screening service.

This module owns ``rank_records``: given the records of a review (texts, optionally OpenAlex ids and
``referenced_works``, or a cached ``FeatureStore`` matrix) and the current title/abstract labels, it
trains the named model and ranks every unlabelled record, or falls back to the cold-start ranking
(``lsr.ranking.coldstart``) while the labels lack an inclusion or an exclusion. The result carries what a
``ModelRun`` row needs: model name and parameters, label counts and duration.

Typical use from a DB-backed service::

    store = FeatureStore.load(path) if path.exists() else FeatureStore()
    store.add(record_ids, texts)          # only new records are hashed
    store.save(path)
    X = store.matrix()                    # rows in store order
    result = rank_records(texts, labels, features=X, openalex_ids=oa_ids, referenced_works=refs,
                          query=protocol.search.query, question=protocol.question,
                          history=[(z_text, z_citation, label) for each screened record, oldest first])
    # store result.order / result.scores and result.components (the z-scores) with the ranking, and
    # result.as_model_run() as the ModelRun; a decision on a record later adds its stored z-scores to
    # the history. Without a history the default ranker ranks by text alone.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from lsr.ranking.citations import CitationGraph
from lsr.ranking.coldstart import coldstart_scores
from lsr.ranking.default import DefaultRanker
from lsr.ranking.features import FeatureStore
from lsr.ranking.models import Corpus
from lsr.ranking.registry import make_ranker

__all__ = ["RankResult", "rank_records"]


@dataclass
class RankResult:
    """A ranking of the unlabelled records of one review.

    Attributes:
        order: indices (into the input records) of the unlabelled records, best first.
        scores: score of each record in ``order`` (same length; higher = more likely relevant).
        model: the model that produced it (``"coldstart"`` before both classes are labelled).
        params: model and feature parameters, for a ModelRun log.
        components: per-model scores aligned with ``order`` (``default``: ``z_text``, ``z_citation``);
            store them with the ranking so screened records can feed ``history`` later.
        n_labels: labels used for training.
        n_included: inclusions among them.
        seconds: wall time of feature access, training and ranking.
    """

    order: np.ndarray
    scores: np.ndarray
    model: str
    params: dict = field(default_factory=dict)
    components: dict[str, np.ndarray] = field(default_factory=dict)
    n_labels: int = 0
    n_included: int = 0
    seconds: float = 0.0

    def as_model_run(self) -> dict:
        """The fields of a ``ModelRun`` row."""
        return {
            "model": self.model,
            "params": self.params,
            "n_labels": self.n_labels,
            "n_included": self.n_included,
            "duration_seconds": round(self.seconds, 4),
        }


def rank_records(
    texts: Sequence[str] | None,
    labels_by_index: Mapping[int, int],
    model: str = "default",
    *,
    query: str | None = None,
    question: str | None = None,
    features: sp.csr_matrix | None = None,
    openalex_ids: Sequence[str | None] | None = None,
    referenced_works: Sequence[Sequence[str] | None] | None = None,
    history: Sequence[tuple[float, float, int]] = (),
    graph: CitationGraph | None = None,
    seed: int = 0,
) -> RankResult:
    """Rank the unlabelled records of a review.

    Args:
        texts: title + abstract per record (``features.record_text``); used for cold start and, when
            ``features`` is None, to build the TF-IDF matrix. May be None when ``features`` is given and
            the labels hold an inclusion and an exclusion (a caller with a cached matrix skips reading them).
        labels_by_index: index into ``texts`` -> 1 (include) or 0 (exclude); the current labels.
        model: ``default``, ``elas_u4`` or ``random``.
        query: the protocol's search query (cold start).
        question: the protocol's research question (cold start).
        features: a cached TF-IDF matrix with one row per text (e.g. ``FeatureStore.matrix()``).
        openalex_ids: OpenAlex id per record, for citation links.
        referenced_works: OpenAlex ``referenced_works`` per record, for citation links.
        history: for ``default``: ``(z_text, z_citation, label)`` per screened record, the z-scores taken
            from ``RankResult.components`` of the ranking the record was screened from (oldest first).
            Without it the default ranker weighs text only until it has seen screening outcomes.
        graph: a cached ``CitationGraph`` of the same records (instead of ``openalex_ids`` and
            ``referenced_works``; building one takes seconds at 100 k records, so cache it per review).
        seed: model seed (liblinear shuffling, ``random``).

    Returns:
        A ``RankResult`` covering every unlabelled record.

    Raises:
        ValueError: for an unknown model, a label other than 0/1, or misaligned inputs.
    """
    started = time.perf_counter()
    if texts is None and features is None:
        raise ValueError("rank_records needs texts or features")
    n = len(texts) if texts is not None else features.shape[0]
    if features is not None and features.shape[0] != n:
        raise ValueError(f"features has {features.shape[0]} rows for {n} records")
    labelled = np.fromiter((int(i) for i in labels_by_index), dtype=np.int64, count=len(labels_by_index))
    y = np.fromiter((int(v) for v in labels_by_index.values()), dtype=np.int64, count=len(labels_by_index))
    if np.any((y != 0) & (y != 1)):
        raise ValueError("labels must be 0 (exclude) or 1 (include)")
    if labelled.size and (labelled.min() < 0 or labelled.max() >= n):
        raise ValueError("a label refers to a record index outside the records")
    unlabelled = np.ones(n, dtype=bool)
    unlabelled[labelled] = False
    pool = np.flatnonzero(unlabelled)  # np.setdiff1d sorts both arrays: 3 ms of a retrain at 10 k records
    ranker = DefaultRanker(seed, history=history) if model == "default" else make_ranker(model, seed)
    if model != "random" and (y.size == 0 or y.min() == y.max()):
        if texts is None:
            raise ValueError("the cold-start ranking (no inclusion and exclusion yet) needs texts")
        scores = coldstart_scores([texts[i] for i in pool], query, question)
        pick = np.argsort(-scores, kind="stable")
        return RankResult(
            order=pool[pick],
            scores=scores[pick],
            model="coldstart",
            params={"model": "coldstart-bm25", "query": query, "question": question},
            n_labels=int(y.size),
            n_included=int(y.sum()),
            seconds=time.perf_counter() - started,
        )
    if features is None:
        store = FeatureStore()
        store.add([str(i) for i in range(n)], list(texts))
        features = store.matrix()
        feature_params = store.params()
    else:
        feature_params = {"features": "cached"}
    if graph is None and openalex_ids is not None and referenced_works is not None:
        graph = CitationGraph(list(openalex_ids), list(referenced_works))
    corpus = Corpus(X=sp.csr_matrix(features), graph=graph)
    ranker.fit(corpus, labelled, y)
    scores = ranker.scores(corpus, pool)
    pick = np.argsort(-scores, kind="stable")
    components = {k: np.asarray(v)[pick] for k, v in getattr(ranker, "components", {}).items()}
    return RankResult(
        order=pool[pick],
        scores=np.asarray(scores)[pick],
        components=components,
        model=model,
        params={**ranker.params(), **feature_params},
        n_labels=int(y.size),
        n_included=int(y.sum()),
        seconds=time.perf_counter() - started,
    )
