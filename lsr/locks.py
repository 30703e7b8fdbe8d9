"""Per-review write locks: two ``lsr update`` runs, two ``lsr import`` runs, or an import and an update, never
work on the same review at once.

This module owns the mutual exclusion of updates and imports (both add records, and each de-duplicates
against the records already stored, so two at once would each miss the other's uncommitted records and
store the same work twice). Screening decisions never take this lock. With SQLite the lock is an ``flock`` on
``reviews/.locks/<review-id>.lock`` (released by the kernel when the process dies, even by SIGKILL, so a
crashed update never leaves a stale lock; the file itself stays and says who held it last). With
PostgreSQL it is a session-level ``pg_advisory_lock`` on a key derived from the review id, held on a
dedicated connection for the duration (released when that connection ends); that connection's
``application_name`` says what holds the lock (``lsr update since …, pid … on …``), which ``pg_stat_activity``
shows to every role, so a busy message can name the holder as the SQLite lock file does.

``update_in_progress`` probes either lock without taking it, so ``lsr status`` (through
``lsr.status.process_gone``) can tell a run that is still going from one whose process is gone; the SQLite
probe imports no SQLAlchemy, so the quick status path stays light.

Holding the lock also tells the updater that any search run still marked ``running`` belongs to a process
that is gone, so it can be resumed safely.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from lsr.errors import LsrError
from lsr.settings import Settings
from lsr.workspace import Workspace

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

POLL_SECONDS = 0.2


APP_NAME_MAX = 63  # PostgreSQL keeps at most NAMEDATALEN - 1 bytes of application_name
HOLDER = re.compile(r"^lsr (?P<purpose>\w+) since (?P<since>\S+), pid (?P<pid>\d+) on (?P<host>.*)$")


class LockBusy(LsrError):
    """Another process holds the lock (and we were told not to wait, or waited long enough)."""


def holder_line(purpose: str) -> str:
    """What a lock holder writes about itself: ``lsr update since 2026-05-01T10:00:00Z, pid 12 on host``."""
    since = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"lsr {purpose} since {since}, pid {os.getpid()} on {socket.gethostname()}"


def busy_text(holder: str | None) -> str:
    """``another update is running (since …, pid … on …)`` / ``an import is running (…)`` from what the holder
    wrote (``holder_line``); ``another update or import is running`` when that cannot be read."""
    found = HOLDER.match(holder or "")
    if found is None:
        return f"another update or import is running{f' ({holder})' if holder else ''}"
    what = {"update": "another update", "import": "an import"}.get(found["purpose"], f"lsr {found['purpose']}")
    return f"{what} is running (since {found['since']}, pid {found['pid']} on {found['host']})"


def lock_key(review_id: str) -> int:
    """A stable signed 64-bit key for ``pg_advisory_lock`` from the review id."""
    digest = hashlib.sha256(f"lsr-update:{review_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def lock_path(ws: Workspace, review_id: str) -> Path:
    """The lock file of one review (SQLite workspaces)."""
    return lock_file(ws.settings.reviews_dir, review_id)


def lock_file(reviews_dir: Path, review_id: str) -> Path:
    """The lock file of one review under a workspace's ``reviews`` folder."""
    return reviews_dir / ".locks" / f"{review_id}.lock"


def update_in_progress(settings: Settings, review_id: str) -> bool | None:
    """Whether an update holds the review's lock right now: True, False, or None when this cannot be told
    (a system without ``flock``, a database that cannot be reached). A search run marked ``running`` while
    no update holds the lock was left by a process that stopped without finishing (killed, crashed).

    SQLite: a shared ``flock`` probe of the lock file. PostgreSQL: ``pg_locks`` lists the advisory lock
    while the updating session holds it (any role may read that view), so reading it takes no lock itself.
    """
    if settings.database_url.startswith("sqlite"):
        return _file_lock_held(lock_file(settings.reviews_dir, review_id))
    return _advisory_lock_held(settings.database_url, review_id)


def _file_lock_held(path: Path) -> bool | None:
    if fcntl is None:  # pragma: no cover
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


# A bigint advisory key shows in pg_locks as its high 32 bits (classid) and low 32 bits (objid), objsubid 1.
ADVISORY_HELD = (
    "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND d.datname = current_database() "
    "AND l.classid = CAST(:hi AS oid) AND l.objid = CAST(:lo AS oid))")


def _advisory_lock_held(url: str, review_id: str) -> bool | None:
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from lsr.db import open_database

    unsigned = lock_key(review_id) & 0xFFFF_FFFF_FFFF_FFFF
    try:
        db = open_database(url, migrate=False)
        with db.read_engine.connect() as conn:
            return bool(conn.execute(text(ADVISORY_HELD), {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}).scalar())
    except (LsrError, SQLAlchemyError):
        return None


def _deadline(wait: bool | float) -> float | None:
    """None = wait forever; otherwise the monotonic time to give up at."""
    if wait is True:
        return None
    return time.monotonic() + (0.0 if wait is False else float(wait))


@contextlib.contextmanager
def review_lock(ws: Workspace, review_id: str, *, wait: bool | float = False, purpose: str = "update",
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the write lock of one review (updates and imports) for the duration of the ``with`` block.

    Args:
        ws: the open workspace.
        review_id: the review to lock.
        wait: False to fail at once when the lock is taken, True to wait for it, or a number of seconds.
        purpose: what takes the lock (``update``, ``import``), for the busy message of the next one.
        on_wait: called once, with who holds the lock (``busy_text``), when we start waiting for it.

    Raises:
        LockBusy: the lock is held by another update or import (the message says which, since when and by
            which process, when known).
    """
    if ws.db.is_sqlite:
        with _file_lock(lock_path(ws, review_id), review_id, _deadline(wait), purpose, on_wait):
            yield
    else:
        with _advisory_lock(ws, review_id, _deadline(wait), purpose, on_wait):
            yield


@contextlib.contextmanager
def _file_lock(path: Path, review_id: str, deadline: float | None, purpose: str,
               on_wait: Callable[[str], None] | None) -> Iterator[None]:
    if fcntl is None:  # pragma: no cover
        raise LsrError("update locks need a POSIX system (fcntl)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockBusy(f"review {review_id}: {busy_text(_read_holder(fd))}") from None
                if on_wait is not None:
                    on_wait(busy_text(_read_holder(fd)))
                    on_wait = None
                time.sleep(POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{holder_line(purpose)}\n".encode(), 0)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        return os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


# The session holding a review's advisory lock, and what it says about itself (``holder_line``).
ADVISORY_HOLDER = (
    "SELECT a.application_name FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
    "JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND d.datname = current_database() "
    "AND l.classid = CAST(:hi AS oid) AND l.objid = CAST(:lo AS oid)")


def _advisory_holder(conn, key: int) -> str:
    from sqlalchemy import text

    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    try:
        name = conn.execute(text(ADVISORY_HOLDER), {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}).scalar()
        conn.commit()
    except Exception:  # noqa: BLE001 - only a nicer message is at stake
        conn.rollback()
        return ""
    return name or ""


@contextlib.contextmanager
def _advisory_lock(ws: Workspace, review_id: str, deadline: float | None, purpose: str,
                   on_wait: Callable[[str], None] | None) -> Iterator[None]:
    from sqlalchemy import text

    key = lock_key(review_id)
    with ws.db.write_engine.connect() as conn:
        while True:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            conn.commit()
            if got:
                break
            if deadline is not None and time.monotonic() >= deadline:
                raise LockBusy(f"review {review_id}: {busy_text(_advisory_holder(conn, key))}")
            if on_wait is not None:
                on_wait(busy_text(_advisory_holder(conn, key)))
                on_wait = None
            time.sleep(POLL_SECONDS)
        try:
            conn.execute(text("SELECT set_config('application_name', :v, false)"),
                         {"v": holder_line(purpose).encode()[:APP_NAME_MAX].decode("utf-8", "ignore")})
            conn.commit()
            yield
        finally:
            with contextlib.suppress(Exception):
                conn.execute(text("RESET application_name"))
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
