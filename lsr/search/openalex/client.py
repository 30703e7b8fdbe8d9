"""The OpenAlex source lsr searches for living updates: pyalex query building over a transport lsr controls.

This module owns everything between a protocol's ``[search]`` and the works OpenAlex returns:

* **Redirect.** pyalex hard-codes ``https://api.openalex.org`` in its entity URLs and only reads
  ``config.openalex_url`` for n-grams. Every request a query object makes passes through
  ``Works._get_from_url``, which hands the URL to :meth:`Transport.get_json`; that method rebases it onto
  ``LSR_OPENALEX_URL`` (:meth:`Transport.rebase`) -- the one place where the endpoint is chosen. pyalex's
  own session (https-only retry adapter, no timeout) and its global ``config`` are never used or changed.
* **Credentials.** The API key goes out once, as ``Authorization: Bearer`` (the OpenAlex API reads that
  header before the ``api_key`` parameter, and a header keeps the key out of URLs, logs and the 4 KB URL
  budget); the e-mail as a ``From`` header and ``mailto``. Every URL or message that leaves this module
  passes through :func:`redact`, so the key is never logged or stored.
* **Quota.** Each answer's ``X-RateLimit-*`` headers (credits limit, remaining, used, seconds to the
  midnight-UTC reset) are kept in :class:`Usage`, with the number of requests sent. A 429 whose
  ``Retry-After`` exceeds the longest wait lsr is willing to sleep, and that says the *daily* budget is
  spent, is not retried: :class:`OpenAlexBudgetExhausted` says when the budget resets, and the caller
  pauses the run (see :mod:`lsr.search.update`). A 401 (bad key) and a 504 (query timed out) get their own lines.
* **Reliability.** Timeouts on connect and read; 429, 5xx, 403 rate-limit answers, connection resets,
  timeouts and truncated or invalid JSON bodies are retried with exponential backoff, honouring
  ``Retry-After`` up to a bound (:class:`RetryPolicy`). When the attempts are spent the caller gets one
  line (:class:`OpenAlexUnavailable`); a 400 fails at once with the server's own message
  (:class:`OpenAlexQueryError`).
* **Search.** The protocol's query is sent as ``title_and_abstract.search`` together with its filters;
  cursor paging with ``per-page`` 100 (the documented maximum) sorted by ``openalex_id``, so a stored
  cursor resumes exactly where a run stopped; ``include_xpac=true`` when the protocol asks for repository
  and DataCite works. Queries whose URL would exceed OpenAlex's ~4 KB limit are split into OR-chunks
  (``search_syntax.split_query``) whose results the caller unions; a query lsr's query language refuses
  (ambiguous AND/OR, wildcards, ...) is never sent.

Library use::

    client = OpenAlexClient.from_settings(resolve())
    for work in client.iter_works('"school day" AND achievement', {"type": "article"}):
        ...

Tuning from the environment (all optional): ``LSR_OPENALEX_PER_PAGE``, ``_RETRIES``, ``_BACKOFF``,
``_MAX_WAIT``, ``_TIMEOUT``, declared and documented in :class:`lsr.settings.OpenAlexTuning`.
"""

from __future__ import annotations

import email.utils
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pyalex
import requests
from pyalex.api import OpenAlexResponseList

from lsr import __version__
from lsr.errors import LsrError
from lsr.search.openalex import search_syntax
from lsr.settings import DEFAULT_OPENALEX_URL, OpenAlexTuning, Settings

__all__ = [
    "DEFAULT_MAX_URL_BYTES",
    "DEFAULT_PER_PAGE",
    "OpenAlexAuthError",
    "OpenAlexBudgetExhausted",
    "OpenAlexClient",
    "OpenAlexError",
    "OpenAlexQueryError",
    "OpenAlexUnavailable",
    "Page",
    "QueryRefused",
    "QueryTooLong",
    "RetryPolicy",
    "Transport",
    "Usage",
    "redact",
    "strip_api_key",
]

DEFAULT_PER_PAGE = OpenAlexTuning.per_page
MAX_PER_PAGE = 100
"""Largest ``per_page`` OpenAlex documents (developers.openalex.org, "Page through results": 1-100)."""
DEFAULT_MAX_URL_BYTES = 4000
"""Longest URL lsr sends; OpenAlex answers 400 to URLs over about 4 KB."""
CURSOR_RESERVE = 400
"""Bytes kept free in the URL for the cursor and ``mailto`` added per page."""
PAGE_SIZE_RESERVE = 20
PYALEX_BASE = "https://api.openalex.org"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_SEARCH_FILTER = "title_and_abstract.search"
"""The search lsr sends. The 2026 API reference marks the ``.search`` filters deprecated in favour of the
``search`` parameter, but ``search`` also matches full texts, which would change what every protocol's
query means; the filter is still served (same Lucene ``query_string``, same Boolean semantics, same cost),
so lsr keeps it until OpenAlex offers a title-and-abstract form of ``search``."""
SORT = "openalex_id"
"""Cursor paging order: a stable, documented sort key, so a stored cursor continues exactly (the default
order of a search is relevance, which moves when the index changes)."""
BUDGET_EVIDENCE_SECONDS = 60.0
"""A ``Retry-After`` this long on a 429 means the daily budget, even without the message saying so."""


# ------------------------------------------------------------------------------------------------ errors


class OpenAlexError(LsrError):
    """OpenAlex (or the server at ``LSR_OPENALEX_URL``) could not answer a request.

    Attributes:
        status: the HTTP status of the last answer, if any.
        transient: True when trying again later may succeed (network, rate limit, server trouble).
    """

    def __init__(self, message: str, *, status: int | None = None, transient: bool = False) -> None:
        super().__init__(message, title="OpenAlex")
        self.status = status
        self.transient = transient


class OpenAlexQueryError(OpenAlexError):
    """The server rejected the request (400): the query or filters are wrong. Not retried."""


class OpenAlexUnavailable(OpenAlexError):
    """The retries are spent: the server kept failing, timing out or sending broken answers.

    Attributes:
        unreachable: no attempt got any answer (the connection failed every time: no network, a wrong
            ``LSR_OPENALEX_URL``, the server down), so other requests will fail the same way.
    """

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message, transient=True)
        self.unreachable = unreachable


class OpenAlexAuthError(OpenAlexError):
    """OpenAlex refused the API key (401). Not retried: only a different key helps."""


class OpenAlexBudgetExhausted(OpenAlexError):
    """The daily credit budget is spent (429 "Insufficient budget"); waiting for the reset is the only fix.

    Attributes:
        retry_after: seconds until the budget resets, as the server said.
        resets_at: when the budget resets (UTC).
    """

    def __init__(self, message: str, *, retry_after: float, resets_at: datetime) -> None:
        super().__init__(message, status=429, transient=True)
        self.retry_after = retry_after
        self.resets_at = resets_at


class QueryTooLong(LsrError):
    """A query is too long for one URL and cannot be split into OR-chunks that fit."""


class QueryRefused(LsrError):
    """lsr refuses the query before sending it: malformed, unsupported or ambiguous on OpenAlex."""


# ------------------------------------------------------------------------------------------- redaction

_KEY_PARAM = re.compile(r"([?&;]api_key=)[^&#\s'\"]*", re.IGNORECASE)


def strip_api_key(url: str) -> str:
    """The URL without its ``api_key`` parameter (for the search log: what was sent, minus the secret).

    The other parameters keep their encoding exactly as sent.
    """
    parts = urlsplit(url)
    pieces = [p for p in parts.query.split("&") if p and p.split("=", 1)[0].lower() != "api_key"]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(pieces), parts.fragment))


def redact(text: str, secret: str | None = None) -> str:
    """Mask an API key in any text: ``api_key=...`` parameters and, if given, the key's literal value."""
    out = _KEY_PARAM.sub(r"\1***", text)
    if secret:
        out = out.replace(secret, "***")
    return out


# ---------------------------------------------------------------------------------------------- retries


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one request is tried before giving up.

    Attributes:
        attempts: tries per request, the first included (1 = no retries).
        backoff: wait before the second try, in seconds; doubled per try, with jitter.
        max_wait: longest single wait; also the cap on a server's ``Retry-After``.
        connect_timeout: seconds to establish a connection.
        read_timeout: seconds to wait for (each chunk of) the answer.
    """

    attempts: int = 6
    backoff: float = 1.0
    max_wait: float = 60.0
    connect_timeout: float = 10.0
    read_timeout: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise LsrError("OpenAlex retry attempts must be at least 1")

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults overridden by ``LSR_OPENALEX_RETRIES``, ``_BACKOFF``, ``_MAX_WAIT`` and ``_TIMEOUT``
        (read by ``lsr.settings.OpenAlexTuning``)."""
        tuning = OpenAlexTuning.from_env()
        return cls(attempts=tuning.retries, backoff=tuning.backoff, max_wait=tuning.max_wait,
                   read_timeout=tuning.timeout)

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to sleep after failed try number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_wait)
        base = self.backoff * (2 ** (attempt - 1))
        return min(base * (0.75 + random.random() / 2), self.max_wait)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds: either delta-seconds or an HTTP date (None when absent or unreadable)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _server_message(resp: requests.Response) -> str:
    """The human part of an error answer: OpenAlex's ``message`` (or ``error``), else the body's start."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        msg = data.get("message") or data.get("error")
        if msg:
            return " ".join(str(msg).split())
    text = " ".join((resp.text or "").split())
    return text[:300] or resp.reason or f"HTTP {resp.status_code}"


# ------------------------------------------------------------------------------------------------ quota


def _header_int(resp: requests.Response, name: str) -> int | None:
    value = resp.headers.get(name)
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


@dataclass
class Usage:
    """What this client has spent, and the quota as the server last reported it.

    Attributes:
        requests: HTTP requests sent (retries included).
        credits_used: credits the server says the answers cost (``X-RateLimit-Credits-Used``), summed.
        limit: the daily credit limit (``X-RateLimit-Limit``), when reported.
        remaining: credits left today (``X-RateLimit-Remaining``), when reported.
        reset_seconds: seconds until the budget resets (``X-RateLimit-Reset``), when reported.
    """

    requests: int = 0
    credits_used: int = 0
    limit: int | None = None
    remaining: int | None = None
    reset_seconds: int | None = None

    def note(self, resp: requests.Response) -> None:
        """Take the ``X-RateLimit-*`` headers of one answer into account."""
        used = _header_int(resp, "X-RateLimit-Credits-Used")
        if used is not None and resp.status_code < 400:
            self.credits_used += used
        for attr, name in (("limit", "X-RateLimit-Limit"), ("remaining", "X-RateLimit-Remaining"),
                           ("reset_seconds", "X-RateLimit-Reset")):
            value = _header_int(resp, name)
            if value is not None:
                setattr(self, attr, value)


def describe_reset(resets_at: datetime, now: datetime | None = None) -> str:
    """``2026-11-24 00:00 UTC (in 5 h 12 min)``."""
    now = now or datetime.now(UTC)
    left = max(int((resets_at - now).total_seconds()), 0)
    hours, minutes = divmod(left // 60, 60)
    span = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"{resets_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC (in {span})"


# -------------------------------------------------------------------------------------------- transport


class Transport:
    """HTTP for OpenAlex: one ``requests`` session, the endpoint redirect, credentials, timeouts, retries.

    Args:
        base_url: where requests go instead of ``https://api.openalex.org`` (may carry a path prefix).
        email: contact address, sent as ``From`` and ``mailto``.
        api_key: OpenAlex key, sent once as ``Authorization: Bearer``; never logged or stored.
        retry: the retry and timeout policy.
        sleep: how to wait between tries (``time.sleep``; replaceable for callers that must stay responsive).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_OPENALEX_URL,
        *,
        email: str | None = None,
        api_key: str | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        parts = urlsplit(base_url.strip().rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise LsrError(f"LSR_OPENALEX_URL={redact(base_url, api_key)!r} is not an http(s) URL")
        self.base_url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self._base = parts
        self.email = email
        self._api_key = api_key
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(max_retries=0, pool_connections=2, pool_maxsize=4)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = f"lsr/{__version__} (pyalex/{pyalex.__version__})"
        if email:
            self.session.headers["From"] = email
        if api_key:
            self.session.headers["Authorization"] = f"Bearer {api_key}"
        self.usage = Usage()
        self.retries = 0

    @property
    def requests_sent(self) -> int:
        """HTTP requests sent so far (retries included)."""
        return self.usage.requests

    def __repr__(self) -> str:
        return f"Transport({self.base_url!r})"

    def close(self) -> None:
        self.session.close()

    def rebase(self, url: str) -> str:
        """Point a pyalex URL (``https://api.openalex.org/...``) at the configured base URL."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != PYALEX_BASE and not url.startswith(self.base_url):
            raise LsrError(f"refusing to send a request outside the OpenAlex endpoint: {redact(url)}")
        if url.startswith(self.base_url):
            return url
        path = self._base.path.rstrip("/") + parts.path
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))

    def redact(self, text: str) -> str:
        return redact(text, self._api_key)

    def _send_params(self) -> dict[str, str]:
        params = {}
        if self.email:
            params["mailto"] = self.email
        return params

    def get_json(self, url: str) -> tuple[dict, str]:
        """GET a URL (rebased), retrying transient failures; return the JSON object and the URL sent.

        The returned URL has the ``api_key`` parameter removed: it is safe to log and store.

        Raises:
            OpenAlexQueryError: 400 -- the server's message says what is wrong with the request.
            OpenAlexAuthError: 401 -- the API key was refused, or none was set.
            OpenAlexBudgetExhausted: 429 for the daily budget -- not retried.
            OpenAlexError: another non-retryable answer (403 access, 404, ...).
            OpenAlexUnavailable: the attempts are spent; says how many and what went wrong last.
        """
        target = self.rebase(url)
        policy = self.retry
        sent = target
        reason = "no answer"
        connected = False  # whether any attempt reached the server
        for attempt in range(1, policy.attempts + 1):
            retry_after: float | None = None
            try:
                self.usage.requests += 1
                resp = self.session.get(
                    target, params=self._send_params(), timeout=(policy.connect_timeout, policy.read_timeout)
                )
                sent = strip_api_key(resp.url or target)
                connected = True
            except requests.Timeout as exc:
                connected = connected or isinstance(exc, requests.ReadTimeout)
                reason = f"no answer within {policy.read_timeout:g} s"
            except (
                requests.ConnectionError,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                reason = f"connection failed ({_exception_summary(exc)})"
            else:
                status = resp.status_code
                self.usage.note(resp)
                if status == 200:
                    try:
                        data = resp.json()
                    except ValueError:
                        data = None
                    if isinstance(data, dict) and (
                        isinstance(data.get("results"), list)
                        and isinstance(data.get("meta"), dict)
                        or "id" in data
                    ):
                        return data, sent
                    reason = f"truncated or invalid JSON in the answer ({len(resp.content)} bytes)"
                elif status in RETRY_STATUSES or (status == 403 and _is_rate_limit(resp)):
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                    if status == 429 and self._is_daily_budget(resp, retry_after):
                        raise self._budget_error(resp, retry_after or 0.0)
                    reason = f"HTTP {status}: {_server_message(resp)}"
                    if status == 504:
                        reason = (f"HTTP 504: OpenAlex timed out on this query ({_server_message(resp)}); "
                                  "if it keeps timing out, narrow the query or split it into smaller parts")
                elif status == 400:
                    raise OpenAlexQueryError(
                        self.redact(f"OpenAlex rejected the search (HTTP 400): {_server_message(resp)}"),
                        status=400,
                    )
                elif status == 401:
                    raise OpenAlexAuthError(self.redact(self._auth_message(resp)), status=401)
                elif status == 403:
                    raise OpenAlexError(
                        self.redact(
                            f"OpenAlex refused access (HTTP {status}): {_server_message(resp)} "
                            "(check LSR_OPENALEX_API_KEY)"
                        ),
                        status=status,
                    )
                else:
                    raise OpenAlexError(
                        self.redact(f"OpenAlex answered HTTP {status} for {sent}: {_server_message(resp)}"),
                        status=status,
                    )
            if attempt < policy.attempts:
                self.retries += 1
                self._sleep(policy.wait(attempt, retry_after))
        raise OpenAlexUnavailable(
            self.redact(f"OpenAlex at {self.base_url} failed after {policy.attempts} attempt(s): {reason}"),
            unreachable=not connected,
        )


    def _auth_message(self, resp: requests.Response) -> str:
        """The one line for a 401: no key was sent, or the key sent was refused."""
        if not self._api_key:
            return (f"OpenAlex requires an API key and none is set (HTTP 401: {_server_message(resp)}); "
                    "put one in LSR_OPENALEX_API_KEY (for cron/systemd: in ~/.config/lsr/lsr.env; "
                    "a free key: https://openalex.org/settings/api)")
        return (f"OpenAlex rejected the API key (HTTP 401: {_server_message(resp)}); "
                "check LSR_OPENALEX_API_KEY (a free key: https://openalex.org/settings/api)")

    def resolve_work(self, work_id: str) -> str | None:
        """The id a work answers under now: itself, the work it was merged into (301), or None (404).

        One request, redirects not followed (a ``Location`` names ``api.openalex.org``; lsr stays on
        ``LSR_OPENALEX_URL``). Single-work requests cost no credits.

        Raises:
            OpenAlexError: any other answer, or no answer.
        """
        resp = self._get_work(work_id)
        if resp.status_code in (301, 302, 307, 308):
            return _short_work_id(resp.headers.get("Location"))
        if resp.status_code == 404:
            return None
        if resp.status_code == 200:
            try:
                return _short_work_id(resp.json().get("id")) or work_id
            except ValueError:
                return work_id
        raise OpenAlexError(self.redact(f"OpenAlex answered HTTP {resp.status_code} for work {work_id}: "
                                        f"{_server_message(resp)}"), status=resp.status_code)

    def fetch_work(self, work_id: str) -> dict | None:
        """The work's JSON as OpenAlex serves it under this id now, or None when the id answers no work of its
        own (merged away, unknown). One free single-work request, redirects not followed.

        Raises:
            OpenAlexError: any other answer, or no answer.
        """
        resp = self._get_work(work_id)
        if resp.status_code in (301, 302, 307, 308, 404):
            return None
        if resp.status_code == 200:
            try:
                work = resp.json()
            except ValueError:
                work = None
            if isinstance(work, dict):
                return work
        raise OpenAlexError(self.redact(f"OpenAlex answered HTTP {resp.status_code} for work {work_id}: "
                                        f"{_server_message(resp)}"), status=resp.status_code)

    def _get_work(self, work_id: str) -> requests.Response:
        target = self.rebase(f"{PYALEX_BASE}/works/{work_id}")
        self.usage.requests += 1
        try:
            resp = self.session.get(target, params=self._send_params(), allow_redirects=False,
                                    timeout=(self.retry.connect_timeout, self.retry.read_timeout))
        except requests.RequestException as exc:
            raise OpenAlexUnavailable(f"OpenAlex lookup of {work_id} failed ({_exception_summary(exc)})",
                                      transient=True) from None
        self.usage.note(resp)
        return resp

    def _is_daily_budget(self, resp: requests.Response, retry_after: float | None) -> bool:
        """A 429 that waiting a little will not cure: the daily credit budget is spent.

        Its ``Retry-After`` (seconds to midnight UTC) is longer than the longest wait lsr sleeps, and the
        answer says so: OpenAlex's "Insufficient budget" message, no credits remaining, or a wait of more
        than a minute. A per-second 429 (``Retry-After`` of a second or so) is retried as before.
        """
        if retry_after is None or retry_after <= self.retry.max_wait:
            return False
        remaining = _header_int(resp, "X-RateLimit-Remaining")
        return ("budget" in _server_message(resp).lower() or remaining == 0
                or retry_after > BUDGET_EVIDENCE_SECONDS)

    def _budget_error(self, resp: requests.Response, retry_after: float) -> OpenAlexBudgetExhausted:
        resets_at = datetime.now(UTC) + timedelta(seconds=retry_after)
        message = (f"the OpenAlex daily budget is spent (HTTP 429: {_server_message(resp)}); "
                   f"it resets at {describe_reset(resets_at)}")
        return OpenAlexBudgetExhausted(self.redact(message), retry_after=retry_after, resets_at=resets_at)


def _short_work_id(value: Any) -> str | None:
    """``https://api.openalex.org/works/W2?x=1`` or ``https://openalex.org/W2`` -> ``W2``."""
    if not value:
        return None
    tail = str(value).split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].upper()
    return tail if re.fullmatch(r"W\d+", tail) else None


def _is_rate_limit(resp: requests.Response) -> bool:
    """OpenAlex signals a per-second rate limit with 403; tell it from a refused key by its wording."""
    if resp.headers.get("Retry-After"):
        return True
    return "rate limit" in _server_message(resp).lower()


def _exception_summary(exc: BaseException) -> str:
    """The innermost cause of a requests exception, in a few words (no URL, so no key)."""
    inner: BaseException = exc
    seen = set()
    while True:
        nxt = (
            inner.__cause__
            or inner.__context__
            or (inner.args[0] if inner.args and isinstance(inner.args[0], BaseException) else None)
        )
        reason = getattr(inner, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            nxt = reason
        if nxt is None or id(nxt) in seen:
            break
        seen.add(id(nxt))
        inner = nxt
    text = str(inner).split(": ", 1)[-1] if ": " in str(inner) else str(inner)
    text = re.sub(r"\(host=.*?\)|url: \S+", "", text).strip(" :")
    return f"{type(inner).__name__}: {text}" if text else type(inner).__name__


# ------------------------------------------------------------------------------------------ pyalex glue


class Works(pyalex.Works):
    """``pyalex.Works`` whose requests go through a :class:`Transport` (so to ``LSR_OPENALEX_URL``).

    The class must be called ``Works``: pyalex derives the URL path from the class name.
    """

    def __init__(self, transport: Transport, params: Any = None) -> None:
        super().__init__(params)
        self._transport = transport
        self.sent_url: str | None = None

    @property
    def url(self) -> str:
        return self._transport.rebase(super().url)

    def _get_from_url(self, url: str, session: Any = None) -> Any:
        data, self.sent_url = self._transport.get_json(url)
        if "results" in data:
            return OpenAlexResponseList(data["results"], data["meta"], self.resource_class)
        return self.resource_class(data)


@dataclass
class Page:
    """One page of a cursor-paged list request.

    Attributes:
        works: the OpenAlex work objects on this page.
        next_cursor: the cursor of the next page; None on the last page.
        count: the total number of results the server reports for the query.
        url: the URL sent, without the API key.
    """

    works: list[dict]
    next_cursor: str | None
    count: int | None
    url: str


@dataclass
class SearchPlan:
    """What one search sends: the query (split into chunks when too long) and the filters.

    Attributes:
        query: the protocol's query, whitespace-normalised.
        chunks: OR-chunks whose union is the query's result set (just ``[query]`` when it fits).
        filters: the protocol's OpenAlex filters, sent with every chunk.
        urls: the first-page URL of each chunk (``cursor=*``), without credentials.
        include_xpac: also ask for OpenAlex's repository and DataCite works (``include_xpac=true``).
    """

    query: str
    chunks: list[str]
    filters: dict[str, str]
    urls: list[str] = field(default_factory=list)
    include_xpac: bool = False


class OpenAlexClient:
    """Title-and-abstract searches on OpenAlex (or the server at ``LSR_OPENALEX_URL``).

    Args:
        base_url: the API base URL.
        email: contact e-mail (``LSR_OPENALEX_EMAIL``).
        api_key: API key (``LSR_OPENALEX_API_KEY``); never logged or stored.
        per_page: results per page, 1-100 (the documented maximum).
        retry: retry and timeout policy (default: :meth:`RetryPolicy.from_env`).
        max_url_bytes: longest URL to send; longer queries are split into OR-chunks.
        sleep: how to wait between tries.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_OPENALEX_URL,
        *,
        email: str | None = None,
        api_key: str | None = None,
        per_page: int | None = None,
        retry: RetryPolicy | None = None,
        max_url_bytes: int = DEFAULT_MAX_URL_BYTES,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_page is None:
            per_page = OpenAlexTuning.from_env().per_page
        if not 1 <= per_page <= MAX_PER_PAGE:
            raise LsrError(f"OpenAlex page size must be between 1 and {MAX_PER_PAGE}, not {per_page}")
        self.per_page = per_page
        self.max_url_bytes = max_url_bytes
        self.transport = Transport(
            base_url, email=email, api_key=api_key, retry=retry or RetryPolicy.from_env(), sleep=sleep
        )

    @classmethod
    def from_settings(cls, settings: Settings, **options: Any) -> OpenAlexClient:
        """A client for the endpoint and credentials of ``settings`` (options as in the constructor)."""
        return cls(
            settings.openalex_url, email=settings.openalex_email, api_key=settings.openalex_api_key, **options
        )

    @property
    def base_url(self) -> str:
        return self.transport.base_url

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> OpenAlexClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- building requests

    def works(self, query: str, filters: Mapping[str, str] | None = None, *,
              include_xpac: bool = False) -> pyalex.Works:
        """A fresh pyalex ``Works`` query (pyalex query objects are mutable: never reuse one across runs).

        Sorted by ``openalex_id`` so that cursor paging is stable; ``include_xpac`` adds OpenAlex's
        repository and DataCite works ("xpac"), which the API leaves out unless asked.
        """
        works = Works(self.transport)
        if filters:
            works = works.filter(**{k: str(v) for k, v in filters.items()})
        works = works.search_filter(title_and_abstract=query).sort(**{SORT: "asc"})
        if include_xpac:
            works._add_params("include_xpac", "true")
        return works

    def _first_page_url(self, query: str, filters: Mapping[str, str], include_xpac: bool = False) -> str:
        works = self.works(query, filters, include_xpac=include_xpac)
        works._add_params("per-page", self.per_page)
        works._add_params("cursor", "*")
        return works.url

    def _fits(self, query: str, filters: Mapping[str, str]) -> bool:
        return len(self._first_page_url(query, filters)) + CURSOR_RESERVE <= self.max_url_bytes

    def plan(self, query: str, filters: Mapping[str, str] | None = None, *,
             include_xpac: bool = False) -> SearchPlan:
        """Check a search and split it into chunks that fit in a URL (``include_xpac``: see :meth:`works`).

        Raises:
            LsrError: an empty query, a comma in the query or a filter, or a query that cannot be split.
        """
        filters = {str(k): str(v) for k, v in (filters or {}).items()}
        query = " ".join((query or "").split())
        if not query:
            raise LsrError("the search query is empty")
        if "," in query:
            raise LsrError("the search query contains a comma, which OpenAlex reads as a filter separator")
        for key, value in filters.items():
            if "," in value or "," in key:
                raise LsrError(f"filter {key!r} contains a comma; use | for OR")
        if not self._fits("x", filters):
            raise QueryTooLong("the protocol's filters alone are too long for one OpenAlex request")
        problem = search_syntax.check_query(query)
        if problem:
            raise QueryRefused(f"the search query is refused: {problem}")
        try:
            chunks = search_syntax.split_query(query, lambda q: self._fits(q, filters))
        except search_syntax.QueryTooLong as exc:
            raise QueryTooLong(str(exc)) from None
        urls = [strip_api_key(self._first_page_url(c, filters, include_xpac)) for c in chunks]
        return SearchPlan(query=query, chunks=chunks, filters=filters, urls=urls, include_xpac=include_xpac)

    # -- fetching

    def fetch_page(self, query: str, filters: Mapping[str, str] | None = None, cursor: str = "*", *,
                   include_xpac: bool = False) -> Page:
        """Fetch one page of a (chunk) query, starting at ``cursor`` (``*`` = the first page).

        Raises:
            OpenAlexError: see :meth:`Transport.get_json`.
        """
        works = self.works(query, filters or {}, include_xpac=include_xpac)
        result = works.get(per_page=self.per_page, cursor=cursor)
        meta = getattr(result, "meta", None) or {}
        count = meta.get("count")
        return Page(
            works=list(result),
            next_cursor=meta.get("next_cursor") or None,
            count=int(count) if count is not None else None,
            url=works.sent_url or "",
        )

    def pages(
        self, query: str, filters: Mapping[str, str] | None = None, cursor: str = "*"
    ) -> Iterator[Page]:
        """All pages of one chunk by cursor paging; stops after the page without a ``next_cursor``."""
        while True:
            page = self.fetch_page(query, filters, cursor)
            yield page
            if not page.next_cursor or not page.works:
                return
            cursor = page.next_cursor

    def iter_works(self, query: str, filters: Mapping[str, str] | None = None) -> Iterator[dict]:
        """Every work matching ``query`` (title and abstract) and ``filters``, each once, across chunks."""
        plan = self.plan(query, filters)
        seen: set[str] = set()
        for chunk in plan.chunks:
            for page in self.pages(chunk, plan.filters):
                for work in page.works:
                    wid = str(work.get("id") or "")
                    if wid and wid in seen:
                        continue
                    seen.add(wid)
                    yield work
