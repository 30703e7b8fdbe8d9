"""``lsr.search.cron``: the one cron parser, shared by protocol validation and the update schedule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lsr.protocol import Schedule
from lsr.search.cron import cron_problem, next_cron_time, parse_cron
from lsr.search.schedule import next_update

T0 = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)  # a Wednesday


def test_fields_expand_to_their_values():
    cron = parse_cron("*/15 1-5/2 1,15 * 7")
    assert cron.minutes == {0, 15, 30, 45} and cron.hours == {1, 3, 5} and cron.days == {1, 15}
    assert cron.months == set(range(1, 13)) and cron.weekdays == {0}  # 7 is Sunday, as 0
    assert parse_cron("5/20 * * * *").minutes == {5, 25, 45}


@pytest.mark.parametrize(("expr", "reason"), [
    (3, "must be a cron expression string"),
    ("0 3 * *", "must have 5 fields: minute hour day-of-month month day-of-week"),
    ("61 3 * * *", "field '61': 61 is outside 0-59"),
    ("0 3 0 * *", "field '0': 0 is outside 1-31"),
    ("0 3 * * mon", "field 'mon' is not a number, range, list, step or *"),
    ("*/0 3 * * *", "field '*/0': a step must be at least 1"),
    ("0 5-3 * * *", "field '5-3': the range 5-3 is empty"),
])
def test_bad_expressions_are_refused_with_a_reason(expr, reason):
    assert cron_problem(expr) == reason


def test_a_valid_expression_has_no_problem():
    assert cron_problem("0 3 1 */3 *") is None


def test_next_time_is_strictly_after_and_either_day_field_may_match():
    assert next_cron_time("30 10 * * *", T0) == datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
    assert next_cron_time("0 3 1 * *", T0) == datetime(2026, 4, 1, 3, 0, tzinfo=UTC)
    # day 1 of the month OR a Friday: Friday 6 March comes first
    assert next_cron_time("0 3 1 * 5", T0) == datetime(2026, 3, 6, 3, 0, tzinfo=UTC)
    # only Fridays in April
    assert next_cron_time("0 3 * 4 5", T0) == datetime(2026, 4, 3, 3, 0, tzinfo=UTC)
    assert next_update(Schedule(cron="0 3 1 * *"), T0) == datetime(2026, 4, 1, 3, 0, tzinfo=UTC)


def test_an_expression_that_never_matches_says_so():
    with pytest.raises(ValueError, match="never matches"):
        next_cron_time("0 0 31 2 *", T0)
