"""Bad import files are refused whole: exit 1, one line naming the file (and line), database unchanged."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from lsr.models import Decision, Record, RecordSource, SearchRun
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run, write_file

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

DATA = Path(__file__).parent / "data" / "import"

GOOD = "TY  - JOUR\nTI  - A perfectly ordinary first record about school days\nAU  - Kim, H.\nPY  - 2011\nER  - \n\n"


def counts(workspace: Path) -> dict[str, int]:
    ws = open_workspace(resolve(workspace))
    with ws.db.read() as session:
        return {m.__name__: session.exec(select(func.count()).select_from(m)).one()
                for m in (Record, RecordSource, SearchRun, Decision)}


@pytest.fixture
def seeded(workspace):
    """A workspace that already holds one import with labels, so "unchanged" means something."""
    result = run(["import", "test-review", DATA / "asreview_labels.csv"], workspace)
    assert result.exit_code == 0, result.output
    return workspace


def refuse(workspace: Path, path: Path, *expected: str) -> str:
    before = counts(workspace)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert str(path) in message, message
    for text in expected:
        assert text in message, message
    assert counts(workspace) == before
    return message




def test_not_ris_or_csv(seeded, tmp_path):
    path = write_file(tmp_path, "notes.ris", "\nDear colleague,\nhere are the references you asked for.\n")
    refuse(seeded, path, "line 2", "not an export format lsr reads")


@pytest.mark.parametrize("text, hint", [
    ('[{"id": "https://openalex.org/W1"}]\n', "JSON"),
])
def test_known_other_formats_get_a_hint(seeded, tmp_path, text, hint):
    refuse(seeded, write_file(tmp_path, "refs.txt", text), "line 1", hint)


def test_broken_bibtex_names_the_entry(seeded, tmp_path):
    """bibtexparser skips an entry it cannot read; lsr refuses the file and names the entry's line."""
    text = ("@article{a, title={First}, year={2019}}\n\n@article{b,\n  title={Unclosed brace,\n  year={2020}\n\n"
            "@article{c, title={Third}, year={2021}}\n")
    refuse(seeded, write_file(tmp_path, "refs.bib", text), "line 3", "could not be read")


@pytest.mark.parametrize("text, line, what", [
    ("PMID- 31456789\nTI  - A title\nthis line lost its indentation\n", "line 3", "not a MEDLINE line"),
    ("PMID- 31456789\nTI  - A title\n\tan editor's tab is indentation\nno tab here\n", "line 4", "not a MEDLINE line"),
    ("PMID- 31456789\nTI  - A title\n\nTI  - a record without its PMID line\n", "line 4", "between records"),
    ("Search: school day\nPMID- 31456789\nTI  - A title\n", "line 1", "not an export format lsr reads"),
])
def test_broken_medline_names_the_line(seeded, tmp_path, text, line, what):
    refuse(seeded, write_file(tmp_path, "pubmed.nbib", text), line, what)


@pytest.mark.parametrize("data, what", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
    (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "Excel"),
    (bytes(range(256)) * 4, "binary data"),
])
def test_binary_data(seeded, tmp_path, data, what):
    refuse(seeded, write_file(tmp_path, "export.csv", data), what)


def test_dense_control_bytes_are_binary_data_naming_their_line(seeded, tmp_path):
    path = write_file(tmp_path, "export.ris", GOOD.encode() + b"TY  - JOUR\nTI  - Broken \x01\x02\x03\x04 record\nER  - \n")
    refuse(seeded, path, "line 8", "binary data (control byte 0x01)")


def test_a_nul_byte_is_binary_data(seeded, tmp_path):
    refuse(seeded, write_file(tmp_path, "export.ris", GOOD.encode() * 50 + b"TY  - JOUR\nTI  - A\x00B\nER  - \n"),
           "line 302", "binary data (control byte 0x00)")


@pytest.mark.parametrize("encoding", [None, "cp1252"])
def test_stray_control_characters_are_replaced_with_a_warning(seeded, tmp_path, encoding):
    """A PubMed abstract in which "≈" became U+0001 (as in a real ASReview benchmark file): imported."""
    stray = GOOD + "TY  - JOUR\nTI  - Decision support for asthma care\nAB  - affects \x01 6 million children\nER  - \n"
    path = write_file(tmp_path, "export.ris", stray * 3)
    result = run(["import", "test-review", path] + (["--encoding", encoding] if encoding else []), seeded)
    assert result.exit_code == 0, result.output
    assert "3 stray control character(s) (U+0001) replaced" in result.stderr, result.stderr
    assert "line(s) 9, 19, 29" in result.stderr, result.stderr
    ws = open_workspace(resolve(seeded))
    with ws.db.read() as session:
        abstract = session.exec(select(Record.abstract).where(Record.title == "Decision support for asthma care")).one()
    assert abstract == "affects \ufffd 6 million children"


@pytest.mark.parametrize("text, where, what", [
    ('<?xml version="1.0"?>\n<xml><records>\n<record><titles><title>A &nbsp; title</title></titles></record>\n'
     '</records></xml>\n', "line 3, column", "not well-formed XML: undefined entity"),
    ('<?xml version="1.0"?>\n<xml><records>\n<record><titles><title>Unclosed</titles></record>\n</records></xml>\n',
     "line 3, column", "not well-formed XML: mismatched tag"),
    ('<?xml version="1.0"?>\n<xml><records>\n</records></xml>\n', "no EndNote records", ""),
    ('<?xml version="1.0"?>\n<modsCollection><mods><titleInfo><title>A</title></titleInfo></mods></modsCollection>\n',
     "line 1", "this looks like XML or HTML but neither an EndNote XML export nor PubMed XML"),
    ('<?xml version="1.0"?>\n<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID>\n'
     '<Article><ArticleTitle>A</Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n',
     "line 4, column", "not well-formed XML: mismatched tag"),
    ('<?xml version="1.0"?>\n<PubmedArticleSet>\n</PubmedArticleSet>\n', "no PubMed articles", ""),
    # an entity bomb ("billion laughs") is stopped by expat, not expanded into memory
    ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY a{i} "{("&a%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
     + ']>\n<xml><records><record><titles><title>&a9;</title></titles></record></records></xml>\n',
     "line 3, column", "limit on input amplification factor"),
])
def test_broken_xml_exports_name_line_and_column(seeded, tmp_path, text, where, what):
    refuse(seeded, write_file(tmp_path, "library.xml", text), where, what)


@pytest.mark.parametrize("text, where, what", [
    ('[\n  {"type": "article-journal", "title": "A"},\n  {"type": "book", "title": "B",}\n]\n', "line 3, column",
     "not valid JSON"),
    ('[\n  {"type": "article-journal", "title": "A"},\n  "a string"\n]\n', "line 3", "a CSL JSON item is an object"),
    ('[\n  {"type": "book", "note": "nothing"},\n  {"type": "webpage", "URL": "https://example.org"}\n]\n', "line 2",
     "none of the file's 2 items has a title, abstract or identifier (the first, here: it holds only type book, a note 'nothing')"),
    ('[{"id": "https://openalex.org/W1", "type": "article", "display_name": "A", "publication_year": 2020}]\n',
     "line 1", "this looks like JSON but not CSL JSON, the one JSON lsr reads (Zotero, Mendeley); export RIS"),
    ('[{"title": "Schuldhulpverlening", "authors": "J. Bakker", "year": 2021, "cites": 4,\n'
     '  "source": "Google Scholar"}]\n', "line 1", "Publish or Perish: File > Save as"),  # Publish or Perish
])
def test_broken_csl_json_names_its_line(seeded, tmp_path, text, where, what):
    refuse(seeded, write_file(tmp_path, "zotero.json", text), where, what)


def test_record_without_er_before_next_ty(seeded, tmp_path):
    text = GOOD + "TY  - JOUR\nTI  - Second record lost its end tag\nAU  - Lee, M.\n\nTY  - JOUR\nTI  - Third\nER  - \n"
    refuse(seeded, write_file(tmp_path, "scopus.ris", text), "line 11", "record starting at line 7 has no ER")


def test_final_record_without_er_is_detected(seeded, tmp_path):
    # rispy alone would silently return only the first record
    text = GOOD + "TY  - JOUR\nTI  - The last record of a truncated download\nAU  - Lee, M.\n"
    message = refuse(seeded, write_file(tmp_path, "truncated.ris", text), "line 7", "has no ER")
    assert "last record" in message


def test_wos_plain_text_record_without_er(seeded, tmp_path):
    text = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAU Kim, H\nTI Lost end\nER\n\nPT J\nTI Cut off\n"
    refuse(seeded, write_file(tmp_path, "savedrecs.txt", text), "line 8", "has no ER")


def test_text_between_records(seeded, tmp_path):
    text = GOOD + "this line does not belong here\n" + GOOD
    refuse(seeded, write_file(tmp_path, "junk.ris", text), "line 7", "between records")


def test_record_that_lost_its_ty_line(seeded, tmp_path):
    """Tag lines between records are left out (Ovid writes NL after ER), but a record without its TY still
    ends in an ER that closes nothing: refused there."""
    text = GOOD + "AU  - Stray, A.\nTI  - A record that lost its TY line\nER  - \n\n" + GOOD
    refuse(seeded, write_file(tmp_path, "stray.ris", text), "line 9", "ER without a TY starting the record")


def test_a_file_whose_only_record_is_empty(seeded, tmp_path):
    """A record with nothing to identify it by is left out with a warning (tests/test_import_leftovers.py), but a
    file with no other record is refused: it is not an export of references lsr can read."""
    text = "TY  - JOUR\nPY  - 2020\nER  - \n"
    refuse(seeded, write_file(tmp_path, "empty-record.ris", text), "line 1",
           "the file's only record has no title, abstract or identifier (it holds only type article, year 2020)")


def test_unknown_encoding_undefined_cp1252_byte(seeded, tmp_path):
    data = GOOD.encode() + b"TY  - JOUR\nTI  - Caf\x81 culture\nER  - \n"
    refuse(seeded, write_file(tmp_path, "odd.ris", data), "line 8", "unknown encoding")


def test_unknown_encoding_mixed_utf8_and_latin1(seeded, tmp_path):
    data = ("TY  - JOUR\nTI  - Müller and Ørsted on schools\nER  - \n\n").encode() + \
        "TY  - JOUR\nTI  - Lefèvre on périscolaire\nER  - \n".encode("cp1252")
    refuse(seeded, write_file(tmp_path, "mixed.ris", data), "line 6", "mixes UTF-8")


def test_unknown_encoding_other_code_page(seeded, tmp_path):
    data = "TY  - JOUR\nTI  - Продлённый учебный день и успеваемость школьников\nER  - \n".encode("cp1251")
    refuse(seeded, write_file(tmp_path, "cyrillic.ris", data), "unknown encoding", "--encoding")


def test_encoding_override_reads_it(workspace, tmp_path):
    data = "TY  - JOUR\nTI  - Продлённый учебный день и успеваемость школьников\nER  - \n".encode("cp1251")
    path = write_file(tmp_path, "cyrillic.ris", data)
    result = run(["import", "test-review", path, "--encoding", "cp1251"], workspace)
    assert result.exit_code == 0, result.output
    assert "cp1251" in result.stdout


@pytest.mark.parametrize("data", [b"", b"   \r\n\r\n", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n\n",
                                  codecs.BOM_UTF16_LE])
def test_empty_file(seeded, tmp_path, data):
    refuse(seeded, write_file(tmp_path, "empty.ris", data), "empty file")


def test_missing_file(seeded, tmp_path):
    refuse(seeded, tmp_path / "nope.ris", "no such file")


def test_csv_without_known_columns(seeded, tmp_path):
    path = write_file(tmp_path, "table.csv", "name,age,city\nAnna,31,Utrecht\n")
    refuse(seeded, path, "line 1", "no title, abstract, doi or pmid column")


def test_csv_bad_label_value(seeded, tmp_path):
    path = write_file(tmp_path, "labels.csv", "title,included\nA good title about school days,1\nAnother title about "
                                         "school time,2\n")
    refuse(seeded, path, "line 3", "'included'", "'2'")


def test_csv_quoting_error(seeded, tmp_path):
    path = write_file(tmp_path, "quotes.csv", 'title,abstract\n"Fine title about schools","ok"\n"Broken "quote" here",x\n')
    refuse(seeded, path, "line 3", "quoting error")


def test_csv_row_with_too_many_fields(seeded, tmp_path):
    path = write_file(tmp_path, "fields.csv", "title,year\nLonger school days, a review,2019\n")
    refuse(seeded, path, "line 2", "3 fields where the header has 2")


def test_csv_header_only(seeded, tmp_path):
    refuse(seeded, write_file(tmp_path, "header.csv", "title,abstract,doi\n"), "no records")


def test_csv_whose_rows_have_no_title_or_identifier(seeded, tmp_path):
    refuse(seeded, write_file(tmp_path, "years.csv", "title,year\n,2019\n,2020\n"), "line 2",
           "none of the file's 2 rows has a title, abstract or identifier (the first, here: it holds only year 2019)")


def test_refusal_late_in_a_big_file_imports_nothing(seeded, tmp_path):
    good = "".join(f"TY  - JOUR\nTI  - Record number {i} about extended school days\nPY  - 2010\nER  - \n"
                   for i in range(1200))
    path = write_file(tmp_path, "big.ris", good + "TY  - JOUR\nTI  - no end\n")
    refuse(seeded, path, "line 4801", "has no ER")


def test_failure_while_storing_rolls_back_the_whole_file(seeded, tmp_path, monkeypatch):
    from lsr.search import dedupe as ingest

    good = "".join(f"TY  - JOUR\nTI  - Record number {i} about extended school days\nPY  - 2010\nER  - \n"
                   for i in range(1200))
    path = write_file(tmp_path, "big.ris", good)
    real = ingest.Ingest.add_many
    calls = []

    def failing(self, pairs, **kw):
        calls.append(1)
        if len(calls) == 2:  # the first batch is already flushed to the database
            from lsr.errors import LsrError

            raise LsrError("disk full (simulated)")
        return real(self, pairs, **kw)

    monkeypatch.setattr(ingest.Ingest, "add_many", failing)
    before = counts(seeded)
    result = run(["import", "test-review", path], seeded)
    assert result.exit_code == 1 and "disk full" in result.stderr
    assert counts(seeded) == before


def test_lsrs_own_json_export_is_refused_with_the_formats_that_move_records(seeded, tmp_path):
    path = tmp_path / "own.json"
    assert run(["export", "test-review", "--format", "json", "-o", path], seeded).exit_code == 0
    refuse(seeded, path, "line 1", "lsr's own JSON export", "--format csv")
