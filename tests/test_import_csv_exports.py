"""`lsr import` of database CSV/Excel exports whose shape the column names alone do not explain: IEEE Xplore's
comma-separated full names and "Publication" column, Springer Link's run-together author names, PubMed's own
CSV (named as the PubMed database for PRISMA), a table with both its own ``journal`` and PubMed's
``Journal/Book`` column, a type column in BibTeX's words, and Embase's "Article Language".

The fixtures are written inline for these tests, in the shapes the exporters write (column names as the
databases write them); the content is invented."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from lsr.models import Record, SearchRun
from lsr.report.prisma import source_kind
from lsr.search.importers import read_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import export_json, import_twin, run, write_file

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

IEEE_SHORT = (  # an IEEE Xplore CSV as some exports write it: full names between commas, "Publication"
    '"Title","Authors","Affiliations","Abstract","Publication","Category","DOI"\n'
    '"Online budgeting tools for households in debt","Marieke Jansen, Pieter van Dam, Lotte de Groot",'
    '"Utrecht University, Utrecht University, TU Delft","We built and tested a budgeting app with debt counsellors.",'
    '"Computer","Magazine","10.1109/MC.2021.300001"\n'
    '"Predicting school absence from attendance logs","Sanne Visser, Daan Bakker",'
    '"Leiden University, Leiden University","Attendance logs of 40 schools predict long absence.",'
    '"2022 9th International Conference on Education Technology (ICET)","Conference Publication",'
    '"10.1109/ICET56520.2022.00031"\n'
    '"Digital access to social assistance","Bakker, Anneke","Radboud University","Applications online.",'
    '"IEEE Access","Journal","10.1109/ACCESS.2023.300002"\n'
    '"Welfare chatbots and their users","De Vries, Anna Maria","VU Amsterdam","A chatbot answered benefit questions.",'
    '"IEEE Access","Journal","10.1109/ACCESS.2023.300003"\n'
)
IEEE_FULL = (  # IEEE Xplore's full CSV header: "Document Title", "Publication Title", names between "; "
    '"Document Title","Authors","Author Affiliations","Publication Title","Date Added To Xplore","Publication Year",'
    '"Volume","Issue","Start Page","End Page","Abstract","ISSN","ISBNs","DOI","Funding Information","PDF Link",'
    '"Author Keywords","IEEE Terms","Mesh_Terms","Article Citation Count","Reference Count","License",'
    '"Online Date","Issue Date","Meeting Date","Publisher","Document Identifier"\n'
    '"Sensor data on school heating and pupil attention","J. Smit; R. de Wit","Delft; Delft",'
    '"IEEE Transactions on Education","2024-02-01","2024","67","1","10","19",'
    '"Classroom temperature and attention were logged for a year.","0018-9359","","10.1109/TE.2024.3300001","",'
    '"","","","","0","12","","","","","IEEE","IEEE Journals"\n'
)
SPRINGER = (  # Springer Link's "Download search results (CSV)": names run together in "Authors"
    "Item Title,Publication Title,Book Series Title,Journal Volume,Journal Issue,Item DOI,Authors,"
    "Publication Year,URL,Content Type\n"
    '"Debt counselling and mental health in Dutch municipalities","Journal of Social Policy","","52","3",'
    '"10.1007/s11111-023-0001-1","Andy SmitTom Weber","2023","http://link.springer.com/article/10.1007/s11111",'
    '"Article"\n'
    '"Full-day school pilots","Education Reform in Europe","Education Policy Series","","",'
    '"10.1007/978-3-030-00001-1_4","Anneke de BoerPieter McDonaldSaskia MacLeod","2021",'
    '"http://link.springer.com/chapter/10.1007/978-3-030-00001-1_4","Chapter"\n'
    '"Benefit take-up and administrative burden","Public Administration Conference 2022",'
    '"Lecture Notes in Public Policy","","","10.1007/978-3-031-00002-2_7",'
    '"Kees DeVriesJoAnn O\'BrienMarie LeBlancLeo DiCaprioWei Li","2022",'
    '"http://link.springer.com/chapter/10.1007/978-3-031-00002-2_7","Chapter ConferencePaper"\n'
    '"Social assistance","Encyclopedia of Welfare","","","","10.1007/978-3-030-00003-3_12-1","José García",'
    '"2020","http://link.springer.com/referenceworkentry/10.1007/978-3-030-00003-3_12-1","ReferenceWorkEntry"\n'
)
PUBMED = (  # PubMed's "Save > CSV" export
    "\ufeffPMID,Title,Authors,Citation,First Author,Journal/Book,Publication Year,Create Date,PMCID,NIHMS ID,DOI\n"
    '"37100001","Problem debt and depressive symptoms: a cohort study","Jansen M, Bakker D",'
    '"Soc Sci Med. 2023 Mar;320:115700. doi: 10.1016/j.socscimed.2023.115700.","Jansen M","Soc Sci Med","2023",'
    '"2023/02/20","","","10.1016/j.socscimed.2023.115700"\n'
    '"36100002","School start times and adolescent sleep in the Netherlands","de Wit R.",'
    '"Sleep Med. 2022;95:1-8.","de Wit R","Sleep Med","2022","2022/05/02","PMC9100002","",""\n'
)




def candidates(path: Path) -> list:
    return [r.candidate for r in read_file(path).records]


def test_ieee_csv_splits_comma_separated_full_names_and_reads_publication_as_the_venue(tmp_path):
    app, absence, access, chatbot = candidates(write_file(tmp_path, "ieee.csv", IEEE_SHORT))
    assert app.authors == ["Marieke Jansen", "Pieter van Dam", "Lotte de Groot"]
    assert absence.authors == ["Sanne Visser", "Daan Bakker"]
    # a "Last, First" pair is one author, also with a particle or two given names
    assert access.authors == ["Bakker, Anneke"] and chatbot.authors == ["De Vries, Anna Maria"]
    assert app.venue == "Computer"
    assert absence.venue == "2022 9th International Conference on Education Technology (ICET)"
    [heating] = candidates(write_file(tmp_path, "ieee_full.csv", IEEE_FULL))
    assert heating.authors == ["J. Smit", "R. de Wit"] and heating.venue == "IEEE Transactions on Education"


def test_springer_csv_splits_run_together_names_but_not_name_particles(tmp_path):
    article, chapter, paper, entry = candidates(write_file(tmp_path, "springer.csv", SPRINGER))
    assert article.authors == ["Andy Smit", "Tom Weber"]
    assert chapter.authors == ["Anneke de Boer", "Pieter McDonald", "Saskia MacLeod"]
    assert paper.authors == ["Kees DeVries", "JoAnn O'Brien", "Marie LeBlanc", "Leo DiCaprio", "Wei Li"]
    assert entry.authors == ["José García"]
    assert (article.venue, article.year, article.doi) == ("Journal of Social Policy", 2023, "10.1007/s11111-023-0001-1")
    # Springer's "Content Type" is the record's type
    assert [c.type for c in (article, chapter, paper, entry)] == [
        "article", "book-chapter", "proceedings-article", "reference-entry"]
    # only Springer's own export runs names together: elsewhere such a cell is one name as written
    other = write_file(tmp_path, "other.csv", 'Title,Authors\n"Debt counselling","Andy SmitTom Weber"\n')
    assert candidates(other)[0].authors == ["Andy SmitTom Weber"]


def test_springer_csv_record_without_doi_merges_with_its_ris_twin(workspace, tmp_path):
    csv = write_file(tmp_path, "springer.csv", SPRINGER.replace('"10.1007/s11111-023-0001-1"', '""'))
    ris = write_file(tmp_path, "twin.ris", "TY  - JOUR\nTI  - Debt counselling and mental health in Dutch municipalities\n"
                                      "AU  - Smit, Andy\nAU  - Weber, Tom\nPY  - 2023\nT2  - Journal of Social Policy\n"
                                      "ER  - \n")
    import_twin(workspace, csv, ris)


def test_pubmed_csv_names_pubmed_as_its_database(workspace, tmp_path):
    path = write_file(tmp_path, "csv-debtdepres-set.csv", PUBMED)
    parsed = read_file(path)
    assert parsed.database == "PubMed" and [r.database for r in parsed.records] == ["PubMed", "PubMed"]
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "source PubMed" in result.stdout
    ws = open_workspace(resolve(workspace))
    with ws.db.read() as session:
        [search] = session.exec(select(SearchRun)).all()
    assert search.source == "PubMed" and source_kind(search) == "database"  # PRISMA's "Databases" box
    debt = next(i for i in export_json(workspace) if i["pmid"] == "37100001")
    assert debt["authors"] == ["Jansen M", "Bakker D"] and debt["venue"] == "Soc Sci Med"
    # a CSV that is not PubMed's export names no database: its source is the format
    plain = write_file(tmp_path, "list.csv", 'Title,Authors,Journal\n"Budget coaching","Anna de Boer","Tijdschrift"\n')
    assert read_file(plain).database is None


def test_venue_follows_one_column_order_whatever_the_file_puts_first(tmp_path):
    """The row's own journal, then its booktitle, then PubMed's Journal/Book only where both are empty."""
    path = write_file(tmp_path, "merged.csv", (
        '"Journal/Book","PMID","Title","Authors","journal","booktitle","DOI"\n'
        '"Soc Sci Med","37100001","Debt and health","Jansen M","Social Science & Medicine","","10.1/a"\n'
        '"Soc Sci Med","37100002","Debt advice online","Jansen M","","ICIS 2022","10.1/b"\n'
        '"Soc Sci Med","37100003","Debt in old age","Jansen M","","","10.1/c"\n'
    ))
    assert [c.venue for c in candidates(path)] == ["Social Science & Medicine", "ICIS 2022", "Soc Sci Med"]


BIBTEX_TYPES = ["article", "inproceedings", "techreport", "phdthesis", "incollection", "mastersthesis", "misc"]
LSR_TYPES = ["article", "proceedings-article", "report", "dissertation", "book-chapter", "dissertation", "other"]


def test_bibtex_type_names_in_a_type_column_become_lsr_types(tmp_path):
    rows = "".join(f'"Study {i} of school meals","{kind}"\n' for i, kind in enumerate(BIBTEX_TYPES))
    assert [c.type for c in candidates(write_file(tmp_path, "types.csv", "Title,Type\n" + rows))] == LSR_TYPES
    # a table's "Proceedings" (Dimensions: "Proceeding") is a conference paper, not BibTeX's whole volume
    rows = '"Debt advice at the library","Proceeding"\n"Debt advice in the town hall","Proceedings"\n'
    assert [c.type for c in candidates(write_file(tmp_path, "dims.csv", "Title,Publication Type\n" + rows))] == [
        "proceedings-article", "proceedings-article"]


def test_bibtex_type_names_in_an_excel_sheet_become_lsr_types(workspace, tmp_path):
    from openpyxl import Workbook  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Title", "author", "type", "journal", "booktitle"])
    for i, kind in enumerate(BIBTEX_TYPES):
        sheet.append([f"Id_{i}", f"Study {i} of debt counselling outcomes", "Smit A; Weber T", kind, None, None])
    path = tmp_path / "types.xlsx"
    book.save(path)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    stored = {i["title"]: i["type"] for i in export_json(workspace)}
    assert [stored[f"Study {i} of debt counselling outcomes"] for i in range(len(BIBTEX_TYPES))] == LSR_TYPES


def test_authors_and_keywords_written_as_python_lists_are_split(tmp_path):
    """Tables written by pandas from list columns (ASReview's test files) hold "['Marx, Karl', 'Lindgren, A']"."""
    path = write_file(tmp_path, "pandas.csv", 'title,authors,keywords,included\n'
                      '"Rent arrears and eviction","[\'Marx, Karl\', \'Lindgren, Astrid\']","[\'debt\', \'housing\']",1\n')
    [rec] = read_file(path).records
    assert rec.candidate.authors == ["Marx, Karl", "Lindgren, Astrid"]
    assert rec.candidate.keywords == ["debt", "housing"]


def test_a_row_whose_only_identifier_is_no_doi_says_so(tmp_path):
    """The row is left out (it has nothing else to be known by), and the warning says why its DOI did not count."""
    path = write_file(tmp_path, "rows.csv", "title,doi\nRent arrears and eviction,10.1000/abc\n,10.4\n")
    parsed = read_file(path)
    assert [r.line for r in parsed.records] == [2]
    assert parsed.warnings == (f"{path}: line 3: row has no title, abstract or identifier (its DOI '10.4' is not a "
                               "DOI: a DOI reads 10.<digits>/<suffix>); left out",)


EMBASE_LANGUAGES = (  # Embase's CSV export names the language "Article Language" (some exports "Language of
    # Article"); "Summary Language" is the abstract's
    '"Title","Author Names","Source title","Publication Year","Abstract","Article Language","Summary Language",'
    '"Embase Accession ID","Medline PMID","DOI"\n'
    '"Schuldhulpverlening en gezondheid","de Graaf M., Okafor C.","Tijdschrift voor Gezondheidswetenschappen","2021",'
    '"Debt advice and health in Dutch municipalities.","Dutch","English, Dutch","L2012345678","","10.1007/s12508-021-1"\n'
    '"Budget coaching and arrears","Visser B.","Journal of Social Policy","2022","Arrears fell.","English","English",'
    '"L2012345679","35123456",""\n'
)


def test_embase_article_language_is_the_record_language(workspace, tmp_path):
    """Embase's "Article Language" column was unknown, so its records had no language (the one its RIS LA and
    other tables' ``language`` column give); the summary's language is not the article's."""
    path = write_file(tmp_path, "embase.csv", EMBASE_LANGUAGES)
    assert [c.language for c in candidates(path)] == ["Dutch", "English"]
    other = write_file(tmp_path, "embase2.csv", EMBASE_LANGUAGES.replace('"Article Language"', '"Language of Article"'))
    assert [c.language for c in candidates(other)] == ["Dutch", "English"]
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    with open_workspace(resolve(workspace)).db.read() as session:
        stored = {r.title: r.language for r in session.exec(select(Record)).all()}
    assert stored == {"Schuldhulpverlening en gezondheid": "Dutch", "Budget coaching and arrears": "English"}
