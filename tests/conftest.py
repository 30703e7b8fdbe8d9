"""Shared fixtures: a clean environment for every test, small workspaces built in code, and the
database backend.

Tiers: ``pytest`` runs the fast tier (``addopts`` deselects ``slow``); ``pytest -n auto -m "slow or not slow"``
(what ``.ci/run`` runs) runs everything. ``slow`` marks process kills, pseudo-terminals, child processes
that import the whole stack, browsers, large corpora, fuzzing, and every test's PostgreSQL run.

Database-facing tests marked ``both_backends`` (a module's ``pytestmark``) run twice: on SQLite and on
PostgreSQL (the PostgreSQL run is in the slow tier). For PostgreSQL each test gets a fresh database on a
throwaway cluster that the test run starts itself (``tests/pg_server.py``); ``LSR_DATABASE_URL`` points at
it, so the CLI, the library and subprocesses all use it.

Property-based tests (hypothesis) draw the same examples on every run (profile ``ci``), so a run of the
suite is reproducible; ``HYPOTHESIS_PROFILE=explore`` draws fresh examples on every run to hunt for new
failures (add what it finds as an ``@example``).
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import settings

from lsr.asreview_guard import install as guard_http
from tests.helpers import SHARED, make_workspace
from tests.pg_server import ThrowawayPostgres

guard_http()  # before any test imports asreview: its import must not cache our HTTP traffic

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ENV_PREFIXES = ("LSR_",)
_counter = itertools.count()


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize(
            "db_backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)], indirect=True
        )


@pytest.fixture(scope="session")
def postgres_server():
    server = ThrowawayPostgres()
    started = server.start()
    yield server if started else server.reason
    server.stop()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    """Keep the developer's own configuration out of tests."""
    test_postgres = os.environ.get("LSR_TEST_POSTGRES_URL")
    for key in list(os.environ):
        if key.startswith(ENV_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    if test_postgres:
        monkeypatch.setenv("LSR_TEST_POSTGRES_URL", test_postgres)
    monkeypatch.setenv("LSR_REVIEWER", "tester")
    monkeypatch.setenv("SYNERGY_PATH", str(SHARED / "synergy"))
    yield
    from lsr.db import close_all

    close_all()


@pytest.fixture(autouse=True)
def db_backend(request, clean_env, monkeypatch):
    """``sqlite`` (default: the workspace's file) or ``postgresql`` (a fresh database per test)."""
    backend = getattr(request, "param", "sqlite")
    if backend != "postgresql":
        yield backend
        return
    server = request.getfixturevalue("postgres_server")
    if isinstance(server, str):
        pytest.skip(server)
    name = f"lsr_test_{os.getpid()}_{next(_counter)}"
    monkeypatch.setenv("LSR_DATABASE_URL", server.create_database(name))
    yield backend
    from lsr.db import close_all

    close_all()
    server.drop_database(name)


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A workspace with one valid protocol, ``test-review``."""
    return make_workspace(tmp_path / "ws")
