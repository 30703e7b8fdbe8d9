"""Reading CSV/TSV tables (ASReview LAB, Scopus, Zotero, Web of Science tab-delimited, lsr's own export)
into ``Candidate``s with optional screening labels.

Owns the column vocabulary: each record field accepts the column names below (compared lowercased, with
``_`` as a space), first match wins. Labels come from ``lsr_label`` (include/exclude/maybe) or an
ASReview-style inclusion column (``included``, ``label_included``, ``asreview_label``, …: 1/0, yes/no,
blank for unscreened); a column named ``label`` counts only when it holds nothing but such values. The
delimiter (comma, semicolon, tab or bar) is taken from the header line. Refused, naming the line: a header
without any title, abstract or identifier column, a quoting error, a row with more fields than the header,
a label value that is not a label, a row with no title, abstract or identifier. Rows whose cells are all
empty (Excel's trailing ``,,,,``) are skipped.
"""

from __future__ import annotations

import csv
import io
import re

from lsr.errors import LsrError
from lsr.identity import normalize_doi, normalize_openalex_id, normalize_pmid
from lsr.importers.ris import RIS_TYPES, SourceRecord, parse_date, parse_year
from lsr.ingest import Candidate

COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "primary title", "article title", "document title", "ti", "t1"),
    "abstract": ("abstract", "notes abstract", "abstract note", "ab", "n2"),
    "authors": ("authors", "author", "first authors", "author names", "author full names", "au", "af"),
    "doi": ("doi", "di", "do"),
    "year": ("year", "publication year", "py", "pub year"),
    "date": ("publication date", "date", "pd"),
    "venue": ("journal", "venue", "source title", "publication title", "publication name", "journal name",
              "secondary title", "journal/book", "so", "t2", "jo"),
    "keywords": ("keywords", "author keywords", "manual tags", "de", "kw"),
    "pmid": ("pmid", "pubmed id", "pubmedid", "pm"),
    "openalex_id": ("openalex id", "openalex", "openalex work"),
    "url": ("url", "link", "ur"),
    "type": ("type", "document type", "item type", "dt", "ty", "type of reference"),
    "language": ("language", "language of original document", "la"),
    "extra": ("extra", "notes", "note", "n1"),
    "reason": ("exclusion reason", "lsr reason", "reason"),
    "database": ("source", "database", "db"),
}
KNOWN_DATABASES = {"scopus", "pubmed", "medline", "embase", "web of science", "psycinfo", "cinahl", "eric",
                   "cochrane library", "openalex", "google scholar"}
LSR_LABEL = "lsr label"
INCLUSION_COLUMNS = ("included", "label included", "asreview label", "final included", "included label",
                     "included final", "included flag", "include")
LABEL_VALUES = {
    "1": "include", "1.0": "include", "yes": "include", "y": "include", "true": "include", "include": "include",
    "included": "include", "relevant": "include",
    "0": "exclude", "0.0": "exclude", "no": "exclude", "n": "exclude", "false": "exclude", "exclude": "exclude",
    "excluded": "exclude", "irrelevant": "exclude",
    "": None, "-1": None, "-1.0": None, "nan": None, "na": None, "unscreened": None, "not seen": None,
}
DELIMITERS = (",", ";", "\t", "|")
IDENTIFYING = ("title", "abstract", "doi", "pmid", "openalex_id")


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", " ", name.strip().lstrip("\ufeff")).lower()


def sniff_delimiter(header: str) -> str | None:
    """The delimiter of a header line: the most frequent of comma, semicolon, tab and bar outside quotes."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def header_columns(header: str) -> tuple[str | None, list[str]]:
    """The delimiter and normalised column names of a header line."""
    delimiter = sniff_delimiter(header)
    if delimiter is None:
        return None, [_norm(header)]
    row = next(csv.reader([header], delimiter=delimiter), [])
    return delimiter, [_norm(c) for c in row]


def looks_like_csv(first_line: str) -> bool:
    """Whether a first line is a table header naming at least one title, abstract or identifier column."""
    delimiter, names = header_columns(first_line)
    return delimiter is not None and any(n in COLUMNS[f] for f in IDENTIFYING for n in names)


def _split_list(value: str) -> list[str]:
    """Authors/keywords: ``;``-separated; Scopus' older ``Smith J., Doe A.`` comma form too."""
    value = value.strip()
    if not value:
        return []
    if ";" in value:
        parts = value.split(";")
    elif "|" in value:
        parts = value.split("|")
    elif re.fullmatch(r"[^,]+ (?:[A-Z]\.(?:-?[A-Z]\.)*)(?:, [^,]+ (?:[A-Z]\.(?:-?[A-Z]\.)*))+", value):
        parts = value.split(", ")
    else:
        parts = [value]
    return [p.strip() for p in parts if p.strip()]


def read_csv(text: str, name: str) -> list[SourceRecord]:
    """Parse CSV text (newlines normalised) into source records with labels.

    Raises:
        LsrError: naming the file and line, for the problems listed in the module docstring.
    """
    skipped = len(text) - len(text.lstrip("\n"))  # blank lines before the header
    text = text[skipped:]
    first = text.split("\n", 1)[0]
    delimiter, names = header_columns(first)
    if delimiter is None or not any(n in COLUMNS[f] for f in IDENTIFYING for n in names):
        found = ", ".join(repr(n) for n in names[:8] if n) or "none"
        raise LsrError(f"{name}: line {skipped + 1}: not RIS or CSV: read as CSV, the header has no title, "
                       f"abstract, doi or pmid column (columns: {found})")
    col = {}
    for field, options in COLUMNS.items():
        for option in options:
            if option in names:
                col[field] = names.index(option)
                break
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    prev = 0
    try:
        next(reader)
        rows = []
        prev = reader.line_num
        for row in reader:
            rows.append((skipped + prev + 1, row))
            prev = reader.line_num
    except csv.Error as exc:
        raise LsrError(f"{name}: line {skipped + prev + 1}: CSV quoting error: {exc}") from None
    label_col, label_name = _label_column(names, rows, name)
    out = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            raise LsrError(f"{name}: line {line}: {len(row)} fields where the header has {len(names)} "
                           "(an unquoted delimiter or a stray quote?)")
        out.append(_row_record(row, col, line, label_col, label_name, name))
    if not out:
        raise LsrError(f"{name}: no records: the CSV has a header but no rows")
    return out


def _label_column(names: list[str], rows: list[tuple[int, list[str]]], name: str) -> tuple[int | None, str]:
    if LSR_LABEL in names:
        return names.index(LSR_LABEL), LSR_LABEL
    for option in INCLUSION_COLUMNS:
        if option in names:
            return names.index(option), option
    if "label" in names:  # ASReview reads a bare "label" as the inclusion label: only when it looks like one
        i = names.index("label")
        values = {(row[i] if i < len(row) else "").strip().lower() for _, row in rows}
        if values <= set(LABEL_VALUES):
            return i, "label"
    return None, ""


def _cell(row: list[str], col: dict[str, int], field: str) -> str:
    i = col.get(field)
    return row[i].strip() if i is not None and i < len(row) else ""


def _row_record(row: list[str], col: dict[str, int], line: int, label_col: int | None, label_name: str,
                name: str) -> SourceRecord:
    label = None
    if label_col is not None and label_col < len(row):
        value = row[label_col].strip().lower()
        if label_name == LSR_LABEL and value == "maybe":
            label = "maybe"
        elif value in LABEL_VALUES:
            label = LABEL_VALUES[value]
        else:
            raise LsrError(f"{name}: line {line}: column {label_name!r} holds {row[label_col].strip()!r}; "
                           "expected 1 or 0 (yes/no), blank for unscreened")
    url, extra = _cell(row, col, "url"), _cell(row, col, "extra")
    doi = normalize_doi(_cell(row, col, "doi")) or normalize_doi(url) or normalize_doi(extra)
    pmid = normalize_pmid(_cell(row, col, "pmid")) or (normalize_pmid(url) if "pubmed" in url.lower() else None)
    if not pmid and re.search(r"pmid", extra, re.IGNORECASE):
        pmid = normalize_pmid(extra)
    openalex = normalize_openalex_id(_cell(row, col, "openalex_id")) or (
        normalize_openalex_id(url) if "openalex.org" in url else None)
    type_ = _cell(row, col, "type")
    date = _cell(row, col, "date")
    cand = Candidate(
        title=re.sub(r"[\t\r\n]+", " ", _cell(row, col, "title")),
        abstract=_cell(row, col, "abstract"),
        authors=_split_list(_cell(row, col, "authors")),
        year=parse_year(_cell(row, col, "year"), date),
        publication_date=parse_date(date) if date else None,
        venue=_cell(row, col, "venue") or None,
        type=RIS_TYPES.get(type_.upper(), _type_name(type_)),
        language=_cell(row, col, "language") or None,
        doi=doi,
        pmid=pmid,
        openalex_id=openalex,
        keywords=_split_list(_cell(row, col, "keywords")),
        raw={"format": "csv", "line": line, "fields": row},
    )
    if not (cand.title or cand.abstract or cand.doi or cand.pmid or cand.openalex_id):
        raise LsrError(f"{name}: line {line}: row has no title, abstract or identifier")
    reason = _cell(row, col, "reason") or None
    database = _cell(row, col, "database")
    return SourceRecord(line=line, candidate=cand, label=label, reason=reason if label == "exclude" else None,
                        database=database if database.lower() in KNOWN_DATABASES else None)


def _type_name(value: str) -> str | None:
    """"Journal Article" / "journalArticle" / "Article" -> "article"; others lowercased with hyphens."""
    if not value:
        return None
    low = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value).lower().strip()
    if low in ("journal article", "article", "review", "article in press"):
        return "article" if low != "review" else "review"
    if low in ("conference paper", "conference proceedings", "proceedings paper"):
        return "proceedings-article"
    if low in ("book chapter", "chapter"):
        return "book-chapter"
    return low.replace(" ", "-")
