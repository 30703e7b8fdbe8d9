"""Stages that agree: full text needs a title/abstract include, amendments keep earlier decisions, and
status, PRISMA counts, lists and curve tell the same story after any sequence of decisions."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import delete, select

from lsr.errors import LsrError
from lsr.models import Decision
from lsr.report.collect import collect_review
from lsr.report.prisma import prisma_flow
from lsr.report.rounds import make_rounds
from lsr.screening.decisions import FT, TA, decide_one, undo_last
from lsr.settings import resolve
from lsr.status import review_status
from lsr.workspace import open_workspace
from tests.helpers import run, status_json
from tests.tui_helpers import REVIEW, build_workspace

N = 6


def _decisions(path) -> list[Decision]:
    ws = open_workspace(resolve(path))
    with ws.db.read() as s:
        return list(s.exec(select(Decision).order_by(Decision.id)).all())


def test_full_text_decision_without_a_title_abstract_include_is_refused_and_nothing_recorded(tmp_path):
    path = build_workspace(tmp_path / "ws", 3)
    assert run(["decide", REVIEW, "W1001", "exclude", "--reason", "1"], path).exit_code == 0
    before = len(_decisions(path))
    for record in ("W1000", "W1001"):  # never screened; excluded on title/abstract
        result = run(["decide", REVIEW, record, "include", "--stage", "full-text"], path)
        assert result.exit_code == 1
        assert "needs a title/abstract include" in result.stderr and "--override-stage" in result.stderr
    assert len(_decisions(path)) == before
    assert status_json(path)["reviews"][0]["fulltext"]["included"] == 0


def test_the_override_is_explicit_and_recorded(tmp_path):
    path = build_workspace(tmp_path / "ws", 3)
    assert run(["decide", REVIEW, "W1000", "include", "--override-stage"], path).exit_code == 2  # full text only
    result = run(["decide", REVIEW, "W1000", "include", "--stage", "full-text", "--override-stage"], path)
    assert result.exit_code == 0, result.stderr
    kinds = [(d.stage, d.label, d.kind) for d in _decisions(path)]
    assert kinds == [(TA, "include", "stage-override"), (FT, "include", "screen")]
    doc = status_json(path)["reviews"][0]
    assert (doc["screened"], doc["included"], doc["fulltext"]["included"], doc["fulltext"]["pending"]) == (1, 1, 1, 0)
    exported = json.loads(run(["export", REVIEW, "--format", "json"], path).stdout)
    assert "stage-override" in [d.get("kind") for d in exported[0]["decisions"]]


def test_full_text_labels_stop_counting_when_the_title_abstract_include_is_changed(tmp_path):
    path = build_workspace(tmp_path / "ws", 3)
    assert run(["decide", REVIEW, "W1000", "include"], path).exit_code == 0
    assert run(["decide", REVIEW, "W1000", "include", "--stage", "full-text"], path).exit_code == 0
    assert status_json(path)["reviews"][0]["fulltext"]["included"] == 1
    assert run(["decide", REVIEW, "W1000", "exclude", "--reason", "1"], path).exit_code == 0
    doc = status_json(path)["reviews"][0]
    assert (doc["included"], doc["fulltext"]["included"]) == (0, 0)


def test_amending_reviewers_per_record_keeps_earlier_decisions_and_is_reported(tmp_path):
    path = build_workspace(tmp_path / "ws", N)
    for i in range(4):
        label = ["include"] if i < 2 else ["exclude", "--reason", "1"]  # a reason only with exclude
        assert run(["--reviewer", "anna", "decide", REVIEW, f"W{1000 + i}", *label], path).exit_code == 0
    file = path / "protocols" / f"{REVIEW}.toml"
    file.write_text(file.read_text().replace("reviewers_per_record = 1", "reviewers_per_record = 2"))
    check = run(["protocols", "check"], path)
    assert check.exit_code == 0
    assert "reviewers_per_record: changed 1 -> 2 after 4 record(s)" in check.stderr
    assert "stay settled and counted" in check.stderr
    doc = status_json(path)["reviews"][0]
    assert (doc["screened"], doc["included"], doc["excluded"], doc["unscreened"]) == (4, 2, 2, N - 4)
    # the new rule applies to records first screened now: one reviewer's label no longer settles them
    assert run(["--reviewer", "anna", "decide", REVIEW, "W1004", "include"], path).exit_code == 0
    assert status_json(path)["reviews"][0]["screened"] == 4
    assert run(["--reviewer", "ben", "decide", REVIEW, "W1004", "include"], path).exit_code == 0
    assert status_json(path)["reviews"][0]["screened"] == 5


OPS = st.lists(st.one_of(
    st.tuples(st.just("ta"), st.sampled_from(["anna", "ben"]), st.integers(0, N - 1),
              st.sampled_from(["include", "exclude", "maybe"])),
    st.tuples(st.just("ft"), st.sampled_from(["anna", "ben"]), st.integers(0, N - 1),
              st.sampled_from(["include", "exclude", "maybe"]), st.booleans()),
    st.tuples(st.just("undo"), st.sampled_from(["anna", "ben"]), st.sampled_from([TA, FT])),
), max_size=25)


@pytest.fixture(scope="module", params=[1, 2], ids=["single", "dual"])
def shared_ws(request, tmp_path_factory):
    path = build_workspace(tmp_path_factory.mktemp("prop") / "ws", N, reviewers=request.param)
    return open_workspace(resolve(path))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_status_prisma_lists_and_curve_agree_after_any_decisions(shared_ws, ops):
    ws = shared_ws
    proto = ws.protocol(REVIEW)
    with ws.db.write() as s:
        s.exec(delete(Decision))
    record_ids = _record_ids(ws)
    for op in ops:
        before = _count(ws)
        try:
            if op[0] == "ta":
                decide_one(ws, REVIEW, record_ids[op[2]], op[3], reviewer=op[1], stage=TA, reason="1")
            elif op[0] == "ft":
                decide_one(ws, REVIEW, record_ids[op[2]], op[3], reviewer=op[1], stage=FT, reason="1",
                           override_stage=op[4])
            else:
                with ws.db.write() as s:
                    undo_last(s, proto, op[1], op[2])
        except LsrError:
            assert _count(ws) == before  # refused: nothing recorded
    with ws.db.read() as s:
        status = review_status(ws, s, REVIEW)
        rounds = make_rounds([], None)
        flow = prisma_flow(s, REVIEW, rounds, proto.screening.reviewers_per_record)
        data = collect_review(ws, s, REVIEW, rounds, None, None, datetime.now(UTC))
    ft = status["fulltext"]
    assert flow.total("screened") == status["screened"] == len(data.curve)
    assert flow.total("ta_included") == status["included"] == (data.curve[-1] if data.curve else 0)
    assert flow.total("ta_excluded") == status["excluded"] and flow.total("ta_maybe") == status["maybe"]
    assert flow.total_included == ft["included"] == len(data.included)
    assert ft["included"] + ft["excluded"] + ft["maybe"] <= status["included"]
    assert ft["pending"] == status["included"] - ft["included"] - ft["excluded"] - ft["maybe"]
    assert flow.total("ft_pending") == ft["pending"] == len(data.awaiting_fulltext)
    assert status["screened"] + status["unscreened"] == status["records"] == N


def _record_ids(ws) -> list[int]:
    from lsr.models import Record

    with ws.db.read() as s:
        return sorted(s.exec(select(Record.id).where(Record.review_id == REVIEW)).all())


def _count(ws) -> int:
    with ws.db.read() as s:
        return len(s.exec(select(Decision.id)).all())
