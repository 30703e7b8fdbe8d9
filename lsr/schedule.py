"""When a review is next due for an update: ``every`` intervals and 5-field cron expressions.

Pure date arithmetic on UTC-aware datetimes; ``lsr update --due`` and ``lsr status`` both ask here.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from lsr.protocol import Schedule


def _add_months(moment: datetime, months: int) -> datetime:
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def next_update(schedule: Schedule, last: datetime | None) -> datetime | None:
    """The moment the next update is due; None when the review has never been updated (due now)."""
    if last is None:
        return None
    if schedule.cron:
        return next_cron_time(schedule.cron, last)
    every = schedule.every or "monthly"
    if every == "daily":
        return last + timedelta(days=1)
    if every == "weekly":
        return last + timedelta(weeks=1)
    if every == "quarterly":
        return _add_months(last, 3)
    return _add_months(last, 1)


def is_due(schedule: Schedule, last: datetime | None, now: datetime | None = None) -> bool:
    nxt = next_update(schedule, last)
    return nxt is None or (now or datetime.now(UTC)) >= nxt


def _expand(field: str, lo: int, hi: int) -> set[int]:
    values: set[int] = set()
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base == "*":
            start, end = lo, hi
        elif "-" in base:
            start, end = (int(x) for x in base.split("-"))
        else:
            start = int(base)
            end = hi if step_text else start
        values.update(range(start, end + 1, step))
    return values


def next_cron_time(expr: str, after: datetime) -> datetime:
    """First minute strictly after ``after`` (UTC) matching the cron expression.

    Standard semantics: when both day-of-month and day-of-week are restricted, either may match.
    """
    minute_f, hour_f, dom_f, month_f, dow_f = expr.split()
    minutes, hours = _expand(minute_f, 0, 59), _expand(hour_f, 0, 23)
    doms, months = _expand(dom_f, 1, 31), _expand(month_f, 1, 12)
    dows = {d % 7 for d in _expand(dow_f, 0, 7)}
    dom_any, dow_any = dom_f == "*", dow_f == "*"
    t = after.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = t + timedelta(days=366 * 5)
    while t < limit:
        dom_ok, dow_ok = t.day in doms, (t.isoweekday() % 7) in dows
        day_ok = (dom_ok and dow_ok) if (dom_any or dow_any) else (dom_ok or dow_ok)
        if t.month not in months or not day_ok:
            t = (t + timedelta(days=1)).replace(hour=0, minute=0)
            continue
        if t.hour not in hours:
            t = (t + timedelta(hours=1)).replace(minute=0)
            continue
        if t.minute not in minutes:
            t += timedelta(minutes=1)
            continue
        return t
    raise ValueError(f"cron expression {expr!r} never matches")
