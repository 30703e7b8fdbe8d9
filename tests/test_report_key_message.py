"""The key message and the effect/strength section, through ``lsr extract`` and ``write_reports``: one
consistent set of studies behind the effect, differences between studies worded from I², sentences that
do not depend on the outcome name's number or language, studies that left the synthesis, single studies,
odds ratios, and reviews with nothing to compare."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run
from tests.test_import_extraction import BCG, RID, build_bcg_review

pytestmark = pytest.mark.both_backends

DAY1 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
HEAD = "record,outcome,design,country,n,risk_of_bias,measure,estimate,ci_low,ci_high\n"


def _extract(workspace, tmp_path, name: str, rows: list[str]) -> None:
    path = tmp_path / name
    path.write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 0, result.output


def _report(workspace, now=DAY1) -> tuple[str, str, str, str]:
    """(key message nl, key message en, summary nl, summary en)."""
    write_reports(open_workspace(resolve(workspace)), [RID], formats=["md"], now=now)
    rdir = workspace / "reviews" / RID
    nl, en = ((rdir / f"summary.{lang}.md").read_text(encoding="utf-8") for lang in ("nl", "en"))
    key = [md.split(f"## {h}\n\n", 1)[1].split("\n\n", 1)[0] for md, h in ((nl, "Kernboodschap"),
                                                                           (en, "Key message"))]
    for text in key:
        assert len(re.findall(r"\S+", text)) < 150, text
    return key[0], key[1], nl, en


# five studies on "leerprestaties" (a plural Dutch outcome name) and three others without an effect on it
ESD = [
    "10.5555/bcg.01,leerprestaties,rct,Netherlands,240,low,SMD,0.25,0.00,0.50",
    "10.5555/bcg.02,leerprestaties,quasi-experimental,Nederland,500,some concerns,SMD,0.10,-0.05,0.25",
    "10.5555/bcg.03,leerprestaties,rct,USA,400,low,SMD,0.30,0.10,0.50",
    "10.5555/bcg.04,leerprestaties,rct,USA,700,low,SMD,0.05,-0.10,0.20",
    "10.5555/bcg.05,leerprestaties,rct,USA,600,low,SMD,-0.20,-0.40,0.00",
    "10.5555/bcg.06,welbevinden,qualitative,Netherlands,30,,,,,",
    "10.5555/bcg.07,welbevinden,cohort,USA,900,high,MD,1.0,0.2,1.8",
    "10.5555/bcg.08,leerprestaties,rct,USA,100,low,,,,",
]


def test_the_effect_rests_on_the_main_outcomes_own_studies_in_words_of_any_number(workspace, tmp_path):
    build_bcg_review(workspace, included=8)
    _extract(workspace, tmp_path, "esd.csv", ESD)
    key_nl, key_en, nl, en = _report(workspace)
    # the five pooled studies, their designs and participants; the three others only counted as others
    assert "Dit rust op 5 studies (4 gerandomiseerd, 1 quasi-experimenteel), samen 2.440 deelnemers; " \
           "2 uit Nederland." in key_nl
    assert "This rests on 5 studies (4 randomised, 1 quasi-experimental), 2,440 participants in all" in key_en
    # why the others do not count: two on another outcome, one without a usable effect on this one
    assert "Nog 3 studies tellen hier niet mee (andere uitkomst of geen bruikbaar effect)." in key_nl
    assert "Another 3 studies do not count here (other outcome or no usable effect)." in key_en
    assert "opgenomen studies zijn er pas" not in key_nl  # every included study is extracted
    assert "kwalitatief" not in key_nl and "cohort" not in key_en
    # the outcome leads as a label, with a capital; no verb agrees with its name, in either language
    assert key_nl.startswith("Leerprestaties: de groep met de aanpak scoort gemiddeld hoger dan de "
                             "vergelijkingsgroep") and "groep zonder" not in nl and "controlegroep" not in nl
    assert key_en.startswith("Leerprestaties: the intervention group scores higher on average than the "
                             "comparison group")
    assert "uitkomst" not in key_nl.split(".")[0] and "outcome" not in key_en.split(".")[0]
    assert "is leerprestaties" not in key_nl and "leerprestaties is" not in key_en
    # a negative bound is a minus, and the range says "tot"/"to" rather than a hyphen
    assert "95%-BI −0,07 tot 0,26" in key_nl and "95% CI −0.07 to 0.26" in key_en
    # "differ widely" exactly when the strength rule finds the results inconsistent (I² 50% or more)
    assert ("lopen sterk uiteen" in key_nl) == ("één niveau lager: de resultaten van de studies lopen sterk "
                                                "uiteen" in nl) == ("differ widely" in key_en)
    assert "omvat ook de waarde voor 'geen effect'" in key_nl and "includes the no-effect value" in key_en


def test_differences_between_studies_follow_i2_and_ignore_the_prediction_interval_of_few_studies(
        workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    _extract(workspace, tmp_path, "rr.csv", [  # three consistent studies (I² = 0): the PI is huge on 1 df
        "10.5555/bcg.01,conflicten,rct,Netherlands,100,low,RR,0.40,0.20,0.80",
        "10.5555/bcg.02,conflicten,rct,Netherlands,120,low,RR,0.45,0.20,1.00",
        "10.5555/bcg.03,conflicten,rct,Germany,200,low,RR,0.50,0.30,0.83",
    ])
    key_nl, key_en, nl, en = _report(workspace)
    # a plural name ("conflicten") leads too: after the colon no verb agrees with it
    assert key_nl.startswith("Conflicten: in de groep met de aanpak gemiddeld 54% minder vaak dan in de "
                             "vergelijkingsgroep (RR 0,46")
    assert key_en.startswith("Conflicten: on average 54% less frequent in the intervention group than in the "
                             "comparison group")
    assert "risico" not in key_nl and "risk" not in key_en
    for text in (key_nl, key_en):
        assert "verschillen" not in text and "uiteen" not in text and "differ" not in text, text
        assert "nieuwe situatie" not in text and "new setting" not in text, text
    assert "- **Verschil tussen studies (I²):** 0%" in nl
    assert "- **Voorspellingsinterval:** niet getoond (te weinig studies; minder dan 5)" in nl
    assert "- **Prediction interval:** not shown (too few studies; fewer than 5)" in en


def test_large_heterogeneity_is_worded_with_the_strength_rules_threshold(workspace):
    build_bcg_review(workspace, included=13)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    key_nl, key_en, nl, en = _report(workspace)
    assert "één niveau lager: de resultaten van de studies lopen sterk uiteen (I² = 92%)" in nl
    assert "spreken elkaar tegen" not in nl and "inconsistent results" not in en
    assert "down one: the results of the studies differ widely (I² = 92%)" in en
    # the prediction interval (0,13 to 1,80) reaches well above 1: the effect could also go the other way
    # (the protocol does not say which side is good, so not "ongunstig")
    assert "De resultaten van de studies lopen sterk uiteen; in een nieuwe situatie kan het effect ook " \
           "uitblijven of zelfs de andere kant op uitvallen." in key_nl
    assert "The results of the studies differ widely; in a new setting the effect may not appear, or even go " \
           "the other way." in key_en
    assert "- **Voorspellingsinterval:** 0,13 tot 1,80" in nl
    # the rule: based on GRADE; each condition of imprecision lowers the level by one
    assert "volgens een vaste rekenregel gebaseerd op GRADE" in nl
    assert "Bij onnauwkeurigheid gaat ze één niveau lager als het 95%-betrouwbaarheidsinterval ook 'geen " \
           "effect' omvat, en nog één als er minder dan 400 deelnemers zijn" in nl and "óf" not in nl
    assert "imprecision (one level when the 95% CI includes the no-effect value, and one more for fewer than " \
           "400 participants" in en


def test_a_very_small_effect_is_not_called_promising(workspace, tmp_path):
    build_bcg_review(workspace, included=4)
    _extract(workspace, tmp_path, "small.csv", [
        "10.5555/bcg.01,leerprestaties,rct,Netherlands,600,low,SMD,0.15,0.00,0.30",
        "10.5555/bcg.02,leerprestaties,rct,Netherlands,600,low,SMD,0.15,0.00,0.30",
        "10.5555/bcg.03,leerprestaties,rct,USA,600,low,SMD,0.15,0.00,0.30",
        "10.5555/bcg.04,leerprestaties,rct,USA,600,low,SMD,0.15,0.00,0.30",
    ])
    key_nl, key_en, _, _ = _report(workspace)
    assert "De bewijskracht is sterk." in key_nl  # clear CI, every study randomised
    assert "(een zeer klein verschil; SMD 0,15; 95%-BI 0,07 tot 0,22)" in key_nl
    assert "verwaarloosbaar" not in key_nl and "negligible" not in key_en
    assert "kansrijk" not in key_nl and "promising" not in key_en
    assert "Dit wijst op een zeer klein effect. Of de aanpak in Heerlen-Noord even goed werkt, moet een " \
           "lokale evaluatie uitwijzen." in key_nl
    assert "This points to a very small effect. This review cannot tell whether it works as well in " \
           "Heerlen-Noord: a local evaluation is still needed." in key_en


def test_a_single_study_gives_its_own_interval_and_conclusion(workspace, tmp_path):
    build_bcg_review(workspace, included=1)
    _extract(workspace, tmp_path, "one.csv", ["10.5555/bcg.01,taalvaardigheid,rct,Netherlands,180,low,SMD,0.35,0.05,0.65"])
    key_nl, key_en, nl, en = _report(workspace)
    assert "(een klein verschil; SMD 0,35; 95%-BI 0,05 tot 0,65; één studie)." in key_nl
    assert "SMD 0.35; 95% CI 0.05 to 0.65; one study)." in key_en
    assert "Dit rust op 1 studie (gerandomiseerd), met 180 deelnemers; de studie komt uit Nederland." in key_nl
    assert "This rests on 1 study (randomised), with 180 participants; the study is from the Netherlands." in key_en
    assert "Dit is een aanwijzing, geen zekerheid. Of de aanpak in Heerlen-Noord werkt, moet een lokale " \
           "evaluatie uitwijzen." in key_nl  # its CI excludes 0
    assert "niet aangetoond" not in key_nl and "1 studies" not in nl and "1 of 1 studies" not in en
    assert "- **Effect (95%-BI):** SMD 0,35 (0,05 tot 0,65; één studie)" in nl
    assert "de studie komt uit Nederland" in nl and "startniveau sterk: de studie is gerandomiseerd" in nl
    # one small study: too few participants, said of that study, and the rule says the double step is meant
    assert "één niveau lager: de studie heeft maar 180 deelnemers (minder dan 400)" in nl and "samen maar" not in nl
    assert "down one: the study has only 180 participants (fewer than 400)" in en
    assert "een enkele kleine studie telt zo bewust twee keer als onnauwkeurig" in nl
    assert "a single small study is thus deliberately down twice for imprecision" in en


def test_a_hazard_ratio_is_pooled_on_the_log_scale_and_worded_as_sooner_or_later(workspace, tmp_path):
    """Time to dropout or to reoffending is reported as a hazard ratio; the measure was refused ("not one of RR,
    OR, SMD, MD"). Pooled like the other ratios, worded by direction in time, explained under the message."""
    build_bcg_review(workspace, included=3)
    _extract(workspace, tmp_path, "hr.csv", [
        "10.5555/bcg.01,schooluitval,rct,Netherlands,400,low,HR,0.70,0.50,0.98",
        "10.5555/bcg.02,schooluitval,cohort,Belgium,900,some concerns,HR,0.80,0.66,0.97"])
    key_nl, key_en, nl, en = _report(workspace)
    # the log-scale inverse-variance mean of 0.70 and 0.80 (equal tau² of 0 here): exp of the weighted log mean
    assert key_nl.startswith("Schooluitval: in de groep met de aanpak minder snel dan in de vergelijkingsgroep "
                             "(HR 0,77"), key_nl
    assert key_en.startswith("Schooluitval: later in the intervention group than in the comparison group (HR 0.77"), \
        key_en
    assert "%" not in key_nl.split("(HR")[0]
    assert "HR = hazard ratio: onder 1 treedt de uitkomst met de aanpak minder snel op, boven 1 sneller" in nl
    assert "HR = hazard ratio: below 1 the outcome comes later with the intervention, above 1 sooner" in en
    assert "Een hazard ratio onder 1 betekent dat de uitkomst in de groep met de aanpak minder snel optreedt" in nl


def test_counts_do_not_give_a_hazard_ratio(workspace, tmp_path):
    build_bcg_review(workspace, included=1)
    path = tmp_path / "hr_counts.csv"
    path.write_text("record,outcome,events_treatment,total_treatment,events_control,total_control,measure\n"
                    "10.5555/bcg.01,schooluitval,10,150,20,150,HR\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1, result.output
    assert "line 2: measure: counts give a risk or odds ratio (RR or OR), not HR (a hazard ratio needs the times " \
           "to the event: give it with its 95% CI)" in result.stderr, result.stderr


def test_an_odds_ratio_is_not_worded_as_a_percentage_change_of_chance(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    path = tmp_path / "or.csv"
    path.write_text("record,outcome,design,country,n,risk_of_bias,events_treatment,total_treatment,events_control,"
                    "total_control,measure\n"
                    "10.5555/bcg.01,schooluitval,rct,Netherlands,300,low,10,150,20,150,OR\n"
                    "10.5555/bcg.02,schooluitval,rct,Netherlands,300,low,12,150,22,150,OR\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    key_nl, key_en, nl, en = _report(workspace)
    assert key_nl.startswith("Schooluitval: in de groep met de aanpak minder vaak dan in de vergelijkingsgroep (OR "
                             "0,49")
    assert key_en.startswith("Schooluitval: less frequent in the intervention group than in the comparison group "
                             "(OR 0.49")
    assert "%" not in key_nl.split("(OR")[0] and "odds" not in key_nl and "odds of" not in key_en
    assert "oddsratio is geen verandering van de kans in procenten" in nl
    # 64 events among 600 pupils: the events, not the participants, make the pool too small; the key message
    # and the effect table give them beside the participants
    assert "één niveau lager: de uitkomst kwam maar bij 64 deelnemers voor (minder dan 300)" in nl
    assert "down one: the outcome occurred in only 64 participants (fewer than 300)" in en
    assert "samen 600 deelnemers, van wie 64 met de uitkomst;" in key_nl
    assert "600 participants in all, 64 of them with the outcome;" in key_en
    assert "- **Deelnemers:** 600\n- **Deelnemers met de uitkomst:** 64\n" in nl
    assert "- **Participants:** 600\n- **Participants with the outcome:** 64\n" in en
    assert "bij ja/nee-uitkomsten: minder dan 300 gebeurtenissen, dat wil zeggen deelnemers bij wie de " \
           "uitkomst optrad" in nl
    assert "for dichotomous outcomes fewer than 300 events" in en
    assert "Is een ja/nee-uitkomst overgenomen als effect met betrouwbaarheidsinterval in plaats van als " \
           "aantallen per groep, dan is het aantal gebeurtenissen niet bekend" in nl


def test_a_study_that_left_is_reported_beside_one_that_entered(workspace, tmp_path):
    build_bcg_review(workspace, included=12)
    rows = BCG.read_text(encoding="utf-8").splitlines()
    first = tmp_path / "first.csv"
    first.write_text("\n".join(rows[:11]) + "\n", encoding="utf-8")  # trials 1-10
    assert run(["extract", RID, "--import", first], workspace).exit_code == 0
    now = datetime.now(UTC)
    _report(workspace, now=now)
    time.sleep(1.1)  # the report log keeps whole seconds: the next decisions must be in a later one
    # trial 10 is excluded on re-reading the full text; trial 13 is included and enters the synthesis
    assert run(["decide", RID, "10.5555/bcg.10", "exclude", "--stage", "full-text", "--reason", "wrong design"],
               workspace).exit_code == 0
    for stage in ("title-abstract", "full-text"):
        assert run(["decide", RID, "10.5555/bcg.13", "include", "--stage", stage], workspace).exit_code == 0
    last = tmp_path / "last.csv"
    last.write_text(rows[0] + "\n" + rows[13] + "\n", encoding="utf-8")
    assert run(["extract", RID, "--import", last], workspace).exit_code == 0
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=1))
    assert "1 nieuwe studie in de effectberekening, 1 studie niet meer opgenomen;" in key_nl
    assert "1 new study in the synthesis, 1 study no longer included;" in key_en
    assert "geen nieuwe studies" not in key_nl and "no new studies" not in key_en


def test_a_review_with_nothing_included_says_nothing_changed(workspace):
    build_bcg_review(workspace, included=0)
    now = datetime.now(UTC)
    _report(workspace, now=now)
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=1))
    assert key_nl.endswith("niets veranderd (nog geen studies opgenomen).")
    assert key_en.endswith("nothing changed (no study included yet).")
    assert "hoofduitkomst" not in key_nl and "main outcome" not in key_en


def test_studies_described_without_an_effect_are_not_called_unprocessed(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    _extract(workspace, tmp_path, "desc.csv", ["10.5555/bcg.01,schoolverzuim,qualitative,Netherlands,25,,,,,",
                                               "10.5555/bcg.02,schoolverzuim,cohort,Netherlands,300,,,,,"])
    key_nl, key_en, _, _ = _report(workspace)
    assert key_nl.startswith("Er zijn 2 studies opgenomen en beschreven, maar geen ervan geeft een effect")
    assert key_en.startswith("The review includes and describes 2 studies, but none gives an effect")
    assert "nog niet overgenomen" not in key_nl and "not been extracted" not in key_en
    # the portfolio reads the same strength: no level of the scale for an effect that does not exist
    write_reports(open_workspace(resolve(workspace)), None, formats=["md"], now=DAY1)
    portfolio = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    row = next(line for line in portfolio.splitlines()
               if line.startswith("| [Test review test-review") and "schoolverzuim" in line)
    assert "**niet te beoordelen (geen effect te berekenen)**" in row and "zeer beperkt" not in row


def test_a_changed_conclusion_says_what_it_was_and_what_it_is(workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    _extract(workspace, tmp_path, "first.csv", [
        "10.5555/bcg.01,leerprestaties,rct,Netherlands,600,low,SMD,0.15,0.05,0.25",
        "10.5555/bcg.02,leerprestaties,rct,Germany,600,low,SMD,0.15,0.05,0.25",
    ])
    now = datetime.now(UTC)
    key_nl, key_en, nl, en = _report(workspace, now=now)
    # the Dutch study is not counted again as a European one
    assert "; 1 uit Nederland, 1 uit een ander Europees land." in key_nl
    assert "; 1 from the Netherlands, 1 from another European country." in key_en
    reasons = nl.split("**Waarom deze bewijskracht:**", 1)[1].split("**Herkomst**", 1)[0]
    assert "Nederland" not in reasons  # origin is no reason for the level; it is shown apart
    assert "**Herkomst** (telt niet mee in de bewijskracht): 1 van de 2 studies komt uit Nederland, 1 uit een " \
           "ander Europees land." in nl
    assert "**Origin** (does not count in the strength of evidence): 1 of the 2 studies is from the " \
           "Netherlands, 1 from another European country." in en
    time.sleep(1.1)
    _extract(workspace, tmp_path, "second.csv", ["10.5555/bcg.03,leerprestaties,rct,USA,600,low,SMD,-0.60,-0.80,-0.40"])
    key_nl, key_en, nl, _ = _report(workspace, now=now + timedelta(days=1))
    # three studies: the table says the prediction interval is not shown, so neither plot nor caption has it
    assert "![Forestplot voor leerprestaties: effect per studie met 95%-BI en gewicht en gemiddeld effect " \
           "(ruit).]" in nl
    svg = (workspace / "reviews" / RID / "forest-1.nl.svg").read_text(encoding="utf-8")
    assert "Voorspellingsinterval" not in svg and "Gemiddeld effect" in svg
    assert "de conclusie is veranderd (eerder: een zeer klein positief effect; nu: geen effect aangetoond)" \
        in key_nl
    assert "the conclusion changed (before: a very small positive effect; now: no effect shown)" in key_en
    assert "the strength of evidence went from high to" in key_en


def test_a_changed_conclusion_is_judged_when_the_protocol_says_which_direction_is_good(workspace, tmp_path):
    """With ``[extraction] higher_is_better`` the changed conclusion says favourable/unfavourable, not only the
    sign of the score ("positief" is the score's direction, which for an outcome such as absence is bad)."""
    build_bcg_review(workspace, included=3)
    path = workspace / "protocols" / f"{RID}.toml"
    path.write_text(path.read_text(encoding="utf-8").split("[extraction]")[0]
                    + '\n[extraction]\noutcomes = ["absence"]\noutcomes_nl = ["schoolverzuim"]\n'
                      'higher_is_better = [false]\n', encoding="utf-8")
    _extract(workspace, tmp_path, "first.csv", [
        "10.5555/bcg.01,schoolverzuim,rct,Netherlands,600,low,SMD,0.15,0.05,0.25",
        "10.5555/bcg.02,schoolverzuim,rct,Germany,600,low,SMD,0.15,0.05,0.25",
    ])
    now = datetime.now(UTC)
    _report(workspace, now=now)
    time.sleep(1.1)
    _extract(workspace, tmp_path, "second.csv", ["10.5555/bcg.03,absence,rct,USA,600,low,SMD,-0.60,-0.80,-0.40"])
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=1))
    assert "de conclusie is veranderd (eerder: een zeer klein ongunstig effect; nu: geen effect aangetoond)" \
        in key_nl
    assert "the conclusion changed (before: a very small unfavourable effect; now: no effect shown)" in key_en


def test_studies_not_yet_extracted_and_a_retracted_one_are_not_hidden(workspace, tmp_path):
    """Six studies included, four extracted, one of them retracted: the key message says how many are
    extracted before what the effect rests on, why the others do not count, and the forest caption names the
    retracted study it leaves out."""
    from tests.test_report_living_update import _retract

    build_bcg_review(workspace, included=6)
    _extract(workspace, tmp_path, "some.csv", [
        "10.5555/bcg.01,leerprestaties,rct,Netherlands,240,low,SMD,0.25,0.05,0.45",
        "10.5555/bcg.02,leerprestaties,rct,USA,400,low,SMD,0.30,0.10,0.50",
        "10.5555/bcg.03,leerprestaties,rct,USA,400,low,SMD,0.20,0.00,0.40",
        "10.5555/bcg.04,welbevinden,cohort,USA,900,high,MD,1.0,0.2,1.8",
    ])
    _retract(workspace, "10.5555/bcg.02")
    key_nl, key_en, nl, en = _report(workspace)
    assert "Van de 6 opgenomen studies zijn de gegevens van pas 4 overgenomen; dit rust op 2 daarvan (2 " \
           "gerandomiseerd), samen 640 deelnemers; 1 uit Nederland. De andere 2 tellen hier niet mee (andere " \
           "uitkomst of teruggetrokken publicatie)." in key_nl
    assert "Of the 6 included studies, only 4 have been extracted so far; this rests on 2 of them (2 randomised), " \
           "640 participants in all; 1 from the Netherlands. The other 2 do not count here (other outcome or " \
           "retracted publication)." in key_en
    assert "Dit rust op" not in key_nl and "geen bruikbaar effect" not in key_nl
    assert "(ruit). Ferguson 1949 staat niet in de figuur: de publicatie is teruggetrokken.]" in nl
    assert "(diamond). Ferguson 1949 is not in the figure: the publication was retracted.]" in en


def _first_report_with_two_outcomes(workspace, tmp_path) -> datetime:
    """Five included studies, two extracted for the main outcome and one for another; the first report."""
    build_bcg_review(workspace, included=5)
    _extract(workspace, tmp_path, "first.csv", [
        "10.5555/bcg.01,leerprestaties,rct,Netherlands,600,low,SMD,0.30,0.10,0.50",
        "10.5555/bcg.02,leerprestaties,rct,Germany,600,low,SMD,0.25,0.05,0.45",
        "10.5555/bcg.03,welbevinden,rct,Germany,600,low,SMD,0.10,-0.10,0.30",
    ])
    now = datetime.now(UTC)
    _report(workspace, now=now)
    time.sleep(1.1)  # the next report is a later one
    return now


def test_the_change_sentence_names_the_main_outcomes_own_count_when_there_are_several(workspace, tmp_path):
    """The studies that entered are counted over all outcomes; the key message is about the main outcome, so
    it also says how many studies that outcome rests on now and before (the Dutch editor's finding 5)."""
    now = _first_report_with_two_outcomes(workspace, tmp_path)
    _extract(workspace, tmp_path, "second.csv", [
        "10.5555/bcg.04,leerprestaties,rct,Belgium,600,low,SMD,0.35,0.15,0.55",
        "10.5555/bcg.05,welbevinden,rct,Belgium,600,low,SMD,0.20,0.00,0.40",
    ])
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=1))
    assert "2 nieuwe studies in de effectberekening (voor de uitkomst leerprestaties nu 3 studies, eerst 2);" \
        in key_nl
    assert "2 new studies in the synthesis (for the outcome leerprestaties now 3 studies, before 2);" in key_en


def test_the_change_sentence_names_a_swap_in_the_main_outcome_that_leaves_its_count(workspace, tmp_path):
    """One study of the main outcome retracted and another extracted: its count is 2 as before, but the pool
    changed, and the key message says so (the methodologist's '3 erbij en 1 eraf')."""
    from tests.test_report_living_update import _retract

    now = _first_report_with_two_outcomes(workspace, tmp_path)
    _retract(workspace, "10.5555/bcg.02")
    _extract(workspace, tmp_path, "second.csv", [
        "10.5555/bcg.04,leerprestaties,rct,Belgium,600,low,SMD,0.35,0.15,0.55",
    ])
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=1))
    assert "(voor de uitkomst leerprestaties nu 2 studies, eerst 2; 1 kwam erbij, 1 viel af)" in key_nl
    assert "(for the outcome leerprestaties now 2 studies, before 2; 1 entered, 1 left)" in key_en


STRESS = ('[extraction]\noutcomes = ["perceived stress", "dropping out", "wellbeing"]\n'
          'outcomes_nl = ["ervaren stress", "schooluitval", "welbevinden"]\nhigher_is_better = [false, false, true]\n')


def _set_extraction(workspace, table: str) -> None:
    path = workspace / "protocols" / f"{RID}.toml"
    path.write_text(path.read_text(encoding="utf-8").split("[extraction]")[0] + "\n" + table, encoding="utf-8")


# five randomised studies of 60 pupils on perceived stress: consistent, the CI excludes 0, fewer than 400
# participants: redelijk ("Dit is waarschijnlijk een gunstig effect": less stress is good)
FIVE_RCTS = [f"10.5555/bcg.{i:02d},perceived stress,rct,Netherlands,60,low,SMD,-0.40,-0.91,0.11" for i in range(1, 6)]
# three cohort studies, two at high risk of bias, far apart: inconsistent and biased, still clearly below 0
THREE_COHORTS = ["10.5555/bcg.06,perceived stress,cohort,Belgium,200,high,SMD,-0.10,-0.30,0.10",
                 "10.5555/bcg.07,perceived stress,cohort,USA,200,high,SMD,-0.95,-1.15,-0.75",
                 "10.5555/bcg.08,perceived stress,cohort,USA,200,low,SMD,-0.45,-0.65,-0.25"]


def test_a_conclusion_worded_with_less_certainty_is_not_called_unchanged(workspace, tmp_path):
    """Finding F11 of the synthesis audit: from "waarschijnlijk een gunstig effect" (redelijk) to "zeer
    onzeker" (zeer beperkt), with the same direction and a CI that excludes no effect both times, is a changed
    conclusion in GRADE's wording (Santesso 2020): the message says it is more cautious now, and what it was
    and is. A snapshot without the strength level (hand-written) is still read."""
    _set_extraction(workspace, STRESS)
    build_bcg_review(workspace, included=8)
    _extract(workspace, tmp_path, "first.csv", FIVE_RCTS)
    now = datetime.now(UTC)
    key_nl, key_en, _, _ = _report(workspace, now=now)
    assert "Dit is waarschijnlijk een gunstig effect." in key_nl and "De bewijskracht is redelijk." in key_nl
    time.sleep(1.1)
    _extract(workspace, tmp_path, "second.csv", THREE_COHORTS)
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=1))
    assert "Of het effect gunstig is, is zeer onzeker." in key_nl and "De bewijskracht is zeer beperkt." in key_nl
    assert "niet veranderd" not in key_nl and "unchanged" not in key_en
    assert "3 nieuwe studies in de effectberekening; de conclusie is voorzichtiger geworden (eerder: waarschijnlijk " \
           "een klein gunstig effect; nu: een klein gunstig effect, maar zeer onzeker); de bewijskracht ging van " \
           "redelijk naar zeer beperkt." in key_nl
    assert "3 new studies in the synthesis; the conclusion is more cautious now (before: probably a small " \
           "favourable effect; now: a small favourable effect, but very uncertain); the strength of evidence went " \
           "from moderate to very low." in key_en

    # the previous report's snapshot without its strength level: compared on effect and direction only
    log_path = workspace / "reviews" / RID / "reports.json"
    log = json.loads(log_path.read_text(encoding="utf-8"))
    for outcome in log["reports"][0]["synthesis"]["outcomes"]:
        del outcome["strength"]
    log["reports"] = log["reports"][:1]
    log_path.write_text(json.dumps(log), encoding="utf-8")
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=2))
    assert key_nl.endswith("3 nieuwe studies in de effectberekening; de conclusie is niet veranderd; de "
                           "bewijskracht is nu zeer beperkt.")
    assert key_en.endswith("3 new studies in the synthesis; the conclusion is unchanged; the strength of evidence "
                           "is now very low.")


def test_a_long_key_message_stays_under_its_word_limit_and_keeps_effect_strength_and_conclusion(
        workspace, tmp_path):
    """Finding F10 of the synthesis audit: a second report on three outcomes, with studies not yet extracted,
    studies on other outcomes, a study that left and a changed conclusion was 163 (nl) and 175 (en) words. It
    gives up parts in the order of ``key_message.SHORTER`` until it is under ``MAX_WORDS`` (``_report``
    counts), and never the effect, the strength, the conclusion or what changed in counts."""
    from lsr.synthesis.key_message import MAX_WORDS

    _set_extraction(workspace, STRESS)
    build_bcg_review(workspace, included=13)
    _extract(workspace, tmp_path, "first.csv", FIVE_RCTS + [
        "10.5555/bcg.09,dropping out,rct,Netherlands,300,low,RR,0.70,0.50,0.98",
        "10.5555/bcg.10,dropping out,quasi-experimental,Germany,300,some concerns,RR,0.80,0.55,1.15",
        "10.5555/bcg.11,wellbeing,cohort,Netherlands,150,low,MD,1.5,0.2,2.8",
    ])
    now = datetime.now(UTC)
    _report(workspace, now=now)
    time.sleep(1.1)
    assert run(["decide", RID, "10.5555/bcg.05", "exclude", "--stage", "full-text", "--reason", "wrong design"],
               workspace).exit_code == 0
    _extract(workspace, tmp_path, "second.csv", THREE_COHORTS)
    key_nl, key_en, nl, _ = _report(workspace, now=now + timedelta(days=1))
    for text in (key_nl, key_en):
        assert len(text.split()) < MAX_WORDS, (len(text.split()), text)
    # the effect with its numbers, its uncertainty, the strength, the conclusion for Heerlen-Noord
    assert key_nl.startswith("Ervaren stress: de groep met de aanpak scoort gemiddeld lager dan de "
                             "vergelijkingsgroep (een klein verschil; SMD −0,")
    assert key_en.startswith("Perceived stress: the intervention group scores lower on average than the comparison "
                             "group (a small difference; SMD −0.")
    assert "Of het effect gunstig is, is zeer onzeker. " in key_nl and "De bewijskracht is zeer beperkt. " in key_nl
    assert "It is very uncertain whether the effect is favourable. " in key_en
    assert "The strength of evidence is very low. " in key_en
    assert "Of de aanpak in Heerlen-Noord werkt, moet een lokale evaluatie uitwijzen." in key_nl
    assert "This review cannot tell whether the intervention works in Heerlen-Noord" in key_en
    assert "Van de 12 opgenomen studies zijn de gegevens van pas 10 overgenomen; dit rust op 7 daarvan" in key_nl
    # what changed, in counts, with the changed conclusion and strength
    assert "Sinds het vorige rapport (" in key_nl and "3 nieuwe studies in de effectberekening, 1 studie niet meer " \
        "opgenomen; de conclusie is voorzichtiger geworden" in key_nl
    assert "de bewijskracht ging van redelijk naar zeer beperkt." in key_nl
    assert "3 new studies in the synthesis, 1 study no longer included; the conclusion is more cautious now" in key_en
    assert "the strength of evidence went from moderate to very low." in key_en
    # shortened: why the other studies do not count and the main outcome's own count went first
    assert "tellen hier niet mee." in key_nl and "(andere uitkomst" not in key_nl
    assert "(voor de uitkomst" not in key_nl and "(for the outcome" not in key_en
    # in the order of SHORTER: a part is only given up when every part before it is
    marks = {"nl": ["tellen hier niet mee (", "(voor de uitkomst", "(eerder:", "in een nieuwe situatie", "uit Nederland"],
             "en": ["do not count here (", "(for the outcome", "(before:", "in a new setting", "from the Netherlands"]}
    for lang, text in (("nl", key_nl), ("en", key_en)):
        kept = [mark in text for mark in marks[lang]]
        assert kept == sorted(kept), (lang, kept, text)
    # the effect section keeps everything the message gave up
    assert "**Herkomst**" in nl


def test_a_ci_bound_just_off_no_effect_is_not_shown_as_no_effect(workspace, tmp_path):
    """Finding F9 of the synthesis audit: a pooled RR whose 95% CI ends at 0.9996 excludes no effect (the
    strength rule and the message judge the unrounded bound), so the texts must not show it as "1,00": the
    bound keeps the decimals that show its side, in the key message, the effect table and the forest plot."""
    from tests.test_import_extraction import synthesis_json

    build_bcg_review(workspace, included=2)
    _extract(workspace, tmp_path, "edge.csv", [f"10.5555/bcg.{i:02d},schooluitval,rct,Netherlands,900,low,RR,0.72,"
                                               "0.4527,1.1451" for i in (1, 2)])
    [out] = synthesis_json(workspace)["outcomes"]
    assert 0.9995 < out["ci_high"] < 1 and f"{out['ci_high']:.2f}" == "1.00"  # rounds onto no effect
    key_nl, key_en, nl, en = _report(workspace)
    assert "(RR 0,72; 95%-BI 0,52 tot 0,9996)." in key_nl and "(RR 0.72; 95% CI 0.52 to 0.9996)." in key_en
    assert "Maar dit is onzeker" not in key_nl  # the CI excludes 1, and the text agrees
    assert "- **Effect (95%-BI):** RR 0,72 (0,52 tot 0,9996)" in nl and "RR 0.72 (0.52 to 0.9996)" in en
    svg = (workspace / "reviews" / RID / "forest-1.nl.svg").read_text(encoding="utf-8")
    assert "0,52 tot 0,9996" in svg and "tot 1,00)" not in svg
    for text in (key_nl, nl):
        assert "tot 1,00" not in text
    # a study's own CI that includes 1 keeps two decimals, as does every bound away from no effect
    assert "0,45 tot 1,15" in svg


def test_an_effect_that_shrank_from_moderate_to_small_is_a_changed_conclusion(workspace, tmp_path):
    """Finding F5 of the living-review audit: the worded conclusion names an SMD's size, so an effect that went
    from moderate to small at the same strength is not "niet veranderd"."""
    _set_extraction(workspace, STRESS)
    build_bcg_review(workspace, included=4)
    _extract(workspace, tmp_path, "first.csv", [f"10.5555/bcg.{i:02d},perceived stress,rct,NL,150,low,SMD,-0.70,"
                                                f"-0.95,-0.45" for i in range(1, 5)])
    now = datetime.now(UTC)
    key_nl, _, _, _ = _report(workspace, now=now)
    assert "De bewijskracht is sterk." in key_nl
    time.sleep(1.1)
    _extract(workspace, tmp_path, "second.csv", [f"10.5555/bcg.{i:02d},perceived stress,rct,NL,150,low,SMD,-0.40,"
                                                 f"-0.65,-0.15" for i in range(1, 5)])
    key_nl, key_en, _, _ = _report(workspace, now=now + timedelta(days=1))
    assert "De bewijskracht is sterk." in key_nl
    assert "de conclusie is veranderd (eerder: een middelgroot gunstig effect; nu: een klein gunstig effect)" \
        in key_nl
    assert "the conclusion changed (before: a moderate favourable effect; now: a small favourable effect)" in key_en


def test_a_shown_effect_is_not_called_promising_when_the_protocol_does_not_say_which_side_is_good(
        workspace, tmp_path):
    _set_extraction(workspace, '[extraction]\noutcomes = ["perceived stress"]\noutcomes_nl = ["ervaren stress"]\n')
    build_bcg_review(workspace, included=4)
    _extract(workspace, tmp_path, "rows.csv", [f"10.5555/bcg.{i:02d},perceived stress,rct,NL,150,low,SMD,-0.40,"
                                               f"-0.65,-0.15" for i in range(1, 5)])
    key_nl, key_en, _, _ = _report(workspace)
    assert "kansrijk" not in key_nl.replace("of de aanpak kansrijk is", "") and "gunstig effect" not in key_nl
    assert "Het protocol zegt niet welke richting gunstig is, dus of de aanpak kansrijk is, is hier niet te " \
           "zeggen." in key_nl
    assert "The protocol does not say which direction is favourable" in key_en


REOFFENDING = [  # two studies measured reoffending on a scale (SMD), one as reoffended yes/no (counts, OR)
    "10.5555/bcg.01,schooluitval,rct,Netherlands,200,low,SMD,-0.30,-0.58,-0.02",
    "10.5555/bcg.02,schooluitval,rct,Belgium,300,low,SMD,-0.20,-0.43,0.03",
]


def _with_or_study(workspace, tmp_path) -> None:
    _extract(workspace, tmp_path, "smd.csv", REOFFENDING)
    path = tmp_path / "or.csv"
    path.write_text("record,outcome,design,country,n,risk_of_bias,events_treatment,total_treatment,events_control,"
                    "total_control,measure\n10.5555/bcg.03,schooluitval,rct,Netherlands,300,low,30,150,45,150,OR\n",
                    encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0


def test_odds_ratios_pool_with_smds_when_the_protocol_says_so(workspace, tmp_path):
    """``[extraction] odds_ratios_as_smd``: an outcome measured as a scale in some studies and as yes/no in
    others gives one SMD (Chinn 2000) instead of two results; the report says how many were converted."""
    build_bcg_review(workspace, included=3)
    _set_extraction(workspace, '[extraction]\noutcomes = ["dropping out"]\noutcomes_nl = ["schooluitval"]\n'
                               'odds_ratios_as_smd = true\n')
    _with_or_study(workspace, tmp_path)
    [result] = json.loads(run(["synthesis", RID, "--json"], workspace).stdout)["outcomes"]
    assert result["measure"] == "SMD" and result["k"] == 3
    converted = next(s for s in result["studies"] if s["converted_from"] == "OR")
    # OR = (30/120) / (45/105) = 0.583; ln(0.583) x sqrt(3)/pi = -0.297
    assert converted["estimate"] == pytest.approx(-0.297, abs=0.001)
    assert [s["converted_from"] for s in result["studies"]].count(None) == 2
    plain = run(["synthesis", RID], workspace).stdout
    assert "dropping out (SMD), k=3:" in plain
    assert "  1 of 3 effects are yes/no outcomes whose odds ratio was converted to SMD (Chinn 2000: ln(OR) x " \
           "sqrt(3)/pi;" in plain
    _key_nl, _key_en, nl, en = _report(workspace)
    assert ("1 van de 3 studies mat de uitkomst als ja of nee (een oddsratio of aantallen per groep). Die oddsratio "
            "is omgerekend naar een gestandaardiseerd verschil (SMD = ln(OR) × √3/π, Chinn 2000)") in nl
    assert ("1 of the 3 studies measured the outcome as yes or no (an odds ratio or counts per group); its odds "
            "ratio was converted to a standardised mean difference") in en


def test_without_the_protocols_word_each_measure_stays_on_its_own(workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    _with_or_study(workspace, tmp_path)
    results = json.loads(run(["synthesis", RID, "--json"], workspace).stdout)["outcomes"]
    assert sorted((r["measure"], r["k"]) for r in results) == [("OR", 1), ("SMD", 2)]
    assert all(s["converted_from"] is None for r in results for s in r["studies"])


def test_counts_given_as_a_risk_ratio_convert_through_their_odds_ratio_and_a_ci_alone_does_not(workspace,
                                                                                               tmp_path):
    """Extractors enter counts without a measure (a risk ratio): with ``odds_ratios_as_smd`` their odds ratio
    is converted too; a risk ratio given only as an estimate with its CI cannot be, and stays apart."""
    build_bcg_review(workspace, included=4)
    _set_extraction(workspace, '[extraction]\noutcomes = ["dropping out"]\noutcomes_nl = ["schooluitval"]\n'
                               'odds_ratios_as_smd = true\n')
    _extract(workspace, tmp_path, "smd.csv", REOFFENDING + ["10.5555/bcg.04,dropping out,rct,,200,low,RR,0.8,0.6,1.1"])
    path = tmp_path / "counts.csv"
    path.write_text("record,outcome,events_treatment,total_treatment,events_control,total_control\n"
                    "10.5555/bcg.03,dropping out,30,150,45,150\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    results = {r["measure"]: r for r in json.loads(run(["synthesis", RID, "--json"], workspace).stdout)["outcomes"]}
    assert sorted((m, r["k"]) for m, r in results.items()) == [("RR", 1), ("SMD", 3)]
    [converted] = [s for s in results["SMD"]["studies"] if s["converted_from"]]
    assert converted["converted_from"] == "RR" and converted["estimate"] == pytest.approx(-0.297, abs=0.001)
    assert converted["events"] == 75
    _key_nl, _key_en, nl, _en = _report(workspace)  # both notes: why two results, and what was converted
    assert "Schooluitval is in 2 maten gerapporteerd" in nl
    assert "1 van de 3 studies mat de uitkomst als ja of nee" in nl


BONDING = '[extraction]\noutcomes = ["school bonding and offending"]\noutcomes_nl = ["schoolbinding en delinquentie"]\n'
# five cohorts of one association, consistent and large enough together: only the design keeps it at beperkt
ASSOCIATION = [
    "10.5555/bcg.01,school bonding and offending,cohort,Netherlands,420,low,r,-0.20,,",
    "10.5555/bcg.02,schoolbinding en delinquentie,cohort,USA,450,low,r,-0.25,-0.33,-0.16",
    "10.5555/bcg.03,school bonding and offending,cohort,USA,300,low,r,-0.18,,",
    "10.5555/bcg.04,school bonding and offending,cohort,Belgium,800,low,r,-0.22,,",
    "10.5555/bcg.05,school bonding and offending,cohort,USA,250,low,R,-0.15,,",
]


def test_a_correlation_is_worded_as_an_association_never_as_an_effect_or_a_cause(workspace, tmp_path):
    build_bcg_review(workspace, included=5)
    _set_extraction(workspace, BONDING + "higher_is_better = [false]\n")  # a negative r is favourable
    _extract(workspace, tmp_path, "r.csv", ASSOCIATION)
    key_nl, key_en, nl, en = _report(workspace)
    assert key_nl.startswith("Schoolbinding en delinquentie: gemiddeld een zwakke negatieve samenhang (r = −0,21; "
                             "95%-BI −0,25 tot −0,17): meer van het ene hangt samen met minder van het andere. "
                             "De samenhang gaat mogelijk in de gunstige richting; de werkelijke samenhang kan "
                             "duidelijk anders zijn. De bewijskracht is beperkt.")
    assert "Een samenhang laat niet zien dat het ene het andere veroorzaakt. Of een aanpak die hierop inzet in " \
           "Heerlen-Noord werkt, moet een evaluatie uitwijzen." in key_nl
    assert key_en.startswith("School bonding and offending: on average a weak negative association (r = −0.21; "
                             "95% CI −0.25 to −0.17): more of one is associated with less of the other. The "
                             "association may point in the favourable direction; the true association may be "
                             "substantially different. The strength of evidence is low.")
    assert "An association does not show that one causes the other. Whether an intervention that acts on it " \
           "works in Heerlen-Noord needs an evaluation." in key_en
    for text in (key_nl, key_en):  # no effect claimed, nothing promising, no groups compared
        assert "effect" not in text.lower() and "kansrijk" not in text and "promising" not in text, text
        assert "aanpak scoort" not in text and "intervention group" not in text, text
    # the legend explains r; the effect row is an association; the strength starts from the cohorts' design
    assert "Afkortingen: r = correlatie: hoe sterk twee kenmerken samenhangen, van −1 tot 1; boven 0 hangt meer " \
           "van het ene samen met meer van het andere, onder 0 met minder; 0 is geen samenhang;" in nl
    assert "Abbreviations: r = correlation: how strongly two characteristics are associated" in en
    assert "95%-BI = 95%-betrouwbaarheidsinterval: de marge waarbinnen de werkelijke samenhang waarschijnlijk " \
           "ligt." in nl and "effect" not in nl.split("Afkortingen:", 1)[1].split("\n", 1)[0]
    assert "95% CI = 95% confidence interval: the range in which the true association probably lies." in en
    assert "- **Samenhang (95%-BI):** r = −0,21 (−0,25 tot −0,17)" in nl
    assert "- **Association (95% CI):** r = −0.21 (−0.25 to −0.17)" in en
    assert "- startniveau beperkt: 5 van de 5 studies zijn niet gerandomiseerd" in nl
    assert "Correlaties worden gemiddeld na omzetting naar Fisher-z en daarna teruggerekend naar r." in nl
    assert "Correlations are pooled on Fisher's z scale (z = atanh r" in en


def test_an_uncertain_correlation_says_no_association_is_shown_and_what_changed_is_worded_alike(
        workspace, tmp_path):
    build_bcg_review(workspace, included=7)
    _set_extraction(workspace, BONDING)  # which sign is favourable not given
    _extract(workspace, tmp_path, "one.csv", ["10.5555/bcg.06,school bonding and offending,cohort,USA,120,low,r,"
                                              "0.08,,"])
    key_nl, key_en, nl, en = _report(workspace)
    assert key_nl.startswith("Schoolbinding en delinquentie: een zeer zwakke positieve samenhang (r = 0,08; "
                             "95%-BI −0,10 tot 0,26; één studie): meer van het ene hangt samen met meer van het "
                             "andere. Maar dit is onzeker: het 95%-betrouwbaarheidsinterval omvat ook 0 (geen "
                             "samenhang).")
    assert key_en.startswith("School bonding and offending: a very weak positive association (r = 0.08; 95% CI "
                             "−0.10 to 0.26; one study): more of one is associated with more of the other. But this "
                             "is uncertain: the 95% confidence interval includes 0 (no association).")
    assert "Een samenhang is daarmee niet aangetoond." in key_nl and "An association is therefore not shown." in key_en
    assert "één niveau lager: het 95%-betrouwbaarheidsinterval omvat ook 0 (geen samenhang)" in nl
    assert "down one: the 95% confidence interval includes 0 (no association)" in en
    # a second small study: now pooled, still uncertain; then the five cohorts: the conclusion changes
    _extract(workspace, tmp_path, "two.csv", ["10.5555/bcg.07,school bonding and offending,cohort,USA,150,low,r,"
                                              "-0.02,,"])
    _report(workspace, now=DAY1 + timedelta(days=30))
    _extract(workspace, tmp_path, "five.csv", ASSOCIATION)
    key_nl, key_en, _, _ = _report(workspace, now=DAY1 + timedelta(days=60))
    assert "in een nieuwe situatie kan de samenhang ook ontbreken of zelfs de andere kant op gaan" in key_nl
    assert "Sinds het vorige rapport (1 mei 2026): 5 nieuwe studies in de effectberekening; de conclusie is " \
           "veranderd (eerder: geen samenhang aangetoond; nu: een zwakke negatieve samenhang, maar zeer onzeker)" \
           in key_nl
    assert "the conclusion changed (before: no association shown; now: a weak negative association, but very " \
           "uncertain)" in key_en
    for text in (key_nl, key_en):
        assert "effect" not in text.lower().replace("effectberekening", ""), text
