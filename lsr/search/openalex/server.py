"""A small OpenAlex-compatible HTTP server on loopback, for the offline demo and tests.

This module owns the local stand-in for ``https://api.openalex.org``: it serves OpenAlex work JSON (for
example from SYNERGY folders) with the parts of the ``/works`` API that lsr sends, so the production path
(pyalex over real HTTP) is what runs in tests. Supported:

* ``GET /works`` with ``filter=`` (comma-separated ``key:value``; ``|`` = OR, ``!`` = NOT), ``search=``,
  ``search.exact=``, ``sort=``, ``select=``, ``per-page``/``per_page`` (1-100, default 25), ``page`` paging
  (at most 10 000 results) and ``cursor`` paging (``cursor=*`` starts; ``next_cursor`` is null on the last
  page); ``mailto`` and ``api_key`` are accepted and ignored. Errors are 400s with OpenAlex's JSON shape
  ``{"error": "Invalid query parameters error.", "message": ...}``; request targets over 4096 bytes get 400.
* ``GET /works/<id>`` (an OpenAlex id, its URL, or ``doi:...``); 404 when unknown or not yet published.
* an ``as_of`` date: works published after it are invisible (settable at run time, also over HTTP).
* deterministic fault injection: every ``fault_every``-th API request gets the next of ``fault_kinds``
  (``429``, ``503``, ``truncate``, ``slow``, ``reset``) in rotation.
* a request log (method, path, parameters, headers, status, fault) in memory and optionally as JSON lines.
* the 2026 access rules (:mod:`lsr.search.openalex.server_quota`): with ``api_keys`` a missing or unknown key
  answers 401; with ``daily_credits`` a daily budget (search 10 credits, list 1, single work 0) with the
  production ``X-RateLimit-*`` headers, and 429 "Insufficient budget ... Resets at midnight UTC" with
  ``Retry-After`` = seconds to midnight (injectable ``clock``); a ``504`` fault kind (query timeout).
* living data: :meth:`OpenAlexServer.retract` flips ``is_retracted``; :meth:`OpenAlexServer.merge` merges
  a work into another existing work (OpenAlex's usual case: a duplicate record, e.g. a preprint's second
  record, merged into the work that survives) or moves it to a new id; either way the old id answers 301
  to the surviving one (also when asked by the old work's DOI) and drops out of lists, and ids merged into
  the old one earlier redirect straight to the survivor; works with ``is_xpac: true`` are left out of lists
  unless ``include_xpac=true``.
* admin endpoints (not counted, not logged): ``GET /_admin/state``, ``GET /_admin/requests``,
  ``POST /_admin/as-of`` (``{"as_of": "YYYY-MM-DD" | null}``), ``POST /_admin/faults``
  (``{"every": N, "kinds": [...]}``), ``POST /_admin/clear-requests``, ``POST /_admin/retract``
  (``{"id": "W…", "retracted": true}``) and ``POST /_admin/merge`` (``{"old": "W…", "new": "W…"}``: into
  an existing work or a new id), the last two so a team can rehearse a retraction or a merge with ``curl``.

Python use: ``with running_server(works, as_of="2015-01-01") as srv: ... srv.url ...``.
"""

from __future__ import annotations

import base64
import bisect
import contextlib
import hashlib
import json
import os
import re
import socket
import struct
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import total_ordering
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, unquote_plus, urlsplit

from lsr.errors import LsrError
from lsr.search.identity import normalize_doi
from lsr.search.openalex.search_syntax import (
    AnalyzedText,
    QuerySyntaxError,
    SearchQuery,
    analyze,
    analyze_work,
    work_text,
)
from lsr.search.openalex.server_quota import Budget, KeyCheck, request_cost
from lsr.search.synergy import iter_work_files

__all__ = [
    "FAULT_KINDS",
    "LoggedRequest",
    "OpenAlexServer",
    "load_works",
    "running_server",
]

FAULT_KINDS = ("429", "503", "504", "truncate", "slow", "reset")
MAX_URL_BYTES = 4096
MAX_PAGED_RESULTS = 10_000
DEFAULT_PER_PAGE = 25
INVALID = "Invalid query parameters error."
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_PASSIVE_PARAMS = frozenset({"mailto", "api_key", "include_xpac"})
_LIST_PARAMS = _PASSIVE_PARAMS | frozenset(
    {"filter", "search", "search.exact", "sort", "select", "per-page", "per_page", "page", "cursor"}
)
_SELECT_FIELDS = frozenset(
    "id doi title display_name publication_year publication_date ids language primary_location type "
    "type_crossref indexed_in open_access authorships institution_assertions countries_distinct_count "
    "institutions_distinct_count corresponding_author_ids corresponding_institution_ids apc_list apc_paid "
    "fwci has_fulltext fulltext_origin cited_by_count citation_normalized_percentile "
    "cited_by_percentile_year biblio is_retracted is_paratext primary_topic topics keywords concepts mesh "
    "locations_count locations best_oa_location sustainable_development_goals grants datasets versions "
    "referenced_works_count referenced_works related_works abstract_inverted_index cited_by_api_url "
    "counts_by_year updated_date created_date host_venue alternate_host_venues ngrams_url".split()
)
#: Crossref-era work types (as in SYNERGY's works) mapped to OpenAlex's current type vocabulary.
_LEGACY_TYPES = {
    "journal-article": "article",
    "proceedings-article": "article",
    "posted-content": "preprint",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-section": "book-chapter",
    "book-part": "book-chapter",
    "component": "other",
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class BadRequest(Exception):
    """A request the server answers with an OpenAlex-style error (400 unless told otherwise)."""

    def __init__(self, message: str, status: int = 400, error: str = INVALID) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error = error


# ------------------------------------------------------------------------------------------ work fields


def short_id(value: Any) -> str | None:
    """``https://openalex.org/W123`` (or ``w123``) -> ``W123``."""
    if not value:
        return None
    return str(value).strip().rstrip("/").rsplit("/", 1)[-1].upper() or None


def work_date(work: Mapping) -> str | None:
    """The work's ``publication_date``, else ``publication_year``-01-01, as ``YYYY-MM-DD`` (or None)."""
    value = work.get("publication_date")
    if isinstance(value, str) and _DATE_RE.match(value[:10]):
        return value[:10]
    year = work.get("publication_year")
    if isinstance(year, int) or (isinstance(year, str) and year.isdigit()):
        return f"{int(year):04d}-01-01"
    return None


def _id_number(wid: str) -> int:
    digits = wid[1:]
    return int(digits) if digits.isdigit() else 0


def _work_types(work: Mapping) -> set[str]:
    types = {str(t).rsplit("/", 1)[-1].lower() for t in (work.get("type"), work.get("type_crossref")) if t}
    return types | {_LEGACY_TYPES[t] for t in types if t in _LEGACY_TYPES}


def parse_date(value: Any, what: str = "date") -> str | None:
    """Accept a ``date``, ``datetime`` or ``YYYY-MM-DD`` string (or None); return ``YYYY-MM-DD``.

    Raises:
        ValueError: for anything else.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    try:
        if _DATE_RE.match(text):
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise ValueError(f"{what} {text!r} is not a date of the form YYYY-MM-DD")


# ------------------------------------------------------------------------------------------------ corpus


class Corpus:
    """The served works, indexed by short OpenAlex id and DOI, with lazily analyzed title+abstract texts.

    Args:
        works: OpenAlex work dicts; a later work with the same id replaces the earlier one.
    """

    def __init__(self, works: Iterable[Mapping]) -> None:
        self.by_id: dict[str, Mapping] = {}
        for work in works:
            wid = short_id(work.get("id"))
            if wid:
                self.by_id[wid] = work
        self.by_doi = {normalize_doi(w.get("doi")): wid for wid, w in self.by_id.items() if w.get("doi")}
        self.dates = {wid: work_date(w) for wid, w in self.by_id.items()}
        self.ordered = sorted(self.by_id, key=_id_number)
        self._texts: dict[bool, dict[str, AnalyzedText]] = {True: {}, False: {}}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.by_id)

    def add(self, work: Mapping) -> str:
        """Serve one more work (or replace one with the same id); returns its short id."""
        wid = short_id(work.get("id")) or ""
        self.by_id[wid] = work
        if work.get("doi"):
            self.by_doi[normalize_doi(work.get("doi"))] = wid
        self.dates[wid] = work_date(work)
        if wid not in self.ordered:
            bisect.insort(self.ordered, wid, key=_id_number)
        for cache in self._texts.values():
            cache.pop(wid, None)
        return wid

    def visible(self, wid: str, as_of: str | None) -> bool:
        """Whether a work is published on or before ``as_of`` (undated works are always visible)."""
        d = self.dates.get(wid)
        return as_of is None or d is None or d <= as_of

    def text(self, wid: str, stemmed: bool) -> AnalyzedText:
        """The analyzed title+abstract of a work (computed once, then cached)."""
        cache = self._texts[stemmed]
        doc = cache.get(wid)
        if doc is None:
            doc = analyze_work(self.by_id[wid], stemmed=stemmed)
            with self._lock:
                cache[wid] = doc
        return doc

    def lookup(self, key: str) -> str | None:
        """Resolve ``W123``, an OpenAlex URL, ``doi:10...`` or a DOI URL to a short id."""
        key = key.strip()
        low = key.lower()
        if low.startswith(("doi:", "https://doi.org/", "http://doi.org/", "10.")):
            return self.by_doi.get(normalize_doi(key))
        wid = short_id(key)
        return wid if wid in self.by_id else None


def load_works(paths: Iterable[os.PathLike | str]) -> list[dict]:
    """Read OpenAlex works from SYNERGY folders, ``.zip``, ``.json`` and ``.jsonl`` files.

    Raises:
        LsrError: when a path is missing or unreadable.
    """
    paths = list(paths)
    for p in paths:
        if not Path(p).exists():
            raise LsrError(f"{p}: no such file or folder")
    return list(iter_work_files(paths))


# ------------------------------------------------------------------------------------------------ filters

Predicate = Callable[[str, Mapping], bool]
"""A filter test on (short id, work)."""


@dataclass
class _FilterContext:
    corpus: Corpus


def _alternatives(value: str) -> list[tuple[bool, str]]:
    """Split ``a|!b`` into [(negated, value), ...]."""
    out = []
    for alt in value.split("|"):
        alt = alt.strip()
        negated = alt.startswith("!")
        out.append((negated, alt[1:].strip() if negated else alt))
    return out


def _any_of(key: str, value: str, test: Callable[[str], Callable[[str, Mapping], bool]]) -> Predicate:
    """An OR of per-alternative tests, each possibly negated."""
    parts = []
    for negated, alt in _alternatives(value):
        if not alt:
            raise BadRequest(f"{key}: empty value in filter {key}:{value}")
        parts.append((negated, test(alt)))
    return lambda wid, w: any(t(wid, w) != neg for neg, t in parts)


def _bool_value(key: str, alt: str) -> bool:
    if alt.lower() not in ("true", "false"):
        raise BadRequest(f"Value for param {key} must be a boolean (true or false), not {alt!r}.")
    return alt.lower() == "true"


def _int_value(key: str, alt: str) -> int:
    try:
        return int(alt)
    except ValueError:
        raise BadRequest(f"Value for param {key} must be a number, not {alt!r}.") from None


def _number_test(key: str, get: Callable[[Mapping], Any]) -> Callable[[str], Callable[[str, Mapping], bool]]:
    """Tests for ``N``, ``>N``, ``<N`` and ``N-M`` on a numeric field."""

    def build(alt: str) -> Callable[[str, Mapping], bool]:
        if alt.startswith(">"):
            n = _int_value(key, alt[1:])
            return lambda wid, w: _num(get(w)) is not None and _num(get(w)) > n
        if alt.startswith("<"):
            n = _int_value(key, alt[1:])
            return lambda wid, w: _num(get(w)) is not None and _num(get(w)) < n
        if re.fullmatch(r"\d+-\d+", alt):
            lo, hi = (int(x) for x in alt.split("-"))
            return lambda wid, w: _num(get(w)) is not None and lo <= _num(get(w)) <= hi
        n = _int_value(key, alt)
        return lambda wid, w: _num(get(w)) == n

    return build


def _num(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date_bound(key: str, value: str, ctx: _FilterContext, after: bool) -> Predicate:
    try:
        bound = parse_date(value, key)
    except ValueError as exc:
        raise BadRequest(f"Value for param {key} must be a date in format yyyy-mm-dd: {exc}") from None
    dates = ctx.corpus.dates
    if after:
        return lambda wid, w: dates.get(wid) is not None and dates[wid] >= bound
    return lambda wid, w: dates.get(wid) is not None and dates[wid] <= bound


def _search(key: str, value: str, ctx: _FilterContext, stemmed: bool) -> Predicate:
    try:
        query = SearchQuery(value, stemmed=stemmed)
    except QuerySyntaxError as exc:
        raise BadRequest(f"{key}: invalid search query: {exc}") from None
    corpus = ctx.corpus
    return lambda wid, w: query.matches_text(corpus.text(wid, stemmed))


def _field_search(key: str, value: str, ctx: _FilterContext, field_name: str, stemmed: bool) -> Predicate:
    try:
        query = SearchQuery(value, stemmed=stemmed)
    except QuerySyntaxError as exc:
        raise BadRequest(f"{key}: invalid search query: {exc}") from None

    def test(wid: str, w: Mapping) -> bool:
        title, abstract = work_text(w)
        return query.matches_text(analyze(title if field_name == "title" else abstract, stemmed=stemmed))

    return test


def _filter_builders() -> dict[str, Callable[[str, str, _FilterContext], Predicate]]:
    """The supported filter keys, each mapped to a builder of its predicate."""

    def ids(k: str, v: str, c: _FilterContext) -> Predicate:
        return _any_of(k, v, lambda alt: lambda wid, w, a=short_id(alt): wid == a)

    def dois(k: str, v: str, c: _FilterContext) -> Predicate:
        return _any_of(
            k, v, lambda alt: lambda wid, w, a=normalize_doi(alt): normalize_doi(w.get("doi")) == a
        )

    def pmids(k: str, v: str, c: _FilterContext) -> Predicate:
        def one(alt: str) -> Callable[[str, Mapping], bool]:
            want = alt.rstrip("/").rsplit("/", 1)[-1]
            return lambda wid, w: (
                str((w.get("ids") or {}).get("pmid") or "").rstrip("/").rsplit("/", 1)[-1] == want
            )

        return _any_of(k, v, one)

    def types(k: str, v: str, c: _FilterContext) -> Predicate:
        return _any_of(k, v, lambda alt: lambda wid, w, a=alt.rsplit("/", 1)[-1].lower(): a in _work_types(w))

    def language(k: str, v: str, c: _FilterContext) -> Predicate:
        return _any_of(
            k, v, lambda alt: lambda wid, w, a=alt.lower(): str(w.get("language") or "").lower() == a
        )

    def boolean(get: Callable[[Mapping], bool]) -> Callable[[str, str, _FilterContext], Predicate]:
        return lambda k, v, c: _any_of(
            k, v, lambda alt: lambda wid, w, a=_bool_value(k, alt): bool(get(w)) == a
        )

    def number(get: Callable[[Mapping], Any]) -> Callable[[str, str, _FilterContext], Predicate]:
        return lambda k, v, c: _any_of(k, v, _number_test(k, get))

    def pub_date(k: str, v: str, c: _FilterContext) -> Predicate:
        def one(alt: str) -> Callable[[str, Mapping], bool]:
            try:
                want = parse_date(alt, k)
            except ValueError as exc:
                raise BadRequest(f"Value for param {k} must be a date in format yyyy-mm-dd: {exc}") from None
            return lambda wid, w: c.corpus.dates.get(wid) == want

        return _any_of(k, v, one)

    builders: dict[str, Callable[[str, str, _FilterContext], Predicate]] = {
        "openalex_id": ids,
        "openalex": ids,
        "ids.openalex": ids,
        "doi": dois,
        "ids.doi": dois,
        "pmid": pmids,
        "ids.pmid": pmids,
        "type": types,
        "language": language,
        "is_retracted": boolean(lambda w: w.get("is_retracted")),
        "is_paratext": boolean(lambda w: w.get("is_paratext")),
        "has_doi": boolean(lambda w: w.get("doi")),
        "has_abstract": boolean(lambda w: w.get("abstract_inverted_index")),
        "publication_year": number(lambda w: w.get("publication_year")),
        "cited_by_count": number(lambda w: w.get("cited_by_count")),
        "publication_date": pub_date,
        "from_publication_date": lambda k, v, c: _date_bound(k, v, c, after=True),
        "to_publication_date": lambda k, v, c: _date_bound(k, v, c, after=False),
    }
    for name in ("title_and_abstract", "default"):
        builders[f"{name}.search"] = lambda k, v, c: _search(k, v, c, stemmed=True)
        builders[f"{name}.search.no_stem"] = lambda k, v, c: _search(k, v, c, stemmed=False)
    for name in ("title", "display_name", "abstract"):
        fname = "abstract" if name == "abstract" else "title"
        builders[f"{name}.search"] = lambda k, v, c, f=fname: _field_search(k, v, c, f, stemmed=True)
        builders[f"{name}.search.no_stem"] = lambda k, v, c, f=fname: _field_search(k, v, c, f, stemmed=False)
    return builders


_FILTERS = _filter_builders()


def parse_filters(text: str, corpus: Corpus) -> list[Predicate]:
    """Parse an OpenAlex ``filter=`` value into predicates that must all hold.

    Raises:
        BadRequest: for a part without ``key:value``, an unknown key or a bad value.
    """
    ctx = _FilterContext(corpus)
    predicates = []
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition(":")
        key = key.strip().replace("-", "_")
        if not sep:
            raise BadRequest(f"Invalid filter {part!r}: filters must be of the form key:value.")
        builder = _FILTERS.get(key)
        if builder is None:
            valid = ", ".join(sorted(_FILTERS))
            raise BadRequest(
                f"{key} is not a valid field. Valid fields supported by this server are: {valid}"
            )
        if not value.strip():
            raise BadRequest(f"Invalid filter {part!r}: the value is empty.")
        predicates.append(builder(key, value, ctx))
    return predicates


# ------------------------------------------------------------------------------------------- sort, cursor


@total_ordering
class _Desc:
    """Wraps a value so that it sorts in reverse."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.v == other.v

    def __lt__(self, other: _Desc) -> bool:
        return self.v > other.v

    def __hash__(self) -> int:
        return hash(self.v)


_SORT_FIELDS: dict[str, Callable[[str, Mapping, Corpus], Any]] = {
    "publication_date": lambda wid, w, c: c.dates.get(wid),
    "publication_year": lambda wid, w, c: _num(w.get("publication_year")),
    "cited_by_count": lambda wid, w, c: _num(w.get("cited_by_count")),
    "display_name": lambda wid, w, c: str(w.get("display_name") or w.get("title") or "").lower() or None,
    "title": lambda wid, w, c: str(w.get("title") or w.get("display_name") or "").lower() or None,
    "id": lambda wid, w, c: _id_number(wid),
    "openalex_id": lambda wid, w, c: _id_number(wid),
    "relevance_score": lambda wid, w, c: 0,
}


def parse_sort(text: str | None) -> list[tuple[str, bool]]:
    """``publication_date:desc,cited_by_count`` -> [("publication_date", True), ("cited_by_count", False)].

    Raises:
        BadRequest: for unknown fields or directions.
    """
    spec = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, direction = part.strip().partition(":")
        if name not in _SORT_FIELDS:
            raise BadRequest(
                f"{name} is not a valid sort field. Valid sort fields are: {', '.join(_SORT_FIELDS)}"
            )
        if direction not in ("", "asc", "desc"):
            raise BadRequest(f"Sort direction for {name} must be asc or desc, not {direction!r}.")
        spec.append((name, direction == "desc"))
    return spec


def _sort_key(raw: Sequence[Any], spec: Sequence[tuple[str, bool]]) -> tuple:
    """Comparable key from raw sort values (missing values last), ending with the id number."""
    parts: list[tuple] = []
    for value, (_, desc) in zip(raw, spec, strict=False):
        if value is None:
            parts.append((1, 0))
        elif desc:
            parts.append((0, -value if isinstance(value, int) else _Desc(value)))
        else:
            parts.append((0, value))
    return (*parts, raw[-1])


def _raw_sort_values(wid: str, work: Mapping, corpus: Corpus, spec: Sequence[tuple[str, bool]]) -> list[Any]:
    return [_SORT_FIELDS[name](wid, work, corpus) for name, _ in spec] + [_id_number(wid)]


def encode_cursor(raw: Sequence[Any], query_hash: str) -> str:
    """An opaque cursor meaning "after the work with these sort values", bound to one query."""
    payload = json.dumps({"a": list(raw), "q": query_hash}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def decode_cursor(text: str, query_hash: str) -> list[Any]:
    """Inverse of :func:`encode_cursor`.

    Raises:
        BadRequest: when the cursor is not one of ours or belongs to another query.
    """
    try:
        padded = text + "=" * (-len(text) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        raw, qh = payload["a"], payload["q"]
        if not isinstance(raw, list) or not raw:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise BadRequest(
            f"Invalid cursor {text[:40]!r}: use cursor=* to start and then meta.next_cursor."
        ) from None
    if qh != query_hash:
        raise BadRequest("This cursor belongs to a different query (filter, search or sort changed).")
    return raw


# ------------------------------------------------------------------------------------------- list request


@dataclass
class ListRequest:
    """A parsed ``GET /works`` request."""

    predicates: list[Predicate]
    sort: list[tuple[str, bool]]
    per_page: int
    page: int | None
    cursor: str | None
    select: list[str] | None
    cache_key: tuple


def _single(params: Mapping[str, list[str]], *names: str) -> str | None:
    for name in names:
        if name in params:
            return params[name][-1]
    return None


def _parse_per_page(params: Mapping[str, list[str]], max_per_page: int) -> int:
    raw = _single(params, "per-page", "per_page")
    if raw is None:
        return DEFAULT_PER_PAGE
    try:
        n = int(raw)
    except ValueError:
        raise BadRequest(f"per-page must be a number, not {raw!r}.") from None
    if not 1 <= n <= max_per_page:
        raise BadRequest(f"per-page parameter must be between 1 and {max_per_page}, not {n}.")
    return n


def _parse_page(params: Mapping[str, list[str]]) -> int | None:
    raw = _single(params, "page")
    if raw is None:
        return None
    try:
        n = int(raw)
    except ValueError:
        raise BadRequest(f"page must be a number, not {raw!r}.") from None
    if n < 1:
        raise BadRequest(f"page must be 1 or more, not {n}.")
    return n


def _parse_select(params: Mapping[str, list[str]]) -> list[str] | None:
    raw = _single(params, "select")
    if raw is None:
        return None
    fields = [f.strip() for f in raw.split(",") if f.strip()]
    bad = [f for f in fields if f not in _SELECT_FIELDS]
    if not fields:
        raise BadRequest("select needs at least one field name.")
    if bad:
        raise BadRequest(f"{', '.join(bad)} is not a valid select field.")
    return fields


def parse_list_request(params: Mapping[str, list[str]], corpus: Corpus, max_per_page: int) -> ListRequest:
    """Validate the query parameters of ``GET /works``.

    Raises:
        BadRequest: with an OpenAlex-like message for anything invalid.
    """
    unknown = sorted(set(params) - _LIST_PARAMS)
    if unknown:
        raise BadRequest(
            f"{unknown[0]} is not a valid parameter. Valid parameters are: {', '.join(sorted(_LIST_PARAMS))}"
        )
    filter_text = ",".join(params.get("filter", []))
    predicates = parse_filters(filter_text, corpus)
    search, exact = _single(params, "search"), _single(params, "search.exact")
    if search and search.strip():
        predicates.append(_search("search", search, _FilterContext(corpus), stemmed=True))
    if exact and exact.strip():
        predicates.append(_search("search.exact", exact, _FilterContext(corpus), stemmed=False))
    xpac = (_single(params, "include_xpac") or "false").strip().lower()
    if xpac not in ("true", "false"):
        raise BadRequest(f"include_xpac must be true or false, not {xpac!r}.")
    if xpac == "false":  # repository and DataCite works ("xpac") only when asked for
        predicates.append(lambda wid, w: not w.get("is_xpac"))
    sort_text = _single(params, "sort")
    per_page, page = _parse_per_page(params, max_per_page), _parse_page(params)
    cursor = _single(params, "cursor")
    if cursor is None and (page or 1) * per_page > MAX_PAGED_RESULTS:
        raise BadRequest(
            "Maximum results size of 10,000 records is exceeded. Cursor pagination is required for records "
            "beyond 10,000. See: https://docs.openalex.org/how-to-use-the-api/get-lists-of-entities/paging"
        )
    return ListRequest(
        predicates=predicates,
        sort=parse_sort(sort_text),
        per_page=per_page,
        page=page,
        cursor=cursor,
        select=_parse_select(params),
        cache_key=(filter_text, search, exact, sort_text, xpac),
    )


def _query_hash(req: ListRequest) -> str:
    return hashlib.sha1(repr(req.cache_key).encode()).hexdigest()[:12]


# ------------------------------------------------------------------------------------------- request log


@dataclass
class LoggedRequest:
    """One API request as the server saw it."""

    n: int
    method: str
    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    status: int | None = None
    fault: str | None = None
    results: int | None = None
    at: float = field(default_factory=time.time)

    def header(self, name: str) -> str | None:
        """A request header, case-insensitively."""
        low = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == low), None)

    def redacted(self) -> dict:
        """As a dict, with the API key (header and parameter) masked, for writing to a file."""
        data = asdict(self)
        data["headers"] = {
            k: ("Bearer ***" if k.lower() == "authorization" else v) for k, v in self.headers.items()
        }
        if "api_key" in data["params"]:
            data["params"]["api_key"] = ["***"]
        data["path"] = re.sub(r"(api_key=)[^&]*", r"\1***", data["path"])
        return data


# ---------------------------------------------------------------------------------------------- faults


@dataclass
class FaultPlan:
    """Every ``every``-th request gets the next of ``kinds`` in rotation (``every`` 0 = never)."""

    every: int = 0
    kinds: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.kinds = tuple(str(k).strip().lower() for k in self.kinds if str(k).strip())
        bad = [k for k in self.kinds if k not in FAULT_KINDS]
        if bad:
            raise ValueError(f"unknown fault kind(s) {', '.join(bad)}; choose from {', '.join(FAULT_KINDS)}")
        if self.every < 0:
            raise ValueError("fault_every must be 0 (no faults) or more")
        if self.every and not self.kinds:
            raise ValueError("fault_every needs at least one fault kind")

    def fault_for(self, n: int) -> str | None:
        """The fault for the ``n``-th API request (1-based), or None."""
        if not self.every or not self.kinds or n % self.every:
            return None
        return self.kinds[(n // self.every - 1) % len(self.kinds)]


# ---------------------------------------------------------------------------------------------- handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "lsr-openalex/1"
    timeout = 120
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.app._track(self.connection, True)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.app._track(self.connection, False)

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        self.server.app._dispatch(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.app._dispatch(self, "POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self.server.app._dispatch(self, "DELETE")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (signature of the base class)
        """Silence http.server's own lines; the server prints its own (see ``verbose``)."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: OpenAlexServer


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    results: int | None = None


def _json_response(
    status: int, payload: Any, headers: dict[str, str] | None = None, results: int | None = None
) -> _Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _Response(status, body, dict(headers or {}), results)


def _error(exc: BadRequest) -> _Response:
    return _json_response(exc.status, {"error": exc.error, "message": exc.message})


# ----------------------------------------------------------------------------------------------- server


class OpenAlexServer:
    """An OpenAlex-compatible ``/works`` server over a fixed set of works, bound on construction.

    Args:
        works: OpenAlex work dicts (e.g. from :func:`load_works`).
        host: interface to bind; loopback unless ``allow_remote``.
        port: TCP port; 0 picks a free one (see :attr:`url`).
        as_of: hide works published after this date (``date`` or ``YYYY-MM-DD``); None shows all.
        fault_every: every N-th API request gets a fault (0 = none).
        fault_kinds: kinds from :data:`FAULT_KINDS`, used in rotation.
        retry_after: seconds sent in ``Retry-After`` with 429 (and 503) faults.
        slow_seconds: delay before answering on a ``slow`` fault.
        max_per_page: largest ``per-page`` accepted (OpenAlex: 100).
        max_url_bytes: longest request target accepted (OpenAlex: about 4 KB).
        log_path: also append each request as a JSON line here (API key masked).
        allow_remote: permit binding a non-loopback host.
        verbose: print an access-log line per request on stderr.
        warm: analyze all titles and abstracts in a background thread once serving starts.
        api_keys: accepted API keys; None accepts every request (no key needed).
        daily_credits: the daily credit budget; None = unlimited (and no ``X-RateLimit-*`` headers).
        clock: the current UTC time, for the budget's midnight reset (default: the real clock).

    Raises:
        LsrError: when the host is not loopback (without ``allow_remote``) or the port cannot be bound.
        ValueError: for a bad ``as_of`` or fault configuration.
    """

    def __init__(
        self,
        works: Iterable[Mapping],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        as_of: date | str | None = None,
        fault_every: int = 0,
        fault_kinds: Iterable[str] = (),
        retry_after: int = 1,
        slow_seconds: float = 2.0,
        max_per_page: int = 100,
        max_url_bytes: int = MAX_URL_BYTES,
        log_path: os.PathLike | str | None = None,
        allow_remote: bool = False,
        verbose: bool = False,
        warm: bool = True,
        api_keys: Iterable[str] | None = None,
        daily_credits: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if host not in LOOPBACK_HOSTS and not allow_remote:
            raise LsrError(
                f"refusing to serve on {host}: not a loopback address (127.0.0.1, ::1, localhost); "
                "the server has no authentication (override with --allow-remote / allow_remote=True)"
            )
        self.corpus = works if isinstance(works, Corpus) else Corpus(works)
        self.as_of = as_of
        self.faults = FaultPlan(int(fault_every), tuple(fault_kinds))
        self.retry_after = int(retry_after)
        self.slow_seconds = float(slow_seconds)
        self.max_per_page = int(max_per_page)
        self.max_url_bytes = int(max_url_bytes)
        self.log_path = Path(log_path) if log_path else None
        self.verbose = verbose
        self._log: list[LoggedRequest] = []
        self._count = 0
        self._fault_base = 0
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple, tuple[list[str], list[tuple]]] = OrderedDict()
        self._connections: set[socket.socket] = set()
        self._thread: threading.Thread | None = None
        self.warm = warm
        self._warmer: threading.Thread | None = None
        self._stopping = threading.Event()
        self.keys = KeyCheck.of(api_keys)
        self.budget = Budget(daily_credits, **({"clock": clock} if clock else {}))
        self.merged: dict[str, str] = {}
        self._httpd = self._bind(host, port)

    # -- lifecycle

    def _bind(self, host: str, port: int) -> _HTTPServer:
        server_class = _HTTPServer
        if ":" in host:
            server_class = type("_HTTPServer6", (_HTTPServer,), {"address_family": socket.AF_INET6})
        try:
            httpd = server_class((host, port), _Handler)
        except OSError as exc:
            raise LsrError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        httpd.app = self
        return httpd

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123`` (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> OpenAlexServer:
        """Serve in a background daemon thread; returns self."""
        self._start_warmup()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, args=(0.1,), name="openalex-server", daemon=True
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until :meth:`stop` (from another thread) or KeyboardInterrupt."""
        self._start_warmup()
        try:
            self._httpd.serve_forever()
        finally:
            self._stopping.set()
            self._close_sockets()

    def _start_warmup(self) -> None:
        """Analyze every work's text in the background so the first search is quick on big corpora."""
        if self.warm and self._warmer is None:
            self._warmer = threading.Thread(target=self._warm, name="openalex-warmup", daemon=True)
            self._warmer.start()

    def _warm(self) -> None:
        for wid in self.corpus.ordered:
            if self._stopping.is_set():
                return
            self.corpus.text(wid, True)

    def stop(self) -> None:
        """Stop serving, close open keep-alive connections and release the port."""
        self._stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._close_sockets()

    def _close_sockets(self) -> None:
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()

    def _track(self, conn: socket.socket, opened: bool) -> None:
        with self._lock:
            (self._connections.add if opened else self._connections.discard)(conn)

    def __enter__(self) -> OpenAlexServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- run-time settings

    @property
    def as_of(self) -> str | None:
        """The visibility date (``YYYY-MM-DD``) or None; assign a ``date``/string/None to move the clock."""
        return self._as_of

    @as_of.setter
    def as_of(self, value: date | str | None) -> None:
        self._as_of = parse_date(value, "as_of")

    def set_faults(self, every: int, kinds: Iterable[str] = ()) -> None:
        """Change fault injection at run time (``every=0`` turns it off); the rotation restarts."""
        plan = FaultPlan(int(every), tuple(kinds))
        with self._lock:
            self.faults = plan
            self._fault_base = self._count

    def retract(self, work_id: str, retracted: bool = True) -> None:
        """Set a work's ``is_retracted`` (what OpenAlex does when a retraction notice is indexed)."""
        wid = short_id(work_id) or ""
        with self._lock:
            self.corpus.by_id[wid] = {**self.corpus.by_id[wid], "is_retracted": bool(retracted)}
            self._cache.clear()  # an is_retracted filter must see the change

    def merge(self, old_id: str, new_id: str) -> dict:
        """Merge a work into another: the old id answers 301 to the new one and leaves lists.

        Into an existing work (OpenAlex's usual merge of a duplicate): the surviving work keeps its own
        metadata. Into an id the corpus does not serve yet: the new id serves the old work's metadata (and
        DOI, if any). Ids merged into the old work earlier now redirect to the survivor too (one hop, as
        OpenAlex answers). Returns the surviving work.

        Raises:
            ValueError: the old id is no work served now, the new id was itself merged away, or both are one.
        """
        old, new = short_id(old_id) or "", short_id(new_id) or ""
        if old not in self.corpus.by_id or old in self.merged:
            raise ValueError(f"no work {old} to merge")
        if new == old or new in self.merged:
            raise ValueError(f"{new} cannot take {old}: " + (
                "a work is not merged into itself" if new == old else f"{new} was merged into {self.merged[new]}"))
        with self._lock:
            if new in self.corpus.by_id:
                work = self.corpus.by_id[new]
            else:
                work = {**self.corpus.by_id[old], "id": f"https://openalex.org/{new}"}
                work["ids"] = {**(work.get("ids") or {}), "openalex": f"https://openalex.org/{new}"}
                self.corpus.add(work)
            self.merged[old] = new
            for earlier, target in list(self.merged.items()):
                if target == old:
                    self.merged[earlier] = new
            self._cache.clear()
        return work

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the API requests seen so far (admin calls excluded)."""
        with self._lock:
            return list(self._log)

    @property
    def request_count(self) -> int:
        """API requests seen since start (admin calls excluded)."""
        return self._count

    def clear_requests(self) -> None:
        """Forget the request log (the fault rotation keeps counting)."""
        with self._lock:
            self._log.clear()

    def visible_ids(self) -> list[str]:
        """Short ids of all works visible at the current ``as_of``, in id order."""
        as_of = self.as_of
        return [wid for wid in self.corpus.ordered if self.corpus.visible(wid, as_of)]

    def state(self) -> dict:
        """A summary for ``GET /_admin/state``."""
        return {
            "url": self.url,
            "works": len(self.corpus),
            "visible": len(self.visible_ids()),
            "as_of": self.as_of,
            "fault_every": self.faults.every,
            "fault_kinds": list(self.faults.kinds),
            "requests": self._count,
        }

    # -- request handling

    def _dispatch(self, handler: _Handler, method: str) -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        body = self._read_body(handler)
        if path.startswith("/_admin/"):
            self._send(handler, self._admin(body, method, path, split.query))
            return
        entry, fault = self._record(handler, method, path, split.query)
        refused, quota_headers = self._access(handler, method, path, split.query)
        if refused is not None:
            entry.status = refused.status
            self._write_log(entry)
            self._send(handler, refused)
            return
        if fault == "reset":
            entry.fault, entry.status = fault, None
            self._reset(handler)
            self._write_log(entry)
            return
        response = self._fault_response(fault) or self._api(method, path, split.query, len(handler.path))
        if fault == "truncate" and response.status == 200:
            response.body = response.body[: max(1, len(response.body) // 2)]
        entry.fault, entry.status, entry.results = fault, response.status, response.results
        response.headers.update(quota_headers)
        self._write_log(entry)
        self._send(handler, response)

    def _access(self, handler: _Handler, method: str, path: str, query: str) -> tuple[_Response | None, dict]:
        """The key check and the daily budget: (a 401/429 answer, or None; the ``X-RateLimit-*`` headers)."""
        params = parse_qs(query, keep_blank_values=True)
        denied = self.keys.refusal(dict(handler.headers.items()), params)
        if denied is not None:
            return _json_response(401, denied), {}
        parts = [p for p in path.split("/") if p]
        if method != "GET" or not parts or parts[0] != "works":
            return None, {}
        allowed, headers, body = self.budget.charge(request_cost(parts, params))
        if not allowed:
            return _json_response(429, body, headers), {}
        return None, headers

    def _record(
        self, handler: _Handler, method: str, path: str, query: str
    ) -> tuple[LoggedRequest, str | None]:
        with self._lock:
            self._count += 1
            n = self._count
            entry = LoggedRequest(n, method, handler.path, parse_qs(query), dict(handler.headers.items()))
            self._log.append(entry)
            fault = self.faults.fault_for(n - self._fault_base)
        return entry, fault

    def _fault_response(self, fault: str | None) -> _Response | None:
        if fault == "slow":
            time.sleep(self.slow_seconds)
        if fault == "429":
            return _json_response(
                429,
                {"error": "Too many requests", "message": "Rate limit exceeded (injected fault)."},
                {"Retry-After": str(self.retry_after)},
            )
        if fault == "504":
            return _json_response(
                504,
                {"error": "Gateway Timeout", "message": "The query took too long and timed out (injected fault)."},
            )
        if fault == "503":
            return _json_response(
                503,
                {"error": "Service unavailable", "message": "Temporarily unavailable (injected fault)."},
                {"Retry-After": str(self.retry_after)},
            )
        return None

    @staticmethod
    def _reset(handler: _Handler) -> None:
        """Close the connection with a TCP reset and no answer."""
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()

    def _send(self, handler: _Handler, response: _Response) -> None:
        try:
            handler.send_response(response.status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                handler.send_header(key, value)
            handler.end_headers()
            if handler.command != "HEAD":
                handler.wfile.write(response.body)
        except OSError:
            handler.close_connection = True

    def _write_log(self, entry: LoggedRequest) -> None:
        if self.verbose:
            outcome = "connection reset" if entry.status is None else str(entry.status)
            results = f", {entry.results} results" if entry.results is not None else ""
            fault = f" [injected fault: {entry.fault}]" if entry.fault else ""
            stamp = time.strftime("%H:%M:%S")
            print(
                f"{stamp} #{entry.n} {entry.method} {unquote_plus(entry.path)} -> {outcome}{results}{fault}",
                file=sys.stderr,
            )
        if self.log_path is None:
            return
        line = json.dumps(entry.redacted(), ensure_ascii=False)
        with self._lock, open(self.log_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")

    def _api(self, method: str, path: str, query: str, target_len: int) -> _Response:
        try:
            if target_len > self.max_url_bytes:
                raise BadRequest(
                    f"Request-URI too long: {target_len} bytes; the limit is {self.max_url_bytes}."
                )
            if method != "GET":
                raise BadRequest(
                    f"Method {method} is not allowed here.", status=405, error="Method not allowed"
                )
            parts = [p for p in path.split("/") if p]
            if not parts:
                return _json_response(200, {"msg": "lsr local OpenAlex-compatible server", **self.state()})
            if parts[0] != "works":
                raise BadRequest(f"{path} is not served here; try /works.", status=404, error="Not found")
            if len(parts) == 1:
                return self._list(parse_qs(query, keep_blank_values=True))
            return self._single("/".join(parts[1:]))
        except BadRequest as exc:
            return _error(exc)

    def _single(self, key: str) -> _Response:
        moved = self.merged.get(short_id(key) or "")
        if moved:
            location = f"{self.url}/works/{moved}"
            return _json_response(301, {"error": "Moved Permanently", "message": f"Merged into {moved}."},
                                  {"Location": location})
        wid = self.corpus.lookup(key)
        if wid in self.merged:  # asked by the DOI of a work merged away
            return self._single(wid)
        if wid is None or not self.corpus.visible(wid, self.as_of):
            raise BadRequest(f"Work {key} does not exist.", status=404, error="Not found")
        return _json_response(200, self.corpus.by_id[wid], results=1)

    def _list(self, params: Mapping[str, list[str]]) -> _Response:
        started = time.perf_counter()
        req = parse_list_request(params, self.corpus, self.max_per_page)
        ids, keys = self._matching(req)
        if req.cursor is not None:
            start = 0 if req.cursor == "*" else bisect.bisect_right(keys, self._cursor_key(req))
            page_ids = ids[start : start + req.per_page]
            more = start + req.per_page < len(ids)
            next_cursor = self._next_cursor(req, page_ids[-1]) if page_ids and more else None
            page = None
        else:
            page = req.page or 1
            start = (page - 1) * req.per_page
            page_ids, next_cursor = ids[start : start + req.per_page], None
        results = [self._project(self.corpus.by_id[wid], req.select) for wid in page_ids]
        meta = {
            "count": len(ids),
            "db_response_time_ms": int((time.perf_counter() - started) * 1000),
            "page": page,
            "per_page": req.per_page,
            "next_cursor": next_cursor,
            "groups_count": None,
        }
        return _json_response(200, {"meta": meta, "results": results, "group_by": []}, results=len(results))

    def _cursor_key(self, req: ListRequest) -> tuple:
        raw = decode_cursor(req.cursor or "", _query_hash(req))
        if len(raw) != len(req.sort) + 1:
            raise BadRequest("Invalid cursor: it does not fit this sort.")
        return _sort_key(raw, req.sort)

    def _next_cursor(self, req: ListRequest, last_id: str) -> str:
        raw = _raw_sort_values(last_id, self.corpus.by_id[last_id], self.corpus, req.sort)
        return encode_cursor(raw, _query_hash(req))

    def _matching(self, req: ListRequest) -> tuple[list[str], list[tuple]]:
        """Visible works passing every filter, sorted; cached per (query, as_of)."""
        as_of = self.as_of
        key = (req.cache_key, as_of)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        corpus = self.corpus
        merged = self.merged
        ids = [
            wid
            for wid in corpus.ordered
            if wid not in merged
            and corpus.visible(wid, as_of)
            and all(p(wid, corpus.by_id[wid]) for p in req.predicates)
        ]
        keyed = sorted(
            (
                (_sort_key(_raw_sort_values(wid, corpus.by_id[wid], corpus, req.sort), req.sort), wid)
                for wid in ids
            ),
            key=lambda kw: kw[0],
        )
        result = ([wid for _, wid in keyed], [k for k, _ in keyed])
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > 32:
                self._cache.popitem(last=False)
        return result

    @staticmethod
    def _project(work: Mapping, select: list[str] | None) -> Mapping:
        return work if select is None else {k: work.get(k) for k in select}

    # -- admin

    def _admin(self, body: dict, method: str, path: str, query: str) -> _Response:
        try:
            action = path[len("/_admin/") :].strip("/")
            if action == "state" and method == "GET":
                return _json_response(200, self.state())
            if action == "requests" and method == "GET":
                return _json_response(200, [r.redacted() for r in self.requests])
            if action == "clear-requests" and method in ("POST", "DELETE"):
                self.clear_requests()
                return _json_response(200, self.state())
            if action == "as-of" and method == "POST":
                return self._admin_as_of(body, parse_qs(query))
            if action == "faults" and method == "POST":
                self.set_faults(int(body.get("every", 0)), body.get("kinds") or ())
                return _json_response(200, self.state())
            if action == "retract" and method == "POST":
                return self._admin_retract(body)
            if action == "merge" and method == "POST":
                return self._admin_merge(body)
            raise BadRequest(f"unknown admin call {method} {path}", status=404, error="Not found")
        except (ValueError, TypeError) as exc:
            return _error(BadRequest(str(exc)))
        except BadRequest as exc:
            return _error(exc)

    def _admin_as_of(self, body: dict, params: Mapping[str, list[str]]) -> _Response:
        if "as_of" in body:
            self.as_of = body["as_of"]
        elif "as_of" in params:
            self.as_of = params["as_of"][-1]
        else:
            raise BadRequest('send {"as_of": "YYYY-MM-DD"} (or null to show everything)')
        return _json_response(200, self.state())

    def _admin_work_id(self, body: dict, key: str, *, known: bool = True) -> str:
        """The short work id under ``key`` of an admin body; with ``known``, one the corpus serves."""
        value = body.get(key)
        wid = short_id(value) if isinstance(value, str) else None
        if not wid:
            raise BadRequest(f'send {{"{key}": "W…"}}: an OpenAlex work id')
        if known and (wid not in self.corpus.by_id or wid in self.merged):
            raise BadRequest(f"no work {wid} to change", status=404, error="Not found")
        return wid

    def _admin_retract(self, body: dict) -> _Response:
        wid = self._admin_work_id(body, "id")
        retracted = body.get("retracted", True)
        if not isinstance(retracted, bool):
            raise BadRequest('"retracted" must be true or false')
        self.retract(wid, retracted)
        return _json_response(200, {"id": wid, "is_retracted": retracted})

    def _admin_merge(self, body: dict) -> _Response:
        old = self._admin_work_id(body, "old")
        new = self._admin_work_id(body, "new", known=False)
        if new == old or new in self.merged:
            raise BadRequest(f"{new} cannot take {old}: " + (
                "a work is not merged into itself" if new == old else f"{new} was merged into {self.merged[new]}"))
        self.merge(old, new)
        return _json_response(200, {"old": old, "new": new})

    @staticmethod
    def _read_body(handler: _Handler) -> dict:
        length = int(handler.headers.get("Content-Length") or 0)
        if not length:
            return {}
        raw = handler.rfile.read(length)
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def running_server(works: Iterable[Mapping] | Corpus, **options: Any) -> Iterator[OpenAlexServer]:
    """Start an :class:`OpenAlexServer` on an ephemeral loopback port in a background thread.

    Args:
        works: OpenAlex work dicts (or a prepared :class:`Corpus`, to share one across servers).
        options: keyword arguments of :class:`OpenAlexServer` (``as_of``, ``fault_every``, ...).

    Yields:
        The running server; ``server.url`` is its base URL.
    """
    server = OpenAlexServer(works, **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()
