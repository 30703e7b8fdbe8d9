"""The screener's lists driven by key presses (Textual Pilot): the reviews, the conflicts, the included studies.

Home, End, PageUp and PageDown move the row cursor, and the row it lands on (shown on screen) is the one
Enter opens or a key settles. The list of included studies and the extraction view mark a study OpenAlex
flags as retracted with the record view's own words.
"""

from __future__ import annotations

import io

from rich.console import Console
from sqlmodel import select
from textual.widgets import DataTable

from lsr.models import Record
from lsr.screening.decisions import FT, TA
from lsr.screening.service import ScreeningService
from lsr.settings import resolve
from lsr.tui.app import make_app
from lsr.tui.screens.conflicts import ConflictsScreen
from lsr.tui.screens.extraction import ExtractionScreen
from lsr.tui.screens.home import HomeScreen
from lsr.tui.screens.included import IncludedScreen
from lsr.tui.screens.screener import ScreenerScreen
from tests.tui_helpers import REVIEW, build_workspace, decisions, open_ws, record_id_by_word

SMALL = (100, 16)  # a list longer than the screen
MARK = "RETRACTED (OpenAlex) · "


def include_all(path, words: tuple[str, ...] | None = None) -> list[int]:
    """Include records at title/abstract and full text (all, or those whose title starts with ``words``)."""
    ws = open_ws(path)
    with ws.db.read() as session:
        ids = sorted(session.exec(select(Record.id).where(Record.review_id == REVIEW)).all())
    if words is not None:
        ids = [record_id_by_word(path, w) for w in words]
    for stage in (TA, FT):
        service = ScreeningService(ws, REVIEW, "tester", stage)
        for rid in ids:
            service.decide(rid, "include")
    return ids


def retract(path, record_id: int) -> None:
    """What an update does when OpenAlex flags the work as retracted: ``Record.is_retracted``."""
    with open_ws(path).db.write() as session:
        session.get(Record, record_id).is_retracted = True


def plain(renderable) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(renderable)
    return console.export_text().rstrip("\n")


def row_keys(table: DataTable) -> list[str]:
    return [row.key.value for row in table.ordered_rows]


def cursor_on_screen(table: DataTable) -> bool:
    """Whether the highlighted row lies wholly inside the table's visible rows."""
    top = sum(row.height for row in table.ordered_rows[: table.cursor_row])
    bottom = top + table.ordered_rows[table.cursor_row].height
    view = table.scrollable_content_region.height - (table.header_height if table.show_header else 0)
    return table.scroll_offset.y <= top and bottom <= table.scroll_offset.y + view


async def test_included_list_home_end_and_pages_then_enter_open_the_row_the_cursor_went_to(tmp_path):
    path = build_workspace(tmp_path / "ws", 20)
    include_all(path)
    app = make_app(resolve(path, reviewer="tester"), REVIEW, stage=FT, rerank=None)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("x")  # the full-text queue is empty: the list of included studies
        assert isinstance(app.screen, IncludedScreen)
        table = app.screen.query_one(DataTable)
        keys = row_keys(table)
        assert len(keys) == 20 and table.size.height < 20

        async def opened_after(*presses: str) -> int:
            """Press the keys, then Enter; the study opened (and back to the list)."""
            await pilot.press(*presses)
            row = table.cursor_row
            assert cursor_on_screen(table), presses
            await pilot.press("enter")
            assert isinstance(app.screen, ExtractionScreen)
            opened = app.screen.record_id
            assert str(opened) == keys[row]
            await pilot.press("escape", "escape")  # the form, then the outcome list
            assert isinstance(app.screen, IncludedScreen)
            return opened

        assert await opened_after("end") == int(keys[-1])
        assert await opened_after("pageup") not in (int(keys[0]), int(keys[-1]))
        assert await opened_after("home") == int(keys[0])
        assert await opened_after("pagedown") not in (int(keys[0]), int(keys[-1]))
        assert await opened_after("pagedown", "pagedown") == int(keys[-1])
        assert await opened_after("home", "end") == int(keys[-1])
        assert await opened_after("end", "home") == int(keys[0])


async def test_home_end_then_enter_open_the_first_and_last_review(tmp_path):
    reviews = tuple(f"review-{c}" for c in "abcdefghij")
    path = build_workspace(tmp_path / "ws", 1, review_ids=reviews)
    app = make_app(resolve(path, reviewer="anna"), rerank=None, update=None, report=None)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert row_keys(table) == list(reviews) and 2 * len(reviews) > table.size.height

        async def opened_after(*presses: str) -> str:
            await pilot.press(*presses)
            assert cursor_on_screen(table), presses
            row = table.cursor_row
            await pilot.press("enter")
            assert isinstance(app.screen, ScreenerScreen)
            await app.workers.wait_for_complete()
            opened = app.screen.service.review_id
            assert opened == reviews[row]
            await pilot.press("q")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            return opened

        assert await opened_after("end") == reviews[-1]
        assert await opened_after("home") == reviews[0]
        assert await opened_after("pagedown") not in (reviews[0], reviews[-1])
        assert await opened_after("end", "pageup") not in (reviews[0], reviews[-1])


async def test_conflicts_end_shows_and_settles_the_last_conflict_home_the_first(tmp_path):
    path = build_workspace(tmp_path / "ws", 20, reviewers=2)
    anna = ScreeningService(open_ws(path, "anna"), REVIEW, "anna")
    bert = ScreeningService(open_ws(path, "bert"), REVIEW, "bert")
    for rid in anna.load_order()[:16]:
        anna.decide(rid, "include")
        bert.decide(rid, "maybe")
    app = make_app(resolve(path, reviewer="carla"), REVIEW, rerank=None)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("C")
        screen = app.screen
        assert isinstance(screen, ConflictsScreen)
        table = screen.query_one(DataTable)
        ids = [c.record_id for c in screen.conflicts]
        assert len(ids) == 16 and table.size.height < 16
        await pilot.press("end")
        assert cursor_on_screen(table) and screen.query_one("RecordView").record_id == ids[-1]
        await pilot.press("i")
        await pilot.press("pagedown", "home")
        assert cursor_on_screen(table) and screen.query_one("RecordView").record_id == ids[0]
        await pilot.press("m")
    settled = [(d.record_id, d.label) for d in decisions(path) if d.kind == "resolve"]
    assert settled == [(ids[-1], "include"), (ids[0], "maybe")]


async def test_a_retracted_study_is_marked_in_the_included_list_and_the_extraction_view(tmp_path):
    path = build_workspace(tmp_path / "ws", 4)
    alpha, bravo = include_all(path, ("Alpha", "Bravo"))
    retract(path, bravo)
    app = make_app(resolve(path, reviewer="tester"), REVIEW, stage=FT, rerank=None)
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("x")
        assert isinstance(app.screen, IncludedScreen)
        table = app.screen.query_one(DataTable)
        assert row_keys(table) == [str(bravo), str(alpha)]  # the most recently included first
        study = {key: plain(table.get_cell(key, "study")) for key in row_keys(table)}
        assert study[str(bravo)].startswith(MARK + "Bravo trial")
        assert study[str(alpha)].startswith("Alpha trial")
        await pilot.press("enter")
        assert isinstance(app.screen, ExtractionScreen) and app.screen.record_id == bravo
        assert plain(app.screen.query_one("#study").content).startswith(MARK + "Bravo trial")
        await pilot.press("escape", "escape", "end", "enter")
        assert app.screen.record_id == alpha
        assert plain(app.screen.query_one("#study").content).startswith("Alpha trial")
        await pilot.press("escape", "escape", "q", "slash", *str(bravo), "enter")  # the screener's own view of it
        assert isinstance(app.screen, ScreenerScreen)
        assert plain(app.screen.query_one("#meta").content).startswith(MARK)


async def test_the_included_list_fits_the_terminal_again_after_a_resize(tmp_path):
    """Wider than the screen, the list scrolled sideways and hid the extracted column."""
    path = build_workspace(tmp_path / "ws", 4)
    include_all(path, ("Alpha", "Bravo"))
    app = make_app(resolve(path, reviewer="tester"), REVIEW, stage=FT, rerank=None)
    async with app.run_test(size=(140, 24)) as pilot:
        await pilot.press("x", "down")
        table = app.screen.query_one(DataTable)
        for width in (90, 160):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            assert 0 < table.virtual_size.width <= table.scrollable_content_region.width, width
            assert table.cursor_row == 1 and table.row_count == 2
