"""``lsr simulate`` end to end: a tiny SYNERGY-format dataset built in code, and one real dataset."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lsr.cli import main
from lsr.ranking.simulate import load_simdata, run_once, simulate
from tests.helpers import SHARED

WORDS = "survey cohort registry outcome policy teachers pupils hospital region cost quality data".split()


def make_dataset(folder: Path, n: int = 40, n_incl: int = 6, seed: int = 0) -> Path:
    """A SYNERGY-format folder: inclusions talk about tutoring and cite each other's sources."""
    rng = np.random.RandomState(seed)
    folder.mkdir(parents=True)
    works, rows = [], ["openalex_id,doi,pmid,label_included"]
    for i in range(n):
        words = list(rng.choice(WORDS, 20))
        included = i % (n // n_incl) == 0 and i // (n // n_incl) < n_incl
        if included:
            words += ["tutoring", "reading", "gains"]
        wid = f"https://openalex.org/W{100 + i}"
        works.append(
            {
                "id": wid,
                "title": f"Study {i}",
                "abstract_inverted_index": {w: [k] for k, w in enumerate(words)},
                "publication_date": f"20{10 + i % 10:02d}-01-01",
                "referenced_works": ["https://openalex.org/W1"] if included else [],
            }
        )
        rows.append(f"{wid},,,{int(included)}")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "works_1.zip", "w") as zf:
        zf.writestr("works_1.json", json.dumps(works))
    return folder


def test_tiny_dataset_json_and_table(tmp_path) -> None:
    folder = make_dataset(tmp_path / "Tiny_2024")
    out = tmp_path / "result.json"
    res = CliRunner().invoke(
        main,
        [
            "simulate",
            str(folder),
            "--model",
            "default",
            "--model",
            "random",
            "--seeds",
            "2",
            "--json",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "WSS@95" in res.stdout and "Tiny_2024" in res.stdout and "mean" in res.stdout
    assert "[8/8]" in res.stderr  # 2 models x 2 seeds, in full and in update mode (the default: both)
    data = json.loads(out.read_text())
    assert len(data["runs"]) == 8 and {r["mode"] for r in data["runs"]} == {"full", "update"}
    run = data["runs"][0]
    for key in (
        "dataset",
        "model",
        "seed",
        "n_records",
        "n_included",
        "wss95",
        "wss100",
        "recall10",
        "atd",
        "last_relevant",
        "seconds",
    ):
        assert key in run
    assert run["n_records"] == 40 and run["n_included"] == 6
    assert all(0 <= r["atd"] <= 1 and -1 <= r["wss95"] <= 1 for r in data["runs"])
    full = [r for r in data["summary"] if r["mode"] == "full" and r["dataset"] == "Tiny_2024"]
    default = [r for r in full if r["model"] == "default"][0]
    random = [r for r in full if r["model"] == "random"][0]
    assert default["wss95"] > random["wss95"] and default["wss95"] > 0.5  # "tutoring" gives inclusions away


def test_priors_are_seeded_per_class_like_asreview(tmp_path) -> None:
    data = load_simdata(str(make_dataset(tmp_path / "Tiny_2024")))
    a = run_once(data, "default", 0)
    b = run_once(data, "default", 0)
    assert {k: v for k, v in a.items() if k != "seconds"} == {k: v for k, v in b.items() if k != "seconds"}
    assert a["pool"] == 38 and a["pool_included"] == 5


def test_update_mode_screens_the_later_half(tmp_path) -> None:
    data = load_simdata(str(make_dataset(tmp_path / "Tiny_2024")))
    run = run_once(data, "default", 0, mode="update")
    assert run["pool"] == 20 and run["mode"] == "update"
    later = sorted(range(40), key=lambda i: (data.dates[i], int(data.ids[i][1:])))[20:]
    assert run["pool_included"] == int(data.labels[later].sum())


def test_unknown_dataset_and_model(tmp_path) -> None:
    res = CliRunner().invoke(main, ["simulate", str(tmp_path / "nope")])
    assert res.exit_code == 1 and "not found" in res.output
    res = CliRunner().invoke(main, ["simulate", "x", "--model", "bert"])
    assert res.exit_code == 2
    with pytest.raises(ValueError):
        simulate([], ["nope"])


@pytest.mark.skipif(not (SHARED / "synergy" / "Donners_2021").exists(), reason="shared SYNERGY data missing")
def test_real_dataset_one_seed() -> None:
    res = CliRunner().invoke(
        main,
        ["simulate", "Donners_2021", "--model", "elas_u4", "--model", "default", "--json", "-", "--quiet"],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    by_model = {r["model"]: r for r in data["runs"] if r["mode"] == "full"}
    assert by_model["elas_u4"]["n_records"] == 258 and by_model["elas_u4"]["n_included"] == 15
    assert by_model["elas_u4"]["wss95"] > 0.3 and by_model["default"]["wss95"] > 0.3


def write_labelled_csv(path: Path, n: int = 40, n_incl: int = 6, seed: int = 0, years: bool = True) -> Path:
    """An ASReview-style CSV (what ``asreview simulate`` takes): inclusions talk about tutoring."""
    rng = np.random.RandomState(seed)
    rows = ["record_id,pubmedID,title,abstract,year,label_included"]
    for i in range(n):
        included = i % (n // n_incl) == 0 and i // (n // n_incl) < n_incl
        words = list(rng.choice(WORDS, 20)) + (["tutoring", "reading", "gains"] if included else [])
        year = str(2000 + i % 20) if years else ""
        rows.append(f"{i},{1000 + i},Study {i},{' '.join(words)},{year},{int(included)}")
    rows.append("99,1099,Unlabelled study,tutoring reading,2001,")  # unscreened: dropped
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_labelled_csv_and_ris_files_are_datasets(tmp_path) -> None:
    csv_path = write_labelled_csv(tmp_path / "Tutoring_csv.csv")
    ris = []
    for i in range(30):
        included = i % 5 == 0
        words = "tutoring reading gains" if included else "hospital cost registry"
        note = "ASReview_relevant" if included else "ASReview_irrelevant"
        ris += ["TY  - JOUR", f"TI  - Study {i}", f"AB  - {words} survey cohort", f"PY  - {2000 + i}",
                f"N1  - {note}", "ER  - ", ""]
    ris_path = tmp_path / "Tutoring_ris.ris"
    ris_path.write_text("\n".join(ris), encoding="utf-8")
    out = tmp_path / "r.json"
    res = CliRunner().invoke(
        main, ["simulate", str(csv_path), str(ris_path), "--model", "elas_u4", "--model", "default",
               "--json", str(out), "-q"]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    runs = {(r["dataset"], r["mode"], r["model"]): r for r in data["runs"]}
    assert runs[("Tutoring_csv", "full", "default")]["n_records"] == 40  # the unlabelled row is dropped
    assert runs[("Tutoring_csv", "full", "default")]["n_included"] == 6
    assert runs[("Tutoring_ris", "update", "elas_u4")]["n_records"] == 30
    assert runs[("Tutoring_ris", "update", "elas_u4")]["pool"] == 15
    assert runs[("Tutoring_csv", "full", "default")]["wss95"] > 0.5
    # the protocol: means over datasets with a bootstrap interval, and gaps to the baseline, per mode
    assert "mode: full" in res.stdout and "mode: update" in res.stdout
    assert "95 % bootstrap CI" in res.stdout and "vs elas_u4" in res.stdout
    [cmp] = [c for c in data["comparison"] if c["mode"] == "update" and c["model"] == "default"]
    assert cmp["reviews"] == 2 and cmp["low"] <= cmp["mean"] <= cmp["high"]
    assert cmp["baseline"] == "elas_u4" and cmp["wins"] + len(cmp["losses"]) <= 2


def test_a_dataset_without_dates_is_skipped_in_update_mode_with_one_line(tmp_path) -> None:
    path = write_labelled_csv(tmp_path / "Undated.csv", years=False)
    res = CliRunner().invoke(main, ["simulate", str(path), "--model", "random", "--json", "-"])
    assert res.exit_code == 0, res.output
    notices = [ln for ln in res.stderr.splitlines() if "update mode" in ln]
    assert notices == ["Undated: no publication year or date: update mode needs them; skipped in update mode"]
    data = json.loads(res.stdout)
    assert {r["mode"] for r in data["runs"]} == {"full"}
    assert data["skipped"] == [{"dataset": "Undated", "mode": "update",
                                "reason": "no publication year or date: update mode needs them"}]
    res = CliRunner().invoke(main, ["simulate", str(path), "--model", "random", "--mode", "update"])
    assert res.exit_code == 1 and "nothing to simulate: 1 dataset(s), each skipped in update mode" in res.output
    assert "WSS@95" not in res.stdout  # no empty table


def test_a_stray_control_character_is_replaced_and_said(tmp_path) -> None:
    """ASReview's own benchmark file Nagtegaal_2019.csv has U+0001 where PubMed had a symbol: it is read."""
    path = write_labelled_csv(tmp_path / "Stray.csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("Study", "Study \x01", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["simulate", str(path), "--model", "random", "--mode", "full", "-q"])
    assert res.exit_code == 0, res.output
    assert f"{path}: 1 stray control character(s) (U+0001) replaced by \ufffd, line(s) 4" in res.stderr


def test_a_labelled_file_without_both_classes_is_refused(tmp_path) -> None:
    path = tmp_path / "All_in.csv"
    path.write_text("title,abstract,label_included\nA,tutoring,1\nB,reading,1\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["simulate", str(path)])
    assert res.exit_code == 1 and "needs labelled inclusions and exclusions" in res.output


def test_what_asreview_reads_is_read_and_what_was_read_is_said(tmp_path) -> None:
    """Files lsr had not seen (ASReview's own reader test files; asreview simulate takes them): a marker
    inside a longer note, an Excel file, two files of one name, a file given twice, undated records."""
    ris = []
    for i in range(20):
        note = ("ASReview_relevant. Checked by JB" if i % 4 == 0 else f"Read twice. ASReview_irrelevant {i}")
        ris += ["TY  - JOUR", f"TI  - Study {i}", f"AB  - {'tutoring reading' if i % 4 == 0 else 'bridge cost'}",
                f"N1  - {note}", "ER  - ", ""]
    (tmp_path / "a").mkdir()
    notes_ris = tmp_path / "a" / "Notes.ris"
    notes_ris.write_text("\n".join(ris), encoding="utf-8")
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for line in write_labelled_csv(tmp_path / "tmp.csv").read_text(encoding="utf-8").splitlines():
        sheet.append(line.split(","))
    (tmp_path / "b").mkdir()
    book.save(tmp_path / "b" / "Notes.xlsx")
    res = CliRunner().invoke(main, ["simulate", str(notes_ris), str(tmp_path / "b" / "Notes.xlsx"), str(notes_ris),
                                    "--model", "random", "--mode", "full", "--json", "-"])
    assert res.exit_code == 0, res.output
    assert "Notes: 20 labelled records, 5 included" in res.stderr  # every note's marker read
    assert "Notes: 40 labelled records, 6 included; 1 without a label left out" in res.stderr
    assert "another dataset is also named Notes; this one is Notes (b)" in res.stderr
    assert f"{notes_ris}: given twice; simulated once" in res.stderr
    assert {r["dataset"] for r in json.loads(res.stdout)["runs"]} == {"Notes", "Notes (b)"}
    undated = write_labelled_csv(tmp_path / "Some_years.csv")
    lines = undated.read_text(encoding="utf-8").splitlines()
    undated.write_text("\n".join([lines[0], *(ln.replace(",2001,", ",,") for ln in lines[1:])]) + "\n",
                       encoding="utf-8")
    res = CliRunner().invoke(main, ["simulate", str(undated), "--model", "random", "--mode", "update", "-q"])
    assert res.exit_code == 0, res.output
    assert "Some_years: 2 of 40 records have no publication year or date; update mode counts them" in res.stderr


def test_files_the_simulation_cannot_use_are_named(tmp_path) -> None:
    ids_only = tmp_path / "labels.csv"  # a SYNERGY labels.csv given as a file: ids and labels, no text
    ids_only.write_text("openalex_id,doi,label_included\nW1,,1\nW2,,0\nW3,,0\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["simulate", str(ids_only)])
    assert res.exit_code == 1 and "no record has a title or an abstract" in res.output
    res = CliRunner().invoke(main, ["simulate", str(tmp_path / "missing.csv")])
    assert res.exit_code == 1 and "missing.csv: no such file" in res.output
    topics = tmp_path / "topics.csv"  # a 'label' column that is not an inclusion label
    topics.write_text("title,abstract,label\nA,tutoring,1\nB,reading,0\nC,maths,2\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["simulate", str(topics)])
    assert res.exit_code == 1 and "no labelled records: a simulation reads an inclusion column" in res.output
    single = tmp_path / "Single.csv"
    single.write_text("title,abstract,label_included\nA,tutoring,1\nB,reading,0\nC,maths,0\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["simulate", str(single), "--mode", "full", "--model", "random", "-q"])
    assert res.exit_code == 0 and "Single: 1 inclusion, and full mode takes it as a prior" in res.stderr


def test_bootstrap_interval_over_reviews_and_losses() -> None:
    from lsr.ranking.evaluation import compare

    summary = [
        {"mode": "full", "dataset": f"R{i}", "model": m, "wss95": v}
        for i, (a, b) in enumerate([(0.5, 0.6), (0.4, 0.3), (0.7, 0.75), (0.2, 0.1), (0.6, 0.65)])
        for m, v in (("elas_u4", a), ("default", b))
    ]
    [base, mine] = compare(summary, "elas_u4")
    assert base["mean"] == pytest.approx(0.48) and base["low"] < 0.48 < base["high"]
    assert mine["diff"] == pytest.approx(0.0) and mine["diff_low"] < 0 < mine["diff_high"]
    assert [x["dataset"] for x in mine["losses"]] == ["R1", "R3"] and mine["wins"] == 3
    assert mine["worst"] == pytest.approx(-0.1)


def test_rows_sharing_a_doi_are_simulated_as_the_file_has_them(tmp_path) -> None:
    """A benchmark file holds one row per record as its source had it, so a DOI can repeat (one of the
    Hannousse reviews has a paper twice). Each row keeps its own features; before, the repeated row had none
    and the default ranker failed with an IndexError."""
    rows = ["title,abstract,year,doi,label_included"]
    for i in range(40):
        included = i % 5 == 0
        words = "tutoring reading gains" if included else "hospital cost registry"
        rows.append(f"Study {i},{words} survey {i},{2000 + i},10.1234/study.{i},{int(included)}")
    rows.append("Study 5 again,tutoring reading gains survey,2039,10.1234/study.5,1")
    path = tmp_path / "Repeated.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    data = load_simdata(str(path))
    assert len(set(data.ids)) == len(data.ids) == 41
    out = tmp_path / "r.json"
    res = CliRunner().invoke(main, ["simulate", str(path), "--model", "default", "--json", str(out), "-q"])
    assert res.exit_code == 0, res.output
    runs = json.loads(out.read_text())["runs"]
    assert {r["mode"] for r in runs} == {"full", "update"}
    assert all(r["n_records"] == 41 and r["n_included"] == 9 for r in runs)
