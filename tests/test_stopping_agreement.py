"""Stopping rules and agreement statistics against hand-computed values."""

from __future__ import annotations

from math import comb

import pytest

from lsr.screening.agreement import agreement
from lsr.screening.stopping import consecutive_irrelevant, evaluate, first_stop, h0_pvalue, recall_lower_bound


def brute_force_h0(labels, n_docs, target):
    """Independent implementation with exact integer arithmetic (math.comb)."""
    r_seen, best = sum(labels), 1.0
    for n in range(1, len(labels) + 1):
        k = sum(labels[-n:])
        r_before = r_seen - k
        urn = n_docs - (len(labels) - n)
        big_k = int(r_seen / target - r_before + 1)
        if big_k > urn:
            return 0.0
        p = sum(comb(big_k, i) * comb(urn - big_k, n - i) for i in range(0, k + 1)) / comb(urn, n)
        best = min(best, p)
    return best


def test_h0_pvalue_matches_hand_computed_hypergeometric():
    # 30 relevant in the first 210 (every 7th), then 300 irrelevant; 1000 records in all.
    labels = [1 if i % 7 == 0 else 0 for i in range(210)] + [0] * 300
    # The last-300 window alone: urn = 1000 - 210 = 790; K = floor(30/0.95 - 30 + 1) = 2; k = 0.
    window_300 = comb(790 - 2, 300) / comb(790, 300)
    p = h0_pvalue(labels, 1000, 0.95)
    assert p <= window_300
    assert p == pytest.approx(brute_force_h0(labels, 1000, 0.95), rel=1e-9)


def test_h0_pvalue_matches_brute_force_on_random_sequences():
    import random

    rng = random.Random(7)
    for _ in range(40):
        n_docs = rng.randint(20, 120)
        seen = rng.randint(1, n_docs)
        labels = [1 if rng.random() < rng.choice([0.05, 0.2, 0.5]) else 0 for _ in range(seen)]
        if sum(labels) == 0:
            continue
        target = rng.choice([0.8, 0.9, 0.95])
        assert h0_pvalue(labels, n_docs, target) == pytest.approx(brute_force_h0(labels, n_docs, target), abs=1e-12)


def test_h0_small_worked_example():
    # 10 docs, screened 1,1,0,0,0 ; r_seen=2, target .5 -> window n=3 (k=0): r_before=2, K=floor(4-2+1)=3,
    # urn=10-2=8: P(X=0)=C(5,3)/C(8,3)=10/56. Window n=4 (k=1): r_before=1, K=floor(4-1+1)=4, urn=9:
    # P(X<=1)=[C(5,4)+C(4,1)C(5,3)]/C(9,4)=(5+40)/126. The minimum is 10/56.
    labels = [1, 1, 0, 0, 0]
    assert h0_pvalue(labels, 10, 0.5) == pytest.approx(min(10 / 56, 45 / 126, 1.0), rel=1e-9)


def test_no_relevant_means_no_estimate():
    assert h0_pvalue([0, 0, 0], 10) is None
    state = evaluate("statistical", [0, 0, 0], 10)
    assert not state.met and state.estimated_recall is None
    assert state.message == "no relevant record found yet: no recall estimate possible"  # not "only 0 inclusions"
    assert "With only 1 relevant record (included or maybe) the test" in evaluate("statistical", [1, 0, 0], 1000).message


def test_statistical_rule_meets_after_a_long_irrelevant_tail():
    labels = [1] * 40 + [0] * 2000
    state = evaluate("statistical", labels, 3000)
    assert state.met and state.p_value < 0.05
    assert state.estimated_recall >= 0.95
    not_yet = evaluate("statistical", [1] * 40 + [0] * 20, 3000)
    assert not not_yet.met and not_yet.estimated_recall < 0.95


def test_small_reviews_are_told_the_test_is_conservative():
    state = evaluate("statistical", [1] * 5 + [0] * 50, 1000)
    assert "conservative by design" in state.message


def test_recall_lower_bound_is_monotone_in_evidence():
    base = [1] * 30
    assert recall_lower_bound(base + [0] * 100, 2000) < recall_lower_bound(base + [0] * 1000, 2000)


def test_consecutive_irrelevant():
    assert consecutive_irrelevant([1, 0, 1, 0, 0, 0]) == 3
    assert evaluate("consecutive-irrelevant:3", [1, 0, 0, 0], 100).met
    assert not evaluate("consecutive-irrelevant:3", [1, 0, 0], 100).met
    assert first_stop("consecutive-irrelevant:2", [0, 0, 1, 0, 0, 1], 10) == 5


def test_first_stop_statistical():
    labels = [1] * 40 + [0] * 2000
    at = first_stop("statistical", labels, 3000, check_every=1)
    assert at is not None and 40 < at <= 2040
    assert h0_pvalue(labels[:at], 3000) < 0.05 <= h0_pvalue(labels[: at - 1], 3000)


def test_kappa_and_pabak_hand_computed():
    # 2x2 table: both include 20, both exclude 15, A inc/B exc 5, A exc/B inc 10 -> n=50
    pairs = [("include", "include")] * 20 + [("exclude", "exclude")] * 15 + [("include", "exclude")] * 5 + [
        ("exclude", "include")] * 10
    a = agreement(pairs, ["include", "exclude"])
    po = 35 / 50
    pe = (25 / 50) * (30 / 50) + (25 / 50) * (20 / 50)
    assert a.percent_agreement == pytest.approx(po)
    assert a.kappa == pytest.approx((po - pe) / (1 - pe))
    assert a.pabak == pytest.approx(2 * po - 1)


def test_kappa_three_categories_and_undefined_case():
    pairs = [("include", "include"), ("maybe", "include"), ("exclude", "exclude"), ("exclude", "maybe")]
    a = agreement(pairs, ["include", "exclude", "maybe"])
    po = 0.5
    pe = (1 / 4) * (2 / 4) + (2 / 4) * (1 / 4) + (1 / 4) * (1 / 4)
    assert a.kappa == pytest.approx((po - pe) / (1 - pe))
    assert a.pabak == pytest.approx((3 * po - 1) / 2)
    same = agreement([("exclude", "exclude")] * 4, ["include", "exclude"])
    assert same.kappa is None and same.percent_agreement == 1.0 and same.pabak == 1.0


def _reference_bound(labels, n_docs, confidence):
    """The original bisection over the target, each step a full p-value from scipy's hypergeometric cdf."""
    import numpy as np
    from scipy.stats import hypergeom

    def p_value(target):
        y = np.asarray(labels, dtype=np.int64)
        n = np.arange(1, len(y) + 1)
        k = np.cumsum(y[::-1])
        r_seen = int(y.sum())
        r_before, n_urn = r_seen - k, n_docs - (len(y) - n)
        k_null = np.floor(r_seen / target - r_before + 1)
        valid = k_null <= n_urn
        return float(np.min(hypergeom.cdf(k[valid], n_urn[valid], k_null[valid], n[valid]))) if valid.any() else 0.0

    alpha = 1 - confidence
    if (p_value(0.999999) or 1.0) < alpha:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if p_value(max(mid, 1e-6)) < alpha:
            lo = mid
        else:
            hi = mid
    return round(lo, 4)


def test_pure_python_hypergeometric_and_bound_match_scipy():
    """The stopping rule runs without scipy (its import alone cost `lsr status` seconds): same numbers."""
    import random

    from scipy.stats import hypergeom

    from lsr.screening.stopping import hypergeom_cdf

    rng = random.Random(11)
    for _ in range(300):
        total = rng.randint(1, 5000)
        successes, draws = rng.randint(0, total), rng.randint(0, total)
        k = rng.randint(0, min(successes, draws) + 1)
        assert hypergeom_cdf(k, total, successes, draws) == pytest.approx(
            float(hypergeom.cdf(k, total, successes, draws)), rel=1e-9, abs=1e-300)
    for _ in range(60):
        n_docs = rng.randint(30, 3000)
        seen = rng.randint(1, n_docs)
        rate = rng.choice([0.01, 0.05, 0.2])
        labels = [1 if rng.random() < rate * (2 if i < seen / 3 else 0.3) else 0 for i in range(seen)]
        if sum(labels) == 0:
            continue
        confidence = rng.choice([0.9, 0.95, 0.99])
        assert recall_lower_bound(labels, n_docs, confidence) == _reference_bound(labels, n_docs, confidence)
