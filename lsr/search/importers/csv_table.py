"""Reading CSV/TSV tables (ASReview LAB, Scopus, Lens, OpenAlex, PubMed, Embase, IEEE Xplore, Springer Link,
Cochrane, Zotero, Web of Science tab-delimited, lsr's own export) into ``Candidate``s with optional screening labels.

Owns the column vocabulary: each record field accepts the column names below (compared lowercased, with
``_`` as a space; the Dutch names a team's own list may use too: titel, samenvatting, auteurs, jaar,
tijdschrift, trefwoorden, taal), in order of preference; a row's first non-empty one counts (OpenAlex's
export has both ``title`` and ``display_name``), and a later column only when every earlier one is empty in
that row: a table with both a ``journal`` (or ``booktitle``) column and PubMed's ``Journal/Book`` takes its own
column wherever that is filled. Author cells are split by ``names``, each in the light of its whole column
(``names.author_column``). A type is read as RIS (``JOUR``), BibTeX (``inproceedings``, the ``bibtex``
importer's mapping) or a database's name for it (``Journal Article``, ``ConferencePaper``).

Four exports are recognised by their header. PubMed's and Springer Link's by all of these columns (maybe among
others): PubMed's CSV (PMID, Title, Authors, Citation, First Author, Journal/Book, …, NIHMS ID, DOI), whose
records name PubMed as their database, and Springer Link's (Item Title, Publication Title, Book Series Title,
…, Content Type), whose ``Authors`` cell runs the names together (``Andy SmithTom Weber``, split by
``names.split_run_together``).
Web of Science's tab-delimited export names its columns by its tags (PT, AU, TI, SO, …, UT): its ``ID`` is
Keywords Plus (its Excel export's ``Keywords Plus``), kept as keywords after the author keywords (``DE``),
each keyword once in any case. Embase's CSV (a column ``Embase Accession ID``, ``Embase Link`` or ``Emtree …
Index Terms``) writes several keywords in one cell between ", ": its ``Author Keywords`` and Emtree index term
columns (kept as keywords after the author keywords) are split there; other tables' keyword cells are not
split at commas, as a keyword may hold one. Its ``Medline PMID`` is the PMID, and its ``Article Language``
(or ``Language of Article``) the language.

Labels come from the first inclusion column present, in ASReview LAB's order (``asreview_label``, then lsr's
``lsr_label`` with maybe, then ``included``, ``label_included``, …: 1/0, yes/no, blank for unscreened); a
column named ``label`` counts only when it holds nothing but such values. Beside a final inclusion column,
ASReview's ``label_abstract_screening`` is the title/abstract label and the final one the full-text label.
Rayyan's export puts each member's decision into ``notes`` (read by ``rayyan``). The ERIC number comes from an
``eric_id``/``ERIC Number`` column (or an ``Accession Number`` that is one), ERIC's API's ``id`` column, an
ERIC link in ``url``, or "ERIC Number: …" in the notes. ``lsr_id`` (lsr's own export) travels with the
record so the review it came from recognises it. The delimiter (comma, semicolon, tab or bar) is taken from
the header line; cells may be as long as the file. Refused, naming the line: a header without
any title, abstract or identifier column, a quoting error, a row with more fields than the header, a label
value that is not a label. A row with no title, abstract or identifier (only a label or a year; or a DOI
that is not one, which the warning says) is left out with a warning, and a table none of whose rows has one
is refused (``framing.left_out``). Rows whose cells are all empty (Excel's trailing ``,,,,``) are skipped.
"""

from __future__ import annotations

import csv
import io
import re
import sys

from lsr.errors import LsrError
from lsr.search.databases import is_database_name
from lsr.search.dedupe import Candidate
from lsr.search.identity import (
    eric_id_in_link,
    eric_id_named_in,
    normalize_doi,
    normalize_eric_id,
    normalize_openalex_id,
    normalize_pmid,
)
from lsr.search.importers.bibtex import TYPES as BIBTEX_TYPES
from lsr.search.importers.framing import holding, identifiable, left_out
from lsr.search.importers.names import (
    AuthorColumn,
    author_column,
    distinct,
    split_authors,
    split_list,
    split_run_together,
)
from lsr.search.importers.rayyan import with_rayyan_decisions
from lsr.search.importers.ris import RIS_TYPES, SourceRecord, parse_date, parse_year

COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("title", "primary title", "article title", "document title", "ti", "t1", "display name",
              "title primary", "item title", "titel"),
    "abstract": ("abstract", "notes abstract", "abstract note", "ab", "n2", "samenvatting"),
    "authors": ("authors", "author", "first authors", "author names", "author/s", "author(s)", "author full names",
                "authorships.author.display name", "authorships.raw author name", "authors, primary", "au", "af",
                "auteurs", "auteur"),
    "doi": ("doi", "ids.doi", "item doi", "di", "do"),
    "year": ("year", "publication year", "py", "pub year", "pubyear", "year published", "published year", "jaar",
             "publicatiejaar", "jaar van publicatie"),
    "date": ("publication date", "date published", "date", "pd"),
    "venue": ("journal", "booktitle", "book title", "venue", "source title", "publication title", "publication name",
              "journal name", "secondary title", "journal/book", "primary location.source.display name",
              "periodical full", "so", "t2", "jo", "tijdschrift", "publication"),
    "keywords": ("keywords", "author keywords", "manual tags", "keywords.display name", "de", "kw", "trefwoorden"),
    "pmid": ("pmid", "pubmed id", "pubmedid", "ids.pmid", "pm", "medline pmid"),
    # ERIC numbers: lsr's own export, a team's list; an accession number counts only when it is an ERIC number
    "eric_id": ("eric id", "eric number", "eric accession number", "accession number"),
    "openalex_id": ("openalex id", "openalex", "openalex work", "ids.openalex", "work id"),
    "url": ("url", "link", "open url link", "ur"),
    "type": ("type", "document type", "publication type", "item type", "content type", "dt", "ty", "type of reference",
             "reference type"),
    # Embase's CSV: "Article Language" (its "Summary Language" is the abstract's, not the article's)
    "language": ("language", "language of original document", "article language", "language of article", "la",
                 "taal"),
    "extra": ("extra", "notes", "note", "n1"),
    "note": ("asreview note", "lsr note"),
    "reason": ("exclusion reason", "lsr reason", "reason"),
    "database": ("source", "database", "db"),
    "lsr_id": ("lsr id",),
}
# keyword columns read after the keyword column, every one of them: Web of Science's Keywords Plus (tag ID in
# its tab-delimited export), and in Embase's export its Emtree index terms
MORE_KEYWORDS = ("keywords plus",)
EMBASE_KEYWORDS = ("emtree drug index terms (major focus)", "emtree drug index terms",
                   "emtree medical index terms (major focus)", "emtree medical index terms")
EMBASE_MARKS = frozenset({"embase accession id", "embase link", *EMBASE_KEYWORDS})  # any of them: Embase's CSV
# Embase's CSV export writes the citation into its "Source" column: "Cancer (2004) 102:4 (253-258). Date of
# Publication: 25 Aug 2004".
EMBASE_SOURCE = re.compile(r"^(?P<venue>.+?) \((?P<year>1[5-9]\d\d|2[01]\d\d)\)(?: [^.]*)?\.(?: Date of Publication: .*)?$")
LSR_LABEL = "lsr label"
# ASReview LAB's own order (asreview.data.base): its screening result first, then the input's labels; lsr's
# own maybe-aware column before the plain ones.
# ASReview's benchmark datasets label both stages: label_abstract_screening (title/abstract) beside
# label_included (the final inclusion, after full text)
ABSTRACT_SCREENING_COLUMN = "label abstract screening"
FINAL_COLUMNS = ("included", "final included", "label included", "included label", "included final")
INCLUSION_COLUMNS = ("asreview label", LSR_LABEL, "included", "final included", "label included", "included label",
                     "included final", "included flag", "include")
LABEL_VALUES = {
    "1": "include", "1.0": "include", "yes": "include", "y": "include", "true": "include", "include": "include",
    "included": "include", "relevant": "include",
    "0": "exclude", "0.0": "exclude", "no": "exclude", "n": "exclude", "false": "exclude", "exclude": "exclude",
    "excluded": "exclude", "irrelevant": "exclude",
    "": None, "-1": None, "-1.0": None, "nan": None, "na": None, "unscreened": None, "not seen": None,
}
DELIMITERS = (",", ";", "\t", "|")
NOTE_LINES = 5  # lines of notes an exporter may put above the header
IDENTIFYING = ("title", "abstract", "doi", "pmid", "eric_id", "openalex_id")
PUBMED_HEADER = frozenset({"pmid", "title", "authors", "citation", "first author", "journal/book", "publication year",
                           "create date", "pmcid", "nihms id", "doi"})
WOS_HEADER = frozenset({"pt", "au", "ti", "so", "ut"})  # Web of Science's tab-delimited export: its tags
SPRINGER_HEADER = frozenset({"item title", "publication title", "book series title", "journal volume", "journal issue",
                             "item doi", "authors", "publication year", "url", "content type"})


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


def read_csv(text: str, name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Parse CSV text (newlines normalised) into source records with labels, with a warning for the rows left
    out because they have no title, abstract or identifier.

    Raises:
        LsrError: naming the file and line, for the problems listed in the module docstring.
    """
    skipped = len(text) - len(text.lstrip("\n"))  # blank lines before the header
    text = text[skipped:]
    notes = _notes_before_header(text)
    if notes:  # Dimensions' "About the data: Exported on …" line above its header
        skipped += notes
        text = text.split("\n", notes)[notes]
    first = text.split("\n", 1)[0]
    delimiter, names = header_columns(first)
    if delimiter is None or not any(n in COLUMNS[f] for f in IDENTIFYING for n in names):
        found = ", ".join(repr(n) for n in names[:8] if n) or "none"
        raise LsrError(f"{name}: line {skipped + 1}: read as CSV, the header has no title, abstract, doi or pmid "
                       f"column (columns: {found}); if the file is not a table but a list of references as text, "
                       f"lsr cannot read it: export the references as RIS, BibTeX or CSV from where they came")
    col = _column_map(names)
    export = "pubmed" if PUBMED_HEADER <= set(names) else "springer" if SPRINGER_HEADER <= set(names) else \
        "embase" if EMBASE_MARKS & set(names) else None
    # A cell may be as long as the file (10,000 authors): the csv module's default limit is 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), min(len(text) + 1, sys.maxsize)))
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
    ta_col = names.index(ABSTRACT_SCREENING_COLUMN) if label_name in FINAL_COLUMNS and \
        ABSTRACT_SCREENING_COLUMN in names else None
    authors = author_column(_list_cell(row, col, "authors") for _, row in rows)
    out, empty = [], []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(names):
            raise LsrError(f"{name}: line {line}: {len(row)} fields where the header has {len(names)} "
                           "(an unquoted delimiter or a stray quote?)")
        record = _row_record(row, col, line, label_col, label_name, name, export, authors)
        if ta_col is not None:
            _two_stages(record, row, ta_col, label_name, name)
        if identifiable(record.candidate):
            out.append(record)
        elif given := _cell(row, col, "doi"):
            empty.append((f"line {line}", f"its DOI {given!r} is not a DOI: a DOI reads 10.<digits>/<suffix>"))
        else:
            empty.append((f"line {line}", holding(record.candidate, record.label)))
    warnings = left_out(name, empty, len(out), "row")
    if not out:
        raise LsrError(f"{name}: no records: the CSV has a header but no rows")
    return out, warnings


def _notes_before_header(text: str) -> int:
    """How many lines of notes stand above the header (a line with at most one filled cell, such as
    Dimensions' ``"About the data: Exported on …",,,,``); 0 unless a header follows within
    ``NOTE_LINES`` lines."""
    lines = text.split("\n", NOTE_LINES + 1)[: NOTE_LINES + 1]
    for k, line in enumerate(lines):
        if looks_like_csv(line):
            return k
        cells = next(csv.reader([line], delimiter=sniff_delimiter(line) or ","), [])
        if sum(1 for c in cells if c.strip()) > 1:
            return 0
    return 0


def _column_map(names: list[str]) -> dict[str, list[int]]:
    """Each field's columns in preference order (a row's first non-empty one counts). lsr's own export
    continues over-long lists in ``authors_2``, ``authors_3``, … columns; OpenAlex's export names its
    work id ``id``, Web of Science's tab-delimited export its Keywords Plus; ``more_keywords`` are read after
    the keyword column, every one of them."""
    col: dict[str, list[int]] = {}
    for field, options in COLUMNS.items():
        found = [names.index(o) for o in options if o in names]
        if found:
            col[field] = found
    for field in ("authors", "keywords"):
        more = sorted((int(m.group(1)), i) for i, n in enumerate(names) if (m := re.fullmatch(field + r" (\d+)", n)))
        if more:
            col[field + "+"] = [i for _, i in more]
    more = [names.index(n) for n in (*MORE_KEYWORDS, *EMBASE_KEYWORDS) if n in names]
    if "id" in names and WOS_HEADER <= set(names):  # Web of Science's tag ID: Keywords Plus
        more.append(names.index("id"))
    elif "id" in names:
        col["openalex_url"] = [names.index("id")]
    if more:
        col["more_keywords"] = sorted(more)
    return col


def _label_column(names: list[str], rows: list[tuple[int, list[str]]], name: str) -> tuple[int | None, str]:
    for option in INCLUSION_COLUMNS:
        if option in names:
            return names.index(option), option
    if "label" in names:  # ASReview reads a bare "label" as the inclusion label: only when it looks like one
        i = names.index("label")
        values = {(row[i] if i < len(row) else "").strip().lower() for _, row in rows}
        if values <= set(LABEL_VALUES):
            return i, "label"
    return None, ""


def _cell(row: list[str], col: dict[str, list[int]], field: str) -> str:
    for i in col.get(field, ()):
        if i < len(row) and row[i].strip():
            return row[i].strip()
    return ""


def _list_cell(row: list[str], col: dict[str, list[int]], field: str) -> str:
    """A list field with its continuation columns joined back (lsr's ``authors``, ``authors_2``, …)."""
    parts = [_cell(row, col, field)] + [row[i].strip() for i in col.get(field + "+", ()) if i < len(row)]
    return ";".join(p for p in parts if p)


def _row_record(row: list[str], col: dict[str, list[int]], line: int, label_col: int | None, label_name: str,
                name: str, export: str | None = None, authors: AuthorColumn | None = None) -> SourceRecord:
    """One row as a record; ``export`` is ``pubmed``, ``springer`` or ``embase`` when the header is that
    export's, and ``authors`` what the author column's cells say about how it writes names."""
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
    work = _cell(row, col, "openalex_url")  # OpenAlex's own "id" column: only as an OpenAlex URL
    openalex = normalize_openalex_id(_cell(row, col, "openalex_id")) or next(
        (normalize_openalex_id(v) for v in (work, url) if "openalex.org" in v), None)
    # ERIC's API (api.ies.ed.gov/eric, format=csv) names its records in an "id" column: ED503346
    eric = normalize_eric_id(_cell(row, col, "eric_id")) or normalize_eric_id(work) or eric_id_in_link(url) \
        or eric_id_named_in(extra)
    type_ = _cell(row, col, "type")
    date = _cell(row, col, "date")
    database = _cell(row, col, "database")
    known_database = is_database_name(database)
    citation = EMBASE_SOURCE.match(database)  # Embase's "Source" column is a citation, not a database
    if citation:
        database = ""
    lsr_id = _cell(row, col, "lsr_id")
    names = split_authors(_list_cell(row, col, "authors"), authors)
    if export == "springer":
        names = [one for whole in names for one in split_run_together(whole)]
    cand = Candidate(
        title=re.sub(r"[\t\r\n]+", " ", _cell(row, col, "title")),
        abstract=_cell(row, col, "abstract"),
        authors=names,
        year=parse_year(_cell(row, col, "year"), date, citation.group("year") if citation else None),
        publication_date=parse_date(date) if date else None,
        venue=_cell(row, col, "venue") or (citation.group("venue") if citation else None)
        or (database if database and not known_database else None),
        type=_type_name(type_),
        language=_cell(row, col, "language") or None,
        doi=doi,
        pmid=pmid,
        eric_id=eric,
        openalex_id=openalex,
        keywords=distinct(k for cell in [_list_cell(row, col, "keywords"),
                                         *(row[i] for i in col.get("more_keywords", ()) if i < len(row))]
                          for k in split_list(cell, commas=export == "embase")),
        raw={"format": "csv", "line": line, "fields": row},
        lsr_id=int(lsr_id) if lsr_id.isdigit() else None,
    )
    reason = _cell(row, col, "reason") or None
    record = SourceRecord(line=line, candidate=cand, label=label, reason=reason if label == "exclude" else None,
                          database=database if known_database else "PubMed" if export == "pubmed" else None,
                          note=_cell(row, col, "note") or None)
    return with_rayyan_decisions(record, extra)


def _two_stages(record: SourceRecord, row: list[str], ta_col: int, label_name: str, name: str) -> None:
    """Split a row's labels into title/abstract (``label abstract screening``) and full text (the final
    inclusion column): a record included at title/abstract carries its final label as ``full_text``; one
    finally included but marked excluded at title/abstract counts as included at both."""
    value = (row[ta_col] if ta_col < len(row) else "").strip().lower()
    if value not in LABEL_VALUES:
        raise LsrError(f"{name}: line {record.line}: column 'label_abstract_screening' holds "
                       f"{row[ta_col].strip()!r}; expected 1 or 0 (yes/no), blank for unscreened")
    screened = LABEL_VALUES[value]
    final = record.label
    if screened == "include" or final == "include":
        record.label, record.full_text = "include", final
    elif screened == "exclude":
        record.label = "exclude"


def _type_name(value: str) -> str | None:
    """A type cell as lsr's type: RIS (``JOUR``) and BibTeX (``inproceedings`` -> "proceedings-article") by
    their importers' mappings; "Journal Article" / "journalArticle" / "Article" -> "article", Springer's
    "Chapter ConferencePaper" -> "proceedings-article"; others lowercased with hyphens. "Proceedings" in a table
    (Dimensions writes "Proceeding") is a conference paper, not BibTeX's whole volume."""
    value = value.strip()
    if not value:
        return None
    if value.upper() in RIS_TYPES:
        return RIS_TYPES[value.upper()]
    if value.lower() in BIBTEX_TYPES and value.lower() != "proceedings":
        return BIBTEX_TYPES[value.lower()]
    low = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", value).lower().strip()
    if low in ("journal article", "article", "review", "article in press"):
        return "article" if low != "review" else "review"
    if low in ("conference paper", "conference proceedings", "proceedings paper", "chapter conference paper",
               "proceeding", "proceedings"):
        return "proceedings-article"
    if low in ("book chapter", "chapter"):
        return "book-chapter"
    if low == "reference work entry":  # Springer's encyclopaedia entries
        return "reference-entry"
    return low.replace(" ", "-")
