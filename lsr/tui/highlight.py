"""Marking the protocol's highlight terms in titles and abstracts.

Include terms and exclude terms get a foreground *and* a background colour each, so they stay readable on
dark and light themes alike (and bold + underline, for monochrome terminals). A term matches whole words,
case-insensitively, with a plural ``s``/``es``; a trailing ``*`` matches any ending (``child*``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.style import Style
from rich.text import Text

INCLUDE_STYLE = Style(color="#0b2e0b", bgcolor="#a6e3a1", bold=True)
EXCLUDE_STYLE = Style(color="#ffffff", bgcolor="#b3261e", bold=True, underline=True)


def term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for a list of highlight terms (None when the list is empty)."""
    parts = []
    for term in sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True):
        wildcard = term.endswith("*")
        words = [re.escape(w) for w in term.rstrip("*").split()]
        if not words:
            continue
        body = r"\s+".join(words)
        parts.append(rf"\b{body}\w*" if wildcard else rf"\b{body}(?:s|es)?\b")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def highlight(text: str, include: Sequence[str] = (), exclude: Sequence[str] = (), *,
              base: Style | str = "") -> Text:
    """``text`` as rich Text with include and exclude terms marked (exclude wins where both match)."""
    out = Text(text or "", style=base)
    for terms, style in ((include, INCLUDE_STYLE), (exclude, EXCLUDE_STYLE)):
        pattern = term_pattern(terms)
        if pattern is None:
            continue
        for m in pattern.finditer(out.plain):
            out.stylize(style, m.start(), m.end())
    return out
