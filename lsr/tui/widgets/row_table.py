"""The tables whose rows are chosen with Enter: the reviews, the conflicts and the included studies.

Textual's ``DataTable`` gives Home and End to horizontal scrolling. With a row cursor that moves the view
but not the cursor, so the Enter that followed opened the row the cursor had stayed on (often the first),
not the one the reader jumped to. In these tables Home and End move the cursor to the first and the last row,
as Ctrl+Home and Ctrl+End already do; PageUp and PageDown already move the cursor by a page.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable):
    """A ``DataTable`` with a zebra-striped row cursor whose Home/End go to the first/last row.

    Args:
        **kwargs: passed on to ``DataTable`` (``id``, ``classes``, …).
    """

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
