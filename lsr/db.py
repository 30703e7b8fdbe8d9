"""Opening the database: engines, sessions, SQLite pragmas, write locking and migrations.

SQLite is opened with WAL, ``busy_timeout`` and foreign keys. Writers take the database lock up front
(``BEGIN IMMEDIATE``) through a separate engine, so a reviewer's decision waits its turn during an update
instead of failing with "database is locked" half-way through a transaction; readers never block.
PostgreSQL uses one engine for both. The schema is brought to the newest Alembic revision on open; on
PostgreSQL under an advisory lock, so two processes opening a new database at once migrate it one after the
other. A schema newer than this lsr's migrations (written by a newer lsr) is refused in one line.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, SQLAlchemyError
from sqlmodel import Session, create_engine

from lsr.errors import LsrError
from lsr.settings import DATABASE_URL_EXAMPLES, check_database_url, mask_password
from lsr.sqlite_reader import connection_query

BUSY_TIMEOUT_MS = 30_000
# pg_advisory_lock(int, int) for schema upgrades. Two-int keys are a key space of their own (pg_locks
# objsubid 2), apart from the bigint per-review update locks of lsr.locks (objsubid 1), so they never meet.
SCHEMA_LOCK_KEYS = (0x6C73_7200, 1)  # "lsr", schema upgrade
MIGRATIONS_DIR = Path(__file__).with_name("migrations")

_lock = threading.Lock()
_cache: dict[str, Database] = {}


class Database:
    """Engines and session factories for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.safe_url = mask_password(url)
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite:
            db_path = parsed.database
            if db_path and db_path != ":memory:":
                Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            self.read_engine = _sqlite_engine(url, immediate=False)
            self.write_engine = _sqlite_engine(url, immediate=True)
        else:
            self.read_engine = self.write_engine = create_engine(url, pool_pre_ping=True)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (no write lock taken)."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one write transaction: committed on success, rolled back on error."""
        with Session(self.write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                raise LsrError(f"cannot write to database {self.safe_url}: {_short(exc)}") from None
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


def _sqlite_engine(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start (pysqlite would defer them).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode and str(mode[0]).lower() not in ("wal", "memory"):
            raise OperationalError("PRAGMA journal_mode", {}, Exception(f"cannot enable WAL (mode {mode[0]})"))
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url``; cached per URL within the process.

    Raises:
        LsrError: the URL is not a database URL or names a database other than SQLite or PostgreSQL, its
            driver is not installed, or the database cannot be opened, is not a database, or is read-only.
    """
    with _lock:
        db = _cache.get(url)
        if db is not None:
            return db
        check_database_url(url)  # also refuses an unescaped '@' in the password before the parser quotes it
        try:
            make_url(url)
        except (ArgumentError, ValueError) as exc:  # e.g. a port that is not a number
            raise LsrError(f"LSR_DATABASE_URL is not a valid database URL: {_short(exc)} "
                           f"(e.g. {DATABASE_URL_EXAMPLES})") from None
        try:
            db = Database(url)
            if migrate:
                upgrade(db)
            else:
                with db.read_engine.connect():
                    pass
        except (OperationalError, DatabaseError) as exc:
            raise LsrError(f"cannot open database {mask_password(url)}: {_short(exc)}") from None
        except OSError as exc:
            raise LsrError(f"cannot open database {mask_password(url)}: {exc}") from None
        except (ArgumentError, ImportError) as exc:  # an unknown or uninstalled driver
            raise LsrError(f"LSR_DATABASE_URL {mask_password(url)} cannot be used: {_short(exc)} "
                           f"(e.g. {DATABASE_URL_EXAMPLES})") from None
        _cache[url] = db
        return db


def session_query(session: Session):
    """A query function ``q(sql, params) -> rows`` over a session, for the SQL of ``lsr.screening.labels`` and
    ``lsr.status`` (the same SQL the read-only sqlite3 reader runs)."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":  # the driver's rows: building SQLAlchemy's Row objects cost more
        return connection_query(connection.connection.driver_connection)  # than the query on 10 k rows

    def q(sql: str, params: dict) -> list:
        return connection.execute(text(sql), params).all()

    return q


def close_all() -> None:
    """Dispose every cached engine (tests, and before copying a database file)."""
    with _lock:
        for db in _cache.values():
            db.dispose()
        _cache.clear()


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _alembic_config(db: Database):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = db.write_engine
    return cfg


def head_revision() -> str:
    """The newest migration revision, read from the scripts' headers (Alembic itself is imported only
    when there is something to migrate: it costs half a second)."""
    from lsr.sqlite_reader import migration_head

    head = migration_head(MIGRATIONS_DIR / "versions")
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(db: Database) -> str | None:
    with db.read_engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade(db: Database) -> None:
    """Bring the schema to the newest revision (no-op when already there).

    On PostgreSQL the migration runs under a session advisory lock and the revision is read again once the
    lock is held: a second process that arrives meanwhile waits, then finds the schema current (without the
    lock both would create the same tables, and one would fail on a duplicate key in the catalogue).

    Raises:
        LsrError: the database is at a revision this lsr does not know (a newer lsr migrated it).
    """
    head = head_revision()
    if current_revision(db) == head:
        return
    from alembic import command

    with _schema_lock(db):
        current = current_revision(db)
        if current == head:
            return
        if current is not None and current not in known_revisions():
            raise LsrError(f"the database {db.safe_url} was written by a newer lsr (schema revision {current}; "
                           f"this lsr knows up to {head}): upgrade lsr")
        command.upgrade(_alembic_config(db), "head")


def known_revisions() -> set[str]:
    """Every revision of this lsr's migration scripts."""
    from alembic.script import ScriptDirectory

    return {script.revision for script in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


@contextmanager
def _schema_lock(db: Database) -> Iterator[None]:
    """Hold the schema-upgrade advisory lock (PostgreSQL; SQLite's migration transaction already starts with
    ``BEGIN IMMEDIATE``) on a connection of its own, released when the block ends or the process dies."""
    if db.is_sqlite:
        yield
        return
    keys = {"a": SCHEMA_LOCK_KEYS[0], "b": SCHEMA_LOCK_KEYS[1]}
    with db.write_engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:a, :b)"), keys)
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(text("SELECT pg_advisory_unlock(:a, :b)"), keys)
                conn.commit()
            except SQLAlchemyError:
                pass  # the connection is gone, and the lock with it
