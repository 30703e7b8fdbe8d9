"""lsr's own exports coming back: into the same review they add nothing (records without any identifier
and generic titles included, recognised by their lsr id), a record with 10,000 authors survives, and the
decisions' notes travel in RIS and CSV."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lsr.models import SearchRun
from lsr.search.dedupe import Candidate, Ingest
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, run, status_json

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"


def exported(ws: Path, review: str = "test-review") -> list[dict]:
    result = run(["export", review, "--format", "json"], ws)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def screened(tmp_path) -> Path:
    """A review with records without identifiers ("Abstracts" twice, from zotero.csv), labels and notes."""
    ws = make_workspace(tmp_path / "ws", review_ids=("test-review", "copy-review"))
    for name in ("zotero.csv", "scopus.ris", "jstor.ris"):
        result = run(["import", "test-review", DATA / name], ws)
        assert result.exit_code == 0, result.output
    items = exported(ws)
    no_ids = [i for i in items if not (i["doi"] or i["pmid"] or i["openalex_id"])]
    assert len(no_ids) >= 2  # the case the lsr id is for
    for item, label, note in ((no_ids[0], "include", "check the 2019 follow-up"), (no_ids[1], "exclude", None),
                              (items[0], "maybe", "ask Bram")):
        extra = ["--note", note] if note else []
        if label == "exclude":
            extra += ["--reason", "2"]
        result = run(["decide", "test-review", str(item["id"]), label, *extra], ws)
        assert result.exit_code == 0, result.output
    return ws


@pytest.mark.parametrize("fmt", ["csv", "ris"])
def test_export_imported_back_into_the_same_review_adds_nothing(screened, tmp_path, fmt):
    before, status = exported(screened), status_json(screened)["reviews"][0]
    out = tmp_path / f"export.{fmt}"
    assert run(["export", "test-review", "--format", fmt, "-o", out], screened).exit_code == 0
    result = run(["import", "test-review", out, "--labels-reviewer", "someone-else"], screened)
    assert result.exit_code == 0, result.output
    assert f"{len(before)} record(s)" in result.stdout and "0 new" in result.stdout
    assert "label(s) recorded" not in result.stdout and "warning" not in result.stderr
    after = exported(screened)
    assert [(i["id"], i["title"], i["label"], len(i["decisions"])) for i in after] == [
        (i["id"], i["title"], i["label"], len(i["decisions"])) for i in before]
    now = status_json(screened)["reviews"][0]
    for key in ("records", "screened", "included", "excluded", "maybe"):
        assert now[key] == status[key], key


def test_an_lsr_id_from_another_review_or_workspace_does_not_merge(screened, tmp_path):
    """Ids are only recognised in the review they came from, and only when the titles agree."""
    out = tmp_path / "export.csv"
    assert run(["export", "test-review", "--format", "csv", "-o", out], screened).exit_code == 0
    result = run(["import", "copy-review", out], screened)
    assert result.exit_code == 0, result.output
    assert f"{len(exported(screened))} new, 0 duplicate(s)" in result.stdout
    forged = tmp_path / "forged.csv"
    first = exported(screened)[0]
    forged.write_text(f"lsr_id,title\n{first['id']},A different work about homework clubs\n", encoding="utf-8")
    result = run(["import", "test-review", forged], screened)
    assert result.exit_code == 0 and "1 new" in result.stdout


@pytest.mark.parametrize("fmt", ["csv", "ris"])
def test_decision_notes_travel_with_the_export(screened, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    assert run(["export", "test-review", "--format", fmt, "-o", out], screened).exit_code == 0
    assert "check the 2019 follow-up" in out.read_text(encoding="utf-8")
    result = run(["import", "copy-review", out, "--labels-reviewer", "importer"], screened)
    assert result.exit_code == 0, result.output
    notes = {d["note"] for i in exported(screened, "copy-review") for d in i["decisions"]}
    assert {"check the 2019 follow-up", "ask Bram"} <= notes


def test_ten_thousand_authors_survive_csv_export_and_import(tmp_path):
    ws_path = make_workspace(tmp_path / "ws", review_ids=("test-review", "copy-review"))
    ws = open_workspace(resolve(ws_path))
    authors = [f"Collaborator{i:05d}, Investigator A." for i in range(10_000)]  # ~330,000 characters
    with ws.db.write() as session:
        search = SearchRun(review_id="test-review", kind="update", source="openalex")
        session.add(search)
        session.flush()
        Ingest(session, "test-review", search, "openalex").add(
            Candidate(title="Global burden of long school days: a consortium study", authors=authors, year=2024,
                      doi="10.1000/consortium.1"), "W1")
    out = tmp_path / "export.csv"
    assert run(["export", "test-review", "--format", "csv", "-o", out], ws_path).exit_code == 0
    # ASReview LAB reads CSV with Python's csv module at its default field limit; Excel keeps 32,767
    # characters per cell: a fresh interpreter (the limit is process-wide) reads every row whole.
    check = ("import csv, sys\nrows = list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))\n"
             "print(len(rows), max(len(c) for r in rows for c in r))")
    done = subprocess.run([sys.executable, "-c", check, str(out)], capture_output=True, text=True, check=True)
    n_rows, longest = map(int, done.stdout.split())
    assert n_rows == 2 and longest <= 32_767
    with out.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header[-1].startswith("authors_") and "label" not in header
    result = run(["import", "copy-review", out], ws_path)
    assert result.exit_code == 0, result.output
    [copy] = exported(ws_path, "copy-review")
    assert copy["authors"] == authors
    result = run(["import", "test-review", out], ws_path)
    assert result.exit_code == 0 and "0 new" in result.stdout
