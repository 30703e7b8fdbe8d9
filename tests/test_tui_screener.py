"""The screener driven by key presses (Textual Pilot); every assertion reads the database."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from lsr.models import ModelRun, Record
from lsr.ranking.service import write_ranking
from lsr.screening.decisions import FT, TA
from lsr.settings import resolve
from lsr.tui.app import make_app
from lsr.tui.screens.help import HelpScreen
from lsr.tui.screens.prompts import FindPrompt, ReasonPrompt, TextPrompt
from lsr.tui.screens.screener import ScreenerScreen
from tests.tui_helpers import REVIEW, build_workspace, decisions, record_id_by_word

SIZE = (100, 32)


@pytest.fixture
def ws_path(tmp_path):
    return build_workspace(tmp_path / "ws", 6)


def screener_app(path, reviewer="tester", **kw):
    kw.setdefault("rerank", None)
    return make_app(resolve(path, reviewer=reviewer), REVIEW, **kw)


def shown(app) -> int | None:
    """The id of the record on screen."""
    return app.screen.query_one("RecordView").record_id


def summary(path):
    return [(d.record_id, d.reviewer, d.stage, d.label, d.reason, d.kind) for d in decisions(path)]


async def test_include_exclude_maybe_keys_store_decisions_in_order(ws_path):
    alpha, bravo, charlie = (record_id_by_word(ws_path, w) for w in ("Alpha", "Bravo", "Charlie"))
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        assert shown(app) == alpha
        await pilot.press("i")
        assert shown(app) == bravo
        await pilot.press("e")
        assert shown(app) == charlie
        await pilot.press("m")
    assert summary(ws_path) == [(alpha, "tester", TA, "include", None, "screen"),
                                (bravo, "tester", TA, "exclude", None, "screen"),
                                (charlie, "tester", TA, "maybe", None, "screen")]


async def test_reason_keys_exclude_with_the_protocols_reasons(ws_path):
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("1", "3", "9")  # the protocol has three reasons: 9 is refused
        left = shown(app)
    rows = summary(ws_path)
    assert [(r[3], r[4]) for r in rows] == [("exclude", "wrong population"), ("exclude", "wrong design")]
    assert left == record_id_by_word(ws_path, "Charlie")


async def test_undo_appends_a_correction_and_shows_the_record_again(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.press("u")
        assert shown(app) == alpha
        await pilot.press("e")
    assert [(r[0], r[3], r[5]) for r in summary(ws_path)] == [
        (alpha, "include", "screen"), (alpha, None, "undo"), (alpha, "exclude", "screen")]


async def test_note_is_stored_and_kept_with_the_decision(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "x", "escape")  # cancelled: nothing stored
        assert isinstance(app.screen, ScreenerScreen) and decisions(ws_path) == []
        await pilot.press("n")
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"small sample", "enter")
        assert isinstance(app.screen, ScreenerScreen) and shown(app) == alpha
        await pilot.press("i")
    rows = decisions(ws_path)
    assert [(d.kind, d.label, d.note) for d in rows] == [("note", None, "small sample"),
                                                         ("screen", "include", "small sample")]


async def test_stage_switch_and_full_text_exclusion_asks_for_a_reason(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await pilot.press("s")
        assert app.screen.service.stage == FT and shown(app) == alpha
        await pilot.press("e")
        assert isinstance(app.screen, ReasonPrompt)
        await pilot.press("escape")  # cancelled: nothing stored
        assert len(decisions(ws_path)) == 1
        await pilot.press("e", "2")
        assert shown(app) is None  # the full-text queue is empty
        await pilot.press("s")
        assert app.screen.service.stage == TA and shown(app) == record_id_by_word(ws_path, "Bravo")
    assert [(r[2], r[3], r[4]) for r in summary(ws_path)] == [
        (TA, "include", None), (FT, "exclude", "wrong intervention")]


async def test_full_text_reason_key_excludes_directly(ws_path):
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "s", "3")
    assert [(r[2], r[3], r[4]) for r in summary(ws_path)][-1] == (FT, "exclude", "wrong design")


async def test_reviewer_is_recorded(ws_path, monkeypatch):
    app = screener_app(ws_path, reviewer="anna")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
    monkeypatch.setenv("LSR_REVIEWER", "ben")  # no explicit reviewer: the settings' (LSR_REVIEWER)
    app = make_app(resolve(ws_path), REVIEW, rerank=None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
    assert [(r[1], r[3]) for r in summary(ws_path)] == [("anna", "include"), ("ben", "maybe")]


async def test_help_screen_opens_and_closes(ws_path):
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        svg = app.export_screenshot()
        assert "undo" in svg and "design" in svg and "population" in svg
        await pilot.press("i")  # keys do not decide while help is open
        await pilot.press("escape")
        assert isinstance(app.screen, ScreenerScreen)
        await pilot.press("o", "c")  # links and criteria do not decide either
        assert app.screen.query_one("SidePanel").has_class("-criteria")
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running  # q quits the screener opened with `lsr screen`
    assert decisions(ws_path) == []


async def test_find_shows_any_record_and_decides_on_it(ws_path):
    echo = record_id_by_word(ws_path, "Echo")
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        assert isinstance(app.screen, FindPrompt)
        await pilot.press(*"echo trial", "enter")
        assert shown(app) == echo
        await pilot.press("escape")  # back to the queue without deciding
        assert shown(app) == record_id_by_word(ws_path, "Alpha")
        await pilot.press("slash", *"W1004", "enter")
        assert shown(app) == echo
        await pilot.press("i")
        assert shown(app) == record_id_by_word(ws_path, "Alpha")  # back to the queue
    assert [(r[0], r[3]) for r in summary(ws_path)] == [(echo, "include")]


async def test_retraining_runs_in_a_worker_and_its_order_is_used(ws_path, monkeypatch):
    """A decision starts the ranker in a thread; keys keep working; the new order lands afterwards."""
    # however long the held-up first retraining takes on a slow machine, the queued one follows at once
    monkeypatch.setattr("lsr.tui.screens.screener.RETRAIN_PAUSE_AFTER_S", 3600.0)
    release, calls = threading.Event(), []

    def rerank(ws, review_id):
        calls.append(threading.current_thread().name)
        release.wait(10)
        with ws.db.write() as session:  # rank Foxtrot first, then the rest reversed
            ids = session.exec(select(Record.id).where(Record.review_id == review_id)).all()
            write_ranking(session, review_id, None, sorted(ids, reverse=True))
            session.add(ModelRun(review_id=review_id, model="fake", n_labels=1))

    app = screener_app(ws_path, rerank=rerank)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        await pilot.press("e")  # the ranker is still running: the key is handled at once
        assert shown(app) == record_id_by_word(ws_path, "Charlie") and len(decisions(ws_path)) == 2
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(calls) == 2  # the second key queued one more retraining while the first ran
        await pilot.press("e")  # excludes Charlie, then the new order applies
        assert shown(app) == record_id_by_word(ws_path, "Foxtrot")
    assert all(name != threading.main_thread().name for name in calls)


async def test_a_ranking_that_stored_only_its_head_moves_those_records_to_the_front(ws_path):
    """A live ranker returns the head it stored (``rerank_live`` via the ranking process): the screener puts
    those records first, in that order, and keeps the rest of its queue; it does not reread the queue
    (here the stored ranks never change, so rereading would keep the old order)."""
    foxtrot, echo = record_id_by_word(ws_path, "Foxtrot"), record_id_by_word(ws_path, "Echo")
    alpha = record_id_by_word(ws_path, "Alpha")

    def rerank(ws, review_id):
        return [foxtrot, alpha, echo]  # Alpha is decided by then: it stays out

    app = screener_app(ws_path, rerank=rerank)
    async with app.run_test(size=SIZE) as pilot:
        assert shown(app) == alpha
        await pilot.press("e")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert shown(app) == record_id_by_word(ws_path, "Bravo")  # the record on screen stays
        await pilot.press("e")
        assert shown(app) == foxtrot
        await pilot.press("e")
        assert shown(app) == echo
        await pilot.press("e")
        assert shown(app) == record_id_by_word(ws_path, "Charlie")
    assert [r[0] for r in summary(ws_path)] == [alpha, record_id_by_word(ws_path, "Bravo"), foxtrot, echo]


async def until(pilot, condition, what: str, polls: int = 1200) -> None:
    """Let the app run until ``condition()`` holds (a generous bound in polls, not a time limit)."""
    for _ in range(polls):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_a_slow_retraining_is_followed_by_a_pause_as_long_as_it_took(ws_path):
    """On a large review a retraining takes seconds and holds the write lock: the next one waits as long,
    so the ranker never occupies the database more than half of the time; decisions made meanwhile are
    covered by one retraining. The screener's clock is simulated: the first retraining "takes" 7.5 s."""
    now = [100.0]
    release = threading.Event()
    runs = []

    def rerank(ws, review_id):
        runs.append(now[0])
        if len(runs) == 1 and release.wait(120):  # held until both keys below have landed
            now[0] += 7.5

    app = screener_app(ws_path, rerank=rerank)
    pauses = []
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        screen.clock = lambda: now[0]
        set_timer = screen.set_timer

        def record_pause(delay, callback, *args, **kwargs):
            if callback == screen._restart_retrain:
                pauses.append(delay)
                delay = 0.01  # the pause is checked, not waited for
            return set_timer(delay, callback, *args, **kwargs)

        screen.set_timer = record_pause
        await pilot.press("e")
        await until(pilot, lambda: runs, "the first retraining started")
        await pilot.press("e", "e")  # both arrive while the first retraining runs
        release.set()
        await until(pilot, lambda: len(runs) >= 2, "the second retraining started")
        await until(pilot, lambda: not screen._retraining, "the second ranking landed")
    assert pauses == [7.5] and runs == [100.0, 107.5] and len(decisions(ws_path)) == 3


async def test_failing_ranker_does_not_stop_screening(ws_path):
    def rerank(ws, review_id):
        raise RuntimeError("model exploded")

    app = screener_app(ws_path, rerank=rerank)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("i")
    assert len(decisions(ws_path)) == 2


async def test_side_panel_shows_progress(ws_path):
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("i", "e")
        await pilot.pause(0.4)
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = str(app.screen.query_one("#progress").render())
    assert "2 / 6" in text and "included  1" in text


async def test_unknown_review_fails_before_the_app_starts(ws_path):
    from lsr.errors import LsrError

    with pytest.raises(LsrError, match="unknown review"):
        make_app(resolve(ws_path), "nope")


def test_screen_command_refuses_an_unknown_review_before_taking_the_terminal(ws_path):
    from tests.helpers import run

    result = run(["screen", "nope"], ws_path)
    assert result.exit_code == 1 and "unknown review 'nope'" in result.stderr
    assert run(["screen", "--help"]).exit_code == 0


async def test_a_review_without_records_says_how_to_add_them(tmp_path):
    path = build_workspace(tmp_path / "empty", 0, ranked=False)
    app = screener_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("RecordView #empty").render())
    assert "This review has no records yet" in text and f"lsr import {REVIEW} FILE" in text


async def test_a_record_with_the_title_of_another_says_it_may_be_the_same_study(ws_path, tmp_path):
    """A preprint and its journal version are two OpenAlex works with two DOIs, so de-duplication keeps them
    apart; the screener names the other so one study is not included twice (the living-review audit, F4)."""
    from tests.helpers import run

    title = "Object-in-context recognition memory develops late in juvenile rats"
    path = tmp_path / "versions.csv"
    path.write_text("title,year,doi\n"
                    f"{title},2015,10.1101/2015.555555\n"
                    f"{title},2016,10.9999/jfake.2016.1\n", encoding="utf-8")
    assert run(["import", REVIEW, path], ws_path).exit_code == 0
    with open_ws_session(ws_path) as session:
        preprint, journal = (session.exec(select(Record.id).where(Record.doi == doi)).one()
                             for doi in ("10.1101/2015.555555", "10.9999/jfake.2016.1"))
    app = screener_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        line = app.screen.query_one("#twins")
        assert not line.display  # Alpha has no namesake
        await pilot.press("slash", *"10.9999/jfake.2016.1", "enter")
        assert shown(app) == journal
        assert line.display
        assert f"Same title as #{preprint} (2015, 10.1101/2015.555555): possibly another version of this study" \
            in str(line.render())


def open_ws_session(path):
    from lsr.workspace import open_workspace

    return open_workspace(resolve(path)).db.read()
