"""Reading Ovid's own tagged export (Embase, MEDLINE, APA PsycInfo on Ovid: Export with the "Citation Manager"
or "Reprint/Medlars" format, a ``.cgi`` or ``.txt`` file) into source records.

Owns the structure check and field mapping of the format. A record opens with its number in angle brackets
(``<1. >``, ``<1>``); every other line is an Ovid field label and ``-`` and a value (``TI  - …``), or the
continuation of the value above (Ovid does not indent the paragraphs of a structured abstract). The labels
are those of Ovid's database field guides. Refused, naming the line: text after a blank line inside a record
that is not a field. A record with no title, abstract or identifier is left out with a warning, and a file
none of whose records has one is refused (``framing.left_out``). Ovid's display format without labels
(field names on lines of their own) is not this format and keeps its hint to export RIS.

Each record is mapped to the RIS reader's entry and read by its rules (``ris.entry_to_record``): ``TI``
title, ``AB`` abstract, ``AU`` authors, ``YR`` year (else the year in ``SO``), ``JN`` journal (else the
title part of ``SO``), ``DO`` DOI (often a doi.org link), ``LG`` language, ``PT`` publication type, ``MH``/
``KW`` keywords (Emtree or MeSH, the major-topic ``*`` dropped), ``DB`` the database; the PMID is ``PM``
(Ovid's "PubMed Identifier" field), or ``UI`` when the database is MEDLINE (Ovid's MEDLINE ``UI`` is the PMID;
Embase's is its own accession number).
"""

from __future__ import annotations

import re

from lsr.errors import LsrError
from lsr.search.importers.framing import clip_line, to_source_records
from lsr.search.importers.ris import YEAR, SourceRecord, entry_to_record

RECORD_NUMBER = re.compile(r"^<\d+\.?\s*>\s*$")
TAG_LINE = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)$")
_PUBLISHED = re.compile(r"Date of Publication:[^.]*?(?<!\d)(1[5-9]\d\d|2[01]\d\d)(?!\d)")  # Embase's SO
FIELDS = {"TI": "title", "AB": "abstract", "YR": "year", "JN": "journal_name", "DO": "doi", "LG": "language",
          "PT": "type_of_work", "DB": "name_of_database", "UI": "accession_number"}
LISTS = {"AU": "authors", "MH": "keywords", "KW": "keywords"}


def looks_like_ovid(lines: list[str]) -> bool:
    """Whether the text opens with an Ovid record number (``<1. >``) followed by a tagged field line."""
    content = [ln for ln in lines[:50] if ln.strip()]
    return len(content) >= 2 and bool(RECORD_NUMBER.match(content[0].lstrip("\ufeff"))) and bool(
        TAG_LINE.match(content[1]))


def read_ovid(text: str | list[str], name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse Ovid's tagged export into source records, with a warning for the records left out
    because they have nothing to identify them by.

    Raises:
        LsrError: a line outside a record that is not blank, or no record with anything to identify it by;
            the message names file and line.
    """
    lines = text.split("\n") if isinstance(text, str) else text
    starts: list[int] = []
    records: list[dict[str, list[str]]] = []
    fields: dict[str, list[str]] | None = None
    last: list[str] | None = None
    for n, line in enumerate(lines, 1):
        line = line.rstrip()
        if RECORD_NUMBER.match(line.lstrip("\ufeff") if n == 1 else line):
            fields, last = {}, None
            starts.append(n)
            records.append(fields)
            continue
        if fields is None:  # blank lines before the first record number (the format was recognised by it)
            continue
        if not line.strip():
            last = None
            continue
        match = TAG_LINE.match(line)
        if match:
            last = fields.setdefault(match.group(1), [])
            last.append(match.group(2).strip())
        elif last is not None:
            last[-1] = f"{last[-1]} {line.strip()}".strip()
        else:
            raise LsrError(f"{name}: line {n}: a line that is neither an Ovid field (TI  - …) nor the "
                           f"continuation of one: {clip_line(line)}")
    if not records:
        raise LsrError(f"{name}: no Ovid records (no <1. > record numbers)")
    return to_source_records(name, starts, [_entry(r) for r in records], entry_to_record, raw_format="ovid")


def _entry(fields: dict[str, list[str]]) -> dict:
    """A record's Ovid fields as the RIS reader's entry dict."""
    entry: dict = {"type_of_reference": "JOUR"}
    for tag, key in FIELDS.items():
        if fields.get(tag):
            entry[key] = fields[tag][0]
    for tag, key in LISTS.items():
        values = [v.lstrip("*").split("/")[0].strip() if tag == "MH" else v for v in fields.get(tag, [])]
        if values := [v for v in values if v]:
            entry.setdefault(key, []).extend(values)
    source = (fields.get("SO") or [""])[0]
    if "year" not in entry and source:
        published, years = _PUBLISHED.search(source), YEAR.findall(source)
        if published or years:
            entry["year"] = published.group(1) if published else years[-1]
    if "journal_name" not in entry and source:
        entry["journal_name"] = source.split(". ", 1)[0].strip()
    pmid = (fields.get("PM") or [""])[0]
    if pmid:
        entry["unknown_tag"] = {"PMID": [pmid]}
    return entry
