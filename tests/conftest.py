"""Shared fixtures: a clean environment for every test and small workspaces built in code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import SHARED, make_workspace

ENV_PREFIXES = ("LSR_",)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path_factory):
    """Keep the developer's own configuration out of tests."""
    for key in list(os.environ):
        if key.startswith(ENV_PREFIXES):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("LSR_REVIEWER", "tester")
    monkeypatch.setenv("SYNERGY_PATH", str(SHARED / "synergy"))
    yield
    from lsr.db import close_all

    close_all()


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A workspace with one valid protocol, ``test-review``."""
    return make_workspace(tmp_path / "ws")
