"""Search validation over real HTTP: which of a protocol's known studies did the search return?"""

from __future__ import annotations

import json

import pytest
import requests

from lsr.search.openalex.server import running_server
from tests.helpers import make_workspace, run, status_json
from tests.test_update_support import (  # noqa: F401  (sqlite_only is a fixture)
    EARLY,
    QUERY,
    corpus,
    fast_client_env,
    open_ws,
    runs,
    server_ids,
    sqlite_only,
)

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


@pytest.fixture
def server():
    with running_server(corpus(), as_of=EARLY) as srv:
        yield srv


def _dois(url: str, ids: set[str] | None, wanted: bool) -> list[str]:
    """DOIs of works the server holds that are (``wanted``) or are not in ``ids``."""
    resp = requests.get(f"{url}/works", params={"filter": "type:article", "per-page": 100}, timeout=10)
    resp.raise_for_status()
    out = []
    for work in resp.json()["results"]:
        wid = work["id"].rsplit("/", 1)[-1]
        if work.get("doi") and (wid in ids) == wanted:
            out.append(work["doi"].removeprefix("https://doi.org/").lower())
    return out


def test_status_reports_the_known_study_the_search_missed(tmp_path, server, monkeypatch, db_backend):
    fast_client_env(monkeypatch, server.url)
    returned = server_ids(server.url)
    hit = _dois(server.url, returned, True)[0]
    miss = _dois(server.url, returned, False)[0]
    ws_path = make_workspace(tmp_path / "ws", query=QUERY,
                             known_studies=(f"https://doi.org/{hit.upper()}", miss))

    before = status_json(ws_path, "test-review")["reviews"][0]["known_studies"]
    assert (before["found"], before["missing"], before["search_run"]) == (0, [hit, miss], None)

    result = run(["update", "test-review"], ws_path)
    assert result.exit_code == 0, result.output
    doc = status_json(ws_path, "test-review")["reviews"][0]["known_studies"]
    assert doc["found"] == 1
    assert doc["missing"] == [miss]
    assert doc["total"] == 2 and doc["search_run"] is not None

    (only,) = runs(open_ws(ws_path))  # the check is logged on the search run itself (PRISMA-S)
    assert json.loads(only.known_studies_json) == {"checked": [hit, miss], "found": [hit], "missing": [miss]}

    assert run(["report", "test-review", "--lang", "en"], ws_path).exit_code == 0
    assert run(["report", "test-review", "--lang", "nl"], ws_path).exit_code == 0
    out = ws_path / "reviews" / "test-review"
    assert f"the search found 1 of 2 known studies; missed: {miss}." in (out / "summary.en.md").read_text("utf-8")
    assert f"vond 1 van de 2 studies die gevonden moesten worden; niet gevonden: {miss}." in (out / "summary.nl.md").read_text("utf-8")


@pytest.mark.usefixtures("sqlite_only")
def test_an_amended_list_is_checked_against_the_last_run(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url)
    returned = server_ids(server.url)
    hits = _dois(server.url, returned, True)[:2]
    ws_path = make_workspace(tmp_path / "ws", query=QUERY, known_studies=(hits[0],))
    assert run(["update", "test-review"], ws_path).exit_code == 0
    proto = ws_path / "protocols" / "test-review.toml"
    proto.write_text(proto.read_text(encoding="utf-8").replace(f'["{hits[0]}"]', json.dumps(hits)),
                     encoding="utf-8")
    doc = status_json(ws_path, "test-review")["reviews"][0]["known_studies"]
    assert (doc["found"], doc["missing"]) == (2, [])


