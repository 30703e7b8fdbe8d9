"""The screening service: queue order, blinded dual queues, decisions, undo, notes, progress, freshness."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import select

from lsr.errors import LsrError
from lsr.models import ModelRun, Record
from lsr.ranking.service import write_ranking
from lsr.screening.decisions import FT, TA
from lsr.screening.queue import needs_decision
from lsr.screening.service import ScreeningService
from tests.tui_helpers import REVIEW, build_workspace, bulk_workspace, decisions, open_ws, record_id_by_word

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


@pytest.fixture
def ws_path(tmp_path):
    return build_workspace(tmp_path / "ws", 6)


def service(path, reviewer="tester", stage=TA):
    return ScreeningService(open_ws(path, reviewer), REVIEW, reviewer, stage)


def test_queue_is_rank_order_with_unranked_last(ws_path):
    ws = open_ws(ws_path)
    with ws.db.write() as session:
        recs = {r.title.split()[0]: r.id for r in session.exec(select(Record)).all()}
        write_ranking(session, REVIEW, None, [recs[w] for w in ("Foxtrot", "Charlie", "Delta", "Echo")],
                      unranked=[recs["Alpha"], recs["Bravo"]])
    svc = service(ws_path)
    assert _titles(ws_path, svc.load_order()) == ["Foxtrot", "Charlie", "Delta", "Echo", "Alpha", "Bravo"]
    assert svc.next_record().title.startswith("Foxtrot")


def _titles(path, ids):
    ws = open_ws(path)
    with ws.db.read() as session:
        return [session.get(Record, i).title.split()[0] for i in ids]


def test_decide_commits_and_advances(ws_path):
    svc = service(ws_path)
    first = svc.next_record()
    assert svc.next_record().id == first.id  # idempotent until decided
    d = svc.decide(first.id, "include")
    assert d.id is not None and d.rank_position == 0 and d.reviewer == "tester"
    stored = decisions(ws_path)
    assert [(x.record_id, x.label, x.stage) for x in stored] == [(first.id, "include", TA)]
    assert svc.next_record().title.startswith("Bravo")
    assert svc.remaining == 5


def test_undo_appends_and_puts_record_back_first(ws_path):
    svc = service(ws_path)
    a = svc.next_record()
    svc.decide(a.id, "exclude", reason="2")
    b = svc.next_record()
    correction = svc.undo()
    assert correction.kind == "undo" and correction.label is None and correction.record_id == a.id
    assert svc.next_record().id == a.id
    assert [d.kind for d in decisions(ws_path)] == ["screen", "undo"]
    svc.decide(a.id, "maybe")
    assert svc.next_record().id == b.id
    assert svc.undo().record_id == a.id  # undoes the maybe
    assert svc.undo() is None  # the exclude was undone already: nothing older to undo


def test_undo_with_nothing_returns_none(ws_path):
    assert service(ws_path).undo() is None


def test_reason_number_and_full_text_reason_required(ws_path):
    svc = service(ws_path)
    rec = svc.next_record()
    assert svc.decide(rec.id, "exclude", reason="3").reason == "wrong design"
    with pytest.raises(LsrError):
        svc.decide(rec.id, "exclude", reason="17")
    inc = svc.next_record()
    svc.decide(inc.id, "include")
    ft = service(ws_path, stage=FT)
    assert ft.next_record().id == inc.id and ft.remaining == 1
    with pytest.raises(LsrError, match="needs a reason"):
        ft.decide(inc.id, "exclude")
    ft.decide(inc.id, "exclude", reason="wrong population")
    assert ft.next_record() is None


def test_note_is_stored_at_once_and_carried_to_the_decision(ws_path):
    svc = service(ws_path)
    rec = svc.next_record()
    note = svc.add_note(rec.id, "check the control group")
    assert note.kind == "note" and note.label is None
    assert svc.next_record().id == rec.id  # a note is not a decision
    svc.decide(rec.id, "include")
    last = decisions(ws_path)[-1]
    assert (last.label, last.note) == ("include", "check the control group")
    svc.add_note(rec.id, "second thought")
    assert decisions(ws_path)[-1].label == "include"  # a later note keeps the label
    with pytest.raises(LsrError):
        svc.add_note(rec.id, "   ")


def test_single_screening_shares_the_queue(ws_path):
    anna, ben = service(ws_path, "anna"), service(ws_path, "ben")
    first = anna.next_record()
    second = ben.next_record()
    assert second.id != first.id  # on anna's screen (claimed): ben is shown the next record
    anna.decide(first.id, "include")
    assert ben.next_record().id == second.id
    ben.decide(second.id, "exclude")
    assert first.id not in {anna.next_record().id, ben.next_record().id}  # decided: out of both queues


def test_dual_screening_is_blinded(tmp_path):
    path = build_workspace(tmp_path / "ws", 4, reviewers=2)
    anna, ben, cleo = service(path, "anna"), service(path, "ben"), service(path, "cleo")
    rec = anna.next_record()
    anna.decide(rec.id, "include")
    assert anna.next_record().id != rec.id
    assert ben.next_record().id == rec.id  # still needs ben's decision
    assert ben.my_label(rec.id) is None  # ben never sees anna's label
    ben.decide(rec.id, "exclude")
    assert cleo.next_record().id != rec.id  # two reviewers labelled it: a conflict, not cleo's queue
    assert rec.id not in service(path, "dora").load_order()


def test_needs_decision_rules():
    assert needs_decision([], "a", 1)
    assert not needs_decision([("b", "include", "screen")], "a", 1)
    assert needs_decision([("b", "include", "screen")], "a", 2)
    assert not needs_decision([("a", "include", "screen")], "a", 2)
    assert needs_decision([("a", None, "undo")], "a", 1)
    assert not needs_decision([("c", "exclude", "resolve")], "a", 2)


def test_progress_counts_and_series(ws_path):
    svc = service(ws_path)
    for label in ("exclude", "include", "exclude", "exclude"):
        svc.decide(svc.next_record().id, label)
    p = svc.progress()
    assert (p.total, p.screened, p.included, p.excluded, p.mine, p.remaining) == (6, 4, 1, 3, 4, 2)
    assert p.series == (0, 1, 1, 1) and p.since_last_inclusion == 2


def test_freshness(ws_path):
    svc = service(ws_path)
    assert not svc.freshness().trained
    ws = open_ws(ws_path)
    with ws.db.write() as session:
        session.add(ModelRun(review_id=REVIEW, model="elas_u4", n_labels=7))
    fresh = svc.freshness()
    assert fresh.fresh and fresh.n_labels == 7 and fresh.model == "elas_u4"
    svc.decide(svc.next_record().id, "include")
    assert svc.freshness().decisions_since == 1 and not svc.freshness().fresh


def test_find_by_identifier_and_title(ws_path):
    svc = service(ws_path)
    delta = record_id_by_word(ws_path, "Delta")
    assert [r.id for r in svc.find(str(delta))] == [delta]
    assert [r.id for r in svc.find("W1003")] == [delta]
    assert [r.id for r in svc.find("https://doi.org/10.1234/TEST.3")] == [delta]
    assert [r.title.split()[0] for r in svc.find("delta trial")] == ["Delta"]
    assert len(svc.find("school day")) == 6 and svc.find("") == []
    assert svc.show(delta).id == delta


def test_stage_switch_and_bad_stage(ws_path):
    svc = service(ws_path)
    svc.set_stage(FT)
    assert svc.next_record() is None
    with pytest.raises(LsrError):
        svc.set_stage("abstract")


def test_new_order_is_applied_and_stale_stage_ignored(ws_path):
    svc = service(ws_path)
    order = svc.load_order()
    assert not svc.set_order(list(reversed(order)), stage=FT)
    assert svc.set_order(list(reversed(order)), stage=TA)
    assert svc.next_record().title.startswith("Foxtrot")


@pytest.mark.slow  # builds a 10,000-record review
def test_next_record_touches_only_the_record_at_hand_on_10k(tmp_path):
    """A decision and the next record cost a handful of statements, each about one record, however large
    the review (the order is held in memory): latency does not grow with the review. (Timings are for
    ``tests/benchmarks/bench_screener.py``; a test counts what the database is asked.)"""
    path = bulk_workspace(tmp_path / "big", 10_000)
    svc = service(path)
    svc.next_record()
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(" ".join(statement.split()))

    for engine in {svc.ws.db.read_engine, svc.ws.db.write_engine}:
        event.listen(engine, "before_cursor_execute", seen)
    per_cycle = []
    for _ in range(30):
        statements.clear()
        rec = svc.next_record()
        svc.decide(rec.id, "exclude")
        svc.next_record()
        per_cycle.append(list(statements))
    def one_record_or_review_level(st: str) -> bool:
        # the review's protocol versions (a handful, whatever the number of records) settle the labels; the
        # record's namesakes come by its title key (indexed: the few records with that exact title)
        return (" WHERE record.id = " in st or ".record_id = " in st or "FROM protocol_version WHERE" in st
                or "record.title_key = " in st)

    for cycle in per_cycle:
        selects = [st for st in cycle if st.startswith("SELECT")]
        # 14 before claims; claiming the next record adds a short write (the record's lock, its labels and
        # who else has it on screen read again under the lock, its claim read and written) and the decision
        # releases it: each about the record at hand
        assert len(cycle) <= 23 and selects, cycle
        assert all(one_record_or_review_level(st) for st in selects), selects
