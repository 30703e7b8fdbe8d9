"""CLI robustness for a new user: bad configuration, misplaced options and misused flags each give one
clear line and a proper exit code, never a traceback or a silently wrong result."""

from __future__ import annotations

import pytest

from lsr.settings import resolve
from tests.helpers import make_workspace, run


@pytest.mark.parametrize(("url", "message"), [
    ("garbage", "LSR_DATABASE_URL is not a database URL: 'garbage'"),
    ("user:secret@host/db", "LSR_DATABASE_URL is not a database URL: 'user:***@host/db'"),
    ("sqlite://x:y", "LSR_DATABASE_URL is not a valid database URL"),
    ("mysql://u:secret@h/db", "unsupported database 'mysql': lsr works with SQLite or PostgreSQL"),
    ("postgresql+nosuchdriver://u:secret@h/db", "cannot be used"),
])
def test_an_unusable_database_url_is_one_line(tmp_path, monkeypatch, url, message):
    make_workspace(tmp_path)
    monkeypatch.setenv("LSR_DATABASE_URL", url)
    result = run(["status"], tmp_path)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "secret" not in result.output


def test_the_libpq_postgres_spelling_is_read_as_postgresql_with_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("LSR_DATABASE_URL", "postgres://lsr:secret@127.0.0.1:1/lsr")
    assert resolve(tmp_path).database_url == "postgresql+psycopg://lsr:secret@127.0.0.1:1/lsr"
    make_workspace(tmp_path)
    result = run(["status"], tmp_path)  # nothing listens on port 1: a connection error, not a missing plugin
    assert result.exit_code == 1
    assert "cannot open database postgresql+psycopg://lsr:***@127.0.0.1:1/lsr" in result.stderr
