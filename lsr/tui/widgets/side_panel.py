"""The screener's side panel: progress, the inclusion chart, ranking freshness, stopping, agreement, question,
criteria."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import get_current_worker

from lsr.tui.widgets.chart import InclusionChart

if TYPE_CHECKING:  # the screening service (and with it SQLAlchemy) loads after the first record is shown
    from lsr.protocol import Protocol
    from lsr.screening.service import Freshness, Progress
    from lsr.workspace import Workspace

STAGE_NAMES = {"title-abstract": "title/abstract", "full-text": "full text"}


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """``just now``, ``5 min ago``, ``3 h ago``, ``2 d ago``."""
    if moment is None:
        return "never"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    secs = max(((now or datetime.now(UTC)) - moment).total_seconds(), 0)
    if secs < 60:
        return "just now"
    if secs < 3600:
        return f"{int(secs // 60)} min ago"
    if secs < 86400:
        return f"{int(secs // 3600)} h ago"
    return f"{int(secs // 86400)} d ago"


def progress_text(p: Progress) -> Text:
    """The progress block (counts are settled labels; ``you`` is the reviewer's own)."""
    out = Text()
    out.append(f"Progress · {STAGE_NAMES.get(p.stage, p.stage)}\n", style="bold")
    pct = f" ({p.screened / p.total:.0%})" if p.total else ""
    out.append(f"screened  {p.screened:,} / {p.total:,}{pct}\n")
    out.append("included  ")
    out.append(f"{p.included:,}", style="bold")
    out.append(f"\nexcluded  {p.excluded:,} · maybe {p.maybe:,}\n")
    out.append(f"since last inclusion  {p.since_last_inclusion:,}\n")
    out.append(f"you  {p.mine:,} screened · {p.remaining:,} to go", style="dim")
    return out


def freshness_text(f: Freshness | None, *, retraining: bool, available: bool) -> Text:
    """Which ranking the queue follows and whether decisions came after it."""
    out = Text()
    out.append("Ranking\n", style="bold")
    if f is None:
        out.append("…")
    elif not f.trained:
        out.append("not ranked yet: best match first once trained" if available
                   else "ranker not available: file order", style="dim")
    else:
        out.append(f"{f.model} on {f.n_labels:,} labels, {ago(f.trained_at)}\n")
        if f.fresh:
            out.append("up to date", style="green")
        else:
            out.append(f"{f.decisions_since:,} decision(s) since", style="yellow")
    if retraining:
        out.append(" · updating…", style="italic")
    return out


def stopping_text(state: dict | None) -> Text:
    """The stopping rule, whether it is met, and the estimated recall when known."""
    out = Text()
    out.append("Stopping\n", style="bold")
    if not state:
        out.append("…")
        return out
    rule = state.get("rule") or "none"
    out.append(f"{rule}: ")
    if rule == "none":
        out.append("no rule", style="dim")
    elif state.get("met"):
        out.append("met", style="bold green")
    else:
        out.append("not met", style="yellow")
    recall = state.get("estimated_recall")
    if recall is not None:
        out.append(f" · recall ≈ {recall:.0%}")
    if state.get("message"):
        out.append(f"\n{state['message']}", style="dim")
    return out


AGREEMENT_BLOCK = 10
"""The live agreement counts whole blocks of this many records screened by both (per reviewer pair), so it
moves once per block: a reviewer cannot read the other's label on the record just decided from it (blinding).
Status and reports count every record."""


def agreement_text(summary: dict | None) -> Text:
    """Pooled agreement of dual screening: kappa (two decimals), percentage agreement and PABAK."""
    out = Text()
    out.append("Agreement\n", style="bold")
    if summary is None:
        out.append("…")
        return out
    n = summary.get("n") or 0
    if n < AGREEMENT_BLOCK:
        out.append(f"shown after {AGREEMENT_BLOCK} records screened by both", style="dim")
        return out
    kappa, pct, pabak = summary.get("kappa"), summary.get("percent_agreement"), summary.get("pabak")
    out.append(f"kappa {kappa:.2f}" if kappa is not None else "kappa n/a")
    out.append(f" · {pct:.0%} agree" if pct is not None else "")
    out.append(f"\nPABAK {pabak:.2f}" if pabak is not None else "")
    out.append(f" · over {n:,} records both screened (updated every {AGREEMENT_BLOCK})", style="dim")
    return out


def criteria_text(protocol: Protocol) -> Text:
    """Inclusion and exclusion criteria and the numbered exclusion reasons (the 1-9 keys)."""
    c = protocol.criteria
    out = Text()
    if c.include:
        out.append("Include if\n", style="bold")
        out.append("".join(f"• {x}\n" for x in c.include))
    if c.exclude:
        out.append("Exclude if\n", style="bold")
        out.append("".join(f"• {x}\n" for x in c.exclude))
    out.append("Exclusion reasons (keys)\n", style="bold")
    out.append("".join(f"{i} {r}\n" for i, r in enumerate(c.exclusion_reasons[:9], 1)))
    return out


class SidePanel(VerticalScroll):
    """Live screening context; the criteria block is toggled with ``c``."""

    DEFAULT_CSS = """
    SidePanel {
        width: 36; border-left: solid $primary 50%; padding: 0 1;
        scrollbar-size-vertical: 1; scrollbar-background: $surface; scrollbar-color: $primary 40%;
    }
    SidePanel > Static { margin-bottom: 1; }
    SidePanel > InclusionChart { margin-bottom: 1; }
    SidePanel > #criteria { display: none; }
    SidePanel.-criteria > #criteria { display: block; }
    """

    def __init__(self, protocol: Protocol, *, rerank_available: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.protocol = protocol
        self.rerank_available = rerank_available
        self.freshness: Freshness | None = None
        self.retraining = False

    def compose(self) -> ComposeResult:
        question = Text()
        question.append("Question  ", style="bold")
        question.append("(c: criteria)\n", style="dim")
        question.append(self.protocol.question)
        yield Static(question, id="question")
        yield Static(criteria_text(self.protocol), id="criteria")
        yield Static(Text("Progress\n…"), id="progress")
        yield InclusionChart(id="chart")
        yield Static(freshness_text(None, retraining=False, available=self.rerank_available), id="ranking")
        yield Static(stopping_text(None), id="stopping")
        if self.protocol.screening.reviewers_per_record > 1:
            yield Static(agreement_text(None), id="agreement")

    def show_stats(self, progress: Progress, freshness: Freshness, stopping: dict | None = None) -> None:
        """Update the panel with fresh numbers (the stopping block only when ``stopping`` is given)."""
        self.query_one("#progress", Static).update(progress_text(progress))
        self.query_one(InclusionChart).series = progress.series
        self.freshness = freshness
        self._show_ranking()
        if stopping is not None:
            self.query_one("#stopping", Static).update(stopping_text(stopping))

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False)
    def load_agreement(self, ws: Workspace, review_id: str, stage: str) -> None:
        """Compute the pooled agreement off the UI thread and show it (dual screening only)."""
        from lsr.screening.conflicts import agreement_summary  # noqa: PLC0415

        summary = agreement_summary(ws, review_id, stage, block=AGREEMENT_BLOCK)
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self.show_agreement, summary)

    def show_agreement(self, summary: dict | None) -> None:
        """Show the agreement block (no-op with single screening)."""
        for widget in self.query("#agreement"):
            widget.update(agreement_text(summary))

    def set_retraining(self, running: bool) -> None:
        """Show or clear "updating…" next to the ranking."""
        self.retraining = running
        self._show_ranking()

    def toggle_criteria(self) -> bool:
        """Show or hide the criteria; returns whether they are now shown."""
        self.toggle_class("-criteria")
        shown = self.has_class("-criteria")
        return shown

    def _show_ranking(self) -> None:
        self.query_one("#ranking", Static).update(
            freshness_text(self.freshness, retraining=self.retraining, available=self.rerank_available))
