"""The conflicts view: records the two reviewers disagree on, settled with a third decision.

Reached with ``C`` from the screener (and the home screen). The list on the left holds the review's open
conflicts (both stages); the highlighted one is shown on the right with every reviewer's label, reason and
note side by side above the record. ``i``/``e``/``1``-``9``/``m`` settle it through ``lsr.screening.conflicts.resolve``
(a ``kind="resolve"`` decision, committed before the list updates). This view reveals both labels: it is
for resolving, not for screening.
"""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from lsr.errors import LsrError
from lsr.screening.conflicts import Conflict, list_conflicts, resolve
from lsr.screening.decisions import FT
from lsr.tui.screens.help import HelpScreen
from lsr.tui.screens.prompts import ReasonPrompt
from lsr.tui.widgets.record_view import RecordView
from lsr.tui.widgets.row_table import RowTable
from lsr.tui.widgets.side_panel import STAGE_NAMES
from lsr.workspace import Workspace

CONFLICT_KEYS = (
    ("↑ ↓ Home End PgUp PgDn", "choose a conflict"),
    ("i", "settle as include"),
    ("e", "settle as exclude (asks for a reason at full text)"),
    ("1-9", "settle as exclude with exclusion reason N"),
    ("m", "settle as maybe"),
    ("g", "reload the list"),
    ("?", "this help"),
    ("q / Escape", "back"),
)

LABEL_STYLE = {"include": "bold green", "exclude": "bold red", "maybe": "bold yellow"}


def labels_table(conflict: Conflict) -> Table:
    """Every reviewer's label, reason and note, one column per reviewer."""
    table = Table(box=None, padding=(0, 3, 0, 0), show_edge=False, expand=True)
    for lab in conflict.labels:
        table.add_column(Text(lab.reviewer, style="bold"), ratio=1)
    table.add_row(*[Text(lab.label, style=LABEL_STYLE.get(lab.label, "")) for lab in conflict.labels])
    table.add_row(*[Text(f"reason: {lab.reason}" if lab.reason else "no reason given", style="dim")
                    for lab in conflict.labels])
    table.add_row(*[Text(f"note: {lab.note}" if lab.note else "no note", style="italic" if lab.note else "dim")
                    for lab in conflict.labels])
    return table


class ConflictsScreen(Screen[None]):
    """Resolve a review's dual-screening conflicts.

    Args:
        ws: the opened workspace.
        review_id: the review.
        reviewer: the resolver, recorded on every resolution.
    """

    DEFAULT_CSS = """
    ConflictsScreen #topbar { height: 1; background: $primary 25%; padding: 0 1; }
    ConflictsScreen #main { height: 1fr; }
    ConflictsScreen DataTable { width: 38; border-right: solid $primary 50%; }
    ConflictsScreen #detail { width: 1fr; }
    ConflictsScreen #labels { height: auto; padding: 0 1; margin-bottom: 1; border-bottom: solid $primary 30%; }
    ConflictsScreen RecordView { height: 1fr; }
    """

    BINDINGS = [
        Binding("i", "settle('include')", "Include"),
        Binding("e", "exclude", "Exclude"),
        Binding("1", "reason(1)", "Reason", key_display="1-9"),
        Binding("m", "settle('maybe')", "Maybe"),
        Binding("g", "reload", "Reload", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q,escape", "back", "Back"),
    ] + [Binding(str(n), f"reason({n})", f"Reason {n}", show=False) for n in range(2, 10)]

    def __init__(self, ws: Workspace, review_id: str, reviewer: str) -> None:
        super().__init__()
        self.ws, self.review_id, self.reviewer = ws, review_id, reviewer
        self.protocol = ws.protocol(review_id)
        self.conflicts: list[Conflict] = []
        self.settled_count = 0

    def compose(self) -> ComposeResult:
        c = self.protocol.criteria
        yield Static(id="topbar")
        with Horizontal(id="main"):
            yield RowTable(id="conflicts")
            with Vertical(id="detail"):
                yield Static(id="labels")
                yield RecordView(c.highlight_include, c.highlight_exclude, id="record")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()
        self.query_one(DataTable).focus()

    @property
    def current(self) -> Conflict | None:
        """The highlighted conflict."""
        row = self.query_one(DataTable).cursor_row
        return self.conflicts[row] if self.conflicts and 0 <= row < len(self.conflicts) else None

    def load(self) -> None:
        """Read the open conflicts and refill the list, keeping the cursor's position."""
        try:
            self.conflicts = list_conflicts(self.ws, self.review_id)
        except LsrError as exc:
            self.notify(exc.message, severity="error")
            self.conflicts = []
        table = self.query_one(DataTable)
        keep = max(table.cursor_row, 0)
        table.clear(columns=True)
        table.add_column("#", key="id")
        table.add_column("Stage", key="stage")
        table.add_column("Labels", key="labels")
        for c in self.conflicts:
            table.add_row(str(c.record_id), "FT" if c.stage == FT else "TA",
                          " / ".join(lab.label for lab in c.labels), key=f"{c.stage}:{c.record_id}")
        if self.conflicts:
            table.move_cursor(row=min(keep, len(self.conflicts) - 1))
        self._show()

    def _show(self) -> None:
        c = self.current
        bar = Text()
        bar.append(self.review_id, style="bold")
        bar.append(f" · conflicts · {len(self.conflicts):,} open · resolving as {self.reviewer}")
        if self.settled_count:
            bar.append(f" · {self.settled_count} settled here", style="dim")
        self.query_one("#topbar", Static).update(bar)
        labels = self.query_one("#labels", Static)
        if c is None:
            labels.update(Text("No open conflicts: every record both reviewers screened is settled.",
                               style="green"))
            self.query_one(RecordView).show(None, empty="q goes back")
            return
        head = Text(f"#{c.record_id} · {STAGE_NAMES.get(c.stage, c.stage)}\n", style="bold")
        labels.update(Group(head, labels_table(c)))
        self.query_one(RecordView).show(c.record)

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show()

    # -- settling -------------------------------------------------------------------------------------

    def action_settle(self, label: str, reason: str | None = None) -> None:
        """Resolve the highlighted conflict with ``label`` and refresh the list."""
        c = self.current
        if c is None:
            self.notify("No conflict to settle.", severity="warning")
            return
        try:
            resolve(self.ws, self.review_id, c.record_id, label, self.reviewer, reason=reason, stage=c.stage)
        except LsrError as exc:
            self.notify(exc.message, title="Not recorded", severity="error")
            self.load()
            return
        self.settled_count += 1
        self.notify(f"#{c.record_id} settled as {label}{f' ({reason})' if reason else ''}.")
        self.load()

    def action_exclude(self) -> None:
        """Settle as exclude; at full text a reason is required, so ask for it first."""
        c = self.current
        if c is None:
            self.notify("No conflict to settle.", severity="warning")
            return
        if c.stage == FT:
            self.app.push_screen(ReasonPrompt(self.protocol.criteria.exclusion_reasons,
                                              "Full-text exclusion: which reason? (PRISMA 2020)"),
                                 lambda reason: self.action_settle("exclude", reason) if reason else None)
        else:
            self.action_settle("exclude")

    def action_reason(self, number: int) -> None:
        """Settle as exclude with the protocol's exclusion reason ``number`` (1-based)."""
        reasons = self.protocol.criteria.exclusion_reasons
        if number > len(reasons):
            listed = " · ".join(f"{i} {r}" for i, r in enumerate(reasons, 1))
            self.notify(f"There is no reason {number}: {listed}", severity="warning")
            return
        self.action_settle("exclude", reasons[number - 1])

    def action_reload(self) -> None:
        self.load()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(f"Conflict keys · {self.review_id}", CONFLICT_KEYS,
                                        self.protocol.criteria.exclusion_reasons))

    def action_back(self) -> None:
        self.dismiss(None)

