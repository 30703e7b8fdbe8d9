"""The included studies: every record included after full-text assessment, and what is extracted from each.

Reached with ``x`` from the screener when the shown record is not itself included at full text. The most
recently included study comes first, marked when OpenAlex flags it as retracted (in the record view's words);
Enter opens its extraction view (``lsr.tui.screens.extraction``), and the list is read again on return.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from lsr.synthesis.studies import IncludedStudy, included_studies
from lsr.tui.screens.extraction import ExtractionScreen
from lsr.tui.screens.help import HelpScreen
from lsr.tui.widgets.record_view import marked_if_retracted
from lsr.tui.widgets.row_table import RowTable

INCLUDED_KEYS = (
    ("↑ ↓ Home End PgUp PgDn", "choose a study"),
    ("Enter / x", "extract data from it"),
    ("g", "reload the list"),
    ("?", "this help"),
    ("q / Escape", "back"),
)


class IncludedScreen(Screen[None]):
    """Choose an included study to extract data from.

    Args:
        ws: the opened workspace.
        review_id: the review.
        reviewer: passed on to the extraction view.
        note: a line shown above the list (why the list was opened).
    """

    DEFAULT_CSS = """
    IncludedScreen #topbar { height: 1; background: $primary 25%; padding: 0 1; }
    IncludedScreen #note { height: auto; padding: 0 1; color: $text-muted; }
    IncludedScreen DataTable { height: 1fr; }
    """

    BINDINGS = [
        Binding("x", "extract", "Extract"),
        Binding("g", "reload", "Reload"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("escape,q", "back", "Back", key_display="q"),
    ]

    def __init__(self, ws, review_id: str, reviewer: str, note: str = "") -> None:
        super().__init__()
        self.ws, self.review_id, self.reviewer, self.note = ws, review_id, reviewer, note
        self.studies: list[IncludedStudy] | None = None  # None until read

    def compose(self) -> ComposeResult:
        yield Static(id="topbar")
        yield Static(self.note, id="note")
        yield RowTable()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.action_reload()
        self.query_one(DataTable).focus()

    def on_resize(self) -> None:
        if self.studies is not None:
            self._fill_table()

    def action_reload(self) -> None:
        """Read the included studies again (after extracting, or another reviewer's decisions)."""
        self.studies = included_studies(self.ws, self.review_id)
        self._fill_table()
        done = sum(1 for s in self.studies if s.outcomes)
        self.query_one("#topbar", Static).update(Text.assemble(
            ("Included studies", "bold"), f" · {self.review_id} · {len(self.studies)} at full text · {done} extracted"))
        if not self.studies:
            self.query_one("#note", Static).update("No study is included at full text yet: include one in the "
                                                   "screener (s switches to full text), then press x.")

    def _fill_table(self) -> None:
        """One row per study, the study column as wide as the screen allows; the cursor keeps its row."""
        table = self.query_one(DataTable)
        keep = max(table.cursor_row, 0)
        table.clear(columns=True)
        table.add_column("#", key="id", width=6)
        table.add_column("year", key="year", width=4)
        table.add_column("study", key="study", width=max((self.size.width or self.app.size.width) - 40, 20))
        table.add_column("extracted", key="extracted", width=20)
        for study in self.studies or []:
            rec = study.record
            extracted = Text(", ".join(study.outcomes), overflow="ellipsis", no_wrap=True) if study.outcomes else Text("nothing yet", style="dim")
            title = marked_if_retracted(rec, Text(rec.title, overflow="ellipsis", no_wrap=True))
            table.add_row(str(rec.id), str(rec.year or ""), title, extracted, key=str(rec.id))
        if self.studies:
            table.move_cursor(row=min(keep, len(self.studies) - 1))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_extract()

    def action_extract(self) -> None:
        table = self.query_one(DataTable)
        if not table.row_count:
            self.notify("No included study to extract from.", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        self.app.push_screen(ExtractionScreen(self.ws, self.review_id, self.reviewer, int(key)),
                             lambda _: self.action_reload())

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(f"Included studies · {self.review_id}", INCLUDED_KEYS))

    def action_back(self) -> None:
        self.dismiss(None)
