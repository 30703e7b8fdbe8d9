"""`lsr import` on exports found in the wild that lsr refused or misread: ERIC's .nbib, Ovid's RIS and display
format, Zotero's RIS of an ASReview export, EndNote's and EBSCOhost's database codes. The ERIC fixture
(tests/data/import/eric.nbib) and the inline files are written for these tests in the shapes the exporters
write."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsr.search.importers import read_file
from tests.helpers import export_json, run

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"

OVID_RIS = ("1.\nTY  - JOUR\nID  - 2019-65183-001\nT1  - Self-criticism and school refusal in adolescents.\n"
            "A1  - Trindade, Ines A\nY1  - 2019//\nJF  - Clinical Psychology & Psychotherapy\n"
            "DO  - http://dx.doi.org/10.1002/cpp.2398\nER  -\nNL  - Clin Psychol Psychother\n\n"
            "Link to the Ovid Full Text or citation: http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=2019-65183-001\n\n"
            "2.\nTY  - JOUR\nID  - 2019-29490-001\nT1  - Homework time and sleep in secondary school pupils.\n"
            "A1  - Ferreira, Claudia\nY1  - 2019//\nJF  - Journal of Health Psychology\nER  -\n"
            "NL  - J Health Psychol\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(workspace: Path, path: Path) -> str:
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert export_json(workspace) == []
    return result.stderr.strip()


def test_eric_nbib_is_read_with_eric_as_its_source(workspace):
    result = run(["import", "test-review", DATA / "eric.nbib"], workspace)
    assert result.exit_code == 0, result.output
    assert "(MEDLINE, utf-8, source ERIC): 2 new" in result.stdout
    items = {i["title"]: i for i in export_json(workspace)}
    journal = items["Extended School Day Programs and Reading Achievement in High-Poverty Elementary Schools"]
    assert journal["doi"] == "10.1080/10824669.2019.1615922"  # from AID - http://dx.doi.org/...
    assert journal["authors"] == ["Alvarez, Maria", "Okafor, Daniel"] and journal["year"] == 2019
    assert journal["venue"] == "Journal of Education for Students Placed at Risk"
    assert journal["keywords"] == ["Extended School Day", "Reading Achievement", "Elementary School Students"]
    assert journal["abstract"].endswith("lowest-achieving students.")
    assert journal["sources"] == [{"kind": "medline", "duplicate": False, "file": str(DATA / "eric.nbib"),
                                   "source": "ERIC"}]
    report = items["Family Literacy Programs and Early School Leaving: A Five-Year Follow-Up"]
    assert report["doi"] is None and report["pmid"] is None and report["year"] == 2018
    assert (journal["type"], report["type"]) == ("article", "report")  # ERIC's "Reports - Evaluative"
    assert [r.candidate.language for r in read_file(DATA / "eric.nbib").records] == ["en", "en"]  # LA - English


def test_eric_nbib_with_text_between_records_is_refused_naming_the_line(workspace, tmp_path):
    text = ("OWN - ERIC\nTI  - After-school tutoring and attendance\nDP  - 2017\n\nExported from eric.ed.gov\n\n"
            "OWN - ERIC\nTI  - Summer school and grade retention\nDP  - 2016\n")
    message = refused(workspace, write(tmp_path, "eric.nbib", text))
    assert "line 5: text between records is not MEDLINE" in message and "PMID- or OWN - line" in message


def test_ovid_ris_tag_after_er_is_left_out_with_one_warning(workspace, tmp_path):
    path = write(tmp_path, "ovid.ris", OVID_RIS)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1, result.stderr
    assert "2 tag line(s) between records" in warnings[0] and "line 10" in warnings[0], warnings[0]
    assert "NL  - Clin Psychol Psychother" in warnings[0] and str(path) in warnings[0]
    items = {i["title"]: i for i in export_json(workspace)}
    first = items["Self-criticism and school refusal in adolescents."]
    assert first["doi"] == "10.1002/cpp.2398" and first["venue"] == "Clinical Psychology & Psychotherapy"


def test_ovid_ris_text_between_records_is_still_refused(workspace, tmp_path):
    text = OVID_RIS.replace("Link to the Ovid", "Ovid search history\nLink to the Ovid")
    message = refused(workspace, write(tmp_path, "ovid.ris", text))
    assert "line 12: text between records is not RIS" in message and "Ovid search history" in message


def test_asreview_labels_wrapped_in_html_by_zotero(workspace, tmp_path):
    text = ("TY  - JOUR\nTI  - Debt advice and mental health: a trial\nN1  - <p>ASReview_relevant</p>\nER  - \n\n"
            "TY  - JOUR\nTI  - Household budgeting apps\nN1  - <div><p>ASReview_irrelevant</p></div>\nER  - \n")
    result = run(["import", "test-review", write(tmp_path, "zotero.ris", text), "--labels-reviewer", "anna"],
                 workspace)
    assert result.exit_code == 0, result.output
    assert "2 label(s) recorded as decisions of anna" in result.stdout
    labels = {i["title"]: i["label"] for i in export_json(workspace)}
    assert labels == {"Debt advice and mental health: a trial": "include", "Household budgeting apps": "exclude"}


@pytest.mark.parametrize("first", ["<3001. >", "<8>"])
def test_ovid_display_format_is_named_with_what_to_export(workspace, tmp_path, first):
    # Ovid's display format without field labels (field names on their own lines); the labelled one is read
    text = f"{first}\nAccession Number\n  01445406-201509000-00006.\nTitle\n  Quality of life in school-age children.\n"
    message = refused(workspace, write(tmp_path, "ovid.cgi", text))
    assert "line 1" in message and "Ovid's display format" in message, message
    assert "export the records from Ovid as RIS (Export > format RIS)" in message and "XML" not in message


def test_ris_with_record_counters(workspace, tmp_path):
    text = ("Record #1 of 2\nProvider: Provider\nContent: text/plain; charset=\"UTF-8\"\n1.\nTY  - JOUR\n"
            "T1  - Debt counselling and arrears\nY1  - 2014//\nER  - \n\nRecord #2 of 2\nProvider: Provider\n"
            "Content: text/plain; charset=\"UTF-8\"\n2.\nTY  - JOUR\nT1  - Budget coaching for households\nER  - \n")
    result = run(["import", "test-review", write(tmp_path, "extraneous.ris", text)], workspace)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout


def test_database_codes_become_database_names(workspace, tmp_path):
    def source(name: str, db_lines: str, title: str) -> str:
        path = write(tmp_path, name, f"TY  - JOUR\nTI  - {title}\n{db_lines}ER  - \n")
        result = run(["import", "test-review", path], workspace)
        assert result.exit_code == 0, result.output
        return result.stdout.split("source ", 1)[1].split(")", 1)[0]

    assert source("endnote.txt", "DP  - NLM\n", "Debt and depression") == "PubMed"
    assert source("psycinfo.ris", "DB  - psyh\nDP  - EBSCOhost\n", "Debt and anxiety") == "APA PsycInfo"
    assert source("econlit.ris", "DP  - EBSCOhost\nDB  - ecn\n", "Debt relief and spending") == "EconLit"
    assert source("cja.ris", "DB  - i3h\nDP  - EBSCOhost\n", "Debt and crime") == (
        "Criminal Justice Abstracts with Full Text")
    assert source("other.ris", "DB  - zzq\nDP  - EBSCOhost\n", "Debt and housing") == "zzq"  # unknown: as written


def test_ovid_citation_manager_export(workspace):
    """Ovid's own tagged export: MEDLINE's UI is the PMID, Embase's is not (its PMID is PM); the year from YR
    or from Embase's "Date of Publication" in SO; paragraphs of a structured abstract are not indented."""
    result = run(["import", "test-review", DATA / "ovid_citation_manager.txt"], workspace)
    assert result.exit_code == 0, result.output
    assert "(Ovid, utf-8, source ovid): 2 new" in result.stdout  # two databases: the source is the format
    items = {i["pmid"]: i for i in export_json(workspace)}
    medline = items["34567890"]
    assert medline["title"].startswith("Extended school day and reading achievement")
    assert medline["abstract"] == ("BACKGROUND: Schools in deprived areas lengthened the day by six hours a week. "
                                   "METHODS: 48 schools were randomised. RESULTS: Reading improved by 0.12 SD.")
    assert (medline["doi"], medline["year"], medline["venue"]) == (
        "10.1037/edu0000777", 2021, "Journal of Educational Psychology")
    assert medline["authors"] == ["Haugen K", "Moreau JP"]
    assert medline["keywords"] == ["Child", "Reading", "Schools", "extended school day"]
    embase = items["33355555"]
    assert (embase["year"], embase["venue"], embase["type"]) == (2022, "Archives of Disease in Childhood",
                                                                 "proceedings-article")
    assert embase["doi"] == "10.1136/archdischild-2022-rcpch.200"


@pytest.mark.parametrize("text, line, what", [
    ("Results of search 3\n<1. >\nTI  - A title\n", "line 1", "Ovid's export with a record number <1. >"),
    ("<1. >\nTI  - A title\n\nstray text after a blank line\n", "line 4", "neither an Ovid field"),
])
def test_broken_ovid_export_names_the_line(workspace, tmp_path, text, line, what):
    message = refused(workspace, write(tmp_path, "ovid.txt", text))
    assert line in message and what in message, message
