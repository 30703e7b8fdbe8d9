"""`lsr import` of RIS as real exporters write it: a tag line with one space before the dash in a file that
otherwise writes two (IEEE Xplore), a date in free text (TRID's "Start date: 20170812"), the database named in a
header above the records (PsycINFO) or by a platform whose records name different databases (ProQuest),
PsycINFO's "*" before a major heading, and a thesis' school (ProQuest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from lsr.models import SearchRun
from lsr.report.prisma import source_kind
from lsr.search.importers import read_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import export_json, run, write_file

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

IEEE_MIXED = (  # IEEE Xplore's shape: two spaces before the dash, but one KW line with one, and its keywords below
    "\r\n"
    "TY  - CONF\r\n"
    "TI  - Debt counselling by municipal social teams: a field study\r\n"
    "T2  - 2020 Conference on Social Policy and Public Administration\r\n"
    "SP  - 183\r\n"
    "EP  - 186\r\n"
    "AU  - A. de Vries\r\n"
    "AU  - B. Jansen\r\n"
    "AU  - C. Bakker\r\n"
    "KW - debt counselling\r\n"
    "municipal social teams\r\n"
    "arrears\r\n"
    "PY  - 2020\r\n"
    "DO  - 10.1234/SPPA.2020.00050\r\n"
    "Y1 - 4-8 Aug. 2020\r\n"
    "ER  - \r\n"
)




def runs(workspace: Path) -> list[SearchRun]:
    with open_workspace(resolve(workspace)).db.read() as session:
        return list(session.exec(select(SearchRun).where(SearchRun.kind == "import").order_by(SearchRun.id)).all())


def test_a_known_tag_with_one_space_before_the_dash_is_that_tag_not_one_more_author(workspace, tmp_path):
    """The KW line and the two keywords under it were stored as three more authors ("KW - debt counselling")."""
    path = write_file(tmp_path, "ieee.ris", IEEE_MIXED)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    (record,) = export_json(workspace)
    assert record["authors"] == ["A. de Vries", "B. Jansen", "C. Bakker"]
    assert record["keywords"] == ["debt counselling", "municipal social teams", "arrears"]
    assert record["year"] == 2020


def test_a_line_under_the_authors_that_looks_like_an_unknown_tag_is_refused_with_its_line(workspace, tmp_path):
    """A line like "XQ - value" under AU is not a RIS tag lsr knows; it must not become an author in silence."""
    text = IEEE_MIXED.replace("KW - debt counselling\r\n", "XQ - debt counselling\r\n")
    path = write_file(tmp_path, "ieee.ris", text)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1
    assert "ieee.ris: line 10:" in result.output
    assert "'XQ - debt counselling'" in result.output and "AU field" in result.output and "line 9" in result.output
    assert not runs(workspace)


def test_an_author_written_on_the_next_line_without_a_tag_is_still_an_author(tmp_path):
    """EndNote writes one name per line under one AU; only lines that look like a tag are refused."""
    text = IEEE_MIXED.replace("AU  - C. Bakker\r\n", "AU  - C. Bakker\r\nD. van Dam\r\n")
    (rec,) = read_file(write_file(tmp_path, "endnote.ris", text)).records
    assert rec.candidate.authors == ["A. de Vries", "B. Jansen", "C. Bakker", "D. van Dam"]
    assert rec.candidate.keywords == ["debt counselling", "municipal social teams", "arrears"]


TRID = (  # TRID's shape: a conference abstract dated only by "Start date:"
    "TY  - ABST\n"
    "AN  - 01655555\n"
    "TI  - School days and the commute of pupils in rural Friesland\n"
    "PY  - Start date: 20170812\n"
    "AB  - Travel times of pupils to secondary schools were recorded for one school year.\n"
    "KW  - School transport\n"
    "UR  - https://trid.trb.org/view/1655555\n"
    "ER  - \n"
    "\n"
    "TY  - RPRT\n"
    "AN  - 01766666\n"
    "AU  - Hoekstra, T\n"
    "TI  - Bus lines for school days: final report\n"
    "PY  - Start date: to be announced\n"
    "AB  - A final report on bus lines that serve secondary schools in the north.\n"
    "UR  - https://trid.trb.org/view/1766666\n"
    "ER  - \n"
)


def test_a_year_in_free_text_is_read_and_a_date_without_one_is_warned_about_with_its_line(workspace, tmp_path):
    """TRID's "PY  - Start date: 20170812" gave no year, and a date with no year at all was dropped silently."""
    path = write_file(tmp_path, "trid.ris", TRID)
    parsed = read_file(path)
    first, second = (r.candidate for r in parsed.records)
    assert (first.year, first.publication_date) == (2017, "2017-08-12")
    assert second.year is None
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    warning = next(w for w in result.stderr.splitlines() if "year" in w)
    assert "trid.ris" in warning and "line 14" in warning and "Start date: to be announced" in warning
    assert "line 4" not in warning


PSYCINFO = (  # APA PsycNet's RIS: the database named in a header, PMID written PubMed-style, "*" major headings
    "Provider: American Psychological Association\r\n"
    "Database: PsycINFO\r\n"
    "Content: application/x-research-info-systems\r\n"
    "\r\n"
    "TY  - JOUR\r\n"
    "PMID  - 33344444\r\n"
    "ID  - 2021-12345-001\r\n"
    "T1  - Shame and help seeking among households in problematic debt\r\n"
    "JF  - Journal of Community Psychology\r\n"
    "A1  - Visser, Anna\r\n"
    "A1  - Mulder, Pieter\r\n"
    "Y1  - 2021\r\n"
    "N2  - Interviews with 40 households in debt counselling in Rotterdam.\r\n"
    "KW  - *Debt\r\n"
    "KW  - *Help Seeking Behavior\r\n"
    "KW  - Shame\r\n"
    "DO  - 10.1002/jcop.22555\r\n"
    "ER  - "
)


def test_a_psycinfo_export_counts_as_psycinfo_and_its_major_headings_lose_the_star(workspace, tmp_path):
    """The header "Database: PsycINFO" was read past: the import's source was "ris", an other source in PRISMA."""
    path = write_file(tmp_path, "psycinfo.ris", PSYCINFO)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    (search,) = runs(workspace)
    assert search.source == "PsycINFO"
    assert source_kind(search) == "database"
    (record,) = export_json(workspace)
    assert record["keywords"] == ["Debt", "Help Seeking Behavior", "Shame"]
    assert record["pmid"] == "33344444"


PROQUEST = (  # ProQuest's RIS: each record names the ProQuest databases that hold it, and links to ProQuest
    "TY  - THES\n"
    "T1  - Budget coaching for young adults in municipal debt relief\n"
    "AN  - 2876543210\n"
    "AB  - This thesis follows young adults through a year of budget coaching.\n"
    "JF  - ProQuest Dissertations and Theses\n"
    "AU  - de Boer, Sanne\n"
    "A3  - Smit, Karel\n"
    "Y1  - 2022\n"
    "PY  - 2022\n"
    "CY  - Netherlands -- Utrecht\n"
    "PB  - Universiteit Utrecht\n"
    "PP  - Netherlands -- Utrecht\n"
    "KW  - Social work\n"
    "KW  - 0452:Social work\n"
    "UR  - https://www.proquest.com/dissertations-theses/budget-coaching/docview/2876543210/se-2?accountid=1234\n"
    "LA  - English\n"
    "DB  - ProQuest Dissertations & Theses Global\n"
    "N1  - Copyright - Database copyright ProQuest LLC; ProQuest does not claim copyright in the individual "
    "underlying works.\n"
    "M3  - Ph.D.\n"
    "ER  - \n"
    "\n\n\n"
    "TY  - JOUR\n"
    "T1  - Municipal debt relief after the 2021 reform\n"
    "AN  - 2876543211\n"
    "AB  - This article compares debt relief in twelve municipalities.\n"
    "JF  - Journal of Social Policy Studies\n"
    "AU  - Kok, Ilse\n"
    "PY  - 2023\n"
    "UR  - https://www.proquest.com/scholarly-journals/municipal-debt-relief/docview/2876543211/se-2?accountid=1234\n"
    "DB  - Publicly Available Content Database; Social Science Premium Collection\n"
    "DO  - https://doi.org/10.0001/2876543211\n"
    "ER  - \n"
)


def test_a_proquest_export_whose_records_name_different_databases_counts_as_proquest(workspace, tmp_path):
    """The records name two sets of ProQuest databases, so the file named none: its source was "ris"."""
    path = write_file(tmp_path, "proquest.ris", PROQUEST)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    (search,) = runs(workspace)
    assert search.source == ("ProQuest (ProQuest Dissertations & Theses Global; Publicly Available Content "
                             "Database; Social Science Premium Collection)")
    assert source_kind(search) == "database"
    # without the platform's links, records that name different databases still leave the file unnamed
    elsewhere = PROQUEST.replace("https://www.proquest.com/", "https://example.org/")
    assert read_file(write_file(tmp_path, "library.ris", elsewhere)).database is None


def test_a_thesis_venue_is_its_school_not_the_database(tmp_path):
    """ProQuest's JF for a thesis is "ProQuest Dissertations and Theses"; the school is in PB."""
    thesis, article = read_file(write_file(tmp_path, "proquest.ris", PROQUEST)).records
    assert thesis.candidate.type == "dissertation"
    assert thesis.candidate.venue == "Universiteit Utrecht"
    assert article.candidate.venue == "Journal of Social Policy Studies"


def test_au_and_a1_authors_of_one_record_are_all_kept(tmp_path):
    """A record naming authors under both AU and A1 (older exporters mix the spellings) kept only AU's."""
    path = write_file(tmp_path, "mixed.ris", "TY  - JOUR\nTI  - Budget coaching for young adults with debts\n"
                      "AU  - Smit, Anna\nA1  - Jong, Bram de\nA1  - Smit, Anna\nA1  - Visser, Carla\nPY  - 2022\n"
                      "ER  - \n")
    [rec] = read_file(path).records
    assert rec.candidate.authors == ["Smit, Anna", "Jong, Bram de", "Visser, Carla"]
