"""The DB-backed ranking: trains on settled decisions, ranks unscreened records, logs a ModelRun."""

from __future__ import annotations

from sqlmodel import select

from lsr.decisions import add_decision
from lsr.ingest import Candidate, Ingest
from lsr.models import ModelRun, Record, SearchRun
from lsr.ranking.service import feature_cache_path, rerank_review
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace

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
        return [r.title for r in s.exec(select(Record).where(Record.rank.is_not(None)).order_by(Record.rank))]


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
