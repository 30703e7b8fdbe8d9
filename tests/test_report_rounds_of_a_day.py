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
from tests.helpers import status_json
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


def test_a_record_screened_in_an_earlier_round_counts_at_full_text_only(tmp_path):
    """W2 was included on title and abstract in round 1 (before the report of 15 March) and at full text in
    round 2. The report of round 2 counts it as assessed and newly included, not as screened or sought
    again; "what changed" says the diagram's number of title/abstract decisions."""
    root, _ = build_review(tmp_path)
    ws = open_workspace(resolve(root))
    write_reports(ws, [RID], formats=["md"], now=REPORT_1)
    write_reports(ws, [RID], formats=["md"], now=NOW)
    en = _summary(root, "en")
    box = {row[0]: int(row[1]) for row in md_table(en, "Box")}
    assert box["Records screened"] == 6  # W11-W15 and P1: this round's own records
    assert "Earlier searches, decided in this round" not in box
    assert box["Reports sought for retrieval"] == 4  # W11-W13 and P1
    assert box["Sought in an earlier round, decided at full text in this round"] == 1  # W2
    assert box["Awaiting full-text assessment"] == 1  # P1
    assert box["Reports assessed for eligibility"] == 4  # W11-W13 and W2
    assert box["New studies included in review"] == 2  # W11 and W2
    assert "In the same period 6 records were decided on title and abstract and 2 studies were newly " \
           "included (1 of them from earlier searches)." in en
    assert "In dezelfde periode is er op titel en samenvatting over 6 publicaties besloten en" in _summary(root, "nl")

    # round 1 as it stood at the report of 15 March (module docstring of test_report_prisma): 9 screened
    # (W1-W8, S1), 4 sought (W1-W4), 2 assessed (W1, W3; W4 not retrieved, W2 pending), 1 included (W1).
    # With this round's boxes that is every record once: the database's totals.
    st = status_json(root, RID)["reviews"][0]
    ft = st["fulltext"]
    assert 9 + box["Records screened"] == st["screened"] == 15
    assert 4 + box["Reports sought for retrieval"] == st["included"] == 8
    assert 2 + box["Reports assessed for eligibility"] == ft["included"] + ft["excluded"] - 1 == 6  # - not retrieved
    assert 1 + box["New studies included in review"] == ft["included"] == 3
