"""Metric functions against hand-computed screening orders."""

from __future__ import annotations

import pytest

from lsr.ranking.metrics import atd, compute_metrics, last_relevant, recall_at, wss


def test_two_relevant_in_ten() -> None:
    order = [0, 1, 0, 0, 1]  # relevant at positions 2 and 5; the other 5 records never screened
    m = compute_metrics(order, pool=10)
    assert m.wss95 == pytest.approx((10 - 5) / 10 - 0.05)  # ceil(0.95 * 2) = 2 -> 5 screened
    assert m.wss100 == pytest.approx(0.5)
    assert m.recall10 == pytest.approx(0.0)  # floor(0.1 * 10) = 1 screened, not relevant
    assert m.atd == pytest.approx((2 + 5) / 2 / 10)
    assert m.last_relevant == pytest.approx(0.5)


def test_wss95_reaches_ceil_of_relevant() -> None:
    order = [1] * 19 + [0] * 20 + [1]  # 20 relevant: 19 in front, the last at position 40
    assert wss(order, 100, 0.95) == pytest.approx(0.81 - 0.05)  # ceil(19.0) = 19 found after 19
    assert wss(order, 100, 1.0) == pytest.approx(0.60)
    assert recall_at(order, 100, 0.10) == pytest.approx(10 / 20)
    assert atd(order, 100) == pytest.approx((sum(range(1, 20)) + 40) / 20 / 100)
    assert last_relevant(order, 100) == pytest.approx(0.40)


def test_ceil_not_round() -> None:
    # 19 relevant: 95 % recall needs ceil(18.05) = 19 records, so WSS@95 waits for the last one.
    order = [1] * 18 + [0] * 41 + [1]
    assert wss(order, 200, 0.95) == pytest.approx((200 - 60) / 200 - 0.05)
    # 10 relevant: ceil(9.5) = 10 as well
    order = [1] * 9 + [0] * 40 + [1]
    assert wss(order, 200, 0.95) == pytest.approx((200 - 50) / 200 - 0.05)


def test_random_order_is_near_zero_and_perfect_order_is_maximal() -> None:
    perfect = [1, 1, 1, 1]
    assert wss(perfect, 100, 1.0) == pytest.approx(0.96)
    worst = [0] * 96 + [1] * 4
    assert wss(worst, 100, 1.0) == pytest.approx(0.0)
    assert atd(worst, 100) == pytest.approx(0.985)


def test_undefined_without_relevant_records() -> None:
    with pytest.raises(ValueError):
        compute_metrics([0, 0, 0], 5)
    with pytest.raises(ValueError):
        wss([1, 0, 1], 2, 0.95)
