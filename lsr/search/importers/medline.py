"""Reading the MEDLINE format into source records: PubMed's own export (PubMed "Save" as "PubMed", "Send to:
Citation manager" ``.nbib``) and ERIC's ``.nbib`` export, which uses the same tags.

Owns the structure check and field mapping of MEDLINE: a record starts with its ``PMID-`` line (PubMed) or,
between records, its ``OWN -`` line (ERIC's records have no PMID and open with ``OWN - ERIC``), and ends at
a blank line; every other line is a tag padded to four characters, ``- `` and a value (``TI  - …``,
``PMID- …``), or the continuation of the line above, indented six spaces. The tags are NLM's "MEDLINE/PubMed
Data Element (Field) Descriptions". The format is simple enough that no parser library is needed: the
line walk that names the line of a problem *is* the parser. Refused, naming the line: text before the first
record or between records that is not a ``PMID-`` or ``OWN -`` line, a line inside a record that is
neither a tag nor a continuation, a continuation with no tag above it. A record with no title, abstract or
identifier is left out with a warning, and a file none of whose records has one is refused
(``framing.left_out``).

Mapped: ``TI`` (``BTI`` for a book), ``AB``, ``FAU`` (``AU``, or ``CN`` for a group, when there is no
full name), ``DP`` (year and date), ``JT``/``TA`` (venue), ``PT`` (type), ``LA`` (ISO 639-2, mapped to
OpenAlex's two-letter codes for the common languages; ERIC writes the language's English name), the DOI
from ``LID``/``AID`` values marked ``[doi]`` (PubMed) or written as a DOI link (ERIC:
``AID - http://dx.doi.org/10…``), else the ``doi:`` in ``SO``, ``PMID``, and ``OT``/``MH`` as keywords.
The database is PubMed for a record with a PMID, else its ``OWN`` (``ERIC``). ERIC's number is its ``OID``
(``OID - ED562752``), else the eric.ed.gov link ERIC writes in ``LID`` (``http://eric.ed.gov/?id=ED562752``);
PubMed's ``OID`` (``NLM: PMC38908``) is no ERIC number.
"""

from __future__ import annotations

import re

from lsr.errors import LsrError
from lsr.search.dedupe import Candidate
from lsr.search.identity import eric_id_in_link, normalize_eric_id
from lsr.search.importers.framing import clip_line, to_source_records
from lsr.search.importers.ris import MONTHS, SourceRecord, parse_date, parse_year

TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$")
CONTINUATION = re.compile(r"^(?:\t| {2,})\s*\S")  # NLM indents six spaces; an editor may shorten or tab them
FIRST_LINE = re.compile(r"^(?:PMID- ?\d|OWN - ?\S)")  # PubMed's record opens with its PMID, ERIC's with OWN

# PT values (most specific first) -> OpenAlex work types, as the other readers map theirs.
PUBLICATION_TYPES = (
    ("retracted publication", "retraction"), ("retraction of publication", "retraction"),
    ("published erratum", "erratum"), ("preprint", "preprint"), ("editorial", "editorial"),
    ("letter", "letter"), ("comment", "letter"), ("review", "review"), ("systematic review", "review"),
    ("meta-analysis", "review"), ("congress", "proceedings-article"), ("dataset", "dataset"),
    # ERIC's publication types (an article is typed "Journal Articles" and also "Reports - Research")
    ("journal articles", "article"), ("dissertations/theses", "dissertation"), ("books", "book"),
    ("speeches/meeting papers", "proceedings-article"), ("reports - ", "report"),
)
LANGUAGES = {"eng": "en", "dut": "nl", "nld": "nl", "ger": "de", "deu": "de", "fre": "fr", "fra": "fr",
             "spa": "es", "ita": "it", "por": "pt", "swe": "sv", "dan": "da", "nor": "no", "fin": "fi",
             "pol": "pl", "chi": "zh", "zho": "zh", "jpn": "ja", "rus": "ru", "tur": "tr", "kor": "ko",
             # ERIC writes the name
             "english": "en", "dutch": "nl", "german": "de", "french": "fr", "spanish": "es", "italian": "it",
             "portuguese": "pt", "swedish": "sv", "danish": "da", "norwegian": "no", "finnish": "fi",
             "polish": "pl", "chinese": "zh", "japanese": "ja", "russian": "ru", "turkish": "tr", "korean": "ko"}
_DP = re.compile(r"^(\d{4})(?: ([A-Za-z]{3})[a-z]*(?: (\d{1,2}))?)?")  # 2019 Jun 20, 2019 Jun, 2019 Spring, 2019
_DEP = re.compile(r"^(\d{4})(\d{2})(\d{2})$")  # the electronic publication date, 20190620
_DOI_MARK = re.compile(r"^(\S+)\s*\[doi\]\s*$", re.IGNORECASE)
_DOI_LINK = re.compile(r"^https?://(?:dx\.)?doi\.org/(10\.\S+)$", re.IGNORECASE)  # ERIC's AID
_SO_DOI = re.compile(r"\bdoi:\s*(10\.\S+?)\.?(?:\s|$)", re.IGNORECASE)


def looks_like_medline(first_line: str) -> bool:
    """Whether a first non-blank line opens a MEDLINE export (``PMID- 12345678``, ERIC's ``OWN - ERIC``)."""
    return bool(FIRST_LINE.match(first_line.lstrip("\ufeff")))


def read_medline(text: str | list[str], name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse MEDLINE text (newlines normalised; or its lines) into source records, with a warning
    for the records left out because they have no title, abstract or identifier.

    Raises:
        LsrError: a line that is not MEDLINE, or no record with a title, abstract or identifier; the
            message names file and line.
    """
    lines = text.split("\n") if isinstance(text, str) else text
    starts: list[int] = []
    entries: list[dict[str, list[str]]] = []
    entry: dict[str, list[str]] | None = None
    last: list[str] | None = None  # the values of the tag the next continuation line extends
    for n, line in enumerate(lines, 1):
        if not line.strip():
            entry, last = None, None
            continue
        match = TAG_LINE.match(line.rstrip())
        if match and (match.group(1) == "PMID" or (match.group(1) == "OWN" and entry is None)):
            entry = {}
            entries.append(entry)
            starts.append(n)
        if entry is None:
            where = "before the first record" if not starts else "between records"
            raise LsrError(f"{name}: line {n}: text {where} is not MEDLINE (a record starts with a PMID- or "
                           f"OWN - line): {clip_line(line)}")
        if match:
            last = entry.setdefault(match.group(1), [])
            last.append(match.group(2).strip())
        elif CONTINUATION.match(line) and last:
            last[-1] = f"{last[-1]} {line.strip()}".strip()
        else:
            raise LsrError(f"{name}: line {n}: not a MEDLINE line (a tag such as 'TI  - ' or a continuation "
                           f"indented six spaces): {clip_line(line)}")
    if not starts:
        raise LsrError(f"{name}: no MEDLINE records (no PMID- or OWN - lines)")
    return to_source_records(name, starts, entries, entry_to_record)


def entry_to_record(entry: dict[str, list[str]], line: int) -> SourceRecord:
    """Map one MEDLINE record (tag -> values, in file order) to a ``SourceRecord``."""
    date = _first(entry, "DP")
    cand = Candidate(
        title=_first(entry, "TI") or _first(entry, "BTI"),
        abstract=" ".join(entry.get("AB", [])),
        authors=entry.get("FAU") or entry.get("AU") or entry.get("CN") or [],
        year=parse_year(date, _first(entry, "DEP")),
        publication_date=_date(date, _first(entry, "DEP")),
        venue=_first(entry, "JT") or _first(entry, "TA") or _first(entry, "CTI") or None,
        type=_work_type(entry),
        language=_language(_first(entry, "LA")),
        doi=_doi(entry),
        pmid=_first(entry, "PMID") or None,
        eric_id=next((e for e in (*map(normalize_eric_id, entry.get("OID", [])),
                                  *map(eric_id_in_link, entry.get("LID", []))) if e), None),
        keywords=_unique(entry.get("OT", []) + [m.split("/")[0].lstrip("*") for m in entry.get("MH", [])]),
        raw={"format": "medline", "line": line, "fields": entry},
    )
    return SourceRecord(line=line, candidate=cand, database="PubMed" if cand.pmid else _first(entry, "OWN") or None)


def _first(entry: dict[str, list[str]], tag: str) -> str:
    values = entry.get(tag)
    return values[0] if values else ""


def _date(published: str, electronic: str) -> str | None:
    """``DP`` as ``YYYY-MM[-DD]`` (``2019 Jun 20`` -> ``2019-06-20``; a season or a bare year has no month),
    else ``DEP`` (``20190620``)."""
    match = _DP.match(published.strip())
    if match and match.group(2) and match.group(2).lower() in MONTHS:
        y, month, d = match.groups()
        day = f"-{int(d):02d}" if d and 1 <= int(d) <= 31 else ""
        return f"{y}-{MONTHS[month.lower()]:02d}{day}"
    if (dep := _DEP.match(electronic.strip())) and 1 <= int(dep.group(2)) <= 12:
        return parse_date("-".join(dep.groups()))
    return parse_date(published) if published else None


def _doi(entry: dict[str, list[str]]) -> str | None:
    """The DOI PubMed marks ``[doi]`` in ``LID`` or ``AID``, or ERIC writes there as a DOI link, else the one
    in the ``SO`` citation."""
    for tag in ("LID", "AID"):
        for value in entry.get(tag, []):
            if marked := _DOI_MARK.match(value) or _DOI_LINK.match(value.strip()):
                return marked.group(1)
    cited = _SO_DOI.search(_first(entry, "SO"))
    return cited.group(1) if cited else None


def _work_type(entry: dict[str, list[str]]) -> str | None:
    types = [t.lower() for t in entry.get("PT", [])]
    for needle, work_type in PUBLICATION_TYPES:
        if any(needle in t for t in types):
            return work_type
    if entry.get("BTI"):
        return "book-chapter" if entry.get("TI") else "book"
    return "article" if types else None


def _language(code: str) -> str | None:
    code = code.strip().lower()
    return LANGUAGES.get(code, code or None)


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value.strip():
            seen.setdefault(value.strip(), None)
    return list(seen)
