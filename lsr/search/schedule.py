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


def next_update(schedule: Schedule, last: datetime | None, resume_at: datetime | None = None) -> datetime | None:
    """The moment the next update is due; None when the review has never been updated (due now).

    ``resume_at``: when a run that waits to be completed may continue (``lsr.status.LatestRun.resumable_from``:
    a paused run's budget reset, or when an interrupted run stopped). Such a run sets the next update,
    whatever the schedule says: a run started by hand between two scheduled dates and paused by the budget is
    completed once the budget is back, and no update is started before the reset only to be refused.
    """
    if resume_at is not None:
        return resume_at
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


def is_due(schedule: Schedule, last: datetime | None, now: datetime | None = None,
           resume_at: datetime | None = None) -> bool:
    """Whether an update is due at ``now`` (default: the real clock); see :func:`next_update`."""
    nxt = next_update(schedule, last, resume_at)
    return nxt is None or (now or datetime.now(UTC)) >= nxt
