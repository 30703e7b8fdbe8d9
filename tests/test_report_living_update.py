"""The second report of a living review, as a year of updates shows it: a pooled study that is retracted
leaves the effect estimate and every change sentence says so; the Dutch diagram of an updated review keeps
its Dutch exclusion reasons; "what changed" counts the title/abstract decisions the diagram counts; a note
says that a source searched again counts its works again; the "not yet screened" box says what it counts;
the methods note explains only the effect measures the report uses."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from lsr.models import Record
from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run
from tests.test_import_extraction import RID as BCG_RID
from tests.test_import_extraction import build_bcg_review
from tests.test_report_prisma import NOW, REPORT_1, RID, build_review
from tests.test_report_summary import svg_boxes

pytestmark = pytest.mark.both_backends

HEAD = "record,outcome,design,country,n,risk_of_bias,measure,estimate,ci_low,ci_high\n"


def _section(md: str, heading: str) -> str:
    """The text of the Markdown section under ``## heading``, up to the next ``## ``."""
    return md.split(f"## {heading}\n\n", 1)[1].split("\n## ", 1)[0]


def _extract(workspace, tmp_path, name: str, rows: list[str]) -> None:
    path = tmp_path / name
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(["extract", BCG_RID, "--import", path], workspace)
    assert result.exit_code == 0, result.output


def _retract(workspace, doi: str) -> None:
    """What ``lsr update`` does when OpenAlex marks the work as retracted."""
    ws = open_workspace(resolve(workspace))
    with ws.db.write() as session:
        record = session.exec(select(Record).where(Record.doi == doi)).one()
        record.is_retracted = True
        session.add(record)


@pytest.mark.parametrize("older_log", [False, True], ids=["log", "log-before-effect-studies"])
def test_a_retracted_pooled_study_leaves_the_effect_estimate_and_every_change_sentence_says_so(
        workspace, tmp_path, older_log):
    build_bcg_review(workspace, included=4)
    _extract(workspace, tmp_path, "april.csv", [
        "10.5555/bcg.01,leerprestaties,rct,Netherlands,240,low,SMD,0.25,0.00,0.50",
        "10.5555/bcg.02,leerprestaties,rct,USA,400,low,SMD,0.30,0.10,0.50",
        "10.5555/bcg.03,leerprestaties,rct,USA,700,low,SMD,0.15,0.00,0.30",
    ])
    ws = open_workspace(resolve(workspace))
    april = datetime.now(UTC)
    write_reports(ws, None, formats=["md"], now=april)
    rdir = workspace / "reviews" / BCG_RID
    if older_log:  # a report log written before it stored ``effect_studies``: only every extracted study
        log = json.loads((rdir / "reports.json").read_text(encoding="utf-8"))
        del log["reports"][-1]["synthesis"]["effect_studies"]
        (rdir / "reports.json").write_text(json.dumps(log), encoding="utf-8")
    time.sleep(1.1)  # the report log keeps whole seconds
    _retract(workspace, "10.5555/bcg.02")
    # a study described without an effect is extracted too: it is not "in de effectberekening"
    _extract(workspace, tmp_path, "september.csv", ["10.5555/bcg.04,leerprestaties,rct,USA,100,low,,,,"])
    write_reports(ws, None, formats=["md"], now=april + timedelta(days=1))
    nl = (rdir / "summary.nl.md").read_text(encoding="utf-8")
    en = (rdir / "summary.en.md").read_text(encoding="utf-8")
    key_nl, key_en = _section(nl, "Kernboodschap"), _section(en, "Key message")
    assert "1 studie teruggetrokken en niet meer in de effectberekening; de conclusie" in key_nl, key_nl
    assert "1 study retracted, no longer in the synthesis; the conclusion" in key_en, key_en
    assert "nieuwe studie" not in key_nl and "new stud" not in key_en  # the described study did not enter it
    changed_nl, changed_en = _section(nl, "Wat is er veranderd"), _section(en, "What changed")
    assert "1 studie teruggetrokken en niet meer in de effectberekening" in changed_nl
    assert "**Niet meer in de effectberekening:**\n\n- Ferguson (1949). BCG vaccination against tuberculosis: " \
           "trial 2. — teruggetrokken publicatie" in changed_nl
    assert "**No longer in the synthesis:**\n\n- Ferguson (1949). BCG vaccination against tuberculosis: " \
           "trial 2. — retracted publication" in changed_en
    for lang, word in (("nl", "1 studie teruggetrokken en niet meer in de effectberekening"),
                       ("en", "1 study retracted, no longer in the synthesis")):
        portfolio = (workspace / "reviews" / f"portfolio.{lang}.md").read_text(encoding="utf-8")
        row = next(line for line in portfolio.splitlines() if line.startswith("| [Test review test-review")
                   and re.search("de groep met de aanpak scoort|the intervention group scores", line))
        change = row.rstrip(" |").rsplit(" | ", 1)[1]  # the column "Verandering sinds vorig rapport"
        assert word in change, change
    # only SMD is pooled: the methods note does not explain relative risks or odds ratios
    method_nl = next(p for p in nl.split("\n\n") if p.startswith("Het gemiddelde effect weegt"))
    assert "relatief risico" not in method_nl and "oddsratio" not in method_nl
    assert "Een verschil in gemiddelden (SMD) boven 0 betekent" in method_nl
    method_en = next(p for p in en.split("\n\n") if p.startswith("Pooled with a random-effects model"))
    assert "Ratio measures" not in method_en and "odds ratio" not in method_en


def test_the_methods_note_explains_the_ratio_measures_the_report_uses(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    _extract(workspace, tmp_path, "rr.csv", ["10.5555/bcg.01,tuberculose,rct,USA,200,low,RR,0.50,0.30,0.80",
                                             "10.5555/bcg.02,tuberculose,rct,USA,300,low,RR,0.70,0.50,0.95"])
    write_reports(open_workspace(resolve(workspace)), [BCG_RID], formats=["md"], now=NOW)
    nl = (workspace / "reviews" / BCG_RID / "summary.nl.md").read_text(encoding="utf-8")
    method = next(p for p in nl.split("\n\n") if p.startswith("Het gemiddelde effect weegt"))
    assert "Een relatief risico onder 1 betekent dat de uitkomst in de groep met de aanpak minder vaak voorkomt" \
           in method
    assert "oddsratio" not in method and "SMD" not in method


def _with_dutch_reasons(root) -> None:
    path = root / "protocols" / f"{RID}.toml"
    text = path.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("exclusion_reasons = "))
    dutch = 'exclusion_reasons_nl = ["verkeerde populatie", "verkeerde interventie", "verkeerd onderzoeksontwerp", ' \
            '"volledige tekst niet verkregen"]'
    path.write_text(text.replace(line, f"{line}\n{dutch}"), encoding="utf-8")


def _two_reports(tmp_path) -> tuple[dict[str, str], dict[str, str], object]:
    """The known review (``test_report_prisma``) with Dutch exclusion reasons, reported on 15 March (first,
    cumulative) and 10 April (updated): (first summaries, second summaries, the review's folder)."""
    root, _ = build_review(tmp_path)
    _with_dutch_reasons(root)
    ws = open_workspace(resolve(root))
    rdir = root / "reviews" / RID
    out = []
    for now in (REPORT_1, NOW):
        write_reports(ws, [RID], formats=["md"], now=now)
        out.append({lang: (rdir / f"summary.{lang}.md").read_text(encoding="utf-8") for lang in ("nl", "en")})
    return out[0], out[1], rdir


def test_the_dutch_diagram_of_an_updated_review_keeps_dutch_exclusion_reasons(tmp_path):
    _, second, rdir = _two_reports(tmp_path)
    svg_nl = (rdir / "prisma.nl.svg").read_text(encoding="utf-8")
    assert "verkeerde populatie (n\u00a0=\u00a02)" in svg_nl and "wrong population" not in svg_nl
    assert "| Uitgesloten na lezing volledige tekst: verkeerde populatie | 2 |" in second["nl"]
    assert "wrong population" not in second["nl"].split("## Technische bijlage")[0]
    assert "wrong population (n\u00a0=\u00a02)" in (rdir / "prisma.svg").read_text(encoding="utf-8")


def test_what_changed_counts_the_title_abstract_decisions_the_diagram_counts(tmp_path):
    _, second, rdir = _two_reports(tmp_path)
    screened = svg_boxes(rdir / "prisma.nl.svg")["screened"]  # this round's records and those carried over
    said = re.search(r"In dezelfde periode is er op titel en samenvatting over (\d+) publicaties besloten en",
                     second["nl"])
    # W2 was decided on title and abstract in round 1; its full-text decision in this round is no second one
    assert said and int(said.group(1)) == screened == 6, said
    assert f"In the same period {screened} records were decided on title and abstract and" in second["en"]


def test_the_diagram_says_what_its_counts_cover_in_the_first_and_an_updated_report(tmp_path):
    first, second, _ = _two_reports(tmp_path)
    # the first diagram is cumulative: its "not yet screened" box is every record found so far
    assert "| Nog niet beoordeeld | " in first["nl"] and "(uit deze ronde)" not in first["nl"]
    assert "| Not yet screened | " in first["en"] and "(of this round)" not in first["en"]
    # the updated diagram counts per round
    assert "| Nog niet beoordeeld (uit deze ronde) | " in second["nl"]
    assert "| Not yet screened (of this round) | " in second["en"]
    # OpenAlex was searched twice (Scopus and PubMed imported once each): under the diagram, one sentence
    # says that its works found again count again, and are then removed as duplicates
    note_nl = ("\nOpenAlex is meer dan eens doorzocht: publicaties die een latere zoekactie opnieuw vond, tellen "
               "mee bij de gevonden publicaties en zijn daarna als dubbeling verwijderd.\n")
    note_en = ("\nOpenAlex was searched more than once: works found again by a later search are counted among the "
               "records identified and then removed as duplicates.\n")
    for summary in (first, second):
        assert note_nl in _section(summary["nl"], "PRISMA 2020-stroomdiagram")
        assert note_en in _section(summary["en"], "PRISMA 2020 flow diagram")


def test_a_round_within_one_day_gives_its_times(tmp_path):
    """A round that starts on the report's own day (``--since`` this morning) gives its time: two rounds of
    one day read "10 april 2026 – 10 april 2026" otherwise (the Dutch editor's finding 15b)."""
    root, _ = build_review(tmp_path)
    ws = open_workspace(resolve(root))
    write_reports(ws, [RID], formats=["md"], now=REPORT_1)
    write_reports(ws, [RID], since="2026-04-10T09:30", formats=["md"], now=NOW)
    rdir = root / "reviews" / RID
    nl, en = ((rdir / f"summary.{lang}.md").read_text(encoding="utf-8") for lang in ("nl", "en"))
    assert "| 10 april 2026, 09:30 – nu |" in nl and "| 10 April 2026, 09:30 – now |" in en
    assert "| begin – 15 maart 2026 |" in nl  # rounds of several days keep their dates only
    # the diagram's note says the cutoff with its time too
    assert "Met 'vorige versie' bedoelen we de studies die op 10 april 2026, 09:30 UTC waren opgenomen." in nl
    assert "The current round holds the searches and imports from 10 April 2026, 09:30 UTC," in en
