"""When a review is next due for an update: ``every`` intervals and 5-field cron expressions (``lsr.search.cron``).

Pure date arithmetic on UTC-aware datetimes; ``lsr update --due`` and ``lsr status`` both ask here.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from lsr.protocol import Schedule
from lsr.search.cron import next_cron_time


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
