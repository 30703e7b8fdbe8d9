"""The protocol's texts in the report's language: Dutch fields when the protocol has them.

Protocols may carry ``title_nl``, ``question_nl``, ``[pico] population_nl, intervention_nl, comparison_nl,
outcomes_nl`` and ``[criteria] include_nl, exclude_nl, exclusion_reasons_nl`` (DESIGN.md, "Synthesis"). Dutch output uses them; where one is missing the English
text is shown, visibly marked "(Engelstalig)", so a Dutch reader knows it is not an oversight. The fields
are read from the parsed protocol when it knows them, else from its raw table, so this module works with
protocol models with and without those fields.
"""

from __future__ import annotations

ENGLISH_MARK = " (Engelstalig)"


def _field(proto, name: str, table: str | None = None):
    value = getattr(proto, name, None) if table is None else getattr(getattr(proto, table, None), name, None)
    if value:
        return value
    raw = proto.raw or {}
    if table is not None:
        raw = raw.get(table) or {}
    return raw.get(name) if isinstance(raw, dict) else None


def title(proto, lang: str, mark: bool = True) -> str:
    """The review's title in ``lang`` (English marked in Dutch output when no ``title_nl``)."""
    if lang != "nl":
        return proto.title
    nl = _field(proto, "title_nl")
    return str(nl).strip() if nl else proto.title + (ENGLISH_MARK if mark else "")


def question(proto, lang: str) -> str:
    """The review question in ``lang``."""
    if lang != "nl":
        return proto.question
    nl = _field(proto, "question_nl")
    return str(nl).strip() if nl else proto.question + ENGLISH_MARK


def pico(proto, key: str, lang: str) -> str:
    """``population``, ``intervention`` or ``comparison`` in ``lang`` ("" when the protocol has none)."""
    english = str(getattr(proto.pico, key) or "").strip()
    if lang != "nl" or not english:
        return english
    nl = _field(proto, f"{key}_nl", "pico")
    return str(nl).strip() if nl else english + ENGLISH_MARK


def outcomes(proto, lang: str) -> list[str]:
    """The protocol's outcomes in ``lang``."""
    english = list(proto.pico.outcomes)
    if lang != "nl":
        return english
    nl = _field(proto, "outcomes_nl", "pico")
    if nl and len(nl) == len(english):
        return [str(x) for x in nl]
    return [x + ENGLISH_MARK for x in english]


def criteria(proto, key: str, lang: str) -> list[str]:
    """``include`` or ``exclude`` criteria in ``lang``."""
    english = list(getattr(proto.criteria, key))
    if lang != "nl":
        return english
    nl = _field(proto, f"{key}_nl", "criteria")
    if nl and len(nl) == len(english):
        return [str(x) for x in nl]
    return [x + ENGLISH_MARK for x in english]


def reason(proto, text: str, lang: str) -> str:
    """An exclusion reason in ``lang``: the Dutch label at the same place in ``exclusion_reasons_nl``."""
    if lang != "nl" or not text:
        return text
    reasons = list(proto.criteria.exclusion_reasons)
    nl = _field(proto, "exclusion_reasons_nl", "criteria") or []
    lowered = [r.lower() for r in reasons]
    if text.lower() in lowered and len(nl) == len(reasons):
        return str(nl[lowered.index(text.lower())])
    return text + ENGLISH_MARK
