"""Reading EndNote's XML export (File > Export, "XML"; what Covidence and Rayyan also take) into source records.

An EndNote library exported as XML is ``<xml><records><record>…</record>…</records></xml>``, often all on
one line; every field's text sits in one or more ``<style>`` runs. Its fields are EndNote's, the same ones
EndNote writes to RIS, so each record is mapped to the RIS reader's entry (``ris.entry_to_record``) and
read by the same rules: DOI from ``electronic-resource-num`` (or a DOI link or note), PMID from
``accession-num`` when the record came from PubMed/MEDLINE, the reference type, keywords, notes (ASReview's
and lsr's labels included).

Refused, naming the position: XML that is not well-formed, an XML document that is not an EndNote export,
an export without records. A record with no title, abstract or identifier is left out with a warning, and an
export none of whose records has one is refused (``framing.left_out``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from lsr.errors import LsrError
from lsr.search.importers.framing import to_source_records
from lsr.search.importers.ris import SourceRecord, entry_to_record
from lsr.search.importers.xml_records import element_text, xml_records

# EndNote's reference type names -> RIS types (as EndNote's own RIS export writes them).
REF_TYPES = {
    "journal article": "JOUR", "electronic article": "EJOUR", "magazine article": "MGZN",
    "newspaper article": "NEWS", "book": "BOOK", "edited book": "EDBOOK", "electronic book": "EBOOK",
    "book section": "CHAP", "electronic book section": "ECHAP", "conference paper": "CPAPER",
    "conference proceedings": "CONF", "thesis": "THES", "report": "RPRT", "government document": "GOVDOC",
    "dataset": "DATA", "web page": "ELEC", "generic": "GEN", "manuscript": "GEN", "unpublished work": "GEN",
}
# EndNote field elements -> the RIS reader's entry keys (rispy's names).
FIELDS = {
    "titles/title": "title", "titles/secondary-title": "secondary_title", "titles/alt-title": "alternate_title1",
    "titles/short-title": "short_title", "periodical/full-title": "journal_name", "abstract": "abstract",
    "dates/year": "year", "dates/pub-dates/date": "date", "language": "language",
    "electronic-resource-num": "doi", "accession-num": "accession_number", "work-type": "type_of_work",
    "remote-database-name": "name_of_database", "remote-database-provider": "database_provider",
    "label": "label", **{f"custom{i}": f"custom{i}" for i in range(1, 8)},
}
LISTS = {
    "contributors/authors/author": "authors", "keywords/keyword": "keywords", "notes": "notes",
    "research-notes": "notes", "urls/related-urls/url": "urls", "urls/web-urls/url": "urls",
    "urls/pdf-urls/url": "urls",
}


def looks_like_endnote_xml(text: str) -> bool:
    """Whether the head of the text is an XML document whose root is EndNote's ``<xml><records>``."""
    head = text[:4000].lstrip("\ufeff \t\n")
    return head.startswith("<") and "<records>" in head and ("<xml>" in head or "<xml " in head)


def read_endnote_xml(text: str, name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse an EndNote XML export into source records, with a warning for the records left out
    because they have no title, abstract or identifier.

    Raises:
        LsrError: not well-formed XML, not an EndNote export, or no records (with a title, abstract or
            identifier).
    """
    root, records = xml_records(text, name, "record")
    if root != "xml":
        raise LsrError(f"{name}: line 1: an XML document with root <{root}>, not an EndNote XML export "
                       "(<xml><records><record>); export RIS, CSV, BibTeX or (PubMed) MEDLINE instead")
    if not records:
        raise LsrError(f"{name}: no EndNote records (no <record> elements)")
    return to_source_records(name, [r.line for r in records], [_entry(r.element) for r in records], entry_to_record,
                             keys=[r.key for r in records], raw_format="endnote")


def _entry(record: ET.Element) -> dict:
    """A record's fields as the RIS reader's entry dict."""
    ref_type = record.find("ref-type")
    type_name = (ref_type.get("name") if ref_type is not None else "") or ""
    entry: dict = {"type_of_reference": REF_TYPES.get(type_name.strip().lower(), "GEN")}
    for path, key in FIELDS.items():
        value = element_text(record.find(path))
        if value:
            entry.setdefault(key, value)
    for path, key in LISTS.items():
        values = [v for v in (element_text(e) for e in record.findall(path)) if v]
        if values:
            entry.setdefault(key, []).extend(values)
    return entry
