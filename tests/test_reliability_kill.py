"""Crash safety: an update SIGKILLed at random moments, 20 times, is always completed exactly.

Each trial forks a real process that runs an update against a slow local OpenAlex server and kills it
with SIGKILL after a random delay (before the first page, mid-page, between pages, at the end). After
each kill the database must be consistent (whole pages, counters equal to provenance rows, no record
twice), and the next update must complete the set exactly.
"""

from __future__ import annotations

import os
import random
import signal
import time

import pytest
from sqlalchemy import func
from sqlmodel import select

from lsr.db import close_all
from lsr.models import Record, RecordSource, SearchRun
from lsr.search.openalex.server import running_server
from lsr.search.update import update_review
from tests.test_update_support import corpus, fast_client_env, new_workspace, open_ws, server_ids

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]  # kills processes; SQLite and PostgreSQL

TRIALS = 20
PER_PAGE = 5


def _consistent(ws, rid: str) -> tuple[int, int]:
    with ws.db.read() as s:
        n_rec = s.exec(select(func.count()).select_from(Record).where(Record.review_id == rid)).one()
        n_oa = s.exec(select(func.count(func.distinct(Record.openalex_id))).where(Record.review_id == rid)).one()
        runs = s.exec(select(SearchRun).where(SearchRun.kind == "update", SearchRun.review_id == rid)).all()
        for run in runs:
            rows = s.exec(select(RecordSource).where(RecordSource.search_run_id == run.id)).all()
            assert run.results_returned == len(rows) == run.new_records + run.duplicates
            assert len({r.source_key for r in rows}) == len(rows), "a hit stored twice in one run"
        assert n_rec == n_oa, "a record inserted twice"
        assert n_rec == sum(r.new_records for r in runs)
    return n_rec, len(runs)


def test_update_killed_at_random_points_always_completes_exactly(tmp_path, monkeypatch, db_backend):
    rng = random.Random(20261123)
    with running_server(corpus()) as srv:
        expected = server_ids(srv.url)
        srv.set_faults(1, ["slow"])
        srv.slow_seconds = 0.08
        fast_client_env(monkeypatch, srv.url, per_page=PER_PAGE)
        killed_mid_run = 0
        for trial in range(TRIALS):
            # A review id per trial: on PostgreSQL every workspace of this test shares one database.
            rid = f"kill-{trial}"
            ws_path = new_workspace(tmp_path / f"t{trial}", (rid,))
            open_ws(ws_path)
            close_all()  # the child opens its own connections
            pid = os.fork()
            if pid == 0:  # child: run the update until killed
                try:
                    update_review(open_ws(ws_path), rid)
                finally:
                    os._exit(0)
            time.sleep(rng.uniform(0.0, 1.2))
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            assert os.WIFSIGNALED(status)
            ws = open_ws(ws_path)
            stored, runs_before = _consistent(ws, rid)
            assert stored <= len(expected)
            with ws.db.read() as s:
                cut = s.exec(select(SearchRun).where(SearchRun.review_id == rid).order_by(SearchRun.id.desc())).first()
            finished_before_kill = cut is not None and cut.status == "ok"
            srv.set_faults(0)  # the completing run need not be slow
            result = update_review(ws, rid)
            srv.set_faults(1, ["slow"])
            assert result.status == "ok", result.error
            stored, n_runs = _consistent(ws, rid)
            with ws.db.read() as s:
                ids = set(s.exec(select(Record.openalex_id).where(Record.review_id == rid)).all())
                states = [(r.id, r.status, r.results_returned) for r in s.exec(select(SearchRun).where(SearchRun.review_id == rid)).all()]
            assert ids == expected, f"trial {trial}: the next update did not complete the set"
            if finished_before_kill:
                assert n_runs == 2 and result.new_records == 0, states
            else:
                assert n_runs == 1, f"trial {trial}: the interrupted run was repeated, not completed: {states}"
                killed_mid_run += runs_before == 1
            close_all()
    assert killed_mid_run >= TRIALS // 3, f"only {killed_mid_run} kills landed while a run was under way"
