"""Reading PubMed's XML (E-utilities ``efetch``, ``<PubmedArticleSet>``; what scripted searches save and what
Covidence and Rayyan also take) into source records.

Each ``<PubmedArticle>`` (or ``<PubmedBookArticle>``) holds the same data element as the MEDLINE format,
only as XML, so it is turned into the MEDLINE reader's entry (tag -> values: ``TI``, ``AB``, ``FAU``, ``DP``,
``JT``, ``PT``, ``LA``, ``LID ... [doi]``, ``PMID``, ``MH``, ``OT``) and mapped by ``medline.entry_to_record``:
one set of field rules for PubMed, whichever way it was exported. A structured abstract keeps its section
labels (``BACKGROUND: ...``).

Refused, naming the position: XML that is not well-formed, a ``PubmedArticleSet`` without articles (with a
title, abstract or identifier; an article without is left out with a warning, ``framing.left_out``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from lsr.errors import LsrError
from lsr.search.importers.framing import to_source_records
from lsr.search.importers.medline import entry_to_record
from lsr.search.importers.ris import SourceRecord
from lsr.search.importers.xml_records import element_text, xml_records

ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle")


def looks_like_pubmed_xml(text: str) -> bool:
    """Whether the head of the text is PubMed's ``<PubmedArticleSet>`` (after the XML declaration and DOCTYPE)."""
    head = text[:4000].lstrip("\ufeff \t\n")
    return head.startswith("<") and "<PubmedArticleSet" in head


def read_pubmed_xml(text: str, name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse PubMed XML into source records, with a warning for the articles left out because they
    have nothing to identify them by.

    Raises:
        LsrError: not well-formed XML, or no articles (with a title, abstract or identifier).
    """
    _, records = xml_records(text, name, set(ARTICLE_TAGS))
    if not records:
        raise LsrError(f"{name}: no PubMed articles (no <PubmedArticle> elements)")
    return to_source_records(name, [r.line for r in records], [_entry(r.element) for r in records], entry_to_record,
                             keys=[r.key for r in records], raw_format="pubmed-xml", noun="article")


def _entry(article: ET.Element) -> dict[str, list[str]]:
    """An article's data elements as the MEDLINE reader's entry (tag -> values)."""
    citation = article.find("MedlineCitation")
    book = article.find("BookDocument")
    part = citation if citation is not None else book
    if part is None:
        return {}
    body = part.find("Article") if citation is not None else part
    entry: dict[str, list[str]] = {}

    def put(tag: str, *values: str) -> None:
        for value in values:
            if value:
                entry.setdefault(tag, []).append(value)

    put("PMID", element_text(part.find("PMID")))
    if body is not None:
        put("TI", element_text(body.find("ArticleTitle")) or element_text(body.find("VernacularTitle")))
        for section in body.findall("Abstract/AbstractText"):
            label, text = section.get("Label"), element_text(section)
            put("AB", f"{label}: {text}" if label and text else text)
        for author in body.findall("AuthorList/Author"):
            last, first = element_text(author.find("LastName")), element_text(author.find("ForeName"))
            initials = element_text(author.find("Initials"))
            put("FAU", f"{last}, {first or initials}".rstrip(", ") if last else element_text(author.find("CollectiveName")))
        put("LA", *(element_text(e) for e in body.findall("Language")))
        put("PT", *(element_text(e) for e in body.findall("PublicationTypeList/PublicationType")))
        for eloc in body.findall("ELocationID"):
            if (eloc.get("EIdType") or "").lower() == "doi":
                put("LID", f"{element_text(eloc)} [doi]")
    if citation is not None and body is not None:
        put("JT", element_text(body.find("Journal/Title")))
        put("DP", _pub_date(body.find("Journal/JournalIssue/PubDate")))
        put("DEP", _electronic_date(body.find("ArticleDate")))
    else:
        put("BTI", element_text(part.find("Book/BookTitle")))
        put("DP", _pub_date(part.find("Book/PubDate")))
    for article_id in article.findall("PubmedData/ArticleIdList/ArticleId"):
        if (article_id.get("IdType") or "").lower() == "doi":
            put("AID", f"{element_text(article_id)} [doi]")
    put("OT", *(element_text(k) for k in part.findall("KeywordList/Keyword")))
    put("MH", *(element_text(m) for m in part.findall("MeshHeadingList/MeshHeading/DescriptorName")))
    return entry


def _pub_date(date: ET.Element | None) -> str:
    """``<PubDate>`` as MEDLINE's ``DP`` (``2019 Jun 20``, or its ``MedlineDate`` such as ``2019 Nov-Dec``)."""
    if date is None:
        return ""
    medline = element_text(date.find("MedlineDate"))
    if medline:
        return medline
    return " ".join(v for v in (element_text(date.find(t)) for t in ("Year", "Month", "Day")) if v)


def _electronic_date(date: ET.Element | None) -> str:
    """``<ArticleDate>`` as MEDLINE's ``DEP`` (``20190620``)."""
    if date is None:
        return ""
    parts = [element_text(date.find(t)) for t in ("Year", "Month", "Day")]
    return "".join(p.zfill(2) if i else p for i, p in enumerate(parts)) if all(parts) else ""
