"""Stopping rules: can the reviewers stop screening, and how sure are we that little was missed?

``statistical`` is the hypothesis test of Callaghan & Müller-Hansen (2020, Systematic Reviews 9:273),
as in their BUSCAR method: treat each tail window of the last ``n`` screened records as a sample from
the records that were unseen when the window began, and test the null hypothesis that recall is below
the target. Under that null the window's urn would hold at least
``K = floor(r_seen / target - r_before + 1)`` relevant records, and seeing at most ``k`` of them in ``n``
draws has hypergeometric probability ``P(X <= k; N_urn, K, n)``. The smallest p over all windows is the
test's p-value; the rule is met when it is below ``1 - confidence``. Because ranked screening puts
relevant records first, the tail is *less* likely to hold relevant records than a random sample, so the
test is conservative.

The test is conservative by design: with fewer than about 20 inclusions, ruling out even one missed
record needs most of the remaining records screened. lsr says so instead of tuning the test.

``consecutive-irrelevant:N`` stops after N irrelevant records in a row: a common heuristic whose weakness
is that on small reviews it stops early with recall far below target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from lsr.protocol import STOPPING_PATTERN

SMALL_REVIEW_INCLUSIONS = 20


@dataclass(frozen=True)
class StoppingState:
    """The rule's verdict at one moment."""

    rule: str
    met: bool
    estimated_recall: float | None  # recall we are `confidence` sure of (statistical), else None
    p_value: float | None = None
    screened: int = 0
    relevant_found: int = 0
    message: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def hypergeom_cdf(k: int, total: int, successes: int, draws: int) -> float:
    """``P(X <= k)`` for ``X`` hypergeometric: ``draws`` from ``total`` items of which ``successes`` count.

    Pure Python (the same parameters as ``scipy.stats.hypergeom.cdf(k, total, successes, draws)``): the
    terms follow from the first by the pmf's ratio recurrence, summed in log space. Importing scipy.stats
    costs seconds, more than everything else ``lsr status`` does.
    """
    lo, hi = max(0, draws - (total - successes)), min(draws, successes)
    if k < lo:
        return 0.0
    if k >= hi:
        return 1.0
    base = total - successes - draws + 1
    if hi - k < k - lo:  # the upper tail is the shorter sum; 1 - tail is exact enough when the tail is small
        log_p = _log_comb(successes, hi) + _log_comb(total - successes, draws - hi) - _log_comb(total, draws)
        if log_p > -600:
            p = math.exp(log_p)
            tail = p
            for i in range(hi, k + 1, -1):  # pmf(i - 1) from pmf(i)
                p *= i * (base + i - 1) / ((successes - i + 1) * (draws - i + 1))
                tail += p
            if tail <= 0.5:
                return max(0.0, 1.0 - tail)
    log_p = _log_comb(successes, lo) + _log_comb(total - successes, draws - lo) - _log_comb(total, draws)
    if log_p > -600:  # the usual case: plain products, no risk of underflow on the way up
        p = math.exp(log_p)
        acc = p
        for i in range(lo, k):
            p *= (successes - i) * (draws - i) / ((i + 1) * (base + i))
            acc += p
        return min(1.0, acc)
    terms = [log_p]
    for i in range(lo, k):
        log_p += math.log((successes - i) * (draws - i)) - math.log((i + 1) * (base + i))
        terms.append(log_p)
    top = max(terms)
    return min(1.0, math.exp(top) * math.fsum(math.exp(t - top) for t in terms))


def _windows(labels: Sequence[int], n_docs: int) -> list[tuple[int, int, int, int]]:
    """The tail windows that can hold the minimum p: ``(draws, relevant in it, relevant before, urn size)``.

    For a fixed count k, a longer window (one more draw from an urn one record larger) never raises
    P(X <= k), so only the longest window per k can be the minimum: windows starting at the very
    beginning or right after a relevant record. This makes each evaluation O(relevant found).
    """
    n_seen, r_seen = len(labels), sum(labels)
    after = [0] * (n_seen + 1)  # relevant records from position i to the end
    for i in range(n_seen - 1, -1, -1):
        after[i] = after[i + 1] + labels[i]
    starts = [0] + [i + 1 for i, v in enumerate(labels) if v]
    return [(n_seen - s, after[s], r_seen - after[s], n_docs - s) for s in starts if s < n_seen]


def _null_successes(r_seen: int, r_before: int, recall_target: float) -> int:
    # Under "recall < target" the urn holds at least this many relevant records.
    return math.floor(r_seen / recall_target - r_before + 1)


def h0_pvalue(labels: Sequence[int], n_docs: int, recall_target: float = 0.95) -> float | None:
    """p-value of "recall < target" after screening ``labels`` (1 relevant, 0 not) in order.

    Args:
        labels: screening outcomes in the order the records were screened.
        n_docs: records in the whole pool, screened or not.
        recall_target: the recall the review aims for.

    Returns:
        The smallest p over all tail windows, or None when nothing relevant was found yet.
    """
    labels = [1 if v else 0 for v in labels]
    if not labels or n_docs <= 0:
        return None
    r_seen = sum(labels)
    if r_seen == 0:
        return None
    p_values = []
    for n, k, r_before, n_urn in _windows(labels, n_docs):
        k_null = _null_successes(r_seen, r_before, recall_target)
        if k_null <= n_urn:  # a null needing more relevant records than the urn holds is impossible
            p_values.append(hypergeom_cdf(k, n_urn, k_null, n))
    return min(p_values) if p_values else 0.0


def recall_lower_bound(labels: Sequence[int], n_docs: int, confidence: float = 0.95) -> float | None:
    """The highest recall the test can claim with ``confidence`` (None before any relevant record).

    Found by bisection over the target (the p-value rises with the target). A step asks whether any
    window's p is below ``1 - confidence``, stopping at the first that is; the answers are remembered
    per window and null count, which repeat from step to step.
    """
    labels = [1 if v else 0 for v in labels]
    if not labels or n_docs <= 0 or not any(labels):
        return None
    alpha = 1 - confidence
    if (h0_pvalue(labels, n_docs, 0.999999) or 1.0) < alpha:
        return 1.0
    r_seen = sum(labels)
    windows = _windows(labels, n_docs)
    below: dict[tuple[int, int], bool] = {}  # (window, null count) -> p < alpha; the counts repeat
    order = list(range(len(windows)))  # the window that answered yes last is asked first

    def below_alpha(target: float) -> bool:
        valid = False
        for pos, w in enumerate(order):
            n, k, r_before, n_urn = windows[w]
            k_null = _null_successes(r_seen, r_before, target)
            if k_null > n_urn:
                continue
            valid = True
            if (w, k_null) not in below:
                below[(w, k_null)] = hypergeom_cdf(k, n_urn, k_null, n) < alpha
            if below[(w, k_null)]:
                order.insert(0, order.pop(pos))
                return True
        return not valid  # no possible null at all: p = 0

    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if below_alpha(max(mid, 1e-6)):
            lo = mid
        else:
            hi = mid
    return round(lo, 4)


def consecutive_irrelevant(labels: Sequence[int]) -> int:
    """How many records in a row at the end of ``labels`` were irrelevant."""
    run = 0
    for value in reversed(labels):
        if value:
            break
        run += 1
    return run


def evaluate(rule: str, labels: Sequence[int], n_docs: int, recall_target: float = 0.95,
             confidence: float = 0.95) -> StoppingState:
    """Apply a protocol's stopping rule to screening outcomes in screening order."""
    labels = [1 if v else 0 for v in labels]
    screened, found = len(labels), sum(labels)
    base = {"rule": rule, "screened": screened, "relevant_found": found}
    if screened >= n_docs > 0:
        return StoppingState(met=True, estimated_recall=1.0, p_value=0.0, message="every record is screened",
                             **base)
    if rule == "none":
        return StoppingState(met=False, estimated_recall=None, message="no stopping rule: screen everything", **base)
    if rule.startswith("consecutive-irrelevant:"):
        need = int(rule.split(":", 1)[1])
        run = consecutive_irrelevant(labels)
        met = run >= need and found > 0
        msg = (f"{run} irrelevant records in a row (rule: {need}); a heuristic without a recall guarantee, "
               "which on small reviews often stops with recall far below target")
        return StoppingState(met=met, estimated_recall=None, message=msg, **base)
    p = h0_pvalue(labels, n_docs, recall_target)
    bound = recall_lower_bound(labels, n_docs, confidence)
    met = p is not None and p < 1 - confidence
    if p is None:
        msg = "no relevant record found yet: no recall estimate possible"
    elif met:
        msg = (f"recall target {recall_target:.0%} reached with {confidence:.0%} confidence "
               f"(p = {p:.3f}); screening may stop")
    else:
        msg = (f"{confidence:.0%} sure of a recall of at least {bound:.0%}; the target is {recall_target:.0%} "
               f"(p = {p:.3f})")
    if 0 < found < SMALL_REVIEW_INCLUSIONS and not met:
        msg += (f". With only {found} relevant record{'s' if found > 1 else ''} (included or maybe) the test is conservative by design: ruling out even one missed "
                "record needs most remaining records screened")
    return StoppingState(met=met, estimated_recall=bound, p_value=None if p is None else round(p, 6),
                         message=msg, **base)


def first_stop(rule: str, labels: Sequence[int], n_docs: int, recall_target: float = 0.95,
               confidence: float = 0.95, check_every: int = 1) -> int | None:
    """How many records were screened when the rule first fired (None if it never did).

    Used by ``lsr simulate --stopping``. ``check_every`` trades exactness for speed on long runs.
    """
    labels = [1 if v else 0 for v in labels]
    if rule.startswith("consecutive-irrelevant:"):
        need, run, seen_relevant = int(rule.split(":", 1)[1]), 0, False
        for i, value in enumerate(labels, 1):
            seen_relevant |= bool(value)
            run = 0 if value else run + 1
            if seen_relevant and run >= need:
                return i
        return None
    if rule == "none":
        return None
    alpha = 1 - confidence
    step = max(1, check_every)
    for i in range(1, len(labels) + 1):
        if i % step and i != len(labels):
            continue
        if not labels[i - 1] and i > 1 and labels[:i].count(1) == 0:
            continue
        p = h0_pvalue(labels[:i], n_docs, recall_target)
        if p is not None and p < alpha:
            return i
    return None


def evaluate_review(ws, session, review_id: str) -> dict:
    """The stopping state of a review for ``lsr status`` and the reports (``session``: a SQLAlchemy
    session or a query function, see ``lsr.screening.labels``).

    The title/abstract decisions in screening order (first settled decision per record) are the sample;
    ``include`` and ``maybe`` count as relevant (a conservative choice). The rule is evaluated over the
    whole review and over the newest update batch (records first seen in the latest update run).
    """
    from lsr.screening.labels import TA, as_query, settled

    q = as_query(session)
    scr = ws.protocol(review_id).screening
    params = {"review": review_id, "stage": TA}
    settled_ta = settled(q, review_id, TA, scr.reviewers_per_record)
    first_at = {r[0]: r[1] for r in q("SELECT record_id, min(id) FROM decision WHERE review_id = :review "
                                      "AND stage = :stage GROUP BY record_id", params)}
    order = sorted(settled_ta, key=lambda rid: first_at.get(rid, math.inf))
    labels = [1 if settled_ta[rid].label in ("include", "maybe") else 0 for rid in order]
    n_docs = q("SELECT count(*) FROM record WHERE review_id = :review", params)[0][0]
    whole = evaluate(scr.stopping, labels, n_docs, scr.recall_target, scr.confidence)
    out = {"rule": scr.stopping, "met": whole.met, "estimated_recall": whole.estimated_recall,
           "p_value": whole.p_value, "recall_target": scr.recall_target, "confidence": scr.confidence,
           "message": whole.message}
    last = q("SELECT max(id) FROM search_run WHERE review_id = :review AND kind = 'update'", params)[0][0]
    if last is not None:
        batch_params = {**params, "run": last}
        batch_size = q("SELECT count(*) FROM record WHERE review_id = :review AND first_seen_run_id = :run",
                       batch_params)[0][0]
        if batch_size:
            decided = {r[0] for r in q(  # only the batch's decided records: the rest only count
                "SELECT DISTINCT record.id FROM record JOIN decision ON decision.record_id = record.id "
                "WHERE record.review_id = :review AND record.first_seen_run_id = :run AND decision.stage = :stage",
                batch_params)}
            batch_labels = [lab for rid, lab in zip(order, labels, strict=True) if rid in decided]
            batch = evaluate(scr.stopping, batch_labels, batch_size, scr.recall_target, scr.confidence)
            out["batch"] = {"search_run": last, "records": batch_size, "screened": len(batch_labels),
                            "met": batch.met, "estimated_recall": batch.estimated_recall,
                            "message": batch.message}
    return out


class SimulationStopRule:
    """A protocol stopping rule as a hook for ``lsr simulate`` (``should_stop`` after every record)."""

    def __init__(self, rule: str, recall_target: float = 0.95, confidence: float = 0.95) -> None:
        if not STOPPING_PATTERN.match(rule):
            raise ValueError(f"unknown stopping rule {rule!r} (statistical, consecutive-irrelevant:N with N >= 1, "
                             "none)")
        self.rule, self.recall_target, self.confidence = rule, recall_target, confidence

    def should_stop(self, screened_labels, pool_size: int) -> bool:
        labels = list(screened_labels)
        if self.rule == "none":
            return False
        if self.rule.startswith("consecutive-irrelevant:"):
            need = int(self.rule.split(":", 1)[1])
            return any(labels) and consecutive_irrelevant(labels) >= need
        if labels and labels[-1]:
            return False  # a relevant record just came up: the tail window starts empty
        p = h0_pvalue(labels, pool_size, self.recall_target)
        return p is not None and p < 1 - self.confidence


def stop_summary(run: dict, pool_size: int) -> dict:
    """``stopped_at`` (fraction of the pool screened when the rule fired, 1.0 if never) and recall then."""
    stop_at = run.get("stop_at")
    return {"stopped_at": 1.0 if stop_at is None else stop_at / pool_size,
            "recall_at_stop": 1.0 if stop_at is None else run.get("recall_at_stop")}
