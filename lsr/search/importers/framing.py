"""Record framing of tagged line formats (RIS, Web of Science plain text, MEDLINE): where each record opens and
closes, checked line by line so that a broken file is refused with its line number.

Owned here: ``RecordFrames`` (a record opens with its format's opening tag, ``TY`` or ``PT``, and closes
with ``ER``; the refusals for an unclosed, unopened or missing record) and ``to_source_records`` (each
parsed entry mapped to a ``SourceRecord``, refusing a record with nothing to identify it by), and
``clip_line`` for quoting a bad line. What lies between records and how a line is tagged stays with each
format's reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lsr.errors import LsrError

if TYPE_CHECKING:
    from lsr.search.importers.ris import SourceRecord


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
                      *, keys: list[str] | None = None, raw_format: str | None = None) -> list[SourceRecord]:
    """Each parsed entry as a ``SourceRecord`` (``entries`` is emptied as it goes, so each parser dict can
    be freed once mapped).

    Args:
        keys: each record's position when its line alone does not tell it (``SourceRecord.key``; XML).
        raw_format: the format named in each record's raw data, where ``to_record`` is another format's
            mapping (EndNote XML and Ovid through the RIS reader's, PubMed XML through MEDLINE's).

    Raises:
        LsrError: a record has no title, abstract or identifier (its first line named).
    """
    out = []
    for i, line in enumerate(starts):
        entry, entries[i] = entries[i], None
        rec = to_record(entry, line)
        if keys is not None:
            rec.key = keys[i]
        if raw_format is not None and isinstance(rec.candidate.raw, dict):
            rec.candidate.raw["format"] = raw_format
        c = rec.candidate
        if not (c.title or c.abstract or c.doi or c.pmid or c.openalex_id):
            raise LsrError(f"{name}: line {line}: record has no title, abstract or identifier")
        out.append(rec)
    return out
