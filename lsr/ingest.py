"""Adding source hits to a review: match against existing records, merge or insert, keep provenance.

Both OpenAlex updates and file imports turn their hits into ``Candidate``s and feed them to an
``Ingest`` bound to one ``SearchRun``. Identity rules (DESIGN.md, settled details):

1. equal OpenAlex id -> same work;
2. equal normalised DOI -> same work, always;
3. equal PMID -> same work unless a DOI or OpenAlex id on both sides contradicts it;
4. equal normalised title, years within one, compatible first author, and no contradicting identifier
   -> same work (see ``titles_match`` for the guards against errata and same-titled different works).

A hit that matches becomes a duplicate ``RecordSource`` of the existing record, which is enriched with
any fields it lacked; it is never inserted twice. Lookups go through indexed columns inside the
caller's transaction, so concurrent writers see each other's records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlmodel import Session, select

from lsr.identity import fold_text, normalize_doi, normalize_openalex_id, normalize_pmid, title_key
from lsr.models import Record, RecordSource, SearchRun
from lsr.synergy import abstract_from_inverted_index

# Titles that are not specific to one work: never merged on title alone.
GENERIC_TITLES = {
    "abstracts", "abstract", "editorial", "erratum", "errata", "corrigendum", "correction", "letter",
    "letter to the editor", "reply", "response", "introduction", "preface", "foreword", "commentary",
    "book review", "news", "index", "contents", "table of contents", "poster abstracts", "oral abstracts",
    "conference abstracts", "meeting abstracts", "in brief", "editorial board", "front matter",
}
NOTICE_WORDS = ("erratum", "corrigendum", "correction to", "retraction", "retracted", "expression of concern")


@dataclass
class Candidate:
    """A work as one source reported it, normalised enough to match and store."""

    title: str = ""
    abstract: str = ""
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    publication_date: str | None = None
    venue: str | None = None
    type: str | None = None
    language: str | None = None
    doi: str | None = None
    pmid: str | None = None
    openalex_id: str | None = None
    keywords: list[str] = field(default_factory=list)
    referenced_works: list[str] = field(default_factory=list)
    raw: dict | None = None

    def __post_init__(self) -> None:
        self.doi = normalize_doi(self.doi)
        self.pmid = normalize_pmid(self.pmid)
        self.openalex_id = normalize_openalex_id(self.openalex_id)
        self.title = (self.title or "").strip()
        self.abstract = (self.abstract or "").strip()


def candidate_from_openalex(work: dict) -> Candidate:
    """Map an OpenAlex work JSON object to a ``Candidate`` (abstract rebuilt from the inverted index)."""
    ids = work.get("ids") or {}
    loc = work.get("primary_location") or {}
    src = loc.get("source") or {}
    venue = src.get("display_name") or (work.get("host_venue") or {}).get("display_name")
    year = work.get("publication_year")
    try:
        year = int(year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    authors = [
        (a.get("author") or {}).get("display_name") or a.get("raw_author_name") or ""
        for a in work.get("authorships") or []
    ]
    keywords = [k.get("display_name") for k in work.get("keywords") or [] if isinstance(k, dict)]
    return Candidate(
        title=work.get("title") or work.get("display_name") or "",
        abstract=abstract_from_inverted_index(work.get("abstract_inverted_index")),
        authors=[a for a in authors if a],
        year=year,
        publication_date=work.get("publication_date"),
        venue=venue,
        type=work.get("type"),
        language=work.get("language"),
        doi=work.get("doi") or ids.get("doi"),
        pmid=ids.get("pmid"),
        openalex_id=work.get("id") or ids.get("openalex"),
        keywords=[k for k in keywords if k],
        referenced_works=[w for w in (normalize_openalex_id(r) for r in work.get("referenced_works") or []) if w],
        raw=work,
    )


def first_author_key(authors: list[str]) -> str:
    """Family name of the first author, folded: "Smith, J." and "John Smith" both give "smith"."""
    if not authors:
        return ""
    name = fold_text(authors[0]).strip()
    if "," in name:
        family = name.split(",", 1)[0]
    else:
        parts = name.replace(".", " ").split()
        # "J. Smith" / "John Smith" -> last token; "Smith J" (PubMed style) -> first token.
        family = parts[0] if len(parts) > 1 and len(parts[-1]) <= 2 else (parts[-1] if parts else "")
    return "".join(ch for ch in family if ch.isalnum())


def authors_compatible(a: list[str], b: list[str]) -> bool:
    """True when either side lacks authors or the first authors' family names agree."""
    ka, kb = first_author_key(a), first_author_key(b)
    return not ka or not kb or ka == kb or ka.startswith(kb) or kb.startswith(ka)


def titles_match(cand: Candidate, rec: Record) -> bool:
    """Whether a title-equal candidate and record are the same work.

    Guards: generic titles ("Abstracts", "Editorial") and notices (errata, retractions) never merge on
    title; years must be within one (conference vs journal versions years apart stay separate); first
    authors must be compatible; and no identifier may contradict.
    """
    key = title_key(cand.title)
    if not key or key in GENERIC_TITLES or len(key) < 12 or any(w in key for w in NOTICE_WORDS):
        return False
    if cand.year is not None and rec.year is not None and abs(cand.year - rec.year) > 1:
        return False
    if not authors_compatible(cand.authors, json.loads(rec.authors_json or "[]")):
        return False
    return not contradicts(cand, rec, doi=True, openalex=True, pmid=True)


def contradicts(cand: Candidate, rec: Record, *, doi: bool, openalex: bool, pmid: bool = False) -> bool:
    """True when both sides carry an identifier of a checked kind and the values differ."""
    return (
        (doi and bool(cand.doi and rec.doi) and cand.doi != rec.doi)
        or (openalex and bool(cand.openalex_id and rec.openalex_id) and cand.openalex_id != rec.openalex_id)
        or (pmid and bool(cand.pmid and rec.pmid) and cand.pmid != rec.pmid)
    )


def find_match(session: Session, review_id: str, cand: Candidate) -> tuple[Record, str] | None:
    """The existing record of the review this candidate is, and the rule that matched."""

    def first(*cond):
        return session.exec(select(Record).where(Record.review_id == review_id, *cond)).all()

    if cand.openalex_id:
        hits = first(Record.openalex_id == cand.openalex_id)
        if hits:
            return hits[0], "openalex_id"
    if cand.doi:
        hits = first(Record.doi == cand.doi)
        if hits:
            return hits[0], "doi"
    if cand.pmid:
        for rec in first(Record.pmid == cand.pmid):
            if not contradicts(cand, rec, doi=True, openalex=True):
                return rec, "pmid"
    key = title_key(cand.title)
    if key:
        for rec in first(Record.title_key == key):
            if titles_match(cand, rec):
                return rec, "title"
    return None


def _record_from(cand: Candidate, review_id: str, run_id: int | None) -> Record:
    return Record(
        review_id=review_id, openalex_id=cand.openalex_id, doi=cand.doi, pmid=cand.pmid, title=cand.title,
        title_key=title_key(cand.title), abstract=cand.abstract, authors_json=json.dumps(cand.authors),
        year=cand.year, publication_date=cand.publication_date, venue=cand.venue, type=cand.type,
        language=cand.language, keywords_json=json.dumps(cand.keywords),
        referenced_works_json=json.dumps(cand.referenced_works),
        raw_json=json.dumps(cand.raw) if cand.raw is not None else None, first_seen_run_id=run_id,
    )


def enrich(rec: Record, cand: Candidate) -> None:
    """Fill what the record lacks from a duplicate hit; the richer value wins, identifiers are kept."""
    for attr in ("doi", "pmid", "year", "publication_date", "venue", "type", "language"):
        if getattr(rec, attr) in (None, "") and getattr(cand, attr) not in (None, ""):
            setattr(rec, attr, getattr(cand, attr))
    if not rec.openalex_id and cand.openalex_id:
        rec.openalex_id = cand.openalex_id
        if cand.raw is not None:
            rec.raw_json = json.dumps(cand.raw)
    if len(cand.abstract) > len(rec.abstract or ""):
        rec.abstract = cand.abstract
    if len(cand.title) > len(rec.title or ""):
        rec.title, rec.title_key = cand.title, title_key(cand.title)
    if not json.loads(rec.authors_json or "[]") and cand.authors:
        rec.authors_json = json.dumps(cand.authors)
    if cand.referenced_works and not json.loads(rec.referenced_works_json or "[]"):
        rec.referenced_works_json = json.dumps(cand.referenced_works)
    if cand.keywords and not json.loads(rec.keywords_json or "[]"):
        rec.keywords_json = json.dumps(cand.keywords)


@dataclass
class IngestResult:
    record: Record
    is_new: bool
    rule: str | None  # matching rule for duplicates
    already_recorded: bool = False  # the same hit of the same run was stored before (resumed run)


class Ingest:
    """Adds one run's hits to a review inside the caller's session (the caller commits)."""

    def __init__(self, session: Session, review_id: str, run: SearchRun, kind: str) -> None:
        self.session, self.review_id, self.run, self.kind = session, review_id, run, kind

    def add(self, cand: Candidate, source_key: str, *, keep_raw: bool = False) -> IngestResult:
        """Match or insert one hit and record its provenance; updates the run's counters."""
        s = self.session
        match = find_match(s, self.review_id, cand)
        if match is not None:
            rec, rule = match
            seen = s.exec(select(RecordSource).where(RecordSource.search_run_id == self.run.id,
                                                     RecordSource.record_id == rec.id,
                                                     RecordSource.source_key == source_key)).first()
            if seen is not None:
                return IngestResult(rec, False, rule, already_recorded=True)
            enrich(rec, cand)
            s.add(rec)
            is_new = False
        else:
            rec, rule, is_new = _record_from(cand, self.review_id, self.run.id), None, True
            s.add(rec)
            s.flush()
        s.add(RecordSource(review_id=self.review_id, record_id=rec.id, search_run_id=self.run.id, kind=self.kind,
                           source_key=source_key, is_duplicate=not is_new, match_rule=rule,
                           raw_json=json.dumps(cand.raw) if keep_raw and cand.raw is not None else None))
        self.run.results_returned += 1
        if is_new:
            self.run.new_records += 1
        else:
            self.run.duplicates += 1
        s.add(self.run)
        s.flush()
        return IngestResult(rec, is_new, rule)
