"""Consistent copies of the database while it is in use.

SQLite: the online backup API copies page by page under the database's own locking, so a copy taken
during an update or while reviewers screen is a consistent snapshot (WAL included). PostgreSQL: the
server's own ``pg_dump`` is the consistent-copy tool; lsr runs it when it is installed, connecting exactly as
lsr does (every URL setting, the password through the environment, never on a command line), writing beside
the target and renaming on success like the SQLite path, and otherwise says how.
"""

from __future__ import annotations

import os
import re
import shlex
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
    safe = mask_password(url.render_as_string(hide_password=False))
    conninfo = pg_conninfo(url)
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        manual = f"pg_dump -Fc -f {shlex.quote(str(dest))} --dbname={shlex.quote(conninfo)}"
        raise LsrError(
            f"{safe} is PostgreSQL: make a consistent copy with the server's tool, e.g. `{manual}` "
            "(install the postgresql-client package to let `lsr backup` run it)"
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    # pg_dump writes beside the target and the copy replaces it only once complete: a failed dump leaves an
    # earlier backup under that name untouched, and no empty file that would block the next attempt.
    part = dest.with_name(f"{dest.name}.{os.getpid()}.part")
    cmd = [pg_dump, "-Fc", "--no-password", "-f", str(part), f"--dbname={conninfo}"]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            msg = pg_dump_reason(done.stderr)
            if url.password:
                msg = msg.replace(str(url.password), "***")
            raise LsrError(f"pg_dump of {safe} failed: {msg}")
        os.replace(part, dest)
    except OSError as exc:
        raise LsrError(f"cannot write {dest}: {exc.strerror or exc}") from None
    finally:
        part.unlink(missing_ok=True)
    return dest


def pg_conninfo(url) -> str:
    """A libpq connection string (``host=… port=… dbname=…``) with every setting lsr's own connection uses:
    host, port, user and database, and the URL's query parameters (``host=/socket/dir``, ``sslmode``, several
    hosts), read through the dialect as SQLAlchemy does when it connects. The password is left out: it goes
    to pg_dump through ``PGPASSWORD``, never onto a command line."""
    _, params = url.get_dialect()().create_connect_args(url)
    params.pop("password", None)
    return " ".join(f"{key}={_conninfo_value(value)}" for key, value in params.items() if value is not None)


def _conninfo_value(value) -> str:
    text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
    if text and not any(c.isspace() or c in "'\\" for c in text):
        return text
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pg_dump_reason(stderr: str) -> str:
    """pg_dump's reason in one or two lines: its first ``error:`` line (the reason: "permission denied for
    table …", "server version mismatch", "connection … failed"), then the detail that follows it (a
    ``detail:``/``hint:`` line or libpq's indented continuation), with a hint for a version mismatch."""
    lines = [" ".join(line.split()) for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    first = next((i for i, line in enumerate(lines) if line.startswith("pg_dump: error:")), None)
    if first is None:
        return _clip(lines[-1])
    reason = lines[first].removeprefix("pg_dump: error:").strip()
    detail = ""
    if first + 1 < len(lines) and not lines[first + 1].startswith("pg_dump: error:"):
        detail = lines[first + 1]
        for prefix in ("pg_dump: detail:", "pg_dump: hint:"):
            detail = detail.removeprefix(prefix).strip()
    server = re.search(r"server version: (\d+)", detail)
    if "version mismatch" in reason and server:
        detail += f"; install pg_dump {server.group(1)} (e.g. the postgresql-client-{server.group(1)} package)"
    return _clip(reason) + (f"\n  {_clip(detail, 300)}" if detail else "")


def _clip(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
