"""The database schema (SQLModel): reviews, records, provenance, search log, decisions, model runs.

Principles: nothing is thrown away. Duplicates stay as ``RecordSource`` rows of the record they merged
into, so PRISMA counts are exact; decisions are append-only (undo appends a correction); every search or
import is a ``SearchRun`` (the PRISMA-S log). Timestamps are UTC-aware. The schema evolves only through
Alembic migrations in ``lsr/migrations``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Index, Integer, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from lsr.vocabulary import LABELS, STAGES  # noqa: F401  (re-exported)


def decode_json(text: str | None, default: Any) -> Any:
    """The value of a ``*_json`` text column: ``default`` when it is null or empty.

    Raises:
        ValueError: the text is not JSON.
    """
    return json.loads(text) if text else default


def utcnow() -> datetime:
    return datetime.now(UTC)


class Review(SQLModel, table=True):
    """One living review, synced from ``protocols/<id>.toml``."""

    id: str = Field(primary_key=True)
    title: str
    theme: str = ""
    protocol_version: str
    protocol_hash: str
    protocol_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    last_update_at: datetime | None = None


class ProtocolVersion(SQLModel, table=True):
    """Every distinct protocol content a review has had (amendments are never silent overwrites)."""

    __tablename__ = "protocol_version"
    __table_args__ = (UniqueConstraint("review_id", "protocol_hash"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    version: str
    protocol_hash: str
    protocol_json: str = Field(sa_column=Column(Text, nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow)


class SearchRun(SQLModel, table=True):
    """One identification event: an OpenAlex update (``kind='update'``) or a file import (``'import'``).

    This is the PRISMA-S log: what was sent, when, what came back, and how it ended.
    """

    __tablename__ = "search_run"

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    kind: str = "update"  # update | import
    source: str = "openalex"  # openalex, or the import's source name (Scopus, PubMed, ...)
    protocol_version: str = ""
    query: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    filters_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    request_urls_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    file: str | None = None  # import: the file name as given
    file_sha256: str | None = None
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = "running"  # running | ok | failed | interrupted | paused (daily budget spent)
    error: str | None = Field(default=None, sa_column=Column(Text))
    results_returned: int = 0
    new_records: int = 0
    duplicates: int = 0
    cursor_json: str | None = Field(default=None, sa_column=Column(Text))  # resumable state
    reviewer: str | None = None
    # quota: what the run cost over all its passes, and the budget as the server last reported it
    requests: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    credits_used: int | None = None  # summed X-RateLimit-Credits-Used; None when the server sends none
    credits_remaining: int | None = None  # X-RateLimit-Remaining after the run's last answer
    budget_resets_at: datetime | None = None  # paused runs: when OpenAlex's daily budget resets
    # search validation of a finished update: {"checked", "found", "missing"} DOIs (lsr.search.known_studies)
    known_studies_json: str | None = Field(default=None, sa_column=Column(Text))


class Record(SQLModel, table=True):
    """One de-duplicated work in one review."""

    __table_args__ = (
        Index("ux_record_review_openalex", "review_id", "openalex_id", unique=True,
              sqlite_where=text("openalex_id IS NOT NULL"), postgresql_where=text("openalex_id IS NOT NULL")),
        Index("ix_record_review_doi", "review_id", "doi"),
        Index("ix_record_review_pmid", "review_id", "pmid"),
        Index("ix_record_review_title_key", "review_id", "title_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    openalex_id: str | None = None  # short form, W123
    doi: str | None = None  # normalised: lowercase, no https://doi.org/ prefix
    pmid: str | None = None
    title: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    title_key: str = ""  # normalised title for de-duplication
    abstract: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    authors_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    year: int | None = None
    publication_date: str | None = None
    venue: str | None = None
    type: str | None = None
    language: str | None = None
    keywords_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    referenced_works_json: str = Field(default="[]", sa_column=Column(Text, nullable=False, server_default="[]"))
    raw_json: str | None = Field(default=None, sa_column=Column(Text))
    first_seen_run_id: int | None = Field(default=None, foreign_key="search_run.id")
    created_at: datetime = Field(default_factory=utcnow)
    # OpenAlex's retraction flag, refreshed by every update that returns the work
    is_retracted: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))

    @property
    def authors(self) -> list[str]:
        """``authors_json`` decoded: the author names."""
        return decode_json(self.authors_json, [])

    @property
    def keywords(self) -> list[str]:
        """``keywords_json`` decoded."""
        return decode_json(self.keywords_json, [])

    @property
    def referenced_works(self) -> list[str]:
        """``referenced_works_json`` decoded: OpenAlex ids of the works it cites."""
        return decode_json(self.referenced_works_json, [])


class RecordSource(SQLModel, table=True):
    """Provenance: one hit of a search run or import that produced (or duplicated) a record."""

    __tablename__ = "record_source"
    __table_args__ = (UniqueConstraint("search_run_id", "record_id", "source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    search_run_id: int = Field(foreign_key="search_run.id", index=True)
    kind: str = "openalex"  # openalex | ris | csv | json
    source_key: str = ""  # the hit's own id within its run (OpenAlex id, file line), for idempotence
    is_duplicate: bool = False  # True when this hit merged into a record that already existed
    match_rule: str | None = None  # how it matched: openalex_id, doi, pmid, title
    raw_json: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)


class Decision(SQLModel, table=True):
    """Append-only screening log; the current label is the latest row per (record, stage, reviewer)."""

    __table_args__ = (Index("ix_decision_review_record_stage", "review_id", "record_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    reviewer: str
    stage: str = "title-abstract"  # title-abstract | full-text
    label: str | None = None  # include | exclude | maybe; None = retracted by undo
    reason: str | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    kind: str = "screen"  # screen | undo | resolve | import
    corrects_id: int | None = Field(default=None, foreign_key="decision.id")
    created_at: datetime = Field(default_factory=utcnow)
    rank_position: int | None = None
    model_run_id: int | None = Field(default=None, foreign_key="model_run.id")


class RecordRank(SQLModel, table=True):
    """A record's place in the review's current ranking (one row per record once it has been ranked).

    Kept apart from ``Record`` because every retraining rewrites it for every record: a narrow table makes
    that write 10-20x cheaper than rewriting the wide record rows (abstracts, raw JSON), and the write lock
    is held that much shorter while reviewers decide.
    """

    __tablename__ = "record_rank"

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    rank: int | None = None  # position in the current ranking (0 = first); None once screened
    score: float | None = None
    model_run_id: int | None = Field(default=None, foreign_key="model_run.id")
    # the default ranker's component z-scores in the latest ranking that held this record; kept once the
    # record is screened, they are its prequential history (lsr.ranking.default)
    z_text: float | None = None
    z_citation: float | None = None


class ModelRun(SQLModel, table=True):
    """One training + ranking of a review's records."""

    __tablename__ = "model_run"

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    model: str
    params_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    n_labels: int = 0
    n_included: int = 0
    n_excluded: int = 0
    n_ranked: int = 0
    started_at: datetime = Field(default_factory=utcnow)
    duration_s: float = 0.0
    status: str = "ok"


class Extraction(SQLModel, table=True):
    """Append-only study-level data: one row per version of one (record, outcome) extraction.

    The current value of a record's outcome is its latest row; a correction appends a row pointing at the
    row it corrects (``corrects_id``), and ``kind='retract'`` withdraws the outcome. Nothing is updated or
    deleted, so every value keeps who entered it, when, and from which file or screen.
    """

    __table_args__ = (Index("ix_extraction_review_record_outcome", "review_id", "record_id", "outcome"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    outcome: str
    design: str | None = None  # rct | quasi-experimental | cohort | before-after | qualitative | ...
    country: str | None = None
    n: int | None = None
    risk_of_bias: str | None = None  # low | some concerns | high
    events_treatment: int | None = None
    total_treatment: int | None = None
    events_control: int | None = None
    total_control: int | None = None
    measure: str | None = None  # RR | OR | SMD | MD
    estimate: float | None = None  # natural scale (RR 0.49, not its log)
    ci_low: float | None = None
    ci_high: float | None = None
    extra_json: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))
    note: str | None = Field(default=None, sa_column=Column(Text))
    reviewer: str
    kind: str = "import"  # import | edit | retract
    source: str | None = None  # the import file as given, or "screener"
    corrects_id: int | None = Field(default=None, foreign_key="extraction.id")
    created_at: datetime = Field(default_factory=utcnow)
