"""Reading CSL JSON (Citation Style Language data: Zotero's and Mendeley's "CSL JSON" export, Paperpile, a DOI's
record from Crossref by content negotiation) into source records.

Owns the structure check and field mapping of CSL JSON (schema: citation-style-language/schema,
``csl-data.json``): an array of items (or one item), each an object with a ``type``. The array is decoded
item by item, so each item is known by the line it starts on and a syntax error names line and column.
Refused, naming the position: JSON that is not valid, a top level that is not an array of objects, an
item that is not an object. An item with no title, abstract or identifier (Zotero's note or attachment
exported on its own) is left out with a warning, and a file none of whose items has one is refused
(``framing.left_out``). OpenAlex's own JSON is not CSL and keeps its hint (works come in with ``lsr update``).

Mapped: ``title``, ``abstract``, ``author`` (``family, given`` with its particles, or ``literal``),
``issued`` (``date-parts``, else ``raw``/``literal``), ``container-title`` (venue), ``type`` (CSL's types
as OpenAlex's), ``DOI`` (or a DOI in ``URL``), ``PMID``, the ERIC number (an ERIC link in ``URL``, or Zotero's
"ERIC Number: …" in ``note``), ``keyword`` (``,`` or ``;``), ``language``.
"""

from __future__ import annotations

import json
import re

from lsr.errors import LsrError
from lsr.search.dedupe import Candidate
from lsr.search.identity import eric_id_in_link, eric_id_named_in, normalize_doi
from lsr.search.importers.framing import to_source_records
from lsr.search.importers.ris import SourceRecord, parse_year

TYPES = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article",
    "article": "preprint", "book": "book", "chapter": "book-chapter", "paper-conference": "proceedings-article",
    "report": "report", "thesis": "dissertation", "dataset": "dataset", "review": "review",
    "review-book": "review", "standard": "standard", "entry-encyclopedia": "reference-entry",
    "entry-dictionary": "reference-entry", "entry": "reference-entry",
}
_SPACE = re.compile(r"\s*")


def looks_like_csl_json(text: str) -> bool:
    """Whether the text opens a JSON array (or object) whose first item has a CSL ``type`` and is not an OpenAlex work."""
    head = text[:20_000].lstrip("\ufeff \t\r\n")
    if not head.startswith(("[", "{")):
        return False
    first = re.search(r'"type"\s*:\s*"([a-z_-]+)"', head)
    openalex = re.search(r'"(?:display_name|publication_year|abstract_inverted_index)"\s*:', head)
    return bool(first) and openalex is None and first.group(1) in (*TYPES, "webpage", "post", "post-weblog",
                                                                 "document", "manuscript", "software", "pamphlet",
                                                                 "personal_communication", "speech", "patent")


def read_csl_json(text: str, name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse CSL JSON into source records, with a warning for the items left out because they have
    nothing to identify them by.

    Raises:
        LsrError: invalid JSON (line and column), a top level that is not an array of objects, or no item with
            anything to identify it by.
    """
    decoder = json.JSONDecoder()
    text = text.lstrip("\ufeff")
    at = _SPACE.match(text).end()
    items: list[dict] = []
    starts: list[int] = []
    try:
        if text.startswith("{", at):
            item, _ = decoder.raw_decode(text, at)
            items, starts = [item], [text.count("\n", 0, at) + 1]
        elif text.startswith("[", at):
            at = _SPACE.match(text, at + 1).end()
            while not text.startswith("]", at):
                item, end = decoder.raw_decode(text, at)
                line = text.count("\n", 0, at) + 1
                if not isinstance(item, dict):
                    raise LsrError(f"{name}: line {line}: a CSL JSON item is an object ({{…}}), found {type(item).__name__}")
                items.append(item)
                starts.append(line)
                at = _SPACE.match(text, end).end()
                if text.startswith(",", at):
                    at = _SPACE.match(text, at + 1).end()
                elif not text.startswith("]", at):
                    raise json.JSONDecodeError("expected ',' or ']' after an item", text, at)
        else:
            raise json.JSONDecodeError("expected '[' (an array of CSL items)", text, at)
    except json.JSONDecodeError as exc:
        raise LsrError(f"{name}: line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}") from None
    if not items:
        raise LsrError(f"{name}: no CSL JSON items (an empty array)")
    return to_source_records(name, starts, items, item_to_record, noun="item")


def item_to_record(item: dict, line: int) -> SourceRecord:
    """Map one CSL item to a ``SourceRecord``."""
    issued = item.get("issued") or {}
    date_parts = issued.get("date-parts") if isinstance(issued, dict) else None
    parts = date_parts[0] if isinstance(date_parts, list) and date_parts and isinstance(date_parts[0], list) else []
    year = parse_year(*(str(p) for p in parts[:1]), *(str(issued.get(k, "")) for k in ("raw", "literal"))
                      ) if isinstance(issued, dict) else parse_year(str(issued))
    kind = str(item.get("type") or "")
    cand = Candidate(
        title=_text(item.get("title")),
        abstract=_text(item.get("abstract")),
        authors=[a for a in (_name(p) for p in _list(item.get("author")) if isinstance(p, dict)) if a],
        year=year,
        publication_date=_date(parts),
        venue=_text(item.get("container-title")) or None,
        type=TYPES.get(kind, "other" if kind else None),
        language=_text(item.get("language")) or None,
        doi=_text(item.get("DOI")) or normalize_doi(_text(item.get("URL"))),
        pmid=_text(item.get("PMID")) or None,
        # Zotero writes an item's Extra ("ERIC Number: EJ956651", from ERIC's site or .nbib) as the CSL note
        eric_id=eric_id_in_link(_text(item.get("URL"))) or eric_id_named_in(_text(item.get("note"))),
        keywords=[k.strip() for k in re.split(r"[,;]", _text(item.get("keyword"))) if k.strip()],
        raw={"format": "csl", "line": line, "fields": item},
    )
    return SourceRecord(line=line, candidate=cand)


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    if isinstance(value, list):  # some exporters write container-title as a list (Crossref)
        value = value[0] if value else ""
    return str(value).strip() if isinstance(value, (str, int, float)) else ""


def _name(person: dict) -> str:
    """``family, given`` as the other readers store authors, with the particles CSL splits off."""
    if person.get("literal"):
        return _text(person["literal"])
    family = " ".join(_text(person.get(k)) for k in ("non-dropping-particle", "family") if person.get(k))
    given = " ".join(_text(person.get(k)) for k in ("given", "dropping-particle") if person.get(k))
    return f"{family}, {given}" if family and given else family or given


def _date(parts: list) -> str | None:
    """``[2019, 5, 1]`` -> ``2019-05-01`` (``2019-05`` without a day; None without a month)."""
    try:
        numbers = [int(p) for p in parts[:3]]
    except (TypeError, ValueError):
        return None
    if len(numbers) < 2 or not 1 <= numbers[1] <= 12:
        return None
    day = f"-{numbers[2]:02d}" if len(numbers) == 3 and 1 <= numbers[2] <= 31 else ""
    return f"{numbers[0]:04d}-{numbers[1]:02d}{day}"
