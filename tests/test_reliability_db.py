"""Database faults give clear one-line errors: corrupt, read-only, full disk; and `lsr backup` works."""

from __future__ import annotations

import sqlite3
import subprocess
import threading

import pytest

from lsr.models import Record
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, run, status_json

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


def _mount_tmpfs(path, size="256k"):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here to simulate the fault: {done.stderr.decode().strip()}")


def _umount(path):
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def test_corrupt_database_is_one_line(workspace, db_backend):
    if db_backend != "sqlite":
        pytest.skip("a corrupt file is a SQLite concern")
    db = workspace / "reviews" / "lsr.sqlite"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"this is not a database at all" * 200)
    result = run(["status"], workspace)
    assert result.exit_code == 1
    assert "cannot open database" in result.stderr and "not a database" in result.stderr
    assert "Traceback" not in result.output


def test_read_only_filesystem_is_one_line(tmp_path, db_backend):
    if db_backend != "sqlite":
        pytest.skip("file-system faults are a SQLite concern")
    mnt = tmp_path / "ro"
    _mount_tmpfs(mnt, "8m")
    try:
        ws = make_workspace(mnt / "ws")
        assert run(["status"], ws).exit_code == 0  # creates the database
        from lsr.db import close_all

        close_all()
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        result = run(["decide", "test-review", "W1", "include"], ws)
        assert result.exit_code == 1
        assert "Traceback" not in result.output
        assert "read-only" in result.stderr or "readonly" in result.stderr or "unable to open" in result.stderr
    finally:
        _umount(mnt)


def test_full_disk_is_one_line_and_nothing_half_written(tmp_path, db_backend):
    if db_backend != "sqlite":
        pytest.skip("file-system faults are a SQLite concern")
    mnt = tmp_path / "full"
    _mount_tmpfs(mnt, "1m")
    try:
        ws_path = make_workspace(mnt / "ws")
        ws = open_workspace(resolve(ws_path))
        big = "x" * 4000
        with pytest.raises(Exception) as info, ws.db.write() as s:
            for i in range(2000):
                s.add(Record(review_id="test-review", openalex_id=f"W{i + 1}", title=big, abstract=big))
                if i % 50 == 0:
                    s.flush()
        assert "full" in str(info.value)
        from lsr.errors import LsrError

        assert isinstance(info.value, LsrError)
        from lsr.db import close_all

        close_all()
        doc = status_json(ws_path)
        assert doc["reviews"][0]["records"] == 0  # the failed transaction left nothing behind
    finally:
        _umount(mnt)


def test_backup_while_writing_is_consistent(workspace, tmp_path, db_backend):
    if db_backend != "sqlite":
        pytest.skip("the PostgreSQL path runs pg_dump; see test_backup_postgres")
    ws = open_workspace(resolve(workspace))
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set():
            with ws.db.write() as s:
                s.add(Record(review_id="test-review", openalex_id=f"W{i + 1}", title=f"t{i}"))
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        out = tmp_path / "copy.sqlite"
        result = run(["backup", str(out)], workspace)
    finally:
        stop.set()
        t.join()
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(out)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    n = con.execute("SELECT count(*) FROM record").fetchone()[0]
    assert n >= 0
    assert con.execute("SELECT count(*) FROM review").fetchone()[0] == 1


def test_backup_postgres(workspace, tmp_path, db_backend):
    if db_backend != "postgresql":
        pytest.skip("PostgreSQL only")
    out = tmp_path / "lsr.dump"
    result = run(["backup", str(out)], workspace)
    if result.exit_code == 1 and "pg_dump" in result.stderr:
        assert "pg_dump -Fc" in result.stderr  # explained when the tool is missing
        return
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_backup_refuses_a_folder(workspace, tmp_path):
    result = run(["backup", str(tmp_path)], workspace)
    assert result.exit_code in (1, 2)
