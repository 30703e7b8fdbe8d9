"""`lsr import` of BibTeX whose braces do not balance in one field, as EBSCOhost (PsycINFO, ERIC, SocINDEX,
Academic Search) writes it: scraped web-page text in ``Keywords`` with a stray ``{`` or ``}``. The entry is kept
with the fields that can be read, the damaged field is read to the end of its line (or left out when it runs
over several lines), a warning names the file, line, entry and field, and every entry after it is read as
written: never merged into the damaged one, never lost.

The export's shape (one field a line, capitalised field names, the accession number as the key, the
``Keywords`` line with scraped script text) follows the EBSCO sample in CoLRev's test data
(``tests/review_manager/3_packages_search/data/ebsco_bib.bib``); the records are invented."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import select

from lsr.models import Record
from lsr.search.importers import read_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import export_json, run, write_file

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

SCRAPED = ("googletag.cmd.push(function() { var pathChar = '/', author:{name:Visser, @type:Person}, "
           "copyrightHolder:Oxford University Press")


def ebsco_entry(key: str, db: str, title: str, doi: str, keywords: str = "Debt; Household finance",
                abstract: str = "") -> str:
    """One entry as EBSCOhost writes it: a field a line, names capitalised, the accession number as the key."""
    abstract = abstract or f"We studied {title.lower()} in 50% of Dutch municipalities."
    return (f"@article{{{key},\n"
            f"Abstract = {{{abstract}}},\n"
            "Author = {de Graaf, Marieke and Okafor, Chidi},\n"
            f"DOI = {{{doi}}},\n"
            "ISSN = {00472794},\n"
            "Journal = {Journal of Social Policy},\n"
            f"Keywords = {{{keywords}}},\n"
            "Number = {2},\n"
            "Pages = {211 - 236},\n"
            f"Title = {{{title}}},\n"
            "Volume = {50},\n"
            f"URL = {{https://search.ebscohost.com/login.aspx?direct=true&db={db}&AN={key}&site=ehost-live}},\n"
            "Year = {2021},\n"
            "}\n\n")


ENTRIES = (  # key, database, title, DOI
    ("2021-12345-001", "psyh", "Debt counselling and depressive symptoms", "10.1017/S0047279420000011"),
    ("EJ1290001", "eric", "Budget coaching for parents of primary school pupils", "10.1017/S0047279420000022"),
    ("150123456", "sih", "Municipal debt services and eviction", "10.1017/S0047279420000033"),
    ("149876543", "a9h", "Extended school days and reading at age twelve", "10.1017/S0047279420000044"),
    ("2021-12345-002", "psyh", "Problem debt in young adults: a cohort study", "10.1017/S0047279420000055"),
)
LINES = 15  # each entry's lines, the blank one after it included


def ebsco_file(damaged: int, **changes: str) -> str:
    """The five entries, the one at position ``damaged`` with ``changes`` (its keywords, its abstract)."""
    return "".join(ebsco_entry(*entry, **(changes if i == damaged else {})) for i, entry in enumerate(ENTRIES))


def every_entry_is_there(workspace) -> dict[str, dict]:
    items = {i["title"]: i for i in export_json(workspace)}
    assert {title: items[title]["doi"] for _, _, title, _ in ENTRIES} == \
        {title: doi.lower() for _, _, title, doi in ENTRIES}, sorted(items)
    assert len(items) == len(ENTRIES)
    return items


def stored_keywords(workspace, title: str) -> str:
    """The ``keywords`` field as the reader kept it for the record with this title."""
    with open_workspace(resolve(workspace)).db.read() as session:
        record = session.exec(select(Record).where(Record.title == title)).one()
        return record.raw["fields"]["keywords"]


@pytest.mark.parametrize("keywords, brace", [
    # an opening brace that nothing closes: BibTeX's reading took in the entries after it, and lsr refused the file
    (f"Debt counselling; Household finance; {SCRAPED}", "{"),
    # a closing brace that closes nothing: the value ended early, the rest of the line was not BibTeX
    ("Debt counselling; Household finance; var a = 1}, Municipal services", "}"),
])
def test_ebsco_keywords_with_a_stray_brace_keep_their_entry_and_every_entry_after_it(workspace, tmp_path, keywords,
                                                                                      brace):
    """The whole file was refused ("line 16: this BibTeX entry could not be read"); now the entry is kept, its
    keywords read to the end of their line, and each entry after it keeps its own title and DOI."""
    path = write_file(tmp_path, "ebsco.bib", ebsco_file(1, keywords=keywords))
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 5 record(s)" in result.stdout and "5 new" in result.stdout, result.stdout
    keywords_line = LINES + 7
    assert (f"warning: {path}: line {keywords_line}: entry EJ1290001: field Keywords has an unbalanced '{brace}'; "
            "read to the end of its line (braces that pair with nothing dropped), the rest of the entry kept"
            ) in result.stderr, result.stderr
    items = every_entry_is_there(workspace)
    damaged = items["Budget coaching for parents of primary school pupils"]
    assert damaged["year"] == 2021 and damaged["venue"] == "Journal of Social Policy"
    assert damaged["authors"] == ["de Graaf, Marieke", "Okafor, Chidi"]
    assert damaged["abstract"] == "We studied budget coaching for parents of primary school pupils in 50% of Dutch " \
                                  "municipalities."
    assert damaged["keywords"][:2] == ["Debt counselling", "Household finance"]
    # the braces that pair with nothing are dropped, the pair around "name:Visser, @type:Person" kept
    assert stored_keywords(workspace, damaged["title"]) == keywords.replace("function() {", "function() ").replace(
        "1}", "1")
    assert items["Municipal debt services and eviction"]["keywords"] == ["Debt", "Household finance"]
    # the records keep the lines their entries start on
    assert [r.line for r in read_file(path).records] == [1 + i * LINES for i in range(5)]


def test_a_stray_closing_brace_no_longer_ends_the_entry_and_drops_its_title_and_doi(workspace, tmp_path):
    """``Keywords = {… 1}},``: the parser closed the entry at the second brace and silently dropped every field
    after it (Number, Pages, Title, Volume, URL, Year): the record was stored without its title or year."""
    path = write_file(tmp_path, "ebsco.bib", ebsco_file(2, keywords="Eviction; Housing; var a = {x: 1}}"))
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert (f"{path}: line {2 * LINES + 7}: entry 150123456: field Keywords has an unbalanced '}}'; read to the end "
            "of its line") in result.stderr, result.stderr
    items = every_entry_is_there(workspace)
    evictions = items["Municipal debt services and eviction"]
    assert evictions["year"] == 2021 and evictions["keywords"] == ["Eviction", "Housing", "var a = x: 1"]


def test_a_damaged_field_over_several_lines_is_left_out_and_the_rest_kept(workspace, tmp_path):
    """An abstract wrapped over lines with a stray brace: where its text ends cannot be told, so it is left out
    (with a warning), and the entry keeps its other fields."""
    abstract = "Households in debt {were offered\n   budget coaching; arrears fell"
    path = write_file(tmp_path, "ebsco.bib", ebsco_file(3, abstract=abstract))
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert (f"warning: {path}: line {3 * LINES + 2}: entry 149876543: field Abstract has an unbalanced '{{'; left "
            "out (it runs over 2 lines, so where its text ends cannot be told), the rest of the entry kept"
            ) in result.stderr, result.stderr
    items = every_entry_is_there(workspace)
    school = items["Extended school days and reading at age twelve"]
    assert not school["abstract"] and school["year"] == 2021 and school["keywords"] == ["Debt", "Household finance"]
    # the line numbers after the dropped field are still the file's
    assert [r.line for r in read_file(path).records][-1] == 4 * LINES + 2


def test_an_entry_left_with_nothing_to_identify_it_by_is_left_out_by_the_usual_rule(workspace, tmp_path):
    """A damaged title over two lines is left out; the entry, with no abstract or DOI either, then has nothing
    to be known by and is left out like any such entry, with both warnings; the rest of the file is imported."""
    text = ("@article{2021-12345-009,\nAuthor = {Visser, Bram},\nTitle = {Debt advice {in the\n   municipality},\n"
            "Year = {2021},\n}\n\n" + ebsco_file(-1))
    path = write_file(tmp_path, "ebsco.bib", text)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 5 record(s)" in result.stdout, result.stdout
    assert (f"{path}: line 3: entry 2021-12345-009: field Title has an unbalanced '{{'; left out (it runs over 2 "
            "lines") in result.stderr, result.stderr
    assert (f"{path}: line 1: entry has no title, abstract or identifier (it holds only type article, author "
            "Visser, Bram, year 2021); left out") in result.stderr, result.stderr
    every_entry_is_there(workspace)


def test_an_at_sign_line_inside_a_value_is_text_not_an_entry(workspace, tmp_path):
    """A wrapped abstract with a line starting ``@UNICEF (2019)`` was counted as an entry the parser did not
    return, and the file was refused; BibTeX reads it as the abstract's text, and so does lsr now. A ``%``
    inside a value was already read as text (it starts no comment there)."""
    abstract = "Child poverty rose, as\n@UNICEF (2019) reported; 50% of\n% households were in arrears"
    path = write_file(tmp_path, "zotero.bib", ebsco_file(2, abstract=abstract))
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert result.stderr == "", result.stderr
    items = every_entry_is_there(workspace)
    assert items["Municipal debt services and eviction"]["abstract"] == (
        "Child poverty rose, as @UNICEF (2019) reported; 50% of % households were in arrears")


def test_many_damaged_fields_are_named_five_at_a_time(tmp_path):
    text = "".join(ebsco_entry(f"EJ12900{i:02d}", "eric", f"Debt advice, study {i}", f"10.1017/S00472794200001{i:02d}",
                               keywords=f"Debt; var a{i} = 1}}") for i in range(8))
    parsed = read_file(write_file(tmp_path, "ebsco.bib", text))
    assert len(parsed.records) == 8
    assert [r.candidate.title for r in parsed.records] == [f"Debt advice, study {i}" for i in range(8)]
    assert len(parsed.warnings) == 6 and "line 7: entry EJ1290000: field Keywords" in parsed.warnings[0]
    assert parsed.warnings[5].endswith("3 more field(s) whose braces do not balance, each read to the end of its "
                                       f"line or left out as above (lines {5 * LINES + 7}, {6 * LINES + 7}, {7 * LINES + 7})")


def as_read(path) -> list[tuple]:
    return [(r.line, r.candidate.title, r.candidate.abstract, r.candidate.authors, r.candidate.doi, r.candidate.year,
             r.candidate.venue, r.candidate.keywords) for r in read_file(path).records]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entry=st.integers(0, len(ENTRIES) - 1), field=st.integers(1, 12), where=st.floats(0, 1),
       brace=st.sampled_from("{}"))
def test_one_stray_brace_in_any_value_changes_nothing_but_a_warning(tmp_path_factory, entry, field, where, brace):
    """A brace inserted anywhere inside one value of the file (title, DOI, year and URL too): every entry is read
    as in the undamaged file, and one warning names the field."""
    folder = tmp_path_factory.mktemp("stray")
    text = ebsco_file(-1)
    lines = text.split("\n")
    at = entry * LINES + field  # the field's line (0-based)
    value_start = lines[at].index("{") + 1
    value_end = lines[at].rindex("}")
    cut = value_start + round(where * (value_end - value_start))
    name = lines[at].split(" = ")[0]
    lines[at] = lines[at][:cut] + brace + lines[at][cut:]
    damaged = write_file(folder, "damaged.bib", "\n".join(lines))
    assert as_read(damaged) == as_read(write_file(folder, "clean.bib", text))
    assert read_file(damaged).warnings == (
        f"{damaged}: line {at + 1}: entry {ENTRIES[entry][0]}: field {name} has an unbalanced '{brace}'; read to the "
        "end of its line (braces that pair with nothing dropped), the rest of the entry kept",)


@pytest.mark.parametrize("text", [
    # one line an entry: which field the stray brace belongs to cannot be told from the lines
    "@article{a, title={Debt advice}, keywords={debt, function() { var a = 1, arrears}, doi={10.1000/a}}\n\n",
    # the entry has no line of its own that closes it
    "@article{a,\n  title={Debt advice {in the municipality},\n  year={2021}}\n\n",
])
def test_an_entry_not_laid_out_one_field_a_line_is_still_refused(workspace, tmp_path, text):
    path = write_file(tmp_path, "refs.bib", text + "@article{b,\n  title={School meals},\n  year={2019},\n}\n")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert f"{path}: line 1: this BibTeX entry could not be read" in result.stderr, result.stderr
    assert export_json(workspace) == []


def test_an_entry_on_one_line_closed_early_by_a_stray_brace_is_named_in_a_warning(workspace, tmp_path):
    """``@article{a, title={Debt advice}}, year={2021}, doi=…}``: the second ``}`` closes the entry, and BibTeX
    reads the rest of the line as a comment, so the year and DOI were lost without a word. The entry is still
    read as BibTeX reads it, and the warning names its line and what was not read."""
    path = write_file(tmp_path, "refs.bib", "@article{a, title={Debt advice}}, year={2021}, doi={10.1000/a}}\n\n"
                      "@article{b,\n  title={School meals},\n  year={2019},\n}\n")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert (f"warning: {path}: line 1: entry a: a '}}' ends the entry before its line ends; the rest of the line, "
            "', year={2021}, doi={10.1000/a}}', was not read (is there a '}' too many?)") in result.stderr, \
        result.stderr
    assert {i["title"]: i["year"] for i in export_json(workspace)} == {"Debt advice": None, "School meals": 2019}


def test_text_after_an_entry_that_is_no_field_gives_no_warning(tmp_path):
    path = write_file(tmp_path, "refs.bib", "@article{a, title={Debt advice}} % checked by Anna\n"
                      "@article{b, title={School meals}},\n")
    assert read_file(path).warnings == ()


def test_a_damaged_entry_is_never_merged_with_a_next_entry_whose_head_is_broken(workspace, tmp_path):
    """The last field of an entry has a stray brace and the next entry's head lost its ``@``: read as running up
    to the next field, the damaged field would take in the entry's closing line and the broken head, and the
    next entry's fields would become this entry's. The file is refused instead, naming the damaged entry."""
    second, third = ebsco_entry(*ENTRIES[1]), ebsco_entry(*ENTRIES[2])
    text = (ebsco_entry(*ENTRIES[0]) + second.replace("Year = {2021}", "Year = {20{21}")
            + third.removeprefix("@") + ebsco_entry(*ENTRIES[3]))
    path = write_file(tmp_path, "ebsco.bib", text)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert f"{path}: line {LINES + 1}: this BibTeX entry could not be read" in result.stderr, result.stderr
    assert export_json(workspace) == []


def test_a_file_that_is_not_bibtex_is_still_refused(workspace, tmp_path):
    path = write_file(tmp_path, "refs.bib", "Dear colleague,\nhere are the references: {Debt advice, 2021\n")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert export_json(workspace) == []
