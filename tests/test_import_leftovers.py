"""What real export files hold that `lsr import` left out, mangled or refused (an audit of real exports):

- a record with no title, abstract or identifier (a note or attachment exported on its own from Zotero or
  EndNote, a table row with only a label or a year) is left out with a warning, and the rest imports; a file
  with no record that has one is still refused;
- an author cell "Garcia Marquez, Gabriel Jose" is one author where the rest of its column says so;
- a PMID written only in a RIS note (``NO``) is the record's PMID;
- Web of Science's Keywords Plus are keywords beside the author keywords;
- BibTeX's ``--``/``---`` are dashes and ``\\url{…}`` its URL;
- Embase's keyword columns hold several keywords a cell.

The fixtures are written inline, in the shapes the exporters write; the content is invented.
"""

from __future__ import annotations

import pytest

from lsr.search.importers import read_file
from tests.helpers import export_json, run, write_file

GOOD_RIS = "TY  - JOUR\nTI  - Debt advice and mental health\nAU  - Kim, H.\nPY  - 2011\nER  - \n\n"
NOTE_RIS = "TY  - GEN\nN1  - <p>Ask Anna about the full text</p>\nER  - \n\n"  # Zotero: a standalone note


def test_a_note_on_its_own_is_left_out_with_a_warning_and_the_rest_imports(workspace, tmp_path):
    path = write_file(tmp_path, "zotero.ris", GOOD_RIS + NOTE_RIS + GOOD_RIS.replace("Debt advice", "Rent arrears"))
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 2 record(s)" in result.stdout, result.stdout
    assert (f"warning: {path}: line 7: record has no title, abstract or identifier (it holds only type other, a "
            "note 'Ask Anna about the full text'); left out") in result.stderr, result.stderr
    assert sorted(i["title"] for i in export_json(workspace)) == ["Debt advice and mental health",
                                                                  "Rent arrears and mental health"]


def test_many_left_out_give_one_warning_with_the_count_and_the_first_lines(workspace, tmp_path):
    rows = "".join(f",{2000 + i},1\n" for i in range(7))  # label and year only
    path = write_file(tmp_path, "list.csv", "title,year,included\nDebt advice and mental health,2011,1\n" + rows)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.stderr.splitlines() if "left out" in ln]
    assert warnings == [f"warning: {path}: 7 rows have no title, abstract or identifier and were left out (lines 3, "
                        "4, 5, 6, 7, …; the first: it holds only year 2000, label include)"], result.stderr
    assert [i["title"] for i in export_json(workspace)] == ["Debt advice and mental health"]


@pytest.mark.parametrize("name, text, where", [
    ("a.csv", "title,year\nDebt advice,2011\n,2012\n", "line 3: row"),
    ("a.nbib", "PMID- 31456789\nTI  - Debt advice\n\nOWN - ERIC\nDP  - 2020\n", "line 4: record"),
    ("a.txt", "<1. >\nTI  - Debt advice\n\n<2. >\nYR  - 2020\n", "line 4: record"),
    ("a.json", '[\n  {"type": "article-journal", "title": "Debt advice"},\n  {"type": "book", "note": "x"}\n]\n',
     "line 3: item"),
    ("a.enw", "%0 Journal Article\n%T Debt advice\n\n%0 Book\n%D 2020\n", "line 4: record"),
    ("a.bib", "@article{a, title={Debt advice}, year={2011}}\n\n@misc{b, note={a note}, year={2020}}\n",
     "line 3: entry"),
    ("a.txt", "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Debt advice\nER\n\nPT J\nPY 2020\nER\nEF\n",
     "line 7: record"),
    ("a.xml", '<?xml version="1.0"?>\n<xml><records>\n<record><titles><title>Debt advice</title></titles></record>\n'
              '<record><dates><year>2020</year></dates></record>\n</records></xml>\n', "line 4, column 1: record"),
    ("a.xml", '<?xml version="1.0"?>\n<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID>'
              '</MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation><Article><ArticleTitle>Debt advice'
              '</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation>'
              '<Article><Language>eng</Language></Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n',
     "line 5, column 1: article"),
])
def test_every_reader_leaves_out_a_record_without_title_or_identifier(tmp_path, name, text, where):
    path = write_file(tmp_path, name, text)
    parsed = read_file(path)
    assert len(parsed.records) == (2 if "PubmedArticleSet" in text else 1)
    [warning] = [w for w in parsed.warnings if "left out" in w]
    assert warning.startswith(f"{path}: {where} has no title, abstract or identifier ("), warning
    assert warning.endswith("); left out"), warning


def test_a_file_none_of_whose_records_has_a_title_or_identifier_is_refused(workspace, tmp_path):
    path = write_file(tmp_path, "notes.ris", NOTE_RIS * 3)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        f"Error: {path}: line 1: none of the file's 3 records has a title, abstract or identifier (the first, here: "
        "it holds only type other, a note 'Ask Anna about the full text'): nothing to import; is this the export "
        "you meant?"), result.stderr
    assert export_json(workspace) == []


@pytest.mark.parametrize("others", [
    '"Smith, John; Doe, Jane"',  # the column separates names with ";": a cell without one is one name
    '"Smith, John"',  # the column writes one name as "Family, Given"
])
def test_a_family_name_of_two_words_is_one_author_where_the_column_says_so(tmp_path, others):
    path = write_file(tmp_path, "zotero.csv", 'Title,Author\n"Debt advice and mental health",' + others + "\n"
                      '"Love in the time of debt","Garcia Marquez, Gabriel Jose"\n')
    assert read_file(path).records[1].candidate.authors == ["Garcia Marquez, Gabriel Jose"]


@pytest.mark.parametrize("others", ["", '"Debt advice online","Marieke Jansen, Pieter van Dam, Lotte de Groot"\n'])
def test_whole_names_between_commas_are_still_two_authors(tmp_path, others):
    """IEEE Xplore's comma-separated full names: on their own, or in a column that lists three so."""
    path = write_file(tmp_path, "ieee.csv", 'Title,Authors\n"Offshoring and trust","Joseph Rottman, Erran Carmel"\n'
                      + others)
    assert read_file(path).records[0].candidate.authors == ["Joseph Rottman", "Erran Carmel"]


@pytest.mark.parametrize("note", ["NO  - PMID: 12345678", "NO  - PubMed ID: 12345678", "NO  - PMID:12345678",
                                  "N1  - Cited by 3\nNO  - PMID: 12345678"])
def test_a_pmid_written_only_in_a_ris_note_is_the_pmid(tmp_path, note):
    path = write_file(tmp_path, "refs.ris", f"TY  - JOUR\nTI  - Debt advice and mental health\n{note}\nER  - \n")
    assert read_file(path).records[0].candidate.pmid == "12345678"


def test_a_pmid_in_a_note_does_not_override_the_records_own(tmp_path):
    """PubMed's accession number (AN, with the database named PubMed) is the record's own PMID."""
    path = write_file(tmp_path, "refs.ris", "TY  - JOUR\nTI  - Debt advice and mental health\nDB  - PubMed\n"
                      "AN  - 22222222\nN1  - Comment on: PMID: 11111111\nER  - \n")
    assert read_file(path).records[0].candidate.pmid == "22222222"


WOS_PLAIN = ("FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Kim, H\nTI Debt advice and mental health\n"
             "DE debt advice; Mental health\nID MENTAL HEALTH; DEPRESSION;\n   HOUSEHOLDS\nPY 2011\nER\nEF\n")


def test_web_of_science_keywords_plus_are_keywords_after_the_authors(workspace, tmp_path):
    result = run(["import", "test-review", write_file(tmp_path, "savedrecs.txt", WOS_PLAIN)], workspace)
    assert result.exit_code == 0, result.output
    [item] = export_json(workspace)
    assert item["keywords"] == ["debt advice", "Mental health", "DEPRESSION", "HOUSEHOLDS"]


def test_web_of_science_tab_delimited_keywords_plus(tmp_path):
    """The tab-delimited export names its columns by the tags: ID is Keywords Plus there, not a work id."""
    text = ("PT\tAU\tTI\tSO\tDE\tID\tPY\tUT\nJ\tKim, H\tDebt advice and mental health\tJ DEBT\tdebt advice; "
            "Mental health\tMENTAL HEALTH; DEPRESSION\t2011\tWOS:000000000000001\n")
    [rec] = read_file(write_file(tmp_path, "savedrecs.txt", text.encode("utf-16"))).records
    assert rec.candidate.keywords == ["debt advice", "Mental health", "DEPRESSION"]


def test_web_of_science_ris_keywords_once_in_any_case(tmp_path):
    """Web of Science's RIS export gives author keywords and Keywords Plus alike as KW."""
    text = ("TY  - JOUR\nTI  - Debt advice and mental health\nKW  - debt advice\nKW  - Mental health\n"
            "KW  - MENTAL HEALTH\nKW  - DEPRESSION\nAN  - WOS:000000000000001\nER  - \n")
    [rec] = read_file(write_file(tmp_path, "savedrecs.ris", text)).records
    assert rec.candidate.keywords == ["debt advice", "Mental health", "DEPRESSION"]


def test_bibtex_dashes_and_urls(workspace, tmp_path):
    text = ("@article{rent--2020,\n  title = {Rent arrears 2010--2020: a review---and a plan},\n"
            "  abstract = {Eviction fell 10--20\\% (see \\url{https://example.org/~rent/report--2020.pdf}).},\n"
            "  journal = {Housing Studies},\n  pages = {101--120},\n  doi = {10.1000/hs--2020.1},\n"
            "  url = {https://example.org/a--b},\n  note = {Data: \\href{https://example.org/data--1}{the data}},\n"
            "  year = {2020}\n}\n")
    path = write_file(tmp_path, "refs.bib", text)
    [rec] = read_file(path).records
    fields = rec.candidate.raw["fields"]
    assert rec.candidate.title == "Rent arrears 2010\u20132020: a review\u2014and a plan"
    assert rec.candidate.abstract == ("Eviction fell 10\u201320% (see https://example.org/~rent/report--2020.pdf).")
    assert rec.candidate.doi == "10.1000/hs--2020.1" and fields["url"] == "https://example.org/a--b"
    assert (fields["pages"], fields["note"]) == ("101\u2013120", "Data: the data (https://example.org/data--1)")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    [item] = export_json(workspace)
    assert item["title"] == "Rent arrears 2010\u20132020: a review\u2014and a plan"


EMBASE = ('"Title","Author Names","Source title","Publication Year","Abstract","Author Keywords",'
          '"Emtree Drug Index Terms","Emtree Medical Index Terms","Embase Accession ID","Medline PMID","DOI"\n'
          '"Debt advice and mental health","Kim H., Lee M.","Housing Studies","2011","Debt advice helped.",'
          '"debt advice, mental health","2,4 dichlorophenoxyacetic acid","human, Mental Health, depression",'
          '"L2011234567","21234567","10.1000/hs.2011.1"\n')


def test_embase_keyword_cells_hold_several_keywords(workspace, tmp_path):
    path = write_file(tmp_path, "embase.csv", EMBASE)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    [item] = export_json(workspace)
    assert item["keywords"] == ["debt advice", "mental health", "2,4 dichlorophenoxyacetic acid", "human",
                                "depression"]
    assert item["pmid"] == "21234567"  # Embase's "Medline PMID"


def test_other_tables_keep_a_keyword_with_a_comma(tmp_path):
    path = write_file(tmp_path, "list.csv", 'Title,Author Keywords\n"Debt advice","Stress, Psychological"\n')
    assert read_file(path).records[0].candidate.keywords == ["Stress, Psychological"]


@pytest.mark.parametrize("name, text", [
    ("a.enw", "%0 Journal Article\n%T Debt advice\n\n%0 Generic\n%Z Ask Anna about the full text\n"),
    ("a.bib", "@article{a, title={Debt advice}}\n\n@misc{b, note={Ask Anna about the full text}}\n"),
    ("a.xml", '<?xml version="1.0"?>\n<xml><records>\n<record><titles><title>Debt advice</title></titles></record>\n'
              "<record><notes>Ask Anna about the full text</notes></record>\n</records></xml>\n"),
])
def test_a_left_out_note_is_named_by_its_text_in_every_format_that_has_notes(tmp_path, name, text):
    parsed = read_file(write_file(tmp_path, name, text))
    [warning] = [w for w in parsed.warnings if "left out" in w]
    assert "a note 'Ask Anna about the full text'" in warning, warning
