"""The extraction view driven by key presses (Textual Pilot), and ``record_extraction`` on its own.

Values are typed field by field (Enter moves on), saved with Ctrl+S, and read back from the database, the
library and ``lsr export --format extraction-csv``.
"""

from __future__ import annotations

import csv
import io

import pytest
from rich.console import Console
from sqlmodel import select

from lsr.errors import LsrError
from lsr.models import Extraction
from lsr.screening.decisions import FT, TA
from lsr.screening.service import ScreeningService
from lsr.settings import resolve
from lsr.synthesis.extraction import history, record_extraction
from lsr.synthesis.studies import form_fields
from lsr.tui.app import make_app
from lsr.tui.screens.extraction import ExtractionScreen, FieldInput
from lsr.tui.screens.help import HelpScreen
from lsr.tui.screens.included import IncludedScreen
from tests.helpers import run
from tests.tui_helpers import REVIEW, build_workspace, open_ws, record_id_by_word

SIZE = (100, 32)
FIELDS = ("outcome", "design", "country", "n", "risk_of_bias", "events_treatment", "total_treatment",
          "events_control", "total_control", "measure", "estimate", "ci_low", "ci_high", "note")


def include(path, word: str, reviewer: str = "tester") -> int:
    """Include the record whose title starts with ``word`` at title/abstract and full text."""
    rid = record_id_by_word(path, word)
    ws = open_ws(path, reviewer)
    for stage in (TA, FT):
        ScreeningService(ws, REVIEW, reviewer, stage).decide(rid, "include")
    return rid


@pytest.fixture
def ws_path(tmp_path):
    path = build_workspace(tmp_path / "ws", 4)
    include(path, "Alpha")
    return path


def rows(path) -> list[Extraction]:
    with open_ws(path).db.read() as session:
        return list(session.exec(select(Extraction).order_by(Extraction.id)))


def exported(path) -> list[dict]:
    """The exported extraction rows with data (not the rows to fill in for studies without any)."""
    result = run(["export", REVIEW, "--format", "extraction-csv", "-o", "-"], path)
    assert result.exit_code == 0, result.output
    return [row for row in csv.DictReader(io.StringIO(result.stdout)) if row["outcome"]]


def full_text_app(path, reviewer="tester"):
    return make_app(resolve(path, reviewer=reviewer), REVIEW, stage=FT, rerank=None)


async def type_form(pilot, values: dict[str, str]) -> None:
    """Type each field's value in the form's order, Enter moving to the next field."""
    for name in FIELDS:
        await pilot.press(*values.get(name, ""), "enter")


def field(app, name: str) -> FieldInput:
    return app.screen.query_one(f"#f-{name}", FieldInput)


def plain(widget) -> str:
    """A Static's content as plain text (tables included)."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def text_of(app, selector: str) -> str:
    return plain(app.screen.query_one(selector))


def error_text(app, name: str) -> str:
    err = app.screen.query_one(f"#err-{name}")
    return plain(err) if err.has_class("shown") else ""


ALPHA_VALUES = {"outcome": "achievement", "design": "rct", "country": "NL", "n": "120", "risk_of_bias": "low",
                "events_treatment": "10", "total_treatment": "60", "events_control": "20", "total_control": "60"}


def test_form_fields_follow_the_protocol_with_effect_expanded(ws_path):
    assert form_fields(open_ws(ws_path).protocol(REVIEW)) == FIELDS


def test_record_extraction_appends_corrects_and_refuses_bad_values(ws_path):
    ws = open_ws(ws_path)
    alpha, bravo = record_id_by_word(ws_path, "Alpha"), record_id_by_word(ws_path, "Bravo")
    first = record_extraction(ws, REVIEW, alpha, {"outcome": "achievement", "n": "100", "measure": "SMD",
                                                  "estimate": "0,21", "ci_low": "0.05", "ci_high": "0.37"}, "anna")
    assert (first.reviewer, first.kind, first.source, first.estimate, first.corrects_id) == (
        "anna", "edit", "screener", 0.21, None)
    assert record_extraction(ws, REVIEW, alpha, as_raw(first), "bob") is None  # unchanged: nothing appended
    second = record_extraction(ws, REVIEW, alpha, {**as_raw(first), "n": "120"}, "bob")
    assert (second.n, second.reviewer, second.corrects_id) == (120, "bob", first.id)
    with pytest.raises(LsrError, match="risk_of_bias: 'medium' is not one of"):
        record_extraction(ws, REVIEW, alpha, {"outcome": "wellbeing", "risk_of_bias": "medium"}, "anna")
    with pytest.raises(LsrError, match="not included after full-text assessment"):
        record_extraction(ws, REVIEW, bravo, {"outcome": "achievement"}, "anna")
    with ws.db.read() as session:
        assert [(r.n, r.reviewer) for r in history(session, REVIEW, alpha)] == [(100, "anna"), (120, "bob")]
    assert len(rows(ws_path)) == 2


def as_raw(row: Extraction) -> dict[str, str]:
    return {k: "" if getattr(row, k) is None else str(getattr(row, k))
            for k in ("outcome", "n", "measure", "estimate", "ci_low", "ci_high")}


async def test_x_on_an_included_record_opens_its_form_and_ctrl_s_saves_a_committed_row(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    app = full_text_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *str(alpha), "enter")  # find Alpha (included, so not in the queue)
        await pilot.press("x")
        assert isinstance(app.screen, ExtractionScreen) and app.screen.record_id == alpha
        assert app.focused is field(app, "outcome")  # nothing extracted yet: straight into the form
        await type_form(pilot, ALPHA_VALUES)
        assert rows(ws_path) == []
        await pilot.press("ctrl+s")
        saved = rows(ws_path)  # read through another connection while the app runs: committed
        assert [(r.outcome, r.design, r.n, r.risk_of_bias, r.measure, r.reviewer, r.source) for r in saved] == [
            ("achievement", "rct", 120, "low", "RR", "tester", "screener")]
        trail = text_of(app, "#trail")  # the audit trail shows who entered what
        assert "tester" in trail and "new: design rct, country NL, n 120, risk_of_bias low" in trail
        await pilot.press("escape")
        assert not isinstance(app.screen, ExtractionScreen)
    (row,) = exported(ws_path)
    assert {k: row[k] for k in ("record", "outcome", "design", "country", "n", "risk_of_bias", "events_treatment",
                                "total_treatment", "events_control", "total_control", "measure", "reviewer")} == {
        "record": str(alpha), "outcome": "achievement", "design": "rct", "country": "NL", "n": "120",
        "risk_of_bias": "low", "events_treatment": "10", "total_treatment": "60", "events_control": "20",
        "total_control": "60", "measure": "RR", "reviewer": "tester"}


async def test_x_elsewhere_lists_included_studies_and_enter_opens_one(ws_path):
    charlie = include(ws_path, "Charlie")
    app = full_text_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("x")  # the full-text queue is empty: the list of included studies
        assert isinstance(app.screen, IncludedScreen)
        assert app.screen.query_one("DataTable").row_count == 2
        await pilot.press("enter")  # the most recently included first
        assert isinstance(app.screen, ExtractionScreen) and app.screen.record_id == charlie
        await type_form(pilot, {"outcome": "achievement", "measure": "smd", "estimate": "0,3", "ci_low": "0,1",
                                "ci_high": "0,5"})
        await pilot.press("ctrl+s", "escape")
        assert isinstance(app.screen, IncludedScreen)
        cells = [str(c) for c in app.screen.query_one("DataTable").get_row_at(0)]
        assert cells[0] == str(charlie) and cells[-1] == "achievement"
    assert [(r["record"], r["measure"], r["estimate"]) for r in exported(ws_path)] == [
        (str(charlie), "SMD", "0.3")]


async def test_a_bad_value_shows_the_error_at_its_field_and_saves_nothing(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    app = full_text_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *str(alpha), "enter", "x")
        await type_form(pilot, {**ALPHA_VALUES, "n": "12x", "risk_of_bias": "medium"})
        await pilot.press("ctrl+s")
        assert rows(ws_path) == []
        assert "n: '12x' is not a whole number" in error_text(app, "n")
        assert "risk_of_bias: 'medium' is not one of low, some concerns, high" in error_text(app, "risk_of_bias")
        assert error_text(app, "design") == ""
        assert "Not saved: 2 problem(s)" in text_of(app, "#status")
        assert app.focused is field(app, "n")  # the first bad field, ready to fix
        await pilot.press("ctrl+s")
        assert rows(ws_path) == []
        # a problem across fields (events above the total), from the library's effect rule
        await pilot.press(*["backspace"] * 3, *"120", "down", *["backspace"] * 6, *"low", "down",
                          *["backspace"] * 2, *"100")
        await pilot.press("ctrl+s")
        assert rows(ws_path) == [] and "more events than total_treatment" in error_text(app, "events_treatment")
        assert error_text(app, "n") == ""
        await pilot.press(*["backspace"] * 3, *"10", "ctrl+s")
        assert [r.n for r in rows(ws_path)] == [120]


async def test_a_correction_appends_a_row_and_the_trail_shows_who_changed_what(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    first = record_extraction(open_ws(ws_path), REVIEW, alpha, {**ALPHA_VALUES, "n": "100"}, "anna")
    app = full_text_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *str(alpha), "enter", "x")
        assert app.focused is app.screen.query_one("#outcomes")  # an outcome exists: the list first
        assert "anna" in text_of(app, "#trail")
        await pilot.press("enter")
        assert field(app, "outcome").disabled and app.focused is field(app, "design")
        assert field(app, "n").value == "100"
        await pilot.press("down", "down", *["backspace"] * 3, *"120", "ctrl+s")
        trail = text_of(app, "#trail")
        assert "n 100 → 120" in trail and "tester" in trail and "anna" in trail
        await pilot.press("enter", "ctrl+s")  # saving the same values again appends nothing
        assert "No change" in text_of(app, "#status")
    saved = rows(ws_path)
    assert [(r.n, r.reviewer, r.corrects_id) for r in saved] == [(100, "anna", None), (120, "tester", first.id)]
    assert exported(ws_path)[0]["n"] == "120"


async def test_escape_asks_once_before_dropping_unsaved_values_and_help_lists_the_keys(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    app = full_text_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *str(alpha), "enter", "x", *"wellbeing")
        await pilot.press("escape")
        assert field(app, "outcome").value == "wellbeing" and app.focused is field(app, "outcome")
        await pilot.press("escape")
        assert field(app, "outcome").value == "" and app.focused is app.screen.query_one("#outcomes")
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = " ".join(plain(s) for s in app.screen.query("Static"))
        assert "Ctrl+S" in help_text and "Escape" in help_text
        await pilot.press("escape", "n")
        assert app.focused is field(app, "outcome")
        await pilot.press(*"x?q", "f1")  # letters type in a field; F1 still opens the help
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert field(app, "outcome").value == "x?q"
    assert rows(ws_path) == []


async def test_the_form_has_the_protocols_fields_and_a_correction_keeps_values_it_does_not_show(ws_path):
    protocol = ws_path / "protocols" / f"{REVIEW}.toml"
    protocol.write_text(protocol.read_text(encoding="utf-8") + '\n[extraction]\nfields = ["outcome", "design", "n", '
                        '"effect", "setting"]\n', encoding="utf-8")
    alpha = record_id_by_word(ws_path, "Alpha")
    ws = open_ws(ws_path)
    assert form_fields(ws.protocol(REVIEW)) == ("outcome", "design", "n", *FIELDS[5:13], "setting", "note")
    record_extraction(ws, REVIEW, alpha, {**ALPHA_VALUES, "country": "BE", "setting": "primary"}, "anna")
    app = full_text_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *str(alpha), "enter", "x")
        assert not app.screen.query("#f-country") and field(app, "setting").value == "primary"
        await pilot.press("enter", "down", *["backspace"] * 3, *"130", "ctrl+s")
        await pilot.press("n", *"wellbeing", *["tab"] * 11, *"secondary", "ctrl+s")
    now = {r["outcome"]: r for r in exported(ws_path)}
    assert (now["achievement"]["n"], now["achievement"]["country"], now["achievement"]["setting"]) == (
        "130", "BE", "primary")
    assert (now["wellbeing"]["setting"], now["wellbeing"]["reviewer"]) == ("secondary", "tester")
