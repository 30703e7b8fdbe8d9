"""The ``*_json`` text columns: what each holds, how it is written and how it is read, in one place.

The database keeps JSON as plain ``Text`` (no JSON column type, so SQLite and PostgreSQL store the same
bytes and no migration ever rewrote them). Each column has one :class:`JsonText` codec here, and it is the
only code that turns the column's text into a value or a value into its text:

* the ORM models (``lsr.models``) declare beside each column a typed property built on its codec
  (``Record.authors`` for ``authors_json``, ``SearchRun.filters`` for ``filters_json``, ...);
* code that reads a column through plain SQL (``lsr status``'s sqlite3 reader, query functions) decodes
  the text with the same codec (``KNOWN_STUDIES.decode(text)``);
* code that writes rows without the ORM (executemany) or passes a column to a model's constructor
  (which ignores property names) encodes with it (``AUTHORS.encode(names)``).

Every codec writes exactly what lsr wrote before they existed: ``json.dumps``'s default separators
(``", "`` and ``": "``), ASCII escapes unless ``ensure_ascii=False`` is listed, keys sorted only where
listed, so existing databases read unchanged and text comparisons of stored values still hold.

Standard library only: ``lsr status`` imports this without SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def decode_list(text: str | None) -> list:
    """A list column's value: ``[]`` when it is null or empty.

    Raises:
        ValueError: the text is not JSON.
    """
    return json.loads(text) if text else []


def decode_object(text: str | None) -> dict:
    """An object column's value: ``{}`` when it is null or empty.

    Raises:
        ValueError: the text is not JSON.
    """
    return json.loads(text) if text else {}


def decode_optional(text: str | None) -> Any:
    """A nullable column's value: None when it is null or empty.

    Raises:
        ValueError: the text is not JSON.
    """
    return json.loads(text) if text else None


def decode_required(text: str) -> Any:
    """A column that always holds JSON (``NOT NULL``, never written empty).

    Raises:
        ValueError: the text is empty or not JSON.
        TypeError: it is null.
    """
    return json.loads(text)


@dataclass(frozen=True)
class JsonText:
    """How one ``*_json`` column is read (``shape``: one of the ``decode_*`` functions above) and written
    (``json.dumps`` with these options)."""

    shape: Callable[[Any], Any]
    sort_keys: bool = False
    ensure_ascii: bool = True
    default: Callable[[Any], Any] | None = None  # json.dumps(default=...): text for values JSON cannot hold

    def decode(self, text: str | None) -> Any:
        """The column's value (the shape's empty value when it is null or empty).

        Raises:
            ValueError: the text is not JSON (``decode_required``: or empty).
        """
        return self.shape(text)

    def decode_or_empty(self, text: str | None) -> Any:
        """The column's value, or the shape's empty value when the text is not JSON (for readers that
        show what they can rather than fail: reports, labels)."""
        try:
            return self.shape(text)
        except (ValueError, TypeError):
            return self.shape(None) if self.shape is not decode_required else None

    def encode(self, value: Any) -> str | None:
        """The text the column stores for ``value``; None stays null in a nullable column."""
        if value is None and self.shape is decode_optional:
            return None
        return json.dumps(value, sort_keys=self.sort_keys, ensure_ascii=self.ensure_ascii, default=self.default)


# review.protocol_json, protocol_version.protocol_json: the protocol file's content (``Protocol.raw``), as
# hashed for ``protocol_hash`` (dates and other TOML values JSON has no type for as their str())
PROTOCOL = JsonText(decode_required, sort_keys=True, default=str)

# search_run.filters_json: an update's OpenAlex filters (``lsr.search.update`` passes them in key order, so
# a resumed run's filters compare as text); an import's {"format", "encoding", "records"}, in that order
FILTERS = JsonText(decode_object)
# search_run.request_urls_json: the first request URL of each query chunk (secrets redacted)
REQUEST_URLS = JsonText(decode_list)
# search_run.cursor_json: a resumable update's paging state (``lsr.search.update._RunState``)
CURSOR = JsonText(decode_object)
# search_run.known_studies_json: {"checked", "found", "missing"} DOIs (``lsr.search.known_studies``)
KNOWN_STUDIES = JsonText(decode_optional)

# record.authors_json, keywords_json, referenced_works_json: lists of strings (names, keywords, OpenAlex ids)
AUTHORS = JsonText(decode_list)
KEYWORDS = JsonText(decode_list)
REFERENCED_WORKS = JsonText(decode_list)
# record.raw_json, record_source.raw_json: the source's own JSON of the work (OpenAlex, an import's row)
RAW = JsonText(decode_optional)

# model_run.params_json: the ranker's parameters (numpy values and the like as their str())
PARAMS = JsonText(decode_object, default=str)

# extraction.extra_json: the protocol's own extraction fields, keys sorted, text as typed
EXTRA = JsonText(decode_object, sort_keys=True, ensure_ascii=False)

COLUMNS: dict[str, JsonText] = {
    "review.protocol_json": PROTOCOL,
    "protocol_version.protocol_json": PROTOCOL,
    "search_run.filters_json": FILTERS,
    "search_run.request_urls_json": REQUEST_URLS,
    "search_run.cursor_json": CURSOR,
    "search_run.known_studies_json": KNOWN_STUDIES,
    "record.authors_json": AUTHORS,
    "record.keywords_json": KEYWORDS,
    "record.referenced_works_json": REFERENCED_WORKS,
    "record.raw_json": RAW,
    "record_source.raw_json": RAW,
    "model_run.params_json": PARAMS,
    "extraction.extra_json": EXTRA,
}
"""Every ``*_json`` column by ``table.column`` (a test holds the schema to this list)."""
