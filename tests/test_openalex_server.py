"""The local OpenAlex-compatible server, over real HTTP: filters, search, paging, 400s, as-of, faults, logs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import requests

from lsr.errors import LsrError
from lsr.search.openalex.search_syntax import SearchQuery
from lsr.search.openalex.server import OpenAlexServer, running_server
from lsr.search.synergy import resolve_dataset
from tests.helpers import SYNERGY

TOPICS = [
    "extended school day",
    "after-school programmes",
    "hospital care",
    "school meals",
    "rat maze learning",
]


def make_work(n: int, title: str, abstract: str = "", **fields) -> dict:
    """A minimal OpenAlex work with id ``W{n}``."""
    index: dict[str, list[int]] = {}
    for pos, word in enumerate(abstract.split()):
        index.setdefault(word, []).append(pos)
    work = {
        "id": f"https://openalex.org/W{n}",
        "doi": f"https://doi.org/10.1000/test.{n}",
        "title": title,
        "display_name": title,
        "publication_year": 2000 + n % 20,
        "publication_date": f"{2000 + n % 20}-{1 + n % 12:02d}-15",
        "type": "article",
        "language": "en",
        "is_retracted": False,
        "cited_by_count": n % 7,
        "abstract_inverted_index": index or None,
    }
    work.update(fields)
    return work


def corpus(n: int = 57) -> list[dict]:
    """``n`` works over a few topics, with varied types, languages and dates."""
    works = []
    for i in range(1, n + 1):
        topic = TOPICS[i % len(TOPICS)]
        works.append(
            make_work(
                i,
                f"Study {i} of {topic}",
                f"We examined {topic} in {'deprived' if i % 2 else 'affluent'} neighbourhoods.",
                type=["article", "review", "journal-article"][i % 3],
                language="nl" if i % 10 == 0 else "en",
                is_retracted=i % 13 == 0,
            )
        )
    return works


WORKS = corpus()


def ids_of(body: dict) -> list[str]:
    return [w["id"].rsplit("/", 1)[-1] for w in body["results"]]


def expected(pred) -> set[str]:
    return {w["id"].rsplit("/", 1)[-1] for w in WORKS if pred(w)}


def get(srv: OpenAlexServer, path: str = "/works", **params) -> requests.Response:
    return requests.get(srv.url + path, params=params, timeout=10)


def all_ids(srv: OpenAlexServer, *, per_page: int = 10, **params) -> list[str]:
    """Every id of a query by cursor paging, in order, with duplicates kept."""
    out, cursor = [], "*"
    while cursor:
        body = get(srv, **params, cursor=cursor, **{"per-page": per_page}).json()
        out += ids_of(body)
        cursor = body["meta"]["next_cursor"]
        assert len(out) <= len(WORKS) + per_page, "paging does not end"
    return out


@pytest.fixture(scope="module")
def srv():
    with running_server(WORKS) as server:
        yield server


# ------------------------------------------------------------------------------------------ search


def test_title_and_abstract_search_boolean(srv):
    q = '("extended school day" OR after-school) AND deprived NOT hospital'
    body = get(srv, filter=f"title_and_abstract.search:{q}", **{"per-page": 100}).json()
    topics = ("extended school day", "after-school")
    want = expected(
        lambda w: any(t in w["title"] for t in topics) and "deprived" in str(w["abstract_inverted_index"])
    )
    assert set(ids_of(body)) == want and body["meta"]["count"] == len(want) > 0


def test_search_param_and_default_search_filter_agree_and_stem(srv):
    a = get(srv, search="schools", **{"per-page": 100}).json()
    b = get(srv, filter="default.search:school", **{"per-page": 100}).json()
    want = expected(lambda w: "school" in w["title"])
    assert set(ids_of(a)) == set(ids_of(b)) == want


def test_search_syntax_error_is_400_with_message(srv):
    r = get(srv, filter='title_and_abstract.search:("school day" OR meals')
    assert r.status_code == 400
    assert r.json() == {
        "error": "Invalid query parameters error.",
        "message": "title_and_abstract.search: invalid search query: unbalanced parentheses: "
        "'(' at position 0 is never closed",
    }


# ------------------------------------------------------------------------------------------ filters


@pytest.mark.parametrize(
    ("filter_", "pred"),
    [
        ("type:review", lambda w: w["type"] == "review"),
        ("type:article", lambda w: w["type"] in ("article", "journal-article")),  # legacy type mapped
        ("type:article|review", lambda w: True),
        ("type:!review", lambda w: w["type"] != "review"),
        ("language:nl", lambda w: w["language"] == "nl"),
        ("is_retracted:true", lambda w: w["is_retracted"]),
        ("is_retracted:false,language:en", lambda w: not w["is_retracted"] and w["language"] == "en"),
        ("publication_year:2005", lambda w: w["publication_year"] == 2005),
        ("publication_year:2003-2006", lambda w: 2003 <= w["publication_year"] <= 2006),
        ("publication_year:>2015", lambda w: w["publication_year"] > 2015),
        ("publication_year:<2002", lambda w: w["publication_year"] < 2002),
        ("from_publication_date:2010-06-01", lambda w: w["publication_date"] >= "2010-06-01"),
        ("to_publication_date:2004-03-15", lambda w: w["publication_date"] <= "2004-03-15"),
        (
            "from_publication_date:2004-01-01,to_publication_date:2008-12-31,type:review",
            lambda w: "2004" <= w["publication_date"][:4] <= "2008" and w["type"] == "review",
        ),
        ("openalex_id:W3|https://openalex.org/W7|w11", lambda w: w["id"].endswith(("/W3", "/W7", "/W11"))),
        ("ids.openalex:W5", lambda w: w["id"].endswith("/W5")),
        ("doi:10.1000/TEST.12|https://doi.org/10.1000/test.4", lambda w: w["doi"].endswith((".12", ".4"))),
    ],
)
def test_filters(srv, filter_, pred):
    body = get(srv, filter=filter_, **{"per-page": 100}).json()
    want = expected(pred)
    assert set(ids_of(body)) == want and body["meta"]["count"] == len(want)
    assert 0 < len(want) < len(WORKS) or filter_ == "type:article|review"


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"filter": "colour:red"}, "colour is not a valid field"),
        ({"filter": "type"}, "key:value"),
        ({"filter": "title_and_abstract.search:school, day"}, "key:value"),  # a comma splits the filter
        ({"filter": "publication_year:recent"}, "must be a number"),
        ({"filter": "from_publication_date:2020-13-01"}, "yyyy-mm-dd"),
        ({"filter": "is_retracted:maybe"}, "boolean"),
        ({"per-page": "0"}, "between 1 and 100"),
        ({"per-page": "101"}, "between 1 and 100"),
        ({"per_page": "many"}, "must be a number"),
        ({"page": "101", "per-page": "100"}, "10,000"),
        ({"sort": "colour:desc"}, "not a valid sort field"),
        ({"select": "id,colour"}, "colour is not a valid select field"),
        ({"group_by": "type"}, "group_by is not a valid parameter"),
        ({"cursor": "garbage"}, "Invalid cursor"),
    ],
)
def test_bad_requests_are_openalex_like_400s(srv, params, fragment):
    r = get(srv, **params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["error"] == "Invalid query parameters error."
    assert fragment in body["message"]


def test_url_longer_than_4096_bytes_is_400(srv):
    long_query = " OR ".join(f"word{i}" for i in range(700))
    assert len(long_query) > 4096
    r = get(srv, filter=f"title_and_abstract.search:{long_query}")
    assert r.status_code == 400 and "too long" in r.json()["message"]
    assert get(srv, filter="title_and_abstract.search:" + " OR ".join(f"w{i}" for i in range(300))).ok


def test_mailto_and_api_key_are_accepted(srv):
    assert get(srv, mailto="a@b.org", api_key="secret").status_code == 200


def test_select_returns_only_those_fields(srv):
    body = get(srv, select="id,title", filter="openalex_id:W2").json()
    assert body["results"] == [{"id": "https://openalex.org/W2", "title": WORKS[1]["title"]}]


# ------------------------------------------------------------------------------------------- paging


def test_response_shape_and_default_page_size(srv):
    body = get(srv).json()
    assert set(body) == {"meta", "results", "group_by"}
    assert set(body["meta"]) >= {
        "count",
        "db_response_time_ms",
        "page",
        "per_page",
        "next_cursor",
        "groups_count",
    }
    assert (
        body["meta"]["count"] == len(WORKS) and body["meta"]["per_page"] == 25 and len(body["results"]) == 25
    )


@pytest.mark.parametrize("per_page", [1, 10, 56, 57, 100])
def test_cursor_paging_returns_every_work_exactly_once(srv, per_page):
    got = all_ids(srv, per_page=per_page)
    assert len(got) == len(set(got)) == len(WORKS)


def test_cursor_paging_with_filter_and_sort(srv):
    params = {"filter": "type:article|review", "search": "school", "sort": "publication_date:desc"}
    got = all_ids(srv, per_page=3, **params)
    want = expected(lambda w: "school" in w["title"])
    assert len(got) == len(set(got)) and set(got) == want
    dates = [next(w["publication_date"] for w in WORKS if w["id"].endswith("/" + i)) for i in got]
    assert dates == sorted(dates, reverse=True)


def test_next_cursor_is_null_on_the_last_page_and_cursor_is_bound_to_its_query(srv):
    body = get(srv, cursor="*", **{"per-page": 50}).json()
    cursor = body["meta"]["next_cursor"]
    assert isinstance(cursor, str) and body["meta"]["page"] is None
    last = get(srv, cursor=cursor, **{"per-page": 50}).json()
    assert len(last["results"]) == 7 and last["meta"]["next_cursor"] is None
    other = get(srv, cursor=cursor, filter="type:review")
    assert other.status_code == 400 and "different query" in other.json()["message"]


def test_page_paging_returns_every_work_exactly_once(srv):
    got, page = [], 1
    while True:
        body = get(srv, page=page, **{"per-page": 8}).json()
        assert body["meta"]["page"] == page and body["meta"]["next_cursor"] is None
        if not body["results"]:
            break
        got += ids_of(body)
        page += 1
    assert len(got) == len(set(got)) == len(WORKS) and page == 9


# ------------------------------------------------------------------------------------------- single


def test_single_work_by_id_url_and_doi(srv):
    assert get(srv, "/works/W3").json()["id"] == "https://openalex.org/W3"
    assert requests.get(srv.url + "/works/https://openalex.org/W3", timeout=5).json()["id"].endswith("/W3")
    assert get(srv, "/works/doi:10.1000/test.9").json()["id"].endswith("/W9")
    r = get(srv, "/works/W999999")
    assert r.status_code == 404 and "W999999" in r.json()["message"]


# ------------------------------------------------------------------------------------------- as-of


def test_as_of_hides_later_works_and_can_be_advanced():
    cut = "2009-12-31"
    early = {w["id"][21:] for w in WORKS if w["publication_date"] <= cut}
    with running_server(WORKS, as_of=cut) as srv:
        assert set(all_ids(srv)) == early
        assert get(srv, "/works/W19").status_code == 404  # 2019
        srv.as_of = "2014-12-31"
        mid = set(all_ids(srv))
        assert mid == {w["id"][21:] for w in WORKS if w["publication_date"] <= "2014-12-31"} and mid > early
        r = requests.post(srv.url + "/_admin/as-of", json={"as_of": None}, timeout=5)
        assert r.ok and r.json()["visible"] == len(WORKS) and srv.as_of is None
        assert len(all_ids(srv)) == len(WORKS)
        assert get(srv, "/works/W19").ok
        bad = requests.post(srv.url + "/_admin/as-of", json={"as_of": "soon"}, timeout=5)
        assert bad.status_code == 400



def test_admin_calls_retract_and_merge_a_work_as_openalex_would_show_it():
    """A team rehearses a retraction and a merge with curl against `lsr openalex-serve`."""
    with running_server([dict(w) for w in WORKS]) as srv:
        target = next(w["id"][21:] for w in WORKS if not w["is_retracted"])
        r = requests.post(srv.url + "/_admin/retract", json={"id": target}, timeout=5)
        assert r.status_code == 200 and r.json() == {"id": target, "is_retracted": True}
        assert get(srv, f"/works/{target}").json()["is_retracted"] is True
        assert target in all_ids(srv, filter="is_retracted:true")
        r = requests.post(srv.url + "/_admin/retract", json={"id": target, "retracted": False}, timeout=5)
        assert r.ok and get(srv, f"/works/{target}").json()["is_retracted"] is False

        r = requests.post(srv.url + "/_admin/merge", json={"old": target, "new": "W9999999999"}, timeout=5)
        assert r.status_code == 200 and r.json() == {"old": target, "new": "W9999999999"}
        moved = requests.get(f"{srv.url}/works/{target}", allow_redirects=False, timeout=5)
        assert moved.status_code == 301 and moved.headers["Location"].endswith("/works/W9999999999")
        ids = all_ids(srv)
        assert target not in ids and "W9999999999" in ids
        assert get(srv, "/works/W9999999999").json()["doi"] == next(w["doi"] for w in WORKS if w["id"][21:] == target)
        assert srv.requests == [] or all(not r.path.startswith("/_admin") for r in srv.requests)

        unknown = requests.post(srv.url + "/_admin/retract", json={"id": "W123456789"}, timeout=5)
        assert unknown.status_code == 404 and "W123456789" in unknown.json()["message"]
        again = requests.post(srv.url + "/_admin/merge", json={"old": target, "new": "W1"}, timeout=5)
        assert again.status_code == 404  # the old id is gone already
        into_gone = requests.post(srv.url + "/_admin/merge", json={"old": "W2", "new": target}, timeout=5)
        assert into_gone.status_code == 400 and f"{target} was merged into W9999999999" in into_gone.json()["message"]
        itself = requests.post(srv.url + "/_admin/merge", json={"old": "W2", "new": "W2"}, timeout=5)
        assert itself.status_code == 400 and "not merged into itself" in itself.json()["message"]
        missing = requests.post(srv.url + "/_admin/merge", json={"old": "W2"}, timeout=5)
        assert missing.status_code == 400 and '"new"' in missing.json()["message"]


def test_a_work_merged_into_another_existing_work_redirects_to_it_and_leaves_lists():
    """Audit F7: OpenAlex's usual merge folds a duplicate work (a preprint's second record) into another work
    that already exists; the bundled server refused it ("merge into a new id")."""
    with running_server([dict(w) for w in WORKS]) as srv:
        survivor_before = get(srv, "/works/W3").json()
        matching = all_ids(srv, search="school")
        assert "W2" in matching or "W3" in matching
        r = requests.post(srv.url + "/_admin/merge", json={"old": "W2", "new": "W3"}, timeout=5)
        assert r.status_code == 200 and r.json() == {"old": "W2", "new": "W3"}
        moved = requests.get(f"{srv.url}/works/W2", allow_redirects=False, timeout=5)
        assert moved.status_code == 301 and moved.headers["Location"].endswith("/works/W3")
        assert "Merged into W3" in moved.json()["message"]
        by_doi = requests.get(f"{srv.url}/works/doi:10.1000/test.2", allow_redirects=False, timeout=5)
        assert by_doi.status_code == 301 and by_doi.headers["Location"].endswith("/works/W3")
        assert get(srv, "/works/W2").json()["id"] == "https://openalex.org/W3"  # followed: the survivor's body
        assert get(srv, "/works/W3").json() == survivor_before  # the survivor keeps its own metadata
        ids = all_ids(srv)
        assert "W2" not in ids and ids.count("W3") == 1 and len(ids) == len(WORKS) - 1
        assert "W2" not in all_ids(srv, search="school") and get(srv, filter="doi:10.1000/test.2").json()["meta"][
            "count"] == 0

        # a chain: W3 merged on into W4 -- W2 now answers W4 at once, as OpenAlex redirects (one hop)
        assert requests.post(srv.url + "/_admin/merge", json={"old": "W3", "new": "W4"}, timeout=5).ok
        for old in ("W2", "W3"):
            hop = requests.get(f"{srv.url}/works/{old}", allow_redirects=False, timeout=5)
            assert hop.status_code == 301 and hop.headers["Location"].endswith("/works/W4")
        assert len(all_ids(srv)) == len(WORKS) - 2


def test_as_of_falls_back_to_publication_year():
    works = [make_work(1, "a", publication_date=None, publication_year=2001), make_work(2, "b")]
    works[1].update(publication_date=None, publication_year=2003)
    with running_server(works, as_of="2002-06-01") as srv:
        assert [w["id"] for w in get(srv).json()["results"]] == ["https://openalex.org/W1"]
        srv.as_of = "2003-01-01"  # a work dated on the as-of day itself is visible
        assert get(srv).json()["meta"]["count"] == 2
        srv.as_of = "2000-12-31"
        assert get(srv).json()["meta"]["count"] == 0


# ------------------------------------------------------------------------------------------- faults


def test_fault_rotation_is_deterministic():
    with running_server(WORKS, fault_every=2, fault_kinds=("429", "503")) as srv:
        statuses = [get(srv).status_code for _ in range(8)]
    assert statuses == [200, 429, 200, 503, 200, 429, 200, 503]


def test_fault_429_has_retry_after():
    with running_server(WORKS, fault_every=1, fault_kinds=["429"], retry_after=3) as srv:
        r = get(srv)
    assert r.status_code == 429 and r.headers["Retry-After"] == "3"


def test_fault_503():
    with running_server(WORKS, fault_every=1, fault_kinds=["503"]) as srv:
        assert get(srv).status_code == 503


def test_fault_truncate_gives_a_200_with_broken_json():
    with running_server(WORKS, fault_every=1, fault_kinds=["truncate"]) as srv:
        r = get(srv)
    assert r.status_code == 200
    with pytest.raises(requests.exceptions.JSONDecodeError):
        r.json()


def test_fault_slow_delays_the_answer():
    with running_server(WORKS, fault_every=1, fault_kinds=["slow"], slow_seconds=0.6) as srv:
        assert get(srv).ok  # answered in the end
        with pytest.raises(requests.exceptions.Timeout):  # but not within a third of the delay
            requests.get(srv.url + "/works", timeout=0.2)


def test_fault_reset_closes_the_connection_without_answer():
    with running_server(WORKS, fault_every=2, fault_kinds=["reset"]) as srv:
        with requests.Session() as session:
            assert session.get(srv.url + "/works", timeout=5).ok
            with pytest.raises(requests.exceptions.ConnectionError):
                session.get(srv.url + "/works", timeout=5)
            assert session.get(srv.url + "/works", timeout=5).ok
        assert [(r.status, r.fault) for r in srv.requests] == [(200, None), (None, "reset"), (200, None)]


def test_faults_can_be_changed_at_run_time():
    with running_server(WORKS) as srv:
        assert get(srv).ok
        r = requests.post(srv.url + "/_admin/faults", json={"every": 1, "kinds": ["503"]}, timeout=5)
        assert r.ok and get(srv).status_code == 503
        srv.set_faults(0)
        assert get(srv).ok
        bad = requests.post(srv.url + "/_admin/faults", json={"every": 1, "kinds": ["500"]}, timeout=5)
        assert bad.status_code == 400 and "unknown fault kind" in bad.json()["message"]


# ------------------------------------------------------------------------------------------- logging


def test_request_log_records_headers_and_params(tmp_path):
    log = tmp_path / "requests.jsonl"
    with running_server(WORKS, log_path=log) as srv:
        headers = {"From": "team@example.org", "Authorization": "Bearer sekrit", "User-Agent": "lsr-test"}
        requests.get(
            srv.url + "/works", params={"search": "school", "mailto": "x@y.z"}, headers=headers, timeout=5
        )
        requests.get(srv.url + "/_admin/state", timeout=5)  # admin calls are not logged
        (entry,) = srv.requests
        assert entry.header("from") == "team@example.org"
        assert entry.header("Authorization") == "Bearer sekrit"
        assert entry.params["search"] == ["school"] and entry.status == 200 and entry.results == 25
        remote = requests.get(srv.url + "/_admin/requests", timeout=5).json()
        assert remote[0]["headers"]["Authorization"] == "Bearer ***"
        srv.clear_requests()
        assert srv.requests == []
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(lines) == 1 and lines[0]["headers"]["From"] == "team@example.org"
    assert "sekrit" not in log.read_text()


# --------------------------------------------------------------------------------------- pyalex URLs


def test_urls_built_by_pyalex_are_understood(srv):
    from pyalex import Works

    query = (
        Works().search_filter(title_and_abstract='"school meals" OR hospital').filter(type="article|review")
    )
    parts = urlsplit(query.url)
    r = requests.get(f"{srv.url}{parts.path}?{parts.query}&per-page=100", timeout=5)
    want = expected(lambda w: "school meals" in w["title"] or "hospital" in w["title"])
    assert r.ok and set(ids_of(r.json())) == want


# ------------------------------------------------------------------------------------------- synergy


def test_serves_a_synergy_dataset_and_matches_local_evaluation():
    works = list(resolve_dataset(SYNERGY / "Sep_2021").works())
    query = "(memory OR learning) AND NOT (rat OR rats)"
    want = {w["id"].rsplit("/", 1)[-1] for w in works if SearchQuery(query).matches(w)}
    with running_server(works) as srv:
        got = []
        cursor = "*"
        while cursor:
            params = {"filter": f"title_and_abstract.search:{query}", "per-page": 25, "cursor": cursor}
            body = requests.get(srv.url + "/works", params=params, timeout=30).json()
            got += ids_of(body)
            cursor = body["meta"]["next_cursor"]
        assert len(got) == len(set(got)) and set(got) == want and 0 < len(want) < len(works)
        assert get(srv).json()["meta"]["count"] == len({w["id"] for w in works})


# ------------------------------------------------------------------------------------------- lifecycle


def test_non_loopback_host_is_refused():
    with pytest.raises(LsrError, match="loopback"):
        OpenAlexServer(WORKS, host="0.0.0.0")


def test_stop_releases_the_port():
    with running_server(WORKS) as srv:
        url = srv.url
        assert requests.get(url + "/works", timeout=5).ok
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/works", timeout=2)


def test_cli_serves_until_terminated(tmp_path):
    data = tmp_path / "works.jsonl"
    data.write_text("\n".join(json.dumps(w) for w in WORKS[:5]) + "\n")
    code = "import sys; from lsr.cli import main; sys.exit(main())"
    args = ["openalex-serve", "--data", str(data), "--port", "0", "--quiet"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("export LSR_OPENALEX_URL=http://127.0.0.1:"), line
        url = line.split("=", 1)[1]
        body = requests.get(url + "/works", params={"search": "school"}, timeout=10).json()
        assert body["meta"]["count"] == sum("school" in w["title"] for w in WORKS[:5])
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Serving 5 works" in err and "stopped" in err
