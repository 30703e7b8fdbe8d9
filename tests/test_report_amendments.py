"""Protocol amendments in the summaries (PRISMA 2020 item 24c): every recorded version with its label, the
date it was first used and which parts changed, and one sentence in "what changed" when the search changed
in the report's period. Driven through ``lsr update`` against the local OpenAlex server and ``lsr report``."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from lsr.report.texts import fmt_date
from lsr.search.openalex.server import running_server
from tests.helpers import make_workspace, run
from tests.test_update_support import EARLY, QUERY, corpus, fast_client_env, new_workspace

RID = "test-review"
SECTION_NL, SECTION_EN = "## Protocolwijzigingen", "## Protocol amendments"


@pytest.fixture
def server():
    with running_server(corpus(), as_of=EARLY) as srv:
        yield srv


def _ok(args: list, root: Path):
    result = run(args, root)
    assert result.exit_code == 0, result.output
    return result


def _edit(root: Path, old: str, new: str) -> None:
    file = root / "protocols" / f"{RID}.toml"
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new), encoding="utf-8")


def _section(md: str, heading: str) -> str:
    return md.split(heading, 1)[1].split("\n## ", 1)[0]


def _summary(root: Path, lang: str) -> str:
    return (root / "reviews" / RID / f"summary.{lang}.md").read_text(encoding="utf-8")


def _workspace_with_one_import(tmp_path: Path) -> Path:
    """A workspace whose review has one imported record (the protocol's first version is then in use)."""
    root = make_workspace(tmp_path / "ws")
    csv = tmp_path / "scopus.csv"
    csv.write_text('title,authors,year,doi,abstract\nTrial of a school day,"Jansen, J.",2020,10.5555/a.1,\n',
                   encoding="utf-8")
    _ok(["import", RID, csv, "--source", "scopus"], root)
    return root


def test_amendments_are_listed_with_what_changed_and_the_search_change_is_named(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url)
    root = new_workspace(tmp_path)
    _ok(["update", RID], root)
    _edit(root, QUERY, "(fear OR anxiety OR phobia OR conditioning) AND context")  # broadened
    _edit(root, 'include = ["empirical study"]', 'include = ["empirical study", "adults"]')
    _edit(root, 'version = "2026-11-23"', 'version = "2027-01-15"\namendment = "Pilot search missed key terms."\n'
                'amendment_nl = "De proefzoekactie miste kernbegrippen."')
    second = _ok(["update", RID], root)
    new = int(second.stdout.split(" new,")[0].rsplit(" ", 1)[1])
    assert new > 0  # the broadened query finds more
    _edit(root, 'stopping = "statistical"', 'stopping = "none"')  # not bumped; a new reason in English only
    _edit(root, '"Pilot search missed key terms."', '"Screening stops by hand."')
    _ok(["status"], root)
    _edit(root, 'outcomes = ["achievement"]', 'outcomes = ["achievement"]\noutcomes_nl = ["leerprestaties"]')
    _ok(["status"], root)  # a translation under the same label: no bump needed, none asked for
    today = datetime.now(UTC)

    _ok(["report", RID, "--format", "md", "--since", today.date().isoformat()], root)
    nl, en = _summary(root, "nl"), _summary(root, "en")
    table = _section(nl, SECTION_NL)
    assert "| Versie | Voor het eerst gebruikt | Wat is gewijzigd | Reden |" in table
    day = fmt_date(today, "nl")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "Versie" not in line]
    assert rows[0].startswith("| 23 november 2026 |") and rows[0].endswith("| eerste versie | niet van toepassing |")
    assert rows[1].startswith("| 15 januari 2027 |")
    assert rows[1].endswith("| zoekvraag en in- en exclusiecriteria | De proefzoekactie miste kernbegrippen. |")
    assert rows[2].startswith("| 15 januari 2027 (zelfde versielabel als de vorige: niet opgehoogd) |")
    assert "nog niet in een zoekactie (vastgelegd op" in rows[2]
    assert rows[2].endswith("| screening | Screening stops by hand. (Engelstalig) |")  # the Dutch one is stale
    assert rows[3].startswith("| 15 januari 2027 | ")
    assert rows[3].endswith("| Nederlandse vertaling | niet vastgelegd |")  # the reasons left from before
    assert "niet opgehoogd" not in rows[3]
    assert f"| {day} |" in rows[0] and f"| {day} |" in rows[1]
    assert ("De reden van een wijziging staat in het protocol (amendment); PRISMA 2020 (item 24c) vraagt die te "
            "vermelden.") in table
    rows_en = [line for line in _section(en, SECTION_EN).splitlines() if line.startswith("| 15 January 2027")]
    assert rows_en[0].endswith("| search query and inclusion and exclusion criteria | Pilot search missed key terms. |")
    assert "(same label as the version before: not bumped)" in rows_en[1]
    assert rows_en[1].endswith("| screening | Screening stops by hand. |") and rows_en[2].endswith("| not recorded |")

    changes_nl = " ".join(_section(nl, "## Wat is er veranderd").split())
    assert "In deze periode is de zoekvraag gewijzigd (protocolversie van 15 januari 2027)." in changes_nl
    assert "exclusiecriteria" not in changes_nl  # only what changed in the search
    assert (f"Daardoor kunnen de {new} nieuwe publicaties van de eerste zoekactie met die versie ook publicaties "
            "bevatten die al eerder verschenen, maar met de oude zoekvraag niet werden gevonden." in changes_nl) \
        == (new > 1)
    changes_en = " ".join(_section(en, "## What changed").split())
    assert "In this period the search query has changed (protocol version of 15 January 2027)." in changes_en
    assert (f"The {new} new records of the first search under that version may therefore include work published "
            "earlier that the old query did not find." in changes_en) == (new > 1)


def test_an_unamended_protocol_says_so_and_the_portfolio_stays_without_the_list(tmp_path):
    root = _workspace_with_one_import(tmp_path)
    _ok(["report", "--format", "md"], root)
    nl, en = _summary(root, "nl"), _summary(root, "en")
    assert "Het protocol is niet gewijzigd: er is één versie, van 23 november 2026 (voor het eerst gebruikt op" \
        in _section(nl, SECTION_NL)
    assert "The protocol has not been amended: there is one version, of 23 November 2026 (first used on" \
        in _section(en, SECTION_EN)
    assert "zoekactie gewijzigd" not in nl  # a first report: no period to compare with
    portfolio = (root / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "Protocolwijzigingen" not in portfolio


def test_a_reason_alone_is_no_amendment_and_needs_no_new_version(tmp_path):
    root = _workspace_with_one_import(tmp_path)
    _edit(root, 'version = "2026-11-23"', 'version = "2026-11-23"\namendment = "Written down afterwards."\n'
                'amendment_nl = "Achteraf vastgelegd."')
    path = root / "protocols" / f"{RID}.toml"
    _ok(["protocols", "check", path], root)  # exit code 0: the keys are known and valid
    status = _ok(["status"], root)
    assert "bump `version`" not in status.output  # no change of the review: no new label asked for
    _edit(root, 'stopping = "statistical"', 'stopping = "none"')
    assert "bump `version`" in _ok(["status"], root).output  # while a real change under the same label is
    _ok(["report", RID, "--format", "md"], root)
    rows = [line for line in _section(_summary(root, "nl"), SECTION_NL).splitlines() if line.startswith("| 23 nov")]
    assert len(rows) == 2  # the reason written down afterwards is no row of its own
    assert rows[0].endswith("| eerste versie | niet van toepassing |")
    assert rows[1].endswith("| screening | niet vastgelegd |")  # the reason from before explains nothing here


def test_a_reason_written_down_after_the_amendment_goes_to_its_row(tmp_path):
    root = make_workspace(tmp_path / "ws")
    _ok(["status"], root)
    _edit(root, 'stopping = "statistical"', 'stopping = "none"')
    _edit(root, 'version = "2026-11-23"', 'version = "2026-12-01"')
    _ok(["status"], root)  # amended, without a reason
    _edit(root, 'version = "2026-12-01"', 'version = "2026-12-01"\namendment_nl = "Stopregel uitgezet."')
    _ok(["status"], root)  # the reason, afterwards
    _ok(["report", RID, "--format", "md"], root)
    nl = _section(_summary(root, "nl"), SECTION_NL)
    rows = [line for line in nl.splitlines() if line.startswith("| 1 december 2026")]
    assert len(rows) == 1 and rows[0].endswith("| screening | Stopregel uitgezet. |")
    assert "nog niet in een zoekactie" in rows[0]
    en = _section(_summary(root, "en"), SECTION_EN)
    assert "| screening | Stopregel uitgezet. (in Dutch) |" in en


@pytest.mark.parametrize("line", ['amendment = ""', 'amendment_nl = "  "', "amendment = 3"])
def test_protocols_check_refuses_an_empty_or_wrong_amendment(tmp_path, line):
    root = make_workspace(tmp_path / "ws")
    _edit(root, 'version = "2026-11-23"', f'version = "2026-11-23"\n{line}')
    path = root / "protocols" / f"{RID}.toml"
    result = run(["protocols", "check", path], root)
    assert result.exit_code == 1
    key = line.split(" ", 1)[0]
    assert f"{path}: {key}: must be a non-empty string" in result.stderr + result.stdout


def test_the_first_search_under_an_amendment_is_credited_to_it_though_it_started_before_it_was_recorded(
        tmp_path, server, monkeypatch):
    """``lsr update --due`` starts its run about 0.7 s before it records the amended protocol's version; the
    run's own ``protocol_version`` label says which version it ran under (audit F2). The amendment's row gives
    that run's date as first used, and the report of the period of that run (not the next one) says the
    search query changed, with the new records of that run."""
    from sqlmodel import select  # noqa: PLC0415

    from lsr.models import ProtocolVersion, SearchRun  # noqa: PLC0415
    from lsr.report import write_reports  # noqa: PLC0415
    from lsr.settings import resolve  # noqa: PLC0415
    from lsr.workspace import open_workspace  # noqa: PLC0415

    fast_client_env(monkeypatch, server.url)
    root = new_workspace(tmp_path)
    _ok(["update", RID], root)
    _edit(root, QUERY, "(fear OR anxiety OR phobia OR conditioning) AND context")  # broadened
    _edit(root, 'version = "2026-11-23"', 'version = "2027-01-15"\namendment = "Pilot search missed key terms."')
    second = _ok(["update", RID], root)
    new = int(second.stdout.split(" new,")[0].rsplit(" ", 1)[1])
    assert new > 1
    _ok(["update", RID], root)  # a later search under the same version
    day = datetime.combine(datetime.now(UTC).date(), time(9), tzinfo=UTC)
    run_2 = day + timedelta(days=2, seconds=2.6)
    ws = open_workspace(resolve(root))
    with ws.db.write() as s:  # the moments of the audit's database: run, then its version 0.7 s later
        runs = s.exec(select(SearchRun).where(SearchRun.review_id == RID).order_by(SearchRun.id)).all()
        for run, start in zip(runs[1:], (run_2, day + timedelta(days=4)), strict=True):
            run.started_at, run.finished_at = start, start + timedelta(seconds=5)
            s.add(run)
        amended = s.exec(select(ProtocolVersion).where(ProtocolVersion.version == "2027-01-15")).one()
        amended.recorded_at = run_2 + timedelta(seconds=0.7)
        s.add(amended)
    assert [r.protocol_version for r in runs] == ["2026-11-23", "2027-01-15", "2027-01-15"]

    said = {"nl": "In deze periode is de zoekvraag gewijzigd (protocolversie van 15 januari 2027).",
            "en": "In this period the search query has changed (protocol version of 15 January 2027)."}
    follow = {"nl": f"Daardoor kunnen de {new} nieuwe publicaties van de eerste zoekactie met die versie ook "
                    "publicaties bevatten die al eerder verschenen, maar met de oude zoekvraag niet werden gevonden.",
              "en": f"The {new} new records of the first search under that version may therefore include work "
                    "published earlier that the old query did not find."}
    for days in (1, 3, 5):  # the first report, the report of run 2's period, the report of run 3's period
        write_reports(ws, [RID], formats=["md"], now=day + timedelta(days=days))
        for lang, heading, changes in (("nl", SECTION_NL, "## Wat is er veranderd"),
                                       ("en", SECTION_EN, "## What changed")):
            md = _summary(root, lang)
            rows = [line for line in _section(md, heading).splitlines() if line.startswith("| 15 ")]
            assert len(rows) == 1 and f"| {fmt_date(run_2, lang)} |" in rows[0], rows  # first used: run 2
            if days == 1:
                continue
            text = " ".join(_section(md, changes).split())
            assert (said[lang] in text) == (days == 3), (days, text)
            assert (follow[lang] in text) == (days == 3), (days, text)
