"""Schema round trip, migrations, and protocol versioning through the workspace."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from lsr.db import current_revision, head_revision, open_database
from lsr.models import Decision, ModelRun, ProtocolVersion, Record, RecordSource, Review, SearchRun
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import protocol_text

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


def test_every_table_round_trips(workspace):
    ws = open_workspace(resolve(workspace))
    with ws.db.write() as s:
        run = SearchRun(review_id="test-review", query="q", filters_json='{"type": "article"}')
        s.add(run)
        s.flush()
        rec = Record(review_id="test-review", openalex_id="W1", doi="10.1/x", title="T", title_key="t",
                     abstract="A", year=2020, first_seen_run_id=run.id)
        s.add(rec)
        s.flush()
        s.add(RecordSource(review_id="test-review", record_id=rec.id, search_run_id=run.id, source_key="W1"))
        mr = ModelRun(review_id="test-review", model="elas_u4", n_labels=2)
        s.add(mr)
        s.flush()
        s.add(Decision(review_id="test-review", record_id=rec.id, reviewer="a", label="include",
                       model_run_id=mr.id, rank_position=0))
    with ws.db.read() as s:
        rec = s.exec(select(Record)).one()
        assert (rec.openalex_id, rec.doi, rec.year, rec.abstract) == ("W1", "10.1/x", 2020, "A")
        d = s.exec(select(Decision)).one()
        assert d.label == "include" and d.created_at.tzinfo is not None
        assert s.exec(select(RecordSource)).one().record_id == rec.id
        assert s.exec(select(SearchRun)).one().started_at.utcoffset().total_seconds() == 0


def test_naive_datetimes_are_refused(workspace):
    ws = open_workspace(resolve(workspace))
    with pytest.raises(Exception, match="timezone"), ws.db.write() as s:
        s.add(SearchRun(review_id="test-review", started_at=datetime(2020, 1, 1)))
        s.flush()


def test_openalex_id_unique_per_review(workspace):
    ws = open_workspace(resolve(workspace))
    with pytest.raises(IntegrityError), ws.db.write() as s:
        s.add(Record(review_id="test-review", openalex_id="W1"))
        s.add(Record(review_id="test-review", openalex_id="W1"))
        s.flush()


def test_migrations_reach_head_and_reopen_is_a_noop(workspace, db_backend):
    ws = open_workspace(resolve(workspace))
    assert current_revision(ws.db) == head_revision()
    assert open_database(ws.settings.database_url) is ws.db
    if db_backend != "sqlite":
        return
    db = ws.db
    with db.read_engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_protocol_change_records_a_new_version(workspace):
    ws = open_workspace(resolve(workspace))
    path = workspace / "protocols" / "test-review.toml"
    path.write_text(protocol_text(query='"school day" OR "extended day"').replace("2026-11-23", "2026-12-01"))
    open_workspace(resolve(workspace))
    open_workspace(resolve(workspace))  # unchanged content: no third version
    with ws.db.read() as s:
        versions = s.exec(select(ProtocolVersion).order_by(ProtocolVersion.id)).all()
        review = s.get(Review, "test-review")
    assert [v.version for v in versions] == ["2026-11-23", "2026-12-01"]
    assert review.protocol_version == "2026-12-01"
    assert "extended day" in review.protocol_json


def test_foreign_keys_enforced(workspace):
    ws = open_workspace(resolve(workspace))
    with pytest.raises(IntegrityError), ws.db.write() as s:
        s.add(Decision(review_id="test-review", record_id=999, reviewer="a", label="include"))
        s.flush()


def test_created_timestamps_are_utc(workspace):
    ws = open_workspace(resolve(workspace))
    with ws.db.read() as s:
        review = s.get(Review, "test-review")
    assert abs((datetime.now(UTC) - review.created_at).total_seconds()) < 60
