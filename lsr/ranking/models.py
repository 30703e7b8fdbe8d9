"""Rankers behind one small interface (names are looked up in ``lsr.ranking.registry``).

This module owns the models ``lsr`` can rank with. Every ranker works on a ``Corpus`` (the review's
feature matrix plus optional citation graph) and row indices into it:

- ``fit(corpus, labelled, y)`` trains on the labelled rows (both classes present);
- ``scores(corpus, rows)`` returns one score per row, higher = more likely relevant;
- ``rank(corpus, rows)`` returns the rows best-first (stable: ties keep row order).

Names: ``elas_u4`` is ASReview's ELAS u4 built with
``ActiveLearningCycle.from_meta(get_ai_config("elas_u4")["value"])``; ``random`` is the floor;
``default`` is the project's ranker (``lsr.ranking.default``; docs/simulation.md says why it is what it is).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.svm import LinearSVC

from lsr.ranking.citations import CitationGraph

__all__ = [
    "Corpus",
    "ElasU4Ranker",
    "RandomRanker",
    "Ranker",
    "TextSVMRanker",
]


@dataclass
class Corpus:
    """What a ranker may look at for one review: one row per record.

    Attributes:
        X: TF-IDF matrix (``FeatureStore.matrix()`` or ASReview's own for ``elas_u4`` in simulations).
        graph: citation links inside the pool, when ``referenced_works`` are known.
    """

    X: sp.csr_matrix
    graph: CitationGraph | None = None
    _tokens: sp.csr_matrix | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of records."""
        return int(self.X.shape[0])

    def citation_tokens(self) -> sp.csr_matrix | None:
        """``graph.token_matrix()``, computed once per corpus (None without a graph)."""
        if self.graph is None:
            return None
        if self._tokens is None:
            self._tokens = self.graph.token_matrix()
        return self._tokens


class Ranker(ABC):
    """A model that learns from labelled rows and scores the others."""

    name: str = "ranker"

    @abstractmethod
    def fit(self, corpus: Corpus, labelled: np.ndarray, y: np.ndarray) -> Ranker:
        """Train on ``corpus`` rows ``labelled`` with labels ``y`` (1 = include, 0 = exclude)."""

    @abstractmethod
    def scores(self, corpus: Corpus, rows: np.ndarray) -> np.ndarray:
        """Relevance scores of ``rows`` (higher first)."""

    def rank(self, corpus: Corpus, rows: np.ndarray) -> np.ndarray:
        """``rows`` ordered best-first; ties keep their given order."""
        rows = np.asarray(rows)
        return rows[np.argsort(-self.scores(corpus, rows), kind="stable")]

    def params(self) -> dict:
        """Name and parameters, for a ModelRun log."""
        return {"model": self.name}


def balanced_weights(y: np.ndarray, ratio: float) -> np.ndarray:
    """ASReview's ``balanced`` sample weights: inclusions weigh ``ratio`` times the class-size balance."""
    y = np.asarray(y)
    n1, n0 = int(np.sum(y == 1)), int(np.sum(y == 0))
    w = np.where(y == 1, 1.0, n1 / (ratio * n0))
    return w * (len(y) / w.sum())


def decision_values(clf, X: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """A fitted linear classifier's decision values for ``rows`` of ``X``.

    For most of a large matrix it is cheaper to multiply the whole matrix (in its own dtype) than to
    copy the selected rows first.
    """
    rows = np.asarray(rows)
    if len(rows) > X.shape[0] // 2:
        coef = np.asarray(clf.coef_, dtype=X.dtype).ravel()
        return (X @ coef)[rows].astype(np.float64) + float(np.ravel(clf.intercept_)[0])
    return np.asarray(X[rows] @ np.asarray(clf.coef_, dtype=np.float64).ravel()) + float(
        np.ravel(clf.intercept_)[0]
    )


class CompactLinearSVC:
    """``LinearSVC`` trained on only the columns the training rows use.

    liblinear's time grows with the width of the matrix (its weight vector is accessed at random), and
    a review's TF-IDF matrix is much wider than the vocabulary of its labelled records. Columns that no
    training row uses get weight 0 in either case, so the model is the same; training is ~2x faster.
    """

    def __init__(self, C: float, seed: int | None) -> None:
        self.C, self.seed = C, seed
        self.coef_: np.ndarray = np.zeros(0)
        self.intercept_ = 0.0

    def fit(
        self, X: sp.csr_matrix, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> CompactLinearSVC:
        """Train on the rows of ``X`` (all of them: slice the labelled rows first)."""
        X = sp.csr_matrix(X)
        used = np.zeros(X.shape[1], dtype=bool)
        used[X.indices] = True
        cols = np.flatnonzero(used)
        lut = np.zeros(X.shape[1], dtype=np.int32)
        lut[cols] = np.arange(len(cols), dtype=np.int32)
        narrow = sp.csr_matrix((X.data, lut[X.indices], X.indptr), shape=(X.shape[0], max(len(cols), 1)))
        clf = LinearSVC(C=self.C, random_state=self.seed).fit(narrow, y, sample_weight=sample_weight)
        self.coef_ = np.zeros(X.shape[1], dtype=np.float64)
        self.coef_[cols] = clf.coef_.ravel()[: len(cols)]
        self.intercept_ = float(clf.intercept_[0])
        return self

    def decision_function(self, X: sp.csr_matrix) -> np.ndarray:
        """Decision values of every row of ``X``."""
        return np.asarray(X @ self.coef_.astype(X.dtype, copy=False), dtype=np.float64) + self.intercept_


class ElasU4Ranker(Ranker):
    """ASReview's ELAS u4 (TF-IDF + linear SVM, balanced), built through ``asreview``."""

    name = "elas_u4"

    def __init__(self, seed: int | None = 0) -> None:
        from asreview.learner import ActiveLearningCycle
        from asreview.models.models import get_ai_config

        self.cycle = ActiveLearningCycle.from_meta(get_ai_config("elas_u4")["value"])
        if seed is not None:  # liblinear's coordinate descent shuffles; seed it for reproducible runs
            self.cycle.classifier.set_params(random_state=seed)

    def fit(self, corpus: Corpus, labelled: np.ndarray, y: np.ndarray) -> ElasU4Ranker:
        self.cycle.fit(corpus.X[labelled], np.asarray(y))
        return self

    def scores(self, corpus: Corpus, rows: np.ndarray) -> np.ndarray:
        return decision_values(self.cycle.classifier, corpus.X, rows)

    def params(self) -> dict:
        meta = self.cycle.to_meta()
        return {
            "model": self.name,
            "classifier": meta.classifier,
            "classifier_param": {k: v for k, v in meta.classifier_param.items() if k in ("C", "loss")},
            "balancer": meta.balancer,
            "balancer_param": meta.balancer_param,
        }


class RandomRanker(Ranker):
    """Screens in one seeded random order (the floor every model must beat)."""

    name = "random"

    def __init__(self, seed: int | None = 0) -> None:
        self.seed = seed
        self._keys: np.ndarray | None = None

    def fit(self, corpus: Corpus, labelled: np.ndarray, y: np.ndarray) -> RandomRanker:
        if self._keys is None or len(self._keys) != corpus.n:
            self._keys = np.random.RandomState(self.seed).random_sample(corpus.n)
        return self

    def scores(self, corpus: Corpus, rows: np.ndarray) -> np.ndarray:
        if self._keys is None or len(self._keys) != corpus.n:
            self.fit(corpus, np.empty(0, dtype=int), np.empty(0, dtype=int))
        assert self._keys is not None
        return self._keys[rows]

    def params(self) -> dict:
        return {"model": self.name, "seed": self.seed}


class TextSVMRanker(Ranker):
    """Linear SVM on the text features with ELAS u4's settings (C 0.11, balanced ratio 9.8)."""

    name = "text_svm"

    def __init__(self, C: float = 0.11, ratio: float = 9.8, seed: int | None = 0) -> None:
        self.C, self.ratio, self.seed = C, ratio, seed
        self.clf = CompactLinearSVC(C=C, seed=seed)

    def fit(self, corpus: Corpus, labelled: np.ndarray, y: np.ndarray) -> TextSVMRanker:
        y = np.asarray(y)
        self.clf.fit(corpus.X[labelled], y, sample_weight=balanced_weights(y, self.ratio))
        return self

    def scores(self, corpus: Corpus, rows: np.ndarray) -> np.ndarray:
        return decision_values(self.clf, corpus.X, rows)

    def params(self) -> dict:
        return {"model": self.name, "classifier": "linear_svm", "C": self.C, "balance_ratio": self.ratio}

