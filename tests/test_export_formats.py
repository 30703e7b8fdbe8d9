"""`lsr export --format ris|csv|json|bibtex`: reference managers, ASReview LAB and LaTeX read it, `lsr import` reads it
back into a new review as the same records with the same labels."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
import rispy

from lsr.models import SearchRun
from lsr.search.dedupe import Ingest, candidate_from_openalex
from lsr.search.synergy import resolve_dataset
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace, run

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"
RECORD_FIELDS = ("openalex_id", "doi", "pmid", "title", "abstract", "authors", "year", "publication_date", "venue",
                 "type", "keywords", "label", "reason")


@pytest.fixture
def labelled(tmp_path) -> Path:
    """Two reviews; the first holds OpenAlex works, three RIS/CSV imports and decisions of every kind."""
    ws_path = make_workspace(tmp_path / "ws", review_ids=("test-review", "copy-review"))
    ws = open_workspace(resolve(ws_path))
    works = list(itertools.islice(resolve_dataset("Donners_2021").works(), 15))
    with ws.db.write() as session:
        search = SearchRun(review_id="test-review", kind="update", source="openalex")
        session.add(search)
        session.flush()
        Ingest(session, "test-review", search, "openalex").add_many(
            [(candidate_from_openalex(w), w["id"]) for w in works])
    for name in ("scopus.ris", "zotero.ris", "asreview_labels.csv"):
        result = run(["import", "test-review", DATA / name], ws_path)
        assert result.exit_code == 0, result.output
    decide = [("W" + works[0]["id"].rsplit("W", 1)[1], "include", []),
              (works[1]["id"].rsplit("/", 1)[1], "exclude", ["--reason", "wrong population"]),
              (works[2]["id"].rsplit("/", 1)[1], "maybe", []),
              ("10.1016/j.tate.2021.103300", "exclude", ["--reason", "2"])]
    for ref, label, extra in decide:
        result = run(["decide", "test-review", ref, label, *extra], ws_path)
        assert result.exit_code == 0, result.output
    return ws_path


def exported(ws: Path, review: str = "test-review", *extra: str) -> list[dict]:
    result = run(["export", review, "--format", "json", *extra], ws)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def comparable(items: list[dict]) -> list[tuple]:
    return sorted(tuple(json.dumps(i[f], sort_keys=True) for f in RECORD_FIELDS) for i in items)


@pytest.mark.parametrize("fmt", ["ris", "csv"])
def test_export_then_import_into_a_new_review_gives_the_same_records(labelled, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    result = run(["export", "test-review", "--format", fmt, "-o", out], labelled)
    assert result.exit_code == 0, result.output
    original = exported(labelled)
    assert f"wrote {len(original)} record(s)" in result.stderr
    result = run(["import", "copy-review", out, "--labels-reviewer", "importer"], labelled)
    assert result.exit_code == 0, result.output
    assert f"{len(original)} new, 0 duplicate(s)" in result.stdout
    copy = exported(labelled, "copy-review")
    assert comparable(copy) == comparable(original)
    labels = {i["label"] for i in copy}
    assert {"include", "exclude", "maybe", None} <= labels
    decided = [d for i in copy for d in i["decisions"]]
    assert {(d["reviewer"], d["kind"]) for d in decided} == {("importer", "import")}


def test_ris_is_plain_standard_ris(labelled, tmp_path):
    out = tmp_path / "export.ris"
    assert run(["export", "test-review", "--format", "ris", "-o", out], labelled).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"TY  - ") and b"\r\n" in raw and b"\n1.\r\n" not in raw
    entries = rispy.load(out, encoding="utf-8")
    assert len(entries) == len(exported(labelled))
    included = [e for e in entries if "lsr:include" in e.get("keywords", [])]
    assert included and all("ASReview_relevant" in e["notes"] for e in included)
    excluded = next(e for e in entries if "lsr-reason:wrong population" in e.get("keywords", []))
    assert "ASReview_irrelevant" in excluded["notes"]
    assert any("reason: wrong population" in n for n in excluded["notes"])
    with_oa = [e for e in entries if any("openalex.org/W" in u for u in e.get("urls", []))]
    assert len(with_oa) == 15


def test_rispy_written_ris_with_counter_lines_is_read_back(labelled, tmp_path):
    """rispy's own writer numbers records ("1.", "2.") — the importer must read such files."""
    out = tmp_path / "export.ris"
    assert run(["export", "test-review", "--format", "ris", "-o", out], labelled).exit_code == 0
    entries = rispy.load(out, encoding="utf-8")
    rewritten = tmp_path / "rispy.ris"
    with open(rewritten, "w", encoding="utf-8") as fh:
        rispy.dump(entries, fh)
    assert rewritten.read_text(encoding="utf-8").startswith("1.\n")
    result = run(["import", "copy-review", rewritten], labelled)
    assert result.exit_code == 0, result.output
    assert comparable(exported(labelled, "copy-review")) == comparable(exported(labelled))


def test_asreview_reads_our_csv_with_the_right_labels(labelled, tmp_path):
    from asreview.data.loader import load_records

    out = tmp_path / "for-asreview.csv"
    assert run(["export", "test-review", "--format", "csv", "-o", out], labelled).exit_code == 0
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert "included" in header and "label" not in header
    ours = {i["title"]: i["label"] for i in exported(labelled)}
    records = load_records(out, dataset_id="lsr")
    assert len(records) == len(ours)
    expected = {"include": 1, "exclude": 0, "maybe": None, None: None}
    assert {r.title: r.included for r in records} == {t: expected[label] for t, label in ours.items()}
    trial = next(r for r in records if r.doi == "10.1016/j.econedurev.2019.101234")
    assert trial.authors == ["Smith J.", "Jansen P."] and trial.year == 2019


def test_asreview_reads_our_ris_with_the_right_labels(labelled, tmp_path):
    from asreview.data.loader import load_records

    out = tmp_path / "for-asreview.ris"
    assert run(["export", "test-review", "--format", "ris", "-o", out], labelled).exit_code == 0
    ours = {i["title"]: i["label"] for i in exported(labelled)}
    records = load_records(out, dataset_id="lsr")
    expected = {"include": 1, "exclude": 0, "maybe": None, None: None}
    assert {r.title: r.included for r in records} == {t: expected[label] for t, label in ours.items()}


@pytest.mark.parametrize("fmt", ["ris", "csv", "json"])
def test_only_included_to_stdout(labelled, fmt):
    result = run(["export", "test-review", "--format", fmt, "--only", "included"], labelled)
    assert result.exit_code == 0, result.output
    n_included = len(exported(labelled, "test-review", "--only", "included"))
    assert n_included == 2
    if fmt == "ris":
        assert result.stdout.count("TY  - ") == n_included
    elif fmt == "csv":
        assert len(result.stdout.strip().splitlines()) == n_included + 1


def test_json_contract_is_unchanged(labelled):
    item = exported(labelled)[0]
    assert {"id", "openalex_id", "doi", "pmid", "title", "abstract", "authors", "year", "venue", "label", "reason",
            "decisions", "sources"} <= set(item)
    assert all({"reviewer", "stage", "label", "reason", "at"} <= set(d) for d in item["decisions"])
    assert item["sources"] and all("kind" in s for s in item["sources"])


def test_csv_maybe_survives_via_lsr_label_but_asreview_file_without_it_keeps_ones_and_zeros(tmp_path, workspace):
    path = tmp_path / "asreview-export.csv"
    path.write_text("title,included,exclusion_reason\nA first title about school time,1,\n"
                    "A second title about school time,0,wrong design\nA third title about school time,,\n",
                    encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    items = {i["title"]: i for i in exported(workspace)}
    assert items["A first title about school time"]["label"] == "include"
    assert (items["A second title about school time"]["label"], items["A second title about school time"]["reason"]
            ) == ("exclude", "wrong design")
    assert items["A third title about school time"]["label"] is None


def test_reimported_labels_with_unknown_reason_keep_it_in_the_note(tmp_path, workspace):
    path = tmp_path / "other-review.csv"
    path.write_text("title,lsr_label,exclusion_reason\nA title about the long school day,exclude,not a reason here\n",
                    encoding="utf-8")
    assert run(["import", "test-review", path], workspace).exit_code == 0
    [item] = exported(workspace)
    [decision] = item["decisions"]
    assert item["label"] == "exclude" and item["reason"] is None
    assert decision["note"] == "imported reason: not a reason here"


def test_bibtex_export_reads_back_as_the_same_records(labelled, tmp_path):
    """`--format bibtex` for the LaTeX of a paper: one entry per record with a unique key, TeX's specials
    escaped, and `lsr import` of the file into a new review gives the same bibliographic records."""
    out = tmp_path / "all.bib"
    result = run(["export", "test-review", "--format", "bibtex", "-o", str(out)], labelled)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    original = exported(labelled)
    assert text.count("\n@") + 1 == len(original) and "lsr: include, record" in text
    keys = [line.split("{", 1)[1].rstrip(",") for line in text.splitlines() if line.startswith("@")]
    assert len(set(keys)) == len(keys)
    imported = run(["import", "copy-review", str(out)], labelled)
    assert imported.exit_code == 0, imported.output
    assert f"{len(original)} new" in imported.stdout
    fields = ("title", "doi", "authors", "year")
    copy = sorted(tuple(json.dumps(i[f]) for f in fields) for i in exported(labelled, "copy-review"))
    assert copy == sorted(tuple(json.dumps(i[f]) for f in fields) for i in original)


def test_bibtex_escapes_what_tex_would_read_as_commands_and_reads_it_back(tmp_path):
    from lsr.export_formats import bibtex_entry
    from lsr.search.importers import read_file

    title = "R&D at 50% for #1_a {x} $5, Müller"
    entry = bibtex_entry({"title": title, "authors": ["Smith, J."], "year": 2020}, "k")
    assert r"title = {R\&D at 50\% for \#1\_a \{x\} \$5, Müller}" in entry and entry.startswith("@article{k,")
    path = tmp_path / "one.bib"
    path.write_text(entry, encoding="utf-8")
    assert read_file(path).records[0].candidate.title == title
