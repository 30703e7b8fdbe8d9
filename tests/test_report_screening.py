"""Dual screening in the summaries (Cohen's kappa, percentage agreement); the stopping rule in plain words."""

from __future__ import annotations

import dataclasses

import pytest

from lsr.report import write_reports
from lsr.report.assurance import stopping_sentences
from lsr.report.writer import collect_all
from lsr.screening.decisions import add_decision
from lsr.search.dedupe import Ingest, candidate_from_openalex
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, status_json
from tests.test_report_prisma import NOW, _run, at, work

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

RID = "school-day"


def build_dual(tmp):
    """Ten records screened by anna and bob: 3 both include, 5 both exclude, 2 disagreements (one resolved).

    Hand computation: po = 8/10; each reviewer includes 4 of 10, so pe = 0.4^2 + 0.6^2 = 0.52 and
    kappa = (0.8 - 0.52) / 0.48 = 0.583.
    """
    root = make_workspace(tmp / "ws", review_ids=(RID,), reviewers=2)
    ws = open_workspace(resolve(root))
    proto = ws.protocol(RID)
    with ws.db.write() as s:
        run = _run(s, "update", "openalex", at(3, 1), query=proto.search.query)
        ing = Ingest(s, RID, run, "openalex")
        ids = [ing.add(candidate_from_openalex(work(n)), f"W{n}").record.id for n in range(1, 11)]
        plan = ["include"] * 3 + ["exclude"] * 5
        for rid, label in zip(ids, plan, strict=False):
            for who in ("anna", "bob"):
                add_decision(s, proto, rid, who, label, reason="wrong design" if label == "exclude" else None)
        add_decision(s, proto, ids[8], "anna", "include")
        add_decision(s, proto, ids[8], "bob", "exclude", reason="wrong design")
        add_decision(s, proto, ids[9], "anna", "exclude", reason="wrong design")
        add_decision(s, proto, ids[9], "bob", "include")
        add_decision(s, proto, ids[8], "carol", "include", kind="resolve")
    return root, ws


def test_agreement_in_both_languages(tmp_path):
    root, ws = build_dual(tmp_path)
    write_reports(ws, [RID], formats=["md"], now=NOW)
    st = status_json(root, RID)["reviews"][0]
    assert (st["screened"], st["included"], st["excluded"], st["unscreened"]) == (9, 4, 5, 1)
    nl = (root / "reviews" / RID / "summary.nl.md").read_text(encoding="utf-8")
    en = (root / "reviews" / RID / "summary.en.md").read_text(encoding="utf-8")
    assert "## Overeenstemming tussen beoordelaars" in nl
    assert (
        "Over de 10 publicaties die door twee beoordelaars zijn bekeken, waren zij het in 80% van de "
        "gevallen "
        "eens.\n" in nl
    )
    assert "| anna & bob | 10 | 80% |\n" in nl
    # kappa is for specialists: in the Dutch summary only in the technical appendix
    main, appendix = nl.split("## Technische bijlage")
    assert "Cohens kappa, die corrigeert voor toevallige overeenstemming, is 0,58: matige overeenstemming." in appendix
    assert "kappa" not in main.lower()
    assert (
        "Over the 10 records screened by two reviewers, they agreed on 80%. Cohen's kappa (chance-corrected) "
        "is 0.58: moderate agreement." in en
    )
    assert "| anna & bob | 10 | 80% | 0.58 |" in en
    assert "## Zoekstrategie (PRISMA-S)" in nl  # the rest of the summary is there
    assert "van de 10 gevonden publicaties zijn er 9 (90%) beoordeeld".lower() in nl.lower()


def test_stopping_rule_in_plain_words(tmp_path):
    _, ws = build_dual(tmp_path)
    d = collect_all(ws, [RID], None, NOW)[0]

    def say(lang: str, status: dict | None = None, **stop) -> str:
        changed = dataclasses.replace(d, stopping=stop, status={**d.status, **(status or {})})
        return " ".join(stopping_sentences(changed, lang))

    assert "Er is nog geen schatting beschikbaar" in say(
        "nl", rule="statistical", met=False, estimated_recall=None
    )
    assert "No estimate is available yet" in say("en", rule="statistical", met=False, estimated_recall=None)
    met = say(
        "nl",
        rule="statistical",
        met=True,
        estimated_recall=0.97,
        recall_target=0.95,
        confidence=0.95,
        message="",
    )
    assert "De stopregel is bereikt. We zijn er voor 95% zeker van dat ten minste 97% van de relevante" in met
    short = say(
        "en",
        rule="statistical",
        met=False,
        estimated_recall=0.6,
        recall_target=0.95,
        confidence=0.9,
        message="",
        batch={"records": 10, "screened": 9, "met": False},
    )
    assert "not met yet" in short and "90% confident that at least 60%" in short and "target is 95%" in short
    assert "With only 4 records through the first selection (title and abstract, undecided ones counted), the test is conservative by design" in short
    assert "For the newest search (10 new records, 9 screened) the rule is not met yet." in short
    assert "geen relevante publicatie is gevonden" in say(
        "nl", rule="statistical", met=False, estimated_recall=None, message="x"
    )
    rule = say("nl", rule="consecutive-irrelevant:50", met=True)
    assert (
        "de laatste 50 beoordeelde publicaties waren allemaal niet relevant" in rule and "vuistregel" in rule
    )
    assert "(50 irrelevant records in a row) is not met yet" in say(
        "en", rule="consecutive-irrelevant:50", met=False
    )
    assert "geen stopregel afgesproken" in say("nl", rule="none", met=False)
    done = say("en", {"unscreened": 0}, rule="statistical", met=True, estimated_recall=1.0)
    assert done.startswith("All 10 records found have been screened")
