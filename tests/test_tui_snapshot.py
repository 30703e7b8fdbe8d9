"""SVG snapshots of the screener layout at the smallest supported size and a common one.

Update after an intended layout change with ``pytest tests/test_tui_snapshot.py --snapshot-update`` and look
at the SVGs under ``tests/__snapshots__/`` before committing them.
"""

from __future__ import annotations

import pytest

from lsr.screening.service import ScreeningService
from lsr.settings import resolve
from lsr.tui.app import make_app
from tests.tui_helpers import REVIEW, build_workspace, open_ws

FIXED_STOPPING = {"rule": "statistical", "met": False, "estimated_recall": 0.42,
                  "message": "not enough inclusions yet to rule out missed records"}


def never_called(ws, review_id):  # a ranker is installed, but nothing is decided while the snapshot is taken
    raise AssertionError("no retraining expected")


@pytest.fixture
def screener(tmp_path, monkeypatch):
    """The screener on a 6-record review with 5 decided, showing the last (Foxtrot, which mentions rats)."""
    path = build_workspace(tmp_path / "ws", 6)
    svc = ScreeningService(open_ws(path), REVIEW, "tester")
    for label in ("include", "exclude", "exclude", "exclude", "include"):
        svc.decide(svc.next_record().id, label)
    # The stopping module has its own tests; pin its text so this snapshot is about the layout.
    monkeypatch.setattr(ScreeningService, "stopping", lambda self: FIXED_STOPPING)
    return make_app(resolve(path, reviewer="tester"), REVIEW, rerank=never_called, update=None, report=None)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def test_screener_layout_100x32(screener, snap_compare):
    assert snap_compare(screener, terminal_size=(100, 32), run_before=settle)


def test_screener_layout_80x24(screener, snap_compare):
    assert snap_compare(screener, terminal_size=(80, 24), run_before=settle)
