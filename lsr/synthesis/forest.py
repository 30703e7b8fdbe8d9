"""The forest plot of one pooled outcome, drawn with matplotlib to an SVG string.

One row per study (square sized by its random-effects weight, line for its 95% CI), the pooled estimate
as a diamond, the prediction interval as a thin bar under it, and a dashed line at "no effect". Ratio
measures use a log axis labelled on the natural scale. Labels are in the report's language.
"""

from __future__ import annotations

from lsr.synthesis.meta_analysis import RATIO, Pooled

WORDS = {
    "nl": {"pooled": "Gemiddeld effect", "pi": "Voorspellingsinterval", "favours": "effect",
           "RR": "Relatief risico (RR)", "OR": "Oddsratio (OR)", "SMD": "Gestandaardiseerd verschil (SMD)",
           "MD": "Verschil in gemiddelden (MD)", "title": "Forest plot"},
    "en": {"pooled": "Pooled (random effects)", "pi": "Prediction interval", "favours": "effect",
           "RR": "Risk ratio (RR)", "OR": "Odds ratio (OR)", "SMD": "Standardised mean difference (SMD)",
           "MD": "Mean difference (MD)", "title": "Forest plot"},
}


def _num(x: float, lang: str) -> str:
    text = f"{x:.2f}"
    return text.replace(".", ",") if lang == "nl" else text


def forest_svg(p: Pooled, lang: str, salt: str) -> str:
    """The forest plot of ``p`` (at least one study) as an inline-ready SVG string."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from lsr.report import style
    from lsr.report.plots import RC, _to_svg

    w = WORDS[lang]
    studies = p.studies
    rows = len(studies) + (2 if p.estimate is not None else 0)
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(6.6, 0.9 + 0.32 * rows))
        fig.subplots_adjust(left=0.3, right=0.72, top=1 - 0.45 / (0.9 + 0.32 * rows), bottom=0.5 / (0.9 + 0.32 * rows))
        ratio = p.measure in RATIO
        ys = list(range(rows, 0, -1))
        wmax = max((s.weight or 0) for s in studies) or 1
        right = []
        for y, s in zip(ys, studies, strict=False):
            lo, hi = s.ci
            ax.plot([lo, hi], [y, y], color=style.BOX_STROKE, linewidth=1)
            size = 4 + 10 * ((s.weight or wmax) / wmax) ** 0.5
            ax.plot([s.estimate], [y], marker="s", markersize=size, color=style.ACCENT, linestyle="none")
            weight = f"  {_num(100 * s.weight, lang)}%" if s.weight is not None else ""
            right.append((y, f"{_num(s.estimate, lang)} [{_num(lo, lang)}; {_num(hi, lang)}]{weight}"))
        labels = [s.label for s in studies]
        if p.estimate is not None:
            y = ys[len(studies)]
            d = [p.ci_low, p.estimate, p.ci_high, p.estimate]
            ax.fill(d, [y, y + 0.3, y, y - 0.3], color=style.ACCENT, zorder=3)
            right.append((y, f"{_num(p.estimate, lang)} [{_num(p.ci_low, lang)}; {_num(p.ci_high, lang)}]"))
            labels.append(w["pooled"])
            if p.pi_low is not None:
                y2 = ys[len(studies) + 1]
                ax.plot([p.pi_low, p.pi_high], [y2, y2], color=style.MUTED, linewidth=3, solid_capstyle="butt")
                right.append((y2, f"[{_num(p.pi_low, lang)}; {_num(p.pi_high, lang)}]"))
                labels.append(w["pi"])
        ax.axvline(p.null, color=style.MUTED, linestyle="--", linewidth=1)
        ax.set_yticks(ys[: len(labels)], labels, fontsize=9)
        ax.set_ylim(0.4, rows + 0.6)
        if ratio:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _num(v, lang).rstrip("0").rstrip(",.")))
            ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(w.get(p.measure, p.measure))
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        for y, text in right:
            ax.annotate(text, xy=(1.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=8.5)
        ax.set_title(f"{w['title']}: {p.outcome}", loc="left")
        return _to_svg(fig, salt)
