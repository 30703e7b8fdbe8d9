"""RIS, CSV and BibTeX writers for ``lsr export``: reference managers, ASReview LAB and LaTeX.

Both start from the JSON contract dicts of ``export.export_records`` and stream them out.

- RIS (for Zotero, EndNote, Mendeley, and ASReview LAB): standard tags, CRLF line ends, no counter lines.
  The lsr label is written as keyword ``lsr:include|exclude|maybe|unscreened`` (and ``lsr-reason:…``), as
  an ``N1`` note ``lsr: …`` with the decisions, and as ASReview's own note (``ASReview_relevant``,
  ``ASReview_irrelevant``, ``ASReview_not_seen``). OpenAlex ids, PMIDs and ERIC numbers travel as ``UR``
  links (the ERIC number as its eric.ed.gov record, ``https://eric.ed.gov/?id=ED590123``, the form ERIC's
  own export links to and ``lsr import`` reads back).
- CSV (for ASReview LAB and spreadsheets): ``included`` is 1/0 for include/exclude and blank for unscreened
  and maybe (ASReview's convention); ``lsr_label`` keeps maybe. No column is called ``label`` (ASReview would
  read it as the inclusion label). Lists (authors, keywords) are joined with ``;`` as ASReview splits them.
  ``eric_id`` holds the ERIC number. ``lsr_id`` lets ``lsr import`` recognise each record in the review it
  came from; ``lsr_note`` holds the decisions' notes. No cell is longer than ``CELL_MAX`` (Excel's and
  ASReview's limits): a longer author list continues in ``authors_2``, ``authors_3``, … columns, which
  ``lsr import`` joins back.
- RIS also carries the record id (``ID  - lsr:42``) and each decision's note (``N1  - lsr-note: …``).
- BibTeX (for LaTeX: the included studies of a paper): one entry per record, UTF-8, keys ``family year
  first-title-word`` made unique with a/b/c, the TeX specials ``& % $ # _ { }`` escaped; the lsr label and
  record id in ``note``.

``lsr import`` reads all three back (RIS and CSV with their labels).
"""

from __future__ import annotations

import csv
import json
import re
import tempfile
from collections.abc import Iterable
from typing import IO

from lsr.search.identity import family_name, title_words
from lsr.search.importers.ris import TYPES_RIS

RIS_NEWLINE = "\r\n"
CSV_COLUMNS = (
    "lsr_id", "openalex_id", "doi", "pmid", "eric_id", "title", "abstract", "authors", "year", "publication_date",
    "journal", "type", "keywords", "url", "included", "lsr_label", "exclusion_reason", "title_abstract_label",
    "full_text_label", "retracted", "lsr_note",
)
# Longest cell written: Excel keeps 32,767 characters per cell, and ASReview LAB reads CSV with Python's csv
# module (131,072). Longer author or keyword lists continue in ``authors_2``, ``authors_3``, … columns
# (added at the end, only when a record needs them); longer text is cut with "…".
CELL_MAX = 32_000
LIST_COLUMNS = ("authors", "keywords")
ASREVIEW_NOTE = {"include": "ASReview_relevant", "exclude": "ASReview_irrelevant"}


def _one_line(value) -> str:
    """A RIS value on one line: line breaks and tabs become spaces (thin and no-break spaces stay)."""
    return re.sub(r"[ ]*[\t\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+[ ]*", " ", str(value)).strip()


def _urls(item: dict) -> list[str]:
    urls = []
    if item.get("doi"):
        urls.append(f"https://doi.org/{item['doi']}")
    if item.get("openalex_id"):
        urls.append(f"https://openalex.org/{item['openalex_id']}")
    if item.get("pmid"):
        urls.append(f"https://pubmed.ncbi.nlm.nih.gov/{item['pmid']}/")
    if item.get("eric_id"):
        urls.append(f"https://eric.ed.gov/?id={item['eric_id']}")
    return urls


def _decision_note(item: dict) -> str:
    label = item.get("label") or "unscreened"
    parts = [f"lsr: {label}"] + (["RETRACTED (OpenAlex is_retracted)"] if item.get("is_retracted") else [])
    if item.get("reason"):
        parts.append(f"reason: {item['reason']}")
    for d in item.get("decisions") or []:
        if d.get("label"):
            parts.append(f"{d['stage']} {d['label']} by {d['reviewer']} at {d.get('at') or '?'}")
    return "; ".join(parts)


def _notes(item: dict) -> list[str]:
    """The free-text notes of a record's decisions, oldest first."""
    return [str(d["note"]).strip() for d in item.get("decisions") or [] if d.get("note") and str(d["note"]).strip()]


def ris_lines(item: dict) -> Iterable[str]:
    """The RIS lines of one exported record (without line ends)."""

    def tag(name: str, value) -> str:
        return f"{name}  - {_one_line(value)}"

    yield tag("TY", TYPES_RIS.get(item.get("type") or "", "JOUR"))
    if item.get("id") is not None:
        yield tag("ID", f"lsr:{item['id']}")  # lets `lsr import` recognise the record in its own review
    if item.get("type"):
        yield tag("M3", item["type"])  # the exact type; EndNote shows it as "Type of Work"
    if item.get("title"):
        yield tag("TI", item["title"])
    for author in item.get("authors") or []:
        if author and author.strip():
            yield tag("AU", author)
    if item.get("year"):
        yield tag("PY", item["year"])
    date = item.get("publication_date")
    if date and re.match(r"^\d{4}-\d{2}(-\d{2})?$", date):
        yield tag("DA", date.replace("-", "/"))
    if item.get("venue"):
        yield tag("T2", item["venue"])
    if item.get("abstract"):
        yield tag("AB", item["abstract"])
    if item.get("doi"):
        yield tag("DO", item["doi"])
    for url in _urls(item):
        yield tag("UR", url)
    for keyword in item.get("keywords") or []:
        if keyword and str(keyword).strip():
            yield tag("KW", keyword)
    yield tag("KW", f"lsr:{item.get('label') or 'unscreened'}")
    if item.get("reason"):
        yield tag("KW", f"lsr-reason:{item['reason']}")
    yield tag("N1", _decision_note(item))
    for note in _notes(item):
        yield tag("N1", f"lsr-note: {note}")
    yield tag("N1", ASREVIEW_NOTE.get(item.get("label") or "", "ASReview_not_seen"))
    yield "ER  - "


def write_ris(items: Iterable[dict], out: IO[str]) -> int:
    """Write records as RIS; returns how many."""
    n = 0
    for item in items:
        if n:
            out.write(RIS_NEWLINE)
        out.write(RIS_NEWLINE.join(ris_lines(item)) + RIS_NEWLINE)
        n += 1
    return n


def _chunks(values: list[str], limit: int = CELL_MAX) -> list[str]:
    """``;``-joined cells of at most ``limit`` characters (a single longer value is cut)."""
    cells, current = [], ""
    for value in values:
        value = _cut(value.replace(";", ","), limit)
        if current and len(current) + 1 + len(value) > limit:
            cells.append(current)
            current = value
        else:
            current = f"{current};{value}" if current else value
    return [*cells, current] if current or not cells else cells


def _cut(text: str, limit: int = CELL_MAX) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def csv_row(item: dict) -> tuple[list, dict[str, list[str]]]:
    """One exported record as a CSV row in ``CSV_COLUMNS`` order, and the continuation cells of its
    over-long lists (``{"authors": [cell 2, cell 3, …]}``)."""
    label = item.get("label")
    urls = _urls(item)
    lists = {"authors": _chunks([a for a in item.get("authors") or [] if a]),
             "keywords": _chunks([str(k) for k in item.get("keywords") or [] if k])}
    values = {
        "lsr_id": item.get("id"),
        "openalex_id": item.get("openalex_id"),
        "doi": item.get("doi"),
        "pmid": item.get("pmid"),
        "eric_id": item.get("eric_id"),
        "title": item.get("title"),
        "abstract": item.get("abstract"),
        "authors": lists["authors"][0],
        "year": item.get("year"),
        "publication_date": item.get("publication_date"),
        "journal": item.get("venue"),
        "type": item.get("type"),
        "keywords": lists["keywords"][0],
        "url": urls[0] if urls else None,
        "included": {"include": 1, "exclude": 0}.get(label or ""),
        "lsr_label": label,
        "exclusion_reason": item.get("reason"),
        "title_abstract_label": item.get("title_abstract_label"),
        "full_text_label": item.get("full_text_label"),
        "retracted": "retracted (OpenAlex)" if item.get("is_retracted") else None,
        "lsr_note": " | ".join(_notes(item)),
    }
    row = ["" if values[c] is None else _cut(values[c]) if isinstance(values[c], str) else values[c]
           for c in CSV_COLUMNS]
    return row, {k: v[1:] for k, v in lists.items() if len(v) > 1}


BIBTEX_TYPES = {"article": "article", "journal-article": "article", "review": "article", "letter": "article",
                "editorial": "article", "book": "book", "book-chapter": "incollection",
                "proceedings-article": "inproceedings", "dissertation": "phdthesis", "report": "techreport"}
_TEX_SPECIAL = re.compile(r"([&%$#_{}])")


def _tex(value) -> str:
    """A field value for BibTeX: one line, TeX's specials escaped (``R&D`` -> ``R\\&D``)."""
    text = _one_line(value).replace("\\", "/")
    return _TEX_SPECIAL.sub(r"\\\1", text)


def bibtex_key(item: dict, taken: set[str]) -> str:
    """``jansen2019extended``: first author's family name, year and first long title word, ASCII; a, b, …
    appended when taken."""
    authors = item.get("authors") or []
    family = re.sub(r"[^a-z0-9]", "", family_name(authors[0]) if authors else "") or "anon"
    word = next((w for w in title_words(item.get("title")) if len(w) > 3), "")
    base = f"{family}{item.get('year') or ''}{re.sub(r'[^a-z0-9]', '', word)}"
    key, n = base, 0
    while key in taken:
        key = f"{base}{chr(ord('a') + n % 26)}{n // 26 or ''}"
        n += 1
    taken.add(key)
    return key


def bibtex_entry(item: dict, key: str) -> str:
    """One record as a BibTeX entry."""
    kind = BIBTEX_TYPES.get(item.get("type") or "", "misc" if item.get("type") else "article")
    venue_field = {"article": "journal", "inproceedings": "booktitle", "incollection": "booktitle"}.get(kind)
    fields = [
        ("title", item.get("title")),
        ("author", " and ".join(a for a in item.get("authors") or [] if a and a.strip())),
        (venue_field or "howpublished", item.get("venue")),
        ("year", item.get("year")),
        ("doi", item.get("doi")),
        ("pmid", item.get("pmid")),
        ("url", _urls(item)[0] if _urls(item) else None),
        ("keywords", ", ".join(str(k) for k in item.get("keywords") or [] if k)),
        ("abstract", item.get("abstract")),
        ("note", f"lsr: {item.get('label') or 'unscreened'}, record {item.get('id')}"),
    ]
    body = ",\n".join(f"  {name} = {{{_tex(value)}}}" for name, value in fields if value not in (None, ""))
    return f"@{kind}{{{key},\n{body}\n}}\n"


def write_bibtex(items: Iterable[dict], out: IO[str]) -> int:
    """Write records as BibTeX entries; returns how many."""
    taken: set[str] = set()
    n = 0
    for item in items:
        out.write(("\n" if n else "") + bibtex_entry(item, bibtex_key(item, taken)))
        n += 1
    return n


def write_csv(items: Iterable[dict], out: IO[str]) -> int:
    """Write records as an ASReview-compatible CSV table; returns how many.

    Rows are spooled first (to a temporary file once large) so that the header can name the continuation
    columns the longest lists need."""
    extra = dict.fromkeys(LIST_COLUMNS, 0)
    n = 0
    with tempfile.SpooledTemporaryFile(max_size=16 * 2**20, mode="w+", encoding="utf-8") as spool:
        for item in items:
            row, more = csv_row(item)
            for column, cells in more.items():
                extra[column] = max(extra[column], len(cells))
            spool.write(json.dumps([row, more], ensure_ascii=False) + "\n")
            n += 1
        spool.seek(0)
        writer = csv.writer(out)
        writer.writerow([*CSV_COLUMNS, *(f"{c}_{i}" for c in LIST_COLUMNS for i in range(2, extra[c] + 2))])
        for line in spool:
            row, more = json.loads(line)
            writer.writerow([*row, *(cell for c in LIST_COLUMNS
                                     for cell in (more.get(c, []) + [""] * extra[c])[:extra[c]])])
    return n
