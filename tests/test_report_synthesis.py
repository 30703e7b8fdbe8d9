"""The synthesis in the reports: key message, effect and strength, forest plot, portfolio tables, and what
changed between two reports; Dutch output in Dutch (numbers, words, no technical details in the text)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from lsr.protocol import parse_protocol
from lsr.report import write_reports
from lsr.report.protocol_text import criteria, question, reason, title
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run
from tests.test_import_extraction import BCG, RID, build_bcg_review

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DAY1 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
DAY2 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _key_message(md: str, heading: str) -> str:
    return md.split(f"## {heading}\n\n", 1)[1].split("\n\n", 1)[0]


def _first_rows(tmp_path, n: int):
    lines = BCG.read_text(encoding="utf-8").splitlines()
    path = tmp_path / f"first{n}.csv"
    path.write_text("\n".join(lines[: n + 1]) + "\n", encoding="utf-8")
    return path


def test_two_reports_show_effect_strength_forest_plot_and_what_changed(workspace, tmp_path):
    build_bcg_review(workspace, included=13)
    assert run(["extract", RID, "--import", _first_rows(tmp_path, 10)], workspace).exit_code == 0
    ws = open_workspace(resolve(workspace))
    write_reports(ws, None, now=DAY1)
    rdir = workspace / "reviews" / RID
    nl1 = (rdir / "summary.nl.md").read_text(encoding="utf-8")
    assert "Dit is het eerste rapport van deze review." in _key_message(nl1, "Kernboodschap")
    log = json.loads((rdir / "reports.json").read_text(encoding="utf-8"))["reports"]
    assert log[0]["synthesis"]["outcomes"][0]["k"] == 10
    assert len(log[0]["synthesis"]["studies"]) == 10  # which studies, so the next report names what changed

    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    write_reports(ws, None, now=DAY2)
    nl = (rdir / "summary.nl.md").read_text(encoding="utf-8")
    en = (rdir / "summary.en.md").read_text(encoding="utf-8")
    key_nl, key_en = _key_message(nl, "Kernboodschap"), _key_message(en, "Key message")
    assert "RR 0,49; 95%-BI 0,34 tot 0,70" in key_nl and "RR 0.49; 95% CI 0.34 to 0.70" in key_en
    assert key_nl.startswith("Tuberculosis: in de groep met de aanpak gemiddeld 51% minder vaak dan in de "
                             "vergelijkingsgroep")
    assert "risico" not in key_nl and "the risk" not in key_en
    assert "De bewijskracht is beperkt." in key_nl and "The strength of evidence is low." in key_en
    assert "Dit rust op 13 studies (7 gerandomiseerd, 6 quasi-experimenteel), samen 357.347 deelnemers" in key_nl
    assert "Dit is een aanwijzing, geen zekerheid. Of de aanpak in Heerlen-Noord werkt, moet een lokale " \
           "evaluatie uitwijzen." in key_nl and "lokale evaluatie blijft nodig" not in key_nl
    assert "This is an indication, not a certainty. This review cannot tell whether the intervention works " \
           "in Heerlen-Noord: a local evaluation is still needed." in key_en
    assert "Sinds het vorige rapport (1 april 2026): 3 nieuwe studies in de effectberekening; de conclusie is niet veranderd" in key_nl
    assert "Since the previous report (1 April 2026): 3 new studies in the synthesis; the conclusion is unchanged" in key_en
    for text in (key_nl, key_en):
        assert len(re.findall(r"\S+", text)) < 150, text
    # the abbreviations the key message uses are explained right under it, the others not
    legend_nl = nl.split(key_nl, 1)[1].lstrip().split("\n", 1)[0]
    assert legend_nl.startswith("Afkortingen: RR = relatief risico") and "95%-BI = " in legend_nl
    assert "SMD" not in legend_nl
    assert "Abbreviations: RR = risk ratio" in en
    assert "- **Effect (95%-BI):** RR 0,49 (0,34 tot 0,70)" in nl and "- **Deelnemers:** 357.347" in nl
    assert "- **Bewijskracht:** **beperkt**" in nl
    assert "één niveau lager: de resultaten van de studies lopen sterk uiteen (I² = 92%)" in nl
    assert "![Forestplot voor tuberculosis" in nl and (rdir / "forest-1.nl.svg").exists()
    html = (rdir / "summary.nl.html").read_text(encoding="utf-8")
    assert html.count("<svg") >= 4 and "Kernboodschap" in html  # forest plot inline beside the others
    main = nl.split("## Technische bijlage")[0]
    for english in ("UTC", "Request URL", "Verzoek-URL", "Key message", "Strength of evidence", "not pooled",
                    "participants", "Pooled"):
        assert english not in main, english
    portfolio = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "Afkortingen: RR = relatief risico" in portfolio
    assert "### Doel 7. Alle kinderen en jongeren kunnen hun talenten ontwikkelen in verrijkt onderwijs" in portfolio
    assert "| Review | Kernboodschap | Effect | Bewijskracht | Verandering sinds vorig rapport |" in portfolio
    row = next(line for line in portfolio.splitlines()
               if line.startswith("| [Test review test-review") and "Tuberculosis: in de groep" in line)
    assert "RR 0,49; 95%-BI 0,34 tot 0,70 (13 studies)" in row and "**beperkt**" in row and "3 nieuwe studies" in row


def test_a_review_without_extraction_says_so(workspace):
    build_bcg_review(workspace, included=2)
    ws = open_workspace(resolve(workspace))
    write_reports(ws, [RID], formats=["md"], now=DAY1)
    nl = (workspace / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    assert "Er zijn 2 studies opgenomen, maar hun gegevens zijn nog niet overgenomen" in _key_message(nl, "Kernboodschap")
    assert "De gegevens van de opgenomen studies zijn nog niet overgenomen; het effect en de bewijskracht volgen " \
           "zodra dat is gebeurd." in nl
    assert "lsr extract" not in nl


def test_dutch_protocol_texts_are_used_and_english_is_marked(workspace):
    proto = open_workspace(resolve(workspace)).protocol(RID)
    assert title(proto, "nl") == "Test review test-review (Engelstalig)" and title(proto, "en") == proto.title
    assert question(proto, "nl").endswith("(Engelstalig)")
    raw = {**proto.raw, "title_nl": "Verlengde schooldag", "question_nl": "Helpt een langere schooldag?",
           "criteria": {**proto.raw["criteria"], "include_nl": ["empirisch onderzoek"],
                        "exclusion_reasons_nl": ["verkeerde populatie", "verkeerde interventie", "verkeerd ontwerp"]}}
    dutch = parse_protocol(raw)  # the same protocol with Dutch texts in its file
    assert (title(dutch, "nl"), question(dutch, "nl")) == ("Verlengde schooldag", "Helpt een langere schooldag?")
    assert criteria(dutch, "include", "nl") == ["empirisch onderzoek"]
    assert criteria(dutch, "exclude", "nl") == ["animal study (Engelstalig)"]
    assert reason(dutch, "Wrong design", "nl") == "verkeerd ontwerp"
    assert reason(proto, "wrong design", "nl") == "wrong design (Engelstalig)"


def test_a_review_with_nothing_included_says_so_in_plain_words(workspace):
    build_bcg_review(workspace, included=0)
    ws = open_workspace(resolve(workspace))
    write_reports(ws, [RID], formats=["md"], now=DAY1)
    nl = (workspace / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (workspace / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    assert _key_message(nl, "Kernboodschap").startswith("Er zijn nog geen studies opgenomen")
    assert _key_message(en, "Key message").startswith("No study has been included yet")
    # no included study: nothing waits to be processed, and no command in the text
    assert "Er zijn nog geen studies opgenomen, dus er is nog geen effect te berekenen." in nl
    assert "No study has been included yet, so there is no effect to compute." in en
    for text in (nl, en):
        assert "lsr extract" not in text and "nog niet overgenomen" not in text and "not been extracted" not in text


def test_a_correlation_outcome_in_the_html_and_markdown_reports_and_its_forest_plot(workspace, tmp_path):
    from tests.test_import_extraction import CORR_HEAD, CORRELATIONS

    build_bcg_review(workspace, included=6)
    path = tmp_path / "r.csv"
    path.write_text(CORR_HEAD + "\n" + "\n".join(CORRELATIONS) + "\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    write_reports(open_workspace(resolve(workspace)), None, now=DAY1)  # html and md, and the portfolio
    rdir = workspace / "reviews" / RID
    nl, en = ((rdir / f"summary.{lang}.md").read_text(encoding="utf-8") for lang in ("nl", "en"))
    html_nl, html_en = ((rdir / f"summary.{lang}.html").read_text(encoding="utf-8") for lang in ("nl", "en"))
    key_nl = _key_message(nl, "Kernboodschap")
    assert key_nl.startswith("Bonding: gemiddeld een zwakke negatieve samenhang (r = −0,18; 95%-BI −0,27 tot "
                             "−0,08): meer van het ene hangt samen met minder van het andere.")
    assert _key_message(en, "Key message").startswith("Bonding: on average a weak negative association (r = −0.18; "
                                                       "95% CI −0.27 to −0.08)")
    assert "r = −0,18; 95%-BI −0,27 tot −0,08" in html_nl and "r = −0.18; 95% CI −0.27 to −0.08" in html_en
    assert "- **Samenhang (95%-BI):** r = −0,18 (−0,27 tot −0,08)" in nl
    assert "- **Voorspellingsinterval:** −0,46 tot 0,14" in nl  # back from Fisher's z, inside −1 to 1
    # the forest plot: an r axis with the pooled association, no "favours" sides (no groups are compared)
    svg = (rdir / "forest-1.nl.svg").read_text(encoding="utf-8")
    assert "Correlatie (r)" in svg and "Gemiddelde samenhang" in svg and "r (95%-BI)" in svg
    assert "gunstig voor" not in svg and "Gemiddeld effect" not in svg
    assert "Forestplot voor bonding: samenhang (r) per studie met 95%-BI en gewicht, gemiddelde samenhang (ruit) " \
           "en voorspellingsinterval." in nl
    # the technical appendix says how: Fisher's z, back with tanh
    assert "Correlaties (r) zijn gemiddeld op de Fisher-z-schaal (z = artanh r; variantie 1/(n − 3)" in nl
    portfolio = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "r = −0,18; 95%-BI −0,27 tot −0,08 (6 studies)" in portfolio
    assert "Afkortingen: r = correlatie" in portfolio


def test_a_correlation_axis_stays_within_minus_one_and_one_with_the_null_line_at_zero(workspace, tmp_path,
                                                                                     monkeypatch):
    """A CI that reaches 1 (rounded) would push matplotlib's margin past the end of r."""
    import lsr.report.plots as plots
    from lsr.synthesis.forest import forest_svg
    from lsr.synthesis.service import synthesize
    from tests.test_import_extraction import CORR_HEAD

    path = workspace / "protocols" / f"{RID}.toml"
    path.write_text(path.read_text(encoding="utf-8") + '\n[extraction]\noutcomes = ["bonding"]\n'
                    "higher_is_better = [true]\n", encoding="utf-8")
    build_bcg_review(workspace, included=2)
    rows = tmp_path / "r.csv"
    rows.write_text(CORR_HEAD + "\n10.5555/bcg.01,bonding,cohort,NL,30,low,r,0.95,0.90,1\n"
                    "10.5555/bcg.02,bonding,cohort,NL,50,low,r,0.90,,\n", encoding="utf-8")
    assert run(["extract", RID, "--import", rows], workspace).exit_code == 0
    figures = []
    monkeypatch.setattr(plots, "_to_svg", lambda fig, salt: figures.append(fig) or "")
    [result] = synthesize(open_workspace(resolve(workspace)), RID).outcomes
    forest_svg(result, "nl", "x")
    [ax] = figures[0].axes
    low, high = ax.get_xlim()
    assert -1 <= low < 0 < high <= 1  # 0, no association, is on the axis
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"] == [0]
    assert not [t for t in ax.texts if "gunstig" in t.get_text()]  # higher_is_better set, still no sides
