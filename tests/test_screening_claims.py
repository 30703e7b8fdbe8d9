"""Screen claims: two screeners of one review are not shown the same record (unless it needs both of them),
and a claim ends with the decision, with the screener, or by itself after its time to live."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from lsr.models import ScreenClaim
from lsr.screening import claims
from lsr.screening.decisions import FT, TA
from lsr.screening.queue import first_record
from lsr.screening.service import ScreeningService
from lsr.settings import resolve
from lsr.sqlite_reader import open_reader
from lsr.tui.app import make_app
from lsr.workspace import open_workspace
from tests.tui_helpers import REVIEW, build_workspace, decisions, open_ws, record_id_by_word

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


@pytest.fixture
def ws_path(tmp_path):
    return build_workspace(tmp_path / "ws", 4)


def service(path, reviewer, stage=TA):
    return ScreeningService(open_ws(path, reviewer), REVIEW, reviewer, stage)


def held(path):
    with open_ws(path).db.read() as s:
        return sorted((c.reviewer, c.record_id) for c in s.exec(select(ScreenClaim)))


def test_a_record_on_one_screen_is_not_shown_on_another(ws_path):
    alpha, bravo, charlie = (record_id_by_word(ws_path, w) for w in ("Alpha", "Bravo", "Charlie"))
    anna, ben, cleo = service(ws_path, "anna"), service(ws_path, "ben"), service(ws_path, "cleo")
    assert anna.next_record().id == alpha
    assert ben.next_record().id == bravo
    assert cleo.next_record().id == charlie
    assert anna.next_record().id == alpha  # still hers: asking again changes nothing
    assert held(ws_path) == [("anna", alpha), ("ben", bravo), ("cleo", charlie)]


def test_deciding_or_leaving_frees_the_record(ws_path):
    alpha, bravo = record_id_by_word(ws_path, "Alpha"), record_id_by_word(ws_path, "Bravo")
    anna, ben = service(ws_path, "anna"), service(ws_path, "ben")
    anna.next_record()
    ben.next_record()
    anna.decide(alpha, "include")
    ben.close()  # ben leaves the screener without deciding bravo
    assert held(ws_path) == []
    assert service(ws_path, "cleo").next_record().id == bravo


def test_a_record_passed_over_comes_back_when_its_holder_lets_go(tmp_path):
    path = build_workspace(tmp_path / "ws", 2)
    alpha, bravo = record_id_by_word(path, "Alpha"), record_id_by_word(path, "Bravo")
    anna, ben = service(path, "anna"), service(path, "ben")
    assert anna.next_record().id == alpha
    assert ben.next_record().id == bravo
    ben.decide(bravo, "exclude")
    assert ben.next_record() is None  # alpha is on anna's screen
    anna.close()
    assert ben.next_record().id == alpha  # without reloading ben's queue


def test_a_claim_left_behind_expires(ws_path, monkeypatch):
    """A screener that was killed never releases its record: after the claim's time to live it is free."""
    alpha = record_id_by_word(ws_path, "Alpha")
    anna = service(ws_path, "anna")
    assert anna.next_record().id == alpha
    assert service(ws_path, "ben").next_record().id != alpha
    later = time.time() + claims.CLAIM_TTL[TA] + 1
    monkeypatch.setattr(claims.time, "time", lambda: later)
    assert service(ws_path, "cleo").next_record().id == alpha


def test_full_text_claims_last_longer():
    assert claims.CLAIM_TTL[FT] > claims.CLAIM_TTL[TA] >= 15 * 60


def test_dual_screening_shows_a_record_to_two_screeners_but_not_a_third(tmp_path):
    path = build_workspace(tmp_path / "ws", 4, reviewers=2)
    alpha = record_id_by_word(path, "Alpha")
    anna, ben, cleo = service(path, "anna"), service(path, "ben"), service(path, "cleo")
    assert anna.next_record().id == alpha
    assert ben.next_record().id == alpha  # it needs two labels: both may have it
    assert cleo.next_record().id != alpha
    anna.decide(alpha, "include")  # one label and ben's claim still cover the two it needs
    assert service(path, "dora").next_record().id != alpha


def test_the_first_record_read_before_the_database_opens_skips_held_records(ws_path, db_backend):
    if db_backend != "sqlite":
        pytest.skip("the early first-record read is SQLite's (PostgreSQL opens the service directly)")
    alpha, bravo = record_id_by_word(ws_path, "Alpha"), record_id_by_word(ws_path, "Bravo")
    service(ws_path, "anna").next_record()
    q = open_reader(resolve(ws_path, reviewer="ben"), open_ws(ws_path))
    assert q is not None
    assert first_record(q, REVIEW, "ben", TA, 1).id == bravo
    assert first_record(q, REVIEW, "anna", TA, 1).id == alpha  # her own claim does not hide it from her


def test_a_decision_is_never_refused_for_a_claim(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    anna, ben = service(ws_path, "anna"), service(ws_path, "ben")
    anna.next_record()
    ben.decide(alpha, "exclude")  # e.g. `lsr decide` on a record anna has on screen
    assert anna.next_record().id != alpha
    assert anna.decide(alpha, "include").label == "include"
    assert anna.notice is not None  # her label came on top of the one needed, and she is told


async def test_leaving_the_screener_releases_the_record(ws_path):
    alpha = record_id_by_word(ws_path, "Alpha")
    app = make_app(resolve(ws_path, reviewer="anna"), REVIEW, rerank=None)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        assert app.screen.query_one("RecordView").record_id == alpha
        assert held(ws_path) == [("anna", alpha)]
        await pilot.press("q")
    assert held(ws_path) == []


async def test_the_screener_says_when_the_rest_is_on_other_screens_and_looks_again_on_a_key(tmp_path):
    path = build_workspace(tmp_path / "ws", 2)
    alpha, bravo = record_id_by_word(path, "Alpha"), record_id_by_word(path, "Bravo")
    anna = service(path, "anna")
    assert anna.next_record().id == alpha
    app = make_app(resolve(path, reviewer="ben"), REVIEW, rerank=None)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.pause()
        view = app.screen.query_one("RecordView")
        assert view.record_id == bravo
        await pilot.press("e")
        await pilot.pause()
        assert view.record_id is None
        assert "1 record(s) are on other reviewers' screens" in str(app.screen.query_one("#empty").render())
        assert "or after 20 minutes at most" in str(app.screen.query_one("#empty").render())
        anna.close()
        await pilot.press("e")  # looks again: alpha is free now, and shown, not decided
        await pilot.pause()
        assert view.record_id == alpha
    assert [(d.reviewer, d.record_id) for d in decisions(path)] == [("ben", bravo)]


def test_a_decision_landing_between_the_read_and_the_claim_is_seen(ws_path, monkeypatch):
    """ben decides the record anna's screener has just read as free; her claim, made under the record's
    lock, reads the labels again and passes it over (on PostgreSQL each statement sees its own moment)."""
    alpha, bravo = record_id_by_word(ws_path, "Alpha"), record_id_by_word(ws_path, "Bravo")
    anna, ben = service(ws_path, "anna"), service(ws_path, "ben")
    real, raced = ScreeningService._hold, []

    def racing(self, record_id):
        if self.reviewer == "anna" and not raced:
            raced.append(record_id)
            ben.decide(record_id, "exclude")
        return real(self, record_id)

    monkeypatch.setattr(ScreeningService, "_hold", racing)
    assert anna.next_record().id == bravo and raced == [alpha]
    assert held(ws_path) == [("anna", bravo)]


def test_a_claim_renewed_while_the_record_is_read_holds_on(ws_path, monkeypatch):
    alpha = record_id_by_word(ws_path, "Alpha")
    anna = service(ws_path, "anna")
    assert anna.next_record().id == alpha
    start, ttl = time.time(), claims.CLAIM_TTL[TA]
    monkeypatch.setattr(time, "time", lambda: start + ttl / 2)
    anna.renew()  # the screener does this every few minutes
    monkeypatch.setattr(time, "time", lambda: start + ttl + 60)
    assert service(ws_path, "ben").next_record().id != alpha


async def test_a_record_taken_while_the_screener_opened_is_not_shown_twice(ws_path, monkeypatch, db_backend):
    """SQLite screeners show the head of the queue before the database is open; if another screener claims
    that record meanwhile, the screener moves on to a free one instead of keeping it."""
    from lsr.tui.screens import screener

    if db_backend != "sqlite":
        pytest.skip("the early first-record read is SQLite's (PostgreSQL opens the service directly)")
    alpha, bravo = record_id_by_word(ws_path, "Alpha"), record_id_by_word(ws_path, "Bravo")
    real_open = screener.Opening.open

    def open_after_anna(self):
        service(ws_path, "anna").next_record()  # anna's screener claims alpha while ben's opens
        return real_open(self)

    monkeypatch.setattr(screener.Opening, "open", open_after_anna)
    app = make_app(open_workspace(resolve(ws_path, reviewer="ben"), lazy=True), REVIEW, rerank=None)
    async with app.run_test(size=(100, 32)) as pilot:
        assert app.screen.query_one("RecordView").record_id == alpha  # read before the database opened
        for _ in range(100):
            if app.screen.service is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause()
        assert app.screen.query_one("RecordView").record_id == bravo
        assert app.screen.service.current.id == bravo


def test_a_record_opened_on_purpose_is_claimed_and_says_who_else_has_it(ws_path):
    """Opening a record with find (/) claims it even when another screener has it, and says so; the record
    the queue had shown is released for others."""
    alpha, bravo = record_id_by_word(ws_path, "Alpha"), record_id_by_word(ws_path, "Bravo")
    anna, ben = service(ws_path, "anna"), service(ws_path, "ben")
    assert anna.next_record().id == alpha
    assert ben.next_record().id == bravo
    assert ben.show(alpha).id == alpha
    assert ben.shown_elsewhere == 1
    assert held(ws_path) == [("anna", alpha), ("ben", alpha)]
    assert service(ws_path, "cleo").next_record().id == bravo  # ben let go of it
    assert anna.show(bravo).id == bravo and anna.shown_elsewhere == 1  # cleo has it now
