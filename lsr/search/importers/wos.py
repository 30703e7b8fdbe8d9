"""Reading Web of Science "plain text" exports (``FN Clarivate Analytics Web of Science`` … ``EF``).

Owns the structure check and field mapping of the WoS tagged format; rispy 0.9's ``WokParser`` parses the
records. As with RIS, the lines are walked first so that problems name their line: a record (``PT``)
without ``ER`` before the next ``PT`` or at the end of the file (rispy would drop it silently), a tag
outside a record. A record with no title, abstract or identifier is left out with a warning, and a file none
of whose records has one is refused (``framing.left_out``). Continuation lines start with three spaces;
multi-line author fields are one author per line. Keywords are the author keywords (``DE``), then Web of
Science's Keywords Plus (``ID``) that are not among them (in any case).
"""

from __future__ import annotations

import re

from rispy.parser import ParseError, WokParser

from lsr.errors import LsrError
from lsr.search.dedupe import Candidate
from lsr.search.importers.framing import RecordFrames, to_source_records
from lsr.search.importers.names import distinct
from lsr.search.importers.ris import SourceRecord, parse_date, parse_year

TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*)|\s*)$")
DOCUMENT_TYPES = {
    "article": "article", "review": "review", "proceedings paper": "proceedings-article",
    "meeting abstract": "abstract", "editorial material": "editorial", "letter": "letter",
    "correction": "erratum", "book chapter": "book-chapter", "book": "book", "early access": "article",
    "retracted publication": "retraction", "retraction": "retraction", "data paper": "dataset",
}


def looks_like_wos(first_line: str) -> bool:
    """Whether a first non-blank line opens a WoS plain-text export."""
    return first_line.startswith(("FN ", "VR ", "PT "))


def read_wos(text: str | list[str], name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse WoS plain text (newlines normalised; or its lines) into source records, with a warning
    for the records left out because they have no title, abstract or identifier.

    Raises:
        LsrError: the structure is broken, or no record has a title, abstract or identifier; the message
            names file and line.
    """
    lines = text.split("\n") if isinstance(text, str) else text
    frames = RecordFrames(name, "PT", "Web of Science")
    for n, line in enumerate(lines, 1):
        match = TAG.match(line)
        tag = match.group(1) if match else None
        if tag in ("FN", "VR", "EF") and not frames.inside:
            continue
        if tag == "PT":
            frames.open(n)
        elif tag == "ER":
            frames.close(n)
        elif not frames.inside and line.strip():
            raise LsrError(f"{name}: line {n}: text outside a record (a Web of Science record starts with PT)")
    starts = frames.finish()
    try:
        entries = WokParser(skip_unknown_tags=True).parse_lines(lines)
    except ParseError as exc:
        raise LsrError(f"{name}: not valid Web of Science plain text: {str(exc).splitlines()[0]}") from None
    entries = [e for e in entries if e]
    if len(entries) != len(starts):
        raise LsrError(f"{name}: parser found {len(entries)} records where the file has {len(starts)} PT lines")
    return to_source_records(name, starts, entries, entry_to_record)


def _text(entry: dict, key: str) -> str:
    value = entry.get(key)
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return re.sub(r"\s+", " ", str(value or "")).strip()


def _names(entry: dict, key: str) -> list[str]:
    value = entry.get(key) or []
    return [str(v).strip() for v in (value if isinstance(value, list) else [value]) if str(v).strip()]


def entry_to_record(entry: dict, line: int) -> SourceRecord:
    """Map one rispy WoS entry to a ``SourceRecord``."""
    keywords = distinct(k for key in ("author_keywords", "keywords_plus") for k in _text(entry, key).split(";"))
    doc_type = _text(entry, "document_type").split(";")[0].strip().lower()
    date = _text(entry, "publication_date")
    year = parse_year(_text(entry, "publication_year"), _text(entry, "early_access_year"), date)
    cand = Candidate(
        title=_text(entry, "document_title"),
        abstract=_text(entry, "abstract"),
        authors=_names(entry, "author_full_name") or _names(entry, "authors"),
        year=year,
        publication_date=parse_date(date) if date else None,
        venue=_text(entry, "publication_name") or None,
        type=DOCUMENT_TYPES.get(doc_type, doc_type.replace(" ", "-") or None),
        language=_text(entry, "language") or None,
        doi=_text(entry, "doi") or None,
        pmid=_text(entry, "pubmed_id") or None,
        keywords=keywords,
        raw={"format": "wos", "line": line, "fields": {k: v for k, v in entry.items() if k != "cited_references"}},
    )
    return SourceRecord(line=line, candidate=cand, database="Web of Science")
