"""Protocol amendments in the summaries (PRISMA 2020 item 24c): every recorded version with its label, the
date it was first used and which parts changed, and one sentence in "what changed" when the search changed
in the report's period. Driven through ``lsr update`` against the local OpenAlex server and ``lsr report``."""

from __future__ import annotations

from datetime import UTC, datetime
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


def test_amendments_are_listed_with_what_changed_and_the_search_change_is_named(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url)
    root = new_workspace(tmp_path)
    _ok(["update", RID], root)
    _edit(root, QUERY, "(fear OR anxiety OR phobia OR conditioning) AND context")  # broadened
    _edit(root, 'include = ["empirical study"]', 'include = ["empirical study", "adults"]')
    _edit(root, 'version = "2026-11-23"', 'version = "2027-01-15"')
    second = _ok(["update", RID], root)
    new = int(second.stdout.split(" new,")[0].rsplit(" ", 1)[1])
    assert new > 0  # the broadened query finds more
    _edit(root, 'stopping = "statistical"', 'stopping = "none"')  # not bumped
    _ok(["status"], root)
    _edit(root, 'outcomes = ["achievement"]', 'outcomes = ["achievement"]\noutcomes_nl = ["leerprestaties"]')
    _ok(["status"], root)  # a translation under the same label: no bump needed, none asked for
    today = datetime.now(UTC)

    _ok(["report", RID, "--format", "md", "--since", today.date().isoformat()], root)
    nl, en = _summary(root, "nl"), _summary(root, "en")
    table = _section(nl, SECTION_NL)
    assert "| Versie | Voor het eerst gebruikt | Wat is gewijzigd |" in table
    day = fmt_date(today, "nl")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "Versie" not in line]
    assert rows[0].startswith("| 23 november 2026 |") and rows[0].endswith("| eerste versie |")
    assert rows[1].startswith("| 15 januari 2027 |") and rows[1].endswith("| zoekvraag en in- en exclusiecriteria |")
    assert rows[2].startswith("| 15 januari 2027 (zelfde versielabel als de vorige: niet opgehoogd) |")
    assert "nog niet in een zoekactie (vastgelegd op" in rows[2] and rows[2].endswith("| screening |")
    assert rows[3].startswith("| 15 januari 2027 | ") and rows[3].endswith("| Nederlandse vertaling |")
    assert "niet opgehoogd" not in rows[3]
    assert f"| {day} |" in rows[0] and f"| {day} |" in rows[1]
    assert "Waarom het protocol is gewijzigd, staat niet in de database" in table
    rows_en = [line for line in _section(en, SECTION_EN).splitlines() if line.startswith("| 15 January 2027")]
    assert rows_en[0].endswith("| search query and inclusion and exclusion criteria |")
    assert "(same label as the version before: not bumped)" in rows_en[1]

    changes_nl = _section(nl, "## Wat is er veranderd")
    assert ("In deze periode is de zoekactie gewijzigd (protocolversie van 15 januari 2027: zoekvraag en in- en "
            "exclusiecriteria)") in changes_nl
    assert (f"onder de {new} nieuwe publicaties van de eerste zoekactie met die versie" in changes_nl) == (new > 0)
    assert "The search changed in this period (protocol version of 15 January 2027" in _section(en, "## What changed")


def test_an_unamended_protocol_says_so_and_the_portfolio_stays_without_the_list(tmp_path):
    root = make_workspace(tmp_path / "ws")
    csv = tmp_path / "scopus.csv"
    csv.write_text('title,authors,year,doi,abstract\nTrial of a school day,"Jansen, J.",2020,10.5555/a.1,\n',
                   encoding="utf-8")
    _ok(["import", RID, csv, "--source", "scopus"], root)
    _ok(["report", "--format", "md"], root)
    nl, en = _summary(root, "nl"), _summary(root, "en")
    assert "Het protocol is niet gewijzigd: er is één versie, van 23 november 2026 (voor het eerst gebruikt op" \
        in _section(nl, SECTION_NL)
    assert "The protocol has not been amended: there is one version, of 23 November 2026 (first used on" \
        in _section(en, SECTION_EN)
    assert "zoekactie gewijzigd" not in nl  # a first report: no period to compare with
    portfolio = (root / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "Protocolwijzigingen" not in portfolio
