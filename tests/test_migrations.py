"""Migrations upgrade an existing database in place, data included."""

from __future__ import annotations

import sqlite3

from alembic import command

from lsr.db import Database, _alembic_config, current_revision, head_revision, open_database
from lsr.identity import title_key


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
    with db.read_engine.connect() as c:  # 0003: the ranker's component scores, empty until a ranking
        assert c.exec_driver_sql("SELECT rank_z_text, rank_z_citation FROM record").one() == (None, None)
