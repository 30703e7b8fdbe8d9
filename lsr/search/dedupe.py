"""Adding source hits to a review: match against existing records, merge or insert, keep provenance.

Both OpenAlex updates and file imports turn their hits into ``Candidate``s and feed them to an
``Ingest`` bound to one ``SearchRun``; ``Ingest.add`` takes one hit, ``Ingest.add_many`` a batch (same
results, a few queries per batch instead of several per hit). This module owns the de-duplication rules.

Identity rules, in order (DESIGN.md, settled details), after one for lsr's own exports (a row's
``lsr_id`` names its record in the review it was exported from, when titles and identifiers agree):

1. equal OpenAlex id -> same work (two different OpenAlex ids never merge on anything but a DOI);
2. equal normalised DOI -> same work, unless clearly contradicted (different PMIDs or ERIC numbers, or
   specific titles unrelated in every way with different authors or years: ``doi_contradicted``); such a
   hit becomes a new record whose source row says ``doi-kept-apart``, and ``Ingest.doi_conflicts`` lists it
   for the caller to report. A wrong DOI at the source must never make a study disappear;
3. equal PMID -> same work unless a DOI, OpenAlex id or ERIC number on both sides contradicts it;
4. equal ERIC number (``EJ…``/``ED…``, ``identity.normalize_eric_id``) -> same work unless a DOI, OpenAlex
   id or PMID on both sides contradicts it: an ERIC record exported from ERIC, EBSCOhost and ProQuest is
   one work even when the platforms write its title differently, and ERIC's reports (ED) have no DOI;
5. the title rule (below) -> same work, when no DOI, PMID, ERIC number or OpenAlex id on both sides
   contradicts it (two ERIC records with the same title and different numbers stay two records).

The title rule. Titles are compared by ``identity.title_key`` (case, punctuation, spacing, HTML entities
and tags, diacritics, Greek letters, "&"/"and" folded away). Abstracts are compared by the share of the
shorter one's words found in the other (``abstract_similarity``; only when both have 30+ words). Three
title relations count:

- *equal* keys: same work when the years are within one, the first authors are compatible (the same
  family name in any of the "Last, F." / "F. Last" / "Last FM" forms, or one side has no authors) and the
  abstracts, if both have one, agree at least 40 %. A short title (under five content words: "Cerebral
  palsy", "Wilson's disease") is weak evidence: its abstracts must agree 70 %, and without two abstracts
  to compare (30+ words) the short abstracts must be the same text or the years or the author lists must
  be there on both sides;
- *prefix*: one key starts the other (a truncated title, a dropped subtitle) and the shorter has 30+
  characters; *similar*: the keys share their first 24 characters and are 93 % alike over the shorter
  one's length (typos, spelling), with the same numbers. These need more evidence: abstracts agreeing
  85 % suffice (then 16+ characters of prefix are enough: "Vitamin D in adolescents" for "Vitamin D in
  adolescents: a systematic review"); otherwise first authors and years on both sides, and abstracts
  agreeing 70 % — or, without two abstracts, the same year and no distinguishing words in the part only
  one title has (numbers, roman numerals, "part", "follow-up", "protocol", "pilot", "long-term",
  "update", "reply", … see ``_MARKERS``).

Same-titled different works are kept apart by these guards (the rule for them): a generic title
("Abstracts", "Editorial", "Poster presentations", "Correction to", …) or a key under 12 characters
merges only with (nearly) the same abstract text in the same year; a notice (erratum, corrigendum,
correction, retraction, expression of concern — by title words or type) merges only with an equal-titled
notice; years more than one apart never merge (a conference abstract and the journal article two years
later stay two records); a conference paper or abstract never merges with a journal article, review or
letter (when both types say so), nor a report, thesis or data set with a document of another type;
different first authors never merge; equal titles with clearly
different abstracts never merge. When several records qualify, an equal key beats a prefix beats a
similar title, then the longer title, then the oldest record. The labelled benchmark
``tests/benchmarks/bench_dedupe.py`` measures the rule (precision and recall of merging).

A hit that matches becomes a duplicate ``RecordSource`` of the existing record, which is enriched with
whatever it lacked (the longer title and abstract, missing identifiers, venue, year, authors); it is
never inserted twice. Lookups go through indexed columns inside the caller's transaction, so
concurrent writers see each other's records; within a batch, records created earlier in the same batch
are matched from memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property, lru_cache

from sqlalchemy import insert, text
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from lsr.jsoncols import AUTHORS, KEYWORDS, RAW, REFERENCED_WORKS
from lsr.models import Record, RecordSource, SearchRun, utcnow
from lsr.search.identity import (
    first_author_key,
    fold_text,
    is_placeholder,
    name_tokens,
    normalize_doi,
    normalize_eric_id,
    normalize_openalex_id,
    normalize_pmid,
    plain_text,
    title_key,
    title_words,
)
from lsr.search.openalex.search_syntax import STOP_WORDS
from lsr.search.synergy import abstract_from_inverted_index

# Titles that are not specific to one work: never merged on title alone (compared as compact keys).
GENERIC_TITLES = {
    title_key(t) for t in (
        "abstracts", "abstract", "editorial", "erratum", "errata", "corrigendum", "correction", "letter",
        "letter to the editor", "reply", "response", "introduction", "preface", "foreword", "commentary",
        "book review", "news", "index", "contents", "table of contents", "poster abstracts", "oral abstracts",
        "conference abstracts", "meeting abstracts", "in brief", "editorial board", "front matter",
        "author reply", "authors reply", "reply to the letter", "response to the letter", "editors note",
        "announcement", "acknowledgements", "acknowledgement of reviewers", "reviewers", "obituary",
        "in memoriam", "highlights", "notice of retraction", "retraction notice", "expression of concern",
        "invited commentary", "guest editorial", "correspondence", "proceedings", "programme", "program",
        "poster session", "oral presentations", "free papers", "research letter", "correction to", "erratum to",
        "corrigendum to", "retraction of", "retraction note", "comment on", "reply to", "response to",
        "speaker abstracts", "poster presentations", "e posters", "scientific abstracts", "late breaking abstracts",
    )
}
NOTICE_WORDS = ("erratum", "errata", "corrigendum", "correction to", "correction", "retraction", "retracted",
                "expression of concern", "withdrawn", "addendum")
_NOTICE = re.compile(r"\b(?:" + "|".join(NOTICE_WORDS) + r")\b")
NOTICE_TYPES = {"erratum", "retraction", "correction", "corrigendum", "withdrawn"}
CONFERENCE_TYPES = {"proceedings", "proceedings-article", "conference", "conference-paper", "conference-abstract",
                    "meeting-abstract", "abstract", "poster"}
# "article" is not here: OpenAlex (since 2023) and RIS "JOUR" use it for conference papers too.
JOURNAL_TYPES = {"journal-article", "review", "letter", "editorial", "book-review"}
# Kinds of document that are a report of their own beside a journal article of the same title (a project's
# final report, a thesis, the data set behind a paper): never merged on title with a different known type.
STANDALONE_TYPES = {"report", "dissertation", "dataset"}

MIN_TITLE_KEY = 12  # shortest key that may merge on title at all
# Content words below which an equal title is weak evidence: it then merges only when the abstracts agree
# as much as prefix titles need (ABSTRACT_AGREE), or, without two abstracts, when years or author lists
# are there on both sides to compare. In the 12 Cohen and 6 SYNERGY development reviews (12 164 works),
# distinct works share a title key for 10 % of one-word titles, 2.6-3.9 % of two- and three-word ones,
# 1.1 % of four-word ones and at most 0.7 % from five words on ("Cerebral palsy", "Treatment of Wilson's
# disease" and "Lansoprazole" each name many papers). A missed merge costs one extra screen; a wrong one
# hides a study, so the bar is where the rate reaches that of long titles.
MIN_SHORT_TITLE_WORDS = 5
BLOCK = 24  # title keys are looked up by this many leading characters
MIN_PREFIX = 30  # the shorter key of a prefix (truncation) pair, unless the abstracts agree strongly
MIN_SHORT_PREFIX = 16  # … and with strongly agreeing abstracts
FUZZY_RATIO = 0.93  # character similarity of "similar" titles
ABSTRACT_MIN_WORDS = 30  # abstracts shorter than this are not compared
ABSTRACT_VETO = 0.4  # equal titles whose abstracts agree less are different works
ABSTRACT_AGREE = 0.7  # prefix/similar titles need this much abstract agreement (when both have one)
ABSTRACT_SAME = 0.95  # generic titles ("Abstracts") merge only with (nearly) the same text
BATCH = 500  # add_many looks up this many hits per round of queries
_IN_CHUNK = 500  # bound parameters per IN (...) list
_KEY_MAX = "\U0010ffff"  # sorts after every character a title key can hold
ABSTRACT_STRONG = 0.85  # … and this much when the words only one title has mark a different work
_MARKERS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "first", "second",
    "third", "fourth", "fifth", "part", "parts", "volume", "vol", "follow", "followup", "protocol", "pilot",
    "preliminary", "interim", "final", "update", "updated", "extension", "secondary", "reanalysis", "reply",
    "response", "comment", "commentary", "erratum", "correction", "retraction", "abstract", "abstracts", "poster",
    "supplement", "appendix", "long", "term", "longterm", "year", "years", "month", "months", "wave", "phase",
}
_ROMAN = {"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"}
_WORD = re.compile(r"\w{3,}")
_DIGITS = re.compile(r"\d+")



TWIN_MIN_KEY = 30
"""The shortest title key (``identity.title_key``) that ``same_title_records`` compares: shorter titles
("Editorial", "Poster presentations") are shared by unrelated works."""


def same_title_records(session: Session, record: Record) -> list[Record]:
    """Other records of the record's review with the same title (a key of ``TWIN_MIN_KEY``+ characters) and
    publication years within one, oldest first.

    The identity rules keep them apart because an identifier contradicts the title (two OpenAlex ids, two
    DOIs): a preprint and its journal version are two works in OpenAlex. They may still be two reports of one
    study, which only a reviewer can tell; the screener shows them so one study is not included twice.
    """
    key = record.title_key
    if len(key) < TWIN_MIN_KEY:
        return []
    rows = session.exec(select(Record).where(Record.review_id == record.review_id, Record.title_key == key,
                                             Record.id != record.id).order_by(Record.id)).all()
    return [r for r in rows if r.year is None or record.year is None or abs(r.year - record.year) <= 1]

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
    eric_id: str | None = None  # ERIC number, EJ1234567 / ED123456
    openalex_id: str | None = None
    keywords: list[str] = field(default_factory=list)
    referenced_works: list[str] = field(default_factory=list)
    raw: dict | None = None
    lsr_id: int | None = None  # the record id in lsr's own export: recognised by the review it came from

    def __post_init__(self) -> None:
        self.doi = normalize_doi(self.doi)
        self.pmid = normalize_pmid(self.pmid)
        self.eric_id = normalize_eric_id(self.eric_id)
        self.openalex_id = normalize_openalex_id(self.openalex_id)
        self.title = "" if is_placeholder(self.title) else plain_text(self.title)
        self.abstract = "" if is_placeholder(self.abstract) else plain_text(self.abstract)
        if any(is_placeholder(a) for a in self.authors):
            self.authors = [a for a in self.authors if not is_placeholder(a)]

    @cached_property
    def key(self) -> str:
        """The title's compact key (``identity.title_key``)."""
        return title_key(self.title)


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


# --- comparing two works ------------------------------------------------------------------------------


def authors_compatible(a: list[str], b: list[str]) -> bool:
    """True when either side lacks authors or the first authors' family names agree.

    A family name agrees when it equals, or is one of the name parts of, the other side's first author
    ("Zhang Wei" vs "Wei Zhang"; "A. van der Berg" vs "Berg, A. van der").
    """
    ka, kb = first_author_key(a), first_author_key(b)
    if not ka or not kb or ka == kb:
        return True
    ta, tb = name_tokens(a[0]), name_tokens(b[0])
    return ka in tb or kb in ta or "".join(ta).endswith(kb) or "".join(tb).endswith(ka)


@lru_cache(maxsize=4096)
def _abstract_words(text: str | None) -> frozenset[str]:
    return frozenset(_WORD.findall(fold_text(text))) if text else frozenset()


def abstract_similarity(a: str | None, b: str | None) -> float | None:
    """Share of the smaller abstract's distinct words (3+ letters) that the other has too (the overlap
    coefficient, so a cut abstract or one with a copyright line still agrees), or None when either has
    fewer than ``ABSTRACT_MIN_WORDS`` words. Two different works on the same topic score up to about 0.5
    (measured on SYNERGY); an abstract cut in half still scores 0.95 against the whole."""
    wa, wb = _abstract_words(a), _abstract_words(b)
    if len(wa) < ABSTRACT_MIN_WORDS or len(wb) < ABSTRACT_MIN_WORDS:
        return None
    return len(wa & wb) / min(len(wa), len(wb))


def _is_notice(title: str, type_: str | None) -> bool:
    if type_ and type_.lower() in NOTICE_TYPES:
        return True
    return bool(_NOTICE.search(" ".join(title_words(title))))


def _family(type_: str | None) -> str | None:
    t = (type_ or "").lower().replace(" ", "-")
    if t in CONFERENCE_TYPES:
        return "conference"
    if t in JOURNAL_TYPES:
        return "journal"
    return None


def _types_apart(a: str | None, b: str | None) -> bool:
    """Whether two types say different documents: a conference paper or abstract and a journal article, or a
    report, thesis or data set and any other known type (when both types are given)."""
    fa, fb = _family(a), _family(b)
    if fa and fb and fa != fb:
        return True
    ta, tb = (a or "").lower(), (b or "").lower()
    known = {ta, tb} - {"", "other", "generic"}
    return len(known) == 2 and ta != tb and bool(known & STANDALONE_TYPES)


def _numbers(words: Iterable[str]) -> set[str]:
    return {w for w in words if any(ch.isdigit() for ch in w) or w in _ROMAN or w in ("part", "volume", "vol")}


def title_relation(a: str, b: str) -> str | None:
    """How two title keys relate: ``"equal"``, ``"prefix"`` (one is the start of the other: a truncated
    title or a dropped subtitle), ``"similar"`` (93 % alike, whole or over the shorter one's length: typos,
    spelling, a truncated title with a typo) or None."""
    if not a or not b:
        return None
    if a == b:
        return "equal"
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= MIN_SHORT_PREFIX and long_.startswith(short):
        return "prefix"
    if len(short) < MIN_PREFIX or a[:BLOCK] != b[:BLOCK]:
        return None
    other = long_ if len(short) >= FUZZY_RATIO * len(long_) else long_[:len(short)]
    if _DIGITS.findall(short) != _DIGITS.findall(other):  # "Study 1"/"Study 2", "type 1"/"type 2": never
        return None
    matcher = SequenceMatcher(None, short, other, autojunk=False)
    if matcher.quick_ratio() >= FUZZY_RATIO and matcher.ratio() >= FUZZY_RATIO:
        return "similar"
    return None


def _distinguishing_words(cand_title: str, rec_title: str) -> bool:
    """Whether the words only one title has mark a different work: numbers, roman numerals, number and
    ordinal words, or words such as "part", "follow-up", "protocol", "pilot", "reply", "erratum"."""
    wa, wb = title_words(cand_title), title_words(rec_title)
    only = set(wa) ^ set(wb)
    return bool(_numbers(wa) ^ _numbers(wb)) or any(w in _MARKERS or any(ch.isdigit() for ch in w) for w in only)


def titles_match(cand: Candidate, rec: Record, relation: str | None = None) -> bool:
    """Whether a candidate and a record whose titles relate (see ``title_relation``) are the same work.

    The guards are described in the module docstring.
    """
    rkey = rec.title_key or title_key(rec.title)
    relation = relation or title_relation(cand.key, rkey)
    if relation is None:
        return False
    if contradicts(cand, rec, doi=True, openalex=True, pmid=True, eric=True):
        return False
    similarity = abstract_similarity(cand.abstract, rec.abstract)
    if not _specific(cand.key) or not _specific(rkey):
        # "Abstracts", "Editorial": only the very same text in the same year is the same item.
        return (relation == "equal" and cand.year is not None and cand.year == rec.year
                and similarity is not None and similarity >= ABSTRACT_SAME
                and authors_compatible(cand.authors, rec.authors))
    notice_c, notice_r = _is_notice(cand.title, cand.type), _is_notice(rec.title, rec.type)
    if notice_c != notice_r or (notice_c and relation != "equal"):
        return False
    gap = abs(cand.year - rec.year) if cand.year is not None and rec.year is not None else None
    if gap is not None and gap > 1:
        return False
    if _types_apart(cand.type, rec.type):
        return False  # a conference abstract, a final report or a thesis beside the journal article of one study
    rec_authors = rec.authors
    if not authors_compatible(cand.authors, rec_authors):
        return False
    if relation == "equal":
        if _content_words(cand.title) < MIN_SHORT_TITLE_WORDS:  # "Wilson's disease": many papers have that title
            if similarity is not None:
                return similarity >= ABSTRACT_AGREE  # two reviews of one disease share half their words
            same_text = bool(cand.abstract) and fold_text(cand.abstract) == fold_text(rec.abstract)
            return same_text or not _title_only(cand, rec, rec_authors)
        return similarity is None or similarity >= ABSTRACT_VETO
    # Prefix or similar titles: ask for more evidence.
    if similarity is not None and similarity >= ABSTRACT_STRONG:
        return True
    if min(len(cand.key), len(rkey)) < MIN_PREFIX:
        return False  # a short prefix ("Depression in adolescents") needs the abstracts to agree
    if not cand.authors or not rec_authors or cand.year is None or rec.year is None:
        return False
    distinct = _distinguishing_words(cand.title, rec.title)
    if similarity is not None:
        return similarity >= (ABSTRACT_STRONG if distinct else ABSTRACT_AGREE)
    return cand.year == rec.year and not distinct


def _title_only(cand: Candidate, rec: Record, rec_authors: list[str]) -> bool:
    """Whether the title is all two works can be compared on: neither both years nor both author lists."""
    both_years = cand.year is not None and rec.year is not None
    return not both_years and not (cand.authors and rec_authors)


def _content_words(title: str) -> int:
    return len(set(title_words(title)) - STOP_WORDS)


def _specific(key: str) -> bool:
    """Whether a title key names one work: long enough and not a generic heading."""
    return len(key) >= MIN_TITLE_KEY and key not in GENERIC_TITLES


def contradicts(cand: Candidate, rec: Record, *, doi: bool, openalex: bool, pmid: bool = False,
                eric: bool = False) -> bool:
    """True when both sides carry an identifier of a checked kind and the values differ."""
    return (
        (doi and bool(cand.doi and rec.doi) and cand.doi != rec.doi)
        or (openalex and bool(cand.openalex_id and rec.openalex_id) and cand.openalex_id != rec.openalex_id)
        or (pmid and bool(cand.pmid and rec.pmid) and cand.pmid != rec.pmid)
        or (eric and bool(cand.eric_id and rec.eric_id) and cand.eric_id != rec.eric_id)
    )


def doi_contradicted(cand: Candidate, rec: Record) -> bool:
    """Whether a record with the candidate's DOI is clearly another work, so the DOI must not merge them.

    A shared DOI is the strongest evidence lsr has, but a DOI can be wrong at the source (a publisher's
    issue-level DOI on every article, a normaliser that cut a SICI suffix, a typo). It is overruled only by
    clear contradictions: different PMIDs or ERIC numbers; or specific titles unrelated in every way lsr
    knows (no equal, prefix or similar key, fewer than half their content words shared) unless the first
    authors agree and the years are within one (a translated title of the same article).
    """
    if contradicts(cand, rec, doi=False, openalex=False, pmid=True, eric=True):
        return True
    rkey = rec.title_key or title_key(rec.title)
    if not (_specific(cand.key) and _specific(rkey)) or title_relation(cand.key, rkey) is not None:
        return False
    words_c = set(title_words(cand.title)) - STOP_WORDS
    words_r = set(title_words(rec.title)) - STOP_WORDS
    if len(words_c & words_r) >= 0.5 * max(1, min(len(words_c), len(words_r))):
        return False
    rec_authors = rec.authors
    same_people = bool(cand.authors and rec_authors) and authors_compatible(cand.authors, rec_authors)
    close = cand.year is None or rec.year is None or abs(cand.year - rec.year) <= 1
    return not (same_people and close)


@dataclass(frozen=True)
class DoiConflict:
    """A hit kept apart from a record with the same DOI because their PMIDs or ERIC numbers differ or their
    titles clearly do."""

    doi: str
    title: str
    other_record_id: int | None
    other_title: str
    pmid: str | None = None
    other_pmid: str | None = None
    eric_id: str | None = None
    other_eric_id: str | None = None

    def describe(self) -> str:
        """One warning line for the person running the import or update."""
        other = f"record {self.other_record_id}" if self.other_record_id else "another record of this file"
        if self.pmid and self.other_pmid and self.pmid != self.other_pmid:
            why = f"the PMIDs differ: {self.pmid} vs {self.other_pmid}"
        elif self.eric_id and self.other_eric_id and self.eric_id != self.other_eric_id:
            why = f"the ERIC numbers differ: {self.eric_id} vs {self.other_eric_id}"
        else:
            why = f"the titles clearly differ: {self.title[:70]!r} vs {self.other_title[:70]!r}"
        return f"kept apart although the DOI {self.doi} is the same as {other}'s, because {why}; check the DOI at its source"


_RELATION_RANK = {"equal": 0, "prefix": 1, "similar": 2}
_RULES = {"equal": "title", "prefix": "title-prefix", "similar": "title-similar"}


class _Index:
    """Records of one batch by OpenAlex id, DOI, PMID, ERIC number and title: exact key, block (first
    ``BLOCK`` key characters) and head (first ``MIN_SHORT_PREFIX``)."""

    def __init__(self) -> None:
        self.by_oa: dict[str, list[Record]] = {}
        self.by_doi: dict[str, list[Record]] = {}
        self.by_pmid: dict[str, list[Record]] = {}
        self.by_eric: dict[str, list[Record]] = {}
        self.by_key: dict[str, list[Record]] = {}
        self.by_block: dict[str, list[Record]] = {}
        self.by_head: dict[str, list[Record]] = {}
        self.by_id: dict[int, Record] = {}
        self._order: dict[int, int] = {}

    def add(self, rec: Record) -> None:
        """Index a record under its current values (idempotent; call again after enriching it)."""
        if id(rec) not in self._order:
            self._order[id(rec)] = len(self._order)
        if rec.id is not None:
            self.by_id[rec.id] = rec
        key = rec.title_key or ""
        for table, value in ((self.by_oa, rec.openalex_id), (self.by_doi, rec.doi), (self.by_pmid, rec.pmid),
                             (self.by_eric, rec.eric_id), (self.by_key, key), (self.by_block, key[:BLOCK]),
                             (self.by_head, key[:MIN_SHORT_PREFIX])):
            if value:
                bucket = table.setdefault(value, [])
                if not any(r is rec for r in bucket):
                    bucket.append(rec)

    def _sorted(self, recs: Iterable[Record]) -> list[Record]:
        # Existing records by id, then records created in this batch in creation order.
        unique = {id(r): r for r in recs}.values()
        return sorted(unique, key=lambda r: (r.id is None, r.id or 0, self._order.get(id(r), 0)))

    def title_candidates(self, key: str) -> list[Record]:
        """Records whose title key may relate to ``key`` (same block, or a short key that starts it)."""
        found = list(self.by_block.get(key[:BLOCK], [])) if len(key) >= BLOCK else list(
            self.by_head.get(key[:MIN_SHORT_PREFIX], []))
        for n in range(MIN_SHORT_PREFIX, min(BLOCK, len(key))):
            found.extend(self.by_key.get(key[:n], []))
        return self._sorted(found)

    def match(self, cand: Candidate) -> tuple[Record, str] | None:
        """The record this candidate is, by the identity rules, and the rule that matched."""
        if cand.lsr_id is not None and _exported_from(cand, self.by_id.get(cand.lsr_id)):
            return self.by_id[cand.lsr_id], "lsr_id"
        if cand.openalex_id and (hits := self.by_oa.get(cand.openalex_id)):
            return self._sorted(hits)[0], "openalex_id"
        if cand.doi:
            for rec in self._sorted(self.by_doi.get(cand.doi, [])):
                if not doi_contradicted(cand, rec):
                    return rec, "doi"
        if cand.pmid:
            for rec in self._sorted(self.by_pmid.get(cand.pmid, [])):
                if not contradicts(cand, rec, doi=True, openalex=True, eric=True):
                    return rec, "pmid"
        if cand.eric_id:
            for rec in self._sorted(self.by_eric.get(cand.eric_id, [])):
                if not contradicts(cand, rec, doi=True, openalex=True, pmid=True):
                    return rec, "eric_id"
        if not _title_lookup(cand):
            return None
        key = cand.key
        best: tuple[tuple, Record, str] | None = None
        for rec in self.title_candidates(key):
            relation = title_relation(key, rec.title_key or "")
            if relation is None or not titles_match(cand, rec, relation):
                continue
            rank = (_RELATION_RANK[relation], -len(rec.title_key or ""))
            if best is None or rank < best[0]:
                best = (rank, rec, relation)
        return (best[1], _RULES[best[2]]) if best else None


def _exported_from(cand: Candidate, rec: Record | None) -> bool:
    """Whether a row of lsr's own export is the record its ``lsr_id`` names: no identifier contradicts
    it, and the titles agree (equal keys, or one starts the other: the record's title grew since) or,
    without a title, an identifier is equal. An export of another workspace reuses ids: this keeps it apart."""
    if rec is None or contradicts(cand, rec, doi=True, openalex=True, pmid=True, eric=True):
        return False
    key, rkey = cand.key, rec.title_key or ""
    if key and rkey:
        return key.startswith(rkey) or rkey.startswith(key)
    return any(v is not None and v == getattr(rec, a) for a, v in
               (("doi", cand.doi), ("pmid", cand.pmid), ("eric_id", cand.eric_id),
                ("openalex_id", cand.openalex_id)))


def _title_lookup(cand: Candidate) -> bool:
    """Whether a candidate's title is worth looking up: specific, or generic with an abstract to compare."""
    return bool(cand.key) and (_specific(cand.key) or len(_abstract_words(cand.abstract)) >= ABSTRACT_MIN_WORDS)


def _chunks(values: Sequence, size: int = _IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def prefetch(session: Session, review_id: str, cands: Sequence[Candidate]) -> list[Record]:
    """Every record of the review that any of the candidates could match, in a few queries per batch: one
    per identifier kind (chunked ``IN`` lists), and for titles one that collects record ids (``OR``-ed
    index range scans over the title blocks, ``IN`` over short title prefixes) before one loads them."""
    found: dict[int, Record] = {}

    def load(cond) -> None:
        # The raw source JSON is large and rarely needed: loaded on access only.
        query = select(Record).where(Record.review_id == review_id, cond).options(
            defer(Record.raw_json), defer(Record.referenced_works_json))
        for rec in session.exec(query):
            found[rec.id] = rec

    for column, values in ((Record.id, {c.lsr_id for c in cands if c.lsr_id is not None}),
                           (Record.openalex_id, {c.openalex_id for c in cands if c.openalex_id}),
                           (Record.doi, {c.doi for c in cands if c.doi}),
                           (Record.pmid, {c.pmid for c in cands if c.pmid}),
                           (Record.eric_id, {c.eric_id for c in cands if c.eric_id})):
        for chunk in _chunks(sorted(values)):
            load(column.in_(chunk))
    titled = [c for c in cands if _title_lookup(c)]
    blocks = sorted({c.key[:BLOCK] for c in titled})
    # Records whose (short) key is the start of a candidate's key: "Vitamin D in adolescents".
    heads = sorted({c.key[:n] for c in titled for n in range(MIN_SHORT_PREFIX, min(BLOCK, len(c.key)))})
    ids = _title_block_ids(session, review_id, blocks, heads) - found.keys()
    for chunk in _chunks(sorted(ids)):
        load(Record.id.in_(chunk))
    return list(found.values())


def _title_block_ids(session: Session, review_id: str, blocks: list[str], heads: list[str]) -> set[int]:
    """Ids of the review's records whose title key starts with one of ``blocks`` or equals one of ``heads``.

    Plain SQL on purpose: building a few hundred ORM comparisons per batch costs more than the queries.
    On PostgreSQL the ranges compare in the "C" collation (code points), as the keys' prefix order needs.
    """
    table = Record.__table__.name
    column = 'title_key COLLATE "C"' if session.get_bind().dialect.name == "postgresql" else "title_key"
    ids: set[int] = set()
    for chunk in _chunks(blocks, 200):
        params: dict[str, str] = {"review": review_id}
        terms = []
        for i, block in enumerate(chunk):
            params[f"lo{i}"], params[f"hi{i}"] = block, block + _KEY_MAX
            terms.append(f"({column} >= :lo{i} AND {column} < :hi{i})")
        sql = f"SELECT id FROM {table} WHERE review_id = :review AND ({' OR '.join(terms)})"
        ids.update(row[0] for row in session.execute(text(sql), params))
    for chunk in _chunks(heads):
        params = {"review": review_id, **{f"k{i}": head for i, head in enumerate(chunk)}}
        marks = ", ".join(f":k{i}" for i in range(len(chunk)))
        sql = f"SELECT id FROM {table} WHERE review_id = :review AND title_key IN ({marks})"
        ids.update(row[0] for row in session.execute(text(sql), params))
    return ids


def find_match(session: Session, review_id: str, cand: Candidate) -> tuple[Record, str] | None:
    """The existing record of the review this candidate is, and the rule that matched."""
    index = _Index()
    for rec in prefetch(session, review_id, [cand]):
        index.add(rec)
    return index.match(cand)


def _record_from(cand: Candidate, review_id: str, run_id: int | None) -> Record:
    return Record(
        review_id=review_id, openalex_id=cand.openalex_id, doi=cand.doi, pmid=cand.pmid, eric_id=cand.eric_id,
        title=cand.title,
        title_key=cand.key, abstract=cand.abstract, authors_json=AUTHORS.encode(cand.authors),
        year=cand.year, publication_date=cand.publication_date, venue=cand.venue, type=cand.type,
        language=cand.language, keywords_json=KEYWORDS.encode(cand.keywords),
        referenced_works_json=REFERENCED_WORKS.encode(cand.referenced_works),
        raw_json=RAW.encode(cand.raw), first_seen_run_id=run_id,
    )


def _is_openalex_raw(raw: dict | None) -> bool:
    return bool(raw) and "openalex.org/W" in str(raw.get("id", ""))


def enrich(rec: Record, cand: Candidate) -> None:
    """Fill what the record lacks from a duplicate hit; the richer value wins, identifiers are kept."""
    for attr in ("doi", "pmid", "eric_id", "year", "publication_date", "venue", "type", "language"):
        if getattr(rec, attr) in (None, "") and getattr(cand, attr) not in (None, ""):
            setattr(rec, attr, getattr(cand, attr))
    if not rec.openalex_id and cand.openalex_id:
        rec.openalex_id = cand.openalex_id
        if _is_openalex_raw(cand.raw):
            rec.raw = cand.raw
    if len(cand.abstract) > len(rec.abstract or ""):
        rec.abstract = cand.abstract
    if len(cand.key) > len(rec.title_key or ""):
        rec.title, rec.title_key = cand.title, cand.key
    authors = rec.authors
    if cand.authors and (not authors or len(cand.authors) > len(authors)):
        rec.authors = cand.authors
    if cand.referenced_works and not rec.referenced_works:
        rec.referenced_works = cand.referenced_works
    if cand.keywords and not rec.keywords:
        rec.keywords = cand.keywords


@dataclass
class IngestResult:
    record: Record
    is_new: bool
    rule: str | None  # matching rule for duplicates; "doi-kept-apart" for a new record that shares a DOI
    already_recorded: bool = False  # the same hit of the same run was stored before (resumed run)


class Ingest:
    """Adds one run's hits to a review inside the caller's session (the caller commits)."""

    def __init__(self, session: Session, review_id: str, run: SearchRun, kind: str) -> None:
        self.session, self.review_id, self.run, self.kind = session, review_id, run, kind
        #: hits stored as new records although a record had their DOI (see ``doi_contradicted``)
        self.doi_conflicts: list[DoiConflict] = []

    def add(self, cand: Candidate, source_key: str, *, keep_raw: bool = False) -> IngestResult:
        """Match or insert one hit and record its provenance; updates the run's counters. With ``keep_raw``
        a hit merged into an existing record keeps its own data (``Candidate.raw``) on its provenance row,
        so the merge can be checked (and undone) later; a new record holds it already."""
        return self.add_many([(cand, source_key)], keep_raw=keep_raw)[0]

    def add_many(self, pairs: Iterable[tuple[Candidate, str]], *, keep_raw: bool = False,
                 batch_size: int = BATCH) -> list[IngestResult]:
        """Match or insert many hits, in order, with the same results as calling ``add`` for each.

        Records are looked up ``batch_size`` hits at a time (a handful of queries per batch), hits of the
        same batch match each other from memory, and each batch is flushed once.
        """
        results: list[IngestResult] = []
        batch: list[tuple[Candidate, str]] = []
        for pair in pairs:
            batch.append(pair)
            if len(batch) >= batch_size:
                results.extend(self._add_batch(batch, keep_raw))
                batch = []
        if batch:
            results.extend(self._add_batch(batch, keep_raw))
        return results

    def _add_batch(self, batch: list[tuple[Candidate, str]], keep_raw: bool) -> list[IngestResult]:
        s, run = self.session, self.run
        if run.id is None:
            s.add(run)
            s.flush()
        index = _Index()
        for rec in prefetch(s, self.review_id, [c for c, _ in batch]):
            index.add(rec)
        keys = sorted({k for _, k in batch})
        seen: set[tuple[int, str]] = set()
        for chunk in _chunks(keys):
            rows = s.exec(select(RecordSource.record_id, RecordSource.source_key).where(
                RecordSource.search_run_id == run.id, RecordSource.source_key.in_(chunk)))
            seen.update((rid, key) for rid, key in rows)
        stored: dict[int, Record] = {}  # id(rec) -> rec for records already in the database
        pending: list[tuple[IngestResult, Candidate, str]] = []
        batch_hits: set[tuple[int, str]] = set()
        results: list[IngestResult] = []
        with s.no_autoflush:
            for cand, source_key in batch:
                match = index.match(cand)
                if match is not None:
                    rec, rule = match
                    if (rec.id is not None and (rec.id, source_key) in seen) or (id(rec), source_key) in batch_hits:
                        results.append(IngestResult(rec, False, rule, already_recorded=True))
                        continue
                    enrich(rec, cand)
                    index.add(rec)
                    result = IngestResult(rec, False, rule)
                else:
                    twins = index.by_doi.get(cand.doi, []) if cand.doi else []
                    rec = _record_from(cand, self.review_id, run.id)
                    s.add(rec)
                    index.add(rec)
                    result = IngestResult(rec, True, "doi-kept-apart" if twins else None)
                    if twins:
                        self.doi_conflicts.append(DoiConflict(cand.doi, cand.title, twins[0].id, twins[0].title,
                                                              cand.pmid, twins[0].pmid, cand.eric_id,
                                                              twins[0].eric_id))
                if rec.id is not None:
                    stored[id(rec)] = rec
                batch_hits.add((id(rec), source_key))
                pending.append((result, cand, source_key))
                results.append(result)
        s.add_all(stored.values())
        s.flush()  # new records get their ids
        now = utcnow()
        sources = []
        for result, cand, source_key in pending:
            sources.append(dict(
                review_id=self.review_id, record_id=result.record.id, search_run_id=run.id, kind=self.kind,
                source_key=source_key, is_duplicate=not result.is_new, match_rule=result.rule,
                raw_json=RAW.encode(cand.raw) if keep_raw and not result.is_new else None, created_at=now))
            run.results_returned += 1
            if result.is_new:
                run.new_records += 1
            else:
                run.duplicates += 1
        if sources:  # provenance rows are never read back here: one executemany, no ORM objects
            s.execute(insert(RecordSource.__table__), sources)
        s.add(run)
        s.flush()
        return results


def kept_apart(session: Session, run_id: int) -> list[DoiConflict]:
    """The hits of one run that were stored as new records although a record had their DOI (rule
    ``doi-kept-apart``), each with the first other record of that DOI, for the caller to report."""
    rows = session.exec(select(Record).join(RecordSource, RecordSource.record_id == Record.id).where(
        RecordSource.search_run_id == run_id, RecordSource.match_rule == "doi-kept-apart")).all()
    out = []
    for rec in rows:
        other = session.exec(select(Record).where(Record.review_id == rec.review_id, Record.doi == rec.doi,
                                                  Record.id != rec.id).order_by(Record.id)).first()
        out.append(DoiConflict(rec.doi or "", rec.title or "", other.id if other else None,
                               other.title if other else "", rec.pmid, other.pmid if other else None,
                               rec.eric_id, other.eric_id if other else None))
    return out
