"""Published reports and drafts: ``lsr report --draft`` writes the same files apart, marked as a draft, and
records nothing, so the next report still compares with the last published one; a report whose only logged
predecessor is from the same day is still the first report and names that predecessor."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from lsr.report import write_reports
from lsr.report.texts import fmt_date
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, run
from tests.test_report_updates import _box_text

RID = "test-review"


def _ok(args: list[str], root: Path):
    result = run(args, root)
    assert result.exit_code == 0, result.output
    return result


def _workspace(tmp_path: Path) -> Path:
    root = make_workspace(tmp_path / "ws")
    csv = tmp_path / "scopus.csv"
    csv.write_text("title,authors,year,doi,abstract\n" + "".join(
        f'Trial {i} of an extended school day,"Jansen, J.",2020,10.5555/d.{i},\n' for i in range(1, 4)),
        encoding="utf-8")
    _ok(["import", RID, csv, "--source", "scopus"], root)
    _ok(["decide", RID, "10.5555/d.1", "include"], root)
    return root


def _log(root: Path) -> list[dict]:
    return json.loads((root / "reviews" / RID / "reports.json").read_text(encoding="utf-8"))["reports"]


def test_a_draft_is_written_apart_marked_and_not_recorded(tmp_path):
    root = _workspace(tmp_path)
    published_at = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    write_reports(open_workspace(resolve(root)), [RID], now=published_at)
    published = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")

    result = _ok(["report", "--draft"], root)  # every review and the portfolio
    assert "(a draft: not recorded in reports.json)" in result.stderr
    drafts = root / "reviews" / "_drafts"
    assert f"reviews/_drafts/{RID}/summary.nl.html" in result.stdout
    assert len(_log(root)) == 1  # nothing recorded
    assert (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8") == published
    assert not (root / "reviews" / "portfolio.nl.md").exists()
    nl = (drafts / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (drafts / RID / "summary.en.md").read_text(encoding="utf-8")
    first_block = nl.split("\n\n")[2]  # after the title and the subtitle
    assert first_block == ("**Concept, niet gepubliceerd. Dit concept wordt niet vastgelegd: een volgend rapport "
                           "vergelijkt met het laatst gepubliceerde rapport van een eerdere dag, niet met dit "
                           "concept.**")
    assert en.split("\n\n")[2] == ("**Draft, not published. This draft is not recorded: a next report compares with "
                                   "the last published report of an earlier day, not with this draft.**")
    assert "Sinds het vorige rapport" in nl  # the draft compares with the published report, too
    assert (drafts / "portfolio.nl.html").read_text(encoding="utf-8").count("Concept, niet gepubliceerd") == 1
    assert (drafts / RID / "prisma.svg").exists() and (drafts / RID / "screening.nl.svg").exists()

    _ok(["report", RID, "--draft", "--lang", "en"], root)
    _ok(["report", RID], root)  # published: compares with the published report, not with the drafts
    log = _log(root)
    assert len(log) == 2 and log[1]["cutoff"] == published_at.isoformat(timespec="seconds")
    summary = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    assert "Concept" not in summary and "Sinds het vorige rapport" in summary


def test_a_report_after_one_of_the_same_day_is_still_the_first_and_names_the_earlier_one(tmp_path):
    """Reports of one day count as one, so a report with only reports of its own day before it is the first
    report (the nl and en files of two ``lsr report --lang`` commands are one first report); it names the
    earlier report of the day rather than calling it a previous report (audit F8)."""
    root = _workspace(tmp_path)
    ws = open_workspace(resolve(root))
    morning = datetime(2026, 4, 2, 9, 15, tzinfo=UTC)
    write_reports(ws, now=morning)
    first_nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    assert "Dit is het eerste rapport van deze review" in first_nl  # truly the first
    write_reports(ws, now=morning + timedelta(hours=5))
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (root / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    assert "vorige rapport is van dezelfde dag" not in nl and "previous report is from the same day" not in en
    same_day = ("Dit is het eerste rapport van deze review: alle aantallen in dit rapport tellen vanaf het begin. "
                "Het rapport van eerder op dezelfde dag (2 april 2026, 09:15 UTC) is geen vorig rapport: rapporten "
                "van dezelfde dag gelden als één rapport.")
    assert same_day in nl  # what changed: with the time and the rule
    key_nl = nl.split("## Kernboodschap\n\n", 1)[1].split("\n\n", 1)[0]
    # the key message: one sentence, with the date alone (it is pasted into the bureau's report; no UTC times)
    assert key_nl.endswith("Dit is het eerste rapport van deze review; het rapport van eerder op 2 april 2026 hoort "
                           "daarbij.")
    assert "eerdere dag" not in nl
    key_en = en.split("## Key message\n\n", 1)[1].split("\n\n", 1)[0]
    assert key_en.endswith("This is the first report of this review; the report written earlier on 2 April 2026 is "
                           "part of it.")
    assert ("This is the first report of this review: every count in it runs from the start. The report written "
            "earlier the same day (2 April 2026, 09:15 UTC) is no previous report: reports written on the same day "
            "count as one.") in en
    assert "UTC" not in key_nl and "UTC" not in key_en
    portfolio = (root / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "vorige rapport is van dezelfde dag" not in portfolio
    assert same_day in portfolio


def test_report_help_teaches_what_a_draft_is():
    result = run(["report", "--help"])
    text = " ".join(result.stdout.split())
    assert "--draft" in text and "reviews/_drafts/" in text
    assert "next report still compares with the last published one" in text
    assert "Concept, niet gepubliceerd" in text


def test_the_previous_version_of_a_report_since_one_of_the_same_day_is_named_with_its_time(tmp_path):
    root = _workspace(tmp_path)
    ws = open_workspace(resolve(root))
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)  # after the decisions, made today
    morning = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, 15, 40, tzinfo=UTC)
    day = fmt_date(morning, "nl")
    write_reports(ws, [RID], formats=["md"], now=morning)
    afternoon = morning + timedelta(hours=5)
    write_reports(ws, [RID], formats=["md"], since=morning + timedelta(seconds=10), now=afternoon)
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (root / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    assert f"| Studies in de vorige versie (rapport van {day}, 09:15 UTC) | 0 |" in nl
    assert f"vóór {day}" not in nl  # would be untrue of a study included that day before the morning report
    assert f"| Studies in the previous version (report of {fmt_date(morning, 'en')}, 09:15 UTC) | 0 |" in en
    box = _box_text(root / "reviews" / RID / "prisma.nl.svg", "previous_included")
    assert " ".join(box.split()) == f"Studies in de vorige versie (rapport van {day}, 09:15 UTC) (n = 0)"  # the diagram
    write_reports(ws, [RID], formats=["md"], since=morning + timedelta(hours=1), now=afternoon)  # no report then
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    assert f"| Studies in de vorige versie (stand van {day}, 10:15 UTC) | 0 |" in nl
