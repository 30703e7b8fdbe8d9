"""Outcome names in both languages and their favourable direction (``[extraction] outcomes_nl`` and
``higher_is_better``): validated by ``lsr protocols check``, an extraction in either language pooled as one
outcome, each report naming the outcome in its own language, forest plots labelling the favourable side and
key messages saying whether the effect is favourable (never without the CI caveat when it includes no effect).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from lsr.report import write_reports
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run
from tests.test_import_extraction import BCG, RID, build_bcg_review

DAY1 = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)
PAIRED = '[extraction]\noutcomes = ["tuberculosis"]\noutcomes_nl = ["tuberculose"]\n'
ESTIMATES = "record,outcome,design,country,n,risk_of_bias,measure,estimate,ci_low,ci_high\n"


def _set_extraction(workspace, table: str) -> None:
    path = workspace / "protocols" / f"{RID}.toml"
    text = path.read_text(encoding="utf-8").split("[extraction]")[0]
    path.write_text(text + "\n" + table, encoding="utf-8")


def _bcg_half_in_dutch(tmp_path):
    """The BCG file with every other trial's outcome written in Dutch, in another case."""
    lines = BCG.read_text(encoding="utf-8").splitlines()
    lines[1::2] = [line.replace(",tuberculosis,", ",Tuberculose ,") for line in lines[1::2]]
    path = tmp_path / "bcg-nl.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _synthesis(workspace) -> dict:
    result = run(["synthesis", RID, "--json"], workspace)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _reports(workspace) -> dict[str, str]:
    write_reports(open_workspace(resolve(workspace)), None, formats=["md"], now=DAY1)  # and the portfolio
    rdir = workspace / "reviews" / RID
    out = {lang: (rdir / f"summary.{lang}.md").read_text(encoding="utf-8") for lang in ("nl", "en")}
    for lang, heading in (("nl", "Kernboodschap"), ("en", "Key message")):
        out[f"key-{lang}"] = out[lang].split(f"## {heading}\n\n", 1)[1].split("\n\n", 1)[0]
    return out


@pytest.mark.parametrize(("table", "key", "reason"), [
    ('outcomes = ["achievement", "wellbeing"]\noutcomes_nl = ["leerprestaties"]', "extraction.outcomes_nl",
     "has 1 name, outcomes has 2 (same length and order)"),
    ('outcomes = ["achievement"]\nhigher_is_better = [true, false]', "extraction.higher_is_better",
     "has 2 values, outcomes has 1 (same length and order)"),
    ('outcomes = ["achievement"]\nhigher_is_better = ["yes"]', "extraction.higher_is_better",
     "must be a list of true or false, one per outcome"),
    ('outcomes = ["achievement"]\nhigher_is_better = [1]', "extraction.higher_is_better",
     "must be a list of true or false"),
    ('outcomes = ["achievement", "wellbeing"]\noutcomes_nl = ["wellbeing", "welzijn"]', "extraction.outcomes_nl",
     "'wellbeing' is also the name of another outcome in outcomes ('wellbeing')"),
    ('outcomes = ["achievement", "wellbeing"]\noutcomes_nl = ["welzijn", "Welzijn"]', "extraction.outcomes_nl",
     "outcomes are listed twice: 'Welzijn' (as 'welzijn')"),
])
def test_protocols_check_refuses_bad_outcome_names_and_directions(workspace, table, key, reason):
    _set_extraction(workspace, f"[extraction]\n{table}\n")
    path = workspace / "protocols" / f"{RID}.toml"
    result = run(["protocols", "check", path], workspace)
    assert result.exit_code == 1, result.output
    assert f"{path}: {key}: {reason}" in result.stderr + result.stdout


def test_protocols_check_accepts_both_names_and_directions(workspace):
    _set_extraction(workspace, '[extraction]\noutcomes = ["achievement", "crime"]\n'
                               'outcomes_nl = ["leerprestaties", "criminaliteit"]\nhigher_is_better = [true, false]\n')
    result = run(["protocols", "check", workspace / "protocols" / f"{RID}.toml"], workspace)
    assert result.exit_code == 0, result.output


def test_an_outcome_extracted_in_both_languages_is_one_pool_named_in_each_reports_language(workspace, tmp_path):
    _set_extraction(workspace, PAIRED + "higher_is_better = [false]\n")
    build_bcg_review(workspace)
    result = run(["extract", RID, "--import", _bcg_half_in_dutch(tmp_path)], workspace)
    assert result.exit_code == 0, result.output
    [tb] = _synthesis(workspace)["outcomes"]
    assert (tb["outcome"], tb["outcome_nl"], tb["k"], tb["higher_is_better"]) == \
        ("tuberculosis", "tuberculose", 13, False)  # stored under the protocol's name, one pool

    reports = _reports(workspace)
    nl, en = reports["nl"], reports["en"]
    assert reports["key-nl"].startswith("Tuberculose: in de groep met de aanpak gemiddeld 51% minder vaak dan in "
                                        "de vergelijkingsgroep")
    assert reports["key-en"].startswith("Tuberculosis: on average 51% less frequent in the intervention group than "
                                        "in the comparison group")
    assert "### tuberculose\n" in nl and "### tuberculosis\n" in en
    assert "### tuberculosis" not in nl and "### tuberculose" not in en
    assert "![Forestplot voor tuberculose:" in nl and "![Forest plot for tuberculosis:" in en
    assert "voorspellingsinterval; onder de as staat welke kant gunstig is voor de aanpak.]" in nl
    assert "prediction interval; under the axis is the side that favours the intervention.]" in en
    portfolio = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "tuberculose: RR 0,49" in portfolio and "tuberculosis: RR" not in portfolio
    portfolio_en = (workspace / "reviews" / "portfolio.en.md").read_text(encoding="utf-8")
    assert "tuberculosis: RR 0.49" in portfolio_en
    # less tuberculosis is good: RR 0.49 with a CI below 1 is a favourable effect, worded as the evidence
    # allows (beperkt: "mogelijk")
    assert "De bewijskracht is beperkt." in reports["key-nl"]
    assert "Dit is mogelijk een gunstig effect; het werkelijke effect kan duidelijk anders zijn." in reports["key-nl"]
    assert "This may be a favourable effect; the true effect may be substantially different." in reports["key-en"]
    assert "Dit is een gunstig effect." not in reports["key-nl"]
    # the prediction interval (0,13 to 1,80) reaches the unfavourable side
    assert "in een nieuwe situatie kan het effect ook uitblijven of zelfs ongunstig uitvallen." in reports["key-nl"]
    assert "in a new setting the effect may not appear, or even be unfavourable." in reports["key-en"]
    svg = (workspace / "reviews" / RID / "forest-1.nl.svg").read_text(encoding="utf-8")
    assert "Forestplot: tuberculose" in svg and "gunstig voor de" in svg and "vergelijkingsgroep" in svg


def test_a_study_extracted_under_the_dutch_name_before_the_protocol_paired_it_counts_once(workspace, tmp_path):
    build_bcg_review(workspace)
    result = run(["extract", RID, "--import", _bcg_half_in_dutch(tmp_path)], workspace)
    assert result.exit_code == 0, result.output
    assert sorted(o["outcome"] for o in _synthesis(workspace)["outcomes"]) == ["Tuberculose", "tuberculosis"]
    reports = _reports(workspace)  # without the protocol's names: each report shows the names as extracted
    for lang in ("nl", "en"):
        assert "### Tuberculose\n" in reports[lang] and "### tuberculosis\n" in reports[lang]
    assert "gunstig" not in reports["key-nl"] and "favourable" not in reports["key-en"]  # direction unknown
    svg = (workspace / "reviews" / RID / "forest-1.nl.svg").read_text(encoding="utf-8")
    assert "gunstig voor" not in svg
    _set_extraction(workspace, PAIRED)  # the review pairs the names; the trials are extracted again in English
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    [tb] = _synthesis(workspace)["outcomes"]
    assert (tb["outcome"], tb["k"]) == ("tuberculosis", 13)


def test_an_unknown_outcome_is_refused_naming_both_languages(workspace, tmp_path):
    _set_extraction(workspace, PAIRED)
    build_bcg_review(workspace, included=1)
    path = tmp_path / "x.csv"
    path.write_text(ESTIMATES + "10.5555/bcg.01,tbc,rct,NL,100,low,RR,0.5,0.3,0.8\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1
    assert f"{path}: line 2: outcome: 'tbc' is not one of the protocol's outcomes (tuberculosis; in Dutch: " \
           "tuberculose)" in result.stderr


def test_an_unfavourable_effect_is_called_so(workspace):
    _set_extraction(workspace, PAIRED + "higher_is_better = [true]\n")  # as if the trials counted recoveries
    build_bcg_review(workspace)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    reports = _reports(workspace)
    assert "Dit is mogelijk een ongunstig effect; het werkelijke effect kan duidelijk anders zijn." \
        in reports["key-nl"]
    assert "This may be an unfavourable effect; the true effect may be substantially different." \
        in reports["key-en"]
    assert "kan het effect ook uitblijven of zelfs gunstig uitvallen." in reports["key-nl"]
    assert "the effect may not appear, or even be favourable." in reports["key-en"]
    assert "kansrijk" not in reports["key-nl"] and "promising" not in reports["key-en"]


COUNTS = "record,outcome,design,country,n,risk_of_bias,events_treatment,total_treatment,events_control,total_control\n"


def test_clear_harm_on_a_desirable_outcome_is_not_called_a_lower_risk_nor_an_invitation_to_try(workspace, tmp_path):
    """Fewer pupils pass the exam with the intervention (RR 0,67), strong evidence: the outcome, a phrase
    rather than a noun, leads as the sentence's label (no verb to agree with it), its frequency is lower (not
    its "risk"), and the message advises against introducing it."""
    _set_extraction(workspace, '[extraction]\noutcomes = ["passed exam"]\noutcomes_nl = ["geslaagd voor examen"]\n'
                               'higher_is_better = [true]\n')
    build_bcg_review(workspace, included=3)
    path = tmp_path / "exam.csv"
    path.write_text(COUNTS + "10.5555/bcg.01,passed exam,rct,NL,,low,60,200,90,200\n"
                             "10.5555/bcg.02,passed exam,rct,US,,low,55,200,85,200\n"
                             "10.5555/bcg.03,passed exam,rct,US,,some concerns,70,220,100,220\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    reports = _reports(workspace)
    key_nl, key_en = reports["key-nl"], reports["key-en"]
    assert key_nl.startswith("Geslaagd voor examen: in de groep met de aanpak gemiddeld 33% minder vaak dan in de "
                             "vergelijkingsgroep (RR 0,67; 95%-BI 0,58 tot 0,78). Dit is een ongunstig effect.")
    assert key_en.startswith("Passed exam: on average 33% less frequent in the intervention group than in the "
                             "comparison group (RR 0.67; 95% CI 0.58 to 0.78). This is an unfavourable effect.")
    assert "De bewijskracht is sterk." in key_nl and "risico" not in key_nl and "risk" not in key_en
    assert "Het onderzoek wijst op nadeel; invoering in Heerlen-Noord ligt daarom niet voor de hand." in key_nl
    assert "The research points to harm; introducing the intervention in Heerlen-Noord is therefore not " \
           "advisable." in key_en
    assert "lokale evaluatie" not in key_nl and "local evaluation" not in key_en


@pytest.mark.parametrize(("designs", "risk", "level", "nl", "en"), [
    (("rct", "rct"), "low", "sterk", "Dit is een gunstig effect.", "This is a favourable effect."),
    (("rct", "cohort"), "low", "redelijk", "Dit is waarschijnlijk een gunstig effect.",
     "This is probably a favourable effect."),
    (("cohort", "cohort"), "low", "beperkt",
     "Dit is mogelijk een gunstig effect; het werkelijke effect kan duidelijk anders zijn.",
     "This may be a favourable effect; the true effect may be substantially different."),
    (("cohort", "cohort"), "high", "zeer beperkt", "Of het effect gunstig is, is zeer onzeker.",
     "It is very uncertain whether the effect is favourable."),
])
def test_a_favourable_effect_is_worded_as_the_strength_of_evidence_allows(workspace, tmp_path, designs, risk,
                                                                           level, nl, en):
    _set_extraction(workspace, '[extraction]\noutcomes = ["reading"]\noutcomes_nl = ["lezen"]\n'
                               'higher_is_better = [true]\n')
    build_bcg_review(workspace, included=2)
    path = tmp_path / "reading.csv"
    path.write_text(ESTIMATES + "".join(f"10.5555/bcg.0{i},lezen,{d},NL,600,{risk},SMD,0.30,0.20,0.40\n"
                                        for i, d in enumerate(designs, 1)), encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    reports = _reports(workspace)
    assert f"De bewijskracht is {level}." in reports["key-nl"]
    assert nl in reports["key-nl"] and en in reports["key-en"]
    others = {"Dit is een gunstig effect.", "Dit is waarschijnlijk", "Dit is mogelijk", "zeer onzeker"}
    assert not any(o in reports["key-nl"] for o in others if o not in nl), reports["key-nl"]


@pytest.mark.parametrize(("higher_is_better", "nl", "en"), [
    (True, "Het effect gaat in de gunstige richting, maar dit is onzeker: het 95%-betrouwbaarheidsinterval "
           "omvat ook de waarde voor 'geen effect'.",
     "The effect points in the favourable direction, but this is uncertain: the 95% confidence interval "
     "includes the no-effect value."),
    (None, "Maar dit is onzeker: het 95%-betrouwbaarheidsinterval omvat ook de waarde voor 'geen effect'.",
     "But this is uncertain: the 95% confidence interval includes the no-effect value."),
])
def test_an_uncertain_effect_is_only_called_favourable_in_its_direction_with_the_caveat(
        workspace, tmp_path, higher_is_better, nl, en):
    direction = "" if higher_is_better is None else f"higher_is_better = [{str(higher_is_better).lower()}]\n"
    _set_extraction(workspace, '[extraction]\noutcomes = ["reading"]\noutcomes_nl = ["lezen"]\n' + direction)
    build_bcg_review(workspace, included=2)
    path = tmp_path / "reading.csv"
    path.write_text(ESTIMATES + "10.5555/bcg.01,lezen,rct,NL,200,low,SMD,0.20,-0.05,0.45\n"
                                "10.5555/bcg.02,reading,rct,NL,200,low,SMD,0.10,-0.10,0.30\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    reports = _reports(workspace)
    assert reports["key-nl"].startswith("Lezen: de groep met de aanpak scoort")
    assert reports["key-en"].startswith("Reading: the intervention group scores")
    assert nl in reports["key-nl"] and en in reports["key-en"]
    assert "Dit is een gunstig effect" not in reports["key-nl"] and "a favourable effect" not in reports["key-en"]


@pytest.mark.parametrize(("higher_is_better", "left", "right"), [
    (True, "control", "intervention"),  # higher scores good: right of 0 (or of 1) favours the intervention
    (False, "intervention", "control"),  # an event that is bad: a ratio below 1 favours the intervention
])
def test_the_favoured_sides_follow_the_direction(higher_is_better, left, right):
    from lsr.synthesis.forest import favoured_sides

    assert favoured_sides(higher_is_better) == (left, right)
    assert favoured_sides(None) is None


@pytest.mark.parametrize("measure", ["RR", "SMD"])
def test_a_forest_plot_labels_both_sides_of_the_null_line_in_its_language(measure):
    from lsr.synthesis.forest import forest_svg
    from tests.test_synthesis_studies import _pooled, _result

    result = _result(_pooled(measure, [(0.6, 0.4, 0.9), (0.8, 0.5, 1.2)]), higher_is_better=False)
    texts = " ".join(re.findall(r"<!-- (.*?) -->", forest_svg(result, "nl", "s"), re.S))
    assert "\u2190 gunstig voor de" in texts and "aanpak" in texts
    assert "vergelijkingsgroep \u2192" in texts
    assert "interventie" not in texts and "controlegroep" not in texts
    texts_en = " ".join(re.findall(r"<!-- (.*?) -->", forest_svg(result, "en", "e"), re.S))
    assert "\u2190 favours" in texts_en and "comparison \u2192" in texts_en


def test_without_extraction_names_an_outcome_of_the_pico_is_named_by_the_pico_in_each_language(workspace):
    path = workspace / "protocols" / f"{RID}.toml"  # no [extraction] table, as in every NPHLN protocol
    path.write_text(path.read_text(encoding="utf-8").replace(
        'outcomes = ["achievement"]\n',
        'outcomes = ["achievement", "Tuberculosis "]\noutcomes_nl = ["leerprestaties", "tuberculose"]\n'),
        encoding="utf-8")
    build_bcg_review(workspace)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0  # extracted as "tuberculosis"
    [tb] = _synthesis(workspace)["outcomes"]
    assert (tb["outcome"], tb["outcome_nl"]) == ("Tuberculosis", "tuberculose")  # pooled under the PICO's name
    reports = _reports(workspace)
    assert reports["key-nl"].startswith("Tuberculose: in de groep met de aanpak")
    assert "### tuberculose\n" in reports["nl"] and "tuberculosis" not in reports["nl"].lower().replace(
        "bcg vaccination against tuberculosis", "")
    assert "Engelstalig" not in reports["key-nl"]  # an outcome name is never marked
    assert reports["key-en"].startswith("Tuberculosis: on average")
    assert "### Tuberculosis\n" in reports["en"]  # the PICO's English entry, as written there
    portfolio = (workspace / "reviews" / "portfolio.nl.md").read_text(encoding="utf-8")
    assert "tuberculose: RR 0,49" in portfolio


def test_an_outcome_the_pico_does_not_list_keeps_its_extracted_name(workspace):
    path = workspace / "protocols" / f"{RID}.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'outcomes = ["achievement"]\n', 'outcomes = ["achievement"]\noutcomes_nl = ["leerprestaties"]\n'),
        encoding="utf-8")
    build_bcg_review(workspace)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    reports = _reports(workspace)
    assert reports["key-nl"].startswith("Tuberculosis: in de groep met de aanpak")
    assert "leerprestaties" not in reports["key-nl"]


def _pico_outcomes(workspace, english: list[str], dutch: list[str]) -> None:
    """The protocol's PICO lists these outcomes (no [extraction] table, as in every NPHLN protocol)."""
    path = workspace / "protocols" / f"{RID}.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'outcomes = ["achievement"]\n', f"outcomes = {json.dumps(english)}\noutcomes_nl = {json.dumps(dutch)}\n"),
        encoding="utf-8")


def test_without_extraction_the_pico_pairs_the_english_and_dutch_names_into_one_pool(workspace, tmp_path):
    _pico_outcomes(workspace, ["perceived stress"], ["ervaren stress"])
    build_bcg_review(workspace, included=3)
    path = tmp_path / "stress.csv"
    path.write_text(ESTIMATES + "10.5555/bcg.01,Perceived Stress,rct,NL,120,low,SMD,-0.40,-0.76,-0.04\n"
                    "10.5555/bcg.02,ervaren stress,rct,NL,150,low,SMD,-0.30,-0.62,0.02\n"
                    "10.5555/bcg.03,Stress (PSS-10),rct,NL,90,low,SMD,-0.20,-0.61,0.21\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    outcomes = {o["outcome"]: o["k"] for o in _synthesis(workspace)["outcomes"]}
    assert outcomes == {"perceived stress": 2, "Stress (PSS-10)": 1}  # one pool; the unlisted name stays apart
    reports = _reports(workspace)
    assert reports["nl"].count("### ervaren stress\n") == 1


def test_the_key_message_leads_with_the_outcome_the_protocol_lists_first(workspace, tmp_path):
    _pico_outcomes(workspace, ["perceived stress", "dropping out"], ["ervaren stress", "schooluitval"])
    build_bcg_review(workspace, included=5)
    path = tmp_path / "two.csv"
    path.write_text(ESTIMATES + "10.5555/bcg.01,dropping out,rct,NL,300,low,RR,0.70,0.50,0.98\n"
                    "10.5555/bcg.02,dropping out,rct,NL,300,low,RR,0.75,0.55,1.02\n"
                    "10.5555/bcg.03,dropping out,rct,NL,300,low,RR,0.72,0.52,1.00\n"
                    "10.5555/bcg.04,perceived stress,rct,NL,300,low,SMD,-0.40,-0.63,-0.17\n"
                    "10.5555/bcg.05,perceived stress,rct,NL,300,low,SMD,-0.35,-0.58,-0.12\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    assert [o["outcome"] for o in _synthesis(workspace)["outcomes"]] == ["perceived stress", "dropping out"]
    assert _reports(workspace)["key-nl"].startswith("Ervaren stress: ")  # not the outcome with most studies


def test_a_harm_on_another_outcome_is_pointed_to_beside_a_benefit_on_the_main_one(workspace, tmp_path):
    _set_extraction(workspace, '[extraction]\noutcomes = ["perceived stress", "dropping out"]\n'
                               'outcomes_nl = ["ervaren stress", "schooluitval"]\nhigher_is_better = [false, false]\n')
    build_bcg_review(workspace, included=4)
    path = tmp_path / "both.csv"
    rows = ("10.5555/bcg.01,perceived stress,rct,NL,300,low,SMD,-0.40,-0.63,-0.17\n"
            "10.5555/bcg.02,perceived stress,rct,NL,300,low,SMD,-0.35,-0.58,-0.12\n")
    path.write_text(ESTIMATES + rows, encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    assert "Let op" not in _reports(workspace)["key-nl"]  # one outcome: nothing to point to
    path.write_text(ESTIMATES + rows + "10.5555/bcg.03,dropping out,rct,NL,400,low,RR,1.75,1.44,2.13\n"
                    "10.5555/bcg.04,dropping out,rct,NL,400,low,RR,1.60,1.20,2.13\n", encoding="utf-8")
    assert run(["extract", RID, "--import", path], workspace).exit_code == 0
    reports = _reports(workspace)
    assert reports["key-nl"].startswith("Ervaren stress: ")
    assert "Let op: bij schooluitval wijst het onderzoek op een ongunstig effect (bewijskracht " in reports["key-nl"]
    assert "Note: for dropping out the research points to an unfavourable effect" in reports["key-en"]
