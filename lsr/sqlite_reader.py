"""A read-only view of a workspace's SQLite database through the standard library's ``sqlite3``.

``lsr status`` and the app's home screen only read counts, but importing SQLAlchemy, SQLModel and Alembic
takes longer than everything else they do. ``open_reader`` gives them a query function for the SQL of
``lsr.screening.labels`` and ``lsr.status`` when that is safe: the database is a SQLite file, already at the newest
schema revision, and every protocol is recorded as it reads now. Otherwise it returns None and the caller
opens the workspace the usual way, which migrates the schema and records new protocol versions.
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from pathlib import Path
from typing import TYPE_CHECKING

from lsr.protocol import ReviewCatalogue
from lsr.settings import Settings

if TYPE_CHECKING:  # lsr.screening.labels reaches lsr.db, which reads the migration head here
    from lsr.screening.labels import Query

VERSIONS_DIR = Path(__file__).with_name("migrations") / "versions"
_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*['\"]?([\w-]+|None)['\"]?", re.M)
BUSY_TIMEOUT_S = 30


def migration_head(versions_dir: Path = VERSIONS_DIR) -> str | None:
    """The newest revision of the migration scripts: the one no other script names as its parent."""
    revisions, parents = set(), set()
    for script in versions_dir.glob("*.py"):
        found = dict((key, value) for key, value in _REVISION.findall(script.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            parents.add(found.get("down_revision"))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def sqlite_file(settings: Settings) -> Path | None:
    """The database file when the database is SQLite on a file (None for PostgreSQL or in-memory)."""
    prefix = "sqlite:///"
    url = settings.database_url
    if not url.startswith(prefix) or "?" in url or url[len(prefix):] in ("", ":memory:"):
        return None
    return Path(url[len(prefix):])


_types: dict[tuple[str, ...], type] = {}


def _row_type(columns: tuple[str, ...]) -> type:
    if columns not in _types:
        names = [c if c.isidentifier() and not c.startswith("_") else f"c{i}" for i, c in enumerate(columns)]
        _types[columns] = namedtuple("Row", names)  # noqa: PYI024  (attribute access like SQLAlchemy rows)
    return _types[columns]


def open_reader(settings: Settings, catalogue: ReviewCatalogue) -> Query | None:
    """A query function on the workspace's SQLite database, or None when the full path must be taken."""
    path = sqlite_file(settings)
    if path is None or not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S,
                               check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        if revision is None or revision[0] != migration_head():
            conn.close()
            return None
        recorded = dict(conn.execute("SELECT id, protocol_hash FROM review").fetchall())
    except sqlite3.Error:
        conn.close()
        return None
    if any(recorded.get(p.id) != p.content_hash for p in catalogue.protocols.values()):
        conn.close()
        return None

    return connection_query(conn)


def connection_query(conn: sqlite3.Connection) -> Query:
    """A query function ``q(sql, params) -> rows`` on a ``sqlite3`` connection; rows are named tuples, read
    like SQLAlchemy rows (``row.id``, ``row[0]``)."""

    def q(sql: str, params: dict) -> list:
        cursor = conn.execute(sql, params)
        make = _row_type(tuple(col[0] for col in cursor.description))._make
        return list(map(make, cursor.fetchall()))

    return q
