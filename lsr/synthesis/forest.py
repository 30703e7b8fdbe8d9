"""The forest plot of one pooled outcome, drawn with matplotlib to an SVG string.

One row per study (square sized by its random-effects weight, line for its 95% CI), the pooled estimate
as a diamond, the prediction interval as a thin bar under it (from ``PI_MIN_K`` studies, as in the effect
table), and a dashed line at "no effect". Ratio
measures use a log axis labelled on the natural scale with a few readable ticks (0,25 0,5 1 2 4 ...).
Labels are in the report's language, numbers included: the axis ticks as well as the estimates beside
the rows use the decimal comma in Dutch, and negatives a real minus sign; intervals read "0,05 tot 0,65"
(``lsr.report.texts.fmt_range``). The title is the outcome's ``heading`` in the plot's language
("welbevinden (RR)" when the outcome has several measures).

When the protocol says whether more of the outcome is good (``[extraction] higher_is_better``), the two
sides of the null line are labelled under the axis, "gunstig voor de aanpak" / "gunstig voor de
vergelijkingsgroep" ("favours intervention" / "favours comparison"; the key message's names for the two
groups) (``favoured_sides``): without it there is no telling which side is good.

A correlation (r) has no groups to favour: its axis stays within -1 to 1 with the dashed line at 0 (no
association), it is labelled "Correlatie (r)", the pooled row "Gemiddelde samenhang", and the sides are not
labelled (``sides_of``).
"""

from __future__ import annotations

import math

from lsr.report.texts import fmt_range, fmt_signed
from lsr.synthesis.meta_analysis import CORRELATION, RATIO, Pooled
from lsr.synthesis.service import OutcomeResult

WORDS = {
    "nl": {"pooled": "Gemiddeld effect", "pi": "Voorspellingsinterval", "favours": "effect",
           "RR": "Relatief risico (RR)", "OR": "Oddsratio (OR)", "HR": "Hazard ratio (HR)",
           "SMD": "Gestandaardiseerd verschil (SMD)", "MD": "Verschil in gemiddelden (MD)", "title": "Forestplot", "column": "Effect (95%-BI)",
           "r": "Correlatie (r)", "pooled-r": "Gemiddelde samenhang", "column-r": "r (95%-BI)",
           "weight": "gewicht", "intervention": "gunstig voor de\naanpak",
           "control": "gunstig voor de\nvergelijkingsgroep"},
    "en": {"pooled": "Pooled (random effects)", "pi": "Prediction interval", "favours": "effect",
           "RR": "Risk ratio (RR)", "OR": "Odds ratio (OR)", "HR": "Hazard ratio (HR)",
           "SMD": "Standardised mean difference (SMD)", "MD": "Mean difference (MD)", "title": "Forest plot", "column": "Effect (95% CI)",
           "r": "Correlation (r)", "pooled-r": "Pooled association", "column-r": "r (95% CI)",
           "weight": "weight", "intervention": "favours\nintervention", "control": "favours\ncomparison"},
}
SIDES_HEIGHT = 0.3
"""Inches added under the axis for the two lines of the sides' labels."""
# Tick sets for a log (ratio) axis, tried in order: the first that puts 3 to 5 ticks inside the axis, over
# at least half its width, wins (a set with more inside is thinned to every other tick, keeping 1, until at
# most 5 are left).
LOG_TICKS = (
    (0.125, 0.25, 0.5, 1, 2, 4, 8),
    (0.5, 0.75, 1, 1.5, 2, 3),
    (0.7, 0.8, 0.9, 1, 1.1, 1.25, 1.5),
    (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100),
    (0.001, 0.01, 0.1, 1, 10, 100, 1000),
)


def _num(x: float, lang: str) -> str:
    return fmt_signed(x, lang, 2)


def log_ticks(lo: float, hi: float) -> list[float]:
    """A few readable ticks for a log axis from ``lo`` to ``hi`` (both above 0): see ``LOG_TICKS``."""
    best: list[float] = []
    for ticks in LOG_TICKS:
        inside = [t for t in ticks if lo <= t <= hi]
        step = 1
        while len(inside[::step]) > 5:
            step *= 2
        if step > 1 and 1 in inside:
            one = inside.index(1)
            inside = inside[one % step::step]
        spread = math.log(inside[-1] / inside[0]) / math.log(hi / lo) if len(inside) > 1 else 0
        if 3 <= len(inside) <= 5 and spread >= 0.5:
            return inside
        if abs(len(inside) - 4) < abs(len(best) - 4):
            best = inside
    if len(best) < 2:  # a very wide axis: one tick per power of ten
        best = [10.0 ** e for e in range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1)]
    return best


def favoured_sides(higher_is_better: bool | None) -> tuple[str, str] | None:
    """Who the left and the right of the null line favour, ("intervention", "control") or the reverse; None
    when the protocol does not say which direction is good.

    The same for ratio and difference measures: a RR or OR is the intervention group's against the control
    group's and an MD or SMD is intervention minus control, so right of the null (above 1 on the log axis,
    above 0 on the linear one) is always more of the outcome with the intervention. For an event that is bad
    (``higher_is_better = false``: dropping out, crime) a ratio below 1 favours the intervention.
    """
    if higher_is_better is None:
        return None
    return ("control", "intervention") if higher_is_better else ("intervention", "control")


def sides_of(result: OutcomeResult) -> tuple[str, str] | None:
    """The sides the plot of ``result`` labels (``favoured_sides``); None for a correlation, which compares no
    groups, and when the protocol does not say which direction is good."""
    if result.pooled.measure == CORRELATION:
        return None
    return favoured_sides(result.higher_is_better)


def _label_sides(ax, null: float, sides: tuple[str, str], w: dict[str, str], muted: str) -> None:
    """Write the two sides' labels under the tick labels, each beside the null line with an arrow outward."""
    left, right = sides
    for text, dx, align in ((f"\u2190 {w[left]}", -4, "right"), (f"{w[right]} \u2192", 4, "left")):
        ax.annotate(text, xy=(null, 0), xycoords=("data", "axes fraction"), xytext=(dx, -20),
                    textcoords="offset points", ha=align, va="top", fontsize=7.5, color=muted)


def shows_pi(p: Pooled) -> bool:
    """Whether the plot draws the prediction interval: not below ``PI_MIN_K`` studies, where the effect
    table says it is not shown (too wide to inform)."""
    from lsr.synthesis.key_message import PI_MIN_K

    return p.estimate is not None and p.pi_low is not None and p.k >= PI_MIN_K


def forest_svg(result: OutcomeResult, lang: str, salt: str) -> str:
    """The forest plot of one outcome's result (at least one study) as an inline-ready SVG string."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullLocator

    from lsr.report import style
    from lsr.report.plots import RC, _to_svg, tick_label

    w = WORDS[lang]
    p = result.pooled
    sides = sides_of(result)
    correlation = p.measure == CORRELATION
    studies = p.studies
    rows = len(studies) + (1 + shows_pi(p) if p.estimate is not None else 0)
    with plt.rc_context(RC):
        height = 0.9 + 0.32 * rows + (SIDES_HEIGHT if sides else 0)
        fig, ax = plt.subplots(figsize=(7.2, height))
        fig.subplots_adjust(left=0.27, right=0.64, top=1 - 0.7 / height,  # the title above the column heads
                            bottom=(0.5 + (SIDES_HEIGHT if sides else 0)) / height)
        ratio = p.measure in RATIO
        ys = list(range(rows, 0, -1))
        wmax = max((s.weight or 0) for s in studies) or 1
        right = []
        for y, s in zip(ys, studies, strict=False):
            lo, hi = s.ci
            ax.plot([lo, hi], [y, y], color=style.BOX_STROKE, linewidth=1)
            size = 4 + 10 * ((s.weight or wmax) / wmax) ** 0.5
            ax.plot([s.estimate], [y], marker="s", markersize=size, color=style.ACCENT, linestyle="none")
            weight = f"  {fmt_signed(100 * s.weight, lang, 1)}%" if s.weight is not None else ""
            right.append((y, f"{_num(s.estimate, lang)} ({fmt_range(lo, hi, lang, null=p.null)}){weight}"))
        labels = [s.label for s in studies]
        if p.estimate is not None:
            y = ys[len(studies)]
            d = [p.ci_low, p.estimate, p.ci_high, p.estimate]
            ax.fill(d, [y, y + 0.3, y, y - 0.3], color=style.ACCENT, zorder=3)
            right.append((y, f"{_num(p.estimate, lang)} ({fmt_range(p.ci_low, p.ci_high, lang, null=p.null)})"))
            labels.append(w["pooled-r" if correlation else "pooled"])
            if shows_pi(p):
                y2 = ys[len(studies) + 1]
                ax.plot([p.pi_low, p.pi_high], [y2, y2], color=style.MUTED, linewidth=3, solid_capstyle="butt")
                right.append((y2, f"({fmt_range(p.pi_low, p.pi_high, lang, null=p.null)})"))
                labels.append(w["pi"])
        ax.axvline(p.null, color=style.MUTED, linestyle="--", linewidth=1)
        ax.set_yticks(ys[: len(labels)], labels, fontsize=9)
        ax.set_ylim(0.4, rows + 0.6)
        if ratio:
            ax.set_xscale("log")
            lo, hi = ax.get_xlim()
            ax.set_xticks(log_ticks(lo, hi))
            ax.set_xlim(lo, hi)
            ax.xaxis.set_minor_locator(NullLocator())
        elif correlation:  # never beyond the ends of r (an interval near them would push the margins over)
            lo, hi = ax.get_xlim()
            ax.set_xlim(max(lo, -1.0), min(hi, 1.0))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: tick_label(v, lang)))
        ax.set_xlabel(w.get(p.measure, p.measure))
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        for y, text in right:
            ax.annotate(text, xy=(1.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=8.5)
        head = w["column-r" if correlation else "column"] + (f"  {w['weight']}" if any(s.weight is not None for s in studies) else "")
        ax.annotate(head, xy=(1.02, rows + 0.6), xycoords=("axes fraction", "data"), va="bottom", fontsize=8,
                    color=style.MUTED)
        if sides is not None:
            _label_sides(ax, p.null, sides, w, style.MUTED)
            ax.xaxis.labelpad = 30  # the axis name under the sides' two lines
        ax.set_title(f"{w['title']}: {result.heading(lang)}", loc="left", pad=16)  # clear of the column heads
        return _to_svg(fig, salt)
