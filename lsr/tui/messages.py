"""Messages that workers and widgets post upward to the screens that own the handlers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from lsr.screening.service import Freshness, Progress


@dataclass
class StatsReady(Message):
    """Fresh progress, ranking freshness and stopping state (None: not evaluated yet) for the side panel."""

    progress: Progress
    freshness: Freshness
    stopping: dict | None = None


@dataclass
class RankingLanded(Message):
    """A retraining finished (or failed): ``order`` is the reviewer's queue in the new rank order, or, when
    the ranker stored only the head of its ranking for now, ``head`` is that head (record ids, best first)."""

    stage: str
    order: list[int] | None
    error: str | None = None
    head: list[int] | None = None


@dataclass
class StatusLoaded(Message):
    """The home screen's per-review rows (``lsr.status.review_status`` dicts)."""

    reviews: list[dict]


@dataclass
class TaskProgress(Message):
    """Progress of an update or report running in a worker: a line of text and an optional fraction."""

    text: str
    done: float | None = None
    total: float | None = None


@dataclass
class TaskFinished(Message):
    """An update or report worker ended; ``error`` is a one-line message when it failed."""

    text: str
    error: bool = False
