"""Protocol amendments in a review's summary (PRISMA 2020 item 24c).

This module owns what the reports say about the protocol's history: every version the database recorded
(``protocol_version``: label, moment, content), the date each was first used by a search or import (the
run's ``SearchRun.protocol_version`` label says which version it ran under), and which parts changed from the
version before. The parts are found by comparing the recorded protocol JSON of consecutive versions key by
key (search query, search filters, inclusion and exclusion criteria, PICO, screening, schedule, other), not
by a full diff. Why a version differs from the one before is the protocol's
optional ``amendment`` / ``amendment_nl`` text, recorded with the version like every other key; a version
that carries the same text as the one before gives no reason of its own ("niet vastgelegd"). When the search
(query or filters) changed in the period a report covers, "what changed" says so in one sentence: new records
of that period may come from the changed search, not only from newly published work.

``recorded_versions`` reads the versions (``collect`` keeps them in ``ReviewData.protocol_versions``);
``amendments_section`` adds the sentence and the section to a summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from lsr.protocol import NOT_CONTENT, amended_content, is_translation_key
from lsr.report.document import Doc, H, P, Table
from lsr.report.texts import fmt_date, fmt_int, fmt_version, join_words, version_is_date, version_phrase

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
REASON_KEYS = ("amendment", "amendment_nl")
ENGLISH_MARK = {"nl": " (Engelstalig)", "en": " (in Dutch)"}


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
    reason: dict[str, str] = field(default_factory=dict)  # ``amendment`` ("en") / ``amendment_nl`` ("nl") given


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
    """The ``PARTS`` in which two recorded protocol contents differ (the ``version`` label and the
    ``amendment`` / ``amendment_nl`` reason ignored: neither changes the review)."""
    found: set[str] = set()
    for key in (set(before) | set(after)) - NOT_CONTENT - set(REASON_KEYS):
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
    """The review's recorded versions with their first use (from the search log), what changed and why. A
    record that only adds or corrects the reason of the version before (same label, nothing else changed) is
    no row of its own: its reason goes to that version's row, where it belongs."""
    versions = d.protocol_versions
    runs = sorted((r.run for r in d.runs), key=lambda run: _utc(run.started_at))
    row_of: list[int] = []  # version index -> its row (a reason-only record joins the row before it)
    for i, v in enumerate(versions):
        row_of.append(row_of[-1] if i and row_of and _reason_only(versions[i - 1], v) else len(set(row_of)))
    runs_of: dict[int, list] = {}
    for run in runs:
        index = _version_of(run, versions)
        if index is not None:
            runs_of.setdefault(row_of[index], []).append(run)
    rows: list[tuple[Amendment, dict]] = []  # each row with the content of the version before it
    for i, v in enumerate(versions):
        previous = versions[i - 1] if i else None
        if previous is not None and rows and _reason_only(previous, v):
            row, before = rows[-1]
            rows[-1] = (replace(row, reason=row.reason | _own_reason(before, v.content)), before)
            continue
        used = runs_of.get(row_of[i], [])
        update = next((r for r in used if r.kind == "update"), None)
        before = previous.content if previous else {}
        rows.append((Amendment(
            v.version, _utc(used[0].started_at) if used else None, v.recorded_at,
            changed_parts(before, v.content) if previous else (),
            previous is not None and previous.version == v.version
            and amended_content(previous.content) != amended_content(v.content),  # a translation needs no bump
            update.new_records if update is not None else 0,
            _own_reason(before, v.content),
        ), before))
    return [row for row, _before in rows]


def _version_of(run, versions: list[RecordedVersion]) -> int | None:
    """The index of the recorded version a search run or import ran under (None: no version recorded).

    The run's own ``protocol_version`` label says it: ``lsr update`` starts a run (its ``started_at``) before
    the new version's row is recorded, so comparing the moments credits the first run under an amendment
    to the version before (audit F2). When several recorded contents share the label (a version not bumped),
    it is the last of them recorded by the time the run finished. Runs without a label (databases from before
    it was stored) and labels no recorded version has fall back to the moments: the last version recorded
    at or before the run started, or the first version for a run before any was recorded.
    """
    if not versions:
        return None
    label = getattr(run, "protocol_version", "") or ""
    named = [i for i, v in enumerate(versions) if v.version == label] if label else []
    if len(named) == 1:
        return named[0]
    if named:
        done = _utc(run.finished_at or run.started_at)
        by_then = [i for i in named if versions[i].recorded_at <= done]
        return by_then[-1] if by_then else named[0]
    started = _utc(run.started_at)
    before = [i for i, v in enumerate(versions) if v.recorded_at <= started]
    return before[-1] if before else 0


def _reason_only(previous: RecordedVersion, version: RecordedVersion) -> bool:
    """Whether a recorded version differs from the one before only in its ``amendment`` texts."""
    def rest(content: dict) -> dict:
        return {k: v for k, v in content.items() if k not in REASON_KEYS}
    return previous.version == version.version and rest(previous.content) == rest(version.content)


def _reason_texts(content: dict) -> dict[str, str]:
    texts = {"en": content.get("amendment"), "nl": content.get("amendment_nl")}
    return {lang: text.strip() for lang, text in texts.items() if isinstance(text, str) and text.strip()}


def _own_reason(before: dict, after: dict) -> dict[str, str]:
    """The reason a version gives for differing from the one before: its ``amendment`` texts, each only when
    it is not the previous version's (left in the file from the amendment before, it explains that one)."""
    previous = _reason_texts(before)
    return {lang: text for lang, text in _reason_texts(after).items() if previous.get(lang) != text}


def _reason(a: Amendment, lang: str) -> str:
    """The Reason cell: the text in ``lang``, else the other language's, marked; "niet vastgelegd" without."""
    if lang in a.reason:
        return a.reason[lang]
    other = "en" if lang == "nl" else "nl"
    if other in a.reason:
        return a.reason[other] + ENGLISH_MARK[lang]
    return "niet vastgelegd" if lang == "nl" else "not recorded"


def _what(a: Amendment, lang: str) -> str:
    return join_words([PART_WORDS[lang][p] for p in a.changed], lang)


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
    """Two sentences for "what changed" when the search changed in the report's period, naming what changed
    (query, filters or both) and what that means for the new records (None: the search did not change)."""
    if d.cutoff is None:
        return None
    changed = [a for a in items[1:] if SEARCH_PARTS & set(a.changed)
               and d.cutoff <= (a.first_used or a.recorded_at) <= d.now]
    if not changed:
        return None
    a = changed[-1]
    parts = [p for p in ("query", "filters") if p in a.changed]
    when = version_phrase(a.version, lang)
    n_new = a.first_update_new
    if lang == "nl":
        what = " en ".join(f"de {PART_WORDS['nl'][p]}" for p in parts)
        old = "de oude " + " en ".join(PART_WORDS["nl"][p] for p in parts)
        verb = "is" if parts == ["query"] else "zijn"
        head = f"In deze periode {verb} {what} gewijzigd ({when})."
        if not n_new:
            return head
        if n_new == 1:
            return (f"{head} Daardoor kan de nieuwe publicatie van de eerste zoekactie met die versie ook een "
                    f"publicatie zijn die al eerder verscheen, maar met {old} niet werd gevonden.")
        return (f"{head} Daardoor kunnen de {fmt_int(n_new, lang)} nieuwe publicaties van de eerste zoekactie met "
                f"die versie ook publicaties bevatten die al eerder verschenen, maar met {old} niet werden gevonden.")
    what = {("query",): "search query", ("filters",): "search filters"}.get(tuple(parts), "search query and filters")
    old = {("query",): "query", ("filters",): "filters"}.get(tuple(parts), "query and filters")
    verb = "has" if parts == ["query"] else "have"
    head = f"In this period the {what} {verb} changed ({when})."
    if not n_new:
        return head
    records = "the new record" if n_new == 1 else f"the {fmt_int(n_new, lang)} new records"
    return (f"{head} {records[0].upper()}{records[1:]} of the first search under that version may therefore "
            f"include work published earlier that the old {old} did not find.")


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
        of = ("van " if nl else "of ") if version_is_date(a.version) else ""  # "één versie, van 23 november"
        doc.add(P([f"Het protocol is niet gewijzigd: er is één versie, {of}{_label(a, lang)} ({used})." if nl
                   else f"The protocol has not been amended: there is one version, {of}{_label(a, lang)} ({used})."]))
        return
    first = "eerste versie" if nl else "first version"
    same = "geen inhoudelijke wijziging" if nl else "no change in content"
    doc.add(
        Table(
            ["Versie", "Voor het eerst gebruikt", "Wat is gewijzigd", "Reden"] if nl
            else ["Version", "First used", "What changed", "Reason"],
            [[_label(a, lang), _first_used(a, lang), (_what(a, lang) or same) if i else first,
              _reason(a, lang) if i else "niet van toepassing" if nl else "not applicable"]
             for i, a in enumerate(items)],
        ),
        P(["Voor het eerst gebruikt: de eerste zoekactie of import met die versie. Wat is gewijzigd: de onderdelen "
           "van het protocol die verschillen van de versie ervoor. De reden van een wijziging staat in het "
           "protocol (amendment); PRISMA 2020 (item 24c) vraagt die te vermelden." if nl
           else "First used: the first search or import under that version. What changed: the parts of the "
           "protocol that differ from the version before. The reason for an amendment is given in the protocol "
           "(amendment); PRISMA 2020 (item 24c) asks for it to be reported."], cls="small"),
    )
