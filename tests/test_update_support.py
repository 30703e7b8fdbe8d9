"""Shared helpers for the update, client and schedule tests (no tests here).

Everything runs over real HTTP against lsr's local OpenAlex-compatible server, started in-process on an
ephemeral loopback port, with works from the read-only SYNERGY copy in ``../shared/synergy``.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest
import requests
from sqlmodel import select

from lsr.models import Record, RecordSource, Review, SearchRun
from lsr.search.openalex.server import Corpus, load_works
from lsr.settings import resolve
from lsr.workspace import Workspace, open_workspace
from tests.helpers import SYNERGY, make_workspace

DATASET = SYNERGY / "Sep_2021"
QUERY = "(fear OR anxiety) AND context"  # 74 of Sep_2021's 271 works; 43 published before 2016
FILTER = "type:article"
EARLY = "2015-12-31"


@functools.lru_cache(maxsize=1)
def corpus() -> Corpus:
    """The Sep_2021 works, indexed once per test session and shared by every server."""
    if not DATASET.is_dir():
        pytest.skip(f"SYNERGY data not found at {DATASET}")
    return Corpus(load_works([DATASET]))


@pytest.fixture
def sqlite_only(db_backend):
    """For tests whose subject does not depend on the database: run them on SQLite only."""
    if db_backend != "sqlite":
        pytest.skip("backend-independent behaviour; covered on SQLite")


def fast_client_env(monkeypatch, url: str, *, per_page: int = 10, retries: int = 5) -> None:
    """Point lsr at ``url`` with small pages and quick retries (no waiting on Retry-After in tests)."""
    monkeypatch.setenv("LSR_OPENALEX_URL", url)
    monkeypatch.setenv("LSR_OPENALEX_PER_PAGE", str(per_page))
    monkeypatch.setenv("LSR_OPENALEX_RETRIES", str(retries))
    monkeypatch.setenv("LSR_OPENALEX_BACKOFF", "0.01")
    monkeypatch.setenv("LSR_OPENALEX_MAX_WAIT", "0.05")
    monkeypatch.setenv("LSR_OPENALEX_TIMEOUT", "10")


def open_ws(path: Path) -> Workspace:
    return open_workspace(resolve(path))


def new_workspace(tmp_path: Path, review_ids: tuple[str, ...] = ("test-review",), query: str = QUERY,
                  every: str = "monthly") -> Path:
    return make_workspace(tmp_path / "ws", review_ids, query=query, every=every)


def server_ids(url: str, query: str = QUERY, filters: str = FILTER) -> set[str]:
    """The server's full result set for a query, paged with plain ``requests`` (independent of lsr)."""
    ids: set[str] = set()
    cursor: str | None = "*"
    while cursor:
        resp = requests.get(f"{url}/works", params={"filter": f"{filters},title_and_abstract.search:{query}",
                                                    "per-page": 100, "cursor": cursor}, timeout=10)
        resp.raise_for_status()
        data = resp.json()
        ids |= {w["id"].rsplit("/", 1)[-1] for w in data["results"]}
        cursor = data["meta"]["next_cursor"]
    return ids


def record_ids(ws: Workspace, review_id: str = "test-review") -> list[str]:
    """OpenAlex ids of the review's records (a list: duplicates would show)."""
    with ws.db.read() as s:
        return [r.openalex_id for r in s.exec(select(Record).where(Record.review_id == review_id)).all()]


def runs(ws: Workspace, review_id: str = "test-review") -> list[SearchRun]:
    with ws.db.read() as s:
        return list(s.exec(select(SearchRun).where(SearchRun.review_id == review_id,
                                                   SearchRun.kind == "update").order_by(SearchRun.id)).all())


def sources(ws: Workspace, run_id: int) -> list[RecordSource]:
    with ws.db.read() as s:
        return list(s.exec(select(RecordSource).where(RecordSource.search_run_id == run_id)).all())


def last_update(ws: Workspace, review_id: str = "test-review"):
    with ws.db.read() as s:
        return s.get(Review, review_id).last_update_at


def assert_run_exact(ws: Workspace, run: SearchRun, expected: set[str], *, new: int, dupes: int) -> None:
    """A finished run's counters agree with the server's set and with its provenance rows."""
    assert run.status == "ok", run.error
    assert run.results_returned == len(expected) == new + dupes
    assert (run.new_records, run.duplicates) == (new, dupes)
    rows = sources(ws, run.id)
    assert {r.source_key for r in rows} == expected
    assert len(rows) == len(expected), "a hit was stored twice"
    assert sum(not r.is_duplicate for r in rows) == new
    assert json.loads(run.cursor_json)["done"] is True
