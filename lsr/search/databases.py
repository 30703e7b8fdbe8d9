"""Bibliographic databases by name: which sources are databases, and how their names are written.

This module owns the one list of database names lsr knows. Three things read it:

- the PRISMA 2020 flow (``lsr.report.prisma.source_kind``): an import whose source names a database goes in
  the "databases" box, anything else under "other sources";
- the CSV importer: a "Source" column that holds a database's name says where the records came from, any
  other value is the journal (Scopus and Web of Science exports use that column for the venue);
- the RIS importer: the short codes EBSCOhost and EndNote write in ``DB``/``DP`` become the database's name
  for the PRISMA-S search log (``psyh`` -> "APA PsycInfo").
"""

from __future__ import annotations

# Lower case; an import from one of them is a PRISMA "database". Multi-word names match as a part of the
# source ("Embase via Ovid", "Scopus (Elsevier)"); single words match as a whole word.
DATABASE_NAMES = frozenset({
    "openalex", "scopus", "pubmed", "medline", "medline complete", "embase", "psycinfo", "apa psycinfo",
    "psycarticles", "apa psycarticles", "eric", "web of science", "web of science core collection", "wos",
    "cinahl", "cinahl plus", "cinahl plus with full text", "cochrane", "cochrane library", "cochrane central",
    "cochrane database of systematic reviews", "econlit", "econlit with full text", "socindex",
    "socindex with full text", "sociological abstracts", "social services abstracts", "assia",
    "academic search complete", "academic search premier", "business source complete",
    "business source premier", "criminal justice abstracts with full text", "education source",
    "education research complete", "greenfile", "health source: nursing/academic edition", "proquest",
    "dimensions", "lens", "google scholar", "psyndex", "campbell library", "epistemonikos", "ovid", "ebsco",
    "nlm", "picarta", "narcis",
})
# Import formats that only databases write (MEDLINE/PubMed, Web of Science, Ovid exports).
DATABASE_FORMATS = frozenset({"medline", "pubmed_xml", "wos", "ovid"})
# Codes written in RIS DB/DP (lower case) -> the database's name. EndNote's PubMed import writes "DP  - NLM";
# EBSCOhost writes its short database code ("DB  - psyh", the db= of its links).
DATABASE_CODES = {
    "nlm": "PubMed",
    "a9h": "Academic Search Complete", "aph": "Academic Search Premier", "bth": "Business Source Complete",
    "buh": "Business Source Premier", "rzh": "CINAHL Plus with Full Text", "cmedm": "MEDLINE",
    "mdc": "MEDLINE Complete", "i3h": "Criminal Justice Abstracts with Full Text", "ecn": "EconLit",
    "eoh": "EconLit with Full Text", "eue": "Education Source", "ehh": "Education Research Complete",
    "eric": "ERIC", "8gh": "GreenFILE", "hch": "Health Source: Nursing/Academic Edition", "psyh": "APA PsycInfo",
    "pdh": "APA PsycArticles", "sih": "SocINDEX with Full Text",
}
# How a source lsr writes in lower case is shown to readers.
DISPLAY_NAMES = {"openalex": "OpenAlex", "pubmed": "PubMed", "scopus": "Scopus"}


def is_database_name(source: str | None) -> bool:
    """Whether a source, as a person or an export wrote it, is exactly a known database's name (any case).

    The strict test, for a field that may also hold a journal's name (a CSV "Source" column)."""
    return (source or "").strip().lower() in DATABASE_NAMES


def names_database(source: str | None) -> bool:
    """Whether a source names a known database anywhere in it: "Scopus", "Embase via Ovid",
    "PsycINFO (EBSCO)"; "My reading list" does not."""
    name = (source or "").strip().lower()
    if name in DATABASE_NAMES:
        return True
    words = f" {name.replace('(', ' ').replace(')', ' ').replace(',', ' ')} "
    return any((f" {db} " in words) if " " not in db else (db in name) for db in DATABASE_NAMES)


def database_from_code(code: str | None) -> str | None:
    """The database's name for a RIS DB/DP value: a known code becomes the name, anything else stays."""
    return DATABASE_CODES.get((code or "").lower(), code)


def display_name(source: str) -> str:
    """A source as readers see it: "OpenAlex" for lsr's "openalex"; anything else as written."""
    return DISPLAY_NAMES.get(source.lower(), source)
