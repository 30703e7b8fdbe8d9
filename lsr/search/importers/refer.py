"""Reading EndNote's tagged format ("refer", ``.enw``: Google Scholar's "EndNote" link, publishers' "cite this"
downloads, EndNote's own Refer/BibIX export, the AIS eLibrary) into source records.

Owns the structure check and tag mapping of the format. Every line is a tag, ``%`` and one character, then
a space and the value (``%T A title``), or the continuation of the value above (a line without a tag);
records are separated by blank lines. EndNote opens each record with ``%0`` and the reference type; the
older refer format, which the AIS eLibrary still writes, has no ``%0`` (EndNote then imports the record as
Generic), or has it after other tags. So a file whose first record opens with ``%0`` must open every record
with it, which catches a blank line that split a record; in a file without that style ``%0`` may stand
anywhere in a record, once. As with MEDLINE, the line walk that names the line of a problem is the parser.
Refused, naming the line: text before the first record or between records that is not a tag, a line
starting with ``%`` that is not a tag, a second ``%0`` in one record, a record without ``%0`` in a file
whose records open with it. A record with no title, abstract or identifier is left out with a warning, and a
file none of whose records has one is refused (``framing.left_out``).

The tags are EndNote's (its manual's "Creating a Tagged EndNote Import File"; the same fields EndNote writes
to RIS), so each record is mapped to the RIS reader's entry and read by its rules (``ris.entry_to_record``),
as EndNote's XML export is: ``%0`` type, ``%A`` authors, ``%T`` title, ``%J`` journal and ``%B`` secondary
title (the venue; a book section's book), ``%D`` year, ``%8`` date (``September 1, 2021`` too), ``%X``
abstract, ``%K`` keywords (one a line, or ``;``-separated), ``%R`` DOI (or a DOI in ``%U``), ``%M``
accession number (a PMID when ``%~``/``%W`` name PubMed or MEDLINE), ``%G`` language, ``%Z`` notes, ``%I``
publisher, ``%9`` type of work.
"""

from __future__ import annotations

import re

from lsr.errors import LsrError
from lsr.search.importers.endnote_xml import REF_TYPES
from lsr.search.importers.framing import clip_line, to_source_records
from lsr.search.importers.ris import MONTHS, SourceRecord, entry_to_record

# A tag: a digit or capital letter and a space (or the end of the line), or one of EndNote's punctuation
# tags, after which EndNote's own export sometimes leaves out the space (``%(``, ``%[``).
TAG_LINE = re.compile(r"^%([0-9A-Z])(?: (.*))?$|^%([!@#$&()*+^~?\[\]<>|=])(?: ?(.*))$")
FIRST_LINE = re.compile(r"^%[0-9A-Z](?: |$)")
# EndNote tags -> the RIS reader's entry keys (rispy's names) for the fields that reader maps; every tag is kept
# in the record's raw fields as written.
FIELDS = {
    "T": "title", "!": "short_title", "B": "secondary_title", "J": "journal_name", "S": "tertiary_title",
    "D": "year", "8": "date", "X": "abstract", "R": "doi", "M": "accession_number", "G": "language",
    "9": "type_of_work", "~": "name_of_database", "W": "database_provider", "1": "custom1", "2": "custom2",
    "#": "custom5", "$": "custom6",
}
LISTS = {"A": "authors", "K": "keywords", "Z": "notes", "<": "notes", "U": "urls", ">": "file_attachments1"}
_LIST_SPLIT = {"K": re.compile(r"[\n;]"), "U": re.compile(r"\s*\n\s*"), ">": re.compile(r"\s*\n\s*")}
# EndNote's reference type names -> RIS types: those its XML export names, and the standard's and series'.
TYPES = {**REF_TYPES, "standard": "STD", "serial publication": "SER"}
_WORDY_DATE = re.compile(r"^([A-Za-z]{3})[a-z]*\.?\s+(?:(\d{1,2})(?:st|nd|rd|th)?,?\s+)?(\d{4})\b")  # May 4, 2021
_DAY_FIRST = re.compile(r"^(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})\b")  # 4 May 2021


def looks_like_refer(first_line: str) -> bool:
    """Whether a first non-blank line opens an EndNote tagged file (``%0 Journal Article``, ``%T …``)."""
    return bool(FIRST_LINE.match(first_line.lstrip("\ufeff")))


def read_refer(text: str | list[str], name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse EndNote tagged text (newlines normalised; or its lines) into source records, with a
    warning for the records left out because they have no title, abstract or identifier.

    Raises:
        LsrError: a line that is not EndNote tagged, a misplaced ``%0``, or no record with a title, abstract
            or identifier; the message names file and line.
    """
    lines = text.split("\n") if isinstance(text, str) else text
    starts: list[int] = []
    entries: list[dict[str, list[str]]] = []
    entry: dict[str, list[str]] | None = None
    last: list[str] | None = None  # the values of the tag the next continuation line extends
    typed: bool | None = None  # whether the file's records open with %0 (known at its first record)
    for n, line in enumerate(lines, 1):
        line = line.rstrip()
        if not line.strip():
            entry, last = None, None
            continue
        match = TAG_LINE.match(line.lstrip("\ufeff") if n == 1 else line)
        tag = (match.group(1) or match.group(3)) if match else None
        if entry is None:
            if tag is None:
                where = "before the first record" if not starts else "between records"
                raise LsrError(f"{name}: line {n}: text {where} is not EndNote tagged (a record starts with a "
                               f"tag such as '%0 Journal Article'): {clip_line(line)}")
            if typed is None:
                typed = tag == "0"
            if typed and tag != "0":
                raise LsrError(f"{name}: line {n}: record has no %0 line, where this file's records start with "
                               f"'%0 Type' (a blank line inside the record above?): {clip_line(line)}")
            entry = {}
            entries.append(entry)
            starts.append(n)
        if tag is not None:
            if tag == "0" and "0" in entry:
                raise LsrError(f"{name}: line {n}: a second %0 in the record that starts at line {starts[-1]} "
                               "(records are separated by a blank line)")
            last = entry.setdefault(tag, [])
            last.append((match.group(2) or match.group(4) or "").strip())
        elif line.startswith("%"):
            raise LsrError(f"{name}: line {n}: not an EndNote tag (a percent sign, one letter, digit or sign, and "
                           f"a space): {clip_line(line)}")
        elif last is not None:
            last[-1] = f"{last[-1]}\n{line.strip()}".strip()
    if not starts:
        raise LsrError(f"{name}: no EndNote tagged records (no %0, %T … lines)")
    return to_source_records(name, starts, entries, to_record)


def to_record(fields: dict[str, list[str]], line: int) -> SourceRecord:
    """Map one record (tag -> values, in file order) to a ``SourceRecord`` through the RIS reader's rules."""
    entry: dict = {"type_of_reference": _ris_type(fields)}
    for tag, values in fields.items():
        if tag in FIELDS and (value := next((v for v in values if v), "")):
            entry[FIELDS[tag]] = value
        elif tag in LISTS:  # one item a tag (%A, %Z); %K, %U and %> one a line as well
            split = _LIST_SPLIT.get(tag)
            items = (re.sub(r"\s+", " ", i).strip() for v in values for i in (split.split(v) if split else [v]))
            entry.setdefault(LISTS[tag], []).extend(i for i in items if i)
    if "date" in entry:
        entry["date"] = _date(entry["date"]) or entry["date"]
    record = entry_to_record(entry, line)
    record.candidate.raw = {"format": "refer", "line": line, "fields": {f"%{t}": v for t, v in fields.items()}}
    return record


def _ris_type(fields: dict[str, list[str]]) -> str:
    """``%0`` as a RIS type (EndNote's names, as its XML export gives them); "" without ``%0``."""
    name = next(iter(fields.get("0", [])), "").strip().lower()
    if not name:
        return ""
    return TYPES.get(name, "GEN")


def _date(value: str) -> str | None:
    """``%8`` as the RIS reader reads dates (``2021/09/01``): ``September  1, 2021``, ``1 Sep 2021``,
    ``Sep 2021``; None when it is none of these (then it is read as written: ``2021/09/01``, ``2021``)."""
    value = value.strip()
    if match := _WORDY_DATE.match(value):
        month, day, year = match.groups()
    elif match := _DAY_FIRST.match(value):
        day, month, year = match.groups()
    else:
        return None
    number = MONTHS.get(month.lower())
    if number is None:
        return None
    return f"{year}/{number:02d}" + (f"/{int(day):02d}" if day and 1 <= int(day) <= 31 else "")
