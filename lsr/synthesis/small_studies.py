"""Tests for small-study effects (funnel plot asymmetry), the strength rule's publication-bias step.

Done as the Cochrane Handbook (chapter 13.3.5) says these tests are to be used:

- **Only from ``MIN_K`` (10) studies in the pool.** With fewer the tests have too little power to tell
  chance from asymmetry (Handbook 13.3.5.4); below that publication bias is not assessed, and the reports'
  method note says so.
- **Egger's regression test** (Egger et al. 1997, BMJ 315:629-634) for every pool except the one below:
  ordinary least squares of each study's standard normal deviate (y / se) on its precision (1 / se); the
  intercept measures the asymmetry and is tested with t on k - 2 degrees of freedom. A positive intercept
  means that the less precise (smaller) studies have larger y. y is on the analysis scale (the log of a
  ratio, Fisher's z of a correlation, an SMD or MD as it is), so this covers continuous outcomes, hazard
  ratios and any ratio given as an estimate with its CI.
- **Peters' test** (Peters et al. 2006, JAMA 295:676-680) for a pool whose every study was extracted as
  counts per arm: Egger's test gives false positives with odds ratios (Handbook 13.3.5.4), because a log odds
  ratio and its standard error are correlated even without bias. Weighted least squares of the study's log
  ratio (y, as pooled) on 1 / N, N the study's total sample size (both arms), weighted by
  1 / (1 / E + 1 / F), E the participants with the outcome and F those without (both arms together), i.e.
  E * F / N: the variance of the average event rate, as Peters defined it and as R's ``meta::metabias``
  (method "Peters") computes it. The slope on 1 / N measures the asymmetry (positive: smaller studies have
  larger y), tested with t on k - 2 degrees of freedom.

Both regressions are fitted by statsmodels (``OLS``, ``WLS``); the p-value is two-sided. The threshold is
``ALPHA`` (0.10), the conventional one for these tests because they have low power (Egger et al. 1997 used
it). A p below it is a sign of small-study effects, of which publication bias is one cause (others:
heterogeneity that goes with size, chance); GRADE rates down for it as "publication bias strongly suspected".
A test that finds nothing does not rule publication bias out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_K = 10  # Cochrane Handbook 13.3.5.4: tests for funnel plot asymmetry only with at least 10 studies
ALPHA = 0.10  # two-sided; conventional for these tests of low power (Egger et al. 1997)
EGGER = "Egger"
PETERS = "Peters"


@dataclass(frozen=True)
class SmallStudyTest:
    """The result of one small-study test on a pool.

    ``coefficient`` is the asymmetry on the analysis scale: Egger's intercept, or Peters' slope on 1 / N;
    positive means the smaller (less precise) studies have larger y.
    """

    test: str  # EGGER or PETERS
    k: int
    coefficient: float
    p: float

    @property
    def asymmetric(self) -> bool:
        """Whether the test finds small-study effects (two-sided p below ``ALPHA``)."""
        return self.p < ALPHA


def uses_peters(studies) -> bool:
    """Whether a pool is tested with Peters' test: every study extracted as counts per arm."""
    return bool(studies) and all(s.counts is not None for s in studies)


def small_study_test(studies) -> SmallStudyTest | None:
    """The small-study test of a pool's studies (``StudyEffect``), or None: fewer than ``MIN_K`` studies, or
    a predictor that does not vary (every study equally precise or equally large), or, for Peters' test, fewer
    than ``MIN_K`` studies with participants both with and without the outcome: no test is possible.
    """
    k = len(studies)
    if k < MIN_K:
        return None
    import numpy as np
    import statsmodels.api as sm

    y = np.array([s.y for s in studies], dtype=float)
    if uses_peters(studies):
        totals = np.array([s.counts[1] + s.counts[3] for s in studies], dtype=float)
        events = np.array([s.counts[0] + s.counts[2] for s in studies], dtype=float)
        x = 1 / totals
        if np.ptp(x) == 0:
            return None
        with np.errstate(divide="ignore"):  # no one (or everyone) with the outcome: weight 0, as E * F / N says
            weights = 1 / (1 / events + 1 / (totals - events))  # = E * F / N (Peters et al. 2006)
        if np.count_nonzero(weights) < MIN_K:
            return None
        fit = sm.WLS(y, sm.add_constant(x), weights=weights).fit()
        test, coefficient, p = PETERS, float(fit.params[1]), float(fit.pvalues[1])
    else:
        se = np.sqrt(np.array([s.v for s in studies], dtype=float))
        if np.ptp(se) == 0:
            return None
        fit = sm.OLS(y / se, sm.add_constant(1 / se)).fit()
        test, coefficient, p = EGGER, float(fit.params[0]), float(fit.pvalues[0])
    if not math.isfinite(p):  # a perfect fit (no residual variance) tests nothing
        return None
    return SmallStudyTest(test, k, coefficient, p)
