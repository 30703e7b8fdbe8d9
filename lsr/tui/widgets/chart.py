"""A small text plot of inclusions found against records screened (the classic screening curve)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"


def curve_rows(series: Sequence[int], width: int, height: int) -> list[str]:
    """Render a cumulative series as ``height`` rows of ``width`` block characters, top row first.

    The x axis spans the records screened so far: column ``c`` shows the value at the end of its share of
    the series (a short series repeats values across columns), scaled to the series' maximum.
    """
    width, height = max(width, 1), max(height, 1)
    if not series:
        return [" " * width for _ in range(height)]
    n, top = len(series), max(max(series), 1)
    levels = []
    for c in range(width):
        i = ((c + 1) * n) // width - 1
        value = series[i] if i >= 0 else 0
        levels.append(round(value / top * height * 8))
    rows = []
    for r in range(height - 1, -1, -1):
        floor = r * 8
        rows.append("".join(BLOCKS[min(max(lv - floor, 0), 8)] for lv in levels).ljust(width))
    return rows


class InclusionChart(Widget):
    """Inclusions (up) against records screened (right), with the two totals as axis labels."""

    DEFAULT_CSS = """
    InclusionChart { height: 4; color: $success; }
    """

    series: reactive[tuple[int, ...]] = reactive(tuple)

    def render(self) -> Text:
        width = max(self.size.width - 1, 4)
        height = max(self.size.height - 1, 1)
        rows = curve_rows(self.series, width, height)
        found = self.series[-1] if self.series else 0
        out = Text()
        for row in rows:
            out.append("│", style="dim")
            out.append(row)
            out.append("\n")
        axis = f"└ {len(self.series):,} screened · {found:,} included"
        out.append(axis[: self.size.width], style="dim")
        return out
