"""`lsr simulate --stopping` reports where the rule fired and the recall reached then."""

from __future__ import annotations

import json

from lsr.screening.stopping import SimulationStopRule
from tests.helpers import SYNERGY, run


def test_simulate_with_stopping_rules(tmp_path):
    out = tmp_path / "runs.json"
    result = run(["simulate", str(SYNERGY / "Donners_2021"), "--model", "elas_u4", "--seeds", "1",
                  "--mode", "full", "--stopping", "consecutive-irrelevant:50", "--json", str(out), "-q"])
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    [r] = doc["runs"]
    assert 0 < r["stopped_at"] <= 1.0 and 0 <= r["recall_at_stop"] <= 1.0
    assert "recall at stop" in result.stdout


def test_statistical_rule_hook_fires_only_on_a_long_irrelevant_tail():
    rule = SimulationStopRule("statistical")
    assert not rule.should_stop([1] * 40 + [0] * 20, 3000)
    assert rule.should_stop([1] * 40 + [0] * 2000, 3000)
    assert not SimulationStopRule("none").should_stop([0] * 100, 100)


def test_bad_rule_and_unwritable_json_are_refused_before_any_simulation(tmp_path):
    """Both mistakes cost minutes when found after the runs: they are refused at once, in one line."""
    data = str(SYNERGY / "Donners_2021")
    bad_rule = run(["simulate", data, "--seeds", "1", "--stopping", "consecutive-irrelevant:0"])
    assert bad_rule.exit_code == 1 and "unknown stopping rule 'consecutive-irrelevant:0'" in bad_rule.stderr
    missing = tmp_path / "nowhere" / "runs.json"
    no_folder = run(["simulate", data, "--seeds", "1", "--json", str(missing)])
    assert no_folder.exit_code == 1 and f"folder {missing.parent} does not exist" in no_folder.stderr
    assert "[1/" not in no_folder.stderr  # no run was started
