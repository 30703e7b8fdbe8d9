"""lsr's default ranker: text and citations, combined by what screening has shown so far.

This module owns ``DefaultRanker`` (model name ``default``). Two linear SVMs with ELAS u4's settings
(C 0.11, balanced ratio 9.8) score every record:

- the *text* model on the TF-IDF matrix (``FeatureStore``);
- the *citation* model on ``CitationGraph.token_matrix()`` (shared references, direct citations and
  co-citations inside the pool, as TF-IDF "words").

Their scores are standardised over the pool (z-scores) and added with weights from a logistic regression
fitted on the *prequential history*: for every record screened so far, the two z-scores it had when it
was ranked, before its label was known, and that label. Those are honest out-of-sample predictions drawn
from the part of the ranking reviewers actually see, so the weights say how much each model helps *on
this review*: where citations carry no signal (few links, generic reference lists) their weight stays
near 0 and the ranker behaves like ELAS u4. A cross-validated stacker does not work here: inside the
labelled set, inclusions share references with each other, so citations look far more useful than they
are for the inclusions still in the pool (docs/simulation.md has the numbers).

Until the history holds an inclusion and an exclusion the text model ranks alone. Negative weights are
clipped to 0 (non-negative stacking); when both are 0 the text model ranks alone.

Two refinements keep the citation view from costing a review where its signal fades (Menon_2022 lost 12
points of WSS@95 to ELAS u4 in update mode without them; docs/simulation.md, rounds 2 and 3):

- citation z-scores are clipped at 0: a record whose references resemble those of excluded records is
  not pushed down, since the last inclusions of a review often cite the same on-topic papers as its
  exclusions; only shared references *with inclusions* speak for a record;
- the history is weighted by recency in inclusions found (half-life ``HISTORY_HALF_LIFE``): early in
  screening, inclusions and high citation scores both sit at the top of the ranking, and a pooled fit
  would read that shared trend as the citation view still helping after it has stopped.

The history lives on the ranker: a ranker kept across decisions (the simulation, a long-lived screener)
collects it itself; a stateless caller passes ``history`` (see ``rank_records``) built from the
``components`` it stored with each ranking.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from lsr.ranking.models import CompactLinearSVC, Corpus, Ranker, balanced_weights, decision_values

__all__ = ["DefaultRanker", "zscore"]

C_SVM = 0.11
BALANCE_RATIO = 9.8
CITATION_FLOOR = 0.0
"""Citation z-scores below this count as no evidence: only shared references speak *for* a record."""
HISTORY_HALF_LIFE = 2.0
"""A decision weighs half as much in the combiner's fit for every two inclusions found after it."""


def zscore(values: np.ndarray) -> np.ndarray:
    """``(v - mean) / std`` (all zeros for a constant vector)."""
    values = np.asarray(values, dtype=np.float64)
    std = values.std()
    return (values - values.mean()) / std if std > 0 else np.zeros_like(values)


def logistic_coef(Z: np.ndarray, y: np.ndarray, C: float = 1.0, max_iter: int = 100,
                  sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Coefficients of an L2-penalised logistic regression (sklearn's ``LogisticRegression(C=C)`` objective:
    ``0.5 |w|^2 + C * sum(sample_weight * log-loss)``, intercept unpenalised), by Newton's method.

    sklearn's solver costs ~10 ms per call on a few hundred rows of two features, which would be most of
    a retrain; this takes microseconds and reaches the same optimum (the problem is strictly convex).
    """
    Z = np.asarray(Z, dtype=np.float64)
    A = np.column_stack([Z, np.ones(len(Z))])
    s = np.where(np.asarray(y) == 1, 1.0, -1.0)
    k = Z.shape[1]
    ridge = np.r_[np.ones(k), 0.0]
    theta = np.zeros(k + 1)
    sw = np.ones(len(Z)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)

    def objective(t: np.ndarray) -> float:
        return 0.5 * float(np.sum(ridge * t * t)) + C * float(np.sum(sw * np.logaddexp(0.0, -s * (A @ t))))

    value = objective(theta)
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(A @ theta)))  # P(y = 1)
        grad = ridge * theta + C * (A.T @ (sw * (p - (s > 0))))
        hess = np.diag(ridge) + C * (A.T * (sw * p * (1.0 - p))) @ A + 1e-12 * np.eye(k + 1)
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-8:
            candidate = theta - t * step
            new = objective(candidate)
            if new <= value:
                break
            t *= 0.5
        theta, value = candidate, new
        if float(np.max(np.abs(t * step))) < 1e-10:
            break
    return theta[:k]


class DefaultRanker(Ranker):
    """Text SVM + citation SVM, weighted by a logistic regression on the prequential history.

    Args:
        seed: liblinear's shuffling seed.
        history: earlier ``(z_text, z_citation, label)`` triples, oldest first.
    """

    name = "default"

    def __init__(self, seed: int | None = 0, history: Iterable[tuple[float, float, int]] = ()) -> None:
        self.seed = seed
        self.history: list[tuple[float, float, int]] = [(float(a), float(b), int(c)) for a, b, c in history]
        self.weights = np.array([1.0, 0.0])
        self._text = CompactLinearSVC(C=C_SVM, seed=seed)
        self._cit: CompactLinearSVC | None = None
        self._pending: tuple[np.ndarray, np.ndarray, np.ndarray] = (np.empty(0, dtype=np.int64),) * 3
        self._seen: set[int] = set()
        self.components: dict[str, np.ndarray] = {}

    def _absorb(self, labelled: np.ndarray, y: np.ndarray) -> None:
        """Move newly labelled rows that were ranked by this ranker into the history."""
        rows, z_text, z_cit = self._pending
        if not len(rows):  # nothing ranked by this ranker is waiting for its label (a stateless caller)
            self._seen.update(labelled.tolist())
            return
        for row, label in zip(labelled.tolist(), y.tolist(), strict=True):
            if row in self._seen:
                continue
            self._seen.add(row)
            at = int(np.searchsorted(rows, row))
            if at < len(rows) and rows[at] == row:
                self.history.append((float(z_text[at]), float(z_cit[at]), int(label)))
        self._pending = (np.empty(0, dtype=np.int64), np.empty(0), np.empty(0))

    def _fit_weights(self) -> None:
        h = np.asarray(self.history, dtype=np.float64).reshape(-1, 3)
        labels = h[:, 2]
        if labels.size == 0 or labels.min() == labels.max():
            self.weights = np.array([1.0, 0.0])
            return
        after = labels[::-1].cumsum()[::-1] - labels  # inclusions found after each decision
        recent = 0.5 ** (after / HISTORY_HALF_LIFE)
        w = np.clip(logistic_coef(h[:, :2], labels, C=1.0, sample_weight=recent), 0.0, None)
        self.weights = w if w.sum() > 0 else np.array([1.0, 0.0])

    @staticmethod
    def normalise(values: np.ndarray) -> np.ndarray:
        """Put a component's pool scores on a common scale (z-scores)."""
        return zscore(values)

    def fit(self, corpus: Corpus, labelled: np.ndarray, y: np.ndarray) -> DefaultRanker:
        labelled, y = np.asarray(labelled), np.asarray(y)
        self._absorb(labelled, y)
        sw = balanced_weights(y, BALANCE_RATIO)
        self._text.fit(corpus.X[labelled], y, sample_weight=sw)
        tokens = corpus.citation_tokens()
        self._cit = None
        if tokens is not None and tokens[labelled].nnz:
            self._cit = CompactLinearSVC(C=C_SVM, seed=self.seed).fit(tokens[labelled], y, sample_weight=sw)
        self._fit_weights()
        return self

    def scores(self, corpus: Corpus, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows)
        z_text = self.normalise(decision_values(self._text, corpus.X, rows))
        tokens = corpus.citation_tokens()
        if self._cit is not None and tokens is not None:
            z_cit = np.maximum(self.normalise(decision_values(self._cit, tokens, rows)), CITATION_FLOOR)
        else:
            z_cit = np.zeros(len(rows))
        self.components = {"z_text": z_text, "z_citation": z_cit}
        order = np.argsort(rows, kind="stable")
        self._pending = (rows[order], z_text[order], z_cit[order])
        return self.weights[0] * z_text + self.weights[1] * z_cit

    def params(self) -> dict:
        return {
            "model": self.name,
            "text": {"classifier": "linear_svm", "C": C_SVM, "balance_ratio": BALANCE_RATIO},
            "citation": {"classifier": "linear_svm", "C": C_SVM, "features": "citation-tokens"},
            "weights": {"text": float(self.weights[0]), "citation": float(self.weights[1])},
            "history": len(self.history),
        }
