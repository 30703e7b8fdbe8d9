"""`lsr demo --no-screen` builds a real two-round review from a SYNERGY dataset over HTTP."""

from __future__ import annotations

import json

import pytest

import lsr.search.synergy
from lsr.demo import cover_query
from lsr.search.synergy import resolve_dataset
from tests.helpers import SYNERGY, run, status_json


@pytest.mark.slow  # the whole demo: a server, two update rounds, ranking
def test_demo_builds_two_search_rounds_and_labels(tmp_path):
    ws = tmp_path / "demo"
    result = run(["--workspace", str(ws), "demo", "--dataset", "Sep_2021", "--no-screen"])
    assert result.exit_code == 0, result.output
    assert "oracle" in result.stderr  # the pre-labelling is announced
    doc = status_json(ws)
    [review] = doc["reviews"]
    assert review["id"] == "demo-sep-2021"
    assert review["search_runs"] == 2
    assert review["records"] > 200
    assert 0 < review["screened"] < review["records"]
    assert review["included"] > 0
    exported = json.loads(run(["export", review["id"]], ws).stdout)
    runs = {s["search_run"] for item in exported for s in item["sources"] if "search_run" in s}
    assert len(runs) == 2  # new records arrived in the second round


def test_demo_refuses_an_unknown_dataset(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(lsr.search.synergy, "_download", lambda name: asked.append(name))  # offline: not found
    result = run(["--workspace", str(tmp_path / "d"), "demo", "--dataset", "No_Such_2099", "--no-screen"])
    assert result.exit_code == 1
    assert "No_Such_2099" in result.stderr and "SYNERGY_PATH" in result.stderr
    assert asked == ["No_Such_2099"]  # a download was tried before giving up


def test_cover_query_matches_almost_every_work():
    works = list(resolve_dataset(SYNERGY / "Nelson_2002").works())
    query, matched = cover_query(works)
    assert " OR " in query and matched >= 0.95 * len(works)
