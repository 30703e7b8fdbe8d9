"""Living updates: search OpenAlex for a review, store what is new, keep the PRISMA-S search log.

This module owns one update of one review from start to end (``update_review``) and the loop over the
workspace's reviews (``update_reviews``, used by ``lsr update`` and cron):

* Every update runs the review's **full** query (split into OR-chunks when too long for one URL; see
  :mod:`lsr.search.openalex.client`). Works not seen before become records; known works become duplicate
  ``RecordSource`` rows of their record (provenance), so each run's counts are complete.
* The run is logged as a ``SearchRun``: the query and filters as sent, the first-page URL of each chunk
  (the API key is never part of a stored URL), start and end, status (``running`` -> ``ok`` | ``failed`` |
  ``interrupted``), error, results returned, new records and duplicates.
* **Page-sized transactions.** Each page of results is stored in one short write transaction together
  with the run's counters and progress (``SearchRun.cursor_json``), so screeners' decisions never wait
  long, and a process killed at any moment (Ctrl-C, SIGTERM, SIGKILL, network loss) leaves a consistent
  database: whole pages stored, counters matching them.
* **Interrupted runs are completed, not repeated.** The next update of the review finds its latest run
  still ``running`` (its process died: we hold the lock, so nobody else is running it), ``interrupted`` or
  ``paused``, and -- when the protocol's search is unchanged -- resumes *that* run from the chunk and cursor
  stored with its last page (paging is sorted by ``openalex_id``, so the cursor continues exactly and only
  the missing pages are fetched). A cursor the server no longer accepts restarts that chunk from its first
  page; hits the run already stored are recognised by ``RecordSource`` uniqueness per run and skipped
  without touching the counters, so the finished run's counts are exact and no work is stored twice. A run
  whose search changed in the meantime is left ``interrupted`` and a new run starts.
* **Quota.** Requests and credits (``X-RateLimit-*``) are added to the run with every page. When the daily
  budget is spent (:class:`~lsr.search.openalex.client.OpenAlexBudgetExhausted`) the run stops at once as
  ``paused``, with when the budget resets; :func:`update_reviews` then starts no further review and reports
  them as ``waiting``. Until that reset an update of the review sends nothing (OpenAlex has said the key is
  spent): it says when the budget resets and ends ``paused`` again. ``lsr update --due`` takes a run that
  waits to be completed as due once it can continue (:func:`due_reviews`): a paused run at its reset, an
  interrupted one at once, whatever the schedule says.
* **Fresh metadata.** A hit on a work the review already holds refreshes the record from what OpenAlex says
  now (``is_retracted`` included). After a complete run, records whose OpenAlex id no longer came back
  are looked up (single-work requests are free): an id OpenAlex merged into another (301) is followed, and
  a record the run created for the surviving id is folded into the record lsr already had, so a merged work
  is never screened twice; when lsr held both works as records, the merged-away one is folded into the
  survivor's record with all its decisions (a disagreement keeps the more inclusive label, with a ``merge``
  decision and a warning: :func:`~lsr.search.openalex.merges.fold_merged_records`). A record the run
  found only under another OpenAlex id, by its DOI, takes that id
  (:func:`~lsr.search.openalex.merges.adopt_new_ids`), so later refreshes (retractions) reach it.
* The next page is downloaded (in a daemon thread) while the current one is stored.
* A per-review lock (:mod:`lsr.locks`) keeps two updates of the same review apart.
* After a successful run that added records, ``lsr.ranking.service.rerank_review`` re-ranks the review.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlmodel import select

from lsr.errors import LsrError
from lsr.jsoncols import CURSOR, FILTERS
from lsr.locks import LockBusy, review_lock
from lsr.models import Review, SearchRun, utcnow
from lsr.protocol import Protocol
from lsr.search.dedupe import Candidate, Ingest, candidate_from_openalex, kept_apart
from lsr.search.known_studies import record_run as record_known_studies
from lsr.search.openalex.client import (
    OpenAlexBudgetExhausted,
    OpenAlexClient,
    OpenAlexError,
    OpenAlexQueryError,
    Page,
    SearchPlan,
    describe_reset,
)
from lsr.search.openalex.merges import adopt_new_ids, fold_merged_records
from lsr.search.openalex.refresh import refresh_records
from lsr.search.schedule import is_due, next_update
from lsr.status import LatestRun, latest_run
from lsr.workspace import Workspace

log = logging.getLogger(__name__)

SOURCE = "openalex"
OK, FAILED, INTERRUPTED, RUNNING, PAUSED = "ok", "failed", "interrupted", "running", "paused"
BUSY, NOT_DUE, WAITING = "busy", "not-due", "waiting"
RESUMABLE = (RUNNING, INTERRUPTED, PAUSED)


@dataclass
class UpdateResult:
    """The outcome of updating one review.

    Attributes:
        review_id: the review.
        status: ``ok``, ``failed``, ``interrupted`` (the run can be completed by the next update),
            ``paused`` (the daily OpenAlex budget is spent; the next update after ``resets_at`` continues
            it), ``waiting`` (not started: the budget was spent, or OpenAlex could not be reached, during an
            earlier review), ``busy`` (another
            update holds the lock) or ``not-due`` (skipped by ``--due``).
        run_id: the ``SearchRun`` that was (or would be) continued, if one was started.
        results_returned: distinct works the run's search returned (over all passes of the run).
        new_records: records the run added.
        duplicates: hits that matched records already in the review.
        error: why the review was not updated (one line), else None.
        resumed: True when this update completed an earlier interrupted run.
        chunks: how many OR-chunks the query was split into.
        seconds: wall time of this update.
        rerank: ``done``, ``failed: ...``, or None when not attempted (no new records).
        next_update: when the review is next due (``not-due`` results).
        requests: HTTP requests this update sent to OpenAlex.
        resets_at: when the daily budget resets (``paused`` and ``waiting`` results).
        merged: records folded into an existing record because OpenAlex merged their work into it.
        merge_conflicts: one line per stage where two folded records had different labels (the more
            inclusive one is kept; a reviewer should look again).
    """

    review_id: str
    status: str
    run_id: int | None = None
    results_returned: int = 0
    new_records: int = 0
    duplicates: int = 0
    error: str | None = None
    resumed: bool = False
    chunks: int = 0
    seconds: float = 0.0
    rerank: str | None = None
    next_update: Any = None
    requests: int = 0
    resets_at: Any = None
    merged: int = 0
    merge_conflicts: list = field(default_factory=list)
    kept_apart: list = field(default_factory=list)
    unreachable: bool = False  # OpenAlex could not be reached at all (no further review is started)

    @property
    def ok(self) -> bool:
        """True when nothing went wrong: updated, or skipped because not due."""
        return self.status in (OK, NOT_DUE)

    def as_dict(self) -> dict:
        """A JSON-ready summary."""
        out = {k: getattr(self, k) for k in ("review_id", "status", "run_id", "results_returned", "new_records",
                                            "duplicates", "error", "resumed", "chunks", "rerank", "requests",
                                            "merged", "merge_conflicts")}
        out["kept_apart"] = [{"doi": c.doi, "title": c.title, "other_record": c.other_record_id}
                             for c in self.kept_apart]
        out["seconds"] = round(self.seconds, 3)
        out["next_update"] = self.next_update.isoformat() if self.next_update else None
        out["resets_at"] = self.resets_at.isoformat() if self.resets_at else None
        return out


@dataclass(frozen=True)
class UpdateEvent:
    """Progress of an update, for progress bars and log lines.

    Attributes:
        kind: ``start`` (a review begins), ``page`` (a page was stored), ``lock-wait`` (another update or an
            import of the review is running and we wait for it; ``message`` says which) or ``done``
            (``result`` is set).
        review_id: the review.
        fetched: hits received so far in this update.
        total: the server's result counts known so far (the sum over the chunks fetched or started).
        chunk: index of the chunk being fetched; ``chunks`` the number of chunks.
        resumed: this update completes an interrupted run.
        result: the outcome (``done`` events).
    """

    kind: str
    review_id: str
    fetched: int = 0
    total: int | None = None
    chunk: int = 0
    chunks: int = 0
    resumed: bool = False
    result: UpdateResult | None = None
    message: str | None = None


Progress = Callable[[UpdateEvent], None]


@dataclass
class _RunState:
    """What ``SearchRun.cursor_json`` holds: the chunks, where paging stands, how often it was (re)started."""

    chunks: list[str]
    per_page: int
    passes: int = 1
    chunk: int = 0
    cursor: str | None = "*"
    pages: int = 0
    done: bool = False
    resumed_at: list[str] = field(default_factory=list)

    def dumps(self) -> str:
        return CURSOR.encode({"chunks": self.chunks, "per_page": self.per_page, "passes": self.passes,
                              "chunk": self.chunk, "cursor": self.cursor, "pages": self.pages, "done": self.done,
                              "resumed_at": self.resumed_at})

    @classmethod
    def loads(cls, text: str | None, chunks: list[str], per_page: int) -> _RunState:
        """The stored state; its paging position when the chunks are unchanged. The run then keeps the page
        size it started with (a cursor continues a listing paged at that size), whatever ``per_page`` says
        now, so no page is fetched (and paid for) twice."""
        data = CURSOR.decode_or_empty(text)
        state = cls(chunks=chunks, per_page=per_page, passes=int(data.get("passes", 1)),
                    resumed_at=list(data.get("resumed_at", [])))
        if data.get("chunks") == chunks and not data.get("done"):
            state.per_page = int(data.get("per_page") or per_page)
            state.chunk = min(max(int(data.get("chunk", 0)), 0), len(chunks))
            state.cursor = data.get("cursor")
            state.pages = int(data.get("pages", 0))
        return state

    def start(self) -> tuple[int, str]:
        """Where paging (re)starts: the stored chunk and cursor, or the next chunk when that one was done."""
        if self.cursor:
            return self.chunk, self.cursor
        return (self.chunk + 1 if self.pages else 0), "*"


def _filters_json(filters: dict[str, str]) -> str:
    """The filters as ``search_run.filters_json`` holds them: in key order, so that a resumed run's filters
    compare as text with the stored ones whatever order the protocol lists them in."""
    return FILTERS.encode(dict(sorted(filters.items())))


def _source_key(cand: Candidate, work: dict) -> str:
    """The hit's identity within its run: the OpenAlex id (a DOI or a content hash if it has none)."""
    if cand.openalex_id:
        return cand.openalex_id
    if cand.doi:
        return f"doi:{cand.doi}"
    return "sha1:" + hashlib.sha1(json.dumps(work, sort_keys=True, default=str).encode()).hexdigest()


# -------------------------------------------------------------------------------------------- one review


def update_review(
    ws: Workspace,
    review_id: str,
    *,
    client: OpenAlexClient | None = None,
    progress: Progress | None = None,
    wait: bool | float = False,
    now: datetime | None = None,
) -> UpdateResult:
    """Search OpenAlex for one review and store the results (see the module docstring).

    Expected problems (bad query, server unreachable, lock taken) come back as a result with
    ``status != "ok"`` and a one-line ``error``; the database is consistent in every case.

    Args:
        ws: the open workspace.
        review_id: the review to update.
        client: the OpenAlex client (default: one built from the workspace settings and the environment).
        progress: called with :class:`UpdateEvent` s.
        wait: when another update holds the review's lock: False to give up at once, True to wait,
            or a number of seconds to wait at most.
        now: the current time, to compare with a paused run's budget reset (default: the real clock).

    Raises:
        LsrError: unknown review.
        KeyboardInterrupt, SystemExit: re-raised after the run was marked ``interrupted``.
    """
    proto = ws.protocol(review_id)
    own = client is None
    client = client or OpenAlexClient.from_settings(ws.settings)
    started = time.monotonic()
    try:
        def waiting(holder: str) -> None:
            if progress:
                progress(UpdateEvent("lock-wait", review_id, message=holder))

        with review_lock(ws, review_id, wait=wait, purpose="update", on_wait=waiting):
            result = (_still_paused(ws, review_id, now or datetime.now(UTC), progress)
                      or _update_locked(ws, proto, client, progress or (lambda event: None), started))
    except LockBusy as exc:
        result = UpdateResult(review_id, BUSY, error=exc.message)
        if progress:
            progress(UpdateEvent("done", review_id, result=result))
    finally:
        if own:
            client.close()
    result.seconds = time.monotonic() - started
    return result


def _still_paused(ws: Workspace, review_id: str, now: datetime, progress: Progress | None) -> UpdateResult | None:
    """The review's latest run is paused and its budget has not reset yet: a ``paused`` result without asking
    OpenAlex (every request would answer 429 until the reset); None when the update may go ahead."""
    with ws.db.read() as s:
        run = latest_run(s, review_id)
    resets_at = run.budget_resets_at if run is not None and run.status == PAUSED else None
    if resets_at is None or resets_at <= now:
        return None
    result = UpdateResult(review_id, PAUSED, run_id=run.id, resets_at=resets_at, error=(
        f"the OpenAlex daily budget is still spent (no request sent); it resets at {describe_reset(resets_at, now)}; "
        "the next `lsr update` after the reset continues this run where it stopped"))
    if progress:
        progress(UpdateEvent("done", review_id, result=result))
    return result


def _update_locked(ws: Workspace, proto: Protocol, client: OpenAlexClient, emit: Progress,
                   started: float) -> UpdateResult:
    rid = proto.id
    try:
        plan = client.plan(proto.search.query, proto.search.filters,
                           include_xpac=getattr(proto.search, "include_xpac", False))
    except LsrError as exc:
        run_id = _log_unsent(ws, proto, exc.message)
        result = UpdateResult(rid, FAILED, run_id=run_id, error=exc.message,
                              seconds=time.monotonic() - started)
        emit(UpdateEvent("done", rid, result=result))
        return result

    run_id, state, resumed = _begin_run(ws, proto, plan, client.per_page)
    emit(UpdateEvent("start", rid, chunks=len(plan.chunks), resumed=resumed))
    fetched, total = 0, 0
    meter = _Meter(client)
    merged, merge_conflicts = 0, []
    page_size, client.per_page = client.per_page, state.per_page  # a resumed run keeps its own page size
    try:
        for index, first, page in _pages(client, plan, state):
            if first and page.count is not None:
                total += page.count
            state.chunk, state.cursor, state.pages = index, page.next_cursor, state.pages + 1
            _store_page(ws, rid, run_id, page, state, first_of_chunk=first, meter=meter)
            fetched += len(page.works)
            emit(UpdateEvent("page", rid, fetched=fetched, total=total or None, chunk=index,
                             chunks=len(plan.chunks), resumed=resumed))
        adopt_new_ids(ws, rid, run_id, client)  # found by DOI under a new id: the record takes it
        folds = fold_merged_records(ws, rid, run_id, client)
        merged, merge_conflicts = folds.folded, folds.conflicts
        state.done, state.cursor = True, None
        result = _end_run(ws, rid, run_id, OK, None, state, meter=meter)
    except OpenAlexBudgetExhausted as exc:
        message = f"{exc.message}; the next `lsr update` after the reset continues this run where it stopped"
        result = _end_run(ws, rid, run_id, PAUSED, message, state, meter=meter, resets_at=exc.resets_at)
        result.resets_at = exc.resets_at
    except OpenAlexQueryError as exc:
        result = _end_run(ws, rid, run_id, FAILED, exc.message, state, meter=meter)
    except OpenAlexError as exc:
        status = INTERRUPTED if exc.transient else FAILED
        result = _end_run(ws, rid, run_id, status, exc.message, state, meter=meter)
        result.unreachable = bool(getattr(exc, "unreachable", False))
    except OperationalError as exc:
        message = f"database error: {str(getattr(exc, 'orig', exc)).splitlines()[0]}"
        result = _end_run(ws, rid, run_id, INTERRUPTED, message, state, best_effort=True)
    except LsrError as exc:  # the database went away mid-run (``Database.write``: "cannot write to database …")
        result = _end_run(ws, rid, run_id, INTERRUPTED, exc.message, state, best_effort=True)
    except (KeyboardInterrupt, SystemExit) as exc:
        why = "interrupted (Ctrl-C)" if isinstance(exc, KeyboardInterrupt) else "stopped by a signal"
        _end_run(ws, rid, run_id, INTERRUPTED, f"{why}; the next update completes this run", state,
                 best_effort=True)
        raise
    except BaseException as exc:
        _end_run(ws, rid, run_id, FAILED, f"internal error: {type(exc).__name__}: {exc}", state, best_effort=True)
        raise
    finally:
        client.per_page = page_size
    result.resumed, result.chunks, result.requests, result.merged = resumed, len(plan.chunks), meter.requests, merged
    result.merge_conflicts = merge_conflicts
    if result.status == OK:
        record_known_studies(ws, rid, run_id)  # search validation (PRISMA-S); never fails the update
    if result.status == OK and result.new_records:
        with ws.db.read() as s:
            result.kept_apart = kept_apart(s, run_id)
        result.rerank = _rerank(ws, rid)
    result.seconds = time.monotonic() - started
    emit(UpdateEvent("done", rid, fetched=fetched, total=total or None, chunks=len(plan.chunks),
                     resumed=resumed, result=result))
    return result


class _Fetch:
    """One page request running in a daemon thread, so the next page downloads while this one is stored.

    A daemon thread, not an executor: a Ctrl-C or SIGTERM must never wait for a request in flight.
    """

    def __init__(self, client: OpenAlexClient, plan: SearchPlan, query: str, cursor: str) -> None:
        self._done = threading.Event()
        self._page: Page | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, args=(client, plan, query, cursor), name="openalex-fetch",
                         daemon=True).start()

    def _run(self, client: OpenAlexClient, plan: SearchPlan, query: str, cursor: str) -> None:
        try:
            self._page = client.fetch_page(query, plan.filters, cursor, include_xpac=plan.include_xpac)
        except BaseException as exc:  # handed to the caller by result()
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Page:
        while not self._done.wait(0.2):  # short waits keep the main thread responsive to signals
            pass
        if self._error is not None:
            raise self._error
        assert self._page is not None
        return self._page


def _pages(client: OpenAlexClient, plan: SearchPlan, state: _RunState) -> Iterator[tuple[int, bool, Page]]:
    """The pages the run still lacks, as (chunk index, first page of its chunk, page), one page ahead.

    Paging starts where ``state`` says the run stopped. A stored cursor the server refuses (cursors may
    expire) restarts that chunk from its first page; the hits already stored are then skipped.
    """
    start_chunk, start_cursor = state.start()
    for index in range(start_chunk, len(plan.chunks)):
        chunk = plan.chunks[index]
        cursor = start_cursor if index == start_chunk else "*"
        pending: _Fetch | None = _Fetch(client, plan, chunk, cursor)
        first = cursor == "*"
        while pending is not None:
            try:
                page = pending.result()
            except OpenAlexQueryError:
                if cursor == "*":
                    raise
                log.info("stored cursor refused; restarting chunk %s of the run from its first page", index)
                cursor = "*"
                pending, first = _Fetch(client, plan, chunk, cursor), True
                continue
            cursor = page.next_cursor if page.works else None
            pending = _Fetch(client, plan, chunk, cursor) if cursor else None
            yield index, first, page
            first = False


def _log_unsent(ws: Workspace, proto: Protocol, error: str) -> int:
    """Log a search that could not even be sent (e.g. a query too long to split) as a failed run."""
    now = utcnow()
    with ws.db.write() as s:
        run = SearchRun(review_id=proto.id, kind="update", source=SOURCE, protocol_version=proto.version,
                        query=" ".join(proto.search.query.split()), filters_json=_filters_json(proto.search.filters),
                        started_at=now, finished_at=now, status=FAILED, error=error, reviewer=ws.settings.reviewer)
        s.add(run)
        s.flush()
        return int(run.id)


def _begin_run(ws: Workspace, proto: Protocol, plan: SearchPlan, per_page: int) -> tuple[int, _RunState, bool]:
    """Resume the review's interrupted run when its search is unchanged, else start a new run.

    Called with the review's lock held: a run still marked ``running`` has lost its process.
    """
    now = utcnow()
    filters_json = _filters_json(plan.filters)
    with ws.db.write() as s:
        latest = s.exec(select(SearchRun).where(SearchRun.review_id == proto.id, SearchRun.kind == "update",
                                                SearchRun.source == SOURCE)
                        .order_by(SearchRun.id.desc()).limit(1)).first()
        resumable = (latest is not None and latest.status in RESUMABLE
                     and latest.query == plan.query and latest.filters_json == filters_json)
        for orphan in s.exec(select(SearchRun).where(SearchRun.review_id == proto.id, SearchRun.kind == "update",
                                                     SearchRun.status == RUNNING)).all():
            if resumable and orphan.id == latest.id:
                continue
            orphan.status = INTERRUPTED
            orphan.error = ("the process ended before the run finished; not resumed because the protocol's "
                            "search changed" if orphan is latest else "the process ended before the run finished")
            s.add(orphan)
        if resumable:
            state = _RunState.loads(latest.cursor_json, plan.chunks, per_page)
            state.passes += 1
            state.resumed_at.append(now.isoformat(timespec="seconds"))
            latest.status, latest.error, latest.finished_at = RUNNING, None, None
            latest.budget_resets_at = None
            latest.cursor_json = state.dumps()
            s.add(latest)
            return int(latest.id), state, True
        state = _RunState(chunks=plan.chunks, per_page=per_page)
        run = SearchRun(review_id=proto.id, kind="update", source=SOURCE, protocol_version=proto.version,
                        query=plan.query, filters_json=filters_json, started_at=now,
                        status=RUNNING, cursor_json=state.dumps(), reviewer=ws.settings.reviewer)
        s.add(run)
        s.flush()
        return int(run.id), state, False


class _Meter:
    """Requests and credits a client spent since this update began (added to the run's totals)."""

    def __init__(self, client: OpenAlexClient) -> None:
        self._usage = client.transport.usage
        self._requests, self._credits = self._usage.requests, self._usage.credits_used
        self._saved = (0, 0)

    @property
    def requests(self) -> int:
        return self._usage.requests - self._requests

    def charge(self, run: SearchRun) -> None:
        """Add what was spent since the last charge to ``run`` (and note the credits left)."""
        requests, credits = self.requests, self._usage.credits_used - self._credits
        run.requests = (run.requests or 0) + requests - self._saved[0]
        if credits or run.credits_used is not None:
            run.credits_used = (run.credits_used or 0) + credits - self._saved[1]
        if self._usage.remaining is not None:
            run.credits_remaining = self._usage.remaining
        self._saved = (requests, credits)


def _store_page(ws: Workspace, review_id: str, run_id: int, page: Page, state: _RunState, *,
                first_of_chunk: bool, meter: _Meter | None = None) -> None:
    """Store one page of hits, the run's counters and its progress in one write transaction."""
    pairs = []
    for work in page.works:
        cand = candidate_from_openalex(work)
        pairs.append((cand, _source_key(cand, work)))
    with ws.db.write() as s:
        run = s.get(SearchRun, run_id)
        Ingest(s, review_id, run, SOURCE).add_many(pairs)
        refresh_records(s, review_id, [c for c, _ in pairs])
        if meter is not None:
            meter.charge(run)
        if first_of_chunk and page.url:
            urls = run.request_urls
            if page.url not in urls:
                run.request_urls = [*urls, page.url]
        run.cursor_json = state.dumps()
        s.add(run)


def _end_run(ws: Workspace, review_id: str, run_id: int, status: str, error: str | None, state: _RunState,
             *, best_effort: bool = False, meter: _Meter | None = None, resets_at: Any = None) -> UpdateResult:
    """Close the run (and on success stamp ``Review.last_update_at``); return the review's result."""
    now = utcnow()
    try:
        with ws.db.write() as s:
            run = s.get(SearchRun, run_id)
            run.status, run.error, run.finished_at = status, error, now
            run.cursor_json = state.dumps()
            run.budget_resets_at = resets_at
            if meter is not None:
                meter.charge(run)
            s.add(run)
            if status == OK:
                review = s.get(Review, review_id)
                if review is not None:
                    review.last_update_at = now
                    s.add(review)
            counts = (run.results_returned, run.new_records, run.duplicates)
    except Exception as exc:
        if not best_effort:
            raise
        reason = str(getattr(exc, "message", exc)).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning("could not mark search run %s of %s as %s: %s", run_id, review_id, status, reason)
        log.debug("marking search run %s as %s failed", run_id, status, exc_info=True)
        counts = (0, 0, 0)
    return UpdateResult(review_id, status, run_id=run_id, results_returned=counts[0], new_records=counts[1],
                        duplicates=counts[2], error=error)


def _rerank(ws: Workspace, review_id: str) -> str:
    """Re-rank the review's records; never fails the update."""
    from lsr.ranking.service import rerank_review  # noqa: PLC0415  (scikit-learn is slow to import)

    try:
        rerank_review(ws, review_id)
    except Exception as exc:  # the records are stored; a ranking problem must not undo the update
        log.warning("re-ranking %s failed", review_id, exc_info=True)
        message = exc.message if isinstance(exc, LsrError) else f"{type(exc).__name__}: {exc}"
        return f"failed: {message}"
    return "done"


# ----------------------------------------------------------------------------------------- all reviews


def due_reviews(ws: Workspace, review_ids: Sequence[str] | None = None,
                now: datetime | None = None) -> tuple[list[str], dict[str, Any]]:
    """Split reviews into those due for an update and those not yet due (with their next update time).

    A review is due when its schedule says so, or -- whatever the schedule says -- when its latest run waits
    to be completed and may continue (``lsr.status.LatestRun.resumable_from``): a paused run once its budget
    has reset, an interrupted run (or one whose process is gone) at once. A paused run before its reset keeps
    the review waiting until then. ``now`` defaults to the real clock.
    """
    now = now or datetime.now(UTC)
    due, not_due = [], {}
    with ws.db.read() as s:
        for rid in ws.review_ids(list(review_ids) if review_ids else None):
            review = s.get(Review, rid)
            last = review.last_update_at if review else None
            run: LatestRun | None = latest_run(s, rid, ws.settings)
            resume_at = run.resumable_from if run else None
            schedule = ws.protocol(rid).schedule
            if is_due(schedule, last, now, resume_at):
                due.append(rid)
            else:
                not_due[rid] = next_update(schedule, last, resume_at)
    return due, not_due


def update_reviews(
    ws: Workspace,
    review_ids: Sequence[str] | None = None,
    *,
    due_only: bool = False,
    progress: Progress | None = None,
    client: OpenAlexClient | None = None,
    wait: bool | float = False,
    now: datetime | None = None,
) -> list[UpdateResult]:
    """Update the named reviews (default: all), or only those whose schedule says they are due.

    One review's failure does not stop the others; look at each result's ``status`` and ``error``.

    Args:
        ws: the open workspace.
        review_ids: reviews to update; None or empty for all reviews of the workspace.
        due_only: skip reviews whose schedule says they are not due (their result is ``not-due``).
        progress: called with :class:`UpdateEvent` s.
        client: the OpenAlex client to use (default: from the workspace settings).
        wait: passed to :func:`update_review` (what to do when a review's lock is taken).
        now: the current time for the schedule and a paused run's reset (default: the real clock).

    Raises:
        LsrError: an unknown review id.
    """
    ids = ws.review_ids(list(review_ids) if review_ids else None)
    skipped: dict[str, Any] = {}
    if due_only:
        ids, skipped = due_reviews(ws, ids, now)
    own = client is None
    client = client or OpenAlexClient.from_settings(ws.settings)
    results: list[UpdateResult] = []
    spent: UpdateResult | None = None  # the review that found the daily budget spent
    down: UpdateResult | None = None  # the review during which OpenAlex could not be reached at all
    try:
        for rid in ws.review_ids(None):
            if rid in skipped:
                results.append(UpdateResult(rid, NOT_DUE, next_update=skipped[rid]))
            elif rid in ids and spent is not None:
                # Every request would answer 429 until the reset: starting more reviews only spends time.
                results.append(UpdateResult(rid, WAITING, resets_at=spent.resets_at, error=(
                    f"not started: the OpenAlex daily budget was spent during {spent.review_id}; "
                    "the next `lsr update` after the reset runs it")))
            elif rid in ids and down is not None:
                # Each review would spend its retries (half a minute) on the same failed connection.
                results.append(UpdateResult(rid, WAITING, error=(
                    f"not started: OpenAlex could not be reached during {down.review_id} (no network, or a "
                    "wrong LSR_OPENALEX_URL?); the next `lsr update` runs it")))
            elif rid in ids:
                results.append(update_review(ws, rid, client=client, progress=progress, wait=wait, now=now))
                if results[-1].status == PAUSED:
                    spent = results[-1]
                elif results[-1].unreachable:
                    down = results[-1]
                continue
            else:
                continue
            if progress:
                progress(UpdateEvent("done", rid, result=results[-1]))
    finally:
        if own:
            client.close()
    return results
