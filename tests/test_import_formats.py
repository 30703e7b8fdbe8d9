"""`lsr import` on realistic exports: Scopus/Zotero/PubMed-via-EndNote RIS, Scopus/Zotero/WoS/ASReview CSV,
WoS plain text, PubMed's MEDLINE format."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlmodel import select

from lsr.models import RecordSource, SearchRun
from lsr.search.importers import import_file, read_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import export_json, run, status_json

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"


def by_doi(items: list[dict]) -> dict[str, dict]:
    return {i["doi"]: i for i in items if i["doi"]}


def test_scopus_ris_fields(workspace):
    result = run(["import", "test-review", DATA / "scopus.ris"], workspace)
    assert result.exit_code == 0, result.output
    assert "4 new" in result.stdout and "source Scopus" in result.stdout
    items = by_doi(export_json(workspace))
    first = items["10.1016/j.econedurev.2019.101234"]
    assert first["title"] == "Extended school day and student achievement: Evidence from a randomised trial"
    assert first["authors"] == ["Smith J.", "Jansen P."]
    assert first["year"] == 2019 and first["venue"] == "Economics of Education Review"
    assert first["keywords"] == ["Extended school day", "Achievement", "Randomised trial"]
    assert first["abstract"].startswith("We evaluate a programme")
    assert items["10.1007/s11092-018-9281-3"]["pmid"] == "29876543"  # Scopus C2 / "PubMed ID:" note
    assert items["10.1080/13676261.2020.1755555"]["authors"][0] == "Müller K."
    assert items["10.1016/j.econedurev.2020.101999"]["type"] == "erratum"
    assert first["sources"] == [{"kind": "ris", "duplicate": False, "file": str(DATA / "scopus.ris"),
                                 "source": "Scopus"}]


def test_import_is_logged_as_a_search_run_with_provenance(workspace):
    path = DATA / "zotero.ris"
    assert run(["import", "test-review", path, "--source", "Zotero library"], workspace).exit_code == 0
    ws = open_workspace(resolve(workspace))
    with ws.db.read() as session:
        [search] = session.exec(select(SearchRun)).all()
        sources = session.exec(select(RecordSource).order_by(RecordSource.id)).all()
    assert (search.kind, search.source, search.file, search.status) == ("import", "Zotero library", str(path), "ok")
    assert (search.results_returned, search.new_records, search.duplicates) == (2, 2, 0)
    assert search.file_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert [(s.kind, s.source_key) for s in sources] == [("ris", "1"), ("ris", "21")]  # the line of each TY
    # imports are not search runs in the status contract
    assert status_json(workspace)["reviews"][0]["search_runs"] == 0


def test_zotero_ris_book_and_date(workspace):
    assert run(["import", "test-review", DATA / "zotero.ris"], workspace).exit_code == 0
    items = export_json(workspace)
    book = next(i for i in items if i["type"] == "book")
    assert book["title"] == "Time for learning: extended school days in Europe" and book["year"] == 2017
    article = next(i for i in items if i["type"] == "article")
    assert article["publication_date"] == "2021-03-01"
    assert article["authors"] == ["García-López, María", "Visser, Bram"]


def test_pubmed_endnote_cp1252_crlf_counters_merge_with_scopus(workspace):
    assert run(["import", "test-review", DATA / "scopus.ris"], workspace).exit_code == 0
    result = run(["import", "test-review", DATA / "pubmed_endnote_cp1252.ris"], workspace)
    assert result.exit_code == 0, result.output
    assert "cp1252" in result.stdout and "source PubMed" in result.stdout
    assert "1 new, 2 duplicate(s)" in result.stdout
    items = export_json(workspace)
    trial = by_doi(items)["10.1016/j.econedurev.2019.101234"]
    # merged by title (PubMed copy has no DOI): the PMID is added, the record keeps its DOI
    assert trial["pmid"] == "31456789"
    assert [s["kind"] for s in trial["sources"]] == ["ris", "ris"]
    french = next(i for i in items if i["pmid"] == "27000111")
    assert french["title"].startswith("Après l'école") and french["authors"] == ["Lefèvre, Élodie"]
    assert status_json(workspace)["reviews"][0]["duplicates"] == 2


def test_scopus_csv_with_bom_and_old_author_style(workspace):
    result = run(["import", "test-review", DATA / "scopus.csv"], workspace)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout and "source Scopus" in result.stdout  # the blank ",,,," row is skipped
    items = export_json(workspace)
    homework = next(i for i in items if i["pmid"] == "35111222")
    assert homework["authors"] == ["Bakker M.", "Kaya S."]
    assert homework["title"] == 'Homework support in the extended school day: effects on "time on task"'
    assert homework["venue"] == "Learning and Instruction" and homework["keywords"] == ["homework", "time on task"]


def test_zotero_csv_generic_titles_never_merge(workspace):
    result = run(["import", "test-review", DATA / "zotero.csv"], workspace)
    assert result.exit_code == 0, result.output
    items = export_json(workspace)
    abstracts = [i for i in items if i["title"] == "Abstracts"]
    assert len(abstracts) == 2
    assert {i["pmid"] for i in abstracts} == {"26000001", None}  # PMID from Zotero's Extra field


def test_wos_tab_delimited_utf16(workspace):
    result = run(["import", "test-review", DATA / "wos_tab_utf16.txt"], workspace)
    assert result.exit_code == 0, result.output
    assert "utf-16" in result.stdout
    items = by_doi(export_json(workspace))
    elt = items["10.1007/s11092-018-9281-3"]
    assert elt["authors"] == ["de Vries, A"] and elt["pmid"] == "29876543" and elt["year"] == 2018


def import_beside_scopus(workspace: Path, name: str) -> str:
    """Import the Scopus RIS export, then ``name`` (sharing a study with it); the second import's output."""
    assert run(["import", "test-review", DATA / "scopus.ris"], workspace).exit_code == 0
    result = run(["import", "test-review", DATA / name], workspace)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_wos_plain_text(workspace):
    out = import_beside_scopus(workspace, "wos_plain.txt")
    assert "WOS" in out and "source Web of Science" in out and "1 new, 1 duplicate(s)" in out
    items = export_json(workspace)
    elt = by_doi(items)["10.1007/s11092-018-9281-3"]
    assert [s["kind"] for s in elt["sources"]] == ["ris", "wos"]
    abstract = next(i for i in items if i["title"] == "After-school clubs and friendship networks")
    assert abstract["type"] == "abstract" and abstract["authors"] == ["Okafor, Chidi"] and abstract["year"] == 2016
    [parsed] = [r for r in read_file(DATA / "wos_plain.txt").records if r.candidate.doi]
    c = parsed.candidate
    assert c.title == "Expanded learning time and reading outcomes in Dutch primary schools"
    assert c.keywords == ["expanded learning time", "reading", "primary schools", "ACHIEVEMENT"]  # DE, then ID
    assert c.pmid == "29876543"
    assert c.authors == ["de Vries, Anne", "Jansen, Pieter"] and parsed.line == 3


def test_pubmed_medline_format(workspace):
    """PubMed's own export (Save as "PubMed" / Send to citation manager, .nbib), CRLF, read directly."""
    out = import_beside_scopus(workspace, "pubmed_medline.nbib")
    assert "MEDLINE" in out and "source PubMed" in out and "2 new, 1 duplicate(s)" in out
    items = export_json(workspace)
    trial = by_doi(items)["10.1016/j.econedurev.2019.101234"]
    assert [s["kind"] for s in trial["sources"]] == ["ris", "medline"] and trial["pmid"] == "31811234"
    trial, chapter, dutch = (r.candidate for r in read_file(DATA / "pubmed_medline.nbib").records)
    assert trial.title == "Extended school day and student achievement: Evidence from a randomised trial"
    assert trial.abstract.endswith("after two years.") and "  " not in trial.abstract
    assert trial.authors == ["Smith, John", "Jansen, Pieter"] and trial.venue == "Economics of education review"
    assert trial.year == 2019 and trial.publication_date == "2019-12" and trial.language == "en"
    assert trial.keywords == ["extended school day", "reading", "Child", "Schools"] and trial.type == "article"
    assert chapter.type == "review" and chapter.authors == ["Working Group on Extended Schools"]
    assert chapter.title == "Community schools" and chapter.doi is None and chapter.pmid == "34567001"
    assert dutch.doi == "10.5117/ps2022.2.003.berg" and dutch.language == "nl" and dutch.publication_date is None
    assert dutch.authors == ["van den Berg, Eva"] and dutch.year == 2022


def test_bibtex_jabref_and_google_scholar(workspace):
    """BibTeX as JabRef and Google Scholar write it: % header, @String macros, LaTeX accents, @Comment."""
    out = import_beside_scopus(workspace, "jabref_scholar.bib")
    assert "(BibTeX, utf-8, source bibtex)" in out and "2 new, 1 duplicate(s)" in out
    trial, proceedings, scholar = (r.candidate for r in read_file(DATA / "jabref_scholar.bib").records)
    assert trial.venue == "Economics of Education Review" and trial.publication_date == "2019-12"
    assert trial.authors == ["Smith, John", "Jansen, Pieter"] and trial.keywords == ["extended school day", "reading"]
    assert proceedings.authors == ["Müller, Karl", "Øster, Lene", "Working Group on Extended Schools"]
    assert proceedings.title == "Verlengde schooldag in Limburg: één verkenning"
    assert proceedings.type == "proceedings-article" and proceedings.doi == "10.1000/ecer.2020.17"
    assert proceedings.venue == "Proceedings of the European Conference on Educational Research"
    assert proceedings.year == 2020 and proceedings.keywords == ["community schools", "Netherlands"]
    assert scholar.type == "other" and scholar.year == 2016 and scholar.venue == "OSF Preprints"
    assert [r.line for r in read_file(DATA / "jabref_scholar.bib").records] == [5, 18, 28]


def test_asreview_csv_labels_become_decisions_of_named_reviewer(workspace):
    assert run(["import", "test-review", DATA / "scopus.ris"], workspace).exit_code == 0
    result = run(["import", "test-review", DATA / "asreview_labels.csv", "--labels-reviewer", "anna"], workspace)
    assert result.exit_code == 0, result.output
    assert "2 label(s) recorded as decisions of anna" in result.stdout
    items = by_doi(export_json(workspace))
    trial = items["10.1016/j.econedurev.2019.101234"]
    assert trial["label"] == "include"
    assert [(d["reviewer"], d["label"], d["kind"]) for d in trial["decisions"]] == [("anna", "include", "import")]
    assert items["10.1007/s11092-018-9281-3"]["label"] == "exclude"
    review = status_json(workspace)["reviews"][0]
    assert (review["included"], review["excluded"], review["screened"]) == (1, 1, 2)


def test_two_stage_labels_of_asreview_benchmark_files_become_title_abstract_and_full_text_decisions(
        workspace, tmp_path):
    """ASReview's benchmark CSVs carry label_abstract_screening (title/abstract) beside label_included (final):
    the first is the title/abstract decision, the final inclusion a full-text one; a full-text exclusion has no
    reason in the file, so it waits for a reviewer, with a warning."""
    path = tmp_path / "two_stage.csv"
    path.write_text("record_id,title,abstract,year,label_included,label_abstract_screening\n"
                    "1,Included in the end,Abstract one,2001,1,1\n"
                    "2,Passed the abstracts only,Abstract two,2002,0,1\n"
                    "3,Excluded on the abstract,Abstract three,2003,0,0\n"
                    "4,Not screened,Abstract four,2004,,\n", encoding="utf-8")
    result = run(["import", "test-review", path, "--labels-reviewer", "anna"], workspace)
    assert result.exit_code == 0, result.output
    assert "4 label(s) recorded as decisions of anna" in result.stdout  # three title/abstract, one full text
    assert "1 record(s) included at title/abstract were not included in the end (lines 3)" in result.stderr
    review = status_json(workspace)["reviews"][0]
    assert (review["included"], review["excluded"], review["unscreened"]) == (2, 1, 1)
    assert (review["fulltext"]["included"], review["fulltext"]["pending"]) == (1, 1)

    from lsr.ranking.simulate import load_labelled_file

    data = load_labelled_file(path)  # a simulation screens for the final inclusions, as ASReview does
    assert data.titles == ["Included in the end", "Passed the abstracts only", "Excluded on the abstract"]
    assert data.labels.tolist() == [1, 0, 0]


def test_label_option_labels_a_list_exported_from_another_tool(workspace):
    """--label: every record of an unlabelled list (Covidence's Included tab as RIS) becomes an include of the
    labels reviewer; a record the file labels itself keeps its own label."""
    result = run(["import", "test-review", DATA / "scopus.ris", "--label", "include", "--labels-reviewer", "anna"],
                 workspace)
    assert result.exit_code == 0, result.output
    assert "4 label(s) recorded as decisions of anna" in result.stdout
    items = export_json(workspace)
    assert {i["label"] for i in items} == {"include"}
    assert {(d["reviewer"], d["kind"]) for i in items for d in i["decisions"]} == {("anna", "import")}
    mixed = run(["import", "test-review", DATA / "asreview_labels.csv", "--label", "include"], workspace)
    assert mixed.exit_code == 0, mixed.output
    assert by_doi(export_json(workspace))["10.1007/s11092-018-9281-3"]["label"] == "exclude"  # its own label
    wrong = run(["import", "test-review", DATA / "zotero.ris", "--label", "relevant"], workspace)
    assert wrong.exit_code == 2 and "'relevant' is not one of" in wrong.output


def test_labels_default_to_the_invocation_reviewer(workspace):
    result = run(["--reviewer", "bob", "import", "test-review", DATA / "asreview_labels.csv"], workspace)
    assert result.exit_code == 0, result.output
    assert "decisions of bob" in result.stdout


def test_library_api_read_and_import(workspace):
    parsed = read_file(DATA / "scopus.ris")
    assert parsed.format == "ris" and parsed.encoding == "utf-8" and len(parsed.records) == 4
    assert [r.line for r in parsed.records] == [1, 25, 41, 55]
    ws = open_workspace(resolve(workspace))
    seen = []
    summary = import_file(ws, "test-review", DATA / "scopus.ris", progress=lambda done, total: seen.append((done, total)))
    assert (summary.hits, summary.new_records, summary.duplicates, summary.source) == (4, 4, 0, "Scopus")
    assert seen == [(4, 4)]


def test_same_file_twice_is_refused(workspace):
    assert run(["import", "test-review", DATA / "scopus.ris"], workspace).exit_code == 0
    result = run(["import", "test-review", DATA / "scopus.ris"], workspace)
    assert result.exit_code == 1
    assert "already imported" in result.stderr and "scopus.ris" in result.stderr


@pytest.mark.parametrize("style", ["one-space", "no-trailing-space"])
def test_loose_tag_spacing(workspace, tmp_path, style):
    if style == "one-space":
        text = "TY - JOUR\nTI - Loose tags from an old exporter are read\nAU - Kim, H.\nPY - 2011\nER -\n"
    else:
        text = "TY  - JOUR\nTI  - Tags without a value still parse fine\nN1  -\nAU  - Kim, H.\nER  -\n"
    path = tmp_path / "loose.ris"
    path.write_text(text, encoding="utf-8")
    [rec] = read_file(path).records
    assert rec.candidate.title.endswith(("are read", "parse fine")) and rec.candidate.authors == ["Kim, H."]


def test_jstor_header_lines_before_first_record(tmp_path):
    path = tmp_path / "jstor.ris"
    path.write_text('Provider: JSTOR http://www.jstor.org\nDatabase: JSTOR\nContent: text/plain; charset="UTF-8"\n\n'
                    "TY  - JOUR\nTI  - School time and learning in the long run\nAU  - Ruiz, P.\nPY  - 1999\n"
                    "ER  - \n", encoding="utf-8")
    [rec] = read_file(path).records
    assert rec.line == 5 and rec.candidate.year == 1999


def test_rayyan_export_keeps_each_members_decisions(tmp_path):
    """A team moving from Rayyan keeps who decided what: each member's decision becomes that member's own,
    so dual screening's disagreements show up in `lsr conflicts`; reasons Rayyan names that the protocol
    has are reasons, the others and the members' notes are kept in the note."""
    from lsr.models import Decision
    from tests.helpers import make_workspace

    ws_path = make_workspace(tmp_path / "ws", reviewers=2)
    result = run(["import", "test-review", DATA / "rayyan_articles.csv"], ws_path)
    assert result.exit_code == 0, result.output
    assert "6 label(s) recorded as decisions of Anna, Bob" in result.stdout
    assert "source Rayyan)" in result.stdout  # the PRISMA-S log names the tool, not "csv"
    ws = open_workspace(resolve(ws_path))
    with ws.db.read() as s:
        decisions = {(d.reviewer, d.label, d.reason, d.note) for d in s.exec(select(Decision)).all()}
    assert ("Bob", "exclude", "wrong population", "secondary school, not primary") in decisions
    assert ("Anna", "include", None, "Rayyan labels: RCT, primary school") in decisions
    assert ("Bob", "exclude", "wrong population", "imported reason: animal study") in decisions
    assert len(decisions) == 6
    conflicts = run(["conflicts", "test-review", "--json"], ws_path)
    assert conflicts.exit_code == 0, conflicts.output
    [conflict] = json.loads(conflicts.stdout)["conflicts"]
    assert conflict["record"]["title"] == "Longer school days and adolescent sleep"
    assert sorted((lab["reviewer"], lab["label"]) for lab in conflict["labels"]) == [("Anna", "include"),
                                                                                   ("Bob", "exclude")]
    again = run(["import", "test-review", DATA / "rayyan_articles.csv"], ws_path)
    assert again.exit_code != 0 and "already imported" in again.output


def test_rayyan_ris_export_notes(tmp_path):
    """Rayyan's RIS export carries the same decisions in N1."""
    text = ("TY  - JOUR\nTI  - Extended school day and reading\nPY  - 2020\nDO  - 10.1000/ris.1\n"
            'N1  - RAYYAN-INCLUSION: {"Anna"=>"Maybe", "Bob"=>"Included"}\nER  - \n')
    path = tmp_path / "rayyan.ris"
    path.write_text(text, encoding="utf-8")
    [rec] = read_file(path).records
    assert rec.label is None and rec.member_labels == {"Anna": ("maybe", None), "Bob": ("include", None)}


def _workbook(path: Path, rows: list[list], *, notes_sheet: bool = True) -> Path:
    """An Excel workbook as a team keeps a screening list: a notes sheet first, then the table."""
    import datetime as dt

    from openpyxl import Workbook

    book = Workbook()
    if notes_sheet:
        book.active.title = "Toelichting"
        book.active.append(["Zoekstrategie: zie protocol"])
        sheet = book.create_sheet("Screening")
    else:
        sheet = book.active
    for row in rows:
        sheet.append([dt.datetime(*v) if isinstance(v, tuple) else v for v in row])
    sheet.cell(row=1, column=len(rows[0]) + 3).number_format = "0.00"  # a formatted, empty column
    book.save(path)
    return path


def test_excel_workbook_reads_its_screening_sheet(workspace, tmp_path):
    """An .xlsx is read as the table on its first sheet with a header; numbers and dates as Excel shows them,
    labels as in CSV."""
    path = _workbook(tmp_path / "screening.xlsx", [
        ["Title", "Abstract", "Authors", "Year", "PMID", "Publication date", "Included"],
        ["Extended school day and student achievement", "Line one\nline two", "Smith, J.; Jansen, P.", 2019,
         31811234.0, (2019, 12, 1), 1],
        [None, None, None, None, None, None, None],
        ["Longer school days and adolescent sleep", "Pupils slept less.", "Okafor, C.", 2021, None, None, 0],
    ])
    result = run(["import", "test-review", path, "--labels-reviewer", "anna"], workspace)
    assert result.exit_code == 0, result.output
    assert "(Excel, sheet Screening, source xlsx)" in result.stdout and "2 new" in result.stdout
    assert "2 label(s) recorded as decisions of anna" in result.stdout
    first, second = read_file(path).records
    c = first.candidate
    assert (first.line, second.line) == (2, 4) and first.label == "include" and second.label == "exclude"
    assert c.year == 2019 and c.pmid == "31811234" and c.publication_date == "2019-12-01"
    assert c.abstract == "Line one line two" and c.authors == ["Smith, J.", "Jansen, P."]


def test_excel_workbook_refusals_name_sheet_or_row(workspace, tmp_path):
    bad_label = _workbook(tmp_path / "bad.xlsx", [["Title", "Included"], ["A study", 1], ["Another", "perhaps"]])
    result = run(["import", "test-review", bad_label], workspace)
    assert result.exit_code == 1 and "line 3" in result.output and "'perhaps'" in result.output
    no_header = _workbook(tmp_path / "none.xlsx", [["Naam", "Datum"], ["x", 1]], notes_sheet=False)
    result = run(["import", "test-review", no_header], workspace)
    assert result.exit_code == 1 and "no sheet starts with a header" in result.output and "'Sheet'" in result.output


def test_asreview_lab_project_file_brings_records_and_labels(workspace):
    """A project file written by asreview 3 (simulated on 8 records of our own, 5 of them screened)."""
    result = run(["import", "test-review", DATA / "asreview_lab_project.asreview", "--labels-reviewer", "anna"],
                 workspace)
    assert result.exit_code == 0, result.output
    assert "(ASReview LAB project, project file v3, source ASReview LAB)" in result.stdout
    assert "8 new" in result.stdout and "5 label(s) recorded as decisions of anna" in result.stdout
    items = by_doi(export_json(workspace))
    assert items["10.1000/asr.1"]["label"] == "include" and items["10.1000/asr.2"]["label"] == "exclude"
    assert items["10.1000/asr.5"]["label"] is None  # not screened in ASReview
    assert items["10.1000/asr.1"]["authors"] == ["Smith, J.", "Jansen, P."]
    review = status_json(workspace)["reviews"][0]
    assert (review["included"], review["excluded"]) == (3, 2)


def test_a_zip_that_claims_to_be_a_project_without_results_is_refused(workspace, tmp_path):
    import zipfile

    path = tmp_path / "empty.asreview"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.json", '{"version": "3.0.8", "project_file_version": 3, "id": "x"}')
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1 and "without results.db" in result.output


def _as_version_2(v3: Path, out: Path) -> Path:
    """The v3 fixture rewritten in ASReview's project file version 2 layout (asreview 2.0: records in
    data_store.db, decisions in reviews/<id>/results.db, decision_changes with a new_label column), the
    reverse of asreview.project.migration.v2v3 as its docstring describes it."""
    import shutil
    import sqlite3
    import tempfile
    import zipfile

    with tempfile.TemporaryDirectory() as tmp:
        zipfile.ZipFile(v3).extractall(tmp)
        config = json.loads(Path(tmp, "project.json").read_text())
        review = config.pop("review")
        config |= {"project_file_version": 2, "reviews": [{"id": "r1", "status": review.get("status", "setup")}]}
        Path(tmp, "project.json").write_text(json.dumps(config))
        shutil.copy(Path(tmp, "results.db"), Path(tmp, "data_store.db"))
        with sqlite3.connect(Path(tmp, "data_store.db")) as store:
            for table in ("results", "last_ranking", "decision_changes"):
                store.execute(f"DROP TABLE {table}")
        with sqlite3.connect(Path(tmp, "results.db")) as results:
            results.execute("DROP TABLE record")
            results.execute("DROP TABLE decision_changes")
            results.execute("CREATE TABLE decision_changes (record_id INTEGER, new_label INTEGER, time FLOAT)")
            for (trigger,) in results.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                results.execute(f"DROP TRIGGER {trigger}")
        Path(tmp, "reviews", "r1").mkdir(parents=True)
        shutil.move(Path(tmp, "results.db"), Path(tmp, "reviews", "r1", "results.db"))
        with zipfile.ZipFile(out, "w") as archive:
            for path in Path(tmp).rglob("*"):
                if path.is_file():
                    archive.write(path, path.relative_to(tmp).as_posix())
    return out


def test_an_older_asreview_project_is_migrated_by_asreview_first(workspace, tmp_path):
    path = _as_version_2(DATA / "asreview_lab_project.asreview", tmp_path / "older.asreview")
    parsed = read_file(path)
    assert parsed.encoding == "project file v2" and len(parsed.records) == 8
    assert [r.label for r in parsed.records] == ["include", "exclude", None, "include", None, "include", None, "exclude"]


def test_an_asreview_record_without_title_abstract_or_doi_is_left_out_with_a_warning(workspace, tmp_path):
    """ASReview keeps a dataset row that has only an id it does not store; a project file cannot be
    edited, so that record is left out (and said so) instead of refusing the whole project."""
    import shutil
    import sqlite3
    import zipfile

    folder = tmp_path / "project"
    zipfile.ZipFile(DATA / "asreview_lab_project.asreview").extractall(folder)
    with sqlite3.connect(folder / "results.db") as db:
        db.execute("UPDATE record SET title = '', abstract = '', doi = NULL WHERE record_id = 2")
    path = Path(shutil.make_archive(str(tmp_path / "blank"), "zip", folder)).rename(tmp_path / "blank.asreview")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "7 new" in result.stdout
    assert "1 record(s) of the project have no title, abstract or DOI and were not imported (ASReview record_id 2)" \
        in result.stderr


def test_dry_run_says_what_an_import_would_do_and_writes_nothing(workspace):
    assert run(["import", "test-review", DATA / "scopus.ris"], workspace).exit_code == 0
    before = export_json(workspace)
    result = run(["import", "test-review", DATA / "asreview_labels.csv", "--dry-run", "--labels-reviewer", "anna"],
                 workspace)
    assert result.exit_code == 0, result.output
    assert "would import" in result.stdout and "label(s) would be recorded as decisions of anna" in result.stdout
    assert "dry run: nothing was written" in result.stdout
    assert export_json(workspace) == before
    real = run(["import", "test-review", DATA / "asreview_labels.csv", "--labels-reviewer", "anna"], workspace)
    assert real.exit_code == 0 and "imported" in real.stdout  # not "already imported": the dry run left no trace
    assert real.stdout.replace("imported", "would import").replace("recorded", "would be recorded").split("\n")[:2] \
        == result.stdout.split("\n")[:2]


def test_markup_from_crossref_and_publishers_is_not_stored_shown_or_ranked(workspace, tmp_path):
    """A publisher's RIS with JATS around the abstract and HTML in the title: stored and exported as plain
    text, and the same study from a plain CSV is recognised by title."""
    ris = tmp_path / "crossref.ris"
    ris.write_text("TY  - JOUR\nTI  - Homework support for <i>Roma</i> pupils in H<sub>2</sub>-year groups\n"
                   "AB  - <jats:title>Abstract</jats:title><jats:p>We followed 40 pupils &amp; their teachers."
                   "</jats:p>\nPY  - 2021\nER  - \n", encoding="utf-8")
    assert run(["import", "test-review", ris], workspace).exit_code == 0
    csv_path = tmp_path / "plain.csv"
    csv_path.write_text('title,abstract,year\n"Homework support for Roma pupils in H2-year groups",'
                        '"We followed 40 pupils & their teachers.",2021\n', encoding="utf-8")
    result = run(["import", "test-review", csv_path], workspace)
    assert result.exit_code == 0 and "0 new, 1 duplicate(s)" in result.stdout, result.output
    [item] = [i for i in export_json(workspace) if i["title"].startswith("Homework support")]
    assert item["title"] == "Homework support for Roma pupils in H2-year groups"
    assert item["abstract"] == "Abstract We followed 40 pupils & their teachers."


def test_endnote_xml_library(workspace):
    """EndNote's XML export (one line, every field in <style> runs): fields as EndNote's RIS would give them."""
    result = run(["import", "test-review", DATA / "endnote_library.xml"], workspace)
    assert result.exit_code == 0, result.output
    assert "3 new" in result.stdout and "EndNote XML" in result.stdout
    assert "1 label(s) recorded" in result.stdout  # ASReview_relevant in the research notes
    items = {i["title"]: i for i in export_json(workspace)}
    trial = items["Extended school day and achievement of pupils in deprived neighbourhoods: a cluster randomised trial"]
    assert trial["authors"] == ["Jansen, P.", "Müller, K."] and trial["year"] == 2021
    assert trial["doi"] == "10.1080/19345747.2021.1880512" and trial["pmid"] == "33712345"
    assert trial["venue"] == "Journal of Educational Effectiveness" and trial["type"] == "article"
    assert trial["keywords"] == ["Extended school day", "Humans"]
    assert trial["abstract"].endswith("the usual timetable & measured reading after one year.")
    chapter = items["Verlengde schooldag in de praktijk"]
    assert chapter["type"] == "book-chapter" and chapter["doi"] == "10.5117/9789024425123.ch03"
    assert chapter["authors"] == ["de Vries, Anne-Marie"]  # the editor (secondary author) is not an author
    pilot = items["After-school tutoring and homework support: a pilot in Heerlen-Noord"]
    assert pilot["type"] == "proceedings-article" and pilot["label"] == "include"


def test_endnote_xml_records_on_one_line_are_told_apart(workspace, tmp_path):
    """EndNote writes the whole library on one line: two copies of a record there are one duplicate, not one hit."""
    text = (DATA / "endnote_library.xml").read_text(encoding="utf-8")
    first = text[text.index("<record>"):text.index("</record>") + len("</record>")]
    doubled = tmp_path / "doubled.xml"
    doubled.write_text(text.replace(first, first + first, 1), encoding="utf-8")
    result = run(["import", "test-review", doubled], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 4 record(s)" in result.stdout and "3 new, 1 duplicate(s) (1 within the file)" in result.stdout


def test_embase_and_springer_csv_columns(workspace, tmp_path):
    """Embase's CSV puts the citation into "Source" and the DOI into an OpenURL link; SpringerLink's names its
    columns "Item Title" and "Item DOI". Both were stored without year or DOI, or refused."""
    embase = tmp_path / "embase.csv"
    embase.write_text(
        'Title,Author Names,Source,Abstract,Open URL Link\n'
        '"Homework clubs in deprived areas","Liu R., Adler D.G.",'
        '"Journal of School Health (2014) 3:3 (152-160). Date of Publication: 2014","Pupils.",'
        '"http://sfx.example.nl/utrecht?sid=EMBASE&issn=22267190&id=doi:10.4103%2F2303-9027.138783&atitle=Homework"\n',
        encoding="utf-8")
    springer = tmp_path / "springer.csv"
    springer.write_text(
        'Item Title,Publication Title,Book Series Title,Journal Volume,Journal Issue,Item DOI,Authors,'
        'Publication Year,URL,Content Type\n"Tutoring at scale","Nature","","17","3","10.1007/s11111-020-0001-2",'
        '"Andy Smith","2020","http://link.springer.com/article/10.1007/s11111-020-0001-2","Article"\n',
        encoding="utf-8")
    for path in (embase, springer):
        result = run(["import", "test-review", path], workspace)
        assert result.exit_code == 0 and "1 new" in result.stdout, result.output
    items = by_doi(export_json(workspace))
    clubs = items["10.4103/2303-9027.138783"]
    assert (clubs["year"], clubs["venue"], clubs["authors"]) == (2014, "Journal of School Health", ["Liu R.", "Adler D.G."])
    tutoring = items["10.1007/s11111-020-0001-2"]
    assert (tutoring["title"], tutoring["year"], tutoring["venue"], tutoring["type"]) == (
        "Tutoring at scale", 2020, "Nature", "article")


def test_pubmed_xml_from_efetch(workspace):
    """PubMed's XML (E-utilities efetch): read by the MEDLINE rules, so it merges with the same records in MEDLINE."""
    result = run(["import", "test-review", DATA / "pubmed_efetch.xml"], workspace)
    assert result.exit_code == 0, result.output
    assert "3 new" in result.stdout and "PubMed XML" in result.stdout and "source PubMed" in result.stdout
    items = {i["pmid"]: i for i in export_json(workspace)}
    trial = items["36512345"]
    assert trial["title"] == "Debt counselling and parental stress: a randomised trial in the Netherlands."
    assert trial["abstract"] == "BACKGROUND: Problem debt is common in deprived areas. METHODS: We randomised 212 households."
    assert trial["authors"] == ["Jansen, Pieter", "Müller, K", "Heerlen-Noord Study Group"]
    assert (trial["doi"], trial["year"], trial["venue"]) == ("10.1016/j.chiabu.2022.105987", 2023, "Child abuse & neglect")
    assert trial["keywords"] == ["Debt", "Humans", "Stress, Psychological"]
    vernacular = items["31234567"]  # no English title: the title in the original language; a MedlineDate
    assert (vernacular["title"], vernacular["year"]) == ("Schuldhulpverlening in Heerlen.", 2019)
    book = items["20301295"]
    assert (book["type"], book["year"], book["authors"]) == ("book-chapter", 1993, ["Bakker, Lotte"])


def test_csl_json_from_zotero(workspace):
    """CSL JSON as Zotero exports it: CSL types, name particles, date-parts, a DOI only in the URL."""
    result = run(["import", "test-review", DATA / "zotero_csl.json"], workspace)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout and "CSL JSON" in result.stdout
    items = by_doi(export_json(workspace))
    article = items["10.1017/s0047279421000123"]
    assert article["title"] == "Debt counselling and household arrears: a quasi-experiment"
    assert article["authors"] == ["Bakker, Anna", "van Dam, Pieter", "Heerlen-Noord Study Group"]
    assert (article["year"], article["venue"], article["type"], article["pmid"]) == (
        2022, "Journal of Social Policy", "article", "35012345")
    assert article["keywords"] == ["debt counselling", "arrears", "municipalities"]
    chapter = items["10.5117/9789024400000.ch05"]
    assert (chapter["type"], chapter["year"], chapter["venue"]) == ("book-chapter", 2019, "Handboek armoede en schulden")


def test_csl_json_values_of_unexpected_types_are_left_empty(workspace, tmp_path):
    """CSL written by hand or by a lax tool: a number for a date, an object for a title, a string for authors."""
    path = tmp_path / "lax.json"
    path.write_text('[{"type": "report", "title": "Energy coaching", "issued": {"date-parts": 2020}, '
                    '"author": "Smit, J.", "container-title": {"x": 1}, "DOI": "10.1000/lax.1"}]', encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    [item] = export_json(workspace)
    assert (item["title"], item["year"], item["authors"], item["venue"]) == ("Energy coaching", None, [], None)


def test_csv_source_column_naming_a_database_is_the_source_not_the_venue(workspace, tmp_path):
    """A "Source" column holds either the journal (Scopus) or the database the row came from. Every database
    the PRISMA flow counts as one is read as a database here too (one list, ``lsr.search.databases``), so an
    EBSCO "Education Source" row is not filed as published in a journal called "Education Source"."""
    path = tmp_path / "ebsco.csv"
    path.write_text('Title,Authors,Year,Source\n"Homework clubs in deprived areas","Liu, R.",2014,'
                    '"Education Source"\n"Tutoring at scale","Smith, A.",2020,"Journal of School Health"\n',
                    encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    items = {i["title"]: i for i in export_json(workspace)}
    assert items["Homework clubs in deprived areas"]["venue"] is None
    assert items["Tutoring at scale"]["venue"] == "Journal of School Health"
