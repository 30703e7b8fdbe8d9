"""PRISMA 2020 counts of a review built with known numbers: every box, per round, and against lsr status.

The review (``build_review``, also used by the other ``test_report_*`` modules):

* round 1 (before the report of 2026-03-15): OpenAlex update W1-W10 (10 new); Scopus import of 5 hits,
  3 duplicates (W1-W3 by DOI) and 2 new (S1, S2);
* round 2: OpenAlex update of 8 hits, W9 and W10 again (2 duplicates) and W11-W16 (6 new); PubMed import
  of 5 hits, W11 and W13 by DOI, P1 twice (3 duplicates) and P1, P2 (2 new).
* title/abstract: round 1 include W1-W4, exclude W5-W7 and S1, maybe W8, unscreened W9, W10, S2;
  round 2 include W11-W13 and P1, exclude W14 (first included, then changed) and W15, unscreened W16, P2.
* full text: W1 include (with a note), W2 include (decided after the report), W3 exclude "wrong design",
  W4 "full text not retrieved"; W11 include, W12 and W13 "wrong population"; P1 pending.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lsr.models import SearchRun
from lsr.report.prisma import prisma_flow
from lsr.report.rounds import make_rounds, parse_since
from lsr.screening.decisions import add_decision
from lsr.search.dedupe import Candidate, Ingest, candidate_from_openalex
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, protocol_text, status_json

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

RID = "school-day"
REPORT_1 = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def work(n: int) -> dict:
    """An OpenAlex-like work W<n>."""
    return {
        "id": f"https://openalex.org/W{n}",
        "doi": f"https://doi.org/10.1000/w{n}",
        "title": f"Extended school day study {n}: effects on reading achievement in cohort {n}",
        "publication_year": 2010 + n % 10,
        "authorships": [
            {"author": {"display_name": f"Author{n} Smith"}},
            {"author": {"display_name": "Joan de Vries"}},
        ],
        "primary_location": {"source": {"display_name": "Journal of School Time"}},
        "type": "article",
    }


def other(key: str, doi: str | None = None, title: str | None = None) -> Candidate:
    """An imported (RIS-like) record."""
    return Candidate(
        title=title or f"Imported study {key} on after-school programmes and wellbeing outcomes",
        authors=[f"Person {key}"],
        year=2020,
        venue="Other Journal",
        doi=doi or f"10.2000/{key.lower()}",
    )


def _run(s, kind: str, source: str, started: datetime, **kw) -> SearchRun:
    run = SearchRun(
        review_id=RID, kind=kind, source=source, started_at=started, finished_at=started, status="ok", **kw
    )
    s.add(run)
    s.flush()
    return run


def build_review(tmp: Path, reviewers: int = 1) -> tuple[Path, dict[str, int]]:
    """Create the workspace and database described in the module docstring; returns (workspace, ids)."""
    root = make_workspace(tmp / "ws", review_ids=())
    text = protocol_text(RID, reviewers=reviewers).replace(
        'exclusion_reasons = ["wrong population", "wrong intervention", "wrong design"]',
        'exclusion_reasons = ["wrong population", "wrong intervention", "wrong design", "full text not '
        'retrieved"]',
    )
    (root / "protocols" / f"{RID}.toml").write_text(text, encoding="utf-8")
    ws = open_workspace(resolve(root))
    proto = ws.protocol(RID)
    ids: dict[str, int] = {}
    query = '"school day" AND achievement'
    with ws.db.write() as s:
        r1 = _run(
            s,
            "update",
            "openalex",
            at(3, 1),
            query=query,
            filters_json='{"type": "article"}',
            request_urls_json=json.dumps(["https://api.openalex.org/works?filter=type:article"]),
        )
        ing = Ingest(s, RID, r1, "openalex")
        for n in range(1, 11):
            ids[f"W{n}"] = ing.add(candidate_from_openalex(work(n)), f"W{n}").record.id
        r2 = _run(s, "import", "Scopus", at(3, 2), file="scopus.ris")
        ing = Ingest(s, RID, r2, "ris")
        for i, n in enumerate((1, 2, 3)):
            ing.add(other(f"dup{n}", doi=f"10.1000/w{n}", title=work(n)["title"]), f"line {i}")
        ids["S1"] = ing.add(other("S1"), "line 3").record.id
        ids["S2"] = ing.add(other("S2"), "line 4").record.id
        r3 = _run(s, "update", "openalex", at(4, 1), query=query, filters_json='{"type": "article"}')
        ing = Ingest(s, RID, r3, "openalex")
        for n in range(9, 17):
            res = ing.add(candidate_from_openalex(work(n)), f"W{n}")
            ids.setdefault(f"W{n}", res.record.id)
        r4 = _run(s, "import", "PubMed", at(4, 2), file="pubmed.ris")
        ing = Ingest(s, RID, r4, "ris")
        ing.add(other("x11", doi="10.1000/w11", title=work(11)["title"]), "1")
        ing.add(other("x13", doi="10.1000/w13", title=work(13)["title"]), "2")
        ids["P1"] = ing.add(other("P1"), "3").record.id
        ing.add(other("P1"), "4")
        ids["P2"] = ing.add(other("P2"), "5").record.id

        def decide(key, label, when, stage="title-abstract", reason=None, note=None, reviewer="anna"):
            d = add_decision(s, proto, ids[key], reviewer, label, stage=stage, reason=reason, note=note)
            d.created_at = when
            s.add(d)

        ta = {"include": ("W1", "W2", "W3", "W4"), "exclude": ("W5", "W6", "W7", "S1"), "maybe": ("W8",)}
        for label, keys in ta.items():
            for k in keys:
                decide(k, label, at(3, 5), reason="wrong design" if label == "exclude" else None)
        decide("W1", "include", at(3, 10), "full-text", note="Strong trial in Dutch primary schools")
        decide("W3", "exclude", at(3, 10), "full-text", reason="wrong design")
        decide("W4", "exclude", at(3, 10), "full-text", reason="full text not retrieved")
        decide("W2", "include", at(4, 5), "full-text")
        for k in ("W11", "W12", "W13", "P1"):
            decide(k, "include", at(4, 3))
        decide("W14", "include", at(4, 3))
        decide("W14", "exclude", at(4, 4), reason="wrong population")
        decide("W15", "exclude", at(4, 4), reason="wrong intervention")
        decide("W11", "include", at(4, 6), "full-text", note="Quasi-experiment in Heerlen")
        decide("W12", "exclude", at(4, 6), "full-text", reason="wrong population")
        decide("W13", "exclude", at(4, 6), "full-text", reason="wrong population")
    return root, ids


def flow_for(root: Path, cutoff: datetime | None):
    ws = open_workspace(resolve(root))
    log = [{"at": REPORT_1.isoformat()}] if cutoff is not None else []
    with ws.db.read() as s:
        return prisma_flow(s, RID, make_rounds(log, cutoff))


def test_current_round_boxes(tmp_path):
    root, _ = build_review(tmp_path)
    c = flow_for(root, REPORT_1).current
    assert dict(c.databases) == {"OpenAlex": 8, "PubMed": 5}  # PubMed is a bibliographic database
    assert dict(c.other_sources) == {}
    # W2 (found and included at title/abstract in round 1, included at full text after the report) counts in
    # this round at full text only: it was screened and sought for retrieval in round 1 (PRISMA 2020: once)
    assert (c.identified, c.duplicates, c.records, c.carried_over) == (13, 5, 8, 0)
    assert (c.screened, c.ta_excluded, c.unscreened, c.ta_maybe) == (6, 2, 2, 0)
    assert (c.ta_included, c.ft_earlier, c.ft_not_retrieved, c.ft_pending, c.ft_assessed) == (4, 1, 0, 1, 4)
    assert dict(c.ft_excluded_by_reason) == {"wrong population": 2}
    assert c.ft_included == 2


def test_previous_round_and_totals(tmp_path):
    root, _ = build_review(tmp_path)
    flow = flow_for(root, REPORT_1)
    first = flow.rounds[0]
    assert len(flow.rounds) == 2
    assert dict(first.databases) == {"OpenAlex": 10, "Scopus": 5} and dict(first.other_sources) == {}
    assert (first.identified, first.duplicates, first.records, first.screened) == (15, 3, 12, 9)
    assert (first.ta_included, first.ta_excluded, first.ta_maybe, first.unscreened) == (4, 4, 1, 3)
    assert (first.ft_included, first.ft_not_retrieved, dict(first.ft_excluded_by_reason)) == (
        2,
        1,
        {"wrong design": 1},
    )
    assert (flow.previous_included, flow.total_included) == (1, 3)  # W1 was included at the report


def test_rounds_reconcile_with_status_json(tmp_path):
    root, _ = build_review(tmp_path)
    st = status_json(root, RID)["reviews"][0]
    for cutoff in (None, REPORT_1, parse_since("2026-04-02")):
        flow = flow_for(root, cutoff)
        assert flow.total("records") == st["records"] == 20
        assert flow.total("duplicates") == st["duplicates"] == 8
        assert flow.total("identified") == st["records"] + st["duplicates"]
        assert flow.total("screened") == st["screened"] == 15
        assert flow.total("ta_included") == st["included"] == 8
        assert flow.total("ta_excluded") == st["excluded"] == 6
        assert flow.total("ta_maybe") == st["maybe"] == 1
        assert flow.total("unscreened") == st["unscreened"] == 5
        assert flow.total_included == flow.total("ft_included") == st["fulltext"]["included"] == 3
        assert flow.total("ft_excluded") + flow.total("ft_not_retrieved") == st["fulltext"]["excluded"] == 4
        assert flow.total("ft_pending") == st["fulltext"]["pending"] == 1


def test_first_report_is_one_round(tmp_path):
    root, _ = build_review(tmp_path)
    flow = flow_for(root, None)
    assert len(flow.rounds) == 1 and flow.previous_included == 0
    c = flow.current
    assert dict(c.databases) == {"OpenAlex": 18, "Scopus": 5, "PubMed": 5} and dict(c.other_sources) == {}
    assert (c.identified, c.duplicates, c.records, c.ft_included) == (28, 8, 20, 3)
