"""Protocol amendments in a review's summary (PRISMA 2020 item 24c).

This module owns what the reports say about the protocol's history: every version the database recorded
(``protocol_version``: label, moment, content), the date each was first used by a search or import, and
which parts changed from the version before. The parts are found by comparing the recorded protocol JSON of
consecutive versions key by key (search query, search filters, inclusion and exclusion criteria, PICO,
screening, schedule, other), not by a full diff. Why a protocol was amended is not in the database, so the
reports do not say it. When the search (query or filters) changed in the period a report covers, "what
changed" says so in one sentence: new records of that period may come from the changed search, not only from
newly published work.

``recorded_versions`` reads the versions (``collect`` keeps them in ``ReviewData.protocol_versions``);
``amendments_section`` adds the sentence and the section to a summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lsr.protocol import amended_content, is_translation_key
from lsr.report.document import Doc, H, P, Table
from lsr.report.texts import fmt_date, fmt_int, fmt_version

if TYPE_CHECKING:
    from sqlmodel import Session

    from lsr.report.collect import ReviewData

PARTS = ("query", "filters", "criteria", "pico", "screening", "schedule", "translation", "other")
"""The parts of a protocol an amendment is described by, in the order the reports list them."""

PART_WORDS = {
    "nl": {"query": "zoekvraag", "filters": "zoekfilters", "criteria": "in- en exclusiecriteria", "pico": "PICO",
           "screening": "screening", "schedule": "updateschema", "translation": "Nederlandse vertaling",
           "other": "overige onderdelen"},
    "en": {"query": "search query", "filters": "search filters", "criteria": "inclusion and exclusion criteria",
           "pico": "PICO", "screening": "screening", "schedule": "update schedule", "translation": "Dutch translation",
           "other": "other parts"},
}
SEARCH_PARTS = frozenset({"query", "filters"})
CRITERIA_KEYS = frozenset({"include", "exclude", "exclusion_reasons"})
# [criteria] highlight only colours the screener: "other"; every ``*_nl`` key is a translation


@dataclass(frozen=True)
class RecordedVersion:
    """One recorded protocol content of a review."""

    version: str
    recorded_at: datetime
    content: dict = field(repr=False)


@dataclass(frozen=True)
class Amendment:
    """A recorded version as the report lists it."""

    version: str
    first_used: datetime | None  # the first search or import under this content (None: not used yet)
    recorded_at: datetime
    changed: tuple[str, ...]  # ``PARTS`` that differ from the version before (empty for the first)
    same_label: bool  # recorded under the label of the version before (``version`` was not bumped)
    first_update_new: int = 0  # new records of the first OpenAlex update under this content


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def recorded_versions(session: Session, review_id: str) -> list[RecordedVersion]:
    """Every protocol content the review has had, oldest first (unreadable JSON counts as empty)."""
    from sqlmodel import select  # noqa: PLC0415

    from lsr.models import ProtocolVersion  # noqa: PLC0415

    out = []
    for row in session.exec(select(ProtocolVersion).where(ProtocolVersion.review_id == review_id)
                            .order_by(ProtocolVersion.id)):
        try:
            content = row.protocol_raw
        except ValueError:
            content = {}
        out.append(RecordedVersion(row.version, _utc(row.recorded_at), content if isinstance(content, dict) else {}))
    return out


def _part(table: str, key: str | None) -> str:
    if is_translation_key(key or table):
        return "translation"
    if table == "search":
        return key if key in SEARCH_PARTS else "other"
    if table == "criteria":
        return "criteria" if key in CRITERIA_KEYS else "other"
    return table if table in ("pico", "screening", "schedule") else "other"


def changed_parts(before: dict, after: dict) -> tuple[str, ...]:
    """The ``PARTS`` in which two recorded protocol contents differ (the ``version`` label itself ignored)."""
    found: set[str] = set()
    for key in (set(before) | set(after)) - {"version"}:
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) or isinstance(new, dict):
            old, new = old if isinstance(old, dict) else {}, new if isinstance(new, dict) else {}
            found |= {_part(key, sub) for sub in set(old) | set(new) if old.get(sub) != new.get(sub)}
            if not (old or new):
                found.add(_part(key, None))
        else:
            found.add(_part(key, None))
    return tuple(p for p in PARTS if p in found)


def amendments(d: ReviewData) -> list[Amendment]:
    """The review's recorded versions with their first use (from the search log) and what changed."""
    versions = d.protocol_versions
    runs = sorted((r.run for r in d.runs), key=lambda run: _utc(run.started_at))
    out = []
    for i, v in enumerate(versions):
        begin = v.recorded_at if i else None  # runs before the first recorded version ran under it
        end = versions[i + 1].recorded_at if i + 1 < len(versions) else None
        used = [r for r in runs if (begin is None or _utc(r.started_at) >= begin)
                and (end is None or _utc(r.started_at) < end)]
        update = next((r for r in used if r.kind == "update"), None)
        previous = versions[i - 1] if i else None
        out.append(Amendment(
            v.version, _utc(used[0].started_at) if used else None, v.recorded_at,
            changed_parts(previous.content, v.content) if previous else (),
            previous is not None and previous.version == v.version
            and amended_content(previous.content) != amended_content(v.content),  # a translation needs no bump
            update.new_records if update is not None else 0,
        ))
    return out


def _join(words: list[str], lang: str) -> str:
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + (" en " if lang == "nl" else " and ") + words[-1]


def _what(a: Amendment, lang: str) -> str:
    return _join([PART_WORDS[lang][p] for p in a.changed], lang)


def _label(a: Amendment, lang: str) -> str:
    label = fmt_version(a.version, lang)
    if a.same_label:
        label += (" (zelfde versielabel als de vorige: niet opgehoogd)" if lang == "nl"
                  else " (same label as the version before: not bumped)")
    return label


def _first_used(a: Amendment, lang: str) -> str:
    if a.first_used is not None:
        return fmt_date(a.first_used, lang)
    return (f"nog niet in een zoekactie (vastgelegd op {fmt_date(a.recorded_at, lang)})" if lang == "nl"
            else f"not in a search yet (recorded on {fmt_date(a.recorded_at, lang)})")


def search_change_sentence(d: ReviewData, items: list[Amendment], lang: str) -> str | None:
    """One sentence for "what changed" when the search changed in the report's period (None: it did not)."""
    if d.cutoff is None:
        return None
    changed = [a for a in items[1:] if SEARCH_PARTS & set(a.changed)
               and d.cutoff <= (a.first_used or a.recorded_at) <= d.now]
    if not changed:
        return None
    a = changed[-1]
    what = f"{fmt_version(a.version, lang)}: {_what(a, lang)}"
    n_new = a.first_update_new
    if lang == "nl":
        head = f"In deze periode is de zoekactie gewijzigd (protocolversie van {what})"
        return (f"{head}: onder de {fmt_int(n_new, lang)} nieuwe publicaties van de eerste zoekactie met die versie "
                "kunnen ook oudere publicaties zitten die pas door de wijziging zijn gevonden." if n_new
                else f"{head}.")
    head = f"The search changed in this period (protocol version of {what})"
    return (f"{head}: the {fmt_int(n_new, lang)} new records of the first search under that version may include "
            "older work found only because of the change." if n_new else f"{head}.")


def amendments_section(d: ReviewData, lang: str, doc: Doc) -> None:
    """Add the search-change sentence (to "what changed") and the section listing every protocol version."""
    items = amendments(d)
    if not items:
        return
    sentence = search_change_sentence(d, items, lang)
    if sentence:
        doc.add(P([sentence]))
    nl = lang == "nl"
    doc.add(H(2, "Protocolwijzigingen" if nl else "Protocol amendments"))
    if len(items) == 1:
        a = items[0]
        used = (_first_used(a, lang) if a.first_used is None
                else f"voor het eerst gebruikt op {_first_used(a, lang)}" if nl else f"first used on {_first_used(a, lang)}")
        doc.add(P([f"Het protocol is niet gewijzigd: er is één versie, van {_label(a, lang)} ({used})." if nl
                   else f"The protocol has not been amended: there is one version, of {_label(a, lang)} ({used})."]))
        return
    first = "eerste versie" if nl else "first version"
    same = "geen inhoudelijke wijziging" if nl else "no change in content"
    doc.add(
        Table(
            ["Versie", "Voor het eerst gebruikt", "Wat is gewijzigd"] if nl
            else ["Version", "First used", "What changed"],
            [[_label(a, lang), _first_used(a, lang), (_what(a, lang) or same) if i else first]
             for i, a in enumerate(items)],
        ),
        P(["Voor het eerst gebruikt: de eerste zoekactie of import met die versie. Wat is gewijzigd: de onderdelen "
           "van het protocol die verschillen van de versie ervoor. Waarom het protocol is gewijzigd, staat niet in "
           "de database van de review." if nl
           else "First used: the first search or import under that version. What changed: the parts of the "
           "protocol that differ from the version before. Why the protocol was amended is not recorded in the "
           "review's database."], cls="small"),
    )
