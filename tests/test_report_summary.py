"""Summaries, diagrams, report log and portfolio of the known review (see ``test_report_prisma``), in both
languages, checked against the numbers the review was built with and against ``lsr status --json``."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest

from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run, status_json
from tests.test_report_prisma import NOW, REPORT_1, RID, build_review

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

CURRENT = {
    "identified": 13,
    "duplicates": 5,
    "screened": 6,
    "excluded": 2,
    "unscreened": 2,
    "maybe": 0,
    "sought": 4,
    "not_retrieved": 0,
    "pending": 1,
    "assessed": 4,
    "ft_excluded": 2,
    "ft_maybe": 0,
    "new_included": 2,
    "previous_included": 1,
    "total_included": 3,
}
NL = [
    "Tot en met de zoekactie van 1 april 2026 zijn er 20 unieke publicaties gevonden. Daarvan zijn er 15 "
    "(75%) "
    "beoordeeld op titel en samenvatting.",
    "Na lezing van de volledige tekst voldoen 3 studies aan de criteria en zijn opgenomen; 1 publicatie "
    "wacht nog",
    "Sinds het vorige rapport van 15 maart 2026 is er 1 zoekactie in OpenAlex uitgevoerd en is er 1 bestand "
    "geïmporteerd. Samen leverden die 13 treffers op; na het verwijderen van 5 dubbelingen bleven er 8 "
    "nieuwe "
    "publicaties over.",
    # the diagram's "Beoordeeld op titel en samenvatting (n = 6)": this round's searches; W2, screened in round 1,
    # counts here at full text only (PRISMA 2020: each record is screened once)
    "In dezelfde periode is er op titel en samenvatting over 6 publicaties besloten en zijn er 2 studies nieuw "
    "opgenomen (1 daarvan kwam uit eerdere zoekacties).",
    "Van de 20 gevonden publicaties zijn er 15 (75%) beoordeeld op titel en samenvatting: 8 gingen door naar de "
    "volledige "
    "tekst, 6 zijn uitgesloten en over 1 wordt nog getwijfeld (nog geen besluit). Er wachten er nog 5.",
    "Na de eerste selectie is over 7 publicaties besloten op basis van de volledige tekst: 3 opgenomen en 4 "
    "uitgesloten "
    "(waarvan 1 omdat de tekst niet te verkrijgen was); 1 wacht nog.",
    "| 2 maart 2026 | Scopus | import | scopus.ris | 5 | 2 | 3 | gelukt |",
    "## Opgenomen studies (3)",
    "**Notitie (anna, volledige tekst):** Strong trial in Dutch primary schools",
    "De laatste zoekactie in OpenAlex begon op 1 april 2026 (gelukt) en leverde 8 treffers op: 6 "
    "nieuw "
    "en 2 al bekend.",
]
EN = [
    "Up to the search of 1 April 2026, 20 unique records were found; 15 (75%) of them have been screened",
    "After full-text assessment, 3 studies meet the criteria and are included; 1 record awaits full-text "
    "assessment.",
    "Since the previous report of 15 March 2026, 1 OpenAlex search was run and 1 file was imported. Together "
    "they "
    "returned 13 hits; after removing 5 duplicates, 8 new records remained.",
    "In the same period 6 records were decided on title and abstract and 2 studies were newly included (1 of "
    "them from earlier searches).",
    "Of the 20 records found, 15 (75%) have been screened on title and abstract: 8 went on to full-text "
    "assessment, 6 were excluded and 1 is undecided (maybe); 5 remain.",
    "Full-text decisions were made on 7 records: 3 included and 4 excluded (1 of them because the full text "
    "could not "
    "be obtained); 1 pending.",
    "| 2 April 2026 | PubMed | import | pubmed.ris | 5 | 2 | 3 | ok |",
    "## Included studies (3)",
    "**Note (anna, full text):** Quasi-experiment in Heerlen",
]


def svg_boxes(path: Path) -> dict[str, int]:
    """The ``data-box`` -> ``data-n`` map of a flow diagram."""
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    return {
        g.get("data-box"): int(g.get("data-n"))
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("data-box")
    }


def md_table(md: str, first_header: str) -> list[list[str]]:
    """Rows of the Markdown table whose first header cell is ``first_header``."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip("|").split(" | ")])
    return rows


def test_round_report_in_both_languages(tmp_path):
    root, _ = build_review(tmp_path)
    ws = open_workspace(resolve(root))
    write_reports(ws, [RID], now=REPORT_1)
    paths = write_reports(ws, None, now=NOW)
    rdir = root / "reviews" / RID
    names = {p.relative_to(root / "reviews").as_posix() for p in paths}
    assert {f"{RID}/summary.{lang}.{fmt}" for lang in ("nl", "en") for fmt in ("md", "html")} <= names
    assert {"portfolio.nl.md", "portfolio.nl.html", "portfolio.en.md", "portfolio.en.html"} <= names
    assert svg_boxes(rdir / "prisma.svg") == CURRENT == svg_boxes(rdir / "prisma.nl.svg")
    st = status_json(root, RID)["reviews"][0]
    for lang, sentences in (("nl", NL), ("en", EN)):
        md = (rdir / f"summary.{lang}.md").read_text(encoding="utf-8")
        for sentence in sentences:
            assert sentence in md, (lang, sentence)
        prisma = {row[0]: int(row[1]) for row in md_table(md, "Onderdeel" if lang == "nl" else "Box")}
        assert list(prisma.values()) == [13, 8, 5, 5, 6, 2, 2, 0, 4, 1, 0, 1, 4, 2, 1, 2, 3]
        total = md_table(md, "Ronde" if lang == "nl" else "Round")[-1]
        assert [int(x) for x in total[2:]] == [
            4,
            st["records"] + st["duplicates"],
            st["duplicates"],
            st["records"],
            st["screened"],
            st["included"],
            st["fulltext"]["included"],
        ]
        for doi in ("10.1000/w1", "10.1000/w2", "10.1000/w11"):
            assert f"(<https://doi.org/{doi}>)" in md
        html = (rdir / f"summary.{lang}.html").read_text(encoding="utf-8")
        assert html.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in html
        assert 'name="viewport"' in html and "@media print" in html and "@media (max-width" in html
        assert html.count("<svg") == 4 and "<script" not in html and "<link" not in html
        assert not re.search(r'(src|href)="(?!https://doi\.org/)[a-z]+://', html), (
            "external resource in the HTML"
        )
        assert 'data-box="total_included" data-n="3"' in html
    log = json.loads((rdir / "reports.json").read_text(encoding="utf-8"))["reports"]
    assert [e["at"] for e in log] == [REPORT_1.isoformat(), NOW.isoformat()]
    assert log[-1]["cutoff"] == REPORT_1.isoformat() and log[-1]["counts"]["round_new_records"] == 8
    portfolio = (root / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "## Thema 1: Talentontwikkeling en gezondheid" in portfolio
    assert "Sinds het vorige rapport (15 maart 2026) zijn er 8 publicaties gevonden en 2 studies opgenomen." in portfolio
    assert 'href="school-day/summary.en.html"' in (root / "reviews" / "portfolio.en.html").read_text(
        encoding="utf-8"
    )
    # Regenerating later the same day keeps the same baseline (the report of 15 March).
    write_reports(ws, [RID], ["en"], ["md"], now=NOW + timedelta(hours=3))
    log = json.loads((rdir / "reports.json").read_text(encoding="utf-8"))["reports"]
    assert log[-1]["cutoff"] == REPORT_1.isoformat()
    assert svg_boxes(rdir / "prisma.svg") == CURRENT


def test_first_report_and_cli_since(tmp_path):
    root, _ = build_review(tmp_path)
    ws = open_workspace(resolve(root))
    write_reports(ws, [RID], ["nl"], ["md"], now=NOW)
    rdir = root / "reviews" / RID
    md = (rdir / "summary.nl.md").read_text(encoding="utf-8")
    assert "Dit is het eerste rapport van deze review" in md
    boxes = svg_boxes(rdir / "prisma.nl.svg")
    assert "previous_included" not in boxes and "total_included" not in boxes
    assert boxes["identified"] == 28 and boxes["duplicates"] == 8 and boxes["new_included"] == 3
    assert svg_boxes(rdir / "prisma.svg") == boxes  # the canonical English diagram is always written
    result = run(["report", RID, "--lang", "en", "--format", "md", "--since", "2026-04-02"], root)
    assert result.exit_code == 0, result.output
    assert f"reviews/{RID}/summary.en.md" in result.stdout
    md = (rdir / "summary.en.md").read_text(encoding="utf-8")
    assert (
        "Since 2 April 2026, OpenAlex was not searched and 1 file was imported. It returned 5 "
        "hits; after removing 3 duplicates, 2 new records remained." in md
    )
    boxes = svg_boxes(rdir / "prisma.svg")
    assert (
        boxes["identified"],
        boxes["duplicates"],
        boxes["previous_included"],
        boxes["total_included"],
    ) == (5, 3, 1, 3)
    bad = run(["report", RID, "--since", "last tuesday"], root)
    assert bad.exit_code == 1 and "--since must be a date" in bad.stderr
    assert run(["report", "--lang", "fr"], root).exit_code == 2
    assert run(["report", "no-such-review"], root).exit_code == 1
    assert "Examples:" in run(["report", "--help"]).stdout


def test_the_dutch_summary_shows_the_protocols_dutch_pico_or_marks_the_english(tmp_path):
    from tests.helpers import make_workspace

    ws_path = make_workspace(tmp_path / "ws")
    proto = ws_path / "protocols" / "test-review.toml"
    write_reports(open_workspace(resolve(ws_path)), None, formats=["md"], now=NOW)
    nl = (ws_path / "reviews" / "test-review" / "summary.nl.md").read_text(encoding="utf-8")
    assert "**Populatie:** children (Engelstalig)" in nl and "**Uitkomsten:** achievement (Engelstalig)" in nl
    proto.write_text(proto.read_text(encoding="utf-8").replace(
        'outcomes = ["achievement"]',
        'outcomes = ["achievement"]\npopulation_nl = "kinderen"\noutcomes_nl = ["leerprestaties"]'),
        encoding="utf-8")
    write_reports(open_workspace(resolve(ws_path)), None, formats=["md"], now=NOW + timedelta(days=1))
    nl = (ws_path / "reviews" / "test-review" / "summary.nl.md").read_text(encoding="utf-8")
    assert "**Populatie:** kinderen" in nl and "**Uitkomsten:** leerprestaties" in nl
    assert "**Interventie:** extended school day (Engelstalig)" in nl
    en = (ws_path / "reviews" / "test-review" / "summary.en.md").read_text(encoding="utf-8")
    assert "**Population:** children" in en and "(Engelstalig)" not in en
