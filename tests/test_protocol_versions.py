"""Protocol versions: content changed without bumping ``version`` is named by ``lsr protocols check`` and by
``lsr update`` (which still records it, so nothing is lost), and the check still works without a database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lsr.search.openalex.server import running_server
from tests.helpers import make_workspace, run
from tests.test_update_support import EARLY, corpus, fast_client_env, new_workspace

REVIEW = "test-review"


def _amend_query(root: Path, old: str, new: str, version: str | None = None) -> None:
    file = root / "protocols" / f"{REVIEW}.toml"
    text = file.read_text(encoding="utf-8").replace(old, new)
    if version:
        text = text.replace('version = "2026-11-23"', f'version = "{version}"')
    file.write_text(text, encoding="utf-8")


def _versions(root: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(root / "reviews" / "lsr.sqlite") as con:
        return con.execute("SELECT version, protocol_hash FROM protocol_version ORDER BY id").fetchall()


def test_check_warns_when_content_changed_under_a_recorded_version_until_it_is_bumped(tmp_path):
    root = make_workspace(tmp_path / "ws")
    _amend_query(root, '"school day" AND achievement', '("school day" OR "school time") AND achievement')
    check = run(["protocols", "check"], root)  # no database: nothing to compare with, and none is created
    assert check.exit_code == 0 and "warning" not in check.stderr
    assert not (root / "reviews" / "lsr.sqlite").exists()
    assert run(["status"], root).exit_code == 0  # records version 2026-11-23
    _amend_query(root, '"school time"', '"longer school day"')
    check = run(["protocols", "check"], root)
    assert check.exit_code == 0, check.output  # the file itself is valid
    assert check.stdout.strip() == "1 protocol file(s) valid"
    warning = check.stderr
    assert "warning:" in warning and f"{REVIEW}.toml: version: review {REVIEW}" in warning
    assert "version '2026-11-23' as recorded on 20" in warning and "UTC" in warning
    assert "bump `version`" in warning
    assert len(_versions(root)) == 1  # the check records nothing
    _amend_query(root, "2026-11-23", "2027-01-15")
    check = run(["protocols", "check"], root)
    assert check.exit_code == 0 and "warning" not in check.stderr


@pytest.fixture
def server():
    with running_server(corpus(), as_of=EARLY) as srv:
        yield srv


def test_update_names_the_unbumped_version_when_it_records_it(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url)
    root = new_workspace(tmp_path)
    first = run(["update", REVIEW], root)
    assert first.exit_code == 0 and "bump `version`" not in first.stderr
    _amend_query(root, "(fear OR anxiety) AND context", "(fear OR anxiety OR phobia) AND context")
    second = run(["update", REVIEW], root)
    assert second.exit_code == 0, second.output
    assert f"warning: {root / 'protocols' / REVIEW}.toml: version: review {REVIEW}" in second.stderr
    assert "(recorded now as a second '2026-11-23'); bump `version`" in second.stderr
    labels = [v for v, _ in _versions(root)]
    assert labels == ["2026-11-23", "2026-11-23"]  # recorded all the same: the search log must be exact
    third = run(["update", REVIEW], root)
    assert "bump `version`" not in third.stderr  # said once, when recorded; `protocols check` keeps saying it
    assert "bump `version`" in run(["protocols", "check"], root).stderr


def test_a_new_translation_needs_no_version_bump(tmp_path):
    """Translations (``*_nl`` keys) and the screener's highlight are not what a review searches or screens:
    adding or correcting them under the same ``version`` is recorded as new content, but not named as an
    unbumped amendment (the NPHLN protocols got their Dutch PICO this way)."""
    root = make_workspace(tmp_path / "ws")
    assert run(["status"], root).exit_code == 0  # records version 2026-11-23
    file = root / "protocols" / f"{REVIEW}.toml"
    text = file.read_text(encoding="utf-8")
    text = text.replace('outcomes = ["achievement"]', 'outcomes = ["achievement"]\noutcomes_nl = ["leerprestaties"]', 1)
    text = text.replace('version = "2026-11-23"', 'version = "2026-11-23"\ntitle_nl = "Een verlengde schooldag"', 1)
    file.write_text(text, encoding="utf-8")
    check = run(["protocols", "check"], root)
    assert check.exit_code == 0 and "warning" not in check.stderr, check.output
    status = run(["status"], root)
    assert "bump `version`" not in status.stderr
    assert len(_versions(root)) == 2  # still recorded: the search log keeps every content
