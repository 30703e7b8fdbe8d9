"""The OpenAlex client over real HTTP: redirect, credentials, retries, errors, paging and query splitting."""

from __future__ import annotations

import pyalex
import pytest
import requests

from lsr.errors import LsrError
from lsr.search.openalex import search_syntax
from lsr.search.openalex.client import (
    OpenAlexClient,
    OpenAlexQueryError,
    OpenAlexUnavailable,
    RetryPolicy,
    Transport,
    redact,
    strip_api_key,
)
from lsr.search.openalex.search_syntax import SearchQuery, split_query
from lsr.search.openalex.server import running_server
from tests.test_update_support import QUERY, corpus, server_ids

QUICK = RetryPolicy(attempts=4, backoff=0.01, max_wait=0.05, read_timeout=10)
SECRET = "sk-secret-key-42"


def ids_of(works) -> list[str]:
    return [w["id"].rsplit("/", 1)[-1] for w in works]


def local_matches(query: str) -> set[str]:
    """Works matching a query, evaluated in-process (no URL length limit)."""
    sq, docs = SearchQuery(query), corpus()
    return {wid for wid in docs.by_id if sq.matches_text(docs.text(wid, True))}


@pytest.fixture
def server():
    with running_server(corpus()) as srv:
        yield srv


def client(url: str, **kw) -> OpenAlexClient:
    kw.setdefault("retry", QUICK)
    kw.setdefault("per_page", 10)
    return OpenAlexClient(url, **kw)


def test_every_request_goes_to_the_configured_url_with_credentials(server):
    c = client(server.url, email="team@example.org", api_key=SECRET)
    found = ids_of(c.iter_works(QUERY, {"type": "article"}))
    assert sorted(found) == sorted(server_ids(server.url)) and len(found) == len(set(found))
    pages = [r for r in server.requests if r.params.get("per-page") == ["10"]]
    assert len(pages) == -(-len(found) // 10)  # ceil: cursor paging, one request per page
    for r in pages:
        assert r.header("Authorization") == f"Bearer {SECRET}" and "api_key" not in r.params  # once, as a header
        assert r.params["sort"] == ["openalex_id:asc"]  # a stable order: a stored cursor resumes exactly
        assert r.header("From") == "team@example.org" and r.header("User-Agent").startswith("lsr/")
        assert r.params["per-page"] == ["10"] and "title_and_abstract.search:" + QUERY in r.params["filter"][0]
    assert pyalex.config.api_key is None and pyalex.config.email is None  # pyalex's global config untouched


def test_page_size_defaults_to_100_and_comes_from_the_environment(server, monkeypatch):
    OpenAlexClient(server.url, retry=QUICK).fetch_page(QUERY)
    assert server.requests[-1].params["per-page"] == ["100"]
    monkeypatch.setenv("LSR_OPENALEX_PER_PAGE", "7")
    page = OpenAlexClient(server.url, retry=QUICK).fetch_page(QUERY)
    assert len(page.works) == 7 and page.next_cursor and page.count == len(local_matches(QUERY))
    with pytest.raises(LsrError, match="between 1 and 100"):
        OpenAlexClient(server.url, per_page=0)
    with pytest.raises(LsrError, match="between 1 and 100"):  # the documented maximum
        OpenAlexClient(server.url, per_page=101)


def test_rebase_redirects_pyalex_urls_including_a_path_prefix():
    t = Transport("http://proxy.example:8080/openalex/")
    assert t.rebase("https://api.openalex.org/works?filter=a:b") == "http://proxy.example:8080/openalex/works?filter=a:b"
    assert t.rebase("http://proxy.example:8080/openalex/works/W1") == "http://proxy.example:8080/openalex/works/W1"
    with pytest.raises(LsrError, match="outside the OpenAlex endpoint"):
        t.rebase("https://elsewhere.example/works")
    with pytest.raises(LsrError, match="not an http"):
        Transport("ftp://x")


@pytest.mark.parametrize("kind", ["429", "503", "truncate", "slow", "reset"])
def test_each_fault_kind_is_retried_and_the_result_is_complete(kind):
    with running_server(corpus(), fault_every=3, fault_kinds=[kind], slow_seconds=0.05) as srv:
        c = client(srv.url)
        found = ids_of(c.iter_works(QUERY))
        faults = [r.fault for r in srv.requests if r.fault]
    assert sorted(found) == sorted(local_matches(QUERY))
    assert faults and set(faults) == {kind}
    if kind != "slow":
        assert c.transport.retries == len(faults)


def test_retry_after_is_honoured_up_to_max_wait():
    waits: list[float] = []  # the client's sleeps, recorded instead of slept
    with running_server(corpus(), fault_every=2, fault_kinds=["429"], retry_after=1) as srv:
        patient = client(srv.url, per_page=50, retry=RetryPolicy(attempts=3, backoff=0.01, max_wait=5),
                         sleep=waits.append)
        assert len(list(patient.iter_works(QUERY))) == len(local_matches(QUERY))  # 2 pages; the 2nd gets 429
        assert waits == [1.0]  # what the server asked for
        srv.set_faults(2, ["429"])
        srv.retry_after = 60
        waits.clear()
        capped = client(srv.url, per_page=50, retry=RetryPolicy(attempts=3, backoff=0.01, max_wait=0.05),
                        sleep=waits.append)
        assert len(list(capped.iter_works(QUERY))) == len(local_matches(QUERY))
        assert waits == [0.05]  # max_wait, not the minute the server asked for


def test_a_read_timeout_is_retried():
    with running_server(corpus(), fault_every=2, fault_kinds=["slow"], slow_seconds=0.8) as srv:
        c = client(srv.url, retry=RetryPolicy(attempts=3, backoff=0.01, max_wait=0.05, read_timeout=0.2))
        found = ids_of(c.iter_works(QUERY))
    assert sorted(found) == sorted(local_matches(QUERY)) and c.transport.retries >= 1


@pytest.mark.parametrize("kind, words", [("503", "HTTP 503: Temporarily unavailable"),
                                         ("reset", "connection failed"),
                                         ("truncate", "truncated or invalid JSON")])
def test_spent_retries_give_one_clear_line_without_the_key(kind, words):
    with running_server(corpus(), fault_every=1, fault_kinds=[kind]) as srv:
        c = client(srv.url, api_key=SECRET, retry=RetryPolicy(attempts=3, backoff=0.01, max_wait=0.02))
        with pytest.raises(OpenAlexUnavailable) as info:
            c.fetch_page(QUERY)
        assert len(srv.requests) == 3
    message = str(info.value)
    assert f"OpenAlex at {srv.url} failed after 3 attempt(s): " in message and words in message
    assert "\n" not in message and SECRET not in message and info.value.transient


def test_a_bad_request_fails_at_once_with_the_servers_message(server):
    c = client(server.url, api_key=SECRET)
    with pytest.raises(OpenAlexQueryError) as info:
        c.fetch_page(QUERY, {"publication_year": "twenty"})
    assert str(info.value) == ("OpenAlex rejected the search (HTTP 400): Value for param publication_year must "
                               "be a number, not 'twenty'.")
    assert len(server.requests) == 1 and not info.value.transient  # not retried


def test_unreachable_server_is_a_clear_error():
    with running_server(corpus()) as srv:
        url = srv.url
    c = client(url, retry=RetryPolicy(attempts=2, backoff=0.01, max_wait=0.01, connect_timeout=2))
    with pytest.raises(OpenAlexUnavailable, match=r"failed after 2 attempt\(s\): connection failed \("):
        c.fetch_page(QUERY)


def test_api_key_is_stripped_and_redacted():
    url = f"http://h/works?filter=a:b&api_key={SECRET}&mailto=x%40y&cursor=%2A"
    assert strip_api_key(url) == "http://h/works?filter=a:b&mailto=x%40y&cursor=%2A"
    assert SECRET not in redact(f"GET {url} failed", None) and "api_key=***" in redact(url)
    assert redact(f"token {SECRET} leaked", SECRET) == "token *** leaked"


# ------------------------------------------------------------------------------------------- splitting


def fits_under(n: int):
    return lambda q: len(q) <= n


def union_of(chunks: list[str]) -> set[str]:
    out: set[str] = set()
    for chunk in chunks:
        out |= local_matches(chunk)
    return out


def test_a_query_that_fits_is_not_split():
    assert split_query("  fear   OR anxiety ", fits_under(100)) == ["fear OR anxiety"]


def test_top_level_or_operands_are_packed_greedily_and_keep_the_union():
    query = "fear OR anxiety OR (context AND rats) OR \"conditioned stimulus\" OR extinction OR memory"
    chunks = split_query(query, fits_under(30))
    assert len(chunks) > 2 and all(len(c) <= 30 for c in chunks)
    assert union_of(chunks) == local_matches(query) and local_matches(query)


def test_without_top_level_or_the_conjunction_is_distributed_over_its_or_group():
    query = "(fear OR anxiety OR extinction OR memory OR conditioning) AND context NOT rats"
    chunks = split_query(query, fits_under(60))
    assert len(chunks) > 1 and all(c.endswith("AND context AND NOT rats") for c in chunks)
    assert union_of(chunks) == local_matches(query) and local_matches(query)
    nested = "((fear OR anxiety) OR (extinction OR memory)) AND (context OR environment)"
    chunks = split_query(nested, fits_under(45))
    assert union_of(chunks) == local_matches(nested)


def test_or_inside_quotes_is_not_an_operator_and_unsplittable_queries_say_why():
    with pytest.raises(search_syntax.QueryTooLong, match="no OR-group"):
        split_query('"fear OR anxiety in the context of a long phrase"', fits_under(20))
    with pytest.raises(search_syntax.QueryTooLong, match="no OR-group"):
        split_query("fear AND NOT (anxiety OR context OR memory OR extinction)", fits_under(30))


def test_a_query_too_long_for_one_url_is_split_and_the_union_fetched(server):
    filler = " OR ".join(f'"absentword{i} phrase"' for i in range(160))
    query = f"({filler} OR fear OR anxiety) AND context"
    whole = requests.get(f"{server.url}/works", params={"filter": f"title_and_abstract.search:{query}"}, timeout=10)
    assert whole.status_code == 400 and "too long" in whole.json()["message"]  # the server refuses it whole
    c = client(server.url, per_page=100)
    plan = c.plan(query)
    assert len(plan.chunks) > 1 and all(len(u) <= 4000 for u in plan.urls)
    found = ids_of(c.iter_works(query))
    assert sorted(found) == sorted(local_matches(QUERY)) == sorted(local_matches(query))


def test_plan_refuses_commas_and_empty_queries(server):
    c = client(server.url)
    with pytest.raises(LsrError, match="comma"):
        c.plan("fear, anxiety")
    with pytest.raises(LsrError, match="empty"):
        c.plan("   ")
