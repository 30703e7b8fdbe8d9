"""The record being screened: title, authors, year, venue, identifiers and the scrollable abstract.

Also the words that mark a record OpenAlex flags as retracted (``marked_if_retracted``), for every view of
a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from lsr.tui.highlight import highlight

if TYPE_CHECKING:  # a Record, or a RecordPreview (the same attributes) shown before SQLAlchemy is loaded
    from lsr.models import Record
    from lsr.screening.labels import Label

MAX_AUTHORS = 6
RETRACTED_MARK = "RETRACTED (OpenAlex) · "


def marked_if_retracted(record: Record, text: Text) -> Text:
    """``text`` led by ``RETRACTED (OpenAlex) ·`` in bold red when OpenAlex flags the record's work as retracted.

    Every view that names a record (the record view, the list of included studies, the extraction view)
    marks a retraction through this, so they all say it the same way.
    """
    if not getattr(record, "is_retracted", False):
        return text
    return Text.assemble((RETRACTED_MARK, "bold red"), text, overflow=text.overflow, no_wrap=text.no_wrap)


def authors_of(record: Record) -> list[str]:
    """The record's author names (empty when unknown or unreadable)."""
    try:
        names = record.authors
    except ValueError:
        return []
    return [str(n) for n in names if n]


def record_links(record: Record) -> list[str]:
    """Web links of a record: its DOI and OpenAlex pages."""
    links = []
    if record.doi:
        links.append(f"https://doi.org/{record.doi}")
    if record.openalex_id:
        links.append(f"https://openalex.org/{record.openalex_id}")
    return links


def meta_line(record: Record) -> Text:
    """``Authors · year · venue`` with long author lists shortened."""
    names = authors_of(record)
    who = ", ".join(names[:MAX_AUTHORS]) + (f" + {len(names) - MAX_AUTHORS} more" if len(names) > MAX_AUTHORS else "")
    parts = [p for p in (who or "(no authors)", str(record.year or "n.d."), record.venue or "") if p]
    return Text(" · ".join(parts))


def ids_line(record: Record, rank: int | None = None) -> Text:
    """DOI, OpenAlex id and lsr id (and the rank, 0 = first, when ranked)."""
    out = Text(style="dim")
    out.append(f"DOI {record.doi}" if record.doi else "no DOI")
    out.append(" · ")
    out.append(f"OpenAlex {record.openalex_id}" if record.openalex_id else "no OpenAlex id")
    out.append(f" · lsr #{record.id}")
    if rank is not None:
        out.append(f" · rank {rank + 1:,}")
    return out


def twins_line(twins: Sequence[Record]) -> str:
    """``Same title as #118 (2015, W9000000002): …``: the records that may report the same study."""
    named = "; ".join(f"#{r.id} ({', '.join(str(x) for x in (r.year, r.openalex_id or r.doi) if x)})"
                      for r in twins[:3]) + (f" and {len(twins) - 3} more" if len(twins) > 3 else "")
    return (f"Same title as {named}: possibly another version of this study (a preprint and its journal article "
            "are one study; / finds a record by its number).")


class RecordView(VerticalScroll, can_focus=True):
    """Shows one record; scroll the abstract with the arrow keys, PgUp/PgDn, or the mouse."""

    DEFAULT_CSS = """
    RecordView {
        padding: 0 1; scrollbar-size-vertical: 1; scrollbar-background: $surface;
        scrollbar-color: $primary 40%;
    }
    RecordView > #title { text-style: bold; margin-bottom: 1; }
    RecordView > #mine { color: $warning; }
    RecordView > #twins { color: $warning; }
    RecordView > #abstract { margin-top: 1; }
    RecordView > #empty { color: $text-muted; margin-top: 2; }
    """

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.include, self.exclude = tuple(include), tuple(exclude)
        self.record_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="meta")
        yield Static(id="ids")
        yield Static(id="mine")
        yield Static(id="twins")
        yield Static(id="abstract")
        yield Static(id="empty")

    def show(self, record: Record | None, *, my_label: Label | None = None, empty: str = "",
             rank: int | None = None, twins: Sequence[Record] = ()) -> None:
        """Display a record (None: the ``empty`` message) and its ``rank``, and scroll back to its top.

        ``twins``: other records with the same title (``dedupe.same_title_records``), named in a warning line.
        """
        self.record_id = record.id if record is not None else None
        title, meta, ids, mine, twin, abstract, blank = (
            self.query_one(f"#{n}", Static) for n in ("title", "meta", "ids", "mine", "twins", "abstract", "empty"))
        twin.display = record is not None and bool(twins)
        if twin.display:
            twin.update(twins_line(twins))
        if record is None:
            for w in (title, meta, ids, mine, abstract):
                w.update("")
            blank.update(empty)
            blank.display = True
        else:
            blank.display = False
            title.update(highlight(record.title or "(no title)", self.include, self.exclude))
            meta.update(marked_if_retracted(record, meta_line(record)))
            ids.update(ids_line(record, rank))
            mine.display = my_label is not None
            if my_label is not None:
                reason = f" ({my_label.reason})" if my_label.reason else ""
                mine.update(f"Your current label: {my_label.label}{reason}. A new key press replaces it.")
            abstract.update(highlight(record.abstract, self.include, self.exclude) if record.abstract
                            else Text("(no abstract)", style="dim italic"))
        self.scroll_home(animate=False)
