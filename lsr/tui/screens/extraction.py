"""The extraction view: study-level data of one included study, one form per outcome, with its audit trail.

Reached with ``x`` from the screener (the shown record when it is included at full text, otherwise the list
of included studies in ``lsr.tui.screens.included``). The outcomes already extracted are listed at the top;
the highlighted one fills the form below, whose fields are the protocol's ``[extraction] fields`` (``effect``
stands for the counts per arm and for measure, estimate and 95% CI). Values are checked by the library's
``check_values`` (the same rules as ``lsr extract --import``) and saved with ``record_extraction``: one
committed, append-only row per save (who and when; a correction points at the row it corrects). The
audit trail of the outcome (who, when, from where, what changed) is shown under the form.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from lsr.errors import LsrError
from lsr.models import Extraction
from lsr.synthesis.extraction import DESIGNS, MEASURES, RISK_OF_BIAS, check_values, record_extraction
from lsr.synthesis.studies import as_text, current_of, form_fields, load_record, outcome_trail
from lsr.tui.screens.help import HelpScreen
from lsr.tui.widgets.record_view import marked_if_retracted

EXTRACTION_KEYS = (
    ("↑ ↓", "choose an outcome in the list; in the form: previous / next field"),
    ("Enter", "list: edit the outcome · form: next field"),
    ("Tab / Shift+Tab", "next / previous field"),
    ("n", "list: a new outcome (Ctrl+N from the form)"),
    ("Ctrl+S", "save this outcome (a correction is appended; nothing is overwritten)"),
    ("Escape", "form: back to the list (twice to drop unsaved changes) · list: back"),
    ("F1 / ?", "this help (? outside a field)"),
    ("q", "list: back"),
)

NEW = "__new__"
HINTS = {
    "outcome": "the outcome measured, e.g. achievement",
    "design": "rct · cluster-rct · quasi-experimental · cohort · before-after · …",
    "country": "e.g. NL",
    "n": "participants (whole number)",
    "risk_of_bias": " · ".join(RISK_OF_BIAS),
    "events_treatment": "events in the treatment arm",
    "total_treatment": "participants in the treatment arm",
    "events_control": "events in the control arm",
    "total_control": "participants in the control arm",
    "measure": " · ".join(MEASURES) + " (counts: RR when blank)",
    "estimate": "natural scale, e.g. 0,49 or 0.49",
    "ci_low": "lower bound of the 95% CI (r: or blank, with n)",
    "ci_high": "upper bound of the 95% CI",
    "note": "anything a reader should know",
}


def _float_text(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def outcome_line(row: Extraction) -> str:
    """One extracted outcome in a line: design, n, effect and who entered it."""
    parts = [row.outcome]
    if row.design:
        parts.append(row.design)
    if row.n is not None:
        parts.append(f"n={row.n}")
    if row.events_treatment is not None:
        parts.append(f"{row.events_treatment}/{row.total_treatment} vs {row.events_control}/{row.total_control}")
    elif row.estimate is not None:
        parts.append(f"{row.measure} {_float_text(row.estimate)} ({_float_text(row.ci_low)} to "
                     f"{_float_text(row.ci_high)})")
    parts.append(row.reviewer)
    return " · ".join(parts)


def trail_table(trail: list[tuple[Extraction, list[tuple[str, str, str]]]]) -> Table | Text:
    """The audit trail: when, who, from where and what changed, newest first (the last change on top)."""
    if not trail:
        return Text("No history yet: the first save starts it.", style="dim")
    table = Table(box=None, padding=(0, 1, 0, 0), expand=True, show_edge=False)
    table.add_column("when (UTC)", no_wrap=True, style="dim")
    table.add_column("who", no_wrap=True)
    table.add_column("how", no_wrap=True, style="dim")
    table.add_column("what changed", ratio=1)
    for row, changed in reversed(trail):
        how = "retracted" if row.kind == "retract" else "screen" if row.source == "screener" else "import"
        if row.corrects_id is None:
            what = Text("new: " + (", ".join(f"{k} {new}" for k, _, new in changed) or "(no values)"))
        else:
            what = Text("; ".join(f"{k} {old or '–'} → {new or '–'}" for k, old, new in changed) or "(no change)")
        table.add_row(f"{row.created_at:%Y-%m-%d %H:%M}", row.reviewer, how, what)
    return table


class FieldInput(Input):
    """A form field: ↑/↓ move between fields (the scroll container would take them otherwise)."""

    BINDINGS = [Binding("down", "app.focus_next", show=False),
                Binding("up", "app.focus_previous", show=False)]


class OutcomeList(OptionList):
    """The extracted outcomes: Enter moves into the form at once (keys typed ahead then land in it)."""

    BINDINGS = [Binding("enter", "edit", "Edit", show=False)]

    def action_edit(self) -> None:
        self.screen.edit_highlighted()


class ExtractionScreen(Screen[None]):
    """Enter and correct the extracted data of one included study.

    Args:
        ws: the opened workspace.
        review_id: the review.
        reviewer: recorded on every saved row.
        record_id: the study (a record included after full-text assessment).
    """

    DEFAULT_CSS = """
    ExtractionScreen #topbar { height: 1; background: $primary 25%; padding: 0 1; }
    ExtractionScreen #study { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    ExtractionScreen #outcomes { height: auto; max-height: 6; margin: 0 1; }
    ExtractionScreen #form { height: 1fr; padding: 0 1; }
    ExtractionScreen .row { height: 1; }
    ExtractionScreen .row Label { width: 18; }
    ExtractionScreen .row FieldInput { width: 1fr; }
    ExtractionScreen .group { color: $text-muted; margin-top: 1; }
    ExtractionScreen .error { color: $error; padding-left: 18; display: none; }
    ExtractionScreen .error.shown { display: block; }
    ExtractionScreen #status { height: auto; padding: 0 1; }
    ExtractionScreen #trail-title { margin-top: 1; text-style: bold; }
    ExtractionScreen #trail { height: auto; }
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("ctrl+n", "new_outcome", "New outcome", priority=True),
        Binding("n", "new_outcome", "New", show=False),
        Binding("escape", "escape", "Back"),
        Binding("q", "back", "Back", show=False),
        Binding("f1", "help", "Help", key_display="F1"),
        Binding("question_mark", "help", "Help", show=False),
    ]

    def __init__(self, ws, review_id: str, reviewer: str, record_id: int) -> None:
        super().__init__()
        self.ws, self.review_id, self.reviewer, self.record_id = ws, review_id, reviewer, record_id
        self.protocol = ws.protocol(review_id)
        self.fields = form_fields(self.protocol)
        self.current: dict[str, Extraction] = {}
        self.editing: Extraction | None = None  # the row the form shows (None: a new outcome)
        self._discard_armed = False

    # -- layout ---------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        rec = load_record(self.ws, self.review_id, self.record_id)
        yield Static(Text.assemble(("Extraction", "bold"), f" · {self.review_id} · #{rec.id} · {self.reviewer}"),
                     id="topbar")
        yield Static(marked_if_retracted(rec, Text(f"{rec.title} ({rec.year or 'n.d.'})", overflow="ellipsis")),
                     id="study")
        yield OutcomeList(id="outcomes")
        with VerticalScroll(id="form"):
            for name in self.fields:
                if name == "events_treatment":
                    yield Static("effect: counts per arm, or measure + estimate + 95% CI", classes="group")
                elif name == "measure" and "events_treatment" not in self.fields:
                    yield Static("effect: measure + estimate + 95% CI", classes="group")
                with Horizontal(classes="row"):
                    yield Label(name)
                    yield FieldInput(placeholder=self._hint(name), id=f"f-{name}", compact=True,
                                     suggester=self._suggester(name))
                yield Static(id=f"err-{name}", classes="error")
            yield Static(id="status")
            yield Static("Audit trail (newest first)", id="trail-title")
            yield Static(id="trail")
        yield Footer(compact=True)

    def _hint(self, name: str) -> str:
        if name == "outcome" and self.protocol.extraction.outcomes:
            return " · ".join(self.protocol.extraction.outcomes)
        return HINTS.get(name, f"{name} (this review's own field)")

    def _suggester(self, name: str) -> SuggestFromList | None:
        choices = {"design": DESIGNS, "risk_of_bias": RISK_OF_BIAS, "measure": MEASURES,
                   "outcome": self.protocol.extraction.outcomes}.get(name)
        return SuggestFromList(choices, case_sensitive=False) if choices else None

    def on_mount(self) -> None:
        self.reload()
        if self.current:
            self.query_one("#outcomes", OptionList).focus()
        else:
            self._focus_form()

    def reload(self, select: str | None = None) -> None:
        """Read the record's current outcomes and show ``select`` (or the first; a new form when none)."""
        self.current = {r.outcome: r for r in current_of(self.ws, self.review_id, self.record_id)}
        options = self.query_one("#outcomes", OptionList)
        options.clear_options()
        for outcome, row in self.current.items():
            options.add_option(Option(outcome_line(row), id=outcome))
        options.add_option(Option(Text("+ new outcome (n)", style="italic"), id=NEW))
        keys = [*self.current, NEW]
        target = select if select in keys else keys[0]
        options.highlighted = keys.index(target)
        self._load(self.current.get(target))

    def _load(self, row: Extraction | None) -> None:
        """Fill the form with ``row`` (blank for a new outcome) and show its audit trail."""
        self.editing = row
        values = as_text(row, self.protocol)
        for name in self.fields:
            field = self.query_one(f"#f-{name}", FieldInput)
            field.value = values.get(name, "")
            field.cursor_position = len(field.value)
        # an outcome's name is its key: changing it would start another outcome, not correct this one
        self.query_one("#f-outcome", FieldInput).disabled = row is not None
        self._show_problems([])
        self._discard_armed = False
        trail = outcome_trail(self.ws, self.review_id, self.record_id, row.outcome) if row is not None else []
        self.query_one("#trail", Static).update(trail_table(trail))

    # -- the form -------------------------------------------------------------------------------------

    def form_values(self) -> dict[str, str]:
        """The values to save: the shown row's (so fields the form lacks are kept), then the form's."""
        raw = as_text(self.editing, self.protocol)
        raw.update({name: self.query_one(f"#f-{name}", FieldInput).value for name in self.fields})
        return raw

    @property
    def dirty(self) -> bool:
        """Whether the form differs from the row it shows."""
        shown = as_text(self.editing, self.protocol)
        return any(self.query_one(f"#f-{n}", FieldInput).value.strip() != shown.get(n, "") for n in self.fields)

    def _show_problems(self, problems: list[tuple[str, str]], status: str = "") -> None:
        bad = dict(reversed(problems))  # the first problem of each field
        for name in self.fields:
            err = self.query_one(f"#err-{name}", Static)
            err.update(Text(f"↑ {name}: {bad[name]}") if name in bad else "")
            err.set_class(name in bad, "shown")
        unplaced = [(f, r) for f, r in problems if f not in self.fields]
        lines = [f"{f}: {r}" for f, r in unplaced]
        if problems:
            lines.insert(0, f"Not saved: {len(problems)} problem(s).")
        if status:
            lines.append(status)
        self.query_one("#status", Static).update(
            Text("\n".join(lines), style="bold red" if problems else "green"))

    def _focus_form(self) -> None:
        for name in self.fields:
            field = self.query_one(f"#f-{name}", FieldInput)
            if not field.disabled:
                field.focus()
                return

    @on(OptionList.OptionHighlighted, "#outcomes")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        row = self.current.get(event.option.id or "")
        if row is not self.editing:
            self._load(row)

    def edit_highlighted(self) -> None:
        """Show the highlighted outcome's values (if not shown yet) and move into the form."""
        options = self.query_one("#outcomes", OptionList)
        option = options.highlighted_option
        row = self.current.get(option.id or "") if option is not None else None
        if row is not self.editing:
            self._load(row)
        self._focus_form()

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    @on(Input.Changed)
    def _changed(self) -> None:
        self._discard_armed = False

    # -- actions --------------------------------------------------------------------------------------

    def action_save(self) -> None:
        """Check every value with the library's rules; when all pass, append one committed row."""
        raw = self.form_values()
        values, problems = check_values(raw, self.protocol, decimal_comma=True)
        if problems:
            self._show_problems(problems)
            bad = {f for f, _ in problems}
            first = next((n for n in self.fields if n in bad), None)  # the form's first bad field
            if first is not None:
                self.query_one(f"#f-{first}", FieldInput).focus()
            return
        try:
            row = record_extraction(self.ws, self.review_id, self.record_id, raw, self.reviewer)
        except LsrError as exc:
            self._show_problems([("record", exc.message)])
            return
        outcome = row.outcome if row is not None else values["outcome"]
        self.reload(select=outcome)
        if row is None:
            self._show_problems([], "No change: nothing saved.")
        else:
            what = "corrected" if row.corrects_id else "saved"
            self._show_problems([], f"{outcome} {what} (row {row.id}, {row.reviewer}).")
            self.notify(f"{outcome} {what}.")
        self.query_one("#outcomes", OptionList).focus()
        self.query_one("#trail", Static).scroll_visible(animate=False)  # the row just appended

    def action_new_outcome(self) -> None:
        """A blank form for an outcome not extracted yet (from the list, or Ctrl+N anywhere)."""
        if isinstance(self.focused, Input) and self.dirty and not self._discard_armed:
            self._discard_armed = True
            self.notify("Unsaved changes: Ctrl+S saves them; Ctrl+N again drops them.", severity="warning")
            return
        options = self.query_one("#outcomes", OptionList)
        options.highlighted = options.option_count - 1
        self._load(None)
        self._focus_form()

    def action_escape(self) -> None:
        """From the form back to the outcome list (asking once about unsaved changes); from the list, back."""
        if not isinstance(self.focused, Input):
            self.action_back()
            return
        if self.dirty and not self._discard_armed:
            self._discard_armed = True
            self.notify("Unsaved changes: Ctrl+S saves them; Escape again drops them.", severity="warning")
            return
        self._load(self.editing)
        self.query_one("#outcomes", OptionList).focus()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(f"Extraction keys · {self.review_id} #{self.record_id}", EXTRACTION_KEYS))
