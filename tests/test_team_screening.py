"""Several people screening and resolving one dual-screening review at the same time (SQLite and PostgreSQL).

Resolving: the second of two resolutions of one conflict sees the first and says who settled it (it used
to succeed too, and the later one silently won). The concurrent case holds the first resolution's
transaction open in the test and starts the second meanwhile, so it does not depend on timing.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlmodel import select

from lsr.errors import LsrError
from lsr.models import Decision, Record
from lsr.screening.conflicts import list_conflicts, resolve
from lsr.screening.service import ScreeningService
from tests.helpers import run
from tests.tui_helpers import REVIEW, build_workspace, decisions, open_ws

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


@pytest.fixture
def ws_path(tmp_path):
    return build_workspace(tmp_path / "ws", 6, reviewers=2)


def svc(path, reviewer):
    return ScreeningService(open_ws(path, reviewer), REVIEW, reviewer)


def a_conflict(path) -> int:
    anna, bert = svc(path, "anna"), svc(path, "bert")
    rid = anna.next_record().id
    anna.decide(rid, "include")
    bert.decide(rid, "exclude", reason="1")
    assert [c.record_id for c in list_conflicts(open_ws(path), REVIEW)] == [rid]
    return rid


def test_a_second_resolution_says_who_resolved_it_unless_it_is_the_same(ws_path):
    rid = a_conflict(ws_path)
    assert run(["--reviewer", "carla", "resolve", REVIEW, str(rid), "include"], ws_path).exit_code == 0
    later = run(["--reviewer", "dave", "resolve", REVIEW, str(rid), "exclude", "--reason", "1"], ws_path)
    assert later.exit_code == 1
    message = later.stderr.strip()
    assert f"record {rid} was already resolved at title-abstract by carla at " in message, message
    assert "as include; your exclude was not recorded" in message, message
    same = run(["--reviewer", "dave", "resolve", REVIEW, str(rid), "include"], ws_path)  # agrees: nothing to add
    assert same.exit_code == 0, same.output
    assert [(d.reviewer, d.kind) for d in decisions(ws_path) if d.kind == "resolve"] == [("carla", "resolve")]


def test_two_resolutions_at_the_same_moment_the_second_sees_the_first(ws_path, db_backend):
    rid = a_conflict(ws_path)
    ws = open_ws(ws_path)
    outcome: dict[str, object] = {}

    def dave() -> None:
        try:
            outcome["dave"] = resolve(open_ws(ws_path), REVIEW, rid, "exclude", "dave", reason="1")
        except LsrError as exc:
            outcome["dave"] = exc

    with ws.db.write() as session:  # carla's resolution, mid-transaction (as `resolve` holds it)
        session.exec(select(Record.id).where(Record.id == rid).with_for_update()).one()
        session.add(Decision(review_id=REVIEW, record_id=rid, reviewer="carla", stage="title-abstract",
                             label="include", kind="resolve"))
        session.flush()
        worker = threading.Thread(target=dave)
        worker.start()
        if db_backend == "postgresql":  # dave's transaction waits for carla's row lock
            with ws.db.read_engine.connect() as conn:
                for _ in range(200):
                    if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                        break
                    conn.commit()
                    time.sleep(0.05)
        else:
            time.sleep(0.5)
        assert worker.is_alive(), f"the second resolution did not wait for the first: {outcome}"
    worker.join(30)
    assert isinstance(outcome["dave"], LsrError), outcome
    assert "already resolved at title-abstract by carla" in outcome["dave"].message
    assert [(d.reviewer, d.label) for d in decisions(ws_path) if d.kind == "resolve"] == [("carla", "include")]


def test_a_record_two_screeners_were_shown_keeps_the_second_label_as_an_extra_and_says_so(ws_path):
    """Dual screening: tina has labelled a record, so it needs one more label. uma has it on screen, so vic's
    queue passes it over (a claim); vic opens it all the same (found with /, or `lsr decide`). uma decides
    first; vic's decision is still recorded (never lost) and vic is told it was an extra."""
    tina = svc(ws_path, "tina")
    rid = tina.next_record().id
    tina.decide(rid, "include")
    assert tina.notice is None
    uma, vic = svc(ws_path, "uma"), svc(ws_path, "vic")
    assert uma.next_record().id == rid and vic.next_record().id != rid  # on uma's screen: not shown to vic
    assert vic.show(rid).id == rid
    uma.decide(rid, "include")
    assert uma.notice is None
    vic.decide(rid, "exclude", reason="1")
    assert vic.notice is not None and f"record {rid} already had 2 reviewers' labels (2 needed)" in vic.notice
    assert "include" not in vic.notice  # blinded: how many labels, never which
    assert [(d.reviewer, d.label) for d in decisions(ws_path) if d.record_id == rid] == [
        ("tina", "include"), ("uma", "include"), ("vic", "exclude")]
    vic.decide(rid, "include")  # changing one's own label is never an extra
    assert vic.notice is None
    assert rid not in svc(ws_path, "walt").load_order()


def test_decisions_on_one_record_at_the_same_moment_are_made_one_after_the_other(ws_path, db_backend):
    """uma's decision is mid-transaction (the test holds it open with the record's row lock); vic's decision
    on the same record waits for it and then sees it, so vic is told the label was an extra. A decision on
    another record does not wait (screening is not serialised per review)."""
    tina = svc(ws_path, "tina")
    rid = tina.next_record().id
    tina.decide(rid, "include")
    other = svc(ws_path, "walt").load_order()[1]
    ws = open_ws(ws_path)
    vic = svc(ws_path, "vic")
    assert vic.next_record().id == rid
    done = threading.Event()

    def vic_decides() -> None:
        vic.decide(rid, "exclude", reason="1")
        done.set()

    with ws.db.write() as session:  # uma's decision, as ``decide`` holds it
        session.exec(select(Record.id).where(Record.id == rid).with_for_update()).one()
        session.add(Decision(review_id=REVIEW, record_id=rid, reviewer="uma", stage="title-abstract",
                             label="include", kind="screen"))
        session.flush()
        if db_backend == "postgresql":
            svc(ws_path, "walt").decide(other, "include")  # another record: no wait
        worker = threading.Thread(target=vic_decides)
        worker.start()
        assert not done.wait(1.0), "vic's decision did not wait for uma's on the same record"
    worker.join(30)
    assert done.is_set()
    assert vic.notice is not None and "already had 2 reviewers' labels" in vic.notice
    assert [d.reviewer for d in decisions(ws_path) if d.record_id == rid] == ["tina", "uma", "vic"]


def test_lsr_decide_says_when_a_label_comes_on_top_of_an_agreement(ws_path):
    anna, bert = svc(ws_path, "anna"), svc(ws_path, "bert")
    rid = anna.next_record().id
    anna.decide(rid, "include")
    bert.decide(rid, "include")
    out = run(["--reviewer", "erik", "decide", REVIEW, str(rid), "exclude", "--reason", "1"], ws_path)
    assert out.exit_code == 0, out.output
    assert f"note: record {rid} already had 2 reviewers' labels (2 needed)" in out.stderr
    assert decisions(ws_path)[-1].reviewer == "erik"  # recorded all the same
    first = run(["--reviewer", "erik", "decide", REVIEW, str(anna.load_order()[0]), "include"], ws_path)
    assert first.exit_code == 0 and "note:" not in first.stderr
