"""An ``lsr update`` process killed mid-way (SIGKILL, SIGTERM, Ctrl-C) is completed exactly by the next run.

The update runs as a real subprocess against a deliberately slow local server; the test kills it once a
few pages are stored, checks that the database is consistent (whole pages, counters matching the
provenance rows), and lets the next update finish the same run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lsr.search.openalex.server import running_server
from lsr.search.update import update_review
from tests.test_update_support import (
    assert_run_exact,
    corpus,
    fast_client_env,
    new_workspace,
    open_ws,
    record_ids,
    runs,
    server_ids,
    sources,
)

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]  # kills processes; SQLite and PostgreSQL

LSR = Path(sys.executable).with_name("lsr")
PER_PAGE = 5


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["KILL", "TERM"])
def test_a_killed_update_is_completed_exactly_by_the_next_one(tmp_path, monkeypatch, sig, db_backend):
    if sig != signal.SIGKILL and db_backend != "sqlite":
        pytest.skip("signal handling does not depend on the database; SIGKILL covers PostgreSQL")
    # (Ctrl-C takes the same path as SIGTERM; test_update.py interrupts a run with KeyboardInterrupt.)
    with running_server(corpus(), fault_every=1, fault_kinds=["slow"], slow_seconds=0.15) as srv:
        srv.set_faults(0)
        expected = server_ids(srv.url)
        srv.set_faults(1, ["slow"])
        fast_client_env(monkeypatch, srv.url, per_page=PER_PAGE)
        ws_path = new_workspace(tmp_path)
        ws = open_ws(ws_path)  # creates the database before the subprocess starts
        proc = subprocess.Popen([str(LSR), "--workspace", str(ws_path), "update"], env=os.environ.copy(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: len(record_ids(ws)) >= 2 * PER_PAGE or proc.poll() is not None, 60,
                     "the update to store two pages")
            assert proc.poll() is None, proc.communicate()
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        srv.set_faults(0)

        (cut,) = runs(ws)
        stored = record_ids(ws)
        rows = sources(ws, cut.id)
        # Consistent: whole pages only, and the counters agree with the provenance rows.
        assert 0 < len(stored) < len(expected) and len(stored) % PER_PAGE == 0
        assert len(rows) == len(stored) == cut.new_records == cut.results_returned and cut.duplicates == 0
        if sig == signal.SIGKILL:
            assert proc.returncode == -signal.SIGKILL and cut.status == "running"
        else:
            assert proc.returncode == 128 + signal.SIGTERM, err
            assert cut.status == "interrupted" and cut.finished_at is not None
            assert "stopped by a signal" in cut.error

        result = update_review(ws, "test-review")
    assert result.status == "ok" and result.resumed and result.run_id == cut.id
    (done,) = runs(ws)
    assert_run_exact(ws, done, expected, new=len(expected), dupes=0)
    assert sorted(record_ids(ws)) == sorted(expected)
