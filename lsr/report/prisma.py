"""PRISMA 2020 counts per update round, computed from the database.

Every box of the flow diagram for updated reviews is a field of ``RoundCounts``; ``prisma_flow`` gives the
counts of every round (see ``lsr.report.rounds`` for what a round is) and ``Flow`` ties the current round
to the studies included before it. The counts reconcile exactly with ``lsr status --json``: summed over all
rounds, ``records``, ``duplicates``, ``screened``, ``ta_included``/``ta_excluded``/``ta_maybe`` and the
full-text counts equal the status fields of the same names, because both use ``settled_labels``.

Full-text exclusions whose reason says the report could not be obtained (e.g. "not retrieved", "no full
text", "niet beschikbaar") are counted as *reports not retrieved* rather than *reports excluded*.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, select

from lsr.models import Record, RecordSource, SearchRun
from lsr.report.rounds import Round, round_of
from lsr.screening.decisions import FT, TA, settled_labels

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
SOURCE_NAMES = {"openalex": "OpenAlex", "pubmed": "PubMed", "scopus": "Scopus"}


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
        "unscreened": "Not yet screened",
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
        "duplicates": "Dubbele publicaties",
        "screened": "Beoordeeld op titel en samenvatting",
        "excluded": "Uitgesloten publicaties",
        "unscreened": "Nog niet beoordeeld",
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
        "none": "geen",
        "phases": ("Identificatie", "Beoordeling", "Opgenomen"),
        "title": "PRISMA 2020-stroomdiagram",
    },
}


def is_not_retrieved(reason: str | None) -> bool:
    """Whether a full-text exclusion reason means the report could not be obtained."""
    text = (reason or "").lower()
    return any(word in text for word in NOT_RETRIEVED_WORDS)


@dataclass
class RoundCounts:
    """The PRISMA boxes of one update round (records first seen in it, their current labels)."""

    round: Round
    run_ids: list[int] = field(default_factory=list)
    databases: Counter = field(default_factory=Counter)  # hits per database (OpenAlex update runs)
    other_sources: Counter = field(default_factory=Counter)  # hits per import source name
    duplicates: int = 0
    records: int = 0  # new de-duplicated records (identified - duplicates)
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
        return self.records - self.screened

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
        """Included at title/abstract, no full-text label yet."""
        return max(self.ta_included - self.ft_labelled, 0)


@dataclass
class Flow:
    """All rounds of a review, oldest first; the last is the current round of the report."""

    rounds: list[RoundCounts]

    @property
    def current(self) -> RoundCounts:
        return self.rounds[-1]

    @property
    def previous_included(self) -> int:
        """Studies included in the previous version: full-text inclusions among earlier rounds' records."""
        return sum(r.ft_included for r in self.rounds[:-1])

    @property
    def total_included(self) -> int:
        return self.previous_included + self.current.ft_included

    def total(self, attr: str) -> int:
        """A box summed over all rounds (what ``lsr status`` reports for the whole review)."""
        return sum(getattr(r, attr) for r in self.rounds)


def prisma_flow(session: Session, review_id: str, rounds: list[Round], reviewers_per_record: int = 1) -> Flow:
    """Count every PRISMA box for every round of a review.

    Args:
        session: an open database session.
        review_id: the review.
        rounds: the review's rounds (``lsr.report.rounds.make_rounds``), oldest first.
        reviewers_per_record: the protocol's setting, for ``settled_labels``.
    """
    out = [RoundCounts(r) for r in rounds]
    runs = session.exec(
        select(SearchRun).where(SearchRun.review_id == review_id).order_by(SearchRun.id)
    ).all()
    run_round: dict[int, int] = {}
    for run in runs:
        idx = round_of(rounds, run.started_at)
        run_round[run.id] = idx
        out[idx].run_ids.append(run.id)
    by_run = {run.id: run for run in runs}
    hits = session.exec(
        select(RecordSource.search_run_id, RecordSource.is_duplicate, func.count())
        .where(RecordSource.review_id == review_id)
        .group_by(RecordSource.search_run_id, RecordSource.is_duplicate)
    ).all()
    for run_id, is_dup, n in hits:
        run = by_run[run_id]
        counts = out[run_round[run_id]]
        target = counts.databases if run.kind == "update" else counts.other_sources
        name = run.source or run.kind
        target[SOURCE_NAMES.get(name.lower(), name)] += n
        if is_dup:
            counts.duplicates += n
    record_round: dict[int, int] = {}
    rows = session.exec(
        select(Record.id, Record.first_seen_run_id, Record.created_at).where(Record.review_id == review_id)
    ).all()
    for rec_id, run_id, created in rows:
        idx = run_round[run_id] if run_id in run_round else round_of(rounds, created)
        record_round[rec_id] = idx
        out[idx].records += 1
    for rec_id, lab in settled_labels(session, review_id, TA, reviewers_per_record).items():
        counts = out[record_round[rec_id]]
        counts.screened += lab.label in ("include", "exclude", "maybe")
        counts.ta_included += lab.label == "include"
        counts.ta_excluded += lab.label == "exclude"
        counts.ta_maybe += lab.label == "maybe"
    for rec_id, lab in settled_labels(session, review_id, FT, reviewers_per_record).items():
        counts = out[record_round[rec_id]]
        if lab.label == "include":
            counts.ft_included += 1
        elif lab.label == "maybe":
            counts.ft_maybe += 1
        elif lab.label == "exclude" and is_not_retrieved(lab.reason):
            counts.ft_not_retrieved += 1
        elif lab.label == "exclude":
            counts.ft_excluded_by_reason[lab.reason or NO_REASON] += 1
    return Flow(out)
