"""Reading RIS files (Scopus, Web of Science, PubMed via EndNote/Zotero, EndNote, Zotero, JSTOR, Ovid,
Embase, PsycINFO, ProQuest, TRID, lsr's own export) into ``Candidate``s, and the RIS vocabulary lsr writes back.

Owns RIS structure checking and field mapping. rispy 0.9 parses the records, but first this module walks
the lines itself, because rispy silently drops a final record without ``ER``, reports other problems
without the file's line numbers, and adds a line without a tag to the last tag it knows (skipping unknown
ones such as Ovid's ``NL``). Accepted around records: blank lines, counter lines (``1.``, Ovid's ``47. ``,
``Record #1 of 2``), ``Key: value`` header lines (JSTOR's ``Provider:``/``Database:`` before each record,
PsycINFO's once above them all) and, between records, bare links (Ovid, Embase) and tag lines (Ovid writes
``NL`` after a record's ``ER``), which are left out with one warning. Inside a record, a line without a tag
continues the previous tag (one more item of a list tag such as ``KW``), and PubMed-style ``PMID`` lines
(PsycINFO) are kept as tags. Tag lines with one space before the dash (``TY - JOUR``) are accepted when the
file uses that style throughout; in a file that writes ``TY  - JOUR``, a known RIS tag written so
(``KW - keyword``) is still that tag, not text of the field above it. Refused, naming the line: other text
outside a record, a tag before the first ``TY``, a ``TY`` before the previous record's ``ER``, an ``ER``
that closes no record (the tags of a record that lost its ``TY``), a final record without ``ER``, and a line
under an author that looks like a tag RIS does not know (``XY - value``), which would otherwise become one
more author. A record with no title, abstract or identifier (a note or attachment exported on its own) is
left out with a warning, and a file none of whose records has one is refused (``framing.left_out``). A
record whose ``PY``/``Y1``/``DA`` holds no year lsr can read is kept without a year, with a warning naming
the line.

Labels that lsr's own RIS export (keyword ``lsr:include`` …) or ASReview LAB's (note
``ASReview_relevant`` …, also when Zotero wrapped it in HTML: ``<p>ASReview_relevant</p>``) carry are
returned with each record and removed from its keywords and notes; so are lsr's decision notes
(``N1  - lsr-note: …``) and record id (``ID  - lsr:42``). The ERIC number (``EJ…``/``ED…``) is an ``AN`` or
``ID`` that is one, an eric.ed.gov or EBSCOhost ERIC link, or a note saying so (``_eric_id``). The database a
record names (``DB``, else ``DP``, else the ``Database:`` header above it) is its source name; a code some
exporters write there (EndNote's ``NLM``, EBSCOhost's ``psyh``) becomes the database's name
(``lsr.search.databases``). A platform's export whose records all link to the platform (ProQuest) but name
different databases, or none lsr knows, is named after the platform and those databases ("ProQuest (…)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import rispy
from rispy.parser import ParseError

from lsr.errors import LsrError
from lsr.search.databases import database_from_code, names_database
from lsr.search.dedupe import Candidate
from lsr.search.identity import (
    eric_id_in_link,
    eric_id_named_in,
    normalize_doi,
    normalize_eric_id,
    normalize_openalex_id,
    normalize_pmid,
    plain_text,
    pmid_named_in,
)
from lsr.search.importers.framing import RecordFrames, clip_line, to_source_records
from lsr.search.importers.names import distinct
from lsr.search.importers.rayyan import with_rayyan_decisions

STRICT_TAG = re.compile(r"^([A-Z][A-Z0-9])  - ?(.*)$|^(ER)  -\s*$")
LOOSE_TAG = re.compile(r"^([A-Z][A-Z0-9])[ \t]{1,3}-(?:[ \t](.*)|[ \t]*)$")
COUNTER = re.compile(r"^\s*(?:\d+\.?|Record #\d+ of \d+)\s*$")  # "1.", Ovid's "47. ", "Record #1 of 2"
HEADER = re.compile(r"^[A-Za-z][\w ()/.,-]{0,60}:(?:\s|$)")  # "Provider: JSTOR", "Link to the Ovid Full Text:"
URL_LINE = re.compile(r"^\s*https?://\S+\s*$")  # a database's link printed between records (Ovid, Embase)
LONG_TAG = re.compile(r"^(PMID|PMCID)\s*-\s?(.*)$")  # PubMed-style tags some exporters mix in (PsycINFO)
LIST_TAGS = frozenset(rispy.LIST_TYPE_TAGS)
# The RIS tags a line written "KW - value" (one to three spaces before the dash) is read as in a file that
# otherwise writes "KW  - value": rispy's and a few more exporters write (Ovid's L3, IEEE's VO). Text that
# merely starts with two capitals and a dash inside a field ("US - based") stays text.
KNOWN_TAGS = frozenset(rispy.TAG_KEY_MAPPING) | {"L3", "M2", "U1", "U2", "U3", "U4", "U5", "VO", "Y3", "ED", "BT"}
AUTHOR_TAGS = frozenset({"AU", "A1", "A2", "A3", "A4"})
TAG_LIKE = re.compile(r"^\s*[A-Z][A-Z0-9]{1,3}\s*-(?:\s|$)")  # "XY - ...", "DOI - ...": a tag the file spells oddly
YEAR_TAGS = ("PY", "Y1", "DA")  # the fields a record's year is read from (Y2 is the access date in most exports)
DB_HEADER = re.compile(r"^\s*Database:\s*(\S.*?)\s*$", re.IGNORECASE)  # "Database: PsycINFO" above the records
# Hosts of search platforms whose exports link every record to the platform's copy, which hold many databases.
PLATFORM_HOSTS = (("proquest.com", "ProQuest"), ("ebscohost.com", "EBSCOhost"), ("ovid.com", "Ovid"))
YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2[01]\d\d)(?!\d)")
COMPACT_DATE = re.compile(r"(?<!\d)(1[5-9]\d\d|2[01]\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)")  # 20170812
# Month abbreviations -> numbers, for the readers that date records by month names (MEDLINE, BibTeX, refer).
MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                      "dec"), 1)}

# RIS reference types -> OpenAlex work types (what lsr stores), and back for export.
RIS_TYPES = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article", "NEWS": "article",
    "ABST": "abstract", "INPR": "article", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book",
    "CHAP": "book-chapter", "ECHAP": "book-chapter", "CONF": "proceedings-article", "CPAPER": "proceedings-article",
    "THES": "dissertation", "RPRT": "report", "GOVDOC": "report", "DATA": "dataset", "DBASE": "dataset",
    "PREPRINT": "preprint", "SER": "book-series", "STD": "standard", "ELEC": "other", "GEN": "other",
}
TYPES_RIS = {
    "article": "JOUR", "journal-article": "JOUR", "review": "JOUR", "letter": "JOUR", "editorial": "JOUR", "erratum": "JOUR",
    "retraction": "JOUR", "abstract": "ABST", "book": "BOOK", "book-chapter": "CHAP",
    "proceedings-article": "CPAPER", "dissertation": "THES", "report": "RPRT", "dataset": "DATA",
    "preprint": "JOUR", "standard": "STAND", "book-series": "SER", "other": "GEN",
}
LSR_LABEL_KEYWORD = "lsr:"  # lsr:include | lsr:exclude | lsr:maybe
LSR_REASON_KEYWORD = "lsr-reason:"
LSR_NOTE = "lsr-note:"  # N1  - lsr-note: <the decision's note>
LSR_ID = re.compile(r"lsr:(\d+)")  # ID  - lsr:<record id>
ASREVIEW_NOTES = {"ASReview_relevant": "include", "ASReview_irrelevant": "exclude", "ASReview_not_seen": None}
@dataclass
class SourceRecord:
    """One record read from an import file: where it starts, what it says, and any label it carries."""

    line: int
    candidate: Candidate
    label: str | None = None  # include | exclude | maybe
    reason: str | None = None
    # the database the record names: RIS DB/DP (Scopus, PubMed, ...), else a "Database:" header above it; in a
    # platform's export whose records name different databases, the platform and those ("ProQuest (…)")
    database: str | None = None
    note: str | None = None  # a decision note the file carries (lsr's export, ASReview's asreview_note)
    # decisions of named team members that another screening tool exported (Rayyan): member -> (label, note);
    # ``reason`` then holds that tool's exclusion reasons for the record
    member_labels: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    key: str | None = None  # the record's position when its line alone does not tell it (XML: "line:column")
    # the full-text label of a record the file marks as included at title/abstract, when the file labels both
    # stages (ASReview's benchmark CSVs: label_abstract_screening beside label_included); ``label`` is then
    # the title/abstract label
    full_text: str | None = None

    @property
    def final_label(self) -> str | None:
        """The record's label after every stage the file records (what a simulation screens for)."""
        return self.full_text or self.label

    @property
    def source_key(self) -> str:
        """The record's key within its import (``RecordSource.source_key``): its position in the file."""
        return self.key or str(self.line)


def looks_like_ris(lines: list[str]) -> bool:
    """Whether the first tag line of the text is a RIS ``TY`` line (after counters and headers)."""
    for line in lines[:200]:
        if not line.strip() or COUNTER.match(line):
            continue
        match = LOOSE_TAG.match(line)
        if match:
            return match.group(1) == "TY"
        if not HEADER.match(line):
            return False
    return False


def read_ris(text: str | list[str], name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse RIS text (newlines already normalised; or its lines, which are then rewritten in
    place) into source records, with warnings for the tag lines left out between records, for the records
    left out because they have no title, abstract or identifier, and for dates no year could be read from.

    Raises:
        LsrError: the structure is broken, or no record has a title, abstract or identifier; the message
            names file and line.
    """
    lines = text.split("\n") if isinstance(text, str) else text  # checked and rewritten in place
    first_ty = next((ln for ln in lines if LOOSE_TAG.match(ln) and ln[:2] == "TY"), "")
    loose = not STRICT_TAG.match(first_ty)
    frames = RecordFrames(name, "TY", "RIS")
    extras: list[dict[str, list[str]]] = []  # per record: tags rispy cannot hold (PMID)
    dates: list[list[tuple[int, str]]] = []  # per record: its year fields' lines (number, text)
    headed: list[str | None] = []  # per record: the database the last "Database:" header above it names
    header_db: str | None = None
    seen_record = False
    last: tuple[str, int] | None = None  # the record's last tag and its line index
    between: list[tuple[int, str]] = []  # tag lines after an ER, before the next TY (Ovid's NL): left out
    for n, line in enumerate(lines, 1):
        match = _tag_line(line, loose)
        tag = (match.group(1) or match.group(3)) if match else None
        if tag is not None:  # rebuilt in the one form rispy recognises ("XX  - value")
            line = "ER  - " if tag == "ER" else f"{tag}  - {(match.group(2) or '').strip()}"
        if tag is None:
            if not frames.inside and line.strip():
                if COUNTER.match(line) or HEADER.match(line) or (seen_record and URL_LINE.match(line)):
                    if db := DB_HEADER.match(line):
                        header_db = db.group(1)
                    line = ""
                else:
                    what = "before the first record" if not seen_record else "between records"
                    raise LsrError(f"{name}: line {n}: text {what} is not RIS: {clip_line(line)}")
            elif frames.inside and line.strip():
                line = _continue(lines, line, last, extras[-1], f"{name}: line {n}")
        elif tag == "TY":
            frames.open(n)
            extras.append({})
            dates.append([])
            headed.append(header_db)
            seen_record = True
        elif tag == "ER":
            frames.close(n)
        elif not frames.inside and seen_record:
            between.append((n, line))
            line = ""
        elif not frames.inside:
            raise LsrError(f"{name}: line {n}: tag {tag} outside a record (a record starts with TY)")
        elif tag in YEAR_TAGS and line[6:].strip():
            dates[-1].append((n, lines[n - 1]))
        if tag is not None:
            last = (tag, n - 1)
        lines[n - 1] = line
    starts = frames.finish()
    try:
        entries = rispy.RisParser(skip_unknown_tags=False).parse_lines(lines)
    except ParseError as exc:
        raise LsrError(f"{name}: not valid RIS: {str(exc).splitlines()[0]}") from None
    if len(entries) != len(starts):
        raise LsrError(f"{name}: RIS parser found {len(entries)} records where the file has {len(starts)} TY lines")
    for entry, extra in zip(entries, extras, strict=True):
        if extra:
            unknown = entry.setdefault("unknown_tag", {})
            for tag, values in extra.items():
                unknown.setdefault(tag, []).extend(values)
    del lines
    warnings: list[str] = []
    if between:
        warnings.append(f"{name}: {len(between)} tag line(s) between records (after an ER, before the next TY) left "
                        f"out, the first at line {between[0][0]}: {clip_line(between[0][1])}")
    records, left_out = to_source_records(name, starts, entries, entry_to_record)
    warnings += left_out
    at = {line: i for i, line in enumerate(starts)}  # a record's place among the TY lines (some were left out)
    for rec in records:
        rec.database = rec.database or database_from_code(headed[at[rec.line]])
    _name_platform(records)
    lost = [dates[at[rec.line]][0] for rec in records if dates[at[rec.line]] and rec.candidate.year is None]
    if lost:
        at = f"line {lost[0][0]}" if len(lost) == 1 else "lines " + ", ".join(str(n) for n, _ in lost[:5])
        warnings.append(f"{name}: {len(lost)} record(s) have a date with no year lsr can read and are stored without "
                        f"a year ({at}{', …' if len(lost) > 5 else ''}: {clip_line(lost[0][1])})")
    return records, tuple(warnings)


def _name_platform(records: list[SourceRecord]) -> None:
    """A platform's export whose records name its databases differently (ProQuest: "ProQuest Dissertations &
    Theses Global" for one, "Publicly Available Content Database" for the next), or name one lsr does not
    know as a database ("ABI/INFORM Collection"), names the platform and those databases in every record,
    "ProQuest (ABI/INFORM Collection; …)", so that the file counts as that database search. Only when every
    record links to the platform (ProQuest's ``docview`` links); other files keep what their records name."""
    names = {r.database for r in records}
    if len(names) == 1 and names_database(next(iter(names))):
        return
    platforms = {_platform(r) for r in records}
    if len(platforms) != 1 or None in platforms:
        return
    platform = platforms.pop()
    databases = list(dict.fromkeys(part.strip() for r in records for part in (r.database or "").split(";")
                                   if part.strip()))
    shown = "; ".join(databases[:3]) + ("; …" if len(databases) > 3 else "")
    for rec in records:
        rec.database = f"{platform} ({shown})" if shown else platform


def _platform(record: SourceRecord) -> str | None:
    """The search platform a record's links point to (``PLATFORM_HOSTS``), or None."""
    fields = record.candidate.raw.get("fields", {}) if isinstance(record.candidate.raw, dict) else {}
    for url in _all(fields, "urls", "file_attachments1", "file_attachments2"):
        host = re.match(r"^\s*https?://([^/?#\s]+)", url)
        for suffix, platform in PLATFORM_HOSTS:
            if host and (host.group(1).lower() == suffix or host.group(1).lower().endswith("." + suffix)):
                return platform
    return None


def _tag_line(line: str, loose: bool) -> re.Match | None:
    """The line as a tag line, or None. In a file that writes ``XX  - value`` a known RIS tag written with
    one to three spaces (or tabs) before the dash (``KW - keyword``) is that tag too, not text of the field above it."""
    if loose:
        return LOOSE_TAG.match(line)
    match = STRICT_TAG.match(line)
    if match is None and (odd := LOOSE_TAG.match(line)) and odd.group(1) in KNOWN_TAGS:
        return odd
    return match


def _continue(lines: list[str], line: str, last: tuple[str, int] | None, extra: dict[str, list[str]],
              where: str) -> str:
    """A line without a tag inside a record: a PubMed-style tag (kept aside, rispy cannot hold it), or the
    continuation of the previous tag. rispy would add it to the last tag *it knows*, skipping unknown ones
    (so a PMID line after TY became part of the type); here a list tag (AU, KW, N1, UR …) gets it as one
    more item, as EndNote's one-keyword-per-line export means, and any other tag gets it appended.

    Raises:
        LsrError: the line looks like a tag lsr does not know (``XY - …``) and would become an author.
    """
    long_tag = LONG_TAG.match(line.strip())
    if long_tag:
        extra.setdefault(long_tag.group(1), []).append(long_tag.group(2).strip())
        return ""
    if last is None:  # unreachable: a record starts with its TY line
        return line
    tag, index = last
    if tag in AUTHOR_TAGS and TAG_LIKE.match(line):
        raise LsrError(f"{where}: {clip_line(line)} looks like a tag line, but not one RIS knows, and would be read "
                       f"as one more author of the {tag} field above it (line {index + 1}); write the tag as "
                       f"'XX  - value' (two letters, two spaces, a dash) or remove the line")
    if tag in LIST_TAGS:
        return f"{tag}  - {line.strip()}"
    lines[index] = f"{lines[index].rstrip()} {line.strip()}"
    return ""


def _first(entry: dict, *names: str) -> str:
    for key in names:
        value = entry.get(key)
        if isinstance(value, list):
            value = next((v for v in value if v and str(v).strip()), None)
        if value and str(value).strip():
            return str(value).strip()
    return ""


def _all(entry: dict, *names: str) -> list[str]:
    out: list[str] = []
    for key in names:
        value = entry.get(key)
        if value is None:
            continue
        for v in value if isinstance(value, list) else [value]:
            if v is not None and str(v).strip():
                out.append(str(v).strip())
    return out


def parse_year(*values: str | None) -> int | None:
    """The first plausible year (1500-2199) in any of the values: "2019///", "2019/05/12", "May 2019", and a
    date written without separators in free text ("Start date: 20170812", TRID)."""
    for value in values:
        text = str(value or "")
        match = YEAR.search(text) or COMPACT_DATE.search(text)
        if match:
            return int(match.group(1))
    return None


def parse_date(*values: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD or YYYY-MM) from RIS ``DA``/``Y1``/``PY`` forms like ``2019/05/12/``, or a
    YYYYMMDD date anywhere in the value ("Start date: 20170812")."""
    for value in values:
        match = re.match(r"^\s*(\d{4})[/-](\d{1,2})(?:[/-](\d{1,2}))?", str(value or ""))
        if match and 1 <= int(match.group(2)) <= 12:
            y, m, d = match.groups()
            return f"{y}-{int(m):02d}" + (f"-{int(d):02d}" if d and 1 <= int(d) <= 31 else "")
        if compact := COMPACT_DATE.search(str(value or "")):
            return "-".join(compact.groups())
    return None


def entry_to_record(entry: dict, line: int) -> SourceRecord:
    """Map one rispy entry to a ``SourceRecord`` (field choices per exporter are in the comments)."""
    unknown = {k: list(v) for k, v in (entry.get("unknown_tag") or {}).items()}
    notes = _all(entry, "notes")
    keywords = _all(entry, "keywords")
    label, reason = None, None
    kept_keywords = []
    for kw in keywords:
        low = kw.lower()
        if low.startswith(LSR_REASON_KEYWORD):
            reason = kw[len(LSR_REASON_KEYWORD):].strip() or None
        elif low.startswith(LSR_LABEL_KEYWORD) and low[len(LSR_LABEL_KEYWORD):] in ("include", "exclude", "maybe"):
            label = low[len(LSR_LABEL_KEYWORD):]
        elif low.startswith(LSR_LABEL_KEYWORD) and low[len(LSR_LABEL_KEYWORD):] == "unscreened":
            continue
        else:  # PsycINFO and MEDLINE mark a major heading "*Debt"
            kept_keywords.append(kw.lstrip("*").strip() or kw)
    # Web of Science's RIS gives author keywords and Keywords Plus alike as KW: "reading" and "READING" are one
    kept_keywords = distinct(kept_keywords)
    kept_notes, decision_notes = [], []
    for note in notes:
        text = plain_text(note)
        # ASReview reads its marker anywhere in a note (a note edited in EndNote or Zotero may say more)
        marker = next((m for m in ASREVIEW_NOTES if m in text), None)
        if marker is not None:
            label = label or ASREVIEW_NOTES[marker]
            if text != marker:  # the reviewer's own words in the same note are kept
                kept_notes.append(note)
        elif note.startswith(LSR_NOTE):
            decision_notes.append(note[len(LSR_NOTE):].strip())
        elif not note.startswith("lsr:"):
            kept_notes.append(note)
    urls = _all(entry, "urls", "file_attachments1", "file_attachments2") + unknown.get("L3", [])
    database = _first(entry, "name_of_database", "database_provider") or None
    database = database_from_code(database)
    # DOI: DO; EndNote sometimes M3 or N1; Scopus also inside the UR link (doi=10.1016%2f...).
    doi = None
    for value in [*_all(entry, "doi"), *urls, *_all(entry, "type_of_work", "note")]:
        doi = normalize_doi(value)
        if doi:
            break
    # PMID: the record's own fields first: PubMed-style PMID/PM tags, AN when the database is PubMed/MEDLINE,
    # the bare id Scopus writes in C2 and Embase (Elsevier) in C5; only then a PubMed link, or "PMID: n" in a
    # note (N1, or NO as some exporters tag notes) or a custom field.
    pmid = next((p for p in map(normalize_pmid, [*unknown.get("PMID", []), *unknown.get("PM", [])]) if p), None)
    accession = _first(entry, "accession_number")
    if not pmid and accession.isdigit() and re.search(r"pubmed|medline|nlm", database or "", re.IGNORECASE):
        pmid = normalize_pmid(accession)
    bare = {"scopus": "custom2", "embase": "custom5"}.get((database or "").strip().lower())
    if not pmid and bare and _first(entry, bare).isdigit():
        pmid = normalize_pmid(_first(entry, bare))
    pmid = pmid or next((p for p in map(pmid_named_in, [
        *urls, *kept_notes, *unknown.get("NO", []),
        *_all(entry, "custom1", "custom2", "custom6", "note", "accession_number")]) if p), None)
    openalex = next((o for o in (normalize_openalex_id(u) for u in urls if "openalex.org" in u) if o), None)
    ty = str(entry.get("type_of_reference") or "").strip().upper()
    # AU and A1 are both "author" (A1 the older spelling); a record with both lost its A1 names before. AU first,
    # as ASReview LAB reads them, each name once.
    authors = list(dict.fromkeys(_all(entry, "authors") + _all(entry, "first_authors")))
    title = _first(entry, "title", "primary_title", "translated_title", "short_title")
    if not title and ty in ("BOOK", "EBOOK", "EDBOOK"):
        title = _first(entry, "secondary_title")
    is_journal = ty in ("JOUR", "JFULL", "EJOUR", "MGZN", "NEWS", "INPR", "")
    venue = (_first(entry, "alternate_title3", "journal_name", "secondary_title", "alternate_title1", "alternate_title2")
             if is_journal else _first(entry, "secondary_title", "alternate_title3", "journal_name", "tertiary_title"))
    if ty == "THES":  # a thesis' PB is its school; ProQuest's JF names the database ("ProQuest Dissertations …")
        venue = _first(entry, "publisher") or venue
    year_fields = (_first(entry, "year"), _first(entry, "publication_year"), _first(entry, "date"))
    cand = Candidate(
        title=_squash(title),
        abstract=_squash(_first(entry, "abstract", "notes_abstract")),
        authors=authors,
        year=parse_year(*year_fields),
        publication_date=parse_date(_first(entry, "date"), _first(entry, "publication_year"), _first(entry, "year")),
        venue=venue or None,
        type=_document_type(_first(entry, "type_of_work")) or RIS_TYPES.get(ty, ty.lower() or None),
        language=_first(entry, "language") or None,
        doi=doi,
        pmid=pmid,
        eric_id=_eric_id(entry, urls, kept_notes, unknown),
        openalex_id=openalex,
        keywords=kept_keywords,
        raw={"format": "ris", "line": line, "fields": _jsonable(entry)},
        lsr_id=int(lsr_id.group(1)) if (lsr_id := LSR_ID.fullmatch(_first(entry, "id"))) else None,
    )
    record = SourceRecord(line=line, candidate=cand, label=label, reason=reason, database=database,
                          note=" | ".join(decision_notes) or None)
    return with_rayyan_decisions(record, next((n for n in notes if "RAYYAN-INCLUSION" in n), None))


def _eric_id(entry: dict, urls: list[str], notes: list[str], unknown: dict[str, list[str]]) -> str | None:
    """The record's ERIC number (``identity.normalize_eric_id``): an accession number that is one (``AN``:
    EBSCOhost's accession number of an ERIC record is its ERIC number; EndNote's and refer's accession number,
    Ovid's ``UI``, map here too), an ``ID`` that is one (ERIC's own RIS before 2013 put it there; Ovid's RIS
    puts its accession number there), then a link to the record on eric.ed.gov or in EBSCOhost's ERIC
    (``db=eric&AN=…``), then a note or custom field that says "ERIC Number: …" (Zotero's Extra) or "Accession
    Number: EJ…" (EBSCOhost's N1). Another database's accession number or a report number that merely looks
    alike is not read: only the whole value counts, or a label or link."""
    own = (normalize_eric_id(v) for v in (_first(entry, "accession_number"), _first(entry, "id")))
    linked = (eric_id_in_link(u) for u in urls)
    named = map(eric_id_named_in, [*notes, *unknown.get("NO", []), *unknown.get("M2", []),
                                   *_all(entry, "note", "custom1", "custom2", "custom3", "custom6")])
    return next((e for found in (own, linked, named) for e in found if e), None)


DOCUMENT_TYPES = {  # Scopus/EndNote "M3" document types that say more than TY
    "article": "article", "review": "review", "erratum": "erratum", "correction": "erratum", "letter": "letter",
    "editorial": "editorial", "note": "article", "conference paper": "proceedings-article",
    "conference review": "proceedings-article", "conference abstract": "proceedings-article", "retracted": "retraction", "retraction": "retraction",
    "book chapter": "book-chapter", "book": "book", "short survey": "review", "data paper": "dataset",
}


def _document_type(value: str) -> str | None:
    """Scopus' "Article"/"Erratum"/… or an OpenAlex type as lsr writes it (``M3  - journal-article``)."""
    value = (value or "").strip()
    if re.fullmatch(r"[a-z]+(?:-[a-z]+)*", value):
        return value
    return DOCUMENT_TYPES.get(value.lower())


def _squash(text: str) -> str:
    """Line breaks and tabs become spaces; other whitespace (thin, no-break) is kept as written."""
    return re.sub(r"[\t\r\n]+", " ", text).strip()


def _jsonable(entry: dict) -> dict:
    out = {}
    for key, value in entry.items():
        out[key] = {k: list(v) for k, v in value.items()} if isinstance(value, dict) else value
    return out
