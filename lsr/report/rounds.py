"""Update rounds and the report log: which records are "new" in a report.

Definitions used by every report:

* A **search run** is one ``SearchRun`` row: an OpenAlex update (``kind='update'``) or a file import
  (``kind='import'``). It belongs to the moment it *started* (``started_at``, UTC).
* The **report log** ``reviews/<id>/reports.json`` records the moment each report of the review was written
  (plus the counts at that moment). The **previous report** is the latest logged report written on an
  earlier UTC calendar day than the current one, so regenerating a report on the same day (another
  language, another format) keeps the same baseline.
* The **cutoff** of a report is ``--since DATE`` (00:00 UTC of that day) when given, else the moment of the
  previous report, else none (the first report: everything is new).
* The **current update round** is the set of search runs started at or after the cutoff, and the records
  *first seen* in those runs (``Record.first_seen_run_id``). Earlier rounds are the intervals between the
  logged report days (the last report of each UTC day: reports of one day count as one) before it. A
  record belongs to exactly one round, the round of the run that first found it; a duplicate hit belongs
  to the round of the run that produced it.
* A **draft** (``lsr report --draft``) is written into ``reviews/_drafts/`` and is not logged: the next report
  still compares with the last published one. ``_drafts`` cannot be a review id, so it never collides.
* Screening decisions are not tied to rounds: the PRISMA boxes of a round count the *current* settled labels
  of the round's records, so that summing a box over all rounds gives exactly the totals of ``lsr status``.

The module also words these rules for the reader where a report depends on them: a draft's notice
(``draft_notice``), and how a first report names the logged reports of its own day (``same_day_sentence``).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from lsr.report.texts import fmt_date

LOG_NAME = "reports.json"
DRAFTS_DIR = "_drafts"  # under reviews/: not a valid review id (lowercase, digits, hyphens)
DRAFT_MARK = {"nl": "Concept, niet gepubliceerd.", "en": "Draft, not published."}


@dataclass(frozen=True)
class Round:
    """One update round: runs started in ``[start, end)``; ``start`` None means "from the beginning"."""

    index: int
    start: datetime | None
    end: datetime | None

    def contains(self, moment: datetime) -> bool:
        """Whether a run started at ``moment`` belongs to this round."""
        after_start = self.start is None or moment >= self.start
        return after_start and (self.end is None or moment < self.end)


def parse_since(value: str | date | datetime | None) -> datetime | None:
    """``--since`` as a UTC moment: a date means 00:00 UTC of that day; naive datetimes are taken as UTC.

    Raises:
        ValueError: the text is not an ISO date or date-time.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    text = str(value).strip()
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_log(review_dir: Path) -> list[dict]:
    """The logged reports of a review, oldest first (an unreadable log counts as empty)."""
    path = review_dir / LOG_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    entries = data.get("reports", []) if isinstance(data, dict) else []
    good = [e for e in entries if isinstance(e, dict) and isinstance(e.get("at"), str)]
    return sorted(good, key=lambda e: e["at"])


def append_log(review_dir: Path, entry: dict) -> Path:
    """Append one report entry to the review's log (written atomically); returns the log's path."""
    entries = read_log(review_dir) + [entry]
    path = review_dir / LOG_NAME
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"reports": entries}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def report_moments(log: list[dict]) -> list[datetime]:
    """The moments of the logged reports, oldest first."""
    out = []
    for entry in log:
        try:
            out.append(parse_since(entry["at"]))
        except ValueError:
            continue
    return sorted(m for m in out if m is not None)


def previous_report(log: list[dict], now: datetime) -> datetime | None:
    """The moment of the latest report written on an earlier UTC day than ``now``."""
    today = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    earlier = [m for m in report_moments(log) if m < today]
    return earlier[-1] if earlier else None


def make_rounds(log: list[dict], cutoff: datetime | None) -> list[Round]:
    """The rounds of a review, oldest first; the last one is the current round (from ``cutoff``).

    Boundaries are the logged report moments before the cutoff, one per UTC day, then the cutoff itself.
    Reports of one day count as one (``previous_report``): the nl and en reports written by two commands
    seconds apart close one round, not two with an empty one between them.
    """
    if cutoff is None:
        return [Round(0, None, None)]  # the first report: one round holding everything
    # The last report of each day is the boundary, not the first: a later report of the day counts what was
    # found up to its own moment, ``previous_report`` (the next report's cutoff) is the last of its day, and
    # the rounds table shows the counts that last report logged. A report at or after the cutoff is left out;
    # when the cutoff is a report, the others of its day are before it and merge into it.
    last_of_day: dict[date, datetime] = {}
    for moment in report_moments(log):  # oldest first: a later one of the day replaces an earlier one
        if moment <= cutoff:
            last_of_day[moment.astimezone(UTC).date()] = moment
    bounds = sorted({m for m in last_of_day.values() if m < cutoff} | {cutoff})
    starts: list[datetime | None] = [None, *bounds]
    ends: list[datetime | None] = [*bounds, None]
    return [Round(i, s, e) for i, (s, e) in enumerate(zip(starts, ends, strict=True))]


def round_of(rounds: list[Round], moment: datetime) -> int:
    """Index of the round a run started at ``moment`` belongs to."""
    starts = [r.start for r in rounds[1:]]
    return bisect_right(starts, moment)


def draft_dir(reviews_dir: Path) -> Path:
    """Where ``lsr report --draft`` writes: ``reviews/_drafts/`` (review folders and the portfolio below it)."""
    return reviews_dir / DRAFTS_DIR


def same_day_report(log: list[dict], now: datetime) -> datetime | None:
    """The latest logged report written on ``now``'s UTC day, before ``now`` (not a "previous report")."""
    today = datetime.combine(now.astimezone(UTC).date(), time(0), tzinfo=UTC)
    same = [m for m in report_moments(log) if today <= m <= now]
    return same[-1] if same else None


def same_day_sentence(log: list[dict], now: datetime, lang: str, *, short: bool = False) -> str | None:
    """What a report with no previous report says when the log holds a report of the same day (None: none
    does; the caller says "first report" its own way). Reports of one day count as one, and a report without
    a previous report has only reports of its own day before it, so it *is* the first report: the nl and en
    files of the first ``lsr report --lang`` commands are one first report, not a report and its
    predecessor. The sentence says so and names the earlier report of the day, so a reader who saw it is
    not left wondering. ``short``: one sentence, for the key message, with the date alone (the key message is
    pasted into the bureau's report, which gives no times); else with the earlier report's time (UTC), which
    tells it from this one, and what follows for the counts."""
    earlier = same_day_report(log, now)
    if earlier is None:
        return None
    when = fmt_date(earlier.astimezone(UTC), lang, with_time=not short)
    if lang == "nl":
        if short:
            return f"Dit is het eerste rapport van deze review; het rapport van eerder op {when} hoort daarbij."
        return (f"Dit is het eerste rapport van deze review: alle aantallen in dit rapport tellen vanaf het begin. "
                f"Het rapport van eerder op dezelfde dag ({when}) is geen vorig rapport: rapporten van dezelfde "
                "dag gelden als één rapport.")
    if short:
        return f"This is the first report of this review; the report written earlier on {when} is part of it."
    return (f"This is the first report of this review: every count in it runs from the start. The report "
            f"written earlier the same day ({when}) is no previous report: reports written on the same day count "
            "as one.")


def draft_notice(log: list[dict], lang: str) -> str:
    """The line at the top of a draft: not published, and what the next report compares with. No date: the
    last published report may be of today, which the next report does not compare with either."""
    if lang == "nl":
        head = f"{DRAFT_MARK['nl']} Dit concept wordt niet vastgelegd"
        return (f"{head}: een volgend rapport vergelijkt met het laatst gepubliceerde rapport van een eerdere dag, "
                "niet met dit concept." if report_moments(log) else f"{head}; er is nog geen gepubliceerd rapport.")
    head = f"{DRAFT_MARK['en']} This draft is not recorded"
    return (f"{head}: a next report compares with the last published report of an earlier day, not with this "
            "draft." if report_moments(log) else f"{head}; no report has been published yet.")
