"""Migrations upgrade an existing database in place, data included."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import lsr.models  # noqa: F401  (the tables compare_metadata compares against)
from lsr.db import Database, _alembic_config, current_revision, head_revision, open_database
from lsr.search.identity import title_key


def test_upgrade_from_first_revision_recomputes_title_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = Database(url)
    command.upgrade(_alembic_config(old), "0001")
    con = sqlite3.connect(tmp_path / "old.sqlite")
    con.execute("INSERT INTO review (id, title, theme, protocol_version, protocol_hash, protocol_json, created_at)"
                " VALUES ('r', 't', '', '1', 'h', '{}', '2026-01-01 00:00:00')")
    con.execute("INSERT INTO record (review_id, title, title_key, abstract, authors_json, keywords_json, "
                "referenced_works_json, created_at) VALUES ('r', 'The Self-Esteem of Children', "
                "'the self esteem of children', '', '[]', '[]', '[]', '2026-01-01 00:00:00')")
    con.commit()
    con.close()
    old.dispose()
    db = open_database(url)  # upgrades itself
    assert current_revision(db) == head_revision()
    with db.read_engine.connect() as c:
        key = c.exec_driver_sql("SELECT title_key FROM record").scalar()
    assert key == title_key("The Self-Esteem of Children") == "theselfesteemofchildren"
    with db.read_engine.connect() as c:  # 0004: the ranking moved to record_rank
        assert c.exec_driver_sql("SELECT count(*) FROM record_rank").scalar() == 0


def test_upgrade_moves_the_ranking_to_record_rank_keeping_decisions(tmp_path):
    """0004 rebuilds the record table (SQLite) while decisions and sources point at it: nothing is lost.

    Record 3 was screened: no rank, but the component scores of the ranking it was screened from are the
    default ranker's history and must survive the move (and the way back).
    """
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    old = Database(url)
    command.upgrade(_alembic_config(old), "0003")
    con = sqlite3.connect(tmp_path / "old.sqlite")
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("INSERT INTO review (id, title, theme, protocol_version, protocol_hash, protocol_json, created_at)"
                " VALUES ('r', 't', '', '1', 'h', '{}', '2026-01-01 00:00:00')")
    con.execute("INSERT INTO model_run (id, review_id, model, params_json, n_labels, n_included, n_excluded, "
                "n_ranked, started_at, duration_s, status) VALUES (7, 'r', 'default', '{}', 2, 1, 1, 2, "
                "'2026-01-01 00:00:00', 0.1, 'ok')")
    for rid, rank, z in ((1, 1, None), (2, 0, None), (3, None, 0.5), (4, None, None)):
        con.execute("INSERT INTO record (id, review_id, title, title_key, abstract, authors_json, keywords_json, "
                    "referenced_works_json, created_at, rank, rank_score, rank_model_run_id, rank_z_text, "
                    "rank_z_citation) VALUES (?, 'r', 'T', 't', 'A', '[]', '[]', '[]', '2026-01-01 00:00:00', "
                    "?, ?, ?, ?, ?)",
                    (rid, rank, None if rank is None else 1.0 - rank, None if rank is None else 7, z,
                     None if z is None else -z))
    con.execute("INSERT INTO decision (review_id, record_id, reviewer, stage, label, kind, created_at) "
                "VALUES ('r', 3, 'ann', 'title_abstract', 'include', 'screen', '2026-01-02 00:00:00')")
    con.commit()
    con.close()
    old.dispose()
    db = open_database(url)
    assert current_revision(db) == head_revision()
    with db.read_engine.connect() as c:
        ranks = c.exec_driver_sql("SELECT record_id, rank, score, model_run_id, z_text, z_citation "
                                  "FROM record_rank ORDER BY record_id").all()
        assert [tuple(r) for r in ranks] == [(1, 1, 0.0, 7, None, None), (2, 0, 1.0, 7, None, None),
                                             (3, None, None, None, 0.5, -0.5)]
        assert c.exec_driver_sql("SELECT count(*) FROM record").scalar() == 4
        assert c.exec_driver_sql("SELECT record_id FROM decision").scalar() == 3
        assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        columns = {row[1] for row in c.exec_driver_sql("PRAGMA table_info(record)")}
        assert "rank" not in columns and "abstract" in columns

    command.downgrade(_alembic_config(db), "0003")
    with db.read_engine.connect() as c:
        back = c.exec_driver_sql("SELECT id, rank, rank_score, rank_z_text FROM record ORDER BY id").all()
        assert [tuple(r) for r in back] == [(1, 1, 0.0, None), (2, 0, 1.0, None), (3, None, None, 0.5),
                                            (4, None, None, None)]
        assert c.exec_driver_sql("SELECT record_id FROM decision").scalar() == 3


# Rows as lsr 0009 stored them. Raw JSON is each record's source as its file gave it ({"format", "fields"}),
# or OpenAlex's work JSON for an update; a duplicate merged into a record keeps its own on record_source.
NBIB_ERIC = {"format": "medline", "line": 1, "fields": {
    "OWN": ["ERIC"], "TI": ["Extended school day pilots"], "OID": ["ED590123"],
    "LID": ["http://eric.ed.gov/?id=ED590123"]}}
RIS_EBSCO = {"format": "ris", "line": 1, "fields": {"type_of_reference": "JOUR", "title": "Homework clubs",
                                                    "accession_number": "EJ1221234", "name_of_database": "eric",
                                                    "urls": ["https://search.ebscohost.com/login.aspx?direct=true&"
                                                             "db=eric&AN=EJ1221234&site=ehost-live"]}}
RIS_SCOPUS = {"format": "ris", "line": 9, "fields": {"type_of_reference": "JOUR", "title": "Summer schools",
                                                     "accession_number": "2-s2.0-85012345678"}}
OPENALEX = {"id": "https://openalex.org/W1", "primary_location": {"landing_page_url": "https://eric.ed.gov/?id=EJ1"
                                                                                       "000001"}}
CSV_TWO = {"format": "csv", "line": 3, "fields": ["Tutoring", "EJ1000002", "ED500003"]}  # which one? neither


def _old_database_with_records(url: str) -> None:
    old = Database(url)
    command.upgrade(_alembic_config(old), "0009")
    when = "2026-01-01 00:00:00"
    records = [(1, NBIB_ERIC), (2, RIS_SCOPUS), (3, OPENALEX), (4, CSV_TWO), (5, None)]
    sources = [(1, None), (2, RIS_EBSCO), (3, None), (4, None), (5, None)]
    with old.write_engine.begin() as c:
        c.execute(text("INSERT INTO review (id, title, theme, protocol_version, protocol_hash, protocol_json, "
                       "created_at) VALUES ('r', 't', '', '1', 'h', '{}', :at)"), {"at": when})
        c.execute(text("INSERT INTO search_run (id, review_id, kind, source, protocol_version, query, filters_json, "
                       "request_urls_json, started_at, status, results_returned, new_records, duplicates, requests) "
                       "VALUES (1, 'r', 'import', 'ERIC', '1', '', '{}', '[]', :at, 'ok', 6, 5, 1, 0)"), {"at": when})
        for rid, raw in records:
            c.execute(text("INSERT INTO record (id, review_id, title, title_key, abstract, authors_json, "
                           "keywords_json, referenced_works_json, raw_json, created_at, is_retracted) VALUES "
                           "(:id, 'r', :title, :key, 'A', '[]', '[]', '[]', :raw, :at, :no)"),
                      {"id": rid, "title": f"Title {rid}", "key": f"title{rid}", "raw": raw and json.dumps(raw),
                       "at": when, "no": False})
        for sid, (rid, raw) in enumerate(sources, 1):
            c.execute(text("INSERT INTO record_source (id, review_id, record_id, search_run_id, kind, source_key, "
                           "is_duplicate, raw_json, created_at) VALUES (:id, 'r', :record, 1, 'ris', :key, :dup, "
                           ":raw, :at)"),
                      {"id": sid, "record": rid, "key": str(sid), "dup": raw is not None,
                       "raw": raw and json.dumps(raw), "at": when})
        c.execute(text("INSERT INTO decision (review_id, record_id, reviewer, stage, label, kind, created_at) "
                       "VALUES ('r', 2, 'ann', 'title_abstract', 'include', 'screen', :at)"), {"at": when})
    old.dispose()


@pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier
def test_upgrade_to_0010_keeps_the_records_and_reads_their_eric_numbers(tmp_path, db_backend):
    """0010 adds record.eric_id with its (review_id, eric_id) index, keeps every row, and fills the number in
    from the stored source fields where they name exactly one: ERIC's .nbib (record 1) and the EBSCOhost
    duplicate merged into a Scopus record (2). Not from OpenAlex's work JSON (3), not when two numbers
    compete (4)."""
    url = os.environ["LSR_DATABASE_URL"] if db_backend == "postgresql" else f"sqlite:///{tmp_path / 'old.sqlite'}"
    _old_database_with_records(url)
    db = open_database(url)  # upgrades itself
    assert current_revision(db) == head_revision()
    with db.read_engine.connect() as c:
        rows = c.exec_driver_sql("SELECT id, title, eric_id FROM record ORDER BY id").all()
        assert [tuple(r) for r in rows] == [(1, "Title 1", "ED590123"), (2, "Title 2", "EJ1221234"),
                                            (3, "Title 3", None), (4, "Title 4", None), (5, "Title 5", None)]
        assert c.exec_driver_sql("SELECT count(*) FROM record_source").scalar() == 5
        assert c.exec_driver_sql("SELECT record_id, label FROM decision").one() == (2, "include")
        indexes = {i["name"]: i["column_names"] for i in inspect(c).get_indexes("record")}
        drift = compare_metadata(MigrationContext.configure(c), SQLModel.metadata)
    assert indexes["ix_record_review_eric_id"] == ["review_id", "eric_id"]
    assert [d for d in drift if "eric" in repr(d)] == []  # the migration builds what the model declares

    command.downgrade(_alembic_config(db), "0009")
    with db.read_engine.connect() as c:
        assert "eric_id" not in {col["name"] for col in inspect(c).get_columns("record")}
        assert c.exec_driver_sql("SELECT count(*) FROM record").scalar() == 5
    db.dispose()
