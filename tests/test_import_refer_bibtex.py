"""`lsr import` of EndNote's tagged format (refer, .enw: Google Scholar's "EndNote" link, publishers' citation
downloads, the AIS eLibrary) and of BibTeX whose field names hold whitespace (Scopus' ``funding_text 1`` with a
no-break space, ``key words``), both found in real export files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from lsr.models import Record, RecordSource
from lsr.search.importers import read_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import export_json, run

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"

NBSP = "\u00a0"
SCOPUS_BIB = (  # as Scopus writes BibTeX: the space in "funding_text 1" is a no-break space
    "\n@ARTICLE{Bakker2021,\n"
    "author={Bakker, A. and Yilmaz, S.},\n"
    "title={Debt counselling and household arrears: a quasi-experiment},\n"
    "journal={Journal of Social Policy},\n"
    "year={2021},\n"
    "doi={10.1017/S0047279421000123},\n"
    "abstract={Municipal debt counselling was evaluated in four cities.},\n"
    "author_keywords={debt counselling;  arrears},\n"
    "funding_details={Netherlands Organisation for Scientific Research,\u00a0452-17-011},\n"
    f"funding_text{NBSP}1={{This work was funded by NWO (452-17-011).}},\n"
    "language={English},\n"
    "document_type={Article},\n"
    "source={Scopus},\n"
    "}\n\n"
    "@article{vanDam2019,\n"
    "   title                         = {Budget coaching for young adults},\n"
    "   year                          = {2019},\n"
    "   abstract                      = {Young adults in debt, aged 18 to 27,\n"
    "   effect size = 0.4 on arrears after one year.},\n"
    "   key words                     = {Debt, Young adults},\n"
    "   doi                           = {10.1000/ya.2019.7},\n"
    "}\n"
)


def raw_fields(ws: Path) -> list[dict]:
    """Each new record's fields as the reader kept them (``Record.raw``), in file order."""
    with open_workspace(resolve(ws)).db.read() as session:
        return [r.raw["fields"] for r in session.exec(select(Record).order_by(Record.id)).all()]


def test_bibtex_field_names_with_a_no_break_space_or_a_space_keep_their_entries(workspace, tmp_path):
    """bibtexparser silently dropped both entries (and lsr then refused the file, blaming a brace)."""
    path = tmp_path / "scopus.bib"
    path.write_text(SCOPUS_BIB, encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 2 record(s)" in result.stdout and "2 new" in result.stdout
    items = {i["doi"]: i for i in export_json(workspace)}
    scopus = items["10.1017/s0047279421000123"]
    assert scopus["title"] == "Debt counselling and household arrears: a quasi-experiment"
    assert scopus["authors"] == ["Bakker, A.", "Yilmaz, S."] and scopus["year"] == 2021
    assert scopus["venue"] == "Journal of Social Policy" and scopus["type"] == "article"
    assert scopus["abstract"] == "Municipal debt counselling was evaluated in four cities."
    young = items["10.1000/ya.2019.7"]
    # a line of the abstract that looks like a field ("effect size = …") is text: left as written
    assert young["abstract"] == "Young adults in debt, aged 18 to 27, effect size = 0.4 on arrears after one year."
    scopus_raw, young_raw = raw_fields(workspace)
    assert scopus_raw["funding_text_1"] == "This work was funded by NWO (452-17-011)."
    assert scopus_raw["funding_details"] == "Netherlands Organisation for Scientific Research,\u00a0452-17-011"
    assert scopus_raw["source"] == "Scopus" and scopus_raw["document_type"] == "Article"
    assert young_raw["key_words"] == "Debt, Young adults"
    # Scopus's author_keywords and the key_words that "key words" became are keywords
    assert scopus["keywords"] == ["debt counselling", "arrears"]
    assert young["keywords"] == ["Debt", "Young adults"]


def test_bibtex_proceedings_named_only_by_booktitle(workspace, tmp_path):
    """A @proceedings entry (a conference volume) often has a booktitle and no title: that names it."""
    path = tmp_path / "volume.bib"
    path.write_text("@proceedings{ICRC2015,\n  booktitle = {Proceedings of the Onderwijs Research Dagen 2015},\n"
                    "  year = {2015},\n  publisher = {NRO}\n}\n", encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    [item] = export_json(workspace)
    assert (item["title"], item["type"], item["year"]) == ("Proceedings of the Onderwijs Research Dagen 2015", "book", 2015)


def test_bibtex_entry_lost_among_repeated_keys_is_named_by_its_line(workspace, tmp_path):
    """The parser returns the entries it read in file order; the lost one is found by position, not by a key
    that another entry also uses (it named the file's last entry)."""
    path = tmp_path / "refs.bib"
    path.write_text("@article{smith2020, title={First}, year={2020}}\n\n"
                    "@article{smith2020,\n  title={Second, with an unclosed brace,\n  year={2020}\n\n"
                    "@article{jones2021, title={Third}, year={2021}}\n", encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert f"{path}: line 3: this BibTeX entry could not be read" in result.stderr, result.stderr
    assert "read 2 of 3 entries" in result.stderr and export_json(workspace) == []


def test_endnote_tagged_file_fields(workspace):
    """A .enw file as Google Scholar and publishers give it (CRLF, continuation lines, one record per blank line)."""
    path = DATA / "endnote_tagged.enw"
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 3 record(s)" in result.stdout and "(EndNote tagged, utf-8, source refer)" in result.stdout
    items = {i["title"]: i for i in export_json(workspace)}
    trial = items["Budget coaching for indebted households: a randomised trial"]
    assert trial["type"] == "article" and trial["authors"] == ["de Graaf, Marieke", "Okafor, Chidi"]
    assert trial["venue"] == "Journal of Consumer Policy" and trial["doi"] == "10.1007/s10603-021-09481-2"
    assert trial["year"] == 2021 and trial["publication_date"] == "2021-06-15"
    assert trial["abstract"] == ("Households with problem debts were offered budget coaching or the usual municipal "
                                 "debt service. Arrears fell after a year.")
    assert trial["keywords"] == ["debt counselling", "financial capability", "randomised trial"]
    assert trial["sources"] == [{"kind": "refer", "duplicate": False, "file": str(path), "source": "refer"}]
    chapter = items["Debt advice in the Netherlands"]
    assert chapter["type"] == "book-chapter" and chapter["venue"] == "Handbook of Household Finance"
    assert chapter["authors"] == ["Visser, Bram"]  # the editor (%E) is not an author
    assert chapter["doi"] == "10.5117/9789463720123.ch05" and chapter["year"] == 2019
    pubmed = items["Debt problems and mental health in young adults"]
    assert pubmed["pmid"] == "32139485" and pubmed["publication_date"] == "2020-03-04"  # %M, from PubMed
    first, _, _ = raw_fields(workspace)
    assert first["%P"] == ["211-236"] and first["%Z"] == ["Exported from SpringerLink"]
    assert [r.candidate.language for r in read_file(path).records] == ["English", None, None]


def test_refer_records_without_a_type_line(workspace, tmp_path):
    """The AIS eLibrary writes refer without %0, or with %0 after the title: the type is left unknown."""
    path = tmp_path / "ais.txt"
    path.write_text("%T Peer support for debt repayment on a mobile platform\n%0 Journal Article\n%A Chen, Li\n"
                    "%B Management Information Systems Quarterly\n%D 2021\n%8 September  1, 2021\n"
                    "%U https://aisel.aisnet.org/misq/vol45/iss3/13\n%X Borrowers who joined peer groups repaid more.\n"
                    "\n\n%T Debt stress among gig workers\n%A Rossi, Marco\n%B PACIS 2017 Proceedings\n%D 2017\n"
                    "%8 July  1, 2017\n%U https://aisel.aisnet.org/pacis2017/260\n", encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "2 new" in result.stdout
    items = {i["title"]: i for i in export_json(workspace)}
    typed = items["Peer support for debt repayment on a mobile platform"]
    assert typed["type"] == "article" and typed["venue"] == "Management Information Systems Quarterly"
    assert typed["publication_date"] == "2021-09-01" and typed["authors"] == ["Chen, Li"]
    untyped = items["Debt stress among gig workers"]
    assert untyped["type"] is None and untyped["venue"] == "PACIS 2017 Proceedings"
    assert untyped["year"] == 2017 and untyped["publication_date"] == "2017-07-01"
    assert [s["source_key"] for s in _sources(workspace)] == ["1", "11"]


def _sources(ws: Path) -> list[dict]:
    with open_workspace(resolve(ws)).db.read() as session:
        return [{"source_key": s.source_key} for s in session.exec(select(RecordSource).order_by(RecordSource.id))]


@pytest.mark.parametrize("text, line, what", [
    ("Exported from the library catalogue\n%0 Journal Article\n%T A title\n", "line 1",
     "EndNote's tagged format with a %0 line"),
    ("%0 Journal Article\n%T A title\n%Title lost its space\n", "line 3", "not an EndNote tag"),
    ("%0 Journal Article\n%T A title\n\nan abstract's paragraph after a blank line\n", "line 4",
     "text between records is not EndNote tagged"),
    ("%0 Journal Article\n%T A title\n\n%T A record without its type\n%D 2020\n", "line 4", "record has no %0 line"),
    ("%0 Journal Article\n%T A title\n%0 Book\n%T Another\n", "line 3", "a second %0 in the record"),
    ("%0 Journal Article\n%D 2019\n\n%0 Book\n%D 2020\n", "line 1",
     "none of the file's 2 records has a title, abstract or identifier"),
])
def test_broken_endnote_tagged_file_names_the_line(workspace, tmp_path, text, line, what):
    path = tmp_path / "citations.enw"
    path.write_text(text, encoding="utf-8")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and f"{path}: {line}: " in message and what in message, message
    assert export_json(workspace) == []
