"""The optional core functions the app calls when their modules are installed (update, ranking, reports).

Each lookup returns the function, or None when its module does not exist yet, so the app can say
"not available" instead of failing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def _lookup(module: str, name: str) -> Callable[..., Any] | None:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def rerank_function() -> Callable[..., Any] | None:
    """``lsr.ranking.service.rerank_review(ws, review_id)``, if present."""
    return _lookup("lsr.ranking.service", "rerank_review")


def update_function() -> Callable[..., Any] | None:
    """``lsr.update.update_review(ws, review_id, progress=...)``, if present."""
    return _lookup("lsr.update", "update_review")


def report_function() -> Callable[..., Any] | None:
    """``lsr.report.write_reports(ws, review_ids)``, if present."""
    return _lookup("lsr.report", "write_reports")
