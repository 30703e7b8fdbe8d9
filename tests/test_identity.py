"""Identifiers are exact on real shapes: a regression corpus of DOIs, PMIDs, ERIC numbers and OpenAlex ids as
sources write them, and the de-duplication consequence (two articles of one journal issue stay two records)."""

from __future__ import annotations

import pytest

from lsr.search.dedupe import Candidate
from lsr.search.identity import (
    eric_id_in_fields,
    eric_id_in_link,
    eric_id_named_in,
    normalize_doi,
    normalize_eric_id,
    normalize_openalex_id,
    normalize_pmid,
)
from tests.helpers import make_workspace, run, status_json

# (as written in a source, canonical form). Shapes seen in Crossref, DataCite, PubMed, Scopus, Web of Science,
# OpenAlex and publisher pages; the suffix of a DOI may hold any printable character.
DOI_SHAPES = [
    # SICI DOIs (older Wiley journals): the part after "(200011)15:6" names one article of the issue
    ("10.1002/1531-8257(200011)15:6<1248::AID-MDS1029>3.0.CO;2-Q",
     "10.1002/1531-8257(200011)15:6<1248::aid-mds1029>3.0.co;2-q"),
    ("https://doi.org/10.1002/1531-8257(200011)15:6%3C1248::AID-MDS1029%3E3.0.CO;2-Q",
     "10.1002/1531-8257(200011)15:6<1248::aid-mds1029>3.0.co;2-q"),
    ("doi:10.1002/(SICI)1097-4679(199711)53:7<657::AID-JCLP3>3.0.CO;2-F",
     "10.1002/(sici)1097-4679(199711)53:7<657::aid-jclp3>3.0.co;2-f"),
    ("10.1002/(SICI)1097-4679(199711)53:7&lt;657::AID-JCLP3&gt;3.0.CO;2-F",  # from XML/HTML
     "10.1002/(sici)1097-4679(199711)53:7<657::aid-jclp3>3.0.co;2-f"),
    ("https://onlinelibrary.wiley.com/doi/full/10.1002/(SICI)1097-0258(19980715)17:13%3C1495::AID-SIM863%3E3.0.CO;2-I",
     "10.1002/(sici)1097-0258(19980715)17:13<1495::aid-sim863>3.0.co;2-i"),
    # brackets inside the suffix (Elsevier PII style), a Lancet DOI
    ("10.1016/S0140-6736(20)30183-5", "10.1016/s0140-6736(20)30183-5"),
    ("(https://doi.org/10.1016/S0140-6736(20)30183-5)", "10.1016/s0140-6736(20)30183-5"),
    # ordinary shapes and the forms around them
    ("https://dx.doi.org/10.1111/j.1467-8624.2010.01524.x", "10.1111/j.1467-8624.2010.01524.x"),
    ("http://onlinelibrary.wiley.com/doi/10.1111/j.1467-8624.2010.01524.x/abstract", "10.1111/j.1467-8624.2010.01524.x"),
    ("DOI: 10.2307/1132345.", "10.2307/1132345"),
    ("10.1007/978-3-030-12345-6_7", "10.1007/978-3-030-12345-6_7"),
    ("10.1136/BMJ.M1966", "10.1136/bmj.m1966"),
    ("10.5281/zenodo.1234567", "10.5281/zenodo.1234567"),
    ("10.1000.10/123456", "10.1000.10/123456"),  # a subdivided registrant code
    ("10.1093/ajae/aaq063", "10.1093/ajae/aaq063"),  # a slash inside the suffix
    ("info:doi/10.1000/182", "10.1000/182"),
    ("urn:doi:10.1000/182", "10.1000/182"),
    ("10.1000%2F182", "10.1000/182"),
    ('"10.1000/182"', "10.1000/182"),
    ("<https://doi.org/10.1000/182>", "10.1000/182"),
    ("see https://doi.org/10.1016/j.jpubeco.2020.104245, accessed 2024", "10.1016/j.jpubeco.2020.104245"),
    ("10.1000/ünïcødé-Ärtikel", "10.1000/ünïcødé-ärtikel"),  # unicode suffixes are valid
    ("10.1000/abc#sec1", "10.1000/abc#sec1"),
    # a DOI proxy URL's query is not part of the DOI; a "?" of the DOI is %3F in a URL, and kept bare
    ("https://doi.org/10.1016/j.jad.2020.01.001?via%3Dihub", "10.1016/j.jad.2020.01.001"),
    ("http://dx.doi.org/10.1000/182?noredirect", "10.1000/182"),
    ("https://doi.org/10.1000/what%3Fnow", "10.1000/what?now"),
    ("10.1000/what?now", "10.1000/what?now"),
    ("https://doi.org/10.1371/journal.pone.0123456#abstract0", "10.1371/journal.pone.0123456"),  # a fragment
    ("https://doi.org/10.1000/a%23b", "10.1000/a#b"),
    # a link resolver's OpenURL: the DOI is one query value among others
    ("https://sfx.example.edu/sfx?sid=x&rft_id=info:doi/10.1000/abc.1&rft.date=2020", "10.1000/abc.1"),
    ("https://resolver.example.org/openurl?rft_id=info%3Adoi%2F10.1000%2Fa%26b&genre=article", "10.1000/a&b"),
    ("https://resolver.example.org/openurl?id=doi:10.1000/xyz", "10.1000/xyz"),
    # a multi-valued DOI field: the first DOI, whatever the separator (a SICI DOI keeps its own ";")
    ("10.1016/j.jad.2020.01.001;10.1016/j.jad.2020.01.002", "10.1016/j.jad.2020.01.001"),
    ("10.1002/(SICI)1097-4679(199711)53:7<657::AID-JCLP3>3.0.CO;2-F;10.1000/182",
     "10.1002/(sici)1097-4679(199711)53:7<657::aid-jclp3>3.0.co;2-f"),
    ("10.1000/182,10.1000/183", "10.1000/182"),
    ("10.1000/182; 10.1000/183", "10.1000/182"),
    # invisible characters copied from a web page or PDF (zero-width space, soft hyphen, word joiner, BOM)
    ("https://doi.org/10.1111/j.1467-8624.\u200b2010.01524.x", "10.1111/j.1467-8624.2010.01524.x"),
    ("10.1016/j.jad.2020.\u00ad01.001", "10.1016/j.jad.2020.01.001"),
    ("10.1000/182\u2060", "10.1000/182"),
    ("\ufeff10.1000/182\u200b", "10.1000/182"),
    # a SICI DOI that Web of Science wrote with spaces around its bracket (cut, it named the issue, not the paper)
    ("10.1659/0276-4741(2004)024 [ 0141:SPOCMP]2.0.CO;2", "10.1659/0276-4741(2004)024[0141:spocmp]2.0.co;2"),
    ("10.1002/(SICI)1097-4679(199901)55:1 [ 1::AID-JCLP1]3.0.CO;2-2",
     "10.1002/(sici)1097-4679(199901)55:1[1::aid-jclp1]3.0.co;2-2"),
    ("doi:10.1000/abc [1]", "10.1000/abc"),  # a reference mark after a DOI in free text is not part of it
]


@pytest.mark.parametrize(("written", "canonical"), DOI_SHAPES)
def test_doi_shapes_normalise_without_cutting_the_suffix(written, canonical):
    assert normalize_doi(written) == canonical


@pytest.mark.parametrize("value", ["", None, "not a doi", "10.12/abc", "10.1000/", "ISBN 978-3-16-148410-0"])
def test_values_without_a_doi(value):
    assert normalize_doi(value) is None


def test_two_articles_of_one_sici_issue_keep_distinct_dois():
    a = normalize_doi("10.1002/1531-8257(200011)15:6<1248::AID-MDS1029>3.0.CO;2-Q")
    b = normalize_doi("10.1002/1531-8257(200011)15:6<1213::AID-MDS1022>3.0.CO;2-Z")
    assert a != b and a.startswith("10.1002/1531-8257(200011)15:6<")


@pytest.mark.parametrize(("written", "canonical"), [
    ("12345678", "12345678"), (12345678, "12345678"), ("PMID: 33355555", "33355555"),
    ("https://pubmed.ncbi.nlm.nih.gov/33355555/", "33355555"), ("PMID- 33355555 [Indexed for MEDLINE]", "33355555"),
    ("PMID: 123; PMCID: PMC456", "123"), ("0012345", "12345"),
    ("PMC456", None), ("", None), (0, None), ("10.1000/182", None),
    # a PMID column read as numbers (pandas, a spreadsheet), a PMID beside an unlabelled PMCID, Europe PMC
    ("12345678.0", "12345678"), (12345678.0, "12345678"), ("12345678; PMCID: PMC1234567", "12345678"),
    ("12345678 PMC1234567", "12345678"), ("https://europepmc.org/article/MED/12345678", "12345678"),
    ("https://europepmc.org/abstract/MED/12345678", "12345678"), ("12345678.5", None), ("PMCID: PMC1234567", None),
])
def test_pmid_shapes(written, canonical):
    assert normalize_pmid(written) == canonical


# ERIC numbers as the platforms that serve ERIC write them: ERIC's .nbib (OID - ED562752, LID -
# http://eric.ed.gov/?id=ED562752), its record pages (https://eric.ed.gov/?id=EJ956651) and full texts, its
# portal before 2013 (…/ERICWebPortal/detail?accno=EJ956651), Zotero's Extra ("ERIC Number: EJ956651"),
# EBSCOhost's links into its ERIC database (db=eric&AN=ED553658). EJ numbers of old articles have six digits.
ERIC_SHAPES = [
    ("EJ1221234", "EJ1221234"), ("ED590123", "ED590123"), ("EJ410320", "EJ410320"), ("ED012345", "ED012345"),
    ("ej1221234", "EJ1221234"), (" ED 590123 ", "ED590123"), ("Ed590123", "ED590123"),
    ("ERIC: EJ1221234", "EJ1221234"), ("ERIC Number: ED590123", "ED590123"), ("eric number:ED590123", "ED590123"),
    ("ERIC #: EJ956651", "EJ956651"), ("ERIC No. ED590123", "ED590123"), ("Accession Number: EJ1221234", "EJ1221234"),
    ("https://eric.ed.gov/?id=ED590123", "ED590123"), ("http://eric.ed.gov/?id=EJ1221234", "EJ1221234"),
    ("eric.ed.gov/?id=ED590123", "ED590123"),
    ("https://eric.ed.gov/?q=extended+school+day&ff1=pubReports&id=ED509979", "ED509979"),
    ("http://www.eric.ed.gov/ERICWebPortal/detail?accno=EJ956651", "EJ956651"),
    ("https://files.eric.ed.gov/fulltext/ED503346.pdf", "ED503346"),
    ("http://search.ebscohost.com/login.aspx?direct=true&db=eric&AN=ED553658&site=ehost-live", "ED553658"),
    ("https://search-ebscohost-com.proxy1.example.edu/login.aspx?direct=true&db=eric&AN=EJ458938&site=eds-live",
     "EJ458938"),
    # not one ERIC number: another length or prefix, text around it, another database's link, two numbers
    ("EJ12345", None), ("EJ12345678", None), ("EA123456", None), ("EE1234567", None), ("ED123456X", None),
    ("XED123456", None), ("ED-123456", None), ("ED 12 3456", None), ("ERICEJ1234567", None), ("eric-EJ1234567", None),
    ("Report ED123456", None), ("ED123456; EJ1234567", None), ("see https://eric.ed.gov/?id=ED590123", None),
    ("https://eric.ed.gov/?id=ED59012345", None), ("https://eric.ed.gov/?q=ED590123", None),
    ("https://doi.org/10.3102/ED123456", None), ("https://pubmed.ncbi.nlm.nih.gov/1234567/", None),
    ("http://search.ebscohost.com/login.aspx?direct=true&db=8gh&AN=99128836&site=ehost-live", None),
    ("http://search.ebscohost.com/login.aspx?direct=true&db=a9h&AN=ED590123&site=ehost-live", None),
    ("Accession Number: 99128836", None), ("NLM: PMC38908", None), ("", None), (None, None),
]


@pytest.mark.parametrize(("written", "canonical"), ERIC_SHAPES)
def test_eric_number_shapes(written, canonical):
    assert normalize_eric_id(written) == canonical


def test_eric_numbers_in_links_and_free_text():
    assert eric_id_in_link("https://eric.ed.gov/?id=EJ956651") == "EJ956651"
    assert eric_id_in_link("https://doi.org/10.1177/1066480711425472") is None
    # EBSCOhost's note: the ERIC record's accession number is its ERIC number; any other database's is not one
    assert eric_id_named_in("Accession Number: EJ1221234; Language: English; Publication Type: Journal Articles") \
        == "EJ1221234"
    assert eric_id_named_in("Accession Number: 99128836; Source Info: Jun2014, Vol. 19 Issue 3") is None
    assert eric_id_named_in("ERIC Number: EJ956651") == "EJ956651"
    assert eric_id_named_in("Full text: http://eric.ed.gov/?id=ED590123 (PDF)") == "ED590123"
    assert eric_id_named_in("Report ED590123 of the district") is None  # a number without a label
    assert eric_id_named_in("ERIC Number: EJ956651; see also ERIC Number: ED590123") is None  # which one?
    # stored source fields (the migration's backfill): a whole value, a labelled one or a link; one number only
    assert eric_id_in_fields(["ED590123", "http://eric.ed.gov/?id=ED590123", "ERIC", "2019"]) == "ED590123"
    assert eric_id_in_fields(["Extended school day and ED590123 outcomes", "1"]) is None
    assert eric_id_in_fields(["EJ1221234", "ED590123"]) is None


@pytest.mark.parametrize(("written", "canonical"), [
    ("https://openalex.org/W2741809807", "W2741809807"), ("w2741809807", "W2741809807"),
    ("https://api.openalex.org/works/W2741809807?select=id", "W2741809807"), ("openalex:W2741809807", "W2741809807"),
    ("https://openalex.org/works/W2741809807/", "W2741809807"),
    ("https://openalex.org/A5023888391", None), ("W12x", None), ("", None),
])
def test_openalex_id_shapes(written, canonical):
    assert normalize_openalex_id(written) == canonical


# --- what it means for a review ---------------------------------------------------------------------------

RIS_TWO_SICI = """TY  - JOUR
TI  - Botulinum toxin injections for cervical dystonia: a double-blind trial
AU  - Berg, Anna
PY  - 2000
JO  - Movement Disorders
DO  - 10.1002/1531-8257(200011)15:6<1248::AID-MDS1029>3.0.CO;2-Q
ER  -

TY  - JOUR
TI  - Deep brain stimulation of the globus pallidus in generalised dystonia
AU  - Chen, Li
PY  - 2000
JO  - Movement Disorders
DO  - 10.1002/1531-8257(200011)15:6<1213::AID-MDS1022>3.0.CO;2-Z
ER  -
"""


def test_two_sici_articles_of_one_issue_are_two_records(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    path = tmp_path / "dystonia.ris"
    path.write_text(RIS_TWO_SICI, encoding="utf-8")
    result = run(["import", "test-review", str(path)], ws)
    assert result.exit_code == 0, result.output
    review = status_json(ws, "test-review")["reviews"][0]
    assert review["records"] == 2 and review["duplicates"] == 0


def test_a_shared_doi_on_clearly_different_studies_keeps_both_and_warns(tmp_path):
    """A DOI wrong at the source (an issue-level DOI on two articles) must not make a study disappear."""
    ws = make_workspace(tmp_path / "ws")
    path = tmp_path / "issue-doi.ris"
    path.write_text(RIS_TWO_SICI.replace("<1213::AID-MDS1022>3.0.CO;2-Z", "<1248::AID-MDS1029>3.0.CO;2-Q"),
                    encoding="utf-8")
    result = run(["import", "test-review", str(path)], ws)
    assert result.exit_code == 0, result.output
    assert status_json(ws, "test-review")["reviews"][0]["records"] == 2
    assert "kept apart although the DOI 10.1002/1531-8257(200011)15:6<1248::aid-mds1029>3.0.co;2-q" in result.output


def test_a_shared_doi_kept_apart_by_different_pmids_says_so(tmp_path):
    """Two rows with one DOI and one title but different PMIDs: the warning names the PMIDs, not the titles."""
    ws = make_workspace(tmp_path / "ws")
    path = tmp_path / "two-pmids.csv"
    path.write_text("title,doi,pmid,year\nHomework support,10.1000/hw.1,11111111,2020\n"
                    "Homework support,10.1000/hw.1,22222222,2020\n", encoding="utf-8")
    result = run(["import", "test-review", str(path)], ws)
    assert result.exit_code == 0, result.output
    assert "because the PMIDs differ: 22222222 vs 11111111" in result.output, result.output


def test_a_shared_doi_with_the_same_people_and_a_translated_title_still_merges():
    from lsr.models import Record
    from lsr.search.dedupe import doi_contradicted

    rec = Record(review_id="r", title="Verlengde schooldag en leerprestaties van basisschoolleerlingen",
                 title_key="verlengdeschooldagenleerprestatiesvanbasisschoolleerlingen", year=2019,
                 authors_json='["Smith, John"]', doi="10.1000/182")
    same = Candidate(title="Extended school day and achievement of primary pupils", authors=["John Smith"],
                     year=2019, doi="10.1000/182")
    other = Candidate(title="Extended school day and achievement of primary pupils", authors=["Jansen, P."],
                      year=2019, doi="10.1000/182")
    assert not doi_contradicted(same, rec)
    assert doi_contradicted(other, rec)
    assert doi_contradicted(Candidate(title=rec.title, pmid="1", doi="10.1000/182"),
                            Record(review_id="r", title=rec.title, pmid="2", doi="10.1000/182"))
