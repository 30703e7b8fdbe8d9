"""Living updates over real HTTP against the local OpenAlex-compatible server (lsr.search.update, lsr update)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from lsr.locks import review_lock
from lsr.search.openalex.server import running_server
from lsr.search.update import update_review, update_reviews
from tests.helpers import protocol_text, run, status_json
from tests.test_update_support import (
    EARLY,
    QUERY,
    assert_run_exact,
    corpus,
    fast_client_env,
    last_update,
    new_workspace,
    open_ws,
    record_ids,
    runs,
    server_ids,
    sources,
    sqlite_only,  # noqa: F401  (fixture)
)

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


@pytest.fixture
def server():
    with running_server(corpus(), as_of=EARLY) as srv:
        yield srv


@pytest.fixture
def ws_path(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url)
    return new_workspace(tmp_path)


def test_first_update_stores_exactly_the_servers_result_set(ws_path, server):
    expected = server_ids(server.url)
    assert 20 < len(expected) < 74  # as of 2015 only part of the 74 matches is visible
    ws = open_ws(ws_path)
    result = update_review(ws, "test-review")
    assert result.status == "ok" and result.error is None
    assert sorted(record_ids(ws)) == sorted(expected)
    (only,) = runs(ws)
    assert_run_exact(ws, only, expected, new=len(expected), dupes=0)
    assert only.query == QUERY and json.loads(only.filters_json) == {"type": "article"}
    assert only.finished_at is not None and only.started_at <= only.finished_at
    (url,) = json.loads(only.request_urls_json)
    assert url.startswith(server.url + "/works?") and "per-page=10" in url and "title_and_abstract.search" in url
    assert last_update(ws) is not None
    # The records carry the work's metadata, abstract rebuilt from the inverted index.
    with ws.db.read() as s:
        from sqlmodel import select

        from lsr.models import Record

        recs = s.exec(select(Record).where(Record.review_id == "test-review")).all()
    assert all(r.title and r.year and r.raw_json and r.first_seen_run_id == only.id for r in recs)
    assert sum(bool(r.abstract) for r in recs) > len(recs) // 2


def test_second_update_stores_nothing_new_and_logs_a_second_run(ws_path, server):
    expected = server_ids(server.url)
    ws = open_ws(ws_path)
    first = update_review(ws, "test-review")
    second = update_review(ws, "test-review")
    assert (second.status, second.new_records, second.duplicates) == ("ok", 0, len(expected))
    assert sorted(record_ids(ws)) == sorted(expected)
    r1, r2 = runs(ws)
    assert (r1.id, r2.id) == (first.run_id, second.run_id)
    assert_run_exact(ws, r2, expected, new=0, dupes=len(expected))
    assert all(s.is_duplicate and s.match_rule == "openalex_id" for s in sources(ws, r2.id))
    doc = status_json(ws_path, "test-review")["reviews"][0]
    assert (doc["records"], doc["duplicates"], doc["search_runs"]) == (len(expected), len(expected), 2)


@pytest.mark.usefixtures("sqlite_only")
def test_advancing_as_of_adds_exactly_the_newly_visible_works(ws_path, server):
    ws = open_ws(ws_path)
    early = server_ids(server.url)
    update_review(ws, "test-review")
    server.as_of = None
    later = server_ids(server.url)
    assert early < later
    result = update_review(ws, "test-review")
    assert (result.new_records, result.duplicates) == (len(later - early), len(early))
    assert sorted(record_ids(ws)) == sorted(later)
    assert_run_exact(ws, runs(ws)[-1], later, new=len(later - early), dupes=len(early))
    with ws.db.read() as s:
        from sqlmodel import select

        from lsr.models import Record

        first_seen = {r.openalex_id: r.first_seen_run_id for r in s.exec(select(Record)).all()}
    assert {w for w, run_id in first_seen.items() if run_id == result.run_id} == later - early


def test_updates_are_exact_under_faults(tmp_path, monkeypatch):
    """Every other request fails: 429, 503, a truncated body, a slow answer, a connection reset in turn.

    (Each kind on its own is exercised in test_openalex_client.py.)
    """
    kinds = ["429", "503", "truncate", "slow", "reset"]
    with running_server(corpus(), as_of=EARLY) as srv:
        early = server_ids(srv.url)
        srv.as_of = None
        later = server_ids(srv.url)
        srv.as_of = EARLY
        srv.set_faults(2, kinds)
        srv.slow_seconds = 0.05
        fast_client_env(monkeypatch, srv.url)
        ws = open_ws(new_workspace(tmp_path))
        assert update_review(ws, "test-review").status == "ok"
        srv.as_of = None
        second = update_review(ws, "test-review")
        faults = [r.fault for r in srv.requests if r.fault]
    assert second.status == "ok", second.error
    assert set(faults) == set(kinds) and len(faults) >= 5
    assert sorted(record_ids(ws)) == sorted(later)
    first_run, second_run = runs(ws)
    assert_run_exact(ws, first_run, early, new=len(early), dupes=0)
    assert_run_exact(ws, second_run, later, new=len(later - early), dupes=len(early))


def test_bad_query_fails_the_review_with_the_servers_message_and_keeps_its_records(ws_path, server):
    ws = open_ws(ws_path)
    update_review(ws, "test-review")
    before_records, before_last = sorted(record_ids(ws)), last_update(ws)
    proto = ws_path / "protocols" / "test-review.toml"
    proto.write_text(proto.read_text().replace('type = "article"', 'publication_year = "twenty"'))
    (ws_path / "protocols" / "other.toml").write_text(protocol_text("other", query=QUERY))
    result = run(["update"], ws_path)
    assert result.exit_code == 1
    assert "Value for param publication_year must be a number" in result.stderr  # the server's own words
    assert "1 of 2 review(s) not updated: test-review (failed: OpenAlex rejected the search (HTTP 400)" \
        in result.stderr
    assert "other: ok" in result.stdout  # one bad review does not stop the others
    ws = open_ws(ws_path)
    assert sorted(record_ids(ws)) == before_records and last_update(ws) == before_last
    failed = runs(ws)[-1]
    assert failed.status == "failed" and "publication_year" in failed.error
    assert (failed.results_returned, failed.new_records, failed.duplicates) == (0, 0, 0)
    assert sources(ws, failed.id) == []


def test_a_search_that_finds_nothing_is_ok_but_says_so(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url)
    ws_path = new_workspace(tmp_path, query="zzqxv")  # e.g. a misspelt term or filter value: nothing matches
    result = run(["update"], ws_path)
    assert result.exit_code == 0, result.output
    assert "test-review: ok, 0 works returned" in result.output
    assert "test-review: warning: the search found no work at all: check [search] query and filters" in result.output


@pytest.mark.usefixtures("sqlite_only")
def test_status_json_reports_runs_last_and_next_update_and_due(ws_path, server):
    doc = status_json(ws_path, "test-review")["reviews"][0]
    assert (doc["search_runs"], doc["last_update"], doc["next_update"], doc["due"]) == (0, None, None, True)
    before = datetime.now(UTC).replace(microsecond=0)
    result = run(["update", "--due"], ws_path)
    assert result.exit_code == 0, result.output
    doc = status_json(ws_path, "test-review")["reviews"][0]
    last = datetime.fromisoformat(doc["last_update"])
    assert before <= last <= datetime.now(UTC) + timedelta(seconds=1)
    nxt = datetime.fromisoformat(doc["next_update"])
    assert (nxt.year * 12 + nxt.month) - (last.year * 12 + last.month) == 1  # monthly
    assert (doc["search_runs"], doc["due"], doc["records"]) == (1, False, len(server_ids(server.url)))
    again = run(["update", "--due"], ws_path)  # not due: nothing runs, still success
    assert again.exit_code == 0 and "not due" in again.stdout and "no review is due" in again.stdout
    assert status_json(ws_path, "test-review")["reviews"][0]["search_runs"] == 1


def test_an_interrupted_run_is_completed_by_the_next_update(ws_path, server):
    expected = server_ids(server.url)
    ws = open_ws(ws_path)
    pages = []

    def ctrl_c_after_two_pages(event):
        if event.kind == "page":
            pages.append(event.fetched)
            if len(pages) == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        update_review(ws, "test-review", progress=ctrl_c_after_two_pages)
    (cut,) = runs(ws)
    assert cut.status == "interrupted" and "Ctrl-C" in cut.error
    assert len(record_ids(ws)) == cut.new_records == cut.results_returned == 20  # two whole pages
    assert last_update(ws) is None
    result = update_review(ws, "test-review")
    assert result.resumed and result.run_id == cut.id and result.status == "ok"
    (done,) = runs(ws)
    assert_run_exact(ws, done, expected, new=len(expected), dupes=0)
    assert sorted(record_ids(ws)) == sorted(expected)
    assert json.loads(done.cursor_json)["passes"] == 2
    assert status_json(ws_path, "test-review")["reviews"][0]["search_runs"] == 1


@pytest.mark.usefixtures("sqlite_only")
def test_an_unreachable_openalex_starts_no_further_review(tmp_path, monkeypatch):
    """Without a network every review would spend its retries on the same failed connection (22 NPHLN
    reviews took 12 minutes to fail): the reviews after the first are not started, and say why."""
    with running_server(corpus(), as_of=EARLY) as srv:
        url = srv.url
    fast_client_env(monkeypatch, url, retries=2)  # nothing listens on that port now
    ws_path = new_workspace(tmp_path, review_ids=("a-review", "b-review", "c-review"))
    result = run(["update"], ws_path)
    assert result.exit_code == 1
    assert "a-review: interrupted: OpenAlex at" in result.output and "connection failed" in result.output
    for rid in ("b-review", "c-review"):
        assert f"{rid}: waiting: not started: OpenAlex could not be reached during a-review" in result.output
        assert runs(open_ws(ws_path), rid) == []
    last = result.stderr.strip().splitlines()[-1]  # the waiting reviews share one reason, said once
    assert last.startswith("Error: 3 of 3 review(s) not updated: a-review (interrupted: ")
    assert last.count("could not be reached") == 1 and "2 waiting (b-review, c-review: not started" in last


@pytest.mark.usefixtures("sqlite_only")
def test_network_loss_leaves_the_run_interrupted_and_the_next_update_completes_it(tmp_path, monkeypatch):
    with running_server(corpus(), as_of=EARLY) as srv:
        url = srv.url
        expected = server_ids(url)
    fast_client_env(monkeypatch, url, retries=2)  # the server is gone: nothing listens on that port now
    ws_path = new_workspace(tmp_path)
    result = run(["update"], ws_path)
    assert result.exit_code == 1
    assert "failed after 2 attempt(s): connection failed" in result.stderr
    lines = [ln for ln in result.stderr.strip().splitlines() if "warning: no OpenAlex API key" not in ln]
    assert len(lines) <= 2  # a log line and the one-line error, no traceback (besides the no-key warning)
    ws = open_ws(ws_path)
    (cut,) = runs(ws)
    assert cut.status == "interrupted" and record_ids(ws) == []
    with running_server(corpus(), as_of=EARLY) as srv:
        monkeypatch.setenv("LSR_OPENALEX_URL", srv.url)
        ws = open_ws(ws_path)
        result = update_review(ws, "test-review")
    assert result.resumed and result.run_id == cut.id
    assert_run_exact(ws, runs(ws)[0], expected, new=len(expected), dupes=0)


def test_a_second_update_of_the_same_review_does_not_run_while_one_holds_the_lock(ws_path, server):
    ws = open_ws(ws_path)
    with review_lock(ws, "test-review"):
        result = update_review(ws, "test-review")
        cli = run(["update", "test-review"], ws_path)
    assert result.status == "busy" and "another update is running" in result.error
    assert cli.exit_code == 1 and "another update is running" in cli.stderr
    assert runs(ws) == [] and record_ids(ws) == []
    assert update_review(ws, "test-review").status == "ok"  # released


def test_the_database_going_away_mid_update_is_one_line_naming_the_review(ws_path, server, db_backend,
                                                                          monkeypatch, request, caplog):
    """PostgreSQL stops accepting connections to the database between two pages (as during a server
    shutdown): no traceback, exit 1, the error names the review; the next update completes the run."""
    if db_backend != "postgresql":
        pytest.skip("a server going away is a PostgreSQL matter")
    import os

    import psycopg

    import lsr.search.update as update_mod

    admin = request.getfixturevalue("postgres_server")._admin_dsn()
    name = os.environ["LSR_DATABASE_URL"].rsplit("/", 1)[1]
    store, calls = update_mod._store_page, []

    def store_then_go_away(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        return store(*args, **kwargs)

    monkeypatch.setattr(update_mod, "_store_page", store_then_go_away)
    try:
        result = run(["update", "test-review"], ws_path)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        monkeypatch.setattr(update_mod, "_store_page", store)
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Traceback" not in result.stderr, result.stderr
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING and r.exc_info], caplog.text
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: 1 of 1 review(s) not updated: test-review (interrupted: cannot write to "
                           "database"), last
    from lsr.db import close_all

    close_all()
    ws = open_ws(ws_path)
    assert update_review(ws, "test-review").status == "ok"
    assert len(runs(ws)) == 1


def test_update_wait_says_once_what_it_waits_for_then_runs(ws_path, server):
    """``--wait`` while an import holds the review's lock: one ``lock-wait`` event naming the import (not a
    lock number), then the update runs once the lock is free."""
    import threading

    ws = open_ws(ws_path)
    events, out = [], {}
    told = threading.Event()

    def progress(event):
        events.append(event)
        if event.kind == "lock-wait":
            told.set()

    worker = threading.Thread(target=lambda: out.setdefault("r", update_review(open_ws(ws_path), "test-review",
                                                                              wait=True, progress=progress)))
    with review_lock(ws, "test-review", purpose="import"):
        worker.start()
        assert told.wait(30), "no lock-wait event"
        assert runs(ws) == []
    worker.join(120)
    waits = [e for e in events if e.kind == "lock-wait"]
    assert len(waits) == 1 and waits[0].message.startswith("an import is running (since "), waits
    assert out["r"].status == "ok"


@pytest.mark.usefixtures("sqlite_only")
def test_api_key_is_sent_once_in_a_header_and_never_stored(ws_path, server, monkeypatch):
    secret = "sk-test-0123456789abcdef"
    monkeypatch.setenv("LSR_OPENALEX_API_KEY", secret)
    monkeypatch.setenv("LSR_OPENALEX_EMAIL", "team@example.org")
    ws = open_ws(ws_path)
    assert update_review(ws, "test-review").status == "ok"
    assert server.requests
    for seen in server.requests:  # the key travels once, in the header: never in a URL
        assert seen.header("Authorization") == f"Bearer {secret}" and "api_key" not in seen.params
        assert secret not in seen.path
    assert seen.header("From") == "team@example.org" and seen.params["mailto"] == ["team@example.org"]
    from lsr.db import close_all

    close_all()
    for f in (ws_path / "reviews").glob("lsr.sqlite*"):
        assert secret.encode() not in f.read_bytes()
    (only,) = runs(open_ws(ws_path))
    assert "api_key" not in only.request_urls_json and "mailto=team" in only.request_urls_json


@pytest.mark.usefixtures("sqlite_only")
def test_update_reviews_due_only_skips_reviews_not_due(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url)
    ws = open_ws(new_workspace(tmp_path, ("a-review", "b-review")))
    update_review(ws, "a-review")
    results = {r.review_id: r for r in update_reviews(ws, due_only=True)}
    assert results["a-review"].status == "not-due" and results["a-review"].next_update is not None
    assert results["b-review"].status == "ok" and results["b-review"].new_records > 0
    assert len(runs(ws, "a-review")) == 1


@pytest.mark.usefixtures("sqlite_only")
def test_long_query_is_split_into_or_chunks_whose_union_is_stored(tmp_path, server, monkeypatch):
    fast_client_env(monkeypatch, server.url, per_page=100)
    filler = " OR ".join(f'"nonexistentterm{i} phrase"' for i in range(150))
    query = f"({filler} OR fear OR anxiety) AND context"
    ws = open_ws(new_workspace(tmp_path, query=query))
    result = update_review(ws, "test-review")
    assert result.status == "ok" and result.chunks > 1
    assert sorted(record_ids(ws)) == sorted(server_ids(server.url))  # same works as the short query
    (only,) = runs(ws)
    state = json.loads(only.cursor_json)
    assert len(state["chunks"]) == result.chunks == len(json.loads(only.request_urls_json))
    assert all(len(u) < 4096 for u in json.loads(only.request_urls_json))
    assert only.query == query and only.results_returned == len(server_ids(server.url))


def test_an_unknown_review_is_the_one_line_said(tmp_path, monkeypatch):
    monkeypatch.delenv("LSR_OPENALEX_API_KEY", raising=False)
    result = run(["update", "no-such-review"], new_workspace(tmp_path))
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: unknown review 'no-such-review'")  # no API-key warning first
