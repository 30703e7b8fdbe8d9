"""Blinded dual screening end to end: queues, settling, conflicts, resolution and agreement (SQLite and PostgreSQL).

Every assertion reads what a user or a script would read: the screening service, ``lsr status --json``,
``lsr conflicts`` and ``lsr resolve``.
"""

from __future__ import annotations

import json

import pytest

from lsr.errors import LsrError
from lsr.screening.conflicts import agreement_summary, list_conflicts, resolve
from lsr.screening.decisions import FT, TA, settled_labels, undo_last
from lsr.screening.service import ScreeningService
from tests.helpers import run, status_json
from tests.tui_helpers import REVIEW, build_workspace, decisions, open_ws

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

# A hand-made 2x2 table over ten records both reviewers screened (anna's label, bert's label):
#   include/include 3, exclude/exclude 4, include/exclude 2, exclude/include 1.
# po = 7/10 = 0.70; anna includes 5/10, bert 4/10, so pe = (5*4 + 5*6)/100 = 0.50 and
# kappa = (0.70 - 0.50) / (1 - 0.50) = 0.40. PABAK over the three labels (include, exclude, maybe):
# (3 * 0.70 - 1) / (3 - 1) = 0.55.
TABLE = [("include", "include")] * 3 + [("exclude", "exclude")] * 4 + [("include", "exclude")] * 2 + [
    ("exclude", "include")]


@pytest.fixture
def ws_path(tmp_path):
    return build_workspace(tmp_path / "ws", 10, reviewers=2)


def svc(path, reviewer):
    return ScreeningService(open_ws(path, reviewer), REVIEW, reviewer)


def screen_table(path) -> list[int]:
    """Anna and Bert screen the ten records per TABLE through their own services; returns the record ids."""
    anna, bert = svc(path, "anna"), svc(path, "bert")
    ids = anna.load_order()
    for rid, (a, b) in zip(ids, TABLE, strict=True):
        anna.decide(rid, a)
        bert.decide(rid, b, note="looks off-topic" if b == "exclude" and a == "include" else None)
    return ids


def test_queues_are_blinded(ws_path):
    anna, bert = svc(ws_path, "anna"), svc(ws_path, "bert")
    first = anna.next_record()
    anna.decide(first.id, "exclude", reason="2", note="anna's private note")
    bert.refresh()
    # bert still receives the record, and nothing bert's screener reads reveals anna's label
    assert first.id in bert.load_order()
    assert bert.next_record().id == first.id
    assert bert.my_label(first.id) is None
    assert not hasattr(bert.next_record(), "label")
    p = bert.progress()
    assert (p.screened, p.included, p.excluded, p.maybe, p.mine) == (0, 0, 0, 0, 0)
    assert bert.show(first.id).id == first.id and bert.my_label(first.id) is None
    # anna is done with it; a third reviewer is not shown it while bert has it on screen (his label is
    # coming), and gets it once he lets go, until two people have labelled it
    assert first.id not in anna.load_order()
    assert svc(ws_path, "carla").load_order()[-1] == first.id  # last, after the records nobody has on screen
    assert svc(ws_path, "carla").next_record().id != first.id
    bert.close()
    assert svc(ws_path, "carla").load_order()[0] == first.id
    bert.decide(first.id, "exclude")
    assert first.id not in svc(ws_path, "carla").load_order()


def test_agreement_settles_and_disagreement_is_a_conflict_until_resolved(ws_path):
    ids = screen_table(ws_path)
    disagree = [rid for rid, (a, b) in zip(ids, TABLE, strict=True) if a != b]
    ws = open_ws(ws_path)
    with ws.db.read() as session:
        settled = settled_labels(session, REVIEW, TA, 2)
    assert sorted(settled) == sorted(set(ids) - set(disagree))
    assert all(settled[rid].label == a for rid, (a, b) in zip(ids, TABLE, strict=True) if a == b)

    review = status_json(ws_path)["reviews"][0]
    assert review["conflicts"] == 3
    assert (review["screened"], review["included"], review["excluded"]) == (7, 3, 4)
    found = list_conflicts(ws, REVIEW)
    assert [c.record_id for c in found] == disagree
    first = found[0]
    assert [(lab.reviewer, lab.label) for lab in first.labels] == [("anna", "include"), ("bert", "exclude")]
    assert first.labels[1].note == "looks off-topic" and first.record.title

    listing = run(["conflicts", REVIEW], ws_path)
    assert listing.exit_code == 0 and f"#{disagree[0]}" in listing.stdout and "looks off-topic" in listing.stdout
    data = json.loads(run(["conflicts", REVIEW, "--json"], ws_path).stdout)
    assert [c["record"]["id"] for c in data["conflicts"]] == disagree
    assert data["conflicts"][0]["labels"][1] == {**data["conflicts"][0]["labels"][1], "reviewer": "bert",
                                                  "label": "exclude", "note": "looks off-topic"}

    # a third reviewer settles one with the CLI: the resolver's label counts, the conflict disappears
    out = run(["--reviewer", "carla", "resolve", REVIEW, str(disagree[0]), "exclude", "--reason", "wrong design",
               "--note", "no control group"], ws_path)
    assert out.exit_code == 0, out.output
    last = decisions(ws_path)[-1]
    assert (last.reviewer, last.kind, last.label, last.reason, last.note) == (
        "carla", "resolve", "exclude", "wrong design", "no control group")
    with ws.db.read() as session:
        assert settled_labels(session, REVIEW, TA, 2)[disagree[0]].label == "exclude"
    review = status_json(ws_path)["reviews"][0]
    assert review["conflicts"] == 2 and (review["screened"], review["excluded"]) == (8, 5)
    assert disagree[0] not in [c["record"]["id"] for c in
                               json.loads(run(["conflicts", REVIEW, "--json"], ws_path).stdout)["conflicts"]]

    # one of the two reviewers settles another through the library, against their own first label
    resolve(ws, REVIEW, disagree[1], "include", "bert")
    with ws.db.read() as session:
        assert settled_labels(session, REVIEW, TA, 2)[disagree[1]].label == "include"
    # ... and a note bert adds afterwards does not reopen it
    svc(ws_path, "bert").add_note(disagree[1], "discussed with anna")
    assert [c.record_id for c in list_conflicts(ws, REVIEW)] == [disagree[2]]
    # undoing the resolution reopens the conflict
    with ws.db.write() as session:
        undo_last(session, ws.protocol(REVIEW), "bert", TA)  # the note
    with ws.db.write() as session:
        undo_last(session, ws.protocol(REVIEW), "bert", TA)  # the resolution
    assert [c.record_id for c in list_conflicts(ws, REVIEW)] == disagree[1:]


def test_resolve_refuses_what_is_not_a_conflict(ws_path):
    ids = screen_table(ws_path)
    ws = open_ws(ws_path)
    with pytest.raises(LsrError, match="no open conflict"):
        resolve(ws, REVIEW, ids[0], "exclude", "carla")  # both included it: settled already
    conflict = list_conflicts(ws, REVIEW)[0].record_id
    with pytest.raises(LsrError, match="label"):
        resolve(ws, REVIEW, conflict, "perhaps", "carla")
    with pytest.raises(LsrError, match="reason"):
        resolve(ws, REVIEW, conflict, "exclude", "carla", reason="bad luck")
    with pytest.raises(LsrError, match="no open conflict"):
        resolve(ws, REVIEW, conflict, "exclude", "carla", reason="1", stage=FT)
    bad = run(["resolve", REVIEW, str(ids[0]), "include"], ws_path)
    assert bad.exit_code == 1 and "no open conflict" in bad.stderr


def test_agreement_in_status_matches_the_hand_computed_table(ws_path):
    screen_table(ws_path)
    resolve(open_ws(ws_path), REVIEW, list_conflicts(open_ws(ws_path), REVIEW)[0].record_id, "include", "carla")
    agreement = status_json(ws_path)["reviews"][0]["agreement"]  # resolutions are not a rater's label
    assert agreement["n"] == 10
    assert agreement["percent_agreement"] == pytest.approx(0.70)
    assert agreement["kappa"] == pytest.approx(0.40)
    assert agreement["pabak"] == pytest.approx(0.55)
    assert agreement_summary(open_ws(ws_path), REVIEW) == agreement


def test_the_live_agreement_moves_in_blocks_so_one_record_reveals_nothing(tmp_path):
    """The screener's panel counts whole blocks of 10 shared records: the first ten (TABLE) give the
    hand-computed figures, and an eleventh shared record leaves them exactly as they were, whichever
    label the other reviewer gave it; status keeps counting every record."""
    path = build_workspace(tmp_path / "ws", 12, reviewers=2)
    anna, bert = svc(path, "anna"), svc(path, "bert")
    ids = anna.load_order()
    for rid, (a, b) in zip(ids, TABLE, strict=False):
        anna.decide(rid, a)
        bert.decide(rid, b)
    before = agreement_summary(open_ws(path), REVIEW, block=10)
    assert before["n"] == 10 and before["kappa"] == pytest.approx(0.40) and before["pabak"] == pytest.approx(0.55)
    bert.decide(ids[10], "include")
    anna.decide(ids[10], "exclude")  # anna decides last: her panel must not tell her bert's label
    assert agreement_summary(open_ws(path), REVIEW, block=10) == before
    assert agreement_summary(open_ws(path), REVIEW)["n"] == 11
    assert status_json(path)["reviews"][0]["agreement"]["n"] == 11


def test_single_screening_has_no_conflicts(tmp_path):
    path = build_workspace(tmp_path / "ws", 3)
    ws = open_ws(path)
    rid = svc(path, "anna").load_order()[0]
    svc(path, "anna").decide(rid, "include")
    svc(path, "bert").decide(rid, "exclude")
    assert list_conflicts(ws, REVIEW) == [] and agreement_summary(ws, REVIEW) is None
    assert "no open conflicts" in run(["conflicts", REVIEW], path).stdout
