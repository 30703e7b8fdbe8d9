"""``lsr extract`` and ``lsr synthesis`` end to end through the CLI, on the BCG vaccine trials.

The 13 trials of Colditz et al. (1994), metafor's ``dat.bcg`` (``tests/data/dat_bcg_extraction.csv``), are
imported into a review whose 13 records are included after full-text assessment. The pooled risk ratio
must match metafor's published random-effects result (RR 0.49, 95% CI 0.34-0.70, I² 92%). Bad files
are refused whole with file, line and field.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import ROOT, run

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

RID = "test-review"
BCG = ROOT / "tests" / "data" / "dat_bcg_extraction.csv"
AUTHORS = ["Aronson", "Ferguson", "Rosenthal", "Hart", "Frimodt-Moller", "Stein", "Vandiviere", "Madras",
           "Coetzee", "Rosenthal", "Comstock", "Comstock", "Comstock"]
YEARS = [1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976]


def build_bcg_review(workspace: Path, included: int = 13) -> None:
    """Import 14 records (13 BCG trials and one unrelated study); include the first ``included`` at full text."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["title", "authors", "year", "doi"])
    for i, (who, year) in enumerate(zip(AUTHORS, YEARS, strict=True), 1):
        w.writerow([f"BCG vaccination against tuberculosis: trial {i}", f"{who}, A.", year, f"10.5555/bcg.{i:02d}"])
    w.writerow(["An unrelated study of school meals", "Other, B.", 2001, "10.5555/other"])
    records = workspace / "records.csv"
    records.write_text(buf.getvalue(), encoding="utf-8")
    result = run(["import", RID, records], workspace)
    assert result.exit_code == 0, result.output
    for i in range(1, included + 1):
        for stage in ("title-abstract", "full-text"):
            result = run(["decide", RID, f"10.5555/bcg.{i:02d}", "include", "--stage", stage], workspace)
            assert result.exit_code == 0, result.output


def synthesis_json(workspace: Path) -> dict:
    result = run(["synthesis", RID, "--json"], workspace)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_bcg_trials_give_metafors_random_effects_result(workspace):
    build_bcg_review(workspace)
    result = run(["extract", RID, "--import", BCG], workspace)
    assert result.exit_code == 0, result.output
    assert "13 new" in result.stdout
    doc = synthesis_json(workspace)
    assert doc["review"] == RID and doc["included"] == 13 and doc["extracted"] == 13
    [tb] = doc["outcomes"]
    assert (tb["outcome"], tb["measure"], tb["k"]) == ("tuberculosis", "RR", 13)
    assert tb["n"] == 357347
    assert tb["events"] == 2575  # tpos + cpos of dat.bcg: enough for the events rule (300)
    # metafor: REML RR 0.489 (0.344-0.696), DL 0.490 (0.345-0.695); I² 92.2% (REML) / 92.1% (DL)
    assert tb["estimate"] == pytest.approx(0.49, abs=0.005)
    assert tb["ci_low"] == pytest.approx(0.34, abs=0.006)
    assert tb["ci_high"] == pytest.approx(0.70, abs=0.006)
    assert tb["i2"] == pytest.approx(92, abs=0.5)
    assert tb["tau2"] == pytest.approx(0.31, abs=0.02)
    assert tb["pi_low"] < tb["ci_low"] and tb["pi_high"] > 1 > tb["ci_high"]  # heterogeneous: PI crosses 1
    assert "Paule-Mandel" in tb["method"]
    assert tb["strength"] == "low" and tb["strength_nl"] == "beperkt"
    assert any("I² = 92%" in r for r in tb["strength_reasons"])
    assert sum(s["weight"] for s in tb["studies"]) == pytest.approx(1)
    text = run(["synthesis", RID], workspace)
    assert "tuberculosis (RR), k=13: 0.49 (95% CI 0.34 to 0.70, PI 0.13 to 1.80)" in text.stdout


def _bad_copy(tmp_path: Path, line: int, column: str, value: str) -> Path:
    rows = list(csv.reader(BCG.open(encoding="utf-8")))
    rows[line - 1][rows[0].index(column)] = value
    path = tmp_path / "bad.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.mark.parametrize(("line", "column", "value", "message"), [
    (7, "n", "2,992", "line 7: n: '2,992' is not a whole number"),
    (3, "record", "10.5555/nope", "line 3: record: no record '10.5555/nope'"),
    (14, "record", "10.5555/other", "line 14: record: '10.5555/other' (record 14) is not included"),
    (2, "events_treatment", "500", "line 2: events_treatment: more events than total_treatment"),
])
def test_a_bad_file_is_refused_whole_naming_file_line_and_field(workspace, tmp_path, line, column, value, message):
    build_bcg_review(workspace)
    bad = _bad_copy(tmp_path, line, column, value)
    result = run(["extract", RID, "--import", bad], workspace)
    assert result.exit_code == 1
    assert f"{bad}: {message}" in result.stderr and "nothing was imported" in result.stderr
    assert synthesis_json(workspace)["outcomes"] == []  # the 12 good rows were not imported either


def test_an_unknown_measure_or_column_is_refused(workspace, tmp_path):
    build_bcg_review(workspace)
    path = tmp_path / "est.csv"
    path.write_text("record,outcome,measure,estimate,ci_low,ci_high\n10.5555/bcg.01,tb,NNT,12,8,30\n",
                    encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1 and "line 2: measure: 'NNT' is not one of RR, OR, HR, SMD, MD, r" in result.stderr
    path.write_text("record,outcome,colour\n10.5555/bcg.01,tb,red\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1 and "line 1: colour: unknown column" in result.stderr


def test_estimates_with_ci_pool_on_the_log_scale_and_one_study_is_not_pooled(workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    path = tmp_path / "est.csv"
    path.write_text("record;outcome;design;n;measure;estimate;ci_low;ci_high\n"
                    "10.5555/bcg.01;tb;rct;200;RR;0,5;0,25;1,0\n"
                    "10.5555/bcg.02;tb;rct;300;RR;0,5;0,25;1,0\n"
                    "10.5555/bcg.03;reading;cohort;80;SMD;0.3;-0.1;0.7\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 0, result.output
    doc = synthesis_json(workspace)
    tb = next(o for o in doc["outcomes"] if o["outcome"] == "tb")
    assert tb["estimate"] == pytest.approx(0.5) and tb["i2"] == 0 and tb["pi_low"] is None
    assert tb["ci_low"] == pytest.approx(0.5 * (0.25 / 0.5) ** (1 / 2 ** 0.5), rel=1e-3)  # SE / sqrt(2)
    reading = next(o for o in doc["outcomes"] if o["outcome"] == "reading")
    assert reading["k"] == 1 and reading["estimate"] is None
    assert "fewer than two comparable effects: not pooled" in reading["notes"]
    assert reading["strength"] == "very low"
    text = run(["synthesis", RID], workspace).stdout  # the line says "not pooled" once
    assert "reading (SMD), k=1: not pooled (fewer than two comparable effects)\n" in text
    assert text.count("not pooled") == 1


def test_corrections_are_appended_and_the_export_round_trips(workspace, tmp_path):
    build_bcg_review(workspace)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    again = run(["extract", RID, "--import", BCG], workspace)
    assert "0 new, 0 corrected, 13 unchanged" in again.stdout
    fixed = _bad_copy(tmp_path, 2, "events_treatment", "5")
    result = run(["--reviewer", "anna", "extract", RID, "--import", fixed], workspace)
    assert "0 new, 1 corrected, 12 unchanged" in result.stdout
    out = tmp_path / "extraction.csv"
    result = run(["export", RID, "--format", "extraction-csv", "-o", out], workspace)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 13
    first = next(r for r in rows if r["doi"] == "10.5555/bcg.01")
    assert (first["events_treatment"], first["reviewer"]) == ("5", "anna")
    assert run(["extract", RID, "--import", out], workspace).stdout.endswith("13 unchanged\n")
    from lsr.settings import resolve
    from lsr.synthesis.extraction import history
    from lsr.workspace import open_workspace

    ws = open_workspace(resolve(workspace))
    with ws.db.read() as s:
        trail = history(s, RID, int(first["record"]))
    assert [(r.events_treatment, r.reviewer, r.kind) for r in trail] == [(4, "tester", "import"), (5, "anna", "import")]
    assert trail[1].corrects_id == trail[0].id


def test_migration_0006_builds_the_extraction_table_of_the_model(workspace):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    ws = open_workspace(resolve(workspace))
    with ws.db.write_engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert [d for d in diffs if "extraction" in repr(d)] == []


def test_protocol_extraction_table_is_validated_and_restricts_outcomes(workspace, tmp_path):
    path = workspace / "protocols" / f"{RID}.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n[extraction]\nfields = ["design", "Dose"]\n', encoding="utf-8")
    result = run(["protocols", "check"], workspace)
    assert result.exit_code == 1 and "extraction.fields: field names are lowercase" in result.stderr
    path.write_text(text + '\n[extraction]\nfields = ["outcome", "design", "effect", "dose"]\n'
                    'outcomes = ["Tuberculosis"]\n', encoding="utf-8")
    assert run(["protocols", "check"], workspace).exit_code == 0
    build_bcg_review(workspace, included=2)
    csv_path = tmp_path / "x.csv"
    csv_path.write_text("record,outcome,dose,events_treatment,total_treatment,events_control,total_control\n"
                        "10.5555/bcg.01,tuberculosis,high,4,123,11,139\n"
                        "10.5555/bcg.02,mortality,low,6,306,29,303\n", encoding="utf-8")
    result = run(["extract", RID, "--import", csv_path], workspace)
    assert result.exit_code == 1 and "line 3: outcome: 'mortality' is not one of the protocol's outcomes" in result.stderr
    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace("mortality", "TUBERCULOSIS"), encoding="utf-8")
    assert run(["extract", RID, "--import", csv_path], workspace).exit_code == 0
    out = tmp_path / "out.csv"
    assert run(["export", RID, "--format", "extraction-csv", "-o", out], workspace).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["outcome"], r["dose"]) for r in rows] == [("Tuberculosis", "high"), ("Tuberculosis", "low")]


def test_synthesis_before_extraction_says_so_and_is_not_an_error(workspace):
    build_bcg_review(workspace, included=2)
    text = run(["synthesis", RID], workspace)
    assert text.exit_code == 0, text.output  # as with --json: no data yet is a state, not a failure
    assert "no extracted data yet (2 studies included after full text)" in text.stdout
    assert synthesis_json(workspace)["outcomes"] == []


def _import_rows(workspace: Path, tmp_path: Path, header: str, rows: list[str]) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 0, result.output


COUNT_HEAD = "record,outcome,design,n,risk_of_bias,events_treatment,total_treatment,events_control,total_control"
ESTIMATE_HEAD = "record,outcome,design,n,risk_of_bias,measure,estimate,ci_low,ci_high"
FEW_EVENTS = ["10.5555/bcg.01,dropout,rct,,low,20,2000,60,2000",  # 8,000 pupils, 160 of them dropped out
              "10.5555/bcg.02,dropout,rct,,low,25,2000,55,2000"]


def test_a_ratio_from_counts_with_many_participants_but_few_events_is_imprecise(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    _import_rows(workspace, tmp_path, COUNT_HEAD, FEW_EVENTS)
    [out] = synthesis_json(workspace)["outcomes"]
    assert (out["n"], out["events"]) == (8000, 160)
    assert [s["events"] for s in out["studies"]] == [80, 80]
    assert out["ci_high"] < 1  # the CI alone is clear: only the events lower the level
    assert out["strength"] == "moderate" and out["strength_nl"] == "redelijk"
    assert "down one: the outcome occurred in only 160 participants (fewer than 300)" in out["strength_reasons"]
    assert "één niveau lager: de uitkomst kwam maar bij 160 deelnemers voor (minder dan 300)" \
        in out["strength_reasons_nl"]
    assert not any("participants together" in r for r in out["strength_reasons"])
    assert not any("gebeurtenissen" in r or "samen" in r for r in out["strength_reasons_nl"])


def test_a_single_study_with_few_events_says_so_of_that_study(workspace, tmp_path):
    build_bcg_review(workspace, included=1)
    _import_rows(workspace, tmp_path, COUNT_HEAD, ["10.5555/bcg.01,dropout,rct,,low,10,150,25,150"])
    [out] = synthesis_json(workspace)["outcomes"]
    assert out["events"] == 35
    assert "één niveau lager: de uitkomst kwam in deze studie maar bij 35 deelnemers voor (minder dan 300)" \
        in out["strength_reasons_nl"]
    assert "down one: the outcome occurred in only 35 participants in this study (fewer than 300)" \
        in out["strength_reasons"]
    assert "één niveau lager: maar één studie" in out["strength_reasons_nl"]  # both imprecision: deliberate
    assert not any("samen" in r for r in out["strength_reasons_nl"])


def test_the_same_ratio_given_as_estimate_and_ci_keeps_the_participants_rule(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, ["10.5555/bcg.01,dropout,rct,4000,low,RR,0.33,0.20,0.55",
                                                      "10.5555/bcg.02,dropout,rct,4000,low,RR,0.45,0.28,0.73"])
    [out] = synthesis_json(workspace)["outcomes"]
    assert (out["n"], out["events"]) == (8000, None)
    assert [s["events"] for s in out["studies"]] == [None, None]
    assert out["strength"] == "high"  # 8,000 participants; the events are not known
    assert not any("events" in r for r in out["strength_reasons"])


def test_a_ratio_with_enough_events_is_not_downgraded_even_under_400_participants(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    _import_rows(workspace, tmp_path, COUNT_HEAD, ["10.5555/bcg.01,passed,rct,,low,85,90,75,90",
                                                   "10.5555/bcg.02,passed,rct,,low,86,90,74,90"])
    [out] = synthesis_json(workspace)["outcomes"]
    assert (out["n"], out["events"]) == (360, 320)
    assert out["ci_low"] > 1
    assert out["strength"] == "high", out["strength_reasons"]
    assert out["strength_reasons"] == ["starting level high: every study is randomised"]


def test_a_ratio_with_events_for_only_some_studies_counts_participants_and_says_why(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    _import_rows(workspace, tmp_path, COUNT_HEAD + ",measure,estimate,ci_low,ci_high",
                 ["10.5555/bcg.01,dropout,rct,,low,20,100,40,100,RR,,,",
                  "10.5555/bcg.02,dropout,rct,150,low,,,,,RR,0.5,0.3,0.8"])
    [out] = synthesis_json(workspace)["outcomes"]
    assert (out["n"], out["events"]) == (350, None)
    assert [s["events"] for s in out["studies"]] == [60, None]
    assert "down one: only 350 participants together (fewer than 400; events not known for every study)" \
        in out["strength_reasons"]
    assert "één niveau lager: samen maar 350 deelnemers (minder dan 400; niet van alle studies is bekend bij " \
           "hoeveel deelnemers de uitkomst optrad)" in out["strength_reasons_nl"]


SMALL_TRIALS = ["10.5555/bcg.01,wellbeing,rct,60,low,SMD,0.50,0.10,0.90",
                "10.5555/bcg.02,wellbeing,rct,70,low,SMD,0.45,0.05,0.85",
                "10.5555/bcg.03,wellbeing,rct,60,low,SMD,0.55,0.15,0.95"]


def test_participants_not_given_for_a_study_do_not_raise_the_strength(workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, SMALL_TRIALS)
    [known] = synthesis_json(workspace)["outcomes"]
    assert known["strength"] == "moderate" and "down one: only 190 participants together (fewer than 400)" \
        in known["strength_reasons"]
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, [*SMALL_TRIALS[:2], SMALL_TRIALS[2].replace(",60,", ",,")])
    [unknown] = synthesis_json(workspace)["outcomes"]
    assert unknown["n"] is None
    assert unknown["strength"] == "moderate"  # it was "high": an unknown size passed as a large one
    assert "down one: the number of participants is not known for every study (2 of 3 known, 130 together; " \
           "fewer than 400)" in unknown["strength_reasons"]
    assert "één niveau lager: het aantal deelnemers is niet van alle studies bekend (2 van 3 bekend, samen 130; " \
           "minder dan 400)" in unknown["strength_reasons_nl"]


def test_a_single_study_of_unknown_size_is_not_rated_as_a_large_one(workspace, tmp_path):
    build_bcg_review(workspace, included=1)
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, ["10.5555/bcg.01,wellbeing,rct,,low,SMD,-0.60,-1.12,-0.08"])
    [out] = synthesis_json(workspace)["outcomes"]
    assert "down one: the number of participants in the study is not known" in out["strength_reasons"]
    assert out["strength"] == "low"  # high, down for its size and for being a single study


def test_known_participants_enough_on_their_own_need_no_step_down(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, ["10.5555/bcg.01,wellbeing,rct,900,low,SMD,0.30,0.17,0.43",
                                                      "10.5555/bcg.02,wellbeing,rct,,low,SMD,0.25,0.05,0.45"])
    [out] = synthesis_json(workspace)["outcomes"]
    assert out["strength"] == "high", out["strength_reasons"]


def test_a_study_with_events_in_everyone_in_both_arms_carries_no_weight_in_a_risk_ratio(workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    rows = ["10.5555/bcg.01,dropout,rct,,low,20,100,40,100", "10.5555/bcg.02,dropout,rct,,low,15,90,30,90"]
    _import_rows(workspace, tmp_path, COUNT_HEAD, rows)
    [before] = synthesis_json(workspace)["outcomes"]
    _import_rows(workspace, tmp_path, COUNT_HEAD, [*rows, "10.5555/bcg.03,dropout,rct,,low,50,50,50,50"])
    [after] = synthesis_json(workspace)["outcomes"]
    assert after["k"] == 2 and after["estimate"] == pytest.approx(before["estimate"])
    assert after["events"] == before["events"]
    [described] = after["described"]
    assert described["reason"] == "events in everyone in both arms"


def test_a_ci_that_is_not_symmetric_is_imported_with_a_warning_and_shown_as_given(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    path = tmp_path / "asym.csv"
    path.write_text(ESTIMATE_HEAD + "\n10.5555/bcg.01,wellbeing,rct,300,low,SMD,0.10,0.05,0.95\n"
                    "10.5555/bcg.02,dropout,rct,300,low,RR,0.33,0.20,0.55\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 0, result.output
    assert f"{path}: line 2: ci_low, ci_high: the 95% CI 0.05 to 0.95 is not symmetric around the estimate " \
           "0.10" in result.stderr
    assert "line 3" not in result.stderr  # a ratio's CI is symmetric on the log scale: 0.33 (0.20 to 0.55)
    doc = synthesis_json(workspace)
    wellbeing = next(o for o in doc["outcomes"] if o["outcome"] == "wellbeing")
    [study] = wellbeing["studies"]
    assert (study["ci_low"], study["ci_high"]) == (0.05, 0.95)  # not rebuilt around 0.10 from the width
    assert not any("no-effect value" in r for r in wellbeing["strength_reasons"])


def test_a_row_with_fewer_values_than_columns_is_refused(workspace, tmp_path):
    build_bcg_review(workspace, included=2)
    path = tmp_path / "short.csv"
    path.write_text(ESTIMATE_HEAD + "\n10.5555/bcg.01,wellbeing,rct,300,low,SMD,0.10,0.0,0.2\n"
                    "10.5555/bcg.02,wellbeing,rct\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1
    assert f"{path}: line 3: 3 values for 9 columns" in result.stderr and "nothing was imported" in result.stderr


def test_the_export_leaves_out_a_study_excluded_since_so_it_imports_unchanged(workspace, tmp_path):
    build_bcg_review(workspace)
    assert run(["extract", RID, "--import", BCG], workspace).exit_code == 0
    result = run(["decide", RID, "10.5555/bcg.05", "exclude", "--stage", "full-text", "--reason", "wrong design"],
                 workspace)
    assert result.exit_code == 0, result.output
    out = tmp_path / "extraction.csv"
    result = run(["export", RID, "--format", "extraction-csv", "-o", out], workspace)
    assert "wrote 12 extraction row(s)" in result.stderr
    again = run(["extract", RID, "--import", out], workspace)
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith("0 new, 0 corrected, 12 unchanged\n")


def test_the_export_has_a_row_to_fill_in_for_each_included_study_without_data(workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, ["10.5555/bcg.01,wellbeing,rct,300,low,SMD,0.30,0.10,0.50"])
    out = tmp_path / "extraction.csv"
    result = run(["export", RID, "--format", "extraction-csv", "-o", out], workspace)
    assert "wrote 1 extraction row(s) and 2 row(s) to fill in (included studies without data)" in result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["doi"], r["outcome"]) for r in rows] == [("10.5555/bcg.01", "wellbeing"), ("10.5555/bcg.02", ""),
                                                         ("10.5555/bcg.03", "")]
    assert rows[1]["title"] == "BCG vaccination against tuberculosis: trial 2"
    again = run(["extract", RID, "--import", out], workspace)  # the rows left empty are skipped
    assert again.exit_code == 0, again.output
    assert again.stdout.endswith("0 new, 0 corrected, 1 unchanged; 2 row(s) with only a record skipped "
                                 "(nothing filled in)\n")
    rows[1].update(outcome="wellbeing", design="rct", n="250", measure="SMD", estimate="0.2", ci_low="0.0",
                   ci_high="0.4")
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    result = run(["extract", RID, "--import", out], workspace)
    assert result.exit_code == 0, result.output
    assert "1 new, 0 corrected, 1 unchanged; 1 row(s) with only a record" in result.stdout


def test_cluster_trials_robins_i_levels_and_dutch_thousands_are_read(workspace, tmp_path):
    build_bcg_review(workspace, included=3)
    path = tmp_path / "nl.csv"
    path.write_text("record;outcome;design;n;risk_of_bias;measure;estimate;ci_low;ci_high\n"
                    "10.5555/bcg.01;achievement;cluster randomised;1.200;low;SMD;0,20;0,08;0,32\n"
                    "10.5555/bcg.02;achievement;cluster-RCT;2.450;Unclear;SMD;0,15;0,05;0,25\n"
                    "10.5555/bcg.03;achievement;cohort;980;Serious;SMD;0,30;0,10;0,50\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 0, result.output
    [out] = synthesis_json(workspace)["outcomes"]
    assert out["n"] == 4630
    assert [(s["design"], s["risk_of_bias"]) for s in out["studies"]] == [
        ("cluster-rct", "low"), ("cluster-rct", "some concerns"), ("cohort", "high")]
    assert "starting level moderate: 2 of 3 studies randomised" in out["strength_reasons"]


def test_a_pool_of_randomised_and_other_studies_shows_the_randomised_ones_alone(workspace, tmp_path):
    build_bcg_review(workspace, included=4)
    rows = ["10.5555/bcg.01,dropout,rct,400,low,RR,0.70,0.50,0.98", "10.5555/bcg.02,dropout,rct,400,low,RR,0.80,0.60,1.07",
            "10.5555/bcg.03,dropout,cluster-rct,900,low,RR,0.75,0.58,0.97"]
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, rows)
    [randomised] = synthesis_json(workspace)["outcomes"]
    assert randomised["randomised_only"] is None  # nothing to set apart
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, [*rows, "10.5555/bcg.04,dropout,cohort,5000,high,RR,0.40,0.33,0.48"])
    [mixed] = synthesis_json(workspace)["outcomes"]
    sub = mixed["randomised_only"]
    assert sub["k"] == 3
    assert sub["estimate"] == pytest.approx(randomised["estimate"], abs=1e-4)  # the three trials' own pool
    assert (sub["ci_low"], sub["ci_high"]) == (randomised["ci_low"], randomised["ci_high"])
    assert sum(s["weight"] for s in mixed["studies"]) == pytest.approx(1, abs=1e-3)  # the main pool's weights are kept
    text = run(["synthesis", RID], workspace).stdout
    assert f"  randomised studies only, k=3: {sub['estimate']:.2f} (95% CI" in text
    from lsr.report import write_reports
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    write_reports(open_workspace(resolve(workspace)), [RID], formats=["md"])
    nl = (workspace / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    [line] = [x for x in nl.splitlines() if "Alleen gerandomiseerde studies" in x]
    assert line == f"- **Alleen gerandomiseerde studies:** RR {sub['estimate']:.2f} ({sub['ci_low']:.2f} tot " \
                   f"{sub['ci_high']:.2f}); 3 studies".replace(".", ",")


def test_a_file_with_only_its_header_is_refused(workspace, tmp_path):
    build_bcg_review(workspace, included=1)
    path = tmp_path / "header.csv"
    path.write_text(ESTIMATE_HEAD + "\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1
    assert f"{path}: line 2: no rows below the header: nothing to import" in result.stderr


def test_an_outcome_in_several_measures_says_why_it_has_one_result_per_measure(workspace, tmp_path):
    build_bcg_review(workspace, included=4)
    _import_rows(workspace, tmp_path, ESTIMATE_HEAD, ["10.5555/bcg.01,wellbeing,rct,300,low,SMD,0.30,0.10,0.50",
                                                      "10.5555/bcg.02,wellbeing,rct,300,low,SMD,0.20,0.00,0.40",
                                                      "10.5555/bcg.03,wellbeing,rct,300,low,MD,2.0,0.5,3.5",
                                                      "10.5555/bcg.04,wellbeing,rct,300,low,OR,1.5,1.1,2.0"])
    from lsr.report import write_reports
    from lsr.settings import resolve
    from lsr.workspace import open_workspace

    write_reports(open_workspace(resolve(workspace)), [RID], formats=["md"])
    nl = (workspace / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    assert nl.count("in 3 maten gerapporteerd") == 1  # once, under the first of its three results
    assert "Wellbeing is in 3 maten gerapporteerd (SMD, MD en OR). Die zijn niet zonder omrekening samen te " \
           "voegen, dus elke maat is apart samengevat, met een eigen bewijskracht." in nl


def test_an_estimate_given_with_an_exact_p_value_gets_its_ci_and_a_bound_is_refused(workspace, tmp_path):
    """Cochrane Handbook 6.3.2: z from the two-sided p-value, SE = |estimate| / z (log scale for a ratio)."""
    import math
    from statistics import NormalDist

    build_bcg_review(workspace, included=2)
    head = "record,outcome,design,n,risk_of_bias,measure,estimate,p_value"
    _import_rows(workspace, tmp_path, head, ["10.5555/bcg.01,wellbeing,rct,300,low,SMD,0.30,0.01",
                                             "10.5555/bcg.02,dropout,rct,300,low,RR,0.70,p = 0.03"])
    doc = synthesis_json(workspace)
    [smd] = next(o for o in doc["outcomes"] if o["outcome"] == "wellbeing")["studies"]
    half = 1.959964 * 0.30 / NormalDist().inv_cdf(1 - 0.01 / 2)
    assert (smd["ci_low"], smd["ci_high"]) == (round(0.30 - half, 4), round(0.30 + half, 4))
    [rr] = next(o for o in doc["outcomes"] if o["outcome"] == "dropout")["studies"]
    half = 1.959964 * abs(math.log(0.70)) / NormalDist().inv_cdf(1 - 0.03 / 2)
    assert rr["ci_high"] == pytest.approx(math.exp(math.log(0.70) + half), abs=1e-4)
    out = tmp_path / "extraction.csv"
    assert run(["export", RID, "--format", "extraction-csv", "-o", out], workspace).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert rows[0]["note"] == "95% CI derived from p = 0.01 (Cochrane Handbook 6.3.2)"
    assert run(["extract", RID, "--import", out], workspace).stdout.endswith("0 new, 0 corrected, 2 unchanged\n")
    bad = tmp_path / "bound.csv"
    bad.write_text(head + "\n10.5555/bcg.01,wellbeing,rct,300,low,SMD,0.30,<0.05\n", encoding="utf-8")
    result = run(["extract", RID, "--import", bad], workspace)
    assert result.exit_code == 1
    assert "line 2: p_value: '<0.05' only bounds the p-value: an exact one (p = 0.03) is needed" in result.stderr


CORR_HEAD = "record,outcome,design,country,n,risk_of_bias,measure,estimate,ci_low,ci_high"
# Six studies of one association (school bonding with offending): r with n only, or with its 95% CI; "R" is r
CORRELATIONS = [
    "10.5555/bcg.01,bonding,cohort,NL,420,low,r,-0.18,,",
    "10.5555/bcg.02,bonding,cohort,US,450,some concerns,R,-0.25,-0.33,-0.16",
    "10.5555/bcg.03,bonding,cross-sectional,US,300,high,r,-0.10,,",
    "10.5555/bcg.04,bonding,cohort,BE,200,low,r,-0.30,-0.42,-0.17",
    "10.5555/bcg.05,bonding,cohort,US,800,some concerns,r,-0.22,,",
    "10.5555/bcg.06,bonding,cohort,US,150,low,r,0.05,,",
]


def fisher_z_by_hand(rows: list[str]) -> dict:
    """Random-effects pool of ``CORR_HEAD`` rows computed here, not by statsmodels: Fisher's z = atanh r with
    variance 1/(n - 3), or from the CI's width on the z scale; tau² by Paule-Mandel (the tau² at which the
    generalised Q equals k - 1, found by root search); back to r with tanh (Borenstein et al. 2009, ch. 6)."""
    import numpy as np
    from scipy import optimize, stats

    z, v = [], []
    for row in rows:
        cells = dict(zip(CORR_HEAD.split(","), row.split(","), strict=True))
        z.append(np.arctanh(float(cells["estimate"])))
        if cells["ci_low"]:
            se = (np.arctanh(float(cells["ci_high"])) - np.arctanh(float(cells["ci_low"]))) / (2 * 1.959964)
            v.append(se * se)
        else:
            v.append(1 / (int(cells["n"]) - 3))
    z, v, k = np.array(z), np.array(v), len(z)

    def q(tau2: float) -> float:
        w = 1 / (v + tau2)
        return float((w * (z - (w * z).sum() / w.sum()) ** 2).sum())

    tau2 = 0.0 if q(0) <= k - 1 else optimize.brentq(lambda t: q(t) - (k - 1), 0, 10)
    w = 1 / (v + tau2)
    mu, se = (w * z).sum() / w.sum(), w.sum() ** -0.5
    half = stats.t.ppf(0.975, k - 2) * np.sqrt(tau2 + se * se)
    return {"estimate": np.tanh(mu), "ci_low": np.tanh(mu - 1.959964 * se), "ci_high": np.tanh(mu + 1.959964 * se),
            "pi_low": np.tanh(mu - half), "pi_high": np.tanh(mu + half), "tau2": tau2,
            "i2": 100 * max(0.0, (q(0) - (k - 1)) / q(0))}


def test_correlations_are_pooled_on_fishers_z_as_a_hand_computation_does(workspace, tmp_path):
    import math

    build_bcg_review(workspace, included=6)
    _import_rows(workspace, tmp_path, CORR_HEAD, CORRELATIONS)
    [out] = synthesis_json(workspace)["outcomes"]
    assert (out["measure"], out["k"], out["n"], out["events"]) == ("r", 6, 2320, None)  # "R" is stored as r
    expected = fisher_z_by_hand(CORRELATIONS)
    for key in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high"):
        assert out[key] == pytest.approx(expected[key], abs=2e-4), key
    assert out["tau2"] == pytest.approx(expected["tau2"], rel=1e-3)  # on the z scale
    assert out["i2"] == pytest.approx(expected["i2"], abs=0.01)
    assert -1 < out["pi_low"] < out["ci_low"] < out["estimate"] < out["ci_high"] < 0 < out["pi_high"] < 1
    studies = {s["label"]: s for s in out["studies"]}
    aronson = studies["Aronson 1948"]  # n only: its CI from 1/(n - 3) on the z scale, back with tanh
    half = 1.959964 / math.sqrt(420 - 3)
    assert (aronson["ci_low"], aronson["ci_high"]) == pytest.approx(
        (math.tanh(math.atanh(-0.18) - half), math.tanh(math.atanh(-0.18) + half)), abs=1e-4)
    assert (studies["Ferguson 1949"]["ci_low"], studies["Ferguson 1949"]["ci_high"]) == (-0.33, -0.16)  # as given
    assert out["strength_reasons"][0] == "starting level low: 6 of 6 studies not randomised"
    assert not any("no-effect" in r or "no association" in r for r in out["strength_reasons"])  # CI excludes 0
    text = run(["synthesis", RID], workspace).stdout
    assert "bonding (r), k=6: −0.18 (95% CI −0.27 to −0.08, PI −0.46 to 0.14), I² 70%, tau² 0.011" in text


def test_two_equal_correlations_pool_as_the_fixed_effect_formula_and_a_bound_at_1_uses_n(workspace, tmp_path):
    """No heterogeneity: the pool is the inverse-variance mean of z, SE 1/sqrt(sum of (n - 3)). The second
    study's CI reaches 1 (rounded), which is infinite on the z scale: its n gives the variance instead."""
    import math

    build_bcg_review(workspace, included=2)
    _import_rows(workspace, tmp_path, CORR_HEAD, ["10.5555/bcg.01,bonding,cohort,NL,103,low,r,0.30,,",
                                                  "10.5555/bcg.02,bonding,cohort,NL,403,low,r,0.30,0.21,1"])
    [out] = synthesis_json(workspace)["outcomes"]
    z, se = math.atanh(0.30), 1 / math.sqrt(100 + 400)
    assert (out["estimate"], out["ci_low"], out["ci_high"]) == pytest.approx(
        (0.30, math.tanh(z - 1.959964 * se), math.tanh(z + 1.959964 * se)), abs=1e-4)
    assert (out["i2"], out["tau2"]) == (0, 0)
    assert [s["weight"] for s in out["studies"]] == [0.2, 0.8]
    assert (out["studies"][1]["ci_low"], out["studies"][1]["ci_high"]) == (0.21, 1.0)  # shown as given


@pytest.mark.parametrize(("row", "message"), [
    ("bonding,cohort,NL,100,low,r,1.2,,", "estimate: a correlation r lies between -1 and 1 (not at either end)"),
    ("bonding,cohort,NL,100,low,r,-1,,", "estimate: a correlation r lies between -1 and 1 (not at either end)"),
    ("bonding,cohort,NL,,low,r,0.2,,", "n: missing: a correlation without its 95% CI needs n (the variance of "
                                       "Fisher's z is 1/(n - 3))"),
    ("bonding,cohort,NL,3,low,r,0.2,,", "n: must be 4 or more: a correlation without its 95% CI gets the variance "
                                        "of Fisher's z, 1/(n - 3)"),
    ("bonding,cohort,NL,100,low,r,0.2,0.1,", "ci_high: missing: give a correlation's ci_low and ci_high both, or "
                                             "neither"),
    ("bonding,cohort,NL,100,low,r,0.2,0.1,1.3", "ci_high: a correlation's confidence interval lies within -1 and 1"),
    ("bonding,cohort,NL,100,low,r,0.5,0.1,0.3", "estimate: must lie within ci_low and ci_high"),
    ("bonding,cohort,NL,,low,r,0.95,0.9,1", "n: missing: a CI bound at -1 or 1 gives no standard error on Fisher's "
                                            "z scale"),
])
def test_a_bad_correlation_is_refused_naming_file_line_and_field(workspace, tmp_path, row, message):
    build_bcg_review(workspace, included=2)
    path = tmp_path / "r.csv"
    path.write_text(f"{CORR_HEAD}\n10.5555/bcg.01,bonding,cohort,NL,420,low,r,-0.18,,\n10.5555/bcg.02,{row}\n",
                    encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1
    assert f"{path}: line 3: {message}" in result.stderr and "nothing was imported" in result.stderr
    assert synthesis_json(workspace)["outcomes"] == []  # the good first row was not imported either


def test_counts_with_measure_r_are_refused_with_the_reason(workspace, tmp_path):
    build_bcg_review(workspace, included=1)
    path = tmp_path / "r.csv"
    path.write_text("record,outcome,measure,events_treatment,total_treatment,events_control,total_control\n"
                    "10.5555/bcg.01,offending,r,10,100,20,100\n", encoding="utf-8")
    result = run(["extract", RID, "--import", path], workspace)
    assert result.exit_code == 1
    assert (f"{path}: line 2: measure: counts give a risk or odds ratio (RR or OR), not r (a correlation is given "
            "as its estimate with its 95% CI, or with n)") in result.stderr


def test_a_correlation_never_enters_the_smd_pool_of_odds_ratios_as_smd(workspace, tmp_path):
    path = workspace / "protocols" / f"{RID}.toml"
    path.write_text(path.read_text(encoding="utf-8") + "\n[extraction]\nodds_ratios_as_smd = true\n",
                    encoding="utf-8")
    build_bcg_review(workspace, included=5)
    _import_rows(workspace, tmp_path, CORR_HEAD, ["10.5555/bcg.01,offending,rct,US,300,low,SMD,-0.30,-0.50,-0.10",
                                                  "10.5555/bcg.02,offending,rct,US,300,low,SMD,-0.20,-0.40,0.00",
                                                  "10.5555/bcg.03,offending,rct,US,300,low,OR,0.60,0.40,0.90",
                                                  "10.5555/bcg.04,offending,cohort,US,500,low,r,-0.20,,",
                                                  "10.5555/bcg.05,offending,cohort,US,400,low,r,-0.15,,"])
    doc = synthesis_json(workspace)
    by_measure = {o["measure"]: o for o in doc["outcomes"]}
    assert set(by_measure) == {"SMD", "r"}  # the odds ratio joined the SMDs; the correlations stay apart
    assert [s["record"] for s in by_measure["SMD"]["studies"]] == [1, 2, 3]
    assert [s["converted_from"] for s in by_measure["SMD"]["studies"]] == [None, None, "OR"]
    assert by_measure["r"]["k"] == 2 and by_measure["r"]["title"] == "offending (r)"
    assert [s["converted_from"] for s in by_measure["r"]["studies"]] == [None, None]
    assert -0.2 < by_measure["r"]["estimate"] < -0.15
