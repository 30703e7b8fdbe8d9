"""`lsr import` on the export formats of issue 19: OpenAlex and Lens CSV, PubMed and IEEE Xplore CSV
(authors in one cell), PsycINFO via Ovid RIS (NL and PMID tags), JSTOR RIS (a header before each record),
Scopus RIS (PubMed id in C2) and an ASReview LAB export whose rows disagree about one record; later also
Dimensions CSV (a note line above the header) and Covidence CSV ("Published Year").

The fixtures in tests/data/import are written for these tests in the shapes the exporters document (column
names and tags as the databases write them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lsr.errors import LsrError
from lsr.search.importers import read_file
from tests.helpers import export_json, run, status_json

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"


def records(name: str) -> list:
    return [r.candidate for r in read_file(DATA / name).records]


def test_openalex_csv_reads_display_name_and_dotted_columns():
    work, second = records("openalex_works.csv")
    assert work.title == "Longer school days and maternal employment: evidence from a staggered reform"
    assert work.authors == ["Ingrid Bakken", "Tomás Ferreira", "Mei Lin"]
    assert (work.openalex_id, work.doi, work.pmid) == ("W4390000001", "10.1016/j.jpubeco.2023.104900", "37000001")
    assert work.venue == "Journal of Public Economics" and work.keywords == ["Maternal employment", "Full-day school"]
    assert work.year == 2023 and work.publication_date == "2023-06-01" and work.abstract.startswith("We study")
    # a ";" inside an OpenAlex title or name is text, not a list separator
    assert second.title == "Homework clubs; a qualitative study of who attends" and second.authors == ["Amara Okafor"]


def test_lens_csv_keeps_authors_and_identifiers():
    trial, chapter = records("lens_scholarly.csv")
    assert trial.authors == ["Sara Lindqvist", "Jonas P. Berg", "Aoife Ní Bhriain"]
    assert (trial.doi, trial.pmid, trial.venue, trial.year) == (
        "10.1186/s12889-022-14000-1", "36100001", "BMC Public Health", 2022)
    assert trial.keywords == ["extended school day", "wellbeing", "cluster trial"]
    assert trial.publication_date == "2022-09-14" and trial.type == "article"
    assert chapter.authors == ["Luis Romero"] and chapter.type == "book-chapter"


def test_pubmed_csv_splits_the_author_string():
    obesity, sleep = records("pubmed_search.csv")
    assert obesity.authors == ["van Dijk MJ", "Nguyen TH", "Kowalski A"]
    assert (obesity.pmid, obesity.doi, obesity.venue, obesity.year) == ("36200001", "10.1111/obr.13500", "Obes Rev", 2023)
    assert sleep.authors == ["Okonkwo C."]  # one name: kept as written (PubMed and Scopus look alike)


def test_ieee_csv_fields():
    [paper] = records("ieee_xplore.csv")
    assert paper.title == "Predicting school dropout with learning analytics"
    assert paper.authors == ["H. Kim", "R. Alvarez", "P. Novak"]
    assert paper.venue == "IEEE Transactions on Learning Technologies" and paper.doi == "10.1109/tlt.2024.3360001"
    assert paper.keywords == ["learning analytics", "dropout", "early warning"]


def test_older_scopus_comma_author_list_with_non_ascii_initials(tmp_path):
    path = tmp_path / "scopus_old.csv"
    path.write_text('Authors,Title,Year,Source title,DOI\n"Øster L., van den Berg M.J., Nuñez-Pérez Á.",'
                    "Afterschool care in Norway,2015,Nordic Studies,10.1000/ns.1\n", encoding="utf-8")
    [rec] = read_file(path).records
    assert rec.candidate.authors == ["Øster L.", "van den Berg M.J.", "Nuñez-Pérez Á."]


def test_a_single_author_in_last_first_form_is_not_split(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text('title,authors\nA study of long school days,"Smith, John"\n', encoding="utf-8")
    [rec] = read_file(path).records
    assert rec.candidate.authors == ["Smith, John"]


def test_psycinfo_via_ovid_ris_pmid_and_nl_tags():
    first, second = read_file(DATA / "psycinfo_ovid.ris").records
    c = first.candidate
    assert c.type == "article"  # the PMID line right after TY no longer lands in the type
    assert (c.pmid, c.doi, c.year) == ("33355555", "10.1037/edu0000601", 2021)
    assert c.title == "Extended school days and adolescent self-regulation."
    assert c.authors == ["Haugen, Kari", "Moreau, Julien P"] and c.venue == "Journal of Educational Psychology"
    assert c.abstract.endswith("Result(s): self-regulation improved in the first year only.")
    assert first.database == "APA PsycInfo <2021>" and first.line == 2
    assert second.candidate.pmid == "32222222" and second.candidate.abstract == "A diary study of 85 teachers."


def test_jstor_ris_with_a_provider_header_before_each_record(workspace):
    result = run(["import", "test-review", DATA / "jstor.ris"], workspace)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout
    items = {i["title"]: i for i in export_json(workspace)}
    prussia = items["The length of the school day in nineteenth-century Prussia"]
    assert prussia["authors"] == ["Weber, Anna"] and prussia["year"] == 2001
    assert items["Schooling time and child labour in industrial towns"]["doi"] == "10.2307/2599999"


def test_scopus_ris_pubmed_id_in_c2():
    [rec] = records("scopus_c2.ris")
    assert rec.pmid == "35500003" and rec.doi == "10.1007/s11150-022-09600-1"


def test_ovid_links_between_records_are_skipped(tmp_path):
    path = tmp_path / "embase.ris"
    path.write_text("TY  - JOUR\nT1  - School meals and attention\nER  - \n\nLink to the Ovid Full Text or citation:\n"
                    "http://ovidsp.ovid.com/ovidweb.cgi?T=JS&AN=1\n\nTY  - JOUR\nT1  - Breakfast clubs\nER  - \n",
                    encoding="utf-8")
    assert [r.candidate.title for r in read_file(path).records] == ["School meals and attention", "Breakfast clubs"]


def test_endnote_keywords_one_per_line_stay_separate(tmp_path):
    path = tmp_path / "endnote.ris"
    path.write_text("TY  - JOUR\nTI  - Recess length and play\nKW  - Play\nRecess\nN2  - Children played more\n"
                    "when recess was longer.\nER  - \n", encoding="utf-8")
    [rec] = read_file(path).records
    assert rec.candidate.keywords == ["Play", "Recess"]
    assert rec.candidate.abstract == "Children played more when recess was longer."


def test_asreview_export_uses_asreview_label_and_warns_about_conflicts(workspace):
    result = run(["import", "test-review", DATA / "asreview_export_conflict.csv", "--labels-reviewer", "anna"],
                 workspace)
    assert result.exit_code == 0, result.output
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning:")]
    assert len(warnings) == 1
    assert "1 record(s) carry conflicting labels" in warnings[0] and "line 2" in warnings[0]
    assert "line 4" in warnings[0] and "asreview_export_conflict.csv" in warnings[0]
    items = {i["doi"]: i for i in export_json(workspace) if i["doi"]}
    trial = items["10.1016/j.econedurev.2019.101234"]
    assert "the most inclusive label was recorded" in warnings[0]
    # the copy excluded as a duplicate does not hide the trial included under the other copy: recorded once
    assert trial["label"] == "include"
    assert [(d["label"], d["note"]) for d in trial["decisions"]] == [("include", "core trial")]
    # the merged row keeps what the file said, so the merge can be checked
    [dup] = [src for src in trial["sources"] if src["duplicate"]]
    assert dup["match_rule"] == "doi" and dup["as_received"]["line"] == 4
    assert "Extended school day and student achievement: evidence from a randomised trial" in dup["as_received"]["fields"]
    # ASReview's own column wins over the input's `included` (1 there, 0 in asreview_label)
    assert items["10.1007/s11092-018-9281-3"]["label"] == "exclude"
    review = status_json(workspace)["reviews"][0]
    assert (review["records"], review["screened"]) == (3, 2)


def test_consistent_duplicate_labels_give_no_warning(workspace, tmp_path):
    path = tmp_path / "dupes.csv"
    path.write_text("title,doi,included\nLong days,10.1000/a,1\nLong days,10.1000/a,1\n", encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr and "1 label(s) recorded" in result.stdout


def test_dimensions_csv_with_its_note_line_above_the_header():
    """Dimensions writes "About the data: Exported on …" in a line of its own above the header."""
    first, second = read_file(DATA / "dimensions.csv").records
    assert first.line == 3 and second.line == 4
    c = first.candidate
    assert (c.title, c.year, c.venue) == ("Extended school day and student achievement", 2019,
                                          "Economics of Education Review")
    assert c.authors == ["Smith, John", "Jansen, Pieter"] and c.doi == "10.1016/j.econedurev.2019.101234"


def test_covidence_csv_published_year():
    [rec] = records("covidence.csv")
    assert rec.year == 2019 and rec.venue == "Economics of Education Review" and rec.authors == ["Smith, J.", "Jansen, P."]


def test_notes_above_a_header_are_skipped_only_when_a_header_follows(tmp_path):
    """A file whose first lines are notes but never reaches a header is still refused at line 1."""
    path = tmp_path / "notes.csv"
    path.write_text('"About the data: exported today",,,\n"Another note",,,\nfoo,bar,baz\n1,2,3\n', encoding="utf-8")
    with pytest.raises(LsrError, match="line 1: read as CSV, the header has no title"):
        read_file(path)


def test_a_plain_reference_list_is_refused_with_what_to_export(tmp_path):
    path = tmp_path / "references.md"
    path.write_text("Bakker A, de Vries P, and Jansen K (2021) Debt counselling works: a trial. J Soc Policy 50(2): "
                    "1-20.\nVisser M (2019) The long school day. Educ Rev 4: 5-9.\n", encoding="utf-8")
    with pytest.raises(LsrError, match="not a table but a list of references as text, lsr cannot read it"):
        read_file(path)


def test_a_dutch_teams_own_list_with_dutch_column_names(tmp_path):
    path = tmp_path / "eigen-lijst.csv"
    path.write_text("Titel;Samenvatting;Auteurs;Jaar;Tijdschrift;Trefwoorden;Taal\n"
                    "Schuldhulpverlening in Heerlen-Noord;Een evaluatie.;Jansen, P.;2024;"
                    "Tijdschrift voor Sociale Vraagstukken;schulden;nl\n", encoding="utf-8")
    [rec] = records_at(path)
    assert (rec.title, rec.abstract, rec.authors, rec.year) == ("Schuldhulpverlening in Heerlen-Noord",
                                                                 "Een evaluatie.", ["Jansen, P."], 2024)
    assert rec.venue == "Tijdschrift voor Sociale Vraagstukken" and rec.keywords == ["schulden"] and rec.language == "nl"


def records_at(path: Path) -> list:
    return [r.candidate for r in read_file(path).records]
