"""Random-effects meta-analysis per outcome and measure, computed by statsmodels.

Method (stated in every result as ``METHOD``): inverse-variance random-effects model with the between-study
variance tau² estimated by Paule-Mandel (``statsmodels.stats.meta_analysis.combine_effects`` with
``method_re="iterated"``), a Wald-type 95% CI, and a 95% prediction interval with a t distribution on
k-2 degrees of freedom (Higgins, Thompson & Spiegelhalter 2009; Cochrane Handbook 10.10.4.3). Why
Paule-Mandel rather than DerSimonian-Laird: DL underestimates tau² when heterogeneity is large, which
narrows the CI; Paule-Mandel and REML are the estimators recommended by Veroniki et al. (2016) and
Langan et al. (2019), and statsmodels offers Paule-Mandel (not REML). I² is Higgins' (Q - df) / Q.

Effects from counts are log risk or odds ratios from ``effectsize_2proportions`` (0.5 added to every cell
of a study with a zero cell; a study without events in either arm carries no information on a ratio and is
left out, saying so). Such a study also carries its events (both arms together, ``StudyEffect.events``),
which the strength rule's imprecision step counts for dichotomous outcomes. Effects given as an estimate
with a 95% CI get their standard error from the CI (on the analysis scale) and carry no events.
Ratio measures (RR, OR and the hazard ratio HR, which comes only as an estimate with its CI) are pooled on the
log scale and reported on the natural scale. ``odds_ratio_as_smd`` converts an odds ratio to a standardised
mean difference (Chinn 2000: SMD = ln(OR) x sqrt(3)/pi, its variance times 3/pi²; Cochrane Handbook 10.6),
for a protocol that pools an outcome measured both ways as one SMD.

A correlation coefficient (``r``: an association between two characteristics, as reviews of protective and
risk factors report it) is pooled on Fisher's z scale, z = atanh r, whose variance is 1/(n - 3) (Borenstein et
al. 2009, "Introduction to Meta-Analysis", ch. 6, "Effect sizes based on correlations"); the estimate, its CI
and the prediction interval are transformed back with tanh, so they stay inside -1 to 1, and tau² is on the z
scale. A correlation given with its 95% CI gets its standard error from the CI on the z scale, as any estimate
does; one given with ``n`` only (or whose CI has a bound rounded to -1 or 1, infinite on the z scale) gets
1/(n - 3). Its no-effect value is 0: no association. A correlation is never converted to another measure.

The scale of every measure is set here and nowhere else: ``analysis`` (to the scale pooled on), ``natural``
(back), ``slope``, ``null_value`` and ``scale_name``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

Z95 = 1.959963984540054
METHOD = "random effects (inverse variance), tau² by Paule-Mandel, Wald 95% CI, prediction interval t(k-2); statsmodels"
RATIO = ("RR", "OR", "HR")
CORRELATION = "r"  # Pearson's r; written in lower case, as statistics writes it (R is a multiple correlation)
FISHER_MIN_N = 4  # the variance of Fisher's z, 1/(n - 3), needs n of 4 or more
SMD_PER_LOG_OR = math.sqrt(3) / math.pi  # Chinn (2000): the logistic distribution's standard deviation


@dataclass
class StudyEffect:
    """One study's effect on one outcome, on the analysis scale (log for ratios)."""

    record_id: int
    label: str
    outcome: str
    measure: str
    y: float
    v: float
    n: int | None
    design: str | None
    risk_of_bias: str | None
    country: str | None
    weight: float | None = None  # share in the random-effects pool (0-1)
    events: int | None = None  # participants with the outcome, both arms together; None unless from counts
    reported_ci: tuple[float, float] | None = None  # the 95% CI as extracted (natural scale), when one was
    converted_from: str | None = None  # "OR"/"RR": converted to an SMD (``odds_ratio_as_smd``)
    counts: tuple[int, int, int, int] | None = None  # events and totals, treatment then control, when extracted so

    @property
    def estimate(self) -> float:
        return natural(self.measure, self.y)

    @property
    def ci(self) -> tuple[float, float]:
        """The study's 95% CI on the natural scale: as the paper reported it when extracted so (a CI that is
        not symmetric keeps its own limits; its width gave the variance), else from the variance."""
        if self.reported_ci is not None:
            return self.reported_ci
        half = Z95 * math.sqrt(self.v)
        return natural(self.measure, self.y - half), natural(self.measure, self.y + half)


@dataclass
class Pooled:
    """The pooled result of one (outcome, measure); ``estimate`` is None when fewer than two effects."""

    outcome: str
    measure: str
    studies: list[StudyEffect]
    n: int | None
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    pi_low: float | None = None
    pi_high: float | None = None
    i2: float | None = None
    tau2: float | None = None
    method: str | None = None
    notes: list[str] = field(default_factory=list)
    title: str | None = None  # "welbevinden (RR)" when the outcome has several measures (set by synthesize)

    @property
    def k(self) -> int:
        return len(self.studies)

    @property
    def events(self) -> int | None:
        """Events of the studies together, or None when any study's effect came without counts (or no study
        has an effect): a partial sum would understate the information the pool holds."""
        counts = [s.events for s in self.studies]
        if not counts or None in counts:
            return None
        return sum(counts)

    @property
    def null(self) -> float:
        """The value of "no difference" (for a correlation: no association) for this measure."""
        return null_value(self.measure)

    @property
    def interval(self) -> tuple[float, float, float] | None:
        """(estimate, 95% CI low, 95% CI high) on the natural scale: the pooled effect, or the single study's
        own effect and CI when only one study has an effect; None without an effect."""
        if self.estimate is not None:
            return self.estimate, self.ci_low, self.ci_high
        if self.k == 1:
            return (self.studies[0].estimate, *self.studies[0].ci)
        return None


def analysis(measure: str, x: float) -> float:
    """An effect on the scale it is pooled on: the log of a ratio, Fisher's z (atanh) of a correlation, a
    difference as it is. ``natural`` is its inverse."""
    if measure in RATIO:
        return math.log(x)
    if measure == CORRELATION:
        return math.atanh(x)
    return x


def natural(measure: str, y: float) -> float:
    """An effect on its reporting scale: ratios back from the log scale, a correlation back from Fisher's z."""
    if measure in RATIO:
        return math.exp(y)
    if measure == CORRELATION:
        return math.tanh(y)
    return y


def slope(measure: str, x: float) -> float:
    """How fast ``analysis`` changes at ``x`` (its derivative): how much a rounding of ``x`` moves it."""
    if measure in RATIO:
        return 1 / x
    if measure == CORRELATION:
        return 1 / (1 - x * x)
    return 1.0


def null_value(measure: str) -> float:
    """The no-effect value of a measure on its reporting scale: 1 for a ratio, 0 for a difference or a
    correlation (no association)."""
    return 1.0 if measure in RATIO else 0.0


def scale_name(measure: str) -> str | None:
    """The analysis scale in words ("the log scale", "Fisher's z scale"), None when it is the reporting scale."""
    return "the log scale" if measure in RATIO else "Fisher's z scale" if measure == CORRELATION else None


def fisher_z_variance(n: int) -> float:
    """The variance of Fisher's z of a correlation from ``n`` participants (``FISHER_MIN_N`` or more)."""
    return 1 / (n - 3)


def ci_has_width_on_scale(measure: str, low: float, high: float) -> bool:
    """Whether a CI gives a finite standard error on the analysis scale: not for a correlation's bound at -1
    or 1 (a bound rounded onto the end, infinite on Fisher's z scale)."""
    return measure != CORRELATION or (-1 < low and high < 1)


def convertible(effect: StudyEffect) -> bool:
    """Whether ``odds_ratio_as_smd`` can convert an effect: an odds ratio, or a risk ratio from counts."""
    return effect.measure == "OR" or (effect.measure == "RR" and effect.counts is not None)


def odds_ratio_as_smd(effect: StudyEffect) -> StudyEffect:
    """An odds ratio as a standardised mean difference (Chinn 2000): the log odds ratio times sqrt(3)/pi, its
    variance times 3/pi², an extracted CI's limits converted alike. A risk ratio from counts is first the odds
    ratio of its counts. Its events stay: it came as counts."""
    y, v = effect.y, effect.v
    if effect.measure == "RR":
        y, v = _log_ratio(*effect.counts, "odds-ratio")
    ci = effect.reported_ci
    return replace(effect, measure="SMD", y=y * SMD_PER_LOG_OR, v=v * SMD_PER_LOG_OR ** 2,
                   converted_from=effect.measure, weight=None,
                   reported_ci=tuple(math.log(x) * SMD_PER_LOG_OR for x in ci) if ci else None)


def _log_ratio(e1: int, n1: int, e2: int, n2: int, statistic: str) -> tuple[float, float]:
    """The log risk or odds ratio (``statistic``: statsmodels' name) of two arms' counts and its variance; 0.5
    added to every cell of a study with a zero cell."""
    import numpy as np
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    # statsmodels adds a float correction to every study it is given, so only zero-cell studies get it
    zero = 0 in (e1, e2, n1 - e1, n2 - e2)
    y, v = effectsize_2proportions(np.array([e1]), np.array([n1]), np.array([e2]), np.array([n2]),
                                   statistic=statistic, zero_correction=0.5 if zero else None)
    return float(y[0]), float(v[0])


def effect_of(row, label: str) -> tuple[StudyEffect | None, str | None]:
    """A study's effect from an extraction row, or (None, reason) when it has none usable."""
    common = dict(record_id=row.record_id, label=label, outcome=row.outcome, design=row.design,
                  risk_of_bias=row.risk_of_bias, country=row.country)
    if row.events_treatment is not None:
        e1, n1, e2, n2 = row.events_treatment, row.total_treatment, row.events_control, row.total_control
        if e1 == 0 and e2 == 0:
            return None, "no events in either arm"
        if e1 == n1 and e2 == n2:  # no information on a ratio (Cochrane Handbook 10.4.4.1), RR as OR
            return None, "events in everyone in both arms"
        y, v = _log_ratio(e1, n1, e2, n2, "odds-ratio" if row.measure == "OR" else "risk-ratio")
        n = row.n if row.n is not None else n1 + n2
        return StudyEffect(measure=row.measure or "RR", y=y, v=v, n=n, events=e1 + e2, counts=(e1, n1, e2, n2),
                           **common), None
    if row.estimate is not None:
        y = analysis(row.measure, row.estimate)
        reported = (row.ci_low, row.ci_high) if row.ci_low is not None else None
        if reported is None or not ci_has_width_on_scale(row.measure, *reported):  # a correlation with its n
            v = fisher_z_variance(row.n)
        else:
            se = (analysis(row.measure, row.ci_high) - analysis(row.measure, row.ci_low)) / (2 * Z95)
            v = se * se
        return StudyEffect(measure=row.measure, y=y, v=v, n=row.n, reported_ci=reported, **common), None
    return None, "no effect extracted"


def pool(outcome: str, measure: str, studies: list[StudyEffect]) -> Pooled:
    """Pool the effects of one outcome and measure (at least two needed for an estimate)."""
    ns = [s.n for s in studies]
    result = Pooled(outcome, measure, studies, sum(ns) if all(x is not None for x in ns) else None)
    if len(studies) < 2:
        result.notes.append("fewer than two comparable effects: not pooled")
        return result
    import numpy as np
    from scipy import stats
    from statsmodels.stats.meta_analysis import combine_effects

    y = np.array([s.y for s in studies])
    v = np.array([s.v for s in studies])
    with np.errstate(divide="ignore", invalid="ignore"):  # statsmodels' I² divides by Q, 0 for equal effects
        res = combine_effects(y, v, method_re="iterated", use_t=False)
    mu, se = float(res.mean_effect_re), float(res.sd_eff_w_re)
    tau2 = float(res.tau2)
    result.estimate = natural(measure, mu)
    result.ci_low, result.ci_high = natural(measure, mu - Z95 * se), natural(measure, mu + Z95 * se)
    if len(studies) >= 3:
        half = float(stats.t.ppf(0.975, len(studies) - 2)) * math.sqrt(tau2 + se * se)
        result.pi_low, result.pi_high = natural(measure, mu - half), natural(measure, mu + half)
    else:
        result.notes.append("prediction interval needs at least three studies")
    q, df = float(res.q), len(studies) - 1
    result.i2 = max(0.0, (q - df) / q) if q > 0 else 0.0  # statsmodels' i2 divides by Q even when Q is 0
    result.tau2 = tau2
    result.method = METHOD
    for s, w in zip(studies, np.asarray(res.weights_rel_re), strict=True):
        s.weight = float(w)
    return result
