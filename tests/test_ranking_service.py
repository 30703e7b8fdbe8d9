"""The DB-backed ranking: trains on settled decisions, ranks unscreened records, logs a ModelRun."""

from __future__ import annotations

import json
import random

import pytest
from sqlmodel import select

from lsr.models import ModelRun, Record, RecordRank, RecordSource, SearchRun
from lsr.ranking import service
from lsr.ranking.features import FeatureStore, build_matrix, record_text
from lsr.ranking.service import feature_cache_path, rerank_review
from lsr.screening.decisions import add_decision
from lsr.search.dedupe import Candidate, Ingest
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

RELEVANT = "extended school day effects on achievement of children in deprived neighbourhoods"
OTHER = ["protein folding in yeast cells", "galaxy cluster dynamics", "corrosion of steel bridges",
         "machine translation of legal texts", "soil microbiome diversity", "jet engine noise"]


def build(tmp_path, n_other=30):
    ws = open_workspace(resolve(make_workspace(tmp_path / "ws")))
    with ws.db.write() as s:
        run = SearchRun(review_id="test-review", kind="import", source="test")
        s.add(run)
        s.flush()
        ing = Ingest(s, "test-review", run, "json")
        for i in range(n_other):
            ing.add(Candidate(title=f"{OTHER[i % len(OTHER)]} study {i}", abstract=OTHER[i % len(OTHER)] * 3,
                              year=2000 + i % 20), f"o{i}")
        for i in range(3):
            ing.add(Candidate(title=f"The {RELEVANT} trial {i}", abstract=RELEVANT * 3, year=2010 + i), f"r{i}")
    return ws


def ranked_titles(ws):
    with ws.db.read() as s:
        return list(s.exec(select(Record.title).join(RecordRank, RecordRank.record_id == Record.id)
                           .where(RecordRank.rank.is_not(None)).order_by(RecordRank.rank)))


def test_cold_start_uses_the_protocol_query(tmp_path):
    ws = build(tmp_path)
    run = rerank_review(ws, "test-review")
    assert run.model == "coldstart" and run.n_labels == 0
    assert "school day" in ranked_titles(ws)[0]


def test_trains_on_decisions_and_puts_the_planted_inclusion_first(tmp_path):
    ws = build(tmp_path)
    proto = ws.protocol("test-review")
    with ws.db.write() as s:
        recs = s.exec(select(Record).order_by(Record.id)).all()
        relevant = [r for r in recs if "school day" in r.title]
        add_decision(s, proto, relevant[0].id, "a", "include")
        add_decision(s, proto, recs[0].id, "a", "exclude", reason="1")
    run = rerank_review(ws, "test-review")
    assert run.model != "coldstart" and (run.n_labels, run.n_included) == (2, 1)
    titles = ranked_titles(ws)
    assert len(titles) == len(recs) - 2  # labelled records are not ranked
    assert {"school day" in t for t in titles[:2]} == {True}
    with ws.db.read() as s:
        assert s.exec(select(ModelRun)).all()[-1].n_ranked == len(titles)
    assert feature_cache_path(ws, "test-review").exists()


def test_screened_records_feed_the_default_rankers_history_and_citations_earn_weight(tmp_path):
    """Text says nothing here (every record draws from the same words); citations say everything
    (inclusions cite one shared work). Screening in ranked order, the history the service rebuilds from
    the database must grow by one per decision and give the citation model weight."""
    rng = random.Random(3)
    words = "school children neighbourhood outcome study effect policy data".split()
    ws = open_workspace(resolve(make_workspace(tmp_path / "ws")))
    truth = {}
    with ws.db.write() as s:
        run = SearchRun(review_id="test-review", kind="import", source="test")
        s.add(run)
        s.flush()
        ing = Ingest(s, "test-review", run, "json")
        for i in range(60):
            relevant = i % 6 == 0
            refs = ["W9000000"] if relevant else [f"W{8000000 + i}"]
            text = " ".join(rng.choice(words) for _ in range(30))
            ing.add(Candidate(title=f"record {i} " + text[:40], abstract=text, openalex_id=f"W{100 + i}",
                              referenced_works=refs), f"k{i}")
            truth[f"W{100 + i}"] = relevant
    proto = ws.protocol("test-review")
    with ws.db.write() as s:
        recs = s.exec(select(Record).order_by(Record.id)).all()
        add_decision(s, proto, next(r.id for r in recs if truth[r.openalex_id]), "a", "include")
        add_decision(s, proto, next(r.id for r in recs if not truth[r.openalex_id]), "a", "exclude", reason="1")
    for step in range(20):
        run = rerank_review(ws, "test-review")
        params = json.loads(run.params_json)
        assert params["history"] == step  # the two priors were never ranked: no history of their own
        with ws.db.write() as s:
            place = s.exec(select(RecordRank).where(RecordRank.rank == 0)).one()
            assert place.z_text is not None and place.z_citation is not None
            top = s.get(Record, place.record_id)
            add_decision(s, proto, top.id, "a", "include" if truth[top.openalex_id] else "exclude", reason="1")
    params = json.loads(rerank_review(ws, "test-review").params_json)
    assert params["history"] == 20
    with ws.db.read() as s:  # screened records keep the scores they were ranked with
        screened = s.exec(select(RecordRank).where(RecordRank.rank.is_(None))).all()
        assert len(screened) == 20 and all(r.z_text is not None for r in screened)
    assert params["weights"]["citation"] > 0


def test_the_cached_store_grown_page_by_page_equals_a_fresh_build(tmp_path, monkeypatch):
    """The service hashes new records a page of texts at a time and keeps the store across updates; the
    matrix it ranks with must be the one a fresh build over all texts gives."""
    monkeypatch.setattr(service, "_TEXT_PAGE", 4)
    ws = build(tmp_path, n_other=10)
    rerank_review(ws, "test-review")
    with ws.db.write() as s:  # an update brings more records after the store exists
        run = SearchRun(review_id="test-review", kind="update", source="test")
        s.add(run)
        s.flush()
        ing = Ingest(s, "test-review", run, "json")
        for i in range(7):
            ing.add(Candidate(title=f"later study {i} of {OTHER[i % len(OTHER)]}", abstract=f"new words {i}"), f"n{i}")
    rerank_review(ws, "test-review")
    with ws.db.read() as s:
        rows = s.exec(select(Record.id, Record.title, Record.abstract).order_by(Record.id)).all()
    store = FeatureStore.load(feature_cache_path(ws, "test-review"))
    assert store.ids == [str(r[0]) for r in rows]
    assert store.params() == FeatureStore().params()
    fresh = build_matrix([record_text(r[1], r[2]) for r in rows])
    assert (abs(store.matrix() - fresh) > 1e-6).nnz == 0


def test_a_record_id_freed_by_a_merge_and_taken_again_gets_its_own_features(tmp_path):
    """OpenAlex merges delete a twin record; SQLite may give its id to the next new record. The cached
    features of the deleted record must not be used for the new one."""
    from sqlmodel import delete

    ws = build(tmp_path, n_other=10)
    rerank_review(ws, "test-review")
    with ws.db.write() as s:
        newest = s.exec(select(Record).order_by(Record.id.desc())).first()
        s.exec(delete(RecordRank).where(RecordRank.record_id == newest.id))
        for src in s.exec(select(RecordSource).where(RecordSource.record_id == newest.id)).all():
            s.delete(src)
        s.flush()
        s.delete(newest)
    rerank_review(ws, "test-review")  # ranked without it
    with ws.db.write() as s:
        run = SearchRun(review_id="test-review", kind="update", source="test")
        s.add(run)
        s.flush()
        Ingest(s, "test-review", run, "json").add(Candidate(title="quasar spectra", abstract="redshift survey"), "q")
    rerank_review(ws, "test-review")
    with ws.db.read() as s:
        rows = s.exec(select(Record.id, Record.title, Record.abstract).order_by(Record.id)).all()
    if rows[-1][0] != newest.id:
        pytest.skip("this database did not reuse the freed id")  # PostgreSQL's sequences never do
    store = FeatureStore.load(feature_cache_path(ws, "test-review"))
    assert store.ids == [str(r[0]) for r in rows]
    fresh = build_matrix([record_text(r[1], r[2]) for r in rows])
    assert (abs(store.matrix() - fresh) > 1e-6).nnz == 0


def queue(ws, reviewer="anna"):
    from lsr.db import session_query
    from lsr.screening.queue import screening_order

    with ws.db.read() as s:
        return screening_order(session_query(s), "test-review", reviewer, "title-abstract", 1)


def rank_rows(ws):
    with ws.db.read() as s:
        return {r.record_id: (r.rank, r.model_run_id, r.z_text) for r in s.exec(select(RecordRank))}


def decide_first_two(ws):
    proto = ws.protocol("test-review")
    with ws.db.write() as s:
        recs = s.exec(select(Record).order_by(Record.id)).all()
        add_decision(s, proto, recs[-1].id, "anna", "include")  # a planted relevant record
        add_decision(s, proto, recs[0].id, "anna", "exclude", reason="1")


def test_the_live_ranking_writes_its_head_now_and_the_rest_later_with_the_same_result(tmp_path):
    """``rerank_live`` stores the best ranks at once; until the rest is written the queue is the new head and
    then the earlier order; once it is written, the stored ranking is exactly ``rerank_review``'s."""
    ws = build(tmp_path, n_other=40)
    rerank_review(ws, "test-review")  # a full (cold-start) ranking: every record has a place
    before = queue(ws)
    decide_first_two(ws)
    live = service.rerank_live(ws, "test-review", first=5)
    assert len(live.head) == 5 and live.rest.remaining == 41 - 5
    rows = rank_rows(ws)
    newest = {rid for rid, (rank, run, _) in rows.items() if run == live.run_id and rank is not None}
    assert newest == set(live.head)
    assert [rows[rid][0] for rid in live.head] == [0, 1, 2, 3, 4]
    head_set = set(live.head)
    assert queue(ws) == live.head + [rid for rid in before if rid not in head_set and rid in set(queue(ws))]

    assert live.rest.write_next(ws, size=10) is True
    assert live.rest.remaining == 26
    live.rest.write_all(ws)
    assert live.rest.remaining == 0 and live.rest.write_next(ws) is False
    stored = rank_rows(ws)
    assert {run for rank, run, _ in stored.values() if rank is not None} == {live.run_id}

    ws2 = build(tmp_path / "again", n_other=40)  # the same review ranked in one go
    rerank_review(ws2, "test-review")
    decide_first_two(ws2)
    full = rerank_review(ws2, "test-review")
    assert queue(ws2) == queue(ws)
    again = rank_rows(ws2)
    assert sorted((r, z) for r, _, z in again.values() if r is not None) == \
        sorted((r, z) for r, _, z in stored.values() if r is not None)
    assert full.n_ranked == 41


def test_a_late_part_of_an_older_ranking_never_overwrites_a_newer_one(tmp_path):
    ws = build(tmp_path, n_other=20)
    rerank_review(ws, "test-review")
    decide_first_two(ws)
    older = service.rerank_live(ws, "test-review", first=2)
    newer = service.rerank_live(ws, "test-review", first=23)  # the whole ranking
    assert newer.rest is None and newer.run_id > older.run_id
    placed = rank_rows(ws)
    older.rest.write_all(ws)  # arrives late: must change nothing
    assert rank_rows(ws) == placed
