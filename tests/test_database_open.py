"""Opening the database: a schema written by a newer lsr, a password with an unescaped '@', and several
processes opening a new PostgreSQL database at once each end in one clear line or simply work."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import text

from lsr.db import close_all
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, run


@pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier
def test_a_schema_from_a_newer_lsr_is_one_line(workspace, db_backend):
    ws = open_workspace(resolve(workspace))
    with ws.db.write() as session:  # as if a newer lsr had migrated it
        session.exec(text("UPDATE alembic_version SET version_num = '0099'"))
    close_all()
    result = run(["status"], workspace)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "was written by a newer lsr (schema revision 0099" in lines[0] and lines[0].endswith("upgrade lsr")


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://lsr2:p@ss:w/rd@127.0.0.1:1/restored",
    "postgresql+psycopg://lsr2:p@ss@127.0.0.1:1/restored",
])
def test_an_unescaped_at_in_the_password_is_named_without_showing_the_password(tmp_path, monkeypatch, url):
    make_workspace(tmp_path)
    monkeypatch.setenv("LSR_DATABASE_URL", url)
    result = run(["status"], tmp_path)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "percent-encode" in result.stderr and "%40" in result.stderr
    assert "lsr2:***@127.0.0.1:1/restored" in result.stderr
    for piece in ("p@ss", "ss@", "ss:", "w/rd", "'w'"):
        assert piece not in result.output


CHILD = """
import os, sys, time
from lsr.db import open_database
import alembic.command, lsr.models  # imported before the start signal, so the processes meet in the migration
go = sys.argv[1]
open(f"{go}.ready.{os.getpid()}", "w").close()
while not os.path.exists(go):
    time.sleep(0.005)
try:
    open_database(os.environ["LSR_DATABASE_URL"])
except Exception as exc:
    print(f"failed: {exc}")
    sys.exit(1)
print("ok")
"""


@pytest.mark.slow
def test_processes_opening_a_new_postgres_database_at_once_all_succeed(postgres_server, tmp_path, monkeypatch):
    if isinstance(postgres_server, str):
        pytest.skip(postgres_server)
    for round_ in range(2):
        name = f"lsr_fresh_{os.getpid()}_{round_}"
        url = postgres_server.create_database(name)
        try:
            go = tmp_path / f"go{round_}"
            env = {**os.environ, "LSR_DATABASE_URL": url}
            procs = [subprocess.Popen([sys.executable, "-c", CHILD, str(go)], env=env, text=True,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for _ in range(4)]
            deadline = time.monotonic() + 120
            while len(list(tmp_path.glob(f"{go.name}.ready.*"))) < len(procs) and time.monotonic() < deadline:
                time.sleep(0.05)  # every child has imported lsr and waits at the start line
            go.touch()
            outputs = [p.communicate(timeout=120)[0] for p in procs]
            assert [p.returncode for p in procs] == [0, 0, 0, 0], outputs
        finally:
            close_all()
            postgres_server.drop_database(name)
