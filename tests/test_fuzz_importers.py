"""Fuzzing the importers (RIS, CSV, MEDLINE, BibTeX, EndNote XML and tagged, PubMed XML, Ovid, CSL JSON): every
input imports or is refused with one clean line.

Inputs are random bytes, and valid files of each format with random
mutations (cut, inserted junk, duplicated or dropped tags, stray encodings). A refusal must be an ``LsrError``
naming the file and leave the review unchanged; anything else escaping is a bug.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import select

from lsr.errors import LsrError
from lsr.models import Record
from lsr.search.importers import import_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import make_workspace

pytestmark = pytest.mark.slow  # hundreds of generated files per test

FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

RIS = (
    "TY  - JOUR\r\nAU  - Smith, J.\r\nTI  - After-school programmes and achievement\r\nPY  - 2019\r\n"
    "JO  - Journal of Education\r\nDO  - 10.1000/abc.1\r\nAB  - An abstract about school.\r\nER  - \r\n\r\n"
    "TY  - JOUR\r\nAU  - Jansen, K.\r\nTI  - Schuldhulpverlening in de praktijk\r\nPY  - 2021\r\nER  - \r\n"
)
MEDLINE = (
    "PMID- 31811234\r\nOWN - NLM\r\nDP  - 2019 Dec\r\nTI  - Extended school day and achievement: a randomised\r\n"
    "      trial\r\nLID - 10.1000/abc.2 [doi]\r\nAB  - Schools in deprived areas.\r\nFAU - Smith, John\r\n"
    "AU  - Smith J\r\nLA  - eng\r\nPT  - Journal Article\r\n\r\nPMID- 31811235\r\nTI  - Schuldhulp\r\n"
)
BIBTEX = (
    "% Encoding: UTF-8\n@string{eer = {Econ Educ Rev}}\n@article{smith2019,\n  title = {Extended school day and "
    "{COVID}-19},\n  author = {M{\\\"u}ller, K. and Jansen, P.},\n  journal = eer,\n  year = 2019,\n  month = dec,\n"
    "  doi = {10.1000/abc.3}\n}\n@misc{b, title={Schuldhulp}, year={2021}}\n"
)
ENDNOTE = (
    '<?xml version="1.0" encoding="UTF-8" ?><xml><records><record><ref-type name="Journal Article">17</ref-type>'
    '<contributors><authors><author><style face="normal">Smith, J.</style></author></authors></contributors>'
    '<titles><title><style face="normal">After-school &amp; achievement</style></title></titles><dates><year>'
    '2019</year></dates><electronic-resource-num>10.1000/abc.4</electronic-resource-num></record><record>'
    '<ref-type name="Book">6</ref-type><titles><title>Schuldhulp</title></titles></record></records></xml>'
)
PUBMED_XML = (
    '<?xml version="1.0" ?><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>31811236</PMID><Article>'
    '<Journal><JournalIssue><PubDate><Year>2019</Year></PubDate></JournalIssue><Title>J Educ</Title></Journal>'
    '<ArticleTitle>Extended school day</ArticleTitle><Abstract><AbstractText Label="AIM">Schools.</AbstractText>'
    '</Abstract></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>'
)
REFER = (
    "%0 Journal Article\r\n%A Smith, J.\r\n%T After-school programmes and achievement\r\n%J Journal of Education\r\n"
    "%D 2019\r\n%8 June 15, 2019\r\n%R 10.1000/abc.5\r\n%K school\r\nachievement; reading\r\n%X An abstract\r\n"
    "on two lines.\r\n\r\n%0 Book Section\r\n%T Schuldhulp\r\n%B Handboek\r\n%M 31811236\r\n%W NLM\r\n"
)
OVID = (
    "<1. >\r\nVN  - Ovid Technologies\r\nDB  - Embase\r\nUI  - 2011234567\r\nPM  - 33355555\r\nTI  - Homework clubs\r\n"
    "SO  - Arch Dis Child. 107 (2), 2022. Date of Publication: June 2022.\r\nAB  - Attendance rose.\r\nMETHODS: 12.\r\n"
    "DO  - http://dx.doi.org/10.1136/x.200\r\n\r\n<2. >\r\nDB  - Ovid MEDLINE(R)\r\nUI  - 34567890\r\nTI  - Schuldhulp\r\n"
)
CSL = ('[{"id": "a", "type": "article-journal", "title": "Homework clubs", "author": [{"family": "Smit", "given": "J."}],'
       ' "issued": {"date-parts": [[2022, 6]]}, "DOI": "10.1000/csl.1", "container-title": "J Educ"},\n'
       ' {"id": "b", "type": "chapter", "title": "Schuldhulp", "issued": {"raw": "2019"}}]\n')
CSV = ("title,abstract,authors,doi,year,included\n"
       "Extended school day,Effects on children,\"Doe, A.\",10.1000/x1,2018,1\n"
       "Energy coaching,Households in poverty,\"Roe, B.\",,2020,0\n")


def _workspace(tmp_path_factory):
    path = make_workspace(tmp_path_factory.mktemp("fuzz") / "ws")
    return open_workspace(resolve(path))


def _check(ws, path) -> None:
    with ws.db.read() as s:
        before = s.exec(select(func.count()).select_from(Record)).one()
    try:
        import_file(ws, "test-review", path, reviewer="fuzzer")
    except LsrError as exc:
        assert "\n" not in exc.message.strip() and str(path.name) in exc.message, exc.message
        with ws.db.read() as s:
            assert s.exec(select(func.count()).select_from(Record)).one() == before  # nothing half-imported


@FUZZ
@given(blob=st.binary(max_size=600), suffix=st.sampled_from([".ris", ".csv", ".txt"]))
def test_random_bytes(tmp_path_factory, blob, suffix):
    ws = _workspace(tmp_path_factory)
    path = tmp_path_factory.mktemp("in") / f"fuzz{suffix}"
    path.write_bytes(blob)
    _check(ws, path)


@FUZZ
@given(template=st.sampled_from([("ris", RIS), ("csv", CSV), ("nbib", MEDLINE), ("bib", BIBTEX),
                                           ("xml", ENDNOTE), ("xml", PUBMED_XML), ("enw", REFER),
                                           ("txt", OVID), ("json", CSL)]),
       cut=st.integers(0, 500),
       junk=st.text(max_size=12), drop=st.integers(0, 400),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
def test_mutated_valid_files(tmp_path_factory, template, cut, junk, drop, encoding):
    kind, text = template
    mutated = text[:cut] + junk + text[cut:]
    mutated = mutated[:drop] + mutated[drop + 5:]
    ws = _workspace(tmp_path_factory)
    path = tmp_path_factory.mktemp("in") / f"fuzz.{kind}"
    try:
        path.write_bytes(mutated.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(mutated.encode("utf-8"))
    _check(ws, path)
