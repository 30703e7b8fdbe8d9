"""Retraining in the ranking process: results land in the screener; writes wait for a quiet moment."""

from __future__ import annotations

import asyncio
import json
import os

import pytest
from sqlmodel import select

from lsr.models import ModelRun
from lsr.ranking.process import ProcessRerank, wait_for_quiet, write_rest
from lsr.settings import resolve
from lsr.tui.app import make_app
from tests.tui_helpers import REVIEW, build_workspace, bulk_workspace, decisions, open_ws, record_id_by_word


class SimulatedClock:
    """A wall clock that moves only when ``sleep`` is called, so waits are exact and instant."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_wait_for_quiet_goes_right_after_a_decision_or_when_idle():
    clock = SimulatedClock()

    def wait(last_decision, **kw):
        return wait_for_quiet(lambda: last_decision, clock=clock.time, sleep=clock.sleep, poll=0.01, **kw)

    def about(seconds):
        return pytest.approx(seconds, abs=0.011)  # to the next poll

    assert wait(clock.now - 0.05, after=(0.0, 0.5)) == 0  # the next record is being read
    assert wait(clock.now, after=(0.15, 0.5)) == about(0.15)  # the next record is still drawn
    assert wait(0.0) == 0  # no decision yet: the reviewer is idle
    assert wait(clock.now - 0.05, after=(0.0, 0.0), idle=0.3) == about(0.25)  # mid-way: wait until idle
    assert wait(clock.now - 0.1, after=(0.0, 0.0), idle=60, max_hold=0.2) == about(0.2)  # never longer


@pytest.mark.slow  # spawns the ranking process, which imports the whole ranking stack
async def test_screener_retrains_in_a_child_process(tmp_path):
    path = build_workspace(tmp_path / "ws", 4)
    rerank = ProcessRerank(resolve(path), "tests.tui_helpers:reverse_rank")
    app = make_app(resolve(path, reviewer="tester"), REVIEW, rerank=rerank, update=None, report=None)
    try:
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("e")  # Alpha excluded; Bravo shown; retraining starts once Bravo is drawn
            for _ in range(100):
                if app.screen._retraining:
                    break
                await pilot.pause(0.05)
            assert app.screen._retraining, "no retraining started"
            # The child starts (imports the ranking stack) and ranks: wait for that worker, however long a
            # loaded machine takes (the bound only stops a hung child from hanging the suite).
            await asyncio.wait_for(app.workers.wait_for_complete(), timeout=600)
            await pilot.pause()  # the ranking lands on the screen
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



def test_the_rest_of_a_ranking_is_written_until_a_newer_retraining_is_asked_for():
    class Rest:  # what rerank_live leaves for later: ten short writes
        def __init__(self):
            self.writes = 0

        def write_next(self, ws):
            self.writes += 1
            return self.writes < 10

    rest, asked = Rest(), iter([False, False, False, True])
    write_rest(None, rest, lambda: next(asked))
    assert rest.writes == 3  # the fourth look saw the next request: the old rest is dropped
    rest = Rest()
    write_rest(None, rest, lambda: False)
    assert rest.writes == 10  # nobody asked: everything is written

    class Failing(Rest):
        def write_next(self, ws):
            raise RuntimeError("disk full")

    write_rest(None, Failing(), lambda: False)  # dropped, and the child keeps serving
    write_rest(None, None, lambda: False)  # a target that leaves nothing


@pytest.mark.slow  # spawns the ranking process with lsr's own target (rerank_live)
def test_the_ranking_process_replies_with_the_head_and_writes_the_rest_while_nobody_decides(tmp_path):
    import time

    from lsr.models import RecordRank
    from lsr.ranking.service import FIRST_RANKS

    path = bulk_workspace(tmp_path / "ws", FIRST_RANKS + 300)
    rerank = ProcessRerank(resolve(path))
    try:
        head = rerank(None, REVIEW)
        assert len(head) == FIRST_RANKS and len(set(head)) == FIRST_RANKS
        ws = open_ws(path)
        for _ in range(1200):  # the rest follows at once: no decision is being made (a bound, not a timing)
            with ws.db.read() as session:
                rows = session.exec(select(RecordRank)).all()
            if len({r.model_run_id for r in rows}) == 1:
                break
            time.sleep(0.05)
        (run,) = {r.model_run_id for r in rows}
        assert run is not None and len(rows) == FIRST_RANKS + 300
        ranks = {r.record_id: r.rank for r in rows}
        assert [ranks[rid] for rid in head] == list(range(FIRST_RANKS))
        assert sorted(ranks.values()) == list(range(FIRST_RANKS + 300))
    finally:
        rerank.close()
