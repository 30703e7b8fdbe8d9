"""Reading BibTeX (``.bib``: Google Scholar via Publish or Perish, JabRef, Zotero, ACM and IEEE exports) into
source records.

bibtexparser 1.4 parses the entries and turns LaTeX (``{\\"u}``, ``\\&``) into Unicode; ``@string`` macros
and the month abbreviations are expanded. It skips an entry it cannot read without a word, so this module
first finds every entry's ``@type{key,`` line itself and refuses the file when the parser returned fewer
entries than the file opens (an unclosed brace swallows what follows), naming the line of the first entry
it did not return: the returned entries are matched to the file's in order, so a key used twice does not
hide the lost one. ``@comment``, ``@preamble`` and ``@string`` are not records. The parser also drops an
entry with a field name that holds whitespace (Scopus writes ``funding_text 1`` with a no-break space, other
tools ``key words``): such a name, where a field name stands (at the start of a line, right after the comma
that ended the key or the previous field, outside any value), has its whitespace turned into ``_`` before
parsing (``funding_text_1``).

Mapped: ``title``, ``abstract``, ``author`` (split at `` and ``; ``{Group Name}`` stays one author),
``year``/``date``/``month``, ``journal``/``booktitle``, the entry type, ``doi`` (or a DOI in ``url``/``note``),
``pmid``, ``keywords`` (also Scopus's ``author_keywords``; ``,`` or ``;``), ``language``; an ``@proceedings``
or ``@book`` without a ``title`` is named by its ``booktitle``.
"""

from __future__ import annotations

import bisect
import re

from lsr.errors import LsrError
from lsr.search.dedupe import Candidate
from lsr.search.identity import normalize_doi
from lsr.search.importers.framing import to_source_records
from lsr.search.importers.names import split_list
from lsr.search.importers.ris import MONTHS, SourceRecord, parse_date, parse_year

ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)\s*[{(]", re.MULTILINE)
ENTRY_KEY = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s}]*)")  # from an entry's @: its key
# a line's text before its first "=" when that is a field name of several words (``funding_text\u00a01``)
SPACED_NAME = re.compile(r"[ \t]*+([A-Za-z_][\w:.+-]*+(?:[ \t\u00a0]++[\w:.+-]++)++)[ \t\u00a0]*+")
_DELIMITERS = re.compile(r'[{}"]')
NOT_RECORDS = {"comment", "preamble", "string"}
TYPES = {
    "article": "article", "inproceedings": "proceedings-article", "conference": "proceedings-article",
    "proceedings": "book", "incollection": "book-chapter", "inbook": "book-chapter", "book": "book",
    "phdthesis": "dissertation", "mastersthesis": "dissertation", "thesis": "dissertation", "techreport": "report",
    "report": "report", "misc": "other", "unpublished": "other", "online": "other", "dataset": "dataset",
}
KEYWORD_FIELDS = ("keywords", "author_keywords", "key_words")  # Scopus writes author_keywords
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
    starts, line, at = [], 1, 0  # (line, entry type, offset of its @)
    opened = []  # where every entry starts, @string and @comment too
    for match in ENTRY_START.finditer(text):
        line += text.count("\n", at, match.start())  # counted from the previous entry on
        at = match.start()
        opened.append(at)
        if match.group(1).lower() not in NOT_RECORDS:
            starts.append((line, match.group(1).lower(), match.start()))
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
    try:  # the original text is kept for _first_lost: its offsets are where the entries start
        entries = bibtexparser.loads(_join_spaced_field_names(text, opened), parser=parser).entries
    except Exception as exc:  # noqa: BLE001  (pyparsing raises its own types; the message is what matters)
        raise LsrError(f"{name}: not valid BibTeX: {str(exc).splitlines()[0]}") from None
    if len(entries) != len(starts):
        raise LsrError(f"{name}: line {_first_lost(entries, starts, text)}: this BibTeX entry could not be read "
                       f"(an unclosed brace or quote, no comma after its key, or no fields); the parser read "
                       f"{len(entries)} of {len(starts)} entries")
    return to_source_records(name, [line for line, _, _ in starts], entries, entry_to_record)


def _join_spaced_field_names(text: str, opened: list[int]) -> str:
    """``funding_text\u00a01 = {…}`` as ``funding_text_1 = {…}``: whitespace in a field name, which makes
    bibtexparser drop the whole entry, becomes ``_``. Only where a field name stands (``opened``: where each
    ``@`` entry starts): the name starts a line, the text before it in its entry ends with the comma that
    closed the key or the previous field, and that comma is outside any value (an abstract's line that reads
    ``effect size = 0.4`` stays as it is)."""
    out, done, eq = [], 0, text.find("=")
    while eq >= 0:
        line_start = text.rfind("\n", 0, eq) + 1
        name = SPACED_NAME.fullmatch(text, line_start, eq)
        if name and _at_field_name(text, opened, name.start(1)):
            out += [text[done:name.start(1)], re.sub(r"[ \t\u00a0]+", "_", name.group(1))]
            done = name.end(1)
        line_end = text.find("\n", eq)  # the first "=" of a line is the one after a field name
        eq = text.find("=", line_end) if line_end >= 0 else -1
    return "".join(out) + text[done:] if out else text


def _at_field_name(text: str, opened: list[int], at: int) -> bool:
    """Whether ``at`` follows an entry's key or a whole field (a comma outside braces and quotes)."""
    i = bisect.bisect_right(opened, at) - 1
    head = ENTRY_START.match(text, opened[i]) if i >= 0 else None
    if head is None or not text[head.end():at].rstrip().endswith(","):
        return False
    depth, quoted = 0, False
    for mark in _DELIMITERS.finditer(text, head.end(), at):  # BibTeX counts braces as written, escaped or not
        char = mark.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
    return depth == 0 and not quoted


def _first_lost(entries: list[dict], starts: list[tuple[int, str, int]], text: str) -> int:
    """The line of the first entry the parser did not return: the entries it returned are matched to the
    file's in order, by key, so a key used twice does not hide the lost one."""
    returned = iter(e.get("ID", "") for e in entries)
    expected = next(returned, None)
    for line, _, offset in starts:
        key = ENTRY_KEY.match(text, offset)
        if key is None or expected is None or key.group(1).strip() != str(expected).strip():
            return line
        expected = next(returned, None)
    return starts[-1][0]


def entry_to_record(entry: dict, line: int) -> SourceRecord:
    """Map one parsed BibTeX entry to a ``SourceRecord``."""
    kind = entry.get("ENTRYTYPE", "").lower()
    date = _field(entry, "date")
    venue = _field(entry, "journal") or _field(entry, "journaltitle") or _field(entry, "booktitle")
    cand = Candidate(
        # a @proceedings or @book entry may name itself only by its booktitle
        title=_field(entry, "title") or (_field(entry, "booktitle") if kind in ("proceedings", "book") else ""),
        abstract=_field(entry, "abstract"),
        authors=[a for a in (_plain(p) for p in _AUTHORS.split(entry.get("author", ""))) if a],
        year=parse_year(_field(entry, "year"), date),
        publication_date=parse_date(date) if date else _month_date(_field(entry, "year"), _field(entry, "month")),
        venue=venue or _field(entry, "publisher") or None,
        type=TYPES.get(kind, kind or None),
        language=_field(entry, "language") or None,
        doi=_field(entry, "doi") or normalize_doi(_field(entry, "url")) or normalize_doi(_field(entry, "note")),
        pmid=_field(entry, "pmid") or None,
        keywords=[k.strip() for key in KEYWORD_FIELDS for part in split_list(_field(entry, key))
                  for k in part.split(",") if k.strip()],
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
