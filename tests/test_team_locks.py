"""Imports and updates of one review are serialised by the review's write lock (``lsr.locks``), on SQLite
and on PostgreSQL: two imports of one file at once, or an import during an update, must not store a work
twice. The tests hold the lock themselves and then start the import, so nothing depends on timing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from lsr.errors import LsrError
from lsr.locks import LockBusy, review_lock
from lsr.models import Record, SearchRun
from lsr.search.importers import import_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

N = 12


def ris_file(tmp_path: Path) -> Path:
    """An export of ``N`` records identified by DOI only (no OpenAlex id), as Scopus gives them."""
    rows = "".join(f"TY  - JOUR\nTI  - Extended school day trial number {i} on reading achievement\nAU  - Kim, H.\n"
                   f"PY  - 20{10 + i}\nDO  - 10.1234/esd.{i}\nER  - \n\n" for i in range(N))
    path = tmp_path / "scopus.ris"
    path.write_text(rows, encoding="utf-8")
    return path


def n_records(ws) -> tuple[int, int]:
    with ws.db.read() as s:
        return (s.exec(select(func.count()).select_from(Record).where(Record.review_id == "test-review")).one(),
                s.exec(select(func.count()).select_from(SearchRun).where(SearchRun.kind == "import")).one())


def test_an_import_is_refused_while_an_update_of_the_review_runs(workspace, tmp_path):
    ws = open_workspace(resolve(workspace))
    path = ris_file(tmp_path)
    with review_lock(ws, "test-review", purpose="update"):
        result = run(["import", "test-review", path], workspace)
        assert result.exit_code == 1, result.output
        message = result.stderr.strip()
        assert len(message.splitlines()) == 1, message
        assert "review test-review: another update is running (since " in message, message
        assert f"pid {os.getpid()} on " in message and "advisory lock" not in message, message
        assert "nothing imported" in message and "--wait" in message, message
        assert n_records(ws) == (0, 0)
    assert run(["import", "test-review", path], workspace).exit_code == 0  # released: the import goes ahead
    assert n_records(ws) == (N, 1)


def test_an_update_is_refused_while_an_import_runs_and_names_it(workspace):
    from lsr.search.update import update_review

    ws = open_workspace(resolve(workspace))
    with review_lock(ws, "test-review", purpose="import"):
        result = update_review(ws, "test-review")
    assert result.status == "busy", result
    assert result.error.startswith("review test-review: an import is running (since "), result.error
    assert f"pid {os.getpid()} on " in result.error


def test_two_imports_of_one_file_at_once_store_each_record_once(workspace, tmp_path):
    """Both imports wait for the lock the test holds; once it is released one imports the file and the other,
    seeing it, refuses it as already imported (before the fix both imported it on PostgreSQL: 2N records)."""
    ws = open_workspace(resolve(workspace))
    path = ris_file(tmp_path)
    waiting = [threading.Event(), threading.Event()]
    outcome: list[object] = [None, None]

    def importer(i: int) -> None:
        try:
            outcome[i] = import_file(open_workspace(resolve(workspace)), "test-review", path, source="Scopus",
                                     wait=30, on_wait=lambda holder: waiting[i].set())
        except LsrError as exc:
            outcome[i] = exc

    with review_lock(ws, "test-review", purpose="update"):
        threads = [threading.Thread(target=importer, args=(i,)) for i in (0, 1)]
        for t in threads:
            t.start()
        for event in waiting:
            assert event.wait(30), "an import did not wait for the lock"
        assert n_records(ws) == (0, 0)
    for t in threads:
        t.join(60)
    errors = [o for o in outcome if isinstance(o, Exception)]
    assert len(errors) == 1, outcome
    assert "already imported into test-review" in errors[0].message
    assert n_records(ws) == (N, 1)


def test_import_refuses_at_once_without_wait(workspace, tmp_path):
    ws = open_workspace(resolve(workspace))
    with review_lock(ws, "test-review"), pytest.raises(LockBusy, match="another update is running"):
        import_file(ws, "test-review", ris_file(tmp_path))
    assert n_records(ws) == (0, 0)


def test_a_dry_run_takes_no_lock(workspace, tmp_path):
    ws = open_workspace(resolve(workspace))
    with review_lock(ws, "test-review"):
        summary = import_file(ws, "test-review", ris_file(tmp_path), dry_run=True)
    assert summary.new_records == N and n_records(ws) == (0, 0)


@pytest.mark.slow  # a child process that imports the whole stack
def test_import_wait_says_once_that_it_waits_then_imports(workspace, tmp_path):
    ws = open_workspace(resolve(workspace))
    path = ris_file(tmp_path)
    lsr = Path(sys.executable).with_name("lsr")
    with review_lock(ws, "test-review", purpose="update"):
        child = subprocess.Popen([str(lsr), "--workspace", str(workspace), "import", "test-review", str(path),
                                  "--wait"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = child.stderr.readline()  # blocks until the child says it waits
        assert "test-review: another update is running (since " in first, first
        assert "waiting for it to finish" in first, first
        assert n_records(ws) == (0, 0)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, (out, err)
    assert "waiting" not in err  # said once
    assert f"{N} new" in out
    assert n_records(ws) == (N, 1)
