"""How the synthesis presents extracted studies: countries read at ``lsr extract``, studies described
without an effect, outcomes with two measures, study labels with Dutch surname particles, intervals
("−0,07 tot 0,26") and forest-plot axes in the report's language.

Through ``lsr extract`` / ``lsr synthesis --json`` / ``lsr report`` and the library API
(``lsr.synthesis.service``, ``lsr.synthesis.forest``, ``lsr.report.texts``)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.helpers import run

RID = "test-review"
AUTHORS = ["Erica L T van den Akker", "Jan de Vries", "Nederlands Jeugdinstituut", "Smith, John",
           "van der Berg MJ", "Akker, E. van den", "Anna García-López"]
YEARS = [2017, 2011, 2019, 2005, 2008, 2014, 2020]
LABELS = ["Van den Akker 2017", "De Vries 2011", "Nederlands Jeugdinstituut 2019", "Smith 2005",
          "Van der Berg 2008", "Van den Akker 2014", "García-López 2020"]
HEADER = "record,outcome,design,country,n,risk_of_bias,events_treatment,total_treatment,events_control," \
         "total_control,measure,estimate,ci_low,ci_high,note\n"


def _review(workspace: Path) -> None:
    """Seven records (authors as OpenAlex and other exports write them), all included at full text."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["title", "authors", "year", "doi"])
    for i, (who, year) in enumerate(zip(AUTHORS, YEARS, strict=True), 1):
        w.writerow([f"Study {i} of the school day", who, year, f"10.5555/s.{i}"])
    (workspace / "records.csv").write_text(buf.getvalue(), encoding="utf-8")
    assert run(["import", RID, workspace / "records.csv"], workspace).exit_code == 0
    for i in range(1, len(AUTHORS) + 1):
        for stage in ("title-abstract", "full-text"):
            result = run(["decide", RID, f"10.5555/s.{i}", "include", "--stage", stage], workspace)
            assert result.exit_code == 0, result.output


def _extract(workspace: Path, tmp_path: Path, body: str):
    path = tmp_path / "extraction.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return run(["extract", RID, "--import", path], workspace), path


def _synthesis(workspace: Path) -> dict:
    result = run(["synthesis", RID, "--json"], workspace)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _outcome(doc: dict, title: str) -> dict:
    return next(o for o in doc["outcomes"] if o["title"] == title)


def test_countries_are_read_as_iso_codes_and_an_unknown_one_is_kept_with_a_warning(workspace, tmp_path):
    _review(workspace)
    result, path = _extract(workspace, tmp_path, (
        "10.5555/s.1,conflicten,rct,NLD,,,0,50,6,50,,,,,\n"
        "10.5555/s.2,conflicten,rct,Nederland (Heerlen),120,,3,60,9,60,,,,,\n"
        "10.5555/s.3,conflicten,rct,Holland,200,,,,,,RR,0.50,0.30,0.83,\n"
        "10.5555/s.4,conflicten,rct,the Netherlands,100,,4,50,8,50,,,,,\n"
        "10.5555/s.5,overlast,rct,DEU,300,low,10,150,20,150,OR,,,,\n"
        "10.5555/s.6,overlast,rct,België,300,low,40,150,20,150,OR,,,,\n"
        "10.5555/s.7,overlast,rct,Atlantis,300,low,30,150,20,150,OR,,,,\n"))
    assert result.exit_code == 0, result.output
    assert "7 new" in result.stdout
    assert f"warning: {path}: line 8: country: 'Atlantis' is not a country lsr recognises" in result.stderr
    assert result.stderr.count("warning:") == 1
    doc = _synthesis(workspace)
    conflicts = _outcome(doc, "conflicten")
    assert [s["country"] for s in conflicts["studies"]] == ["NL"] * 4
    # "Europe" includes the Netherlands: the second count is of the other European countries only
    assert "4 of the 4 studies are from the Netherlands, none from another European country" in conflicts["notes"]
    nuisance = _outcome(doc, "overlast")
    assert sorted(s["country"] for s in nuisance["studies"]) == ["Atlantis", "BE", "DE"]
    assert "none of the 3 studies is from the Netherlands, 2 from another European country" in nuisance["notes"]

    out = tmp_path / "back.csv"
    assert run(["export", RID, "--format", "extraction-csv", "-o", out], workspace).exit_code == 0
    again = run(["extract", RID, "--import", out], workspace)
    assert again.stdout.endswith("7 unchanged\n"), again.output  # the stored codes read back as themselves


def test_the_library_counts_dutch_and_european_studies_from_codes_and_old_free_text(workspace, tmp_path):
    from lsr.settings import resolve
    from lsr.synthesis.countries import canonical, is_dutch, is_european
    from lsr.synthesis.service import synthesize
    from lsr.workspace import open_workspace

    assert [canonical(t) for t in ("NLD", "nl", "Holland", "Nederland (Heerlen)", "Heerlen, Netherlands",
                                   "the Netherlands", "Nederland en België", "Verenigd Koninkrijk", "USA")] == \
        ["NL", "NL", "NL", "NL", "NL", "NL", "NL; BE", "GB", "US"]
    assert canonical("Atlantis") is None
    assert is_dutch("nederland") and is_dutch("NL; BE") and not is_dutch("BE")
    assert is_european("Duitsland") and is_european("GB") and not is_european("USA")
    _review(workspace)
    _extract(workspace, tmp_path, "10.5555/s.1,conflicten,rct,NLD,50,,,,,,RR,0.5,0.3,0.83,\n"
                                  "10.5555/s.2,conflicten,rct,Belgium,50,,,,,,RR,0.6,0.3,1.2,\n"
                                  "10.5555/s.3,conflicten,rct,Canada,50,,,,,,RR,0.7,0.3,1.6,\n")
    [r] = synthesize(open_workspace(resolve(workspace)), RID).outcomes
    assert r.origin == (1, 2, 3)  # (from the Netherlands, from Europe, studies)


def test_studies_without_an_effect_are_described_with_their_participants_designs_and_notes(workspace, tmp_path):
    _review(workspace)
    result, _ = _extract(workspace, tmp_path, (
        "10.5555/s.1,schoolverzuim,cohort,Netherlands,300,some concerns,,,,,,,,,no effect size reported\n"
        "10.5555/s.2,schoolverzuim,qualitative,Netherlands,25,,,,,,,,,,interviews with school social workers\n"
        "10.5555/s.3,welbevinden,before-after,Belgium,80,high,,,,,,,,,\n"))
    assert result.exit_code == 0, result.output
    doc = _synthesis(workspace)
    absence = _outcome(doc, "schoolverzuim")
    assert absence["k"] == 0 and absence["n"] == 325  # the described studies' participants, not "—"
    assert absence["described"] == [
        {"record": absence["described"][0]["record"], "label": "De Vries 2011", "reason": "no effect extracted",
         "n": 25, "design": "qualitative", "country": "NL", "risk_of_bias": None,
         "note": "interviews with school social workers"},
        {"record": absence["described"][1]["record"], "label": "Van den Akker 2017",
         "reason": "no effect extracted", "n": 300, "design": "cohort", "country": "NL",
         "risk_of_bias": "some concerns", "note": "no effect size reported"},
    ]

    from lsr.settings import resolve
    from lsr.synthesis.service import synthesize
    from lsr.workspace import open_workspace

    s = synthesize(open_workspace(resolve(workspace)), RID)
    assert s.extracted == 3 and s.with_effect == 0 and not s.pooled_any
    assert [d.label for d in s.described_only] == ["De Vries 2011", "Nederlands Jeugdinstituut 2019",
                                                  "Van den Akker 2017"]
    assert s.described_only_n == 405
    school = next(r for r in s.outcomes if r.pooled.outcome == "schoolverzuim")
    assert school.described_n == 325 and school.described_n_missing == 0
    assert school.described_designs == {"qualitative": 1, "cohort": 1}
    assert school.described_origin == (2, 2, 2)
    # not "geen effect geëxtraheerd": that reads as "the study found no effect"
    assert school.described_studies[0].reason_text("nl") == "effectgegevens (nog) niet uit de studie overgenomen"
    assert school.described_studies[0].reason_text("en") == "no effect data extracted"

    from lsr.report import write_reports

    write_reports(open_workspace(resolve(workspace)), [RID], formats=["md"], now=datetime(2026, 4, 1, tzinfo=UTC))
    nl = (workspace / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (workspace / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    block = nl.split("### schoolverzuim", 1)[1].split("###", 1)[0]
    assert "- **Deelnemers:** 325" in block
    # no effect to rate: no level of the scale, and no reason that reads as a rating
    assert "- **Bewijskracht:** **niet te beoordelen (geen effect te berekenen)**" in block
    assert "zeer beperkt" not in block and "- **Effect (95%-BI):** geen effect te berekenen" in block
    assert "Beschreven, niet meegeteld in het gemiddelde effect:" in block and "gepoold" not in nl
    assert "- Van den Akker 2017: effectgegevens (nog) niet uit de studie overgenomen" in block
    assert "geëxtraheerd" not in nl
    block_en = en.split("### schoolverzuim", 1)[1].split("###", 1)[0]
    assert "- **Strength of evidence:** **not assessable (no effect to compute)**" in block_en
    assert "- Van den Akker 2017: no effect data extracted" in block_en and "very low" not in block_en


def test_an_outcome_with_two_measures_is_named_with_its_measure_and_one_study_keeps_its_ci(workspace, tmp_path):
    _review(workspace)
    result, _ = _extract(workspace, tmp_path, (
        "10.5555/s.1,welbevinden,rct,NL,200,low,,,,,RR,1.4,0.9,2.2,\n"
        "10.5555/s.2,welbevinden,rct,NL,200,low,,,,,RR,1.2,0.8,1.8,\n"
        "10.5555/s.3,Welbevinden,rct,NL,150,low,,,,,MD,2.0,0.5,3.5,\n"
        "10.5555/s.4,taal,rct,NL,150,low,,,,,SMD,0.35,0.05,0.65,\n"))
    assert result.exit_code == 0, result.output
    doc = _synthesis(workspace)
    assert sorted(o["title"] for o in doc["outcomes"]) == ["taal", "welbevinden (MD)", "welbevinden (RR)"]
    assert {o["outcome"] for o in doc["outcomes"]} == {"taal", "welbevinden"}  # the outcome itself unchanged

    from lsr.settings import resolve
    from lsr.synthesis.forest import forest_svg
    from lsr.synthesis.service import synthesize
    from lsr.workspace import open_workspace

    s = synthesize(open_workspace(resolve(workspace)), RID)
    rr = next(r for r in s.outcomes if r.title == "welbevinden (RR)")
    texts = re.findall(r"<!-- (.*?) -->", forest_svg(rr, "nl", "t"))  # matplotlib names each text
    assert "Forestplot: welbevinden (RR)" in texts
    taal = next(r for r in s.outcomes if r.title == "taal")
    assert taal.pooled.estimate is None and taal.interval == pytest.approx((0.35, 0.05, 0.65))
    assert rr.interval == pytest.approx((rr.pooled.estimate, rr.pooled.ci_low, rr.pooled.ci_high))

    from lsr.report import write_reports

    write_reports(open_workspace(resolve(workspace)), [RID], formats=["md"], now=datetime(2026, 4, 1, tzinfo=UTC))
    nl = (workspace / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (workspace / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    # the two sections of one outcome differ in heading, caption and the appendix
    assert "### welbevinden (RR)" in nl and "### welbevinden (MD)" in nl and "### welbevinden\n" not in nl
    assert "### welbevinden (RR)" in en and "### welbevinden (MD)" in en
    # the caption names only what is drawn: two pooled studies have weights and a diamond but no
    # prediction interval; one study has none of these
    assert "![Forestplot voor welbevinden (RR): effect per studie met 95%-BI en gewicht en gemiddeld " \
           "effect (ruit)." in nl
    assert "![Forestplot voor welbevinden (MD): effect per studie met 95%-BI.]" in nl
    assert "![Forest plot for welbevinden (MD): effect per study with 95% CI.]" in en
    assert "voorspellingsinterval." not in nl
    appendix = nl.split("## Technische bijlage", 1)[1]
    assert "- welbevinden (RR): " in appendix
    # the pooling method with its software is in the appendix; the body says it in plain Dutch
    body = nl.split("## Technische bijlage", 1)[0]
    assert "statsmodels" not in body and "Paule-Mandel" not in body and "minder van de uitkomst" not in body
    assert "Het gemiddelde effect weegt grotere en preciezere studies zwaarder." in body
    assert "statsmodels" in appendix and "Paule-Mandel" in appendix


def test_study_labels_keep_dutch_particles_and_organisations_whole(workspace, tmp_path):
    _review(workspace)
    body = "".join(f"10.5555/s.{i},taal,rct,NL,100,low,,,,,SMD,0.{i},0.0{i},0.{i}9,\n" for i in range(1, 8))
    assert _extract(workspace, tmp_path, body)[0].exit_code == 0
    [taal] = _synthesis(workspace)["outcomes"]
    assert sorted(s["label"] for s in taal["studies"]) == sorted(LABELS)


def test_intervals_read_as_words_with_a_real_minus_sign():
    from lsr.report.texts import fmt_range

    assert fmt_range(-0.07, 0.26, "nl") == "\u22120,07 tot 0,26"
    assert fmt_range(-0.07, 0.26, "en") == "\u22120.07 to 0.26"
    assert fmt_range(0.05, 0.65, "nl") == "0,05 tot 0,65"
    assert fmt_range(-0.001, 1.5, "en") == "0.00 to 1.50"  # no "−0.00"
    assert fmt_range(None, 0.3, "nl") == "—"


def _pooled(measure: str, effects: list[tuple[float, float, float]]):
    import math

    from lsr.synthesis.meta_analysis import Z95, StudyEffect, pool

    studies = []
    for i, (est, lo, hi) in enumerate(effects, 1):
        f = math.log if measure in ("RR", "OR") else float
        se = (f(hi) - f(lo)) / (2 * Z95)
        studies.append(StudyEffect(i, f"Studie {i}", "welbevinden", measure, f(est), se * se, 100, "rct", None,
                                   "NL"))
    return pool("welbevinden", measure, studies)


def _result(p, higher_is_better: bool | None = None):
    """An ``OutcomeResult`` of a pooled effect, as ``synthesize`` gives the reports."""
    from lsr.synthesis.service import OutcomeResult
    from lsr.synthesis.strength import rate

    return OutcomeResult(p, rate(p), higher_is_better=higher_is_better)


def _ticks(svg: str, axis_label: str) -> list[str]:
    texts = re.findall(r"<!-- (.*?) -->", svg)
    return texts[: texts.index(axis_label)]  # matplotlib draws the tick labels before the axis label


def test_forest_plot_axes_follow_the_language_and_a_ratio_axis_has_several_ticks():
    from lsr.synthesis.forest import forest_svg

    rr = _result(_pooled("RR", [(1.4, 0.9, 2.2), (1.2, 0.8, 1.8)]))
    ticks = _ticks(forest_svg(rr, "nl", "a"), "Relatief risico (RR)")
    assert len(ticks) >= 3 and "1" in ticks and "1,5" in ticks, ticks
    smd = _result(_pooled("SMD", [(-0.07, -0.27, 0.13), (0.15, -0.05, 0.35)]))
    svg_nl = forest_svg(smd, "nl", "b")
    ticks_nl = _ticks(svg_nl, "Gestandaardiseerd verschil (SMD)")
    assert any("," in t for t in ticks_nl) and not any("." in t for t in ticks_nl), ticks_nl
    assert any(t.startswith("\u2212") for t in ticks_nl), ticks_nl
    assert "\u22120,07 (\u22120,27 tot 0,13)" in " ".join(re.findall(r"<!-- (.*?) -->", svg_nl))
    ticks_en = _ticks(forest_svg(smd, "en", "c"), "Standardised mean difference (SMD)")
    assert any("." in t for t in ticks_en) and not any("," in t for t in ticks_en), ticks_en


def test_screening_plots_write_axis_numbers_as_the_language_does():
    from lsr.report.plots import curve_svg

    nl = re.findall(r"<!-- (.*?) -->", curve_svg([i // 100 for i in range(1, 1501)], "nl", "n"))
    assert "1.200" in nl and "1200" not in nl
    en = re.findall(r"<!-- (.*?) -->", curve_svg([i // 100 for i in range(1, 1501)], "en", "e"))
    assert "1,200" in en
    few = re.findall(r"<!-- (.*?) -->", curve_svg([0, 1, 1, 2], "nl", "f"))
    assert not any(re.fullmatch(r"\d+[.,]\d+", t) for t in few), few  # counts: no 0,5 ticks


def test_a_retracted_study_is_listed_not_pooled(workspace, tmp_path):
    """A study OpenAlex marks as retracted (lsr update sets ``is_retracted``) does not count in the pooled
    effect: it is listed with the reason, in both languages."""
    from sqlmodel import select

    from lsr.models import Record
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    _review(workspace)
    rows = "".join(f"10.5555/s.{i},achievement,RCT,NL,100,low,,,,,SMD,{0.2 + i / 20:.2f},0.05,0.6,\n"
                   for i in (1, 2, 3))
    assert _extract(workspace, tmp_path, rows)[0].exit_code == 0
    assert _outcome(_synthesis(workspace), "achievement")["k"] == 3
    ws = open_workspace(resolve(workspace))
    with ws.db.write() as session:
        record = session.exec(select(Record).where(Record.doi == "10.5555/s.2")).one()
        record.is_retracted = True
        session.add(record)
    doc = _outcome(_synthesis(workspace), "achievement")
    assert doc["k"] == 2
    assert [(d["label"], d["reason"]) for d in doc["described"]] == [("De Vries 2011", "retracted publication")]
    from lsr.synthesis.service import synthesize

    [main] = synthesize(ws, RID).outcomes
    assert main.described_studies[0].reason_text("nl") == "teruggetrokken publicatie"


def test_equal_effects_pool_without_a_numpy_warning():
    """Two studies with the same effect (Q = 0): I² is 0 and nothing is printed to the user's terminal."""
    import warnings

    from lsr.synthesis.meta_analysis import StudyEffect, pool

    studies = [StudyEffect(record_id=i, label=f"S{i}", outcome="reading", measure="SMD", y=0.3, v=0.01, n=100,
                           design="RCT", risk_of_bias="low", country="NL") for i in (1, 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = pool("reading", "SMD", studies)
    assert p.i2 == 0.0 and abs(p.estimate - 0.3) < 1e-9


def test_the_forest_plots_title_stands_clear_above_its_column_heads():
    """The title runs from the plot's left edge over the right-hand columns; it overlapped their heads."""
    import re

    from lsr.synthesis.forest import forest_svg

    result = _result(_pooled("SMD", [(-0.5, -1.23, 0.23), (-0.6, -1.42, 0.22), (-0.4, -1.06, 0.26)]),
                     higher_is_better=False)
    svg = forest_svg(result, "nl", "t")

    def baseline(comment: str) -> float:
        return float(re.search(rf"<!-- {re.escape(comment)}.*? -->\s*<g [^>]*translate\([\d.]+ ([\d.]+)\)", svg).group(1))

    title, heads = baseline("Forestplot:"), baseline("Effect (95%-BI)")
    assert heads - title >= 12  # points: the heads' capitals (8 pt) and the title's descenders between them


def test_studies_that_hardly_differ_are_not_said_to_differ_somewhat():
    """Synthesis audit F13: "De studies verschillen enigszins" at I² 4%, from a prediction interval that
    reaches 0 because five studies give it few degrees of freedom."""
    from lsr.synthesis.key_message import key_message
    from lsr.synthesis.service import Synthesis

    p = _pooled("SMD", [(e, round(e - 0.24, 2), round(e + 0.24, 2)) for e in (0.39, 0.18, 0.05, 0.34, 0.33)])
    assert 0 < p.i2 < 0.25 and p.pi_low < 0 < p.ci_low  # hardly differing, the PI reaching no effect
    s = Synthesis("r", 5, 5, [_result(p, higher_is_better=True)], {"rct": 5})
    nl, en = key_message(s, None, "nl"), key_message(s, None, "en")
    assert "verschillen enigszins" not in nl and "differ somewhat" not in en
    assert "De studies verschillen weinig, maar in een nieuwe situatie kan het effect ook uitblijven" in nl
    assert "The studies differ little, but in a new setting the effect may not appear" in en
