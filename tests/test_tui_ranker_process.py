"""Retraining in the ranking process: results land in the screener; writes wait for a quiet moment."""

from __future__ import annotations

import json
import os
import time

from sqlmodel import select

from lsr.models import ModelRun
from lsr.settings import resolve
from lsr.tui.app import make_app
from lsr.tui.ranker_process import ProcessRerank, wait_for_quiet
from tests.tui_helpers import REVIEW, build_workspace, decisions, open_ws, record_id_by_word


def test_wait_for_quiet_goes_right_after_a_decision_or_when_idle():
    now = time.time()
    assert wait_for_quiet(lambda: now - 0.05, after=(0.0, 0.5)) < 0.05  # the next record is being read
    assert 0.1 <= wait_for_quiet(lambda: now, after=(0.15, 0.5)) < 0.6  # the next record is still drawn
    assert wait_for_quiet(lambda: 0.0) < 0.05  # no decision yet: the reviewer is idle
    now = time.time()
    waited = wait_for_quiet(lambda: now, after=(0.0, 0.0), idle=0.3)
    assert 0.2 <= waited < 1.0  # mid-way between decisions: wait until idle
    assert wait_for_quiet(lambda: time.time() - 0.1, after=(0.0, 0.0), idle=60, max_hold=0.2) < 1.0


async def test_screener_retrains_in_a_child_process(tmp_path):
    path = build_workspace(tmp_path / "ws", 4)
    rerank = ProcessRerank(resolve(path), "tests.tui_helpers:reverse_rank")
    app = make_app(resolve(path, reviewer="tester"), REVIEW, rerank=rerank, update=None, report=None)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("e")  # Alpha excluded; Bravo shown; retraining starts
            for _ in range(200):  # the child starts (imports) and ranks: wait for the ranking to land
                await pilot.pause(0.1)
                if not app.screen._retraining:
                    break
            assert not app.screen._retraining, "no ranking landed"
            assert not [n.message for n in app._notifications if "failed" in n.message]
            await pilot.press("e")  # Bravo excluded; the new order (highest id first) applies
            assert app.screen.query_one("RecordView").record_id == record_id_by_word(path, "Delta")
        with open_ws(path).db.read() as session:
            runs = session.exec(select(ModelRun)).all()
        assert runs and all(json.loads(r.params_json)["pid"] != os.getpid() for r in runs)
        assert len(decisions(path)) == 2
    finally:
        rerank.close()
    assert rerank._proc is None

