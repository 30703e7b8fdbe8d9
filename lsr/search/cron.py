"""The one parser of 5-field cron expressions: protocol validation and schedule arithmetic both use it.

``minute hour day-of-month month day-of-week``; each field is ``*``, a number, a range ``a-b``, any of
those with a step ``/n``, or a comma-separated list of them. Day-of-week 0 and 7 are both Sunday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["Cron", "cron_problem", "next_cron_time", "parse_cron"]

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day-of-month", 1, 31), ("month", 1, 12), ("day-of-week", 0, 7))
_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")


@dataclass(frozen=True)
class Cron:
    """A parsed cron expression: the values each field allows."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 = Sunday (7 is folded onto 0)."""
    any_day: bool
    any_weekday: bool

    def matches_day(self, moment: datetime) -> bool:
        """Standard semantics: when both day-of-month and day-of-week are restricted, either may match."""
        dom_ok, dow_ok = moment.day in self.days, (moment.isoweekday() % 7) in self.weekdays
        return (dom_ok and dow_ok) if (self.any_day or self.any_weekday) else (dom_ok or dow_ok)


def _expand(text: str, lo: int, hi: int) -> frozenset[int]:
    if not _FIELD.match(text):
        raise ValueError(f"field {text!r} is not a number, range, list, step or *")
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        for num in re.findall(r"\d+", base):
            if not lo <= int(num) <= hi:
                raise ValueError(f"field {text!r}: {num} is outside {lo}-{hi}")
        step = int(step_text) if step_text else 1
        if step == 0:
            raise ValueError(f"field {text!r}: a step must be at least 1")
        if base == "*":
            start, end = lo, hi
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = int(base)
            end = hi if step_text else start
        if start > end:
            raise ValueError(f"field {text!r}: the range {start}-{end} is empty")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse_cron(expr: str) -> Cron:
    """Parse a 5-field cron expression.

    Raises:
        ValueError: with a reason that names the offending field.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError("must have 5 fields: " + " ".join(name for name, _, _ in FIELDS))
    minutes, hours, days, months, weekdays = (
        _expand(text, lo, hi) for text, (_, lo, hi) in zip(fields, FIELDS, strict=True)
    )
    return Cron(minutes, hours, days, months, frozenset(d % 7 for d in weekdays),
                any_day=fields[2] == "*", any_weekday=fields[4] == "*")


def cron_problem(value: Any) -> str | None:
    """Why ``value`` is not a cron expression (for a protocol file's message), or None when it is one."""
    if not isinstance(value, str):
        return "must be a cron expression string"
    try:
        parse_cron(value)
    except ValueError as exc:
        return str(exc)
    return None


def next_cron_time(expr: str, after: datetime) -> datetime:
    """First minute strictly after ``after`` (UTC) matching the cron expression."""
    cron = parse_cron(expr)
    t = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = t + timedelta(days=366 * 5)
    while t < limit:
        if t.month not in cron.months or not cron.matches_day(t):
            t = (t + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if t.hour not in cron.hours:
            t = (t + timedelta(hours=1)).replace(minute=0)
            continue
        if t.minute not in cron.minutes:
            t += timedelta(minutes=1)
            continue
        return t
    raise ValueError(f"cron expression {expr!r} never matches")
