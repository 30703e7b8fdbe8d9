"""The optional core functions the app calls when their modules are installed (update, reports, ranking).

Modules are only looked up here (``has_module``), never imported: importing the update module alone costs
seconds, so ``lazy`` returns a function that imports on its first call, which the app makes in a worker
thread. None means the module does not exist in this installation, and the app says "not available".
The ranker runs in its own process (``lsr.tui.ranker_process``).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

from lsr.errors import LsrError


def has_module(module: str) -> bool:
    """Whether a module exists, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def lazy(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` as a function imported on first call; None when the module does not exist."""
    if not has_module(module):
        return None

    def call(*args: Any, **kwargs: Any) -> Any:
        function = getattr(importlib.import_module(module), name, None)
        if function is None:
            raise LsrError(f"{module}.{name} is not available in this installation")
        return function(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


def update_function() -> Callable[..., Any] | None:
    """``lsr.update.update_review(ws, review_id, progress=...)``, if present."""
    return lazy("lsr.update", "update_review")


def report_function() -> Callable[..., Any] | None:
    """``lsr.report.write_reports(ws, review_ids)``, if present."""
    return lazy("lsr.report", "write_reports")
