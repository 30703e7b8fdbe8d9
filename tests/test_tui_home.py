"""The home screen: every review listed, the screener opened from it, updates and reports in workers."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from textual.widgets import DataTable

from lsr.settings import resolve
from lsr.tui.app import make_app
from lsr.tui.screens.home import HomeScreen, progress_line
from lsr.tui.screens.screener import ScreenerScreen
from tests.tui_helpers import build_workspace, decisions, record_id_by_word

SIZE = (100, 32)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def cells(app) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_home_lists_reviews_and_opens_the_screener(tmp_path):
    path = build_workspace(tmp_path / "ws", 3, review_ids=("alpha-review", "beta-review"))
    app = make_app(resolve(path, reviewer="anna"), rerank=None, update=None, report=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        rows = cells(app)
        lines = [r[0].splitlines() for r in rows]  # the id tells like titles apart; commands take it
        assert [first for first, _ in lines] == ["Test review alpha-review", "Test review beta-review"]
        assert [second.split(" · ")[0] for _, second in lines] == ["alpha-review", "beta-review"]
        assert lines[0][1].startswith("alpha-review · Talentontwikkel")  # then the theme, clipped to the column
        assert rows[0][1:4] == ["3", "3", "0"]  # records, unscreened, included
        await pilot.press("down", "enter")
        assert isinstance(app.screen, ScreenerScreen) and app.screen.service.review_id == "beta-review"
        await pilot.press("i")
        await pilot.press("q")  # back home, not out of the app
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen) and app.is_running
        assert cells(app)[1][1:4] == ["3", "2", "1"]
    stored = decisions(path, "beta-review")
    assert [(d.record_id, d.reviewer, d.label) for d in stored] == [
        (record_id_by_word(path, "Alpha", "beta-review"), "anna", "include")]


async def test_update_and_report_run_in_workers_with_progress(tmp_path):
    path = build_workspace(tmp_path / "ws", 2)
    calls = []

    def update(ws, review_id, progress):
        calls.append(("update", review_id, threading.current_thread() is threading.main_thread()))
        progress(SimpleNamespace(kind="start", review_id=review_id, fetched=0, total=None, chunk=0, chunks=1))
        progress(SimpleNamespace(kind="page", review_id=review_id, fetched=50, total=100, chunk=0, chunks=1))
        return SimpleNamespace(status="ok", new_records=7, duplicates=2)

    def report(ws, review_ids):
        calls.append(("report", tuple(review_ids), threading.current_thread() is threading.main_thread()))
        return [tmp_path / "summary.en.md"]

    app = make_app(resolve(path), rerank=None, update=update, report=report)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        activity = str(app.screen.query_one("#activity").render())
        assert "7 new record(s), 2 duplicate(s)" in activity
        await pilot.press("r")
        await settle(pilot)
        assert "summary.en.md" in str(app.screen.query_one("#activity").render())
    assert calls == [("update", "test-review", False), ("report", ("test-review",), False)]


async def test_missing_modules_are_reported_not_fatal(tmp_path):
    path = build_workspace(tmp_path / "ws", 2)
    app = make_app(resolve(path), rerank=None, update=None, report=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u", "r")
        messages = [n.message for n in app._notifications]
        assert any("not available" in m and "update" in m.lower() for m in messages)
        assert any("not available" in m and "report" in m.lower() for m in messages)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


def test_progress_line_reads_update_events():
    ev = SimpleNamespace(kind="page", review_id="r", fetched=1200, total=3000, chunk=1, chunks=3)
    assert progress_line(ev) == ("Updating r: 1,200 of 3,000 works fetched (part 2/3)", 1200, 3000)
    assert progress_line("plain text") == ("plain text", None, None)


def test_run_app_gives_the_app_lsrs_own_ranker_update_and_report(tmp_path, monkeypatch):
    """What ``lsr`` and ``lsr screen`` open: retraining in a child process, updates, reports."""
    from lsr.ranking.process import ProcessRerank
    from lsr.tui import app as app_module

    path = build_workspace(tmp_path / "ws", 3, review_ids=("alpha-review",))
    opened = []
    monkeypatch.setattr(app_module.LsrApp, "run", lambda self: opened.append(self))
    app_module.run_app(resolve(path, reviewer="anna"), "alpha-review")
    (app,) = opened
    assert isinstance(app.rerank, ProcessRerank) and app.rerank.target == "lsr.ranking.service:rerank_live"
    assert (app.update_fn, app.report_fn) == (app_module.update_review, app_module.write_reports)
    assert app.review_id == "alpha-review"


async def test_home_says_in_words_which_known_studies_are_unchecked(tmp_path):
    path = build_workspace(tmp_path / "ws", 2, review_ids=("alpha-review",),
                           known_studies=("10.1000/known.1", "10.1000/known.2"))
    app = make_app(resolve(path, reviewer="anna"), rerank=None, update=None, report=None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        detail = str(app.screen.query_one("#detail").render())
        assert "Search validation: 2 known studies; not yet checked" in detail
