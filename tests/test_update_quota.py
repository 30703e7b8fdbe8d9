"""Quota, keys, timeouts, retractions, merges and xpac: lsr against the bundled server over real HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lsr.search.openalex.server import Corpus, running_server
from lsr.search.update import update_review, update_reviews
from tests.helpers import run, status_json
from tests.test_update_support import (
    EARLY,
    assert_run_exact,
    corpus,
    fast_client_env,
    new_workspace,
    open_ws,
    record_ids,
    runs,
    server_ids,
    sqlite_only,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


class Clock:
    """The server's notion of now, moved by the test (the budget resets at midnight UTC)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def fresh_corpus() -> Corpus:
    """A private copy of the shared corpus, for tests that retract or merge works."""
    return Corpus(list(corpus().by_id.values()))


def list_requests(srv) -> list:
    return [r for r in srv.requests if r.path.startswith("/works?")]


def test_a_spent_daily_budget_pauses_the_run_and_the_next_day_fetches_only_the_missing_pages(
        tmp_path, monkeypatch):
    clock = Clock()
    with running_server(corpus(), as_of=EARLY, clock=clock) as srv:
        fast_client_env(monkeypatch, srv.url)  # 10 per page: 43 works = 5 pages of 10 search credits
        expected = server_ids(srv.url)
        assert len(expected) == 43
        srv.budget.daily_credits = 25  # pays for 2 pages today
        srv.clear_requests()
        ws_path = new_workspace(tmp_path)
        ws = open_ws(ws_path)

        first = update_review(ws, "test-review")
        assert first.status == "paused"
        assert "daily budget is spent" in first.error and "Insufficient budget" in first.error
        assert "resets at" in first.error and "continues this run" in first.error
        assert first.resets_at is not None
        assert len(srv.requests) <= 2 + 2  # stopped at once: no retries of the refused request
        refused = srv.requests[-1]
        assert refused.status == 429
        assert len(record_ids(ws)) == 20
        (paused,) = runs(ws)
        assert paused.status == "paused" and paused.budget_resets_at is not None
        assert paused.requests == len(srv.requests) and paused.credits_used == 20
        assert paused.credits_remaining == 5

        out = run(["status"], ws_path)
        assert "test-review: last update paused: the OpenAlex daily budget is spent" in out.output
        doc = status_json(ws_path, "test-review")["reviews"][0]
        assert doc["latest_run"]["status"] == "paused" and doc["latest_run"]["budget_resets_at"]

        clock.now += timedelta(days=1)  # midnight UTC has passed: a fresh budget
        srv.budget.daily_credits = 30  # exactly the three pages still missing
        srv.clear_requests()
        second = update_review(open_ws(ws_path), "test-review", now=first.resets_at)  # lsr's clock too
        assert (second.status, second.resumed, second.run_id) == ("ok", True, paused.id)
        pages = list_requests(srv)
        assert len(pages) == 3 == len(srv.requests)  # pages 3-5 only; no lookups, nothing fetched twice
        assert all(r.params["cursor"] != ["*"] for r in pages[:1])  # continued from the stored cursor
    ws = open_ws(ws_path)
    assert sorted(record_ids(ws)) == sorted(expected)
    (done,) = runs(ws)
    assert_run_exact(ws, done, expected, new=len(expected), dupes=0)
    assert done.requests == paused.requests + 3 and done.credits_used == 50


def test_a_paused_run_resumed_with_another_page_size_keeps_its_own_and_fetches_no_page_twice(
        tmp_path, monkeypatch):
    clock = Clock()
    with running_server(corpus(), as_of=EARLY, clock=clock) as srv:
        fast_client_env(monkeypatch, srv.url)  # 10 per page: 43 works = 5 pages
        expected = server_ids(srv.url)
        srv.budget.daily_credits = 25  # pays for 2 pages today
        srv.clear_requests()
        ws_path = new_workspace(tmp_path)
        first = update_review(open_ws(ws_path), "test-review")
        assert first.status == "paused"
        clock.now += timedelta(days=1)
        srv.budget.daily_credits = 30
        srv.clear_requests()
        monkeypatch.setenv("LSR_OPENALEX_PER_PAGE", "100")  # the usual size: its first page would start over
        second = update_review(open_ws(ws_path), "test-review", now=first.resets_at)
        assert (second.status, second.resumed) == ("ok", True)
        pages = list_requests(srv)
        assert len(pages) == 3 and all(r.params["per-page"] == ["10"] for r in pages)
        assert pages[0].params["cursor"] != ["*"]  # continued from the stored cursor
    assert sorted(record_ids(open_ws(ws_path))) == sorted(expected)


@pytest.mark.usefixtures("sqlite_only")
def test_update_starts_no_further_review_once_the_budget_is_spent(tmp_path, monkeypatch):
    with running_server(corpus(), as_of=EARLY, daily_credits=15, clock=Clock()) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path, review_ids=("a-review", "b-review"))
        out = run(["update"], ws_path)
    assert out.exit_code == 1
    assert "a-review: paused: the OpenAlex daily budget is spent" in out.output
    assert "b-review: waiting: not started: the OpenAlex daily budget was spent during a-review" in out.output
    assert runs(open_ws(ws_path), "b-review") == []


@pytest.mark.usefixtures("sqlite_only")
def test_every_answer_carries_the_production_rate_limit_headers():
    import requests

    clock = Clock()
    with running_server(corpus(), daily_credits=12, clock=clock) as srv:
        ok = requests.get(f"{srv.url}/works", params={"filter": "title_and_abstract.search:fear"}, timeout=10)
        spent = requests.get(f"{srv.url}/works", params={"search": "fear"}, timeout=10)
        listing = requests.get(f"{srv.url}/works", params={"filter": "type:article"}, timeout=10)
    assert ok.status_code == 200 and ok.headers["X-RateLimit-Remaining"] == "2"
    assert ok.headers["X-RateLimit-Limit"] == "12" and ok.headers["X-RateLimit-Credits-Used"] == "10"
    assert ok.headers["X-RateLimit-Reset"] == str(6 * 3600)  # 18:00 UTC: six hours to midnight
    assert spent.status_code == 429 and spent.headers["Retry-After"] == str(6 * 3600)
    assert spent.headers["X-RateLimit-Credits-Required"] == "10" and spent.headers["X-RateLimit-Remaining"] == "2"
    assert spent.json()["message"].startswith("Insufficient budget.")
    assert "Resets at midnight UTC" in spent.json()["message"]
    assert listing.status_code == 200 and listing.headers["X-RateLimit-Remaining"] == "1"  # a list costs 1


@pytest.mark.usefixtures("sqlite_only")
@pytest.mark.parametrize("key, line", [
    ("wrong-key", "OpenAlex rejected the API key (HTTP 401: API key not found); check LSR_OPENALEX_API_KEY"),
    (None, "OpenAlex requires an API key and none is set (HTTP 401: Provide a valid API key); put one in "
           "LSR_OPENALEX_API_KEY"),  # audit F8: no key was sent, so none was "rejected"
])
def test_a_refused_key_is_one_clear_line(tmp_path, monkeypatch, key, line):
    with running_server(corpus(), as_of=EARLY, api_keys={"the-right-key"}) as srv:
        fast_client_env(monkeypatch, srv.url)
        if key:
            monkeypatch.setenv("LSR_OPENALEX_API_KEY", key)
        else:
            monkeypatch.delenv("LSR_OPENALEX_API_KEY", raising=False)
        ws_path = new_workspace(tmp_path)
        out = run(["update"], ws_path)
        assert len(srv.requests) == 1  # a bad key is not retried
    assert out.exit_code == 1
    assert f"test-review: failed: {line}" in out.output
    assert ("rejected the API key" in out.output) is (key is not None)
    assert ("warning: no OpenAlex API key" in out.output) is (key is None)
    if key:
        assert key not in out.output


@pytest.mark.usefixtures("sqlite_only")
def test_a_query_timeout_has_its_own_line(tmp_path, monkeypatch):
    with running_server(corpus(), as_of=EARLY, fault_every=1, fault_kinds=["504"]) as srv:
        fast_client_env(monkeypatch, srv.url, retries=2)
        result = update_review(open_ws(new_workspace(tmp_path)), "test-review")
    assert result.status == "interrupted"
    assert "HTTP 504: OpenAlex timed out on this query" in result.error and "narrow the query" in result.error


def test_a_study_retracted_after_inclusion_shows_as_retracted(tmp_path, monkeypatch):
    with running_server(fresh_corpus(), as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path)
        assert update_review(open_ws(ws_path), "test-review").status == "ok"
        wid = sorted(record_ids(open_ws(ws_path)))[0]
        for stage in ("title-abstract", "full-text"):
            assert run(["decide", "test-review", wid, "include", "--stage", stage], ws_path).exit_code == 0
        items = json.loads(run(["export", "test-review"], ws_path).stdout)
        assert not any(i["is_retracted"] for i in items)
        srv.retract(wid)
        assert update_review(open_ws(ws_path), "test-review").status == "ok"
    items = json.loads(run(["export", "test-review"], ws_path).stdout)
    assert [i["openalex_id"] for i in items if i["is_retracted"]] == [wid]
    ris = run(["export", "test-review", "--format", "ris"], ws_path).stdout
    assert ris.count("RETRACTED (OpenAlex is_retracted)") == 1
    csv = run(["export", "test-review", "--format", "csv"], ws_path).stdout
    assert csv.count("retracted (OpenAlex)") == 1
    doc = status_json(ws_path, "test-review")["reviews"][0]
    assert doc["retracted"] == {"records": 1, "included": 1}
    assert run(["report", "test-review", "--lang", "nl", "--format", "md"], ws_path).exit_code == 0
    summary = (ws_path / "reviews" / "test-review" / "summary.nl.md").read_text(encoding="utf-8")
    assert "**Daarvan is 1 publicatie teruggetrokken (volgens OpenAlex).**" in summary  # not extracted: no more
    extraction = tmp_path / "extraction.csv"
    extraction.write_text("record,outcome,design,country,n,risk_of_bias,measure,estimate,ci_low,ci_high\n"
                          f"{wid},achievement,rct,NL,120,low,SMD,0.30,0.10,0.50\n", encoding="utf-8")
    assert run(["extract", "test-review", "--import", extraction], ws_path).exit_code == 0
    assert run(["report", "test-review", "--format", "md"], ws_path).exit_code == 0
    summary = (ws_path / "reviews" / "test-review" / "summary.nl.md").read_text(encoding="utf-8")
    assert ("**Daarvan is 1 publicatie teruggetrokken (volgens OpenAlex); die telt niet mee in de "
            "effectberekening.**") in summary
    summary_en = (ws_path / "reviews" / "test-review" / "summary.en.md").read_text(encoding="utf-8")
    assert ("**Of these, 1 publication has been retracted (according to OpenAlex); it does not count in the effect "
            "estimate.**") in summary_en


def test_a_work_merged_into_a_new_id_is_recognised_not_screened_again(tmp_path, monkeypatch):
    with running_server(fresh_corpus(), as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path)
        assert update_review(open_ws(ws_path), "test-review").status == "ok"
        before = sorted(record_ids(open_ws(ws_path)))
        old = before[0]
        survivor = srv.merge(old, "W9999999999")
        survivor["doi"] = None  # nothing but the redirect ties the two ids together
        survivor["ids"].pop("doi", None)
        assert old not in server_ids(srv.url) and "W9999999999" in server_ids(srv.url)
        second = update_review(open_ws(ws_path), "test-review")
    assert (second.status, second.new_records, second.merged) == ("ok", 0, 1)
    after = sorted(record_ids(open_ws(ws_path)))
    assert len(after) == len(before) and "W9999999999" in after and old not in after
    (_, run2) = runs(open_ws(ws_path))
    assert (run2.new_records, run2.duplicates) == (0, len(before))


@pytest.mark.usefixtures("sqlite_only")
def test_xpac_works_only_when_the_protocol_asks_for_them(tmp_path, monkeypatch):
    works = fresh_corpus()
    with running_server(works, as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        regular = server_ids(srv.url)
        grey = sorted(regular)[0]
        works.by_id[grey] = {**works.by_id[grey], "is_xpac": True}
        srv._cache.clear()
        ws_path = new_workspace(tmp_path)
        assert update_review(open_ws(ws_path), "test-review").status == "ok"
        assert grey not in record_ids(open_ws(ws_path))
        proto = ws_path / "protocols" / "test-review.toml"
        proto.write_text(proto.read_text().replace("[search]\n", "[search]\ninclude_xpac = true\n"))
        assert run(["protocols", "check"], ws_path).exit_code == 0
        assert update_review(open_ws(ws_path), "test-review").status == "ok"
        assert any(r.params.get("include_xpac") == ["true"] for r in srv.requests)
    assert grey in record_ids(open_ws(ws_path))
    proto.write_text(proto.read_text().replace("include_xpac = true", 'include_xpac = "yes"'))
    out = run(["protocols", "check"], ws_path)
    assert out.exit_code == 1 and "include_xpac" in out.output and "must be true or false" in out.output


def test_a_run_paused_between_schedules_asks_openalex_nothing_before_the_reset_and_is_due_after_it(
        tmp_path, monkeypatch):
    """Audit findings 9 and 10: a hand-started update paused by the budget is not left to the next scheduled
    date, and while the budget is spent no update knocks on OpenAlex for another 429."""
    clock = Clock()
    with running_server(corpus(), as_of=EARLY, clock=clock) as srv:
        fast_client_env(monkeypatch, srv.url)  # 10 per page: 43 works = 5 pages of 10 search credits
        ws_path = new_workspace(tmp_path)  # monthly: after this update the next one is a month away
        assert update_review(open_ws(ws_path), "test-review").status == "ok"
        clock.now += timedelta(days=1)
        srv.budget.daily_credits = 15  # one page, then 429
        paused = update_review(open_ws(ws_path), "test-review")  # by hand, between two scheduled dates
        assert paused.status == "paused" and paused.resets_at is not None
        resets_at = paused.resets_at

        srv.clear_requests()
        again = run(["update", "test-review"], ws_path)
        assert srv.requests == []  # the server's request log: nothing was sent
        assert again.exit_code == 1  # as the pause itself
        assert (f"test-review: paused: the OpenAlex daily budget is still spent (no request sent); it resets at "
                f"{resets_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC") in again.output
        assert "the next `lsr update` after the reset continues this run where it stopped" in again.output
        assert f"(search run id {paused.run_id})" in again.output
        due = run(["update", "--due"], ws_path)
        assert srv.requests == []
        assert due.exit_code == 0 and f"not due (next update {resets_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC)" \
            in due.output
        doc = status_json(ws_path, "test-review")["reviews"][0]
        assert doc["due"] is False and doc["next_update"] == doc["latest_run"]["budget_resets_at"]
        assert datetime.fromisoformat(doc["next_update"]) < datetime.fromisoformat(doc["last_update"]) + \
            timedelta(days=28)  # the reset, not the schedule's next month

        clock.now += timedelta(days=1)  # the server's budget is back ...
        srv.budget.daily_credits = 1000
        after_reset = resets_at + timedelta(minutes=1)  # ... and so is lsr's idea of now
        (result,) = update_reviews(open_ws(ws_path), due_only=True, now=after_reset)
        assert (result.status, result.resumed, result.run_id) == ("ok", True, paused.run_id)
        assert len(list_requests(srv)) == 4  # the four pages the paused run still lacked
    latest = status_json(ws_path, "test-review")["reviews"][0]["latest_run"]
    assert (latest["id"], latest["status"]) == (paused.run_id, "ok")


@pytest.mark.usefixtures("sqlite_only")
def test_an_interrupted_run_is_due_at_once_whatever_the_schedule(tmp_path, monkeypatch):
    with running_server(corpus(), as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path)
        assert update_review(open_ws(ws_path), "test-review").status == "ok"

        def ctrl_c(event):
            if event.kind == "page":
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            update_review(open_ws(ws_path), "test-review", progress=ctrl_c)
        assert status_json(ws_path, "test-review")["reviews"][0]["due"] is True
        (result,) = update_reviews(open_ws(ws_path), due_only=True)
    assert (result.status, result.resumed) == ("ok", True)
    assert status_json(ws_path, "test-review")["reviews"][0]["due"] is False


@pytest.mark.usefixtures("sqlite_only")
def test_update_names_the_search_run_id_which_imports_share(tmp_path, monkeypatch):
    """Audit finding 13: an import takes a search run id too, so `(run 2)` beside `search_runs: 1` confused."""
    with running_server(corpus(), as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path)
        ris = tmp_path / "extra.ris"
        ris.write_text("TY  - JOUR\nTI  - A hand-searched study of school days\nPY  - 2012\nER  - \n",
                       encoding="utf-8")
        assert run(["import", "test-review", str(ris), "--source", "hand search"], ws_path).exit_code == 0
        out = run(["update", "test-review"], ws_path)
    assert out.exit_code == 0 and "already known (search run id 2, " in out.output
    assert status_json(ws_path, "test-review")["reviews"][0]["search_runs"] == 1


def _first_update_with_dois(tmp_path) -> tuple[Path, tuple[str, str], str]:
    """A workspace after one update: its path, the OpenAlex ids of its first two records with a DOI, and the
    first one's DOI."""
    ws_path = new_workspace(tmp_path)
    assert update_review(open_ws(ws_path), "test-review").status == "ok"
    items = json.loads(run(["export", "test-review"], ws_path).stdout)
    first, second = [i["openalex_id"] for i in items if i["doi"]][:2]
    return ws_path, (first, second), next(i["doi"] for i in items if i["openalex_id"] == first)

def test_a_work_merged_into_a_new_id_with_its_doi_takes_the_new_id_and_its_retraction(tmp_path, monkeypatch):
    """Audit finding 19: matched by DOI under the surviving id, the record kept the id that now answers 301,
    and the retraction check (by stored id) never reached it again."""
    works = fresh_corpus()
    with running_server(works, as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path, (old, kept), doi = _first_update_with_dois(tmp_path)
        assert requests_post(srv.url + "/_admin/merge", {"old": old, "new": "W9999999999"}).ok  # keeps the DOI
        twin = {**works.by_id[kept], "id": "https://openalex.org/W9999999998"}  # OpenAlex holds a DOI twice:
        twin["ids"] = {**(twin.get("ids") or {}), "openalex": "https://openalex.org/W9999999998"}
        works.add(twin)  # both works come back, and the record keeps its own id
        srv._cache.clear()
        assert {kept, "W9999999998"} <= server_ids(srv.url)
        assert requests_post(srv.url + "/_admin/retract", {"id": "W9999999999"}).ok
        second = update_review(open_ws(ws_path), "test-review")
        assert (second.status, second.new_records, second.merged) == ("ok", 0, 0)
        again = update_review(open_ws(ws_path), "test-review")  # the record now answers to the new id
        assert (again.status, again.new_records) == ("ok", 0)
    items = json.loads(run(["export", "test-review"], ws_path).stdout)
    (moved,) = [i for i in items if i["doi"] == doi]
    assert moved["openalex_id"] == "W9999999999" and moved["is_retracted"] is True
    assert old not in {i["openalex_id"] for i in items} and len(items) == len(set(record_ids(open_ws(ws_path))))
    assert kept in {i["openalex_id"] for i in items} and "W9999999998" not in {i["openalex_id"] for i in items}
    assert status_json(ws_path, "test-review")["reviews"][0]["retracted"]["records"] == 1
    by_old_id = run(["decide", "test-review", old, "exclude", "--reason", "1"], ws_path)  # the old id: an alias
    assert by_old_id.exit_code == 0 and f"record {moved['id']} exclude" in by_old_id.output



def test_a_doi_twin_found_while_the_stored_work_is_no_longer_found_does_not_take_its_id(tmp_path, monkeypatch):
    """Only a merge moves a record's OpenAlex id. A second OpenAlex work with the record's DOI, found by a
    search that no longer finds the stored work (its text changed, or the query was amended), is matched to
    the record by DOI; but the stored id still answers as a work of its own, so the record keeps it."""
    works = fresh_corpus()
    with running_server(works, as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path, (old, _), doi = _first_update_with_dois(tmp_path)
        twin = {**works.by_id[old], "id": "https://openalex.org/W9999999997"}
        twin["ids"] = {**(twin.get("ids") or {}), "openalex": "https://openalex.org/W9999999997"}
        works.add(twin)
        works.add({**works.by_id[old], "title": "Unrelated ornithology", "display_name": "Unrelated ornithology",
                   "abstract_inverted_index": {"Birds": [0], "sing": [1]}})  # the search no longer finds it
        srv._cache.clear()
        assert "W9999999997" in server_ids(srv.url) and old not in server_ids(srv.url)
        second = update_review(open_ws(ws_path), "test-review")
        assert (second.status, second.new_records) == ("ok", 0)
    (record,) = [i for i in json.loads(run(["export", "test-review"], ws_path).stdout) if i["doi"] == doi]
    assert record["openalex_id"] == old

def requests_post(url: str, body: dict):
    import requests

    return requests.post(url, json=body, timeout=10)


def _decide(ws_path: Path, *args: str) -> None:
    out = run(["decide", "test-review", *args], ws_path)
    assert out.exit_code == 0, out.output


@pytest.mark.parametrize("agree", [False, True])
def test_two_screened_records_whose_works_openalex_merges_become_one_with_every_decision(tmp_path, monkeypatch,
                                                                                          agree):
    """Audit F7: OpenAlex merges a duplicate work into another existing work. lsr held both as records, both
    screened; it left them apart (a warning in the log only), so the review kept a record whose id answers
    301. Now the merged-away record is folded into the survivor's, with its decisions and provenance; labels
    that differed keep the more inclusive one, visibly (a `merge` decision with a note, a warning line)."""
    with running_server(fresh_corpus(), as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path)
        assert update_review(open_ws(ws_path), "test-review").status == "ok"
        old, survivor = sorted(record_ids(open_ws(ws_path)))[:2]
        _decide(ws_path, old, "include")  # the merged-away record: included, also at full text
        _decide(ws_path, old, "include", "--stage", "full-text")
        if agree:
            _decide(ws_path, survivor, "include")
        else:
            _decide(ws_path, survivor, "exclude", "--reason", "1")  # decided last: it would win a plain move
        before = status_json(ws_path, "test-review")["reviews"][0]
        assert (before["records"], before["screened"], before["duplicates"]) == (43, 2, 0)
        old_number = next(i["id"] for i in json.loads(run(["export", "test-review"], ws_path).stdout)
                          if i["openalex_id"] == old)

        assert requests_post(srv.url + "/_admin/merge", {"old": old, "new": survivor}).ok
        assert old not in server_ids(srv.url) and survivor in server_ids(srv.url)
        out = run(["update", "test-review"], ws_path)
    assert out.exit_code == 0, out.output
    assert "42 works returned, 0 new, 42 already known" in out.output
    assert "1 record(s) folded into the record of the work OpenAlex merged them into" in out.output
    warning = f"test-review: warning: different labels on merged records at title-abstract: OpenAlex merged {old}"
    assert (warning in out.output) is not agree

    items = json.loads(run(["export", "test-review"], ws_path).stdout)
    assert len(items) == 42 and old not in {i["openalex_id"] for i in items}
    (merged,) = [i for i in items if i["openalex_id"] == survivor]
    assert merged["label"] == "include"  # the full-text include of the merged-away record stands
    stages = [(d["stage"], d["label"], d["kind"]) for d in merged["decisions"]]
    expected = [("title-abstract", "include", "screen"), ("full-text", "include", "screen"),
                ("title-abstract", "include" if agree else "exclude", "screen")]
    if not agree:  # the disagreement stays in the log, with the label kept and why
        expected.append(("title-abstract", "include", "merge"))
        assert "was include" in merged["decisions"][-1]["note"] and "was exclude" in merged["decisions"][-1]["note"]
    assert stages == expected
    assert [s["duplicate"] for s in merged["sources"]] == [True, False, True]  # old's hit now a duplicate
    assert len(merged["sources"]) == 3

    after = status_json(ws_path, "test-review")["reviews"][0]
    assert (after["records"], after["screened"], after["included"], after["excluded"]) == (42, 1, 1, 0)
    assert after["fulltext"]["included"] == 1 and after["unscreened"] == 41
    assert after["duplicates"] == 42 + 1  # run 2's known hits, and the hit that created the merged-away record
    first, second = runs(open_ws(ws_path))
    assert (first.new_records, first.duplicates, second.new_records, second.duplicates) == (42, 1, 0, 42)
    assert sum(r.new_records for r in (first, second)) == after["records"]
    assert sum(r.duplicates for r in (first, second)) == after["duplicates"]
    by_old_id = run(["decide", "test-review", old, "include", "--stage", "full-text"], ws_path)
    assert by_old_id.exit_code == 0 and f"record {merged['id']} include" in by_old_id.output
    assert old_number != merged["id"]  # the number reviewers noted for the merged-away record still finds it
    by_old_number = run(["decide", "test-review", str(old_number), "include", "--stage", "full-text"], ws_path)
    assert by_old_number.exit_code == 0 and f"record {merged['id']} include" in by_old_number.output
    assert run(["report", "test-review", "--format", "md"], ws_path).exit_code == 0


@pytest.mark.usefixtures("sqlite_only")
def test_a_run_refused_for_its_key_is_logged_but_not_counted_as_a_search(tmp_path, monkeypatch):
    """Living-review audit F8: two refused runs made round 1 say "Runs 3"."""
    with running_server(corpus(), as_of=EARLY, api_keys={"the-right-key"}) as srv:
        fast_client_env(monkeypatch, srv.url)
        ws_path = new_workspace(tmp_path)
        monkeypatch.setenv("LSR_OPENALEX_API_KEY", "wrong-key")
        assert run(["update"], ws_path).exit_code == 1
        monkeypatch.setenv("LSR_OPENALEX_API_KEY", "the-right-key")
        assert run(["update"], ws_path).exit_code == 0
    [review] = json.loads(run(["status", "test-review", "--json"], ws_path).stdout)["reviews"]
    assert review["search_runs"] == 1
    from sqlmodel import select

    from lsr.models import SearchRun
    from lsr.report.prisma import searched

    with open_ws(ws_path).db.read() as session:
        runs = session.exec(select(SearchRun).order_by(SearchRun.id)).all()
    assert [(r.status, searched(r)) for r in runs] == [("failed", False), ("ok", True)]  # both in the log


@pytest.mark.usefixtures("sqlite_only")
def test_status_says_how_many_records_the_last_update_found_new(tmp_path, monkeypatch):
    """Living-review audit F8: only the update's own line said what was new."""
    ws_path = new_workspace(tmp_path)
    [review] = json.loads(run(["status", "--json"], ws_path).stdout)["reviews"]
    assert review["new_in_last_update"] is None  # no update yet
    with running_server(corpus(), as_of=EARLY) as srv:
        fast_client_env(monkeypatch, srv.url)
        assert run(["update"], ws_path).exit_code == 0
        [review] = json.loads(run(["status", "--json"], ws_path).stdout)["reviews"]
        assert review["new_in_last_update"] == review["records"] > 0
        table = run(["status"], ws_path).stdout
        assert f"{review['last_update'][:10]} +{review['records']}" in table
        assert run(["update"], ws_path).exit_code == 0  # the same works again: nothing new
    [review] = json.loads(run(["status", "--json"], ws_path).stdout)["reviews"]
    assert review["new_in_last_update"] == 0
    assert f"{review['last_update'][:10]} +" not in run(["status"], ws_path).stdout
