"""Screening-performance metrics for one simulated screening order.

This module owns the field's ranking metrics (WSS, recall, ATD). Every function takes the labels of
the pool *in the order they were screened* (1 = relevant, 0 = irrelevant; prior knowledge already
removed) and the size of the whole pool, which may be larger than the screened prefix (a simulation stops
at the last relevant record; everything after it is irrelevant by construction).

Definitions (``pool`` = records in the pool, ``R`` = relevant records in the pool, positions are 1-based
counts of records screened):

- ``wss(r)`` = ``(pool - screened_at_recall) / pool - (1 - r)`` where ``screened_at_recall`` is the
  number screened when ``ceil(r * R)`` relevant records have been found. WSS@95 uses ``r = 0.95``,
  WSS@100 ``r = 1``.
- ``recall_at(f)`` = fraction of ``R`` found after screening ``floor(f * pool)`` records (at least one).
- ``atd`` (average time to discovery) = mean over the relevant records of ``position / pool``.
- ``last_relevant`` = ``position of the last relevant record / pool``.

All values are fractions in 0-1 (WSS can be slightly negative for a ranking worse than random).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

__all__ = ["ScreeningMetrics", "atd", "compute_metrics", "last_relevant", "recall_at", "wss"]


def _positions(order_labels: Sequence[int] | np.ndarray) -> np.ndarray:
    """1-based positions of the relevant records in the screening order."""
    arr = np.asarray(order_labels, dtype=int)
    return np.flatnonzero(arr == 1) + 1


def _check(order_labels: Sequence[int] | np.ndarray, pool: int) -> np.ndarray:
    pos = _positions(order_labels)
    if pool < len(order_labels):
        raise ValueError(f"pool ({pool}) is smaller than the screened prefix ({len(order_labels)})")
    if pos.size == 0:
        raise ValueError("the screened records contain no relevant record: the metric is undefined")
    return pos


def wss(order_labels: Sequence[int] | np.ndarray, pool: int, recall: float) -> float:
    """Work saved over sampling at a recall level.

    Args:
        order_labels: labels in screening order (must contain every relevant record of the pool).
        pool: number of records in the pool.
        recall: target recall in (0, 1], e.g. 0.95.

    Returns:
        ``(pool - screened_at_recall) / pool - (1 - recall)``.
    """
    pos = _check(order_labels, pool)
    needed = max(1, math.ceil(recall * pos.size - 1e-9))
    screened = int(pos[needed - 1])
    return (pool - screened) / pool - (1.0 - recall)


def recall_at(order_labels: Sequence[int] | np.ndarray, pool: int, fraction: float = 0.10) -> float:
    """Fraction of the relevant records found after screening ``floor(fraction * pool)`` records."""
    pos = _check(order_labels, pool)
    n = max(1, math.floor(fraction * pool + 1e-9))
    return float(np.sum(pos <= n) / pos.size)


def atd(order_labels: Sequence[int] | np.ndarray, pool: int) -> float:
    """Average time to discovery: mean fraction of the pool screened when each relevant record is found."""
    pos = _check(order_labels, pool)
    return float(np.mean(pos) / pool)


def last_relevant(order_labels: Sequence[int] | np.ndarray, pool: int) -> float:
    """Fraction of the pool screened when the last relevant record is found."""
    pos = _check(order_labels, pool)
    return float(pos[-1] / pool)


@dataclass(frozen=True)
class ScreeningMetrics:
    """The issue-5 metrics of one screening order (fractions in 0-1)."""

    wss95: float
    wss100: float
    recall10: float
    atd: float
    last_relevant: float

    def as_dict(self) -> dict[str, float]:
        """Plain dict, for JSON output."""
        return asdict(self)


def compute_metrics(order_labels: Sequence[int] | np.ndarray, pool: int) -> ScreeningMetrics:
    """All metrics of one screening order.

    Args:
        order_labels: labels in screening order, at least up to the last relevant record.
        pool: number of records in the pool (priors excluded).

    Raises:
        ValueError: when no relevant record was screened or ``pool`` is too small.
    """
    return ScreeningMetrics(
        wss95=wss(order_labels, pool, 0.95),
        wss100=wss(order_labels, pool, 1.0),
        recall10=recall_at(order_labels, pool, 0.10),
        atd=atd(order_labels, pool),
        last_relevant=last_relevant(order_labels, pool),
    )
