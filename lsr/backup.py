"""Consistent copies of the database while it is in use.

SQLite: the online backup API copies page by page under the database's own locking, so a copy taken
during an update or while reviewers screen is a consistent snapshot (WAL included). PostgreSQL: the
server's own ``pg_dump`` is the consistent-copy tool; lsr runs it when it is installed (password passed
through the environment, never on a command line) and otherwise says how.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from lsr.errors import LsrError
from lsr.settings import mask_password


def backup(database_url: str, target: str | os.PathLike) -> Path:
    """Copy the database at ``database_url`` to ``target``; returns the written path.

    Raises:
        LsrError: unsupported backend, unreadable source, unwritable target, pg_dump missing or failing.
    """
    url = make_url(database_url)
    dest = Path(target).expanduser().resolve()
    if dest.exists() and dest.is_dir():
        raise LsrError(f"{dest} is a folder; give a file name for the backup")
    if dest.exists() and not dest.is_file():  # /dev/null, a pipe: a backup is a file that can be opened again
        raise LsrError(f"{dest} is not a regular file; give a file name for the backup")
    if not dest.parent.is_dir():
        raise LsrError(f"folder {dest.parent} does not exist")
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _backup_sqlite(url.database or "", dest)
    if backend == "postgresql":
        return _backup_postgres(url, dest)
    raise LsrError(f"backup of {backend} databases is not supported")


def _backup_sqlite(source: str, dest: Path) -> Path:
    if not source or source == ":memory:" or not Path(source).exists():
        raise LsrError(f"no SQLite database at {source or '(memory)'}")
    if Path(source).resolve() == dest:
        raise LsrError("the backup file must differ from the database file")
    part = dest.with_name(dest.name + ".part")
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        try:
            out = sqlite3.connect(part)
            try:
                src.backup(out, pages=1024, sleep=0.01)
                out.execute("PRAGMA journal_mode = DELETE")
                check = out.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                out.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        part.unlink(missing_ok=True)
        raise LsrError(f"backup of {source} failed: {exc}") from None
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise LsrError(f"cannot write {dest}: {exc.strerror or exc}") from None
    if check != "ok":
        part.unlink(missing_ok=True)
        raise LsrError(f"backup of {source} failed its integrity check: {check}")
    os.replace(part, dest)
    return dest


def _backup_postgres(url, dest: Path) -> Path:
    pg_dump = shutil.which("pg_dump")
    safe = mask_password(url.render_as_string(hide_password=False))
    if pg_dump is None:
        raise LsrError(
            f"{safe} is PostgreSQL: make a consistent copy with the server's tool, e.g. "
            f"`pg_dump -Fc -h {url.host or 'localhost'} -U {url.username or '$USER'} -f {dest} {url.database}` "
            "(install the postgresql-client package to let `lsr backup` run it)"
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    cmd = [pg_dump, "-Fc", "-f", str(dest), "-d", url.database or "postgres"]
    if url.host:
        cmd += ["-h", url.host]
    if url.port:
        cmd += ["-p", str(url.port)]
    if url.username:
        cmd += ["-U", url.username]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        msg = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        if url.password:
            msg = msg.replace(str(url.password), "***")
        raise LsrError(f"pg_dump of {safe} failed: {msg}")
    return dest
