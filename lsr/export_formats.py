"""RIS and CSV writers for ``lsr export``: reference managers and ASReview LAB.

Both start from the JSON contract dicts of ``export.export_records`` and stream them out.

- RIS (for Zotero, EndNote, Mendeley, and ASReview LAB): standard tags, CRLF line ends, no counter lines.
  The lsr label is written as keyword ``lsr:include|exclude|maybe|unscreened`` (and ``lsr-reason:…``), as
  an ``N1`` note ``lsr: …`` with the decisions, and as ASReview's own note (``ASReview_relevant``,
  ``ASReview_irrelevant``, ``ASReview_not_seen``). OpenAlex and PubMed ids travel as ``UR`` links.
- CSV (for ASReview LAB and spreadsheets): ``included`` is 1/0 for include/exclude and blank for unscreened
  and maybe (ASReview's convention); ``lsr_label`` keeps maybe. No column is called ``label`` (ASReview would
  read it as the inclusion label). Lists (authors, keywords) are joined with ``;`` as ASReview splits them.

``lsr import`` reads both back, labels included.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import IO

from lsr.importers.ris import TYPES_RIS

RIS_NEWLINE = "\r\n"
CSV_COLUMNS = (
    "lsr_id", "openalex_id", "doi", "pmid", "title", "abstract", "authors", "year", "publication_date", "journal",
    "type", "keywords", "url", "included", "lsr_label", "exclusion_reason", "title_abstract_label",
    "full_text_label", "retracted",
)
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


def ris_lines(item: dict) -> Iterable[str]:
    """The RIS lines of one exported record (without line ends)."""

    def tag(name: str, value) -> str:
        return f"{name}  - {_one_line(value)}"

    yield tag("TY", TYPES_RIS.get(item.get("type") or "", "JOUR"))
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


def csv_row(item: dict) -> list:
    """One exported record as a CSV row in ``CSV_COLUMNS`` order."""
    label = item.get("label")
    urls = _urls(item)
    values = {
        "lsr_id": item.get("id"),
        "openalex_id": item.get("openalex_id"),
        "doi": item.get("doi"),
        "pmid": item.get("pmid"),
        "title": item.get("title"),
        "abstract": item.get("abstract"),
        "authors": ";".join(a.replace(";", ",") for a in item.get("authors") or []),
        "year": item.get("year"),
        "publication_date": item.get("publication_date"),
        "journal": item.get("venue"),
        "type": item.get("type"),
        "keywords": ";".join(str(k).replace(";", ",") for k in item.get("keywords") or []),
        "url": urls[0] if urls else None,
        "included": {"include": 1, "exclude": 0}.get(label or ""),
        "lsr_label": label,
        "exclusion_reason": item.get("reason"),
        "title_abstract_label": item.get("title_abstract_label"),
        "full_text_label": item.get("full_text_label"),
        "retracted": "retracted (OpenAlex)" if item.get("is_retracted") else None,
    }
    return ["" if values[c] is None else values[c] for c in CSV_COLUMNS]


def write_csv(items: Iterable[dict], out: IO[str]) -> int:
    """Write records as an ASReview-compatible CSV table; returns how many."""
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    n = 0
    for item in items:
        writer.writerow(csv_row(item))
        n += 1
    return n
