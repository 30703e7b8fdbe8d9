"""Record framing of tagged line formats (RIS, Web of Science plain text, MEDLINE): where each record opens and
closes, checked line by line so that a broken file is refused with its line number.

Owned here: ``RecordFrames`` (a record opens with its format's opening tag, ``TY`` or ``PT``, and closes
with ``ER``; the refusals for an unclosed, unopened or missing record), ``to_source_records`` (each parsed
entry mapped to a ``SourceRecord``), ``clip_line`` for quoting a bad line, and what every reader does with a
record that has nothing to identify it by (no title, abstract, DOI, PMID or OpenAlex id: a note or an
attachment on its own in a reference manager's export, a table row with only a label or a year): it is left
out with a warning naming its line and what it held (``left_out``), and the rest of the file is imported;
a file none of whose records has a title, abstract or identifier is refused, so that a file of another kind
is not imported as nothing. What lies between records and how a line is tagged stays with each format's
reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lsr.errors import LsrError
from lsr.search.identity import plain_text

if TYPE_CHECKING:
    from lsr.search.dedupe import Candidate
    from lsr.search.importers.ris import SourceRecord

NO_IDENTITY = "no title, abstract or identifier"
SHOWN = 5  # lines a warning names


class RecordFrames:
    """The records of one file as they open and close, line by line.

    Args:
        name: the file's name, for messages.
        opener: the tag that opens a record (``TY``, ``PT``).
        format_name: the format as a reader says it (``RIS``, ``Web of Science``).
    """

    def __init__(self, name: str, opener: str, format_name: str) -> None:
        self.name, self.opener, self.format_name = name, opener, format_name
        self.starts: list[int] = []
        self.start: int | None = None

    @property
    def inside(self) -> bool:
        """Whether the current line is inside a record (after its opening tag, before its ``ER``)."""
        return self.start is not None

    def open(self, n: int) -> None:
        """The opening tag at line ``n``. Raises LsrError when the previous record has no ``ER``."""
        if self.start is not None:
            raise LsrError(f"{self.name}: line {n}: record starting at line {self.start} has no ER before "
                           f"the next {self.opener}")
        self.start = n
        self.starts.append(n)

    def close(self, n: int) -> None:
        """``ER`` at line ``n``. Raises LsrError when no record is open."""
        if self.start is None:
            raise LsrError(f"{self.name}: line {n}: ER without a {self.opener} starting the record")
        self.start = None

    def finish(self) -> list[int]:
        """The first line of every record, once the file has ended.

        Raises:
            LsrError: the last record is not closed, or the file has no record.
        """
        if self.start is not None:
            raise LsrError(f"{self.name}: line {self.start}: the last record ({self.opener} at line {self.start}) "
                           "has no ER: the file is truncated or not closed")
        if not self.starts:
            raise LsrError(f"{self.name}: no {self.format_name} records (no {self.opener} lines)")
        return self.starts


def clip_line(text: str, width: int = 60) -> str:
    """A line of the file as an error message quotes it: stripped, cut at ``width`` characters."""
    text = text.strip()
    return repr(text if len(text) <= width else text[:width] + "…")


def to_source_records(name: str, starts: list[int], entries: list, to_record: Callable[[dict, int], SourceRecord],
                      *, keys: list[str] | None = None, raw_format: str | None = None,
                      noun: str = "record") -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Each parsed entry as a ``SourceRecord`` (``entries`` is emptied as it goes, so each parser dict can
    be freed once mapped), and the warning for the records left out because they have no title, abstract or
    identifier (``left_out``).

    Args:
        keys: each record's position when its line alone does not tell it (``SourceRecord.key``; XML).
        raw_format: the format named in each record's raw data, where ``to_record`` is another format's
            mapping (EndNote XML and Ovid through the RIS reader's, PubMed XML through MEDLINE's).
        noun: what the format calls a record, for the messages ("item" in CSL JSON).

    Raises:
        LsrError: no record of the file has a title, abstract or identifier.
    """
    out, empty = [], []
    for i, line in enumerate(starts):
        entry, entries[i] = entries[i], None
        rec = to_record(entry, line)
        if keys is not None:
            rec.key = keys[i]
        if raw_format is not None and isinstance(rec.candidate.raw, dict):
            rec.candidate.raw["format"] = raw_format
        if identifiable(rec.candidate):
            out.append(rec)
        else:
            empty.append((position(rec), holding(rec.candidate, rec.label)))
    return out, left_out(name, empty, len(out), noun)


def identifiable(candidate: Candidate) -> bool:
    """Whether a record has something to be known by: a title, an abstract, a DOI, a PMID, an ERIC number or
    an OpenAlex id."""
    c = candidate
    return bool(c.title or c.abstract or c.doi or c.pmid or c.eric_id or c.openalex_id)


def position(record: SourceRecord) -> str:
    """Where a record starts, as a message names it: ``line 12`` (``line 1, column 240`` in XML)."""
    line, _, column = (record.key or "").partition(":")
    return f"line {line}, column {column}" if column else f"line {record.line}"


def holding(candidate: Candidate, label: str | None = None) -> str:
    """What a record without title, abstract or identifier holds, as a warning says it: "it holds only
    type other, a note 'Ask Anna about the full text'", "it holds only type other, year 2020", or "it holds
    nothing else lsr reads"."""
    c = candidate
    note = _note(c)
    parts = [f"type {c.type}" if c.type else "", f"a note {clip_line(note, 40)}" if note else "",
             (f"author {c.authors[0]}" + (" et al." if len(c.authors) > 1 else "")) if c.authors else "",
             f"year {c.year}" if c.year else "", f"venue {clip_line(c.venue, 40)}" if c.venue else "",
             f"{len(c.keywords)} keyword(s)" if c.keywords else "", f"label {label}" if label else ""]
    shown = ", ".join(p for p in parts if p)
    return f"it holds only {shown}" if shown else "it holds nothing else lsr reads"


_NOTE_FIELDS = ("notes", "note", "annote", "annotation", "research_notes", "%Z")  # RIS N1, BibTeX, CSL, EndNote XML, .enw


def _note(candidate: Candidate) -> str:
    """The first note the source gave a record (a reference manager's standalone note is nothing else), as
    text: what a reader recognises the left-out record by."""
    fields = (candidate.raw or {}).get("fields")
    if not isinstance(fields, dict):
        return ""
    for key in _NOTE_FIELDS:
        value = fields.get(key)
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str) and plain_text(text).strip():
                return plain_text(text).strip()
    return ""


def left_out(name: str, empty: list[tuple[str, str]], kept: int, noun: str = "record") -> tuple[str, ...]:
    """The warning for the records left out because they have no title, abstract or identifier (each given as
    its position and what it holds, ``position`` and ``holding``): one line, naming the first few.

    Raises:
        LsrError: nothing is kept (``kept`` is 0) although the file has records: a file whose records all lack
            a title, abstract and identifier is not an export of references (or not one lsr can read).
    """
    if not empty:
        return ()
    (where, what), n = empty[0], len(empty)
    nouns = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    if not kept:
        if n == 1:
            raise LsrError(f"{name}: {where}: the file's only {noun} has {NO_IDENTITY} ({what}): nothing to import")
        raise LsrError(f"{name}: {where}: none of the file's {n} {nouns} has a title, abstract or identifier (the "
                       f"first, here: {what}): nothing to import; is this the export you meant?")
    if n == 1:
        return (f"{name}: {where}: {noun} has {NO_IDENTITY} ({what}); left out",)
    shown = [w for w, _ in empty[:SHOWN]]
    if all(w.removeprefix("line ").isdigit() for w in shown):
        at = "lines " + ", ".join(w.removeprefix("line ") for w in shown) + (", …" if n > SHOWN else "")
    else:  # XML: "line 1, column 240"
        at = "; ".join(shown) + ("; …" if n > SHOWN else "")
    return (f"{name}: {n} {nouns} have {NO_IDENTITY} and were left out ({at}; the first: {what})",)
