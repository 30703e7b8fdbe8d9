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
    assert "[4/4]" in res.stderr
    data = json.loads(out.read_text())
    assert len(data["runs"]) == 4
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
    default = [r for r in data["summary"] if r["dataset"] == "Tiny_2024" and r["model"] == "default"][0]
    random = [r for r in data["summary"] if r["dataset"] == "Tiny_2024" and r["model"] == "random"][0]
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
    by_model = {r["model"]: r for r in data["runs"]}
    assert by_model["elas_u4"]["n_records"] == 258 and by_model["elas_u4"]["n_included"] == 15
    assert by_model["elas_u4"]["wss95"] > 0.3 and by_model["default"]["wss95"] > 0.3
