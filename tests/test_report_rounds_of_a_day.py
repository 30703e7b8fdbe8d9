"""A living review reported the way ``lsr report --lang`` invites: the nl and en reports of a day written by
separate commands seconds apart. Reports of one UTC day count as one, so the "Update rounds" table has one
round per report day, and the first day's second report is still the first report. Each record is screened
once (PRISMA 2020): a record screened in an earlier round counts in a later round's full-text boxes only, so
the rounds' boxes add up to the database totals. Uses the known review of ``test_report_prisma``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.test_report_prisma import NOW, REPORT_1, RID, build_review
from tests.test_report_summary import md_table

pytestmark = pytest.mark.both_backends


def _summary(root, lang: str) -> str:
    return (root / "reviews" / RID / f"summary.{lang}.md").read_text(encoding="utf-8")


def _by_language(ws, now) -> None:
    """``lsr report --lang nl`` and, four seconds later, ``lsr report --lang en``."""
    write_reports(ws, [RID], langs=["nl"], formats=["md"], now=now)
    write_reports(ws, [RID], langs=["en"], formats=["md"], now=now + timedelta(seconds=4))


def test_reports_of_one_day_by_language_make_one_round_and_the_first_is_the_first(tmp_path):
    root, _ = build_review(tmp_path)
    ws = open_workspace(resolve(root))
    _by_language(ws, REPORT_1)
    en = _summary(root, "en")
    # the en file of the first day, written after the nl one: still the first report (audit F8)
    assert "This is the first report of this review" in en
    assert "previous report is from the same day" not in en
    _by_language(ws, NOW)
    later = NOW + timedelta(days=3)
    write_reports(ws, [RID], formats=["md"], now=later)  # a third report day, nothing new since

    for lang, first_header in (("nl", "Ronde"), ("en", "Round")):
        rows = md_table(_summary(root, lang), first_header)
        # three report days: rounds up to 15 March, up to 10 April, and since then (no empty round between
        # the nl and en reports of a day)
        assert [r[0] for r in rows[:-1]] == ["1", "2", "3 (nu)" if lang == "nl" else "3 (current)"], rows
        assert [int(r[5]) for r in rows[:-1]] == [12, 8, 0]  # new records per round
        assert int(rows[-1][5]) == 20
    rows = md_table(_summary(root, "en"), "Round")
    assert rows[0][1] == "start – 15 March 2026" and rows[1][1] == "15 March 2026 – 10 April 2026", rows
    assert "UTC" not in rows[0][1] + rows[1][1]
