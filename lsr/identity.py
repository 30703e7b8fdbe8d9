"""Normalising identifiers and titles, so the same work from different sources is recognised.

Pure functions, no database: DOIs (any URL or ``doi:`` form, lowercase), PMIDs, OpenAlex ids (short
``W…`` form) and title keys (case, punctuation, whitespace, HTML entities and diacritics folded).
"""

from __future__ import annotations

import html
import re
import unicodedata

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*|doi\s+)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.\d{3,9}/\S+$")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_TAGS = re.compile(r"<[^>]+>")


def normalize_doi(value: str | None) -> str | None:
    """``https://doi.org/10.1000/ABC`` -> ``10.1000/abc``; None when it does not look like a DOI."""
    if not value:
        return None
    doi = _DOI_PREFIX.sub("", str(value).strip()).strip().rstrip(".;,").lower()
    doi = doi.replace("%2f", "/")
    return doi if _DOI_SHAPE.match(doi) else None


def normalize_pmid(value: str | int | None) -> str | None:
    """``https://pubmed.ncbi.nlm.nih.gov/123`` or ``PMID: 123`` -> ``123``."""
    if value is None or value == "":
        return None
    digits = re.findall(r"\d+", str(value))
    return digits[-1].lstrip("0") or None if digits else None


def normalize_openalex_id(value: str | None) -> str | None:
    """``https://openalex.org/W123`` -> ``W123``; None unless it is a work id."""
    if not value:
        return None
    short = str(value).strip().rstrip("/").rsplit("/", 1)[-1].upper()
    return short if re.fullmatch(r"W\d+", short) else None


def fold_text(value: str | None) -> str:
    """Lowercase ASCII text with HTML entities and tags resolved and diacritics removed."""
    if not value:
        return ""
    text = _TAGS.sub(" ", html.unescape(html.unescape(str(value))))
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.lower()


def title_key(title: str | None) -> str:
    """Title reduced to lowercase letters and digits separated by single spaces."""
    return _NON_ALNUM.sub(" ", fold_text(title)).strip()
