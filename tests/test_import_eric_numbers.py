"""ERIC numbers through `lsr import`: one ERIC record exported from ERIC, EBSCOhost and ProQuest is one record
however the platforms write its title; two ERIC records with one title stay two; lsr's own exports carry the
number back. The files are written for these tests in the shapes the platforms write (ERIC's .nbib with
``OID``/``LID``, EBSCOhost's RIS with ``AN``, ``DB  - eric`` and its ``db=eric&AN=`` link, ERIC's portal RIS
with ``ID``, Zotero's "ERIC Number:" Extra, ERIC's API CSV with its ``id`` column); the records are invented."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lsr.search.importers import read_file
from tests.helpers import export_json, protocol_text, run, write_file

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"


def ebsco_ris(number: str, title: str, year: str = "2018", author: str = "Brennan, Siobhan") -> str:
    """One ERIC record as EBSCOhost's RIS export writes it (its notes open with the accession number)."""
    names = f"AU  - {author}\n" if author else ""
    return (f"TY  - RPRT\n{names}T1  - {title}\nY1  - {year}\n"
            f"N1  - Accession Number: {number}; Language: English; Publication Type: Reports - Evaluative\n"
            f"AN  - {number}\nUR  - https://search.ebscohost.com/login.aspx?direct=true&db=eric&AN={number}"
            f"&site=ehost-live\nDP  - EBSCOhost\nDB  - eric\nER  - \n\n")


def eric_ris(number: str, title: str, year: str = "2018") -> str:
    """One record as an ERIC-side RIS names it: the number as ``ID`` and the eric.ed.gov record as ``UR``."""
    return (f"TY  - RPRT\nID  - {number}\nAU  - Brennan, S.\nTI  - {title}\nPY  - {year}\n"
            f"UR  - http://eric.ed.gov/?id={number}\nDB  - ERIC\nER  - \n\n")


def imported(workspace: Path, path: Path, review: str = "test-review") -> str:
    result = run(["import", review, path], workspace)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_an_ebsco_and_an_eric_ris_of_one_report_merge_on_its_eric_number(workspace, tmp_path):
    """The same ED document from EBSCOhost and from ERIC, titles written differently, years equal: no DOI, no
    PMID, titles too far apart for the title rule. Its ERIC number makes it one record."""
    eric = imported(workspace, write_file(tmp_path, "eric.ris", eric_ris(
        "ED590123", "Family Literacy and Early School Leaving: Five-Year Follow-Up. Research Report 2018-3")))
    assert "1 new" in eric
    ebsco = imported(workspace, write_file(tmp_path, "ebsco.ris", ebsco_ris(
        "ED590123", "Family literacy programs and early school leaving: a five-year follow-up")))
    assert "(RIS, utf-8, source ERIC): 0 new, 1 duplicate(s)" in ebsco, ebsco
    [item] = export_json(workspace)
    assert item["eric_id"] == "ED590123"
    assert [(s["source"], s.get("match_rule")) for s in item["sources"]] == [("ERIC", None), ("ERIC", "eric_id")]


def test_eric_nbib_and_ebsco_ris_of_one_report_merge(workspace, tmp_path):
    """ERIC's own export (.nbib: ``OID - ED590123``) and EBSCOhost's RIS of the same report."""
    assert "2 new" in imported(workspace, DATA / "eric.nbib")
    ebsco = imported(workspace, write_file(tmp_path, "ebsco.ris", ebsco_ris(
        "ED590123", "Family literacy programmes and early school-leaving (follow-up after five years)")))
    assert "0 new, 1 duplicate(s)" in ebsco, ebsco
    numbers = sorted(i["eric_id"] for i in export_json(workspace))
    assert numbers == ["ED590123", "EJ1221234"]


def test_two_eric_records_with_one_short_title_stay_two(workspace, tmp_path):
    """ERIC's briefs and fact sheets share short titles year after year; different ERIC numbers are different
    works, as different PMIDs are, even where the title rule would merge them."""
    text = ebsco_ris("ED600001", "Summer Learning Programs", "2019", "") + \
        ebsco_ris("ED600002", "Summer Learning Programs", "2019", "")
    assert "2 new, 0 duplicate(s)" in imported(workspace, write_file(tmp_path, "briefs.ris", text))
    eric = imported(workspace, write_file(tmp_path, "eric.ris", eric_ris("ED600002", "Summer learning programs",
                                                                          "2019")))
    assert "0 new, 1 duplicate(s)" in eric  # the second brief, by its number
    assert sorted((i["eric_id"], len(i["sources"])) for i in export_json(workspace)) == [("ED600001", 1),
                                                                                       ("ED600002", 2)]


def test_where_each_export_writes_the_eric_number(tmp_path):
    """EBSCOhost (AN, its db=eric link), ProQuest (AN beside DB ERIC), ERIC's portal and Ovid's RIS (ID),
    Zotero (Extra as a note), ERIC's API (CSV ``id``), EBSCOhost's BibTeX (its link); and what is not one."""
    def number(name: str, text: str) -> str | None:
        [record] = read_file(write_file(tmp_path, name, text)).records
        return record.candidate.eric_id

    assert number("ebsco.ris", ebsco_ris("EJ1221234", "Homework clubs")) == "EJ1221234"
    assert number("link.ris", "TY  - JOUR\nTI  - Homework clubs\nUR  - http://search.ebscohost.com/login.aspx?"
                  "direct=true&db=eric&AN=EJ1221234&site=ehost-live\nER  - \n") == "EJ1221234"
    assert number("proquest.ris", "TY  - JOUR\nTI  - Homework clubs\nAN  - EJ1221234\nDB  - ERIC\n"
                  "DP  - ProQuest\nER  - \n") == "EJ1221234"
    assert number("portal.ris", "TY  - JOUR\nID  - EJ956651\nT1  - Collaborating with parents\nUR  - "
                  "http://www.eric.ed.gov/ERICWebPortal/detail?accno=EJ956651\nER  - \n") == "EJ956651"
    assert number("zotero.ris", "TY  - JOUR\nTI  - Collaborating with parents\nN1  - ERIC Number: EJ956651\n"
                  "ER  - \n") == "EJ956651"
    assert number("zotero.json", '[{"type": "article-journal", "title": "Collaborating with parents", '
                  '"note": "ERIC Number: EJ956651"}]') == "EJ956651"
    assert number("eric_api.csv", "id,title,author,publicationdateyear,url\nED503346,Managing Culture,"
                  "NCVER,2006,\n") == "ED503346"
    assert number("ebsco.bib", "@article{EJ1290001,\nTitle = {Budget coaching for parents},\nURL = {https://"
                  "search.ebscohost.com/login.aspx?direct=true&db=eric&AN=EJ1290001&site=ehost-live},\n}\n") \
        == "EJ1290001"
    assert number("lsr.csv", "eric_id,title\ned590123,Family literacy\n") == "ED590123"
    # another database's accession number, a link into another EBSCOhost database, a number inside a title
    assert number("psycinfo.ris", "TY  - JOUR\nTI  - Homework and sleep\nAN  - 2019-65183-001\nDB  - psyh\n"
                  "DP  - EBSCOhost\nER  - \n") is None
    assert number("other.ris", "TY  - JOUR\nTI  - Homework and sleep\nUR  - http://search.ebscohost.com/login."
                  "aspx?direct=true&db=a9h&AN=99128836&site=ehost-live\nER  - \n") is None
    assert number("title.ris", "TY  - RPRT\nTI  - Errata to ED590123\nN1  - See report ED590123\nER  - \n") is None


def test_a_record_with_only_an_eric_number_is_kept(workspace, tmp_path):
    """An ERIC number is something to know a record by, as a DOI is: the row is not left out."""
    out = imported(workspace, write_file(tmp_path, "numbers.csv", "eric number,year\nED590123,2018\n"))
    assert "1 new" in out
    assert [i["eric_id"] for i in export_json(workspace)] == ["ED590123"]


@pytest.mark.parametrize("fmt", ["ris", "csv"])
def test_lsr_exports_carry_the_eric_number_back(workspace, tmp_path, fmt):
    """RIS writes the number as its eric.ed.gov record (``UR``), CSV in an ``eric_id`` column; imported into
    another review (no lsr id to recognise), the records keep their numbers and then match ERIC's export."""
    imported(workspace, DATA / "eric.nbib")
    out = tmp_path / f"export.{fmt}"
    result = run(["export", "test-review", "--format", fmt, "-o", out], workspace)
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8")
    if fmt == "ris":
        assert "UR  - https://eric.ed.gov/?id=ED590123\r\n" in text
    else:
        assert sorted(r["eric_id"] for r in csv.DictReader(text.splitlines())) == ["ED590123", "EJ1221234"]
    (workspace / "protocols" / "copy-review.toml").write_text(protocol_text("copy-review"), encoding="utf-8")
    assert "2 new" in imported(workspace, out, review="copy-review")
    copied = export_json(workspace, "copy-review")
    assert sorted(i["eric_id"] for i in copied) == ["ED590123", "EJ1221234"]
    again = imported(workspace, write_file(tmp_path, "ebsco.ris", ebsco_ris(
        "ED590123", "Family literacy programmes and early school-leaving (follow-up after five years)")),
        review="copy-review")
    assert "0 new, 1 duplicate(s)" in again
    assert json.dumps(export_json(workspace, "copy-review")).count('"match_rule": "eric_id"') == 1
