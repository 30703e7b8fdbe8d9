"""Migrations upgrade an existing database in place, data included."""

from __future__ import annotations

import sqlite3

from alembic import command

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
