"""Plots for the summaries, drawn with matplotlib (Agg backend) straight to SVG strings.

Text is converted to paths (``svg.fonttype = 'path'``) so the SVG needs no fonts on the reader's machine;
element ids are salted per plot so several plots can be inlined in one HTML page; the output carries no
date, so regenerating a report without new data gives the same file. Axis numbers are written the way
the report's language writes numbers (``tick_label``: ``0,25`` and ``1.000`` in Dutch, a real minus sign);
count axes have whole-number ticks only.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from lsr.report import style  # noqa: E402
from lsr.report.texts import MINUS  # noqa: E402

RC = {
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
}
LABELS = {
    "nl": {
        "screened": "Beoordeelde publicaties",
        "found": "Gevonden relevante publicaties",
        "random": "Verwacht bij willekeurige volgorde",
        "lsr": "Werkelijk (gerangschikt)",
        "records": "Treffers",
        "new": "Nieuw",
        "dup": "Dubbel",
        "curve_title": "Relevante publicaties gevonden",
        "runs_title": "Treffers per zoekactie",
        "empty": "Nog niets beoordeeld",
    },
    "en": {
        "screened": "Records screened",
        "found": "Relevant records found",
        "random": "Expected in random order",
        "lsr": "Observed (ranked)",
        "records": "Hits",
        "new": "New",
        "dup": "Duplicates",
        "curve_title": "Relevant records found",
        "runs_title": "Hits per search run",
        "empty": "Nothing screened yet",
    },
}


def tick_label(v: float, lang: str) -> str:
    """An axis number as ``lang`` writes it, without trailing zeros: ``0,25``, ``1.000``, ``−0,5`` (nl);
    ``0.25``, ``1,000``, ``−0.5`` (en)."""
    if abs(v) < 1e-12:
        return "0"
    whole, _, frac = f"{abs(v):.6f}".rstrip("0").partition(".")
    whole = f"{int(whole):,}"
    if lang == "nl":
        text = whole.replace(",", ".") + ("," + frac if frac else "")
    else:
        text = whole + ("." + frac if frac else "")
    return MINUS + text if v < 0 else text


def language_axis(axis, lang: str, counts: bool = False) -> None:
    """Label ``axis`` (``ax.xaxis``/``ax.yaxis``) with ``tick_label``; ``counts``: whole-number ticks only."""
    if counts:
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: tick_label(v, lang)))


def _to_svg(fig, salt: str) -> str:
    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": salt}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "lsr"})  # fixed margins: one draw
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG is inlined in HTML
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r"<svg\1", text, count=1)
    text = re.sub(r"<style[^>]*>.*?</style>", "", text, flags=re.S)  # matplotlib's global ``*`` rule
    text = re.sub(r'\bid="([^"]+)"', rf'id="{salt}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{salt}-\1)", text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{salt}-\1"', text)
    return text.replace("<svg", '<svg role="img" stroke-linejoin="round" stroke-linecap="butt"', 1)


def curve_svg(curve: Sequence[int], lang: str, salt: str) -> str:
    """Cumulative relevant records against records screened, with the random-order expectation.

    Args:
        curve: after each screened record (in screening order), how many were relevant so far.
        lang: ``nl`` or ``en``.
        salt: unique prefix for the SVG's element ids.
    """
    words = LABELS[lang]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.4, 3.6))
        fig.subplots_adjust(left=0.11, right=0.97, bottom=0.15, top=0.9)
        if curve:
            xs = list(range(0, len(curve) + 1))
            ax.step(xs, [0, *curve], where="post", color=style.ACCENT, linewidth=2, label=words["lsr"])
            ax.plot(
                [0, len(curve)],
                [0, curve[-1]],
                linestyle="--",
                color=style.MUTED,
                linewidth=1.2,
                label=words["random"],
            )
            ax.set_xlim(0, max(len(curve), 1))
            ax.set_ylim(0, max(curve[-1], 1) * 1.08)
            ax.legend(loc="lower right", frameon=False)
        else:
            ax.text(
                0.5, 0.5, words["empty"], ha="center", va="center", transform=ax.transAxes, color=style.MUTED
            )
        ax.set_xlabel(words["screened"])
        ax.set_ylabel(words["found"])
        language_axis(ax.xaxis, lang, counts=True)
        language_axis(ax.yaxis, lang, counts=True)
        ax.set_title(words["curve_title"], loc="left")
        ax.grid(axis="y", color=style.LINE, linewidth=0.6)
        return _to_svg(fig, salt)


def runs_svg(runs: Sequence[tuple[datetime, str, int, int, bool]], lang: str, salt: str) -> str:
    """Stacked bars of new records and duplicates per search run, the current round shaded.

    Args:
        runs: per run, oldest first: (started, source name, new records, duplicate hits, in current round).
        lang: ``nl`` or ``en``.
        salt: unique prefix for the SVG's element ids.
    """
    words = LABELS[lang]
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.4, 3.4))
        fig.subplots_adjust(left=0.11, right=0.97, bottom=0.2 if len(runs) <= 8 else 0.3, top=0.88)
        xs = list(range(len(runs)))
        new = [r[2] for r in runs]
        dup = [r[3] for r in runs]
        current = [i for i, r in enumerate(runs) if r[4]]
        if current:
            ax.axvspan(min(current) - 0.5, max(current) + 0.5, color=style.PHASE_FILL, zorder=0)
        ax.bar(xs, new, color=style.ACCENT, label=words["new"], zorder=2)
        ax.bar(xs, dup, bottom=new, color=style.DUPLICATE, label=words["dup"], zorder=2)
        ax.set_xticks(xs, [f"{r[0]:%Y-%m-%d}\n{r[1][:14]}" for r in runs], fontsize=8)
        if len(runs) > 8:
            plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
        ax.set_xlim(-0.6, max(len(runs) - 0.4, 0.6))
        ax.set_ylim(0, max([n + d for n, d in zip(new, dup, strict=True)] or [1]) * 1.1 or 1)
        ax.set_ylabel(words["records"])
        language_axis(ax.yaxis, lang, counts=True)
        ax.set_title(words["runs_title"], loc="left")
        ax.grid(axis="y", color=style.LINE, linewidth=0.6, zorder=1)
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1.0), frameon=False, ncols=2)
        return _to_svg(fig, salt)
