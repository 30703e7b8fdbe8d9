"""The ``?`` help screen: every key of the screener and the home screen, and the exclusion reasons."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

SCREENER_KEYS = (
    ("i", "include"),
    ("e", "exclude (asks for a reason at full text)"),
    ("1-9", "exclude with exclusion reason N"),
    ("m", "maybe"),
    ("u", "undo your last decision (a correction is appended; nothing is deleted)"),
    ("n", "add a note to this record"),
    ("o", "show the DOI / OpenAlex links"),
    ("/", "find a record by id, DOI, OpenAlex id or title"),
    ("Escape", "back to the queue from a record you found"),
    ("s", "switch stage: title/abstract ↔ full text"),
    ("c", "show or hide the criteria"),
    ("C", "conflicts: settle records the two reviewers disagree on (dual screening)"),
    ("x", "extract study data (this record if included at full text, else pick an included study)"),
    ("↑ ↓ PgUp PgDn", "scroll the abstract"),
    ("?", "this help"),
    ("q", "back to the reviews (or quit)"),
)

HOME_KEYS = (
    ("↑ ↓ Home End PgUp PgDn", "choose a review"),
    ("Enter / s", "screen the selected review"),
    ("u", "update: search OpenAlex for new records"),
    ("r", "write the review's report"),
    ("g", "reload the table"),
    ("C", "conflicts of the selected review (dual screening)"),
    ("?", "this help"),
    ("q", "quit"),
)


def help_table(keys: Sequence[tuple[str, str]], reasons: Sequence[str] = ()) -> Table:
    """The keys (and numbered reasons) as a two-column table."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key, what in keys:
        table.add_row(key, what)
    for i, reason in enumerate(reasons[:9], 1):
        table.add_row(f"  {i}", Text(f"exclude: {reason}", style="dim"))
    return table


class HelpScreen(ModalScreen[None]):
    """A key reference; any of Escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 95%; height: auto; max-height: 90%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, title: str, keys: Sequence[tuple[str, str]], reasons: Sequence[str] = ()) -> None:
        super().__init__()
        self.title_text, self.keys, self.reasons = title, keys, reasons

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text(self.title_text, style="bold"))
            yield Static(help_table(self.keys, self.reasons))
            yield Static(Text("Escape, q or ? closes this help.", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
