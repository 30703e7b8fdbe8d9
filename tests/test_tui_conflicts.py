"""The conflicts view driven by key presses (Textual Pilot); every settling assertion reads the database."""

from __future__ import annotations

import io

from rich.console import Console

from lsr.screening.decisions import TA, settled_labels
from lsr.screening.service import ScreeningService
from lsr.settings import resolve
from lsr.tui.app import make_app
from lsr.tui.screens.conflicts import ConflictsScreen
from lsr.tui.screens.home import HomeScreen
from lsr.tui.screens.screener import ScreenerScreen
from tests.tui_helpers import REVIEW, build_workspace, decisions, open_ws

SIZE = (110, 34)


def dual(path, pairs):
    """Anna and Bert label the first records of the queue with ``pairs``; returns those record ids."""
    anna = ScreeningService(open_ws(path, "anna"), REVIEW, "anna")
    bert = ScreeningService(open_ws(path, "bert"), REVIEW, "bert")
    ids = anna.load_order()[: len(pairs)]
    for rid, (a, b) in zip(ids, pairs, strict=True):
        anna.decide(rid, a)
        bert.decide(rid, b, reason="2" if b == "exclude" else None, note="bert's doubt" if a != b else None)
    return ids


def text_of(screen, selector: str) -> str:
    """The plain text of a Static (rich renderables rendered as a terminal would)."""
    console = Console(width=SIZE[0], record=True, file=io.StringIO())
    console.print(screen.query_one(selector).content)
    return console.export_text()


async def test_screener_C_opens_conflicts_and_keys_settle_them(tmp_path):
    path = build_workspace(tmp_path / "ws", 4, reviewers=2)
    ids = dual(path, [("include", "exclude"), ("include", "include"), ("exclude", "maybe")])
    app = make_app(resolve(path, reviewer="carla"), REVIEW, rerank=None)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ScreenerScreen)
        await pilot.press("C")
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        assert [c.record_id for c in screen.conflicts] == [ids[0], ids[2]]
        shown = text_of(screen, "#labels")
        assert "anna" in shown and "bert" in shown and "include" in shown and "exclude" in shown
        assert "wrong intervention" in shown and "bert's doubt" in shown
        assert screen.query_one("RecordView").record_id == ids[0]
        await pilot.press("i")
        assert [c.record_id for c in screen.conflicts] == [ids[2]]
        assert screen.query_one("RecordView").record_id == ids[2]
        await pilot.press("3")
        assert screen.conflicts == [] and "No open conflicts" in text_of(screen, "#labels")
        await pilot.press("q")
        assert isinstance(app.screen, ScreenerScreen)
        await app.workers.wait_for_complete()
    resolutions = [(d.record_id, d.reviewer, d.label, d.reason, d.kind) for d in decisions(path) if d.kind == "resolve"]
    assert resolutions == [(ids[0], "carla", "include", None, "resolve"),
                           (ids[2], "carla", "exclude", "wrong design", "resolve")]
    ws = open_ws(path)
    with ws.db.read() as session:
        settled = settled_labels(session, REVIEW, TA, 2)
    assert {rid: settled[rid].label for rid in ids} == {ids[0]: "include", ids[1]: "include", ids[2]: "exclude"}


async def test_home_C_opens_conflicts_of_the_selected_review(tmp_path):
    path = build_workspace(tmp_path / "ws", 3, reviewers=2)
    ids = dual(path, [("maybe", "exclude")])
    app = make_app(resolve(path, reviewer="carla"), rerank=None, update=None, report=None)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("C")
        assert isinstance(app.screen, ConflictsScreen)
        await pilot.press("m")
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
    last = decisions(path)[-1]
    assert (last.record_id, last.reviewer, last.label, last.kind) == (ids[0], "carla", "maybe", "resolve")


async def test_side_panel_shows_kappa_percent_and_pabak(tmp_path):
    path = build_workspace(tmp_path / "ws", 10, reviewers=2)
    # the hand-made table of tests/test_dual_screening.py: kappa 0.40, 70 % agreement, PABAK 0.55
    dual(path, [("include", "include")] * 3 + [("exclude", "exclude")] * 4 + [("include", "exclude")] * 2
         + [("exclude", "include")])
    app = make_app(resolve(path, reviewer="anna"), REVIEW, rerank=None)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        shown = text_of(app.screen, "#agreement")
    assert "kappa 0.40" in shown and "70% agree" in shown and "PABAK 0.55" in shown and "10 records" in shown


async def test_screener_panel_shows_agreement_in_blocks_of_ten(tmp_path):
    """Kappa to two decimals once ten records are screened by both; an eleventh does not move it."""
    path = build_workspace(tmp_path / "ws", 13, reviewers=2)
    table = [("include", "include")] * 3 + [("exclude", "exclude")] * 4 + [("include", "exclude")] * 2 + [
        ("exclude", "include")] + [("include", "exclude")]  # the first ten: kappa 0.40, 70 % agree
    dual(path, table[:9])
    app = make_app(resolve(path, reviewer="anna"), REVIEW, rerank=None)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "shown after 10 records screened by both" in text_of(app.screen, "#agreement")
    dual(path, table[9:])  # records 10 and 11
    app = make_app(resolve(path, reviewer="anna"), REVIEW, rerank=None)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = text_of(app.screen, "#agreement")
    assert "kappa 0.40" in shown and "70% agree" in shown and "over 10 records" in shown
