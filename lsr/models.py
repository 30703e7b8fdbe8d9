"""The database schema (SQLModel): reviews, records, provenance, search log, decisions, model runs.

Principles: nothing is thrown away. Duplicates stay as ``RecordSource`` rows of the record they merged
into, so PRISMA counts are exact; decisions are append-only (undo appends a correction); every search or
import is a ``SearchRun`` (the PRISMA-S log). Timestamps are UTC-aware. The schema evolves only through
Alembic migrations in ``lsr/migrations``.

JSON is stored as text in ``*_json`` columns; each has a codec in ``lsr.jsoncols`` and, beside the column, a
typed property that reads and writes it (``Record.authors``, ``SearchRun.filters``, ``Extraction.extra``...).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Boolean, Column, Index, Integer, Text, UniqueConstraint, false, text
from sqlmodel import Field, SQLModel

from lsr import jsoncols
from lsr.jsoncols import JsonText
from lsr.vocabulary import LABELS, STAGES  # noqa: F401  (re-exported)


def json_property(column: str, codec: JsonText, doc: str) -> property:
    """The typed view of a ``*_json`` text column: reading decodes the stored text with the column's codec
    (``lsr.jsoncols``), assigning stores the value's text. The column itself stays the stored text.

    Decoding raises ValueError when the text is not JSON. Model constructors take the column, not the
    property (``Record(authors_json=jsoncols.AUTHORS.encode(names))``).
    """

    def get(self) -> Any:
        return codec.decode(getattr(self, column))

    def put(self, value: Any) -> None:
        setattr(self, column, codec.encode(value))

    return property(get, put, doc=doc)


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

    protocol_raw = json_property("protocol_json", jsoncols.PROTOCOL,
                                 "``protocol_json`` decoded: the protocol as last synced (``Protocol.raw``).")


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

    protocol_raw = json_property("protocol_json", jsoncols.PROTOCOL,
                                 "``protocol_json`` decoded: this version's content (``Protocol.raw``).")


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

    filters = json_property("filters_json", jsoncols.FILTERS, "``filters_json`` decoded.")
    request_urls = json_property("request_urls_json", jsoncols.REQUEST_URLS,
                                 "``request_urls_json`` decoded: the first request URL of each query chunk.")
    cursor = json_property("cursor_json", jsoncols.CURSOR, "``cursor_json`` decoded: the paging state.")
    known_studies = json_property("known_studies_json", jsoncols.KNOWN_STUDIES,
                                  "``known_studies_json`` decoded: None before the check was stored.")


class Record(SQLModel, table=True):
    """One de-duplicated work in one review."""

    __table_args__ = (
        Index("ux_record_review_openalex", "review_id", "openalex_id", unique=True,
              sqlite_where=text("openalex_id IS NOT NULL"), postgresql_where=text("openalex_id IS NOT NULL")),
        Index("ix_record_review_doi", "review_id", "doi"),
        Index("ix_record_review_pmid", "review_id", "pmid"),
        Index("ix_record_review_eric_id", "review_id", "eric_id"),
        Index("ix_record_review_title_key", "review_id", "title_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    openalex_id: str | None = None  # short form, W123
    doi: str | None = None  # normalised: lowercase, no https://doi.org/ prefix
    pmid: str | None = None
    eric_id: str | None = None  # ERIC number (EJ1234567, ED123456): ERIC's id of a journal article or document
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

    authors = json_property("authors_json", jsoncols.AUTHORS, "``authors_json`` decoded: the author names.")
    keywords = json_property("keywords_json", jsoncols.KEYWORDS, "``keywords_json`` decoded.")
    referenced_works = json_property("referenced_works_json", jsoncols.REFERENCED_WORKS,
                                     "``referenced_works_json`` decoded: OpenAlex ids of the works it cites.")
    raw = json_property("raw_json", jsoncols.RAW, "``raw_json`` decoded: the source's JSON of the work, or None.")


class RecordSource(SQLModel, table=True):
    """Provenance: one hit of a search run or import that produced (or duplicated) a record."""

    __tablename__ = "record_source"
    __table_args__ = (UniqueConstraint("search_run_id", "record_id", "source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    review_id: str = Field(foreign_key="review.id", index=True)
    record_id: int = Field(foreign_key="record.id", index=True)
    search_run_id: int = Field(foreign_key="search_run.id", index=True)
    kind: str = "openalex"  # openalex | json, or an import's format: ris | csv | xlsx | wos | medline | bibtex | endnote | refer …
    source_key: str = ""  # the hit's own id within its run (OpenAlex id, file line), for idempotence
    is_duplicate: bool = False  # True when this hit merged into a record that already existed
    match_rule: str | None = None  # how it matched: openalex_id, doi, pmid, eric_id, title
    raw_json: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow)

    raw = json_property("raw_json", jsoncols.RAW, "``raw_json`` decoded: the hit's JSON as its source gave it.")


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


class RecordAlias(SQLModel, table=True):
    """The number of a record that was folded into another (OpenAlex merged the two works), so the number
    reviewers noted down keeps finding the record (``lsr.screening.decisions.find_record``)."""

    __tablename__ = "record_alias"

    old_id: int = Field(primary_key=True)
    record_id: int = Field(index=True)
    review_id: str
    reason: str  # e.g. "OpenAlex merged W1 into W2"


class ScreenClaim(SQLModel, table=True):
    """A record on a reviewer's screen now (``lsr.screening.claims``); short-lived, no history.

    No foreign keys: a claim must never stop a record from being merged away or a review from being
    removed, and a stale row only counts until its time to live has passed.
    """

    __tablename__ = "screen_claim"
    __table_args__ = (Index("ix_screen_claim_review_stage", "review_id", "stage"),)

    record_id: int = Field(primary_key=True)
    stage: str = Field(primary_key=True)
    reviewer: str = Field(primary_key=True)
    review_id: str
    claimed_at: float  # seconds since the epoch


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

    params = json_property("params_json", jsoncols.PARAMS, "``params_json`` decoded: the ranker's parameters.")


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
    measure: str | None = None  # RR | OR | HR | SMD | MD | r
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

    extra = json_property("extra_json", jsoncols.EXTRA,
                          "``extra_json`` decoded: the protocol's own extraction fields by name.")
