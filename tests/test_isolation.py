"""A protocol file that does not load disables only its own review: every other review keeps working."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Static

from lsr.search.openalex.server import running_server
from lsr.settings import resolve
from lsr.tui.app import make_app
from lsr.tui.screens.home import HomeScreen
from tests.helpers import run, status_json
from tests.test_update_support import (  # noqa: F401  (sqlite_only is a fixture)
    EARLY,
    corpus,
    fast_client_env,
    new_workspace,
    open_ws,
    runs,
    sqlite_only,
)
from tests.tui_helpers import build_workspace

GARBAGE = "\ngarbage = [\n"


def _break(path, review_id: str) -> str:
    file = path / "protocols" / f"{review_id}.toml"
    file.write_text(file.read_text() + GARBAGE)
    return str(file)


@pytest.fixture
def two_reviews(tmp_path):
    path = build_workspace(tmp_path / "ws", 4, review_ids=("good-review", "bad-review"))
    return path, _break(path, "bad-review")


def test_status_lists_the_good_review_and_names_the_broken_file(two_reviews):
    path, bad_file = two_reviews
    result = run(["status", "--json"], path)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert [r["id"] for r in doc["reviews"]] == ["good-review"]
    assert doc["reviews"][0]["records"] == 4
    assert [d["id"] for d in doc["disabled"]] == ["bad-review"]
    assert doc["disabled"][0]["file"] == bad_file and "not valid TOML" in doc["disabled"][0]["problems"][0]
    warnings = [line for line in result.stderr.splitlines() if line]
    assert len(warnings) == 1 and bad_file in warnings[0] and "not valid TOML" in warnings[0]

    table = run(["status"], path)
    assert table.exit_code == 0
    row = next(line for line in table.stdout.splitlines() if line.startswith("bad-review"))
    assert "disabled" in row


def test_decide_export_and_report_work_on_the_other_review(two_reviews):
    path, _ = two_reviews
    assert run(["decide", "good-review", "W1000", "include"], path).exit_code == 0
    assert status_json(path, "good-review")["reviews"][0]["included"] == 1
    exported = run(["export", "good-review", "--format", "json"], path)
    assert exported.exit_code == 0 and len(json.loads(exported.stdout)) == 4


def test_the_broken_review_itself_is_refused_with_file_and_reason(two_reviews):
    path, bad_file = two_reviews
    for args in (["decide", "bad-review", "W1000", "include"], ["status", "bad-review"],
                 ["export", "bad-review"], ["screen", "bad-review"]):
        result = run(args, path)
        assert result.exit_code == 1, args
        assert "disabled" in result.stderr and bad_file in result.stderr, args


def test_the_screener_opens_on_the_other_review(two_reviews):
    path, _ = two_reviews
    from lsr.workspace import open_workspace

    ws = open_workspace(resolve(path))
    assert make_app(ws, "good-review", rerank=None, update=None, report=None).review_id == "good-review"


async def test_home_screen_shows_a_banner_and_the_other_reviews(two_reviews):
    path, bad_file = two_reviews
    app = make_app(resolve(path, reviewer="anna"), rerank=None, update=None, report=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        banner = str(app.screen.query_one("#disabled", Static).render())
        assert "bad-review" in banner and bad_file in banner
        assert app.screen.query_one(DataTable).row_count == 1


@pytest.mark.usefixtures("sqlite_only")
def test_update_due_updates_the_valid_reviews_and_exits_1_naming_the_broken_file(tmp_path, monkeypatch):
    with running_server(corpus(), as_of=EARLY) as server:
        fast_client_env(monkeypatch, server.url)
        path = new_workspace(tmp_path, ("a-review", "b-review", "c-review"))
        bad_file = _break(path, "b-review")
        result = run(["update", "--due"], path)
    assert result.exit_code == 1
    assert bad_file in result.stderr and "2 of 3" not in result.stderr
    assert "1 of 3 review(s) not updated" in result.stderr
    ws = open_ws(path)
    assert len(runs(ws, "a-review")) == 1 and len(runs(ws, "c-review")) == 1
