"""Settings in one place: every environment variable lsr reads is declared in ``lsr.settings``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import lsr
from lsr.errors import LsrError
from lsr.search.openalex.client import RetryPolicy
from lsr.settings import OpenAlexTuning, resolve, synergy_path

PKG = Path(lsr.__file__).parent
# Modules that copy the environment rather than configure lsr: into a child process (backup, SYNERGY's
# downloader) or into the schedule entries ``lsr schedule`` writes.
COPIES_THE_ENVIRONMENT = {"backup.py", "search/synergy.py", "search/schedule_units.py"}


def test_openalex_tuning_defaults_and_environment(monkeypatch):
    assert OpenAlexTuning.from_env() == OpenAlexTuning(per_page=100, retries=6, backoff=1.0, max_wait=60.0,
                                                       timeout=60.0)
    for name, value in {"PER_PAGE": "7", "RETRIES": "0", "BACKOFF": "0.5", "MAX_WAIT": "3", "TIMEOUT": "0"}.items():
        monkeypatch.setenv(f"LSR_OPENALEX_{name}", value)
    tuning = OpenAlexTuning.from_env()
    assert tuning == OpenAlexTuning(per_page=7, retries=1, backoff=0.5, max_wait=3.0, timeout=60.0)
    policy = RetryPolicy.from_env()
    assert (policy.attempts, policy.backoff, policy.max_wait, policy.read_timeout) == (1, 0.5, 3.0, 60.0)


@pytest.mark.parametrize(("value", "message"), [("many", "is not a number"), ("-1", "must not be negative")])
def test_openalex_tuning_refuses_a_bad_value_with_its_name(monkeypatch, value, message):
    monkeypatch.setenv("LSR_OPENALEX_RETRIES", value)
    with pytest.raises(LsrError, match=f"LSR_OPENALEX_RETRIES='{value}' {message}"):
        OpenAlexTuning.from_env()


def test_ranker_and_synergy_path_come_from_the_environment(tmp_path, monkeypatch):
    assert resolve(tmp_path).ranker == "default"
    monkeypatch.setenv("LSR_RANKER", "elas_u4")
    assert resolve(tmp_path).ranker == "elas_u4"
    monkeypatch.delenv("SYNERGY_PATH")
    assert synergy_path() is None
    monkeypatch.setenv("SYNERGY_PATH", str(tmp_path))
    assert synergy_path() == tmp_path


def test_the_environment_is_read_only_in_settings():
    readers = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        if rel == "settings.py" or rel in COPIES_THE_ENVIRONMENT or rel.startswith("migrations/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                readers.append(f"{rel}:{node.lineno}")
    assert readers == []
