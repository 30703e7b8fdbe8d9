"""Retraining in a long-lived child process, so the ranker never competes with the screener for the GIL.

The screener calls ``ProcessRerank(...)(ws, review_id)`` from a thread worker; the call sends the review id
to a child process (started on first use with the ``spawn`` method) and blocks that worker thread, not the
UI, until the child has retrained and stored the new ranking. The child opens the workspace once and keeps
whatever the ranker caches (the feature matrix) between calls, and the UI process never holds it in memory.
If the child dies (killed, out of memory), the call raises and the next call starts a new one. The child
exits when the app closes it, or by itself when the app's end of the pipe goes away (even after SIGKILL).

SQLite has one writer at a time, and storing a ranking rewrites thousands of rows: a decision committed
while the ranker writes would wait for it. So the child holds each of its write transactions
(``ws.db.write()``) until shortly after the reviewer's latest decision (the screener calls ``decided()``;
by then the next record is on screen and the reviewer is reading it), or until the reviewer has been idle
for a while. Reads and the training itself are never held back. (The child keeps the normal CPU priority: a
lowered one lets a busy machine starve it while it holds the write lock, and decisions then wait longer.)

The target (``lsr.ranking.service.rerank_live``) writes only the head of the new ranking before the child
replies; what it returns for later (``PendingRanks``) the child writes after replying, a short transaction
per quiet moment, and drops as soon as the screener asks for the next retraining. So no write holds the
lock for long, even at 100 k records.
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection
from typing import Any

from lsr.settings import Settings

DEFAULT_TARGET = "lsr.ranking.service:rerank_live"
AFTER_S = (0.1, 0.5)  # a ranker write may start in this window after a decision (the next record is shown)
IDLE_S = 2.0  # ... or once the reviewer has not decided for this long
MAX_HOLD_S = 10.0  # and is never held longer than this


class RankerFailed(RuntimeError):
    """The ranker raised, or its process ended, while retraining."""


class ProcessRerank:
    """A callable ``(ws, review_id) -> None`` that retrains in a child process.

    Args:
        settings: how the child opens the same workspace and database.
        target: ``module:function`` to call as ``function(ws, review_id)`` in the child.
    """

    def __init__(self, settings: Settings, target: str = DEFAULT_TARGET) -> None:
        self.settings, self.target = settings, target
        self._lock = threading.Lock()
        self._proc: Any = None
        self._conn: Connection | None = None
        self._ctx = multiprocessing.get_context("spawn")
        self._last_decision = self._ctx.Value("d", 0.0, lock=False)
        # Start multiprocessing's helper process now: it needs the real stderr, which a running Textual app
        # has replaced (starting it later fails with "bad value(s) in fds_to_keep").
        resource_tracker.ensure_running()

    def start(self) -> None:
        """Start the ranking process ahead of the first retraining (it imports the ranker meanwhile)."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()

    def decided(self) -> None:
        """Tell the ranking process a decision was just committed: a good moment for it to write."""
        self._last_decision.value = time.time()

    def __call__(self, ws: Any, review_id: str) -> list[int] | None:
        """Retrain ``review_id``; returns the head of the new ranking (record ids, best first) when the
        target stored only its head for now (``rerank_live``), else None."""
        with self._lock:
            if self._proc is None or not self._proc.is_alive():
                self._start()
            assert self._conn is not None
            try:
                self._conn.send(review_id)
                ok, detail = self._conn.recv()
            except (EOFError, OSError) as exc:
                self._proc = self._conn = None
                raise RankerFailed(f"the ranking process ended ({type(exc).__name__})") from None
        if not ok:
            raise RankerFailed(detail)
        return detail

    def _start(self) -> None:
        ctx = self._ctx
        parent, child = ctx.Pipe()
        self._proc = ctx.Process(target=serve, args=(child, self.settings, self.target, self._last_decision),
                                 daemon=True, name="lsr-ranker")
        self._proc.start()
        child.close()
        self._conn = parent

    def close(self) -> None:
        """Stop the child process (a retraining in progress is abandoned; its transaction rolls back)."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is not None and proc.is_alive():
            proc.terminate()
            proc.join(2)
        if conn is not None:
            conn.close()


def wait_for_quiet(last_decision: Callable[[], float], *, after: tuple[float, float] = AFTER_S,
                   idle: float = IDLE_S, max_hold: float = MAX_HOLD_S, poll: float = 0.005,
                   clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep,
                   stop: Callable[[], bool] | None = None) -> float:
    """Block until a write is unlikely to collide with a decision; returns the seconds waited.

    Args:
        last_decision: the wall-clock time of the reviewer's latest committed decision (0: none yet).
        after: go when the latest decision is between this many seconds old (the next record is shown
            and being read).
        idle: go when the reviewer has not decided for this long.
        max_hold: never wait longer than this.
        poll: how often to look.
        clock, sleep: the wall clock and how to wait (tests pass a simulated pair).
        stop: return at once when this says so (a newer request came in).
    """
    start = clock()
    while True:
        now = clock()
        since = now - last_decision()
        if after[0] <= since <= after[1] or since >= idle or now - start >= max_hold or (stop and stop()):
            return now - start
        sleep(poll)


def gate_writes(db: Any, last_decision: Callable[[], float]) -> None:
    """Make ``db.write()`` wait for a quiet moment before it takes SQLite's write lock."""
    inner = db.write

    @contextmanager
    def write() -> Iterator[Any]:
        wait_for_quiet(last_decision)
        with inner() as session:
            yield session

    db.write = write


def serve(conn: Connection, settings: Settings, target: str, last_decision: Any = None) -> None:
    """The child's loop: retrain for each review id received; reply ``(True, head)`` or ``(False, error)``,
    then write what the ranking left for later until the next request; stop on EOF or None.

    The child's standard streams go to ``os.devnull``: it shares the terminal with the app, and a stray
    warning would scribble over the screen. Errors travel back through the pipe.
    """
    _silence_stdio()
    from lsr.workspace import open_workspace  # noqa: PLC0415  (the child imports what it needs)

    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    ws = open_workspace(settings, sync=False)
    if last_decision is not None and ws.db.is_sqlite:
        gate_writes(ws.db, lambda: last_decision.value)
    while True:
        try:
            review_id = conn.recv()
        except (EOFError, OSError):
            return
        if review_id is None:
            return
        result = None
        try:
            result = function(ws, review_id)
            head = getattr(result, "head", None)
            reply = (True, None if head is None else list(head))
        except Exception as exc:  # reported to the screener, which keeps the previous order
            reply = (False, f"{type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return
        write_rest(ws, getattr(result, "rest", None), conn.poll, last_decision)


def write_rest(ws: Any, rest: Any, superseded: Callable[[], bool], last_decision: Any = None) -> None:
    """Write what a ranking left for later (``PendingRanks``), a short transaction at a time, each in a quiet
    moment; stop as soon as ``superseded()`` says a newer retraining was asked for (its ranking replaces
    this one). A failure drops the rest: the next retraining writes a whole new ranking."""
    if not hasattr(rest, "write_next"):
        return
    try:
        while not superseded():
            if last_decision is not None and ws.db.is_sqlite:
                wait_for_quiet(lambda: last_decision.value, stop=superseded)
                if superseded():
                    return
            if not rest.write_next(ws):
                return
    except Exception:  # noqa: BLE001  (nothing to report to: the screener already has its answer)
        return


def _silence_stdio() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
