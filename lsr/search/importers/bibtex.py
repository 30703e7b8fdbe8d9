"""Reading BibTeX (``.bib``: Google Scholar via Publish or Perish, JabRef, Zotero, ACM and IEEE exports) into
source records.

bibtexparser 1.4 parses the entries and turns LaTeX (``{\\"u}``, ``\\&``) into Unicode; ``@string`` macros
and the month abbreviations are expanded. It skips an entry it cannot read without a word, so this module
first finds every entry's ``@type{key,`` line itself and refuses the file, naming the line, when the parser
returned fewer entries than the file opens (an unclosed brace swallows what follows). ``@comment``,
``@preamble`` and ``@string`` are not records.

Mapped: ``title``, ``abstract``, ``author`` (split at `` and ``; ``{Group Name}`` stays one author),
``year``/``date``/``month``, ``journal``/``booktitle``, the entry type, ``doi`` (or a DOI in ``url``/``note``),
``pmid``, ``keywords`` (``,`` or ``;``), ``language``.
"""

from __future__ import annotations

import re

from lsr.errors import LsrError
from lsr.search.dedupe import Candidate
from lsr.search.identity import normalize_doi
from lsr.search.importers.framing import to_source_records
from lsr.search.importers.names import split_list
from lsr.search.importers.ris import SourceRecord, parse_date, parse_year

ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)\s*[{(]", re.MULTILINE)
NOT_RECORDS = {"comment", "preamble", "string"}
TYPES = {
    "article": "article", "inproceedings": "proceedings-article", "conference": "proceedings-article",
    "proceedings": "book", "incollection": "book-chapter", "inbook": "book-chapter", "book": "book",
    "phdthesis": "dissertation", "mastersthesis": "dissertation", "thesis": "dissertation", "techreport": "report",
    "report": "report", "misc": "other", "unpublished": "other", "online": "other", "dataset": "dataset",
}
MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                       "september", "october", "november", "december"), 1)}
_AUTHORS = re.compile(r"\s+and\s+", re.IGNORECASE)


def looks_like_bibtex(lines: list[str]) -> bool:
    """Whether the first line that is not blank or a ``%`` comment (JabRef starts with ``% Encoding: UTF-8``)
    opens a BibTeX entry (``@article{key,``)."""
    for line in lines[:200]:
        line = line.lstrip("\ufeff").strip()
        if line and not line.startswith("%"):
            return bool(ENTRY_START.match(line))
    return False


def read_bibtex(text: str | list[str], name: str) -> list[SourceRecord]:
    """Check and parse BibTeX text (newlines normalised; or its lines) into source records.

    Raises:
        LsrError: an entry the parser could not read (its line named), or no entries at all.
    """
    text = "\n".join(text) if isinstance(text, list) else text
    starts, line, at = [], 1, 0
    for match in ENTRY_START.finditer(text):
        line += text.count("\n", at, match.start())  # counted from the previous entry on
        at = match.start()
        if match.group(1).lower() not in NOT_RECORDS:
            starts.append((line, match.group(1).lower()))
    if not starts:
        raise LsrError(f"{name}: no BibTeX entries (no @article{{…}}, @book{{…}} …)")
    import bibtexparser  # noqa: PLC0415  (75 ms of pyparsing: only when a BibTeX file is imported)
    from bibtexparser.bparser import BibTexParser  # noqa: PLC0415
    from bibtexparser.latexenc import latex_to_unicode  # noqa: PLC0415

    parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
    # LaTeX to Unicode (bibtexparser's latex_to_unicode) costs more than the parse itself: only for the
    # fields that hold a backslash
    parser.customization = lambda entry: {k: latex_to_unicode(_keep_escaped_braces(v))
                                          if isinstance(v, str) and "\\" in v else v for k, v in entry.items()}
    try:
        entries = bibtexparser.loads(text, parser=parser).entries
    except Exception as exc:  # noqa: BLE001  (pyparsing raises its own types; the message is what matters)
        raise LsrError(f"{name}: not valid BibTeX: {str(exc).splitlines()[0]}") from None
    if len(entries) != len(starts):
        raise LsrError(f"{name}: line {_first_lost(entries, starts, text)}: this BibTeX entry could not be read "
                       f"(an unclosed brace or quote, no comma after its key, or no fields); the parser read "
                       f"{len(entries)} of {len(starts)} entries")
    return to_source_records(name, [line for line, _ in starts], entries, entry_to_record)


def _first_lost(entries: list[dict], starts: list[tuple[int, str]], text: str) -> int:
    """The line of the first entry whose key the parser did not return (file order)."""
    keys = {e.get("ID") for e in entries}
    lines = text.split("\n")
    for line, _ in starts:
        key = re.match(r"^\s*@\s*\w+\s*[{(]\s*([^,\s]*)", lines[line - 1])
        if key is None or key.group(1) not in keys:
            return line
    return starts[-1][0]


def entry_to_record(entry: dict, line: int) -> SourceRecord:
    """Map one parsed BibTeX entry to a ``SourceRecord``."""
    kind = entry.get("ENTRYTYPE", "").lower()
    date = _field(entry, "date")
    venue = _field(entry, "journal") or _field(entry, "journaltitle") or _field(entry, "booktitle")
    cand = Candidate(
        title=_field(entry, "title"),
        abstract=_field(entry, "abstract"),
        authors=[a for a in (_plain(p) for p in _AUTHORS.split(entry.get("author", ""))) if a],
        year=parse_year(_field(entry, "year"), date),
        publication_date=parse_date(date) if date else _month_date(_field(entry, "year"), _field(entry, "month")),
        venue=venue or _field(entry, "publisher") or None,
        type=TYPES.get(kind, kind or None),
        language=_field(entry, "language") or None,
        doi=_field(entry, "doi") or normalize_doi(_field(entry, "url")) or normalize_doi(_field(entry, "note")),
        pmid=_field(entry, "pmid") or None,
        keywords=[k.strip() for part in split_list(_field(entry, "keywords")) for k in part.split(",") if k.strip()],
        raw={"format": "bibtex", "line": line, "fields": entry},
    )
    return SourceRecord(line=line, candidate=cand)


def _field(entry: dict, key: str) -> str:
    return _plain(entry.get(key, ""))


_OPEN, _CLOSE = "\x00", "\x01"  # an escaped brace (\\{) while the protective ones are dropped


def _keep_escaped_braces(value: str) -> str:
    return value.replace("\\{", _OPEN).replace("\\}", _CLOSE)


def _plain(value: str) -> str:
    """Protective braces dropped (``{COVID}-19``), TeX's escaped specials (``\\&``, ``\\{``) as text,
    whitespace and line breaks squashed."""
    text = _keep_escaped_braces(value).replace("{", "").replace("}", "")
    text = re.sub(r"\\([&%$#_])", r"\1", text).replace(_OPEN, "{").replace(_CLOSE, "}")
    return re.sub(r"\s+", " ", text).strip()


def _month_date(year: str, month: str) -> str | None:
    """``year`` + ``month`` (``dec``, ``December``, ``12``) as ``YYYY-MM``; None without a month."""
    m = month.strip().lower()
    number = int(m) if m.isdigit() else next((i for k, i in MONTHS.items() if m and k.startswith(m[:3])), None)
    if not (year.strip().isdigit() and number and 1 <= number <= 12):
        return None
    return f"{year.strip()}-{number:02d}"
