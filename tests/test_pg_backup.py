"""`lsr backup` on PostgreSQL: a failed pg_dump never costs an earlier backup nor leaves an empty file, its
message keeps pg_dump's reason, pg_dump connects exactly as lsr does (every URL setting, the password only
through the environment), and the command suggested when pg_dump is missing works.

The stand-in ``pg_dump`` scripts need no server (fast tier); the rest run the real pg_dump against the
throwaway cluster (slow tier, like every PostgreSQL test).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from lsr.backup import backup
from lsr.errors import LsrError
from tests.helpers import make_workspace, run

_counter = itertools.count()
URL = "postgresql+psycopg://lsr:s3cr%40t@127.0.0.1:55433/lsr?sslmode=require"


def _stand_in(bin_dir: Path, body: str) -> None:
    """A ``pg_dump`` first on PATH that runs ``body`` (sh)."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "pg_dump"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)


def _prepend_path(monkeypatch, bin_dir: Path) -> None:
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_failing_pg_dump_keeps_the_earlier_backup_and_leaves_no_file(tmp_path, monkeypatch):
    # The stand-in writes half a dump to the file it is given, then fails, as pg_dump does.
    _stand_in(tmp_path / "bin", 'for a; do case "$prev" in -f) out="$a";; esac; prev="$a"; done\n'
                                'printf half > "$out"\n'
                                'echo "pg_dump: error: query failed: ERROR:  out of shared memory" >&2\nexit 1\n')
    _prepend_path(monkeypatch, tmp_path / "bin")
    out = tmp_path / "out"
    out.mkdir()
    keep = out / "keep.dump"
    keep.write_bytes(b"the earlier backup")
    with pytest.raises(LsrError, match="out of shared memory"):
        backup(URL, keep)
    assert keep.read_bytes() == b"the earlier backup"
    with pytest.raises(LsrError):
        backup(URL, out / "new.dump")
    assert sorted(p.name for p in out.iterdir()) == ["keep.dump"]  # no empty new.dump, no part file


def test_a_version_mismatch_keeps_pg_dumps_reason_and_says_what_to_install(tmp_path, monkeypatch):
    # What pg_dump 15 prints for a newer server: the reason, then a detail line.
    _stand_in(tmp_path / "bin", 'echo "pg_dump: error: aborting because of server version mismatch" >&2\n'
                                'echo "pg_dump: detail: server version: 17.2; pg_dump version: 15.18" >&2\nexit 1\n')
    _prepend_path(monkeypatch, tmp_path / "bin")
    with pytest.raises(LsrError) as info:
        backup(URL, tmp_path / "x.dump")
    message = str(info.value)
    assert "aborting because of server version mismatch" in message
    assert "server version: 17.2; pg_dump version: 15.18" in message
    assert "postgresql-client-17" in message
    assert len(message.splitlines()) <= 2
    assert "s3cr" not in message


def test_pg_dump_gets_every_url_setting_and_the_password_only_through_the_environment(tmp_path, monkeypatch):
    seen = tmp_path / "seen.json"
    _stand_in(tmp_path / "bin", f'''{sys.executable} - "$@" <<'EOF'
import json, os, sys
args = sys.argv[1:]
open(args[args.index("-f") + 1], "w").write("dump")
json.dump({{"argv": args, "pgpassword": os.environ.get("PGPASSWORD")}}, open({str(seen)!r}, "w"))
EOF
''')
    _prepend_path(monkeypatch, tmp_path / "bin")
    url = "postgresql+psycopg://lsr:s3cr%40t@/lsr?host=/run/pg%20sock&port=55433&sslmode=verify-full"
    assert backup(url, tmp_path / "x.dump").read_text() == "dump"
    got = json.loads(seen.read_text())
    assert got["pgpassword"] == "s3cr@t"
    assert not any("s3cr" in a for a in got["argv"])
    conninfo = [a.removeprefix("--dbname=") for a in got["argv"] if a.startswith("--dbname=")]
    assert len(conninfo) == 1
    for setting in ("host='/run/pg sock'", "port=55433", "sslmode=verify-full", "user=lsr", "dbname=lsr"):
        assert setting in conninfo[0]


@pytest.fixture
def pg(postgres_server, monkeypatch):
    """A fresh database on the throwaway cluster (its superuser ``lsr``, trust authentication)."""
    if isinstance(postgres_server, str):
        pytest.skip(postgres_server)
    name = f"lsr_bk_{os.getpid()}_{next(_counter)}"
    url = postgres_server.create_database(name)
    yield postgres_server, name, url
    from lsr.db import close_all

    close_all()
    postgres_server.drop_database(name)


def _admin(server, dbname: str):
    return psycopg.connect(server.url.replace("postgresql+psycopg://", "postgresql://") + f"/{dbname}",
                           autocommit=True)


@pytest.mark.slow
def test_a_real_pg_dump_failure_keeps_the_earlier_backup_and_names_the_reason(pg, tmp_path, monkeypatch):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    server, name, url = pg
    role = f"lsr_limited_{os.getpid()}"
    with _admin(server, name) as conn:
        conn.execute(f'DROP ROLE IF EXISTS "{role}"')
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(f'ALTER DATABASE "{name}" OWNER TO "{role}"')
        conn.execute(f'ALTER SCHEMA public OWNER TO "{role}"')
    try:
        ws = make_workspace(tmp_path / "ws")
        monkeypatch.setenv("LSR_DATABASE_URL", url.replace("//lsr@", f"//{role}@"))
        assert run(["status"], ws).exit_code == 0  # lsr's schema, owned by the limited role
        with _admin(server, name) as conn:
            conn.execute("CREATE TABLE dba_audit (x int)")  # a DBA's table the role may not read
        keep = tmp_path / "keep.dump"
        keep.write_bytes(b"the earlier backup")
        result = run(["backup", "--force", str(keep)], ws)
        assert result.exit_code == 1
        assert "permission denied for table dba_audit" in result.stderr
        assert "Query was: LOCK TABLE public.dba_audit" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 2
        assert keep.read_bytes() == b"the earlier backup"

        new = tmp_path / "new.dump"
        assert run(["backup", str(new)], ws).exit_code == 1
        assert not new.exists() and _leftovers(tmp_path) == []
        with _admin(server, name) as conn:
            conn.execute(f'GRANT SELECT ON dba_audit TO "{role}"')
        result = run(["backup", str(new)], ws)  # the next attempt is not blocked by a left-over empty file
        assert result.exit_code == 0, result.output
        assert new.stat().st_size > 0
    finally:
        from lsr.db import close_all

        close_all()
        server.drop_database(name)
        with _admin(server, "postgres") as conn:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.mark.slow
def test_backup_connects_through_the_socket_and_with_the_ssl_mode_of_the_url(pg, tmp_path, monkeypatch):
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    server, name, url = pg
    socket_dir = getattr(server, "_dir", None)
    if not socket_dir:
        pytest.skip("needs the throwaway cluster's socket folder")
    port = re.search(r":(\d+)$", server.url).group(1)
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.setenv("LSR_DATABASE_URL", f"postgresql+psycopg://lsr@/{name}?host={socket_dir}&port={port}")
    out = tmp_path / "sock.dump"
    result = run(["backup", str(out)], ws)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    # The throwaway server has no SSL: a URL that requires it must not get a backup over plain TCP.
    with pytest.raises(LsrError, match="SSL"):
        backup(f"{url}?sslmode=require", tmp_path / "ssl.dump")
    assert not (tmp_path / "ssl.dump").exists()


@pytest.mark.slow
def test_the_command_suggested_without_pg_dump_works(pg, tmp_path, monkeypatch):
    real = shutil.which("pg_dump")
    if real is None:
        pytest.skip("pg_dump is not installed")
    _server, _name, url = pg
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.setenv("LSR_DATABASE_URL", url)
    assert run(["status"], ws).exit_code == 0
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "manual.dump"
    result = run(["backup", str(out)], ws)
    assert result.exit_code == 1
    suggested = re.search(r"`(pg_dump [^`]+)`", result.stderr).group(1)
    argv = shlex.split(suggested)
    done = subprocess.run([real, *argv[1:]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 0
