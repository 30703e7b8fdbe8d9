"""The home screen: every review of the workspace, and from there screening, updating and reports.

Counts come from ``lsr.status.review_status`` (the same numbers as ``lsr status``), loaded in a worker.
Updates (``lsr.search.update.update_review``) and reports (``lsr.report.write_reports``) run in thread workers
with their progress shown under the table; when a module is not installed the key says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static

from lsr.errors import LsrError
from lsr.search.known_studies import describe as describe_known_studies
from lsr.tui.messages import StatusLoaded, TaskFinished, TaskProgress
from lsr.tui.screens.help import HOME_KEYS, HelpScreen
from lsr.tui.widgets.row_table import RowTable

# (key, label, width); the review column (title over theme) takes the room left.
FIXED_COLUMNS = (("records", "Records", 7), ("unscreened", "To screen", 9), ("included", "Included", 8),
                 ("last", "Updated", 10), ("next", "Next", 10), ("stopping", "Stopping", 8))


def _date(iso: str | None) -> str:
    return iso[:10] if iso else "never"


def stopping_cell(state: dict | None) -> str:
    """A short stopping status for the table: ``met``, ``not met`` or ``no rule``."""
    if not state or (state.get("rule") or "none") == "none":
        return "no rule"
    return "met" if state.get("met") else "not met"


def validation_detail(state: dict | None) -> Text:
    """The search validation in words (which known studies the search missed), red when one is missing."""
    words = describe_known_studies(state)
    if not words:
        return Text("")
    return Text("\n" + words, style="bold red" if state.get("missing") and state.get("search_run") else "")


def stopping_detail(state: dict | None) -> str:
    """The stopping rule with its estimated recall, for the detail line."""
    if not state or (state.get("rule") or "none") == "none":
        return "no stopping rule"
    recall = state.get("estimated_recall")
    tail = f", estimated recall {recall:.0%}" if recall is not None else ""
    return f"stopping ({state.get('rule')}): {stopping_cell(state)}{tail}"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def title_width(screen_width: int) -> int:
    """Room for the review column once the fixed columns (and cell padding) are placed."""
    fixed = sum(w + 2 for _, _, w in FIXED_COLUMNS)
    return max(screen_width - fixed - 4, 12)


def row_cells(r: dict, width: int = 40) -> list[str | Text]:
    """One review's table row (two lines: title over id and theme; the id tells reviews with like titles
    apart and is what the commands take), the text clipped to ``width``."""
    nxt = "due now" if r.get("due") else _date(r.get("next_update"))
    review = Text(_clip(r.get("title") or r["id"], width))
    second = f"{r['id']} · {r['theme']}" if r.get("theme") else r["id"]
    review.append("\n" + _clip(second, width), style="dim")
    return [review, Text(f"{r['records']:,}", justify="right"),
            Text(f"{r['unscreened']:,}", justify="right"), Text(f"{r['included']:,}", justify="right"),
            _date(r.get("last_update")), nxt, stopping_cell(r.get("stopping"))]


def disabled_banner(disabled: Any) -> Text:
    """The banner over the table naming each review disabled by a protocol file that does not load."""
    items = list(disabled)
    text = Text(f"{len(items)} review(s) disabled: the protocol file does not load "
                "(fix it, then `lsr protocols check`):", style="bold")
    for item in items:
        text.append(f"\n{item.id}: {item.reason}", style="")
    return text


def progress_line(event: Any) -> tuple[str, float | None, float | None]:
    """Text and fraction from an update progress event (``lsr.search.update.UpdateEvent`` or anything printable)."""
    kind = getattr(event, "kind", None)
    if kind is None:
        return str(event), None, None
    fetched, total = getattr(event, "fetched", 0) or 0, getattr(event, "total", None)
    chunk, chunks = getattr(event, "chunk", 0), getattr(event, "chunks", 0)
    part = f" (part {chunk + 1}/{chunks})" if chunks and chunks > 1 else ""
    if kind == "start":
        return f"Updating {event.review_id}: searching…{part}", None, None
    if kind == "done":
        return f"Updating {event.review_id}: finishing…", total, total
    of = f" of {total:,}" if total else ""
    return f"Updating {event.review_id}: {fetched:,}{of} works fetched{part}", fetched, total


class HomeScreen(Screen[None]):
    """All reviews in a table; Enter opens the screener on the highlighted one."""

    DEFAULT_CSS = """
    HomeScreen #heading { height: auto; padding: 0 1; background: $primary 25%; }
    HomeScreen #disabled { height: auto; padding: 0 1; background: $error 30%; color: $text; }
    HomeScreen DataTable { height: 1fr; }
    HomeScreen #detail { height: auto; max-height: 6; padding: 0 1; color: $text-muted; }
    HomeScreen #activity { height: auto; padding: 0 1; }
    HomeScreen ProgressBar { padding: 0 1; display: none; }
    HomeScreen ProgressBar.-running { display: block; }
    """
    BINDINGS = [
        Binding("enter,s", "screen", "Screen"),
        Binding("u", "update", "Update"),
        Binding("r", "report", "Report"),
        Binding("g", "reload", "Reload"),
        Binding("C", "conflicts", "Conflicts", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, *, open_screener: Callable[[str], None], update: Callable[..., Any] | None,
                 report: Callable[..., Any] | None) -> None:
        super().__init__()
        self.open_screener, self.update_fn, self.report_fn = open_screener, update, report
        self.reviews: list[dict] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        ws = self.app.ws
        yield Static(Text.assemble(("lsr", "bold"), f" · {ws.root} · reviewer {self.app.reviewer}"), id="heading")
        if ws.disabled:
            yield Static(disabled_banner(ws.disabled.values()), id="disabled")
        yield RowTable(id="reviews")
        yield Static(id="detail")
        yield ProgressBar(show_eta=False, id="progress")
        yield Static(id="activity")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.load_status()

    def on_resize(self) -> None:
        if self.reviews:
            self._fill_table()

    def on_screen_resume(self) -> None:
        if self.reviews:
            self.load_status()

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def load_status(self) -> None:
        """Read every review's counts off the UI thread.

        Through the read-only sqlite3 reader when the database is current (no SQLAlchemy needed to show
        the table), then the database is opened here so that the first review opens without a wait.
        """
        from lsr.sqlite_reader import open_reader  # noqa: PLC0415
        from lsr.status import review_status  # noqa: PLC0415

        ws = self.app.ws
        q = open_reader(ws.settings, ws)
        if q is None:
            with ws.db.read() as session:
                rows = [review_status(ws, session, rid) for rid in ws.review_ids()]
        else:
            rows = [review_status(ws, q, rid) for rid in ws.review_ids()]
        self.post_message(StatusLoaded(rows))
        ws.db  # noqa: B018  (warm up: open the database before a review is opened)

    def on_status_loaded(self, message: StatusLoaded) -> None:
        self.reviews = message.reviews
        self._fill_table()
        if not self.reviews:
            self.query_one("#detail", Static).update(
                "No reviews yet: add a protocol file to protocols/ (see `lsr protocols check --help`).")

    def _fill_table(self) -> None:
        table = self.query_one(DataTable)
        keep = max(table.cursor_row, 0)
        table.clear(columns=True)
        width = title_width(self.size.width or self.app.size.width)
        table.add_column("Review", width=width, key="title")
        for key, label, w in FIXED_COLUMNS:
            table.add_column(label, width=w, key=key)
        for r in self.reviews:
            table.add_row(*row_cells(r, width), key=r["id"], height=2)
        if self.reviews:
            table.move_cursor(row=min(keep, len(self.reviews) - 1))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        r = self.selected()
        if r is not None:
            goals = ", ".join(str(g) for g in r.get("programme_goals") or [])
            self.query_one("#detail", Static).update(Text.assemble(
                (r["title"], "bold"), f"\n{r['id']} · {r.get('theme') or 'no theme'}",
                f" · goals {goals}" if goals else "",
                f" · screened {r['screened']:,} · excluded {r['excluded']:,} · maybe {r['maybe']:,}",
                f" · {stopping_detail(r.get('stopping'))}",
                validation_detail(r.get("known_studies"))))

    @on(DataTable.RowSelected)
    def _selected(self) -> None:
        self.action_screen()

    def selected(self) -> dict | None:
        """The highlighted review's status row."""
        table = self.query_one(DataTable)
        if not self.reviews or table.cursor_row < 0 or table.cursor_row >= len(self.reviews):
            return None
        return self.reviews[table.cursor_row]

    def action_screen(self) -> None:
        r = self.selected()
        if r is not None:
            self.open_screener(r["id"])

    def action_conflicts(self) -> None:
        """Open the conflicts view of the highlighted review (dual screening)."""
        from lsr.tui.screens.conflicts import ConflictsScreen  # noqa: PLC0415

        r = self.selected()
        if r is not None:
            self.app.push_screen(ConflictsScreen(self.app.ws, r["id"], self.app.reviewer))

    def action_reload(self) -> None:
        self.load_status()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen("Home keys", HOME_KEYS))

    def action_quit(self) -> None:
        self.app.exit()

    # -- update and report ----------------------------------------------------------------------------

    def action_update(self) -> None:
        r = self.selected()
        if r is None:
            return
        if self.update_fn is None:
            self.notify("Updating is not available in this app (it was built without an update function).",
                        severity="warning")
            return
        if self._start(f"Updating {r['id']}…"):
            self._run_update(r["id"])

    def action_report(self) -> None:
        r = self.selected()
        if r is None:
            return
        if self.report_fn is None:
            self.notify("Reports are not available in this app (it was built without a report function).",
                        severity="warning")
            return
        if self._start(f"Writing the report of {r['id']}…"):
            self._run_report(r["id"])

    def _start(self, text: str) -> bool:
        if self.busy:
            self.notify("Wait for the running task to finish.", severity="warning")
            return False
        self.busy = True
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.add_class("-running")
        self.query_one("#activity", Static).update(text)
        return True

    @work(thread=True, group="task", exit_on_error=False)
    def _run_update(self, review_id: str) -> None:
        def progress(event: Any) -> None:
            self.post_message(TaskProgress(*progress_line(event)))

        try:
            result = self.update_fn(self.app.ws, review_id, progress=progress)
        except LsrError as exc:
            self.post_message(TaskFinished(f"Update of {review_id} failed: {exc.message}", error=True))
            return
        except Exception as exc:
            self.post_message(TaskFinished(f"Update of {review_id} failed: {exc}", error=True))
            return
        status = getattr(result, "status", "ok")
        if status != "ok":
            why = getattr(result, "error", None) or status
            self.post_message(TaskFinished(f"Update of {review_id}: {why}", error=status != "not-due"))
            return
        new, dupes = getattr(result, "new_records", 0), getattr(result, "duplicates", 0)
        self.post_message(TaskFinished(f"Updated {review_id}: {new:,} new record(s), {dupes:,} duplicate(s)."))

    @work(thread=True, group="task", exit_on_error=False)
    def _run_report(self, review_id: str) -> None:
        try:
            written = self.report_fn(self.app.ws, [review_id])
        except Exception as exc:
            msg = exc.message if isinstance(exc, LsrError) else str(exc)
            self.post_message(TaskFinished(f"Report of {review_id} failed: {msg}", error=True))
            return
        paths = _paths(written)
        folder = self.app.ws.settings.review_dir(review_id)
        where = f": {len(paths)} file(s) in {folder}" if paths else ""
        names = f" ({', '.join(paths[:3])}{' …' if len(paths) > 3 else ''})" if paths else ""
        self.post_message(TaskFinished(f"Report of {review_id} written{where}{names}"))

    def on_task_progress(self, message: TaskProgress) -> None:
        self.query_one("#activity", Static).update(message.text)
        if message.total:
            self.query_one(ProgressBar).update(total=message.total, progress=message.done or 0)

    def on_task_finished(self, message: TaskFinished) -> None:
        self.busy = False
        self.query_one(ProgressBar).remove_class("-running")
        self.query_one("#activity", Static).update(message.text)
        self.notify(message.text, severity="error" if message.error else "information")
        self.load_status()


def _paths(written: Any) -> list[str]:
    """File names from whatever ``write_reports`` returns (paths, a dict of lists, or nothing)."""
    if written is None:
        return []
    if isinstance(written, dict):
        items = [p for v in written.values() for p in (v if isinstance(v, list | tuple) else [v])]
    elif isinstance(written, list | tuple):
        items = list(written)
    else:
        items = [written]
    return [getattr(p, "name", str(p)) for p in items]
