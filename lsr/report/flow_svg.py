"""The PRISMA 2020 flow diagram for updated (living) reviews, drawn as hand-built SVG.

Layout: a left column for the studies included in the previous version, a main column for the new
round (identification → screening → full text → new studies), a side column with what left the flow
(duplicates, exclusions, reports not retrieved, exclusions by reason), and dashed boxes for the states
only a living review has (records not yet screened, undecided, awaiting the full text). The identification
box lists the databases (OpenAlex and imports from bibliographic databases) and the other sources
(``lsr.report.prisma.source_kind``) in one box, because lsr de-duplicates all sources into one pool before
screening, plus the records from earlier searches decided in this round. Under the previous version's box,
a box counts its studies that are no longer included, by reason, so that previous - no longer included +
new = total. Every box carries ``data-box`` and ``data-n`` attributes so tests can read it back.
"""

from __future__ import annotations

import textwrap
from html import escape

from lsr.report import style
from lsr.report.prisma import BOX_WORDS as T
from lsr.report.prisma import NO_REASON, Flow
from lsr.report.texts import fmt_int


def left_reason(why: str, reason: str, lang: str) -> str:
    """Why a study of the previous version is no longer included, in words (``prisma.Left``)."""
    t = T[lang]
    text = t.get(f"left_{why}", why)
    return f"{text}: {reason}" if why in ("ft", "ta") and reason != NO_REASON else text

def unscreened_label(lang: str, per_round: bool) -> str:
    """The "not yet screened" box: of this round in an updated review's diagram, of every record found so far
    in the first (cumulative) one."""
    return T[lang]["unscreened" if per_round else "unscreened_all"]


FONT = 13
LINE_H = 17
PAD = 9
CHAR_W = 0.56 * FONT  # DejaVu Sans / Arial average; wrapping keeps a margin
GAP = 30


class _Box:
    """A box: its lines (wrapped to its width), id, count and style."""

    def __init__(
        self,
        key: str,
        n: int | None,
        lines: list[str],
        width: float,
        dashed: bool = False,
        fill: str = style.BOX_FILL,
    ) -> None:
        self.key, self.n, self.width, self.dashed, self.fill = key, n, width, dashed, fill
        chars = max(int((width - 2 * PAD) / CHAR_W), 8)
        self.lines: list[str] = []
        for line in lines:
            indent = len(line) - len(line.lstrip())
            self.lines += textwrap.wrap(
                line.strip(),
                chars,
                initial_indent=" " * indent,
                subsequent_indent=" " * (indent + 2 if indent else 0),
            ) or [""]
        self.height = 2 * PAD + LINE_H * len(self.lines)
        self.x = self.y = 0.0

    def svg(self) -> str:
        dash = ' stroke-dasharray="5 4"' if self.dashed else ""
        n = f' data-n="{self.n}"' if self.n is not None else ""
        out = [
            f'<g data-box="{self.key}"{n}>',
            f'<rect x="{self.x:.1f}" y="{self.y:.1f}" width="{self.width:.1f}" height="{self.height:.1f}" '
            f'rx="3" fill="{self.fill}" stroke="{style.BOX_STROKE}" stroke-width="1.2"{dash}/>',
        ]
        top = self.y + PAD + LINE_H * 0.78 + (self.height - 2 * PAD - LINE_H * len(self.lines)) / 2
        for i, line in enumerate(self.lines):
            indent = (len(line) - len(line.lstrip())) * CHAR_W
            out.append(
                f'<text x="{self.x + PAD + indent:.1f}" y="{top + i * LINE_H:.1f}">{escape(line.strip())}'
                "</text>"
            )
        out.append("</g>")
        return "".join(out)


def _n(label: str, n: int, lang: str) -> str:
    return f"{label} (n\u00a0=\u00a0{fmt_int(n, lang)})"  # no-break spaces: "(n = 12)" never wraps


def _arrow(x1: float, y1: float, x2: float, y2: float, marker: str) -> str:
    return (
        f'<path d="M{x1:.1f},{y1:.1f} L{x2:.1f},{y2:.1f}" stroke="{style.BOX_STROKE}" stroke-width="1.4" '
        f'fill="none" marker-end="url(#{marker})"/>'
    )


def _rows(
    flow: Flow, lang: str, with_previous: bool, main_w: float, side_w: float
) -> list[tuple[_Box, list[_Box]]]:
    t, c = T[lang], flow.current
    ident = [t["identified"], t["databases"]]
    ident += [f"  {_n(src, n, lang)}" for src, n in sorted(c.databases.items())] or [f"  {t['none']}"]
    ident += [t["other"]]
    ident += [f"  {_n(src, n, lang)}" for src, n in sorted(c.other_sources.items())] or [f"  {t['none']}"]
    if c.carried_over:
        ident += [_n(t["carried"], c.carried_over, lang)]
    reasons = [t["ft_excluded"]] + [
        f"  {_n(r if r != NO_REASON else t['no_reason'], n, lang)}"
        for r, n in sorted(c.ft_excluded_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    if len(reasons) == 1:
        reasons.append(f"  {_n(t['none'], 0, lang)}")
    return [
        (
            _Box("identified", c.identified, ident, main_w),
            [
                _Box(
                    "duplicates",
                    c.duplicates,
                    [t["removed"], f"  {_n(t['duplicates'], c.duplicates, lang)}"],
                    side_w,
                )
            ],
        ),
        (
            _Box("screened", c.screened, [_n(t["screened"], c.screened, lang)], main_w),
            [
                _Box("excluded", c.ta_excluded, [_n(t["excluded"], c.ta_excluded, lang)], side_w),
                _Box(
                    "unscreened", c.unscreened, [_n(unscreened_label(lang, with_previous), c.unscreened, lang)],
                    side_w, dashed=True,
                ),
                _Box("maybe", c.ta_maybe, [_n(t["maybe"], c.ta_maybe, lang)], side_w, dashed=True),
            ],
        ),
        (
            _Box("sought", c.ta_included, [_n(t["sought"], c.ta_included, lang)]
                 + ([_n(t["ft_earlier"], c.ft_earlier, lang)] if c.ft_earlier else []), main_w),
            [
                _Box(
                    "not_retrieved",
                    c.ft_not_retrieved,
                    [_n(t["not_retrieved"], c.ft_not_retrieved, lang)],
                    side_w,
                ),
                _Box("pending", c.ft_pending, [_n(t["pending"], c.ft_pending, lang)], side_w, dashed=True),
            ],
        ),
        (
            _Box("assessed", c.ft_assessed, [_n(t["assessed"], c.ft_assessed, lang)], main_w),
            [
                _Box("ft_excluded", c.ft_excluded, reasons, side_w),
                _Box("ft_maybe", c.ft_maybe, [_n(t["ft_maybe"], c.ft_maybe, lang)], side_w, dashed=True),
            ],
        ),
        (
            _Box(
                "new_included",
                c.ft_included,
                [_n(t["new" if with_previous else "included"], c.ft_included, lang)],
                main_w,
                fill=style.NEW_FILL,
            ),
            [],
        ),
    ]


def flow_svg(
    flow: Flow,
    lang: str,
    with_previous: bool = True,
    uid: str = "prisma",
    narrow: bool = False,
    previous_label: str | None = None,
) -> str:
    """The flow diagram of the current round as an SVG string.

    Args:
        flow: counts of every round (``lsr.report.prisma.prisma_flow``).
        lang: ``nl`` or ``en``.
        with_previous: draw the previous version's studies and the total (False for a first report).
        uid: prefix for element ids, unique within an HTML page.
        narrow: the phone layout (two narrow columns; the previous version's box sits beside the new
            studies) instead of the wide PRISMA layout with a column for the previous version.
        previous_label: the previous version box's wording when it is not a previous report's (``--since``:
            "Studies included before <date>").
    """
    t = T[lang]
    left = 36.0
    if narrow:
        prev_w, main_w, side_w, between = 150.0, 170.0, 150.0, 22.0
        main_x = left
    else:
        prev_w, main_w, side_w, between = 180.0, 300.0, 270.0, 34.0
        main_x = left + (prev_w + 24 if with_previous else 0)
    side_x = main_x + main_w + between
    width = side_x + side_w + 8
    top = 52.0
    rows = _rows(flow, lang, with_previous, main_w, side_w)
    marker = f"{uid}-arrow"
    parts: list[str] = []
    y = top
    phase_spans: list[tuple[float, float]] = []
    mains: list[_Box] = []
    prev_box = _Box(
        "previous_included",
        flow.previous_included,
        [_n(previous_label or t["previous"], flow.previous_included, lang)],
        side_w if narrow else prev_w,
        fill=style.PREVIOUS_FILL,
    )
    left_box = None
    if with_previous and flow.left:
        lines = [_n(t["left"], flow.no_longer_included, lang)]
        lines += [
            f"  {_n(left_reason(why, reason, lang), n, lang)}"
            for (why, reason), n in sorted(flow.left_by_reason().items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        left_box = _Box(
            "no_longer_included", flow.no_longer_included, lines, side_w if narrow else prev_w,
            dashed=True, fill=style.PREVIOUS_FILL,
        )
    if with_previous and narrow:
        rows[-1][1].append(prev_box)
        if left_box is not None:
            rows[-1][1].append(left_box)
    for main, sides in rows:
        first = sides[0].height if sides else 0
        main.height = max(main.height, first)
        main.x, main.y = main_x, y
        sy = y
        for i, side in enumerate(sides):
            if i == 0:
                side.height = main.height
            side.x, side.y = side_x, sy
            sy += side.height + 8
            parts.append(side.svg())
        if sides and sides[0] is not prev_box:
            parts.append(
                _arrow(main_x + main_w, y + main.height / 2, side_x - 2, y + main.height / 2, marker)
            )
        if mains:
            prev = mains[-1]
            parts.append(
                _arrow(main_x + main_w / 2, prev.y + prev.height, main_x + main_w / 2, y - 2, marker)
            )
        mains.append(main)
        parts.append(main.svg())
        phase_spans.append((y, max(y + main.height, sy - 8)))
        y = max(y + main.height, sy - 8) + GAP
    if with_previous:
        total = _Box(
            "total_included",
            flow.total_included,
            [_n(t["total"], flow.total_included, lang)],
            main_w,
            fill=style.NEW_FILL,
        )
        total.x, total.y = main_x, y
        last, mid = mains[-1], y + total.height / 2
        above = left_box if left_box is not None else prev_box  # the path to the total starts under it
        if narrow:
            px, end = side_x + side_w / 2, main_x + main_w + 2
        else:
            prev_box.x, prev_box.y = left, top
            parts.append(prev_box.svg())
            if left_box is not None:
                left_box.x, left_box.y = left, top + prev_box.height + 8
                parts.append(left_box.svg())
            px, end = left + prev_w / 2, main_x - 2
        parts += [
            total.svg(),
            _arrow(main_x + main_w / 2, last.y + last.height, main_x + main_w / 2, y - 2, marker),
            f'<path d="M{px:.1f},{above.y + above.height:.1f} L{px:.1f},{mid:.1f} '
            f'L{end:.1f},{mid:.1f}" '
            f'stroke="{style.BOX_STROKE}" stroke-width="1.4" fill="none" marker-end="url(#{marker})"/>',
        ]
        phase_spans.append((y, y + total.height))
        y += total.height + GAP
    parts += _headers(t, left, prev_w, main_x, width, with_previous and not narrow)
    spans = _phase_bands(
        [(phase_spans[0][0], phase_spans[0][1]), (phase_spans[1][0], phase_spans[3][1]),
         (phase_spans[4][0], phase_spans[-1][1])], t["phases"])
    for (y0, y1, size), label in zip(spans, t["phases"], strict=True):
        cx, cy = 17.0, (y0 + y1) / 2
        font = f' font-size="{size:.1f}"' if size < FONT else ""
        parts.append(
            f'<rect x="4" y="{y0:.1f}" width="26" height="{y1 - y0:.1f}" rx="4" '
            f'fill="{style.PHASE_FILL}"/><text x="{cx}" y="{cy:.1f}" transform="rotate(-90 {cx} {cy:.1f})" '
            f'text-anchor="middle" dominant-baseline="central" font-weight="bold"{font} '
            f'data-phase="{escape(label)}">{escape(label)}</text>'
        )
    height = max(y - GAP, spans[-1][1]) + 8
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
        f'height="{height:.0f}" role="img" aria-labelledby="{uid}-title" font-family="{style.FONT_STACK}" '
        f'font-size="{FONT}" fill="{style.BOX_STROKE}"><title id="{uid}-title">{escape(t["title"])}</title>'
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{style.BOX_STROKE}"/></marker></defs>'
        f'<rect width="100%" height="100%" fill="#ffffff"/>{"".join(parts)}</svg>'
    )


def _phase_bands(spans: list[tuple[float, float]], labels: tuple[str, ...]) -> list[tuple[float, float, float]]:
    """The phase bands on the left as ``(top, bottom, font size)``, each label fitting its band so that no
    rotated label is cut off: a short band grows into the gaps around it (never into another band; the
    last may grow downwards and the diagram with it), and only a label still too long gets a smaller font."""
    out: list[tuple[float, float, float]] = []
    for i, ((y0, y1), label) in enumerate(zip(spans, labels, strict=True)):
        per_px = len(label) * CHAR_W * 1.2 / FONT  # label length per pixel of font size (bold, with margin)
        need = per_px * FONT + 2 * PAD
        lo = out[-1][1] + 4 if out else y0  # the first band starts under the column headers
        hi = spans[i + 1][0] - 4 if i + 1 < len(spans) else float("inf")
        if y1 - y0 < need:
            grow = need - (y1 - y0)
            y0 = max(y0 - grow / 2, lo)
            y1 = min(y0 + need, hi)
        font = min(FONT, (y1 - y0 - 2 * PAD) / per_px)
        out.append((y0, y1, font))
    return out


def _headers(
    t: dict, left: float, prev_w: float, main_x: float, width: float, with_previous: bool
) -> list[str]:
    out = []
    heads = [(left, prev_w, t["previous_head"], style.PREVIOUS_FILL)] if with_previous else []
    heads.append((main_x, width - main_x - 8, t["new_head"], style.PHASE_FILL))
    for x, w, text, fill in heads:
        lines = textwrap.wrap(text, max(int((w - 12) / (CHAR_W * 1.15)), 10))[:2]  # bold is wider
        h = 30 if len(lines) == 1 else 38
        out.append(f'<rect x="{x:.1f}" y="{46 - h}" width="{w:.1f}" height="{h}" rx="4" fill="{fill}"/>')
        for i, line in enumerate(lines):
            ly = 46 - h / 2 + (i - (len(lines) - 1) / 2) * (LINE_H - 2)
            out.append(
                f'<text x="{x + w / 2:.1f}" y="{ly:.1f}" text-anchor="middle" dominant-baseline="central" '
                f'font-weight="bold">{escape(line)}</text>'
            )
    return out
