"""Small modal prompts: a line of text (notes), an exclusion reason, and finding a record."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

if TYPE_CHECKING:
    from lsr.models import Record

PROMPT_CSS = """
{cls} {{ align: center middle; }}
{cls} > Vertical {{
    width: 70; max-width: 95%; height: auto; max-height: 90%;
    border: thick $primary; background: $surface; padding: 0 1;
}}
{cls} Label.hint {{ color: $text-muted; }}
{cls} OptionList {{ height: auto; max-height: 14; }}
"""


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter returns it, Escape returns None."""

    DEFAULT_CSS = PROMPT_CSS.format(cls="TextPrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text, self.value, self.placeholder = title, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield Input(self.value, placeholder=self.placeholder, id="text")
            yield Label("Enter to save · Escape to cancel", classes="hint")

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonPrompt(ModalScreen[str | None]):
    """Pick an exclusion reason: its number key, or the arrows and Enter; Escape cancels."""

    DEFAULT_CSS = PROMPT_CSS.format(cls="ReasonPrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel")] + [
        Binding(str(n), f"pick({n})", show=False) for n in range(1, 10)]

    def __init__(self, reasons: Sequence[str], title: str = "Exclusion reason") -> None:
        super().__init__()
        self.reasons, self.title_text = list(reasons), title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*[Option(f"{i}  {r}", id=str(i)) for i, r in enumerate(self.reasons, 1)])
            yield Label("1-9 or Enter to choose · Escape to cancel", classes="hint")

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.action_pick(int(event.option.id or 0))

    def action_pick(self, number: int) -> None:
        if 1 <= number <= len(self.reasons):
            self.dismiss(self.reasons[number - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class FindPrompt(ModalScreen[int | None]):
    """Find a record by lsr id, OpenAlex id, DOI or words of its title; returns the chosen record id."""

    DEFAULT_CSS = PROMPT_CSS.format(cls="FindPrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("down", "to_list", show=False)]

    def __init__(self, search: Callable[[str], list[Record]]) -> None:
        super().__init__()
        self.search = search

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Find a record: lsr id, OpenAlex id (W…), DOI, or words of the title")
            yield Input(id="query")
            yield OptionList(id="results")
            yield Label("Enter opens the first match · ↓ to choose · Escape to cancel", classes="hint",
                        id="hint")

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        results = self.query_one(OptionList)
        results.clear_options()
        found = self.search(event.value) if len(event.value.strip()) >= 2 or event.value.strip().isdigit() else []
        for rec in found:
            year = f" ({rec.year})" if rec.year else ""
            results.add_option(Option(f"#{rec.id}{year} {rec.title}", id=str(rec.id)))
        self.query_one("#hint", Label).update(
            f"{len(found)} match(es) · Enter opens the first · ↓ to choose · Escape to cancel" if found
            else "no match yet · Escape to cancel")

    @on(Input.Submitted)
    def _submit(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            self.dismiss(int(results.get_option_at_index(0).id or 0))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_to_list(self) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            results.focus()
            results.highlighted = 0

    def action_cancel(self) -> None:
        self.dismiss(None)
