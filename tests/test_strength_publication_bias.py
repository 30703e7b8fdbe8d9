"""The strength rule's publication-bias step (``lsr.synthesis.small_studies``), end to end through the CLI.

Every p-value and coefficient is checked against a regression computed here with numpy and scipy (normal
equations, residual variance on k - 2 degrees of freedom, t test), not by statsmodels: Egger's test (Egger
et al. 1997: OLS of y/se on 1/se, the intercept) and Peters' test (Peters et al. 2006: the log ratio on 1/N,
weighted by 1/(1/E + 1/F) with E the participants with the outcome and F those without, both arms; the slope).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from tests.helpers import run
from tests.test_import_extraction import BCG, RID, build_bcg_review, synthesis_json

ESTIMATE_HEAD = "record,outcome,design,n,risk_of_bias,measure,estimate,ci_low,ci_high"
COUNT_HEAD = "record,outcome,design,n,risk_of_bias,events_treatment,total_treatment,events_control,total_control"
# 12 randomised SMDs whose less precise (smaller) studies find larger effects: y about 0.2 + 0.8 se, with noise
SMALL_LARGER = [
    "10.5555/bcg.01,reading,rct,1600,low,SMD,0.270,0.172,0.368",
    "10.5555/bcg.02,reading,rct,1110,low,SMD,0.188,0.070,0.306",
    "10.5555/bcg.03,reading,rct,620,low,SMD,0.324,0.167,0.481",
    "10.5555/bcg.04,reading,rct,400,low,SMD,0.250,0.054,0.446",
    "10.5555/bcg.05,reading,rct,280,low,SMD,0.386,0.151,0.621",
    "10.5555/bcg.06,reading,rct,180,low,SMD,0.230,-0.064,0.524",
    "10.5555/bcg.07,reading,rct,120,low,SMD,0.404,0.051,0.757",
    "10.5555/bcg.08,reading,rct,100,low,SMD,0.360,-0.032,0.752",
    "10.5555/bcg.09,reading,rct,60,low,SMD,0.280,-0.210,0.770",
    "10.5555/bcg.10,reading,rct,40,low,SMD,0.590,0.002,1.178",
    "10.5555/bcg.11,reading,rct,30,low,SMD,0.330,-0.356,1.016",
    "10.5555/bcg.12,reading,rct,20,low,SMD,0.610,-0.174,1.394",
]
# 12 randomised trials as counts (odds ratios): the smaller the trial, the lower its odds ratio (with noise)
SMALL_STRONGER_OR = [
    "10.5555/bcg.01,dropout,rct,2000,low,174,1000,200,1000",
    "10.5555/bcg.02,dropout,rct,1600,low,110,800,160,800",
    "10.5555/bcg.03,dropout,rct,1200,low,110,600,120,600",
    "10.5555/bcg.04,dropout,rct,800,low,51,400,80,400",
    "10.5555/bcg.05,dropout,rct,600,low,53,300,60,300",
    "10.5555/bcg.06,dropout,rct,400,low,21,200,40,200",
    "10.5555/bcg.07,dropout,rct,300,low,24,150,30,150",
    "10.5555/bcg.08,dropout,rct,200,low,9,100,20,100",
    "10.5555/bcg.09,dropout,rct,160,low,11,80,16,80",
    "10.5555/bcg.10,dropout,rct,120,low,3,60,12,60",
    "10.5555/bcg.11,dropout,rct,100,low,5,50,10,50",
    "10.5555/bcg.12,dropout,rct,80,low,2,40,8,40",
]


def _import(workspace: Path, tmp_path: Path, header: str, rows: list[str]) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 0, result.output


def _wls_by_hand(y, x, w, coefficient: int) -> tuple[float, float]:
    """(coefficient, two-sided p) of y = b0 + b1 x weighted by w, from the normal equations and a t test on
    k - 2 degrees of freedom."""
    import numpy as np
    from scipy import stats

    y, x, w = (np.asarray(a, dtype=float) for a in (y, x, w))
    X = np.column_stack([np.ones_like(x), x])
    xtwx = X.T @ (w[:, None] * X)
    beta = np.linalg.solve(xtwx, X.T @ (w * y))
    resid = y - X @ beta
    s2 = float((w * resid ** 2).sum()) / (len(y) - 2)
    se = math.sqrt(s2 * np.linalg.inv(xtwx)[coefficient, coefficient])
    t = beta[coefficient] / se
    return float(beta[coefficient]), float(2 * stats.t.sf(abs(t), len(y) - 2))


def egger_by_hand(rows: list[str]) -> tuple[float, float]:
    """Egger's intercept and p of ``ESTIMATE_HEAD`` SMD rows: se from the CI's width, OLS of y/se on 1/se."""
    ys, ses = [], []
    for row in rows:
        cells = dict(zip(ESTIMATE_HEAD.split(","), row.split(","), strict=True))
        ys.append(float(cells["estimate"]))
        ses.append((float(cells["ci_high"]) - float(cells["ci_low"])) / (2 * 1.959963984540054))
    return _wls_by_hand([y / s for y, s in zip(ys, ses, strict=True)], [1 / s for s in ses], [1] * len(ys), 0)


def peters_by_hand(counts: list[tuple[int, int, int, int]], odds: bool) -> tuple[float, float]:
    """Peters' slope and p: the log odds (or risk) ratio on 1/N weighted by 1/(1/E + 1/F)."""
    y, x, w = [], [], []
    for a, n1, c, n2 in counts:
        y.append(math.log(a * (n2 - c) / ((n1 - a) * c)) if odds else math.log((a / n1) / (c / n2)))
        events, total = a + c, n1 + n2
        x.append(1 / total)
        w.append(1 / (1 / events + 1 / (total - events)))
    return _wls_by_hand(y, x, w, 1)


def test_bcg_is_tested_with_peters_test_as_by_hand_and_keeps_its_level(workspace):
    """The 13 BCG trials all came as counts: Peters' test, not Egger's. By hand: slope -504, p 0.23 (Egger's
    test would give intercept -2.11, p 0.19): no sign of small-study effects, so BCG stays low (randomised
    and quasi-randomised trials, moderate; I² 92%, down one) and gets no publication-bias reason."""
    import csv

    build_bcg_review(workspace)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    [tb] = synthesis_json(workspace)["outcomes"]
    with BCG.open(encoding="utf-8") as f:
        counts = [(int(r["events_treatment"]), int(r["total_treatment"]), int(r["events_control"]),
                   int(r["total_control"])) for r in csv.DictReader(f)]
    slope, p = peters_by_hand(counts, odds=False)
    test = tb["small_study_test"]
    assert (test["test"], test["k"], test["asymmetric"]) == ("Peters", 13, False)
    assert test["coefficient"] == pytest.approx(slope, rel=1e-4) and test["p"] == pytest.approx(p, abs=1e-4)
    assert p == pytest.approx(0.2302, abs=1e-3)
    assert tb["strength"] == "low"
    assert not any("publication" in r for r in tb["strength_reasons"])


def test_smaller_studies_with_larger_effects_lower_the_level_with_egger_p_as_by_hand(workspace, tmp_path):
    build_bcg_review(workspace, included=12)
    _import(workspace, tmp_path, ESTIMATE_HEAD, SMALL_LARGER)
    [out] = synthesis_json(workspace)["outcomes"]
    intercept, p = egger_by_hand(SMALL_LARGER)
    assert intercept > 0 and p < 0.10  # the data are as meant: smaller studies, larger SMDs
    test = out["small_study_test"]
    assert (test["test"], test["k"], test["asymmetric"]) == ("Egger", 12, True)
    assert test["coefficient"] == pytest.approx(intercept, rel=1e-4) and test["p"] == pytest.approx(p, abs=1e-4)
    assert round(p, 2) == 0.03
    shown = "0.03"
    assert out["strength_reasons"] == [
        "starting level high: every study is randomised",
        f"down one: signs of publication bias (smaller studies find larger effects; Egger's test p = {shown}, "
        "12 studies)"]
    assert out["strength_reasons_nl"][-1] == (
        "één niveau lager: aanwijzing voor publicatiebias (kleinere studies vinden grotere effecten; Egger-toets "
        f"p = {shown.replace('.', ',')}, 12 studies)")
    assert out["strength"] == "moderate"  # was high: randomised, consistent (I² 0), precise, 4,560 pupils
    assert out["i2"] < 50 and out["ci_low"] > 0 and out["n"] >= 400


def test_nine_studies_are_not_tested_and_the_method_note_says_why(workspace, tmp_path):
    """The same asymmetry in 9 studies: below the Handbook's 10 no test, no reason; the notes say so."""
    build_bcg_review(workspace, included=9)
    _import(workspace, tmp_path, ESTIMATE_HEAD, SMALL_LARGER[:9])
    [out] = synthesis_json(workspace)["outcomes"]
    assert out["small_study_test"] is None
    assert out["strength"] == "high" and len(out["strength_reasons"]) == 1
    from lsr.report.evidence import RULE

    assert "fewer than 10 studies in the pool, publication bias is not assessed" in RULE["en"]
    assert "Bij minder dan 10 studies wordt publicatiebias niet beoordeeld" in RULE["nl"]


def test_smaller_studies_with_smaller_effects_are_worded_neutrally(workspace, tmp_path):
    """Mirror the SMDs around 0.9: now the small studies find smaller effects than the large ones (intercept
    below 0, pooled SMD above 0). Asymmetry either way is a sign, but not "larger effects"."""
    rows = []
    for row in SMALL_LARGER:
        head, est, low, high = row.rsplit(",", 3)
        rows.append(f"{head},{0.9 - float(est):.3f},{0.9 - float(high):.3f},{0.9 - float(low):.3f}")
    build_bcg_review(workspace, included=12)
    _import(workspace, tmp_path, ESTIMATE_HEAD, rows)
    [out] = synthesis_json(workspace)["outcomes"]
    intercept, p = egger_by_hand(rows)
    assert intercept < 0 < out["estimate"] and p < 0.10
    assert out["small_study_test"]["p"] == pytest.approx(p, abs=1e-4)
    [reason] = [r for r in out["strength_reasons"] if "publication bias" in r]
    assert reason.startswith("down one: signs of publication bias (smaller studies find different effects from "
                             "larger ones; Egger's test p = ")
    [reason_nl] = [r for r in out["strength_reasons_nl"] if "publicatiebias" in r]
    assert "(kleinere studies vinden andere effecten dan grotere studies; Egger-toets p = " in reason_nl


def test_odds_ratios_from_counts_use_peters_test_and_estimates_with_ci_use_eggers(workspace, tmp_path):
    build_bcg_review(workspace, included=12)
    _import(workspace, tmp_path, COUNT_HEAD + ",measure", [r + ",OR" for r in SMALL_STRONGER_OR])
    [out] = synthesis_json(workspace)["outcomes"]
    counts = [tuple(int(c) for c in r.split(",")[5:9]) for r in SMALL_STRONGER_OR]
    slope, p = peters_by_hand(counts, odds=True)
    assert slope < 0 and out["estimate"] < 1 and p < 0.10  # small trials: lower odds, the pooled direction
    test = out["small_study_test"]
    assert (test["test"], test["k"]) == ("Peters", 12)
    assert test["coefficient"] == pytest.approx(slope, rel=1e-4) and test["p"] == pytest.approx(p, abs=1e-4)
    [reason] = [r for r in out["strength_reasons"] if "publication bias" in r]
    assert round(p, 2) == 0.01
    assert reason == "down one: signs of publication bias (smaller studies find larger effects; Peters' test " \
        "p = 0.01, 12 studies)"
    [reason_nl] = [r for r in out["strength_reasons_nl"] if "publicatiebias" in r]
    assert reason_nl == "één niveau lager: aanwijzing voor publicatiebias (kleinere studies vinden grotere " \
        "effecten; Peters-toets p = 0,01, 12 studies)"
    # one study given as estimate and CI instead: not every study has counts, so Egger's test
    a, n1, c, n2 = counts[0]
    odds_ratio = a * (n2 - c) / ((n1 - a) * c)
    half = 1.959963984540054 * math.sqrt(1 / a + 1 / (n1 - a) + 1 / c + 1 / (n2 - c))
    mixed = (f"10.5555/bcg.01,dropout,rct,2000,low,OR,{odds_ratio:.4f},{odds_ratio * math.exp(-half):.4f},"
             f"{odds_ratio * math.exp(half):.4f}")
    _import(workspace, tmp_path, ESTIMATE_HEAD, [mixed])
    [out] = synthesis_json(workspace)["outcomes"]
    assert out["small_study_test"]["test"] == "Egger"


def test_the_reports_state_the_step_and_the_dutch_appendix_gives_each_outcomes_test(workspace, tmp_path):
    """BCG (13 trials) has Peters' test, p 0.23; a second outcome of 9 studies is not assessed."""
    from datetime import UTC, datetime

    from lsr.report import write_reports
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    build_bcg_review(workspace)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    _import(workspace, tmp_path, ESTIMATE_HEAD, SMALL_LARGER[:9])
    write_reports(open_workspace(resolve(workspace)), [RID], formats=["md"], now=datetime(2026, 4, 1, tzinfo=UTC))
    rdir = workspace / "reviews" / RID
    nl = (rdir / "summary.nl.md").read_text(encoding="utf-8")
    en = (rdir / "summary.en.md").read_text(encoding="utf-8")
    appendix = nl.split("## Technische bijlage", 1)[1]
    assert "**Toets op publicatiebias (kleine-studie-effecten)**" in appendix
    assert "- tuberculosis: Peters-toets p = 0,23 (13 studies): geen aanwijzing voor kleine-studie-effecten" \
        in appendix
    assert "- reading: niet beoordeeld (minder dan 10 studies)" in appendix
    main = nl.split("## Technische bijlage", 1)[0]
    assert "Vanaf 10 studies wordt getoetst op publicatiebias" in main and "p \\< 0,10" in main  # markdown escapes <
    assert "with fewer than 10 studies in the pool, publication bias is not assessed" in en
    assert "Peters' test when every study was extracted as counts per arm" in en
    assert "indirectness and publication bias are not" not in en
