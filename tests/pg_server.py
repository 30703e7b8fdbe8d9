"""A throwaway PostgreSQL cluster for the tests, started by the test run itself.

``LSR_TEST_POSTGRES_URL`` (a server URL without database name, e.g.
``postgresql+psycopg://lsr@127.0.0.1:5432``) uses an existing server. Otherwise, when Debian's
PostgreSQL binaries are installed, a cluster is created in a temporary folder and started on a free
loopback port (as the ``postgres`` user when running as root, since initdb refuses root), then stopped
at the end of the session. Without either, PostgreSQL tests are skipped with the reason.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A cluster in a temp dir; ``url`` is the server URL (append ``/dbname``)."""

    def __init__(self) -> None:
        self.url: str | None = os.environ.get("LSR_TEST_POSTGRES_URL") or None
        self.reason = ""
        self._dir: str | None = None
        self._bin: Path | None = None
        self._as: list[str] = []

    def start(self) -> bool:
        if self.url:
            return True
        self._bin = _bin_dir()
        if self._bin is None:
            self.reason = "PostgreSQL is not installed (apt-get install postgresql) and LSR_TEST_POSTGRES_URL is unset"
            return False
        self._dir = tempfile.mkdtemp(prefix="lsr-pg-")
        user = "postgres"
        if os.geteuid() == 0:
            shutil.chown(self._dir, user)
            self._as = ["runuser", "-u", user, "--"]
        else:
            user = os.environ.get("USER") or "postgres"
        data, port = os.path.join(self._dir, "data"), _free_port()
        try:
            self._run("initdb", "-D", data, "-U", "lsr", "--auth=trust", "-E", "UTF8", "--no-sync")
            opts = f"-c listen_addresses=127.0.0.1 -p {port} -k {self._dir} -c fsync=off -c max_connections=200"
            self._run("pg_ctl", "-D", data, "-o", opts, "-l", os.path.join(self._dir, "log"), "-w", "start")
        except (subprocess.CalledProcessError, OSError) as exc:
            out = getattr(exc, "stderr", b"") or b""
            self.reason = f"could not start PostgreSQL: {exc} {out.decode(errors='replace')[-300:]}"
            return False
        self.url = f"postgresql+psycopg://lsr@127.0.0.1:{port}"
        return True

    def _run(self, tool: str, *args: str) -> None:
        assert self._bin is not None
        subprocess.run([*self._as, str(self._bin / tool), *args], check=True, capture_output=True, timeout=120)

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self._admin_dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{self.url}/{name}"

    def drop_database(self, name: str) -> None:
        import psycopg

        for _ in range(3):
            try:
                with psycopg.connect(self._admin_dsn(), autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                return
            except psycopg.Error:
                time.sleep(0.2)

    def _admin_dsn(self) -> str:
        assert self.url
        return self.url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"

    def stop(self) -> None:
        if self._dir and self._bin:
            try:
                self._run("pg_ctl", "-D", os.path.join(self._dir, "data"), "-m", "immediate", "stop")
            except (subprocess.CalledProcessError, OSError):
                pass
            shutil.rmtree(self._dir, ignore_errors=True)
