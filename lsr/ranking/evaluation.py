"""The evaluation protocol behind ``lsr simulate``'s comparison: means over reviews with bootstrap intervals.

This module owns how a simulation is summarised *across reviews*. The unit is the review, not the run:
each review contributes one value per model (its WSS@95, mean over seeds), so a review with more seeds
or more records weighs no more than any other. For every mode and model it reports

- the mean over reviews with a 95 % bootstrap confidence interval (``scipy.stats.bootstrap``, percentile
  method, 10 000 resamples of the reviews, fixed ``random_state`` so the table is reproducible);
- against a baseline model (ELAS u4 by default): the mean paired difference with its bootstrap interval,
  the number of reviews won and lost, and every loss by name, worst first.

The intervals describe the spread over *these* reviews; with a dozen reviews they are wide, which is the
point: a difference whose interval includes 0 has not been shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["CONFIDENCE", "bootstrap_mean", "compare"]

CONFIDENCE = 0.95
RESAMPLES = 10_000


def bootstrap_mean(values: Sequence[float], seed: int = 0) -> tuple[float, float | None, float | None]:
    """Mean of ``values`` and the 95 % percentile-bootstrap interval of the mean (None below 2 values)."""
    arr = np.asarray(values, dtype=np.float64)
    mean = float(arr.mean())
    if arr.size < 2 or np.all(arr == arr[0]):
        return mean, (mean if arr.size >= 2 else None), (mean if arr.size >= 2 else None)
    res = stats.bootstrap(
        (arr,),
        np.mean,
        confidence_level=CONFIDENCE,
        n_resamples=RESAMPLES,
        method="percentile",
        random_state=np.random.default_rng(seed),
    )
    return mean, float(res.confidence_interval.low), float(res.confidence_interval.high)


def compare(summary: list[dict], baseline: str | None = "elas_u4", metric: str = "wss95") -> list[dict]:
    """Per mode and model: mean over reviews with its interval and, against ``baseline``, paired gaps.

    Args:
        summary: ``simulate(...)["summary"]`` rows (one per mode, dataset and model; ``mean`` rows ignored).
        baseline: model to compare against (skipped when absent).
        metric: the summary column compared.

    Returns:
        One dict per (mode, model): ``mode, model, reviews, mean, low, high`` and, for models other than
        the baseline, ``baseline, diff, diff_low, diff_high, wins, losses`` (``losses``: list of
        ``{"dataset", "diff"}`` with ``diff < 0``, worst first) and ``worst`` (most negative gap).
    """
    out: list[dict] = []
    for mode in dict.fromkeys(r["mode"] for r in summary):
        rows = [
            r for r in summary if r["mode"] == mode and r["dataset"] != "mean" and r.get(metric) is not None
        ]
        value = {(r["dataset"], r["model"]): float(r[metric]) for r in rows}
        models = list(dict.fromkeys(r["model"] for r in rows))
        for model in models:
            mine = {ds: v for (ds, m), v in value.items() if m == model}
            mean, low, high = bootstrap_mean(list(mine.values()))
            row = {
                "mode": mode,
                "model": model,
                "metric": metric,
                "reviews": len(mine),
                "mean": mean,
                "low": low,
                "high": high,
            }
            if baseline and model != baseline and baseline in models:
                shared = [ds for ds in mine if (ds, baseline) in value]
                gaps = {ds: mine[ds] - value[(ds, baseline)] for ds in shared}
                if gaps:
                    diff, dlow, dhigh = bootstrap_mean(list(gaps.values()))
                    losses = sorted(
                        ({"dataset": ds, "diff": g} for ds, g in gaps.items() if g < 0),
                        key=lambda x: x["diff"],
                    )
                    row.update(
                        baseline=baseline,
                        diff=diff,
                        diff_low=dlow,
                        diff_high=dhigh,
                        wins=sum(g > 0 for g in gaps.values()),
                        losses=losses,
                        worst=min(gaps.values()),
                    )
            out.append(row)
    return out
