"""The screener's fast start: the first record read with sqlite3 before the database opens, keys typed ahead.

``lsr screen`` opens the workspace lazily; the screener shows the head of the queue read with the standard
library and opens the screening service (SQLAlchemy) in a worker. These tests hold the worker back with a
gate, so that "before the service is open" is a state the test controls instead of a race.
"""

from __future__ import annotations

import random
import threading

import pytest

from lsr.screening.decisions import FT, TA
from lsr.screening.queue import first_record, screening_order
from lsr.screening.service import ScreeningService
from lsr.settings import resolve
from lsr.sqlite_reader import open_reader
from lsr.tui.app import make_app
from lsr.tui.screens.screener import Opening
from lsr.workspace import open_workspace
from tests.tui_helpers import REVIEW, build_workspace, decisions, open_ws, record_id_by_word

SIZE = (100, 32)


@pytest.fixture
def gate(monkeypatch):
    """Opening the service waits until the test sets this event (at most 10 s)."""
    event = threading.Event()
    real_open = Opening.open

    def held_open(self):
        event.wait(10)
        return real_open(self)

    monkeypatch.setattr(Opening, "open", held_open)
    return event


async def settle(pilot, done) -> None:
    """Let the app work until ``done()`` holds (at most ~10 s; a wait, not a timing assertion)."""
    for _ in range(200):
        if done():
            return
        await pilot.pause(0.05)


def lazy_app(path, reviewer="tester", stage=TA):
    ws = open_workspace(resolve(path, reviewer=reviewer), lazy=True)
    return make_app(ws, REVIEW, stage=stage, rerank=None)


async def test_first_record_shows_before_the_database_opens_and_typed_keys_apply_in_order(tmp_path, gate):
    path = build_workspace(tmp_path / "ws", 6)
    alpha, bravo, charlie = (record_id_by_word(path, w) for w in ("Alpha", "Bravo", "Charlie"))
    app = lazy_app(path)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert screen.service is None  # still opening: the record on screen was read without SQLAlchemy
        assert screen.record_view.record_id == alpha
        assert "opening the database" in str(screen.query_one("#topbar").render())
        threading.Timer(0.3, gate.set).start()  # the keys below wait for it, then apply in order
        await pilot.press("i", "e", "m")
        delta = record_id_by_word(path, "Delta")
        await settle(pilot, lambda: screen.record_view.record_id == delta)
        assert screen.service is not None
        assert screen.record_view.record_id == delta
    assert [(d.record_id, d.label) for d in decisions(path)] == [(alpha, "include"), (bravo, "exclude"),
                                                                 (charlie, "maybe")]


async def test_a_record_decided_elsewhere_while_opening_still_takes_the_key_meant_for_it(tmp_path, gate):
    """The typed-ahead key applies to the record that was on screen, not to the queue's new head."""
    path = build_workspace(tmp_path / "ws", 4)
    alpha = record_id_by_word(path, "Alpha")
    app = lazy_app(path, reviewer="anna")
    async with app.run_test(size=SIZE) as pilot:
        assert app.screen.record_view.record_id == alpha
        ScreeningService(open_ws(path, "bert"), REVIEW, "bert").decide(alpha, "exclude")
        threading.Timer(0.3, gate.set).start()
        await pilot.press("i")
        await settle(pilot, lambda: app.screen.service is not None and app.screen.service.current is None
                     or app.screen.record_view.record_id != alpha)
    assert [(d.record_id, d.reviewer, d.label) for d in decisions(path)] == [(alpha, "bert", "exclude"),
                                                                             (alpha, "anna", "include")]


async def test_quitting_before_the_database_opens_records_nothing(tmp_path, gate):
    path = build_workspace(tmp_path / "ws", 3)
    app = lazy_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    gate.set()
    assert decisions(path) == []


async def test_an_empty_queue_says_so_from_the_start(tmp_path, gate):
    path = build_workspace(tmp_path / "ws", 2)
    service = ScreeningService(open_ws(path), REVIEW, "tester")
    for rid in (record_id_by_word(path, "Alpha"), record_id_by_word(path, "Bravo")):
        service.decide(rid, "exclude")
    app = lazy_app(path)
    async with app.run_test(size=SIZE):
        assert app.screen.record_view.record_id is None
        assert "Nothing left" in str(app.screen.query_one("#empty").render())
        gate.set()


@pytest.mark.parametrize("per_record", [1, 2])
def test_the_sqlite3_queue_is_the_services_queue_after_random_decisions(tmp_path, per_record):
    """One rule, two readers: the order read with sqlite3 equals the service's, for every reviewer and stage."""
    path = build_workspace(tmp_path / "ws", 12, reviewers=per_record)
    rng = random.Random(per_record)
    services = {who: ScreeningService(open_ws(path, who), REVIEW, who) for who in ("anna", "bert", "cleo")}
    ws = open_ws(path)
    ids = screening_order(open_reader(ws.settings, ws), REVIEW, "anna", TA, per_record)
    for rid in rng.sample(ids, 9):
        for who in rng.sample(sorted(services), per_record):
            services[who].decide(rid, rng.choice(["include", "include", "exclude", "maybe"]))
    q = open_reader(ws.settings, ws)
    assert q is not None
    for who in services:
        for stage in (TA, FT):
            expected = ScreeningService(open_ws(path, who), REVIEW, who, stage).load_order()
            assert screening_order(q, REVIEW, who, stage, per_record) == expected
            head = first_record(q, REVIEW, who, stage, per_record)
            assert (head.id if head else None) == (expected[0] if expected else None)
