"""PRISMA 2020 counts per update round, computed from the database.

Every box of the flow diagram for updated reviews is a field of ``RoundCounts``; ``prisma_flow`` gives the
counts of every round (see ``lsr.report.rounds`` for what a round is) and ``Flow`` ties the current round
to the studies included in the previous version. The per-round counts (``Flow.rounds``, each record in the
round that first found it) reconcile exactly with ``lsr status --json``: summed over all rounds,
``records``, ``duplicates``, ``screened``, ``ta_included``/``ta_excluded``/``ta_maybe`` and the full-text
counts equal the status fields of the same names, because both use ``settled_labels``.

The diagram's current round (``Flow.current``) is the last of those rounds plus records of earlier rounds
that are not in the previous version, counted once per stage (PRISMA 2020: a record is screened once, in
one round). Records whose settled title/abstract decision falls at or after the cutoff are *carried over*:
they count in "records screened" and, when included, in "reports sought for retrieval". Records whose
title/abstract include was in an earlier round and whose full-text decision falls in this one (or that
are included now) count only in the full-text boxes (``ft_earlier``: assessed, excluded with reasons,
included). So "new studies included" is every study included now that the previous version did not
include, whatever round found it; the current round's boxes still add up: identified - duplicates +
carried over = screened + not yet screened, sought + earlier reports = not retrieved + awaiting full text +
assessed; and summed over successive reports, screened and sought equal the database totals. The *previous version* is the set of studies the
previous report published (its ``included_ids`` in the report log) or, for ``--since`` and for logs
written before those ids were stored, the studies included at the cutoff as the decision log shows them.
Studies of the previous version that are no longer included are ``Flow.left``, each with why (full-text
exclusion and its reason, title/abstract exclusion, retracted, undecided again), so that previous - no
longer included + new = total.

Imports are sorted into PRISMA's *databases* and *other sources* by ``source_kind``: OpenAlex updates and
imports of a known bibliographic database (by name or export format, or ``lsr import --source-kind``) are
databases; anything else (citation searching, websites, organisations, registers) is an other source.

Full-text exclusions whose reason says the report could not be obtained (e.g. "not retrieved", "no full
text", "niet beschikbaar") are counted as *reports not retrieved* rather than *reports excluded*.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, select

from lsr.jsoncols import FILTERS
from lsr.models import Decision, Record, RecordSource, SearchRun
from lsr.report.rounds import Round, round_of
from lsr.screening.decisions import FT, SETTLING_KINDS, TA, settled_labels
from lsr.search.databases import DATABASE_FORMATS, display_name, names_database

NOT_RETRIEVED_WORDS = (
    "not retriev",
    "no full text",
    "full text not available",
    "not available",
    "niet beschikbaar",
    "niet verkregen",
    "geen volledige tekst",
)
NO_REASON = ""
SOURCE_KINDS = ("database", "other")


def source_kind(run: SearchRun) -> str:
    """``database`` or ``other``: where a search run goes in the PRISMA identification box.

    An OpenAlex update is a database search. An import is what ``lsr import --source-kind`` said; without
    it, a database when its source names a known bibliographic database (``lsr.search.databases``, any case,
    also "Scopus (Elsevier)" or "Embase via Ovid") or the file is in a format only databases export (MEDLINE,
    PubMed XML, Web of Science, Ovid); anything else is an other source.
    """
    if run.kind == "update":
        return "database"
    filters = FILTERS.decode_or_empty(run.filters_json)
    given = str(filters.get("source_kind") or "").lower()
    if given in SOURCE_KINDS:
        return given
    if names_database(run.source) or str(filters.get("format") or "").lower() in DATABASE_FORMATS:
        return "database"
    return "other"


BOX_WORDS = {  # the boxes' wording, PRISMA 2020 in English and its Dutch rendering
    "en": {
        "previous_head": "Previous studies",
        "new_head": "Identification of new studies via databases and other sources",
        "previous": "Studies included in previous version of review",
        "identified": "Records identified from:",
        "identified_total": "Records identified (all sources)",
        "databases": "Databases:",
        "other": "Other sources:",
        "removed": "Records removed before screening:",
        "duplicates": "Duplicate records removed",
        "screened": "Records screened",
        "excluded": "Records excluded",
        "unscreened": "Not yet screened (of this round)",  # the diagram of an updated review: per round
        "unscreened_all": "Not yet screened",  # the first (cumulative) diagram: every record found so far
        "maybe": "Undecided (maybe)",
        "sought": "Reports sought for retrieval",
        "not_retrieved": "Reports not retrieved",
        "assessed": "Reports assessed for eligibility",
        "ft_excluded": "Reports excluded:",
        "no_reason": "no reason given",
        "pending": "Awaiting full-text assessment",
        "ft_maybe": "Undecided after full text",
        "new": "New studies included in review",
        "included": "Studies included in review",
        "total": "Total studies included in review",
        "previous_since": "Studies included before {date}",
        "previous_report": "Studies in the previous version (report of {when})",
        "previous_as_of": "Studies in the previous version (as of {when})",
        "left": "Studies of the previous version no longer included",
        "carried": "Earlier searches, decided in this round",
        "ft_earlier": "Sought in an earlier round, decided at full text in this round",
        "left_ft": "excluded after full text",
        "left_ta": "excluded at title/abstract",
        "left_retracted": "retracted",
        "left_undecided": "undecided again",
        "left_removed": "record removed",
        "none": "none",
        "phases": ("Identification", "Screening", "Included"),
        "title": "PRISMA 2020 flow diagram",
    },
    "nl": {
        "previous_head": "Eerdere studies",
        "new_head": "Identificatie van nieuwe studies via databases en andere bronnen",
        "previous": "Studies opgenomen in de vorige versie van de review",
        "identified": "Publicaties gevonden in:",
        "identified_total": "Gevonden publicaties (alle bronnen)",
        "databases": "Databases:",
        "other": "Andere bronnen:",
        "removed": "Verwijderd vóór de beoordeling:",
        "duplicates": "Dubbelingen",
        "screened": "Beoordeeld op titel en samenvatting",
        "excluded": "Uitgesloten publicaties",
        "unscreened": "Nog niet beoordeeld (uit deze ronde)",
        "unscreened_all": "Nog niet beoordeeld",
        "maybe": "Twijfel, nog geen besluit",
        "sought": "Volledige tekst gezocht",
        "not_retrieved": "Volledige tekst niet verkregen",
        "assessed": "Volledige tekst beoordeeld op geschiktheid",
        "ft_excluded": "Uitgesloten na lezing volledige tekst:",
        "no_reason": "geen reden opgegeven",
        "pending": "Wacht op beoordeling volledige tekst",
        "ft_maybe": "Twijfel na lezing volledige tekst",
        "new": "Nieuwe studies opgenomen in de review",
        "included": "Studies opgenomen in de review",
        "total": "Totaal aantal studies in de review",
        "previous_since": "Studies opgenomen vóór {date}",
        "previous_report": "Studies in de vorige versie (rapport van {when})",
        "previous_as_of": "Studies in de vorige versie (stand van {when})",
        "left": "Studies uit de vorige versie die niet meer zijn opgenomen",
        "carried": "Uit eerdere zoekacties, in deze ronde beoordeeld",
        "ft_earlier": "In een eerdere ronde gezocht, in deze ronde op volledige tekst beoordeeld",
        "left_ft": "uitgesloten na lezing volledige tekst",
        "left_ta": "uitgesloten op titel en samenvatting",
        "left_retracted": "teruggetrokken",
        "left_undecided": "weer in twijfel",
        "left_removed": "publicatie verwijderd",
        "none": "geen",
        "phases": ("Identificatie", "Beoordeling", "Opgenomen"),
        "title": "PRISMA 2020-stroomdiagram",
    },
}


def is_not_retrieved(reason: str | None) -> bool:
    """Whether a full-text exclusion reason means the report could not be obtained."""
    text = (reason or "").lower()
    return any(word in text for word in NOT_RETRIEVED_WORDS)



def searched(run: SearchRun) -> bool:
    """Whether a run counts as a search in the rounds' "runs": not one that failed before any answer (a
    refused API key, a server that could not be reached). Such a run stays in the search log, marked failed."""
    return not (run.status == "failed" and not run.results_returned)

@dataclass
class RoundCounts:
    """The PRISMA boxes of one update round (records first seen in it, their current labels)."""

    round: Round
    run_ids: list[int] = field(default_factory=list)  # runs that searched (``searched``)
    databases: Counter = field(default_factory=Counter)  # hits per database (updates, database imports)
    other_sources: Counter = field(default_factory=Counter)  # hits per other source (see ``source_kind``)
    duplicates: int = 0
    records: int = 0  # new de-duplicated records (identified - duplicates)
    carried_over: int = 0  # records of earlier rounds decided at title/abstract in this round (``Flow.current``)
    ft_earlier: int = 0  # reports sought in an earlier round, decided at full text in this one (``Flow.current``)
    screened: int = 0
    ta_included: int = 0  # = reports sought for retrieval
    ta_excluded: int = 0
    ta_maybe: int = 0
    ft_included: int = 0  # new studies included
    ft_excluded_by_reason: Counter = field(default_factory=Counter)
    ft_not_retrieved: int = 0
    ft_maybe: int = 0

    @property
    def identified(self) -> int:
        return sum(self.databases.values()) + sum(self.other_sources.values())

    @property
    def unscreened(self) -> int:
        return self.records + self.carried_over - self.screened

    @property
    def ft_excluded(self) -> int:
        """Reports excluded after assessment (not counting those not retrieved)."""
        return sum(self.ft_excluded_by_reason.values())

    @property
    def ft_labelled(self) -> int:
        return self.ft_included + self.ft_excluded + self.ft_not_retrieved + self.ft_maybe

    @property
    def ft_assessed(self) -> int:
        """Reports assessed for eligibility: every full-text label except "not retrieved"."""
        return self.ft_included + self.ft_excluded + self.ft_maybe

    @property
    def ft_pending(self) -> int:
        """Included at title/abstract, no full-text label yet (reports sought in an earlier round do not count:
        they are not among ``ta_included``)."""
        return max(self.ta_included - (self.ft_labelled - self.ft_earlier), 0)


@dataclass(frozen=True)
class Left:
    """A study of the previous version that is no longer included, and why.

    ``why`` is ``ft`` (excluded after full text; ``reason`` is the protocol's reason), ``ta`` (excluded
    at title/abstract), ``retracted``, ``undecided`` (maybe, or a decision undone) or ``removed`` (the
    record is gone from the database).
    """

    record_id: int
    why: str
    reason: str = ""


@dataclass
class Flow:
    """All rounds of a review, oldest first, and the current round as the diagram shows it.

    ``rounds`` count each record in the round that first found it (the last is the current round's own
    records); ``current`` adds the records carried over from earlier rounds (see the module docstring).
    ``previous_ids`` are the record ids of the previous version, ``left`` its studies no longer included.
    """

    rounds: list[RoundCounts]
    current: RoundCounts = None  # type: ignore[assignment]  # set by prisma_flow; default: the last round
    previous_ids: frozenset[int] = frozenset()
    left: list[Left] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.current is None:
            self.current = self.rounds[-1]

    @property
    def previous_included(self) -> int:
        """Studies included in the previous version of the review."""
        return len(self.previous_ids)

    @property
    def no_longer_included(self) -> int:
        return len(self.left)

    @property
    def total_included(self) -> int:
        """Studies in the review now: previous version - no longer included + new."""
        return self.previous_included - self.no_longer_included + self.current.ft_included

    def left_by_reason(self) -> Counter:
        """``(why, reason)`` -> number of studies no longer included."""
        return Counter((x.why, x.reason) for x in self.left)

    def total(self, attr: str) -> int:
        """A box summed over all rounds (what ``lsr status`` reports for the whole review)."""
        return sum(getattr(r, attr) for r in self.rounds)

    def with_reasons(self, rename: Callable[[str], str]) -> Flow:
        """A copy whose full-text exclusion reasons (of every round and of ``current``, which is a separate
        object once there is a previous version) and reasons for leaving are ``rename(reason)``: the one
        place a report translates them."""
        flow = copy.deepcopy(self)  # keeps ``current is rounds[-1]`` when it is
        for counts in {id(c): c for c in (*flow.rounds, flow.current)}.values():
            translated: Counter = Counter()
            for reason, n in counts.ft_excluded_by_reason.items():
                translated[reason if reason == NO_REASON else rename(reason)] += n
            counts.ft_excluded_by_reason = translated
        flow.left = [replace(x, reason=x.reason if x.reason == NO_REASON else rename(x.reason)) for x in flow.left]
        return flow


def prisma_flow(
    session: Session,
    review_id: str,
    rounds: list[Round],
    reviewers_per_record: int = 1,
    previous_ids: set[int] | None = None,
) -> Flow:
    """Count every PRISMA box for every round of a review, and the diagram's current round.

    Args:
        session: an open database session.
        review_id: the review.
        rounds: the review's rounds (``lsr.report.rounds.make_rounds``), oldest first.
        reviewers_per_record: the protocol's setting, for ``settled_labels``.
        previous_ids: record ids of the studies in the previous version (what the previous report
            published); None: the studies included at the start of the current round, from the decision log
            (``included_at``). Ignored for a single round (a first report has no previous version).
    """
    cutoff = rounds[-1].start if len(rounds) > 1 else None
    if cutoff is not None and previous_ids is None:
        previous_ids = included_at(session, review_id, cutoff, reviewers_per_record)
    previous_ids = set(previous_ids or ()) if cutoff is not None else set()
    out = [RoundCounts(r) for r in rounds]
    current = RoundCounts(rounds[-1])
    runs = session.exec(
        select(SearchRun).where(SearchRun.review_id == review_id).order_by(SearchRun.id)
    ).all()
    run_round: dict[int, int] = {}
    for run in runs:
        idx = round_of(rounds, run.started_at)
        run_round[run.id] = idx
        if searched(run):
            out[idx].run_ids.append(run.id)
    by_run = {run.id: run for run in runs}
    hits = session.exec(
        select(RecordSource.search_run_id, RecordSource.is_duplicate, func.count())
        .where(RecordSource.review_id == review_id)
        .group_by(RecordSource.search_run_id, RecordSource.is_duplicate)
    ).all()
    last = len(rounds) - 1
    for run_id, is_dup, n in hits:
        run = by_run[run_id]
        targets = [out[run_round[run_id]]] + ([current] if run_round[run_id] == last else [])
        name = run.source or run.kind
        name = display_name(name)
        for counts in targets:
            target = counts.databases if source_kind(run) == "database" else counts.other_sources
            target[name] += n
            if is_dup:
                counts.duplicates += n
    record_round: dict[int, int] = {}
    rows = session.exec(
        select(Record.id, Record.first_seen_run_id, Record.created_at, Record.is_retracted).where(
            Record.review_id == review_id
        )
    ).all()
    retracted = set()
    for rec_id, run_id, created, is_retracted in rows:
        idx = run_round[run_id] if run_id in run_round else round_of(rounds, created)
        record_round[rec_id] = idx
        out[idx].records += 1
        if is_retracted:
            retracted.add(rec_id)
    ta = settled_labels(session, review_id, TA, reviewers_per_record)
    ft = settled_labels(session, review_id, FT, reviewers_per_record)
    included_now = {rid for rid, lab in ft.items() if lab.label == "include"}
    # The current round's records at each stage (PRISMA 2020: each record is screened once, in one round).
    # Title/abstract boxes: the round's own records, and records of earlier searches whose settled
    # title/abstract decision falls in the round (carried over). Full-text boxes: those, and records whose
    # title/abstract include was in an earlier round but whose full-text decision falls in this one, or that
    # are included now and were not in the previous version (so previous - left + new = total).
    in_current: set[int] = set()  # title/abstract and full-text boxes
    ft_current: set[int] = set()  # full-text boxes only: sought for retrieval in an earlier round
    if cutoff is None:
        in_current = set(record_round)
    else:
        when = _decided_at(session, [lab.decision_id for lab in (*ta.values(), *ft.values())])
        for rid, idx in record_round.items():
            if rid in previous_ids:
                continue
            if idx == last:
                in_current.add(rid)
            elif ta.get(rid) is not None and _after(when.get(ta[rid].decision_id), cutoff):
                in_current.add(rid)
                current.carried_over += 1
            elif rid in included_now or (ft.get(rid) is not None and _after(when.get(ft[rid].decision_id), cutoff)):
                ft_current.add(rid)
    current.records = len(in_current) - current.carried_over
    for rec_id, lab in ta.items():
        for counts in [out[record_round[rec_id]]] + ([current] if rec_id in in_current else []):
            counts.screened += lab.label in ("include", "exclude", "maybe")
            counts.ta_included += lab.label == "include"
            counts.ta_excluded += lab.label == "exclude"
            counts.ta_maybe += lab.label == "maybe"
    for rec_id, lab in ft.items():
        current.ft_earlier += rec_id in ft_current
        for counts in [out[record_round[rec_id]]] + ([current] if rec_id in in_current | ft_current else []):
            if lab.label == "include":
                counts.ft_included += 1
            elif lab.label == "maybe":
                counts.ft_maybe += 1
            elif lab.label == "exclude" and is_not_retrieved(lab.reason):
                counts.ft_not_retrieved += 1
            elif lab.label == "exclude":
                counts.ft_excluded_by_reason[lab.reason or NO_REASON] += 1
    left = [_why_left(rid, ta.get(rid), ft.get(rid), rid in retracted, rid in record_round)
            for rid in sorted(previous_ids - included_now)]
    return Flow(out, current if cutoff is not None else out[-1], frozenset(previous_ids), left)


def _why_left(rid: int, ta, ft, retracted: bool, exists: bool) -> Left:
    if not exists:
        return Left(rid, "removed")
    if retracted:
        return Left(rid, "retracted")
    if ft is not None and ft.label == "exclude":
        return Left(rid, "ft", ft.reason or NO_REASON)
    if ta is not None and ta.label == "exclude":
        return Left(rid, "ta", ta.reason or NO_REASON)
    return Left(rid, "undecided")


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _after(moment: datetime | None, cutoff: datetime) -> bool:
    moment = _utc(moment)
    return moment is not None and moment >= cutoff


def _decided_at(session: Session, ids: list[int | None]) -> dict[int, datetime]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, datetime] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        out.update(session.exec(select(Decision.id, Decision.created_at).where(Decision.id.in_(chunk))).all())
    return out


def included_at(session: Session, review_id: str, moment: datetime, reviewers_per_record: int = 1) -> set[int]:
    """Record ids of the studies included at ``moment``, read back from the append-only decision log.

    A record counts as included when its title/abstract and full-text labels at that moment were both
    include: the latest resolution (``resolve``/``stage-override``) if any, else every reviewer's latest
    label agreeing, from at least ``reviewers_per_record`` reviewers. This is how earlier reports counted
    (``settled_labels`` on the log as it then was), up to rules changed since.
    """
    latest: dict[tuple[int, str], dict[str, str | None]] = {}  # per reviewer
    last_any: dict[tuple[int, str], str | None] = {}  # single screening: the latest row of anyone
    resolved: dict[tuple[int, str], str | None] = {}
    for rid, stage, reviewer, kind, label in session.exec(
        select(Decision.record_id, Decision.stage, Decision.reviewer, Decision.kind, Decision.label)
        .where(Decision.review_id == review_id, Decision.created_at < moment)
        .order_by(Decision.id)
    ).all():
        last_any[(rid, stage)] = label
        if kind in SETTLING_KINDS:
            resolved[(rid, stage)] = label
        else:
            latest.setdefault((rid, stage), {})[reviewer] = label

    def settled(rid: int, stage: str) -> str | None:
        if reviewers_per_record <= 1:
            return last_any.get((rid, stage))
        if (rid, stage) in resolved:
            return resolved[(rid, stage)]
        labels = [x for x in latest.get((rid, stage), {}).values() if x is not None]
        return labels[0] if len(labels) >= reviewers_per_record and len(set(labels)) == 1 else None

    candidates = {rid for rid, _stage in last_any}
    return {rid for rid in candidates if settled(rid, TA) == "include" and settled(rid, FT) == "include"}
