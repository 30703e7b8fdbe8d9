"""`lsr import` of BibTeX as databases and reference managers really export it: Scopus (a space in the citation
key, ``document_type``, ``source = {Scopus}``, ``language = {undefined}``), Web of Science (``Unique-ID``), DBLP
(``crossref`` to a @proceedings entry), Taylor & Francis (``note = {PMID: …}``), Zotero and publishers (LaTeX
markup in titles), and a refusal that says what is wrong with an entry that cannot be read."""

from __future__ import annotations

import pytest
from sqlmodel import select

from lsr.models import Record, SearchRun
from lsr.report.prisma import source_kind
from lsr.search.importers import read_file
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import export_json, import_twin, run, write_file

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier


def scopus_entry(key: str, title: str, doc_type: str, doi: str, extra: str = "", kind: str = "article") -> str:
    """One entry as Scopus writes it: aligned field names, ``document_type`` and ``source`` last."""
    return (f"@{kind}{{{key},\n"
            f"   doi                           = {{{doi}}},\n"
            "   author                        = {Bakker, A. and Yilmaz, S.},\n"
            "   journal                       = {Journal of Social Policy},\n"
            f"   title                         = {{{title}}},\n"
            "   year                          = {2022},\n"
            "   note                          = {cited By 0},\n"
            "   url                           = {https://www.scopus.com/inward/record.uri?eid=2-s2.0-85000000001},\n"
            f"   document_type                 = {{{doc_type}}},\n"
            f"{extra}"
            "   source                        = {Scopus},\n"
            "}\n\n")




def by_title(workspace) -> dict[str, dict]:
    return {i["title"]: i for i in export_json(workspace)}


def raw_fields(workspace) -> dict[str, dict]:
    """Each stored record's BibTeX fields as the reader kept them, by title."""
    with open_workspace(resolve(workspace)).db.read() as session:
        return {r.title: r.raw["fields"] for r in session.exec(select(Record)).all()}


# 1. a citation key with a space: the whole Scopus file was refused


def test_scopus_citation_key_with_a_space_is_read_with_the_rest_of_the_file(workspace, tmp_path):
    """Scopus writes the document type into the key (``Conference paper2022775``); bibtexparser dropped that
    entry and lsr then refused all of Scopus' records."""
    text = "\n" + "".join([
        scopus_entry("Bakker2022", "Debt counselling and household arrears in four Dutch cities", "Article",
                     "10.1000/jsp.2022.1"),
        scopus_entry("Conference paper2022775", "Budget coaching for young adults in debt", "Conference Paper",
                     "10.1000/jsp.2022.2"),
        scopus_entry("Visser2022", "Extended school days and reading at age twelve", "Article", "10.1000/jsp.2022.3"),
    ])
    path = write_file(tmp_path, "scopus.bib", text)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 3 record(s)" in result.stdout and "3 new" in result.stdout
    items = by_title(workspace)
    coaching = items["Budget coaching for young adults in debt"]
    assert coaching["doi"] == "10.1000/jsp.2022.2" and coaching["authors"] == ["Bakker, A.", "Yilmaz, S."]
    assert coaching["sources"][0]["duplicate"] is False
    # the key is kept as the file writes it
    assert raw_fields(workspace)["Budget coaching for young adults in debt"]["ID"] == "Conference paper2022775"
    assert [r.line for r in read_file(path).records] == [2, 14, 26]


# An entry laid out one field a line (its closing brace alone on its last line) is mended instead when a brace in
# one field does not balance (tests/test_import_damaged_bibtex.py); these are not laid out so.
@pytest.mark.parametrize("entry, line, cause", [
    # a brace left open swallows the next entry
    ("@article{Bakker2021,\n  title = {Debt advice in the municipality,\n  year = {2021}}\n\n", 3,
     "it is not closed before the next entry (line 7): a brace in field 'title' (line 4) is not closed"),
    ("@article{Bakker2021,\n  title = {Debt advice in the {{municipality},\n  year = {2021}}\n\n", 3,
     "field 'title' (line 4): its brace is not closed before the next entry or the end of the file"),
    # no comma after the key: the first field ran into it
    ("@article{Bakker2021\n  title = {Debt advice in the municipality},\n  year = {2021}\n}\n\n", 3,
     "no comma after its key 'Bakker2021'"),
    # a field name BibTeX cannot have
    ("@article{Bakker2021,\n  title = {Debt advice in the municipality},\n  doi:scopus = {10.1000/x}\n}\n\n", 3,
     "field name 'doi:scopus' (line 5) holds ':', which BibTeX field names cannot have"),
    # two fields without a comma between them
    ("@article{Bakker2021,\n  title = {Debt advice in the municipality}\n  year = {2021}\n}\n\n", 3,
     "no comma after field 'title' (line 4) before line 5"),
    # a value without braces
    ("@article{Bakker2021,\n  title = Debt advice in the municipality,\n  year = {2021}\n}\n\n", 3,
     "field 'title' (line 4): its value is not in braces or quotes ('Debt advice in the municipality')"),
    # a stray closing brace in scraped keywords ends the value early (EBSCO's, here with the entry's last line)
    ("@article{Bakker2021, title = {Debt advice in the municipality},\n"
     "  keywords = {debt, googletag.cmd.push(function() { var a = 1}}, arrears}}\n\n", 3,
     "or a brace in the value of field 'keywords' closes it early"),
])
def test_an_entry_that_cannot_be_read_is_refused_naming_what_is_wrong(workspace, tmp_path, entry, line, cause):
    """The refusal names the file, the entry's line and the cause found in its text (it listed three possible
    causes and left the reviewer to find which)."""
    path = write_file(tmp_path, "refs.bib", "@article{Visser2020, title={Extended school days}, year={2020}}\n\n" + entry
                 + "@article{Jansen2019, title={School meals and attendance}, year={2019}}\n")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert f"{path}: line {line}: this BibTeX entry could not be read" in result.stderr, result.stderr
    assert cause in result.stderr, result.stderr
    assert export_json(workspace) == []


def test_a_bare_word_no_string_defines_is_refused_naming_its_line(workspace, tmp_path):
    path = write_file(tmp_path, "refs.bib", "@string{jsp = {Journal of Social Policy}}\n\n@article{Bakker2021,\n"
                 "  journal = jsp,\n  title = {Debt advice},\n  publisher = CUP,\n}\n")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 1, result.output
    assert (f"{path}: line 6: not valid BibTeX: the value 'CUP' is not in braces or quotes, and no @string "
            "defines it") in result.stderr, result.stderr


# 2. LaTeX markup kept as text


LATEX_BIB = r"""@article{Garcia2021,
  author = {Garc{\'\i}a, Lucía and M{\"u}ller, J{\"o}rg and Stra{\ss}er, Hans},
  title = {Debt stress \textit{in vivo}: cortisol after \emph{debt counselling} \& a \textbf{budget} plan},
  journal = {Journal of \textsc{Money} \& Health},
  year = {2021},
  abstract = {The $\alpha$-amylase response fell ($p < 0.05$) in \mbox{debt-free} weeks; $\mathrm{d} = 0.4$
              in {\it na\"{\i}ve} households, {\em not} at {\c{C}}anakkale, 50\% fewer costs than US\$5.},
}

@article{Jansen2020,
  title = {The $\beta$ of school meals: \textrm{attendance} and \textsl{reading}},
  author = {Jansen, Pieter},
  year = {2020},
}
"""


def test_latex_markup_keeps_its_text(tmp_path):
    r"""``\textit{in vivo}`` was stored as ``\textitin vivo``, ``$\alpha$`` as ``$α$`` and ``{\'\i}`` as a
    dotless i with a loose accent; accents and escapes that were right stay right."""
    garcia, jansen = (r.candidate for r in read_file(write_file(tmp_path, "zotero.bib", LATEX_BIB)).records)
    assert garcia.title == "Debt stress in vivo: cortisol after debt counselling & a budget plan"
    assert garcia.authors == ["García, Lucía", "Müller, Jörg", "Straßer, Hans"]
    assert garcia.venue == "Journal of Money & Health"
    assert garcia.abstract == ("The α-amylase response fell (p < 0.05) in debt-free weeks; d = 0.4 in naïve "
                               "households, not at Çanakkale, 50% fewer costs than US$5.")
    assert jansen.title == "The β of school meals: attendance and reading"


def test_latex_spaces_are_spaces_and_a_thick_space_no_longer_stops_the_import(workspace, tmp_path):
    r"""``$p\;<\;0.05$`` (a thick space) made bibtexparser's LaTeX decoding raise a TypeError, so ``lsr import``
    refused the file ("not valid BibTeX: combining() argument must be a unicode character"); ``\,`` stayed in
    the text as written."""
    path = write_file(tmp_path, "overleaf.bib", "@article{Smit2022,\n  title = {Debt advice\\\\in two cities},\n"
                      "  abstract = {Arrears fell ($p\\;<\\;0.05$) for 1\\,200 households; $n\\!=\\!40$ "
                      "municipalities\\quad took part.},\n  year = {2022},\n}\n")
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    [item] = export_json(workspace)
    assert item["title"] == "Debt advice in two cities"
    assert item["abstract"] == "Arrears fell (p < 0.05) for 1 200 households; n=40 municipalities took part."


def test_a_title_with_latex_markup_merges_with_its_plain_twin(workspace, tmp_path):
    """The same study from RIS (plain "in vivo") and from BibTeX (``\\textit{in vivo}``), without a DOI:
    the markup made the titles differ and the duplicate was missed."""
    ris = write_file(tmp_path, "pubmed.ris", "TY  - JOUR\nAU  - Garcia, Lucia\nTI  - Debt stress in vivo: cortisol "
                "after debt counselling in Rotterdam\nJO  - Journal of Money and Health\nPY  - 2021\nER  - \n")
    bib = write_file(tmp_path, "zotero.bib", "@article{Garcia2021,\n  author = {Garc{\\'\\i}a, Luc{\\'\\i}a},\n"
                "  title = {Debt stress \\textit{in vivo}: cortisol after \\emph{debt counselling} in Rotterdam},\n"
                "  journal = {Journal of Money and Health},\n  year = {2021},\n}\n")
    import_twin(workspace, ris, bib)
    assert len(export_json(workspace)) == 1


# 3. crossref (DBLP)


DBLP_BIB = """@inproceedings{DBLP:conf/ord/Bakker15,
  author    = {Anne Bakker and
               Sevda Yilmaz},
  title     = {Debt counselling for parents of primary school children},
  pages     = {12--20},
  crossref  = {DBLP:conf/ord/2015},
  url       = {https://doi.org/10.1000/ord.2015.2},
  doi       = {10.1000/ord.2015.2},
  bibsource = {dblp computer science bibliography, https://dblp.org}
}

@inproceedings{DBLP:conf/ord/Visser15,
  author    = {Bram Visser},
  title     = {Longer school days in Limburg: a first look},
  booktitle = {ORD 2015, Onderwijs Research Dagen},
  crossref  = {DBLP:conf/ord/2015},
  bibsource = {dblp computer science bibliography, https://dblp.org}
}

@proceedings{DBLP:conf/ord/2015,
  editor    = {Marieke de Graaf and
               Chidi Okafor},
  title     = {Proceedings of the Onderwijs Research Dagen 2015, Leiden, The Netherlands},
  series    = {{ORD} Proceedings},
  volume    = {7},
  publisher = {{NRO}},
  year      = {2015},
  doi       = {10.1000/ord.2015},
  isbn      = {978-90-00000-00-0},
  bibsource = {dblp computer science bibliography, https://dblp.org}
}

@inproceedings{DBLP:conf/ord/Jansen16,
  author    = {Pieter Jansen},
  title     = {School meals and attendance in Rotterdam},
  crossref  = {DBLP:conf/ord/2016},
}
"""


def test_crossref_entries_take_year_and_venue_and_the_volume_is_not_a_record(workspace, tmp_path):
    """DBLP's export gives a paper's year, venue and publisher only in the @proceedings entry its crossref
    names: they were lost, and the proceedings volume became a record to screen."""
    path = write_file(tmp_path, "dblp.bib", DBLP_BIB)
    result = run(["import", "test-review", path], workspace)
    assert result.exit_code == 0, result.output
    assert "imported 3 record(s)" in result.stdout and "3 new" in result.stdout
    items = by_title(workspace)
    assert "Proceedings of the Onderwijs Research Dagen 2015, Leiden, The Netherlands" not in items
    bakker = items["Debt counselling for parents of primary school children"]
    assert bakker["year"] == 2015 and bakker["type"] == "proceedings-article"
    # without a booktitle of its own, the volume's title is the venue; the editors are not authors
    assert bakker["venue"] == "Proceedings of the Onderwijs Research Dagen 2015, Leiden, The Netherlands"
    assert bakker["authors"] == ["Anne Bakker", "Sevda Yilmaz"] and bakker["doi"] == "10.1000/ord.2015.2"
    visser = items["Longer school days in Limburg: a first look"]
    assert visser["year"] == 2015 and visser["venue"] == "ORD 2015, Onderwijs Research Dagen"
    assert visser["authors"] == ["Bram Visser"] and visser["doi"] is None  # the volume's DOI is not the paper's
    jansen = items["School meals and attendance in Rotterdam"]
    assert jansen["year"] is None and jansen["venue"] is None
    fields = raw_fields(workspace)["Debt counselling for parents of primary school children"]
    assert fields["publisher"] == "{NRO}" and fields["editor"].startswith("Marieke de Graaf")
    assert fields["_from_crossref"] == ["year", "publisher", "series", "volume", "editor", "isbn", "booktitle"]
    assert (f"warning: {path}: 1 entry that other entries name as their crossref (the proceedings volume or book "
            f"they appeared in, not a study) not imported as records") in result.stderr, result.stderr
    assert "line 20 (DBLP:conf/ord/2015)" in result.stderr
    assert f"warning: {path}: 1 entry names a crossref entry the file does not have" in result.stderr
    assert "line 33 (crossref DBLP:conf/ord/2016)" in result.stderr


def test_a_proceedings_entry_no_entry_names_is_still_a_record(tmp_path):
    text = DBLP_BIB.replace("crossref  = {DBLP:conf/ord/2015},\n", "")
    parsed = read_file(write_file(tmp_path, "dblp.bib", text))
    assert len(parsed.records) == 4 and parsed.warnings[0].endswith("(crossref DBLP:conf/ord/2016)")
    assert parsed.records[2].candidate.type == "book"


# 4. the database the entries name


WOS_BIB = """

@article{ WOS:000812345600011,
Author = {de Graaf, Marieke and Okafor, Chidi},
Title = {Budget coaching for indebted households: a randomised trial},
Journal = {JOURNAL OF CONSUMER POLICY},
Year = {2021},
DOI = {10.1007/s10603-021-09481-2},
Web-of-Science-Categories  = {Economics; Social Issues},
Unique-ID = {WOS:000812345600011},
}

@inproceedings{ WOS:000812345600012,
Author = {Visser, Bram},
Title = {Longer school days in Limburg},
Booktitle = {ONDERWIJS RESEARCH DAGEN},
Year = {2019},
Unique-ID = {WOS:000812345600012},
}
"""


def test_scopus_and_web_of_science_bibtex_name_their_database(workspace, tmp_path):
    """Every Scopus entry says ``source = {Scopus}`` and every Web of Science entry has a ``WOS:`` Unique-ID:
    the import is then logged as a search of that database (PRISMA's "databases" box), not as "bibtex"."""
    scopus = write_file(tmp_path, "scopus.bib", scopus_entry("Bakker2022", "Debt counselling and household arrears",
                                                        "Article", "10.1000/jsp.2022.1"))
    wos = write_file(tmp_path, "savedrecs.bib", WOS_BIB)
    for path, name in ((scopus, "Scopus"), (wos, "Web of Science")):
        result = run(["import", "test-review", path], workspace)
        assert result.exit_code == 0, result.output
        assert f"(BibTeX, utf-8, source {name})" in result.stdout, result.stdout
    items = by_title(workspace)
    assert items["Debt counselling and household arrears"]["sources"][0]["source"] == "Scopus"
    assert items["Longer school days in Limburg"]["sources"][0]["source"] == "Web of Science"
    with open_workspace(resolve(workspace)).db.read() as session:
        runs = session.exec(select(SearchRun).order_by(SearchRun.id)).all()
        assert [(r.source, source_kind(r)) for r in runs] == [("Scopus", "database"), ("Web of Science", "database")]


def test_a_file_whose_entries_do_not_all_name_the_database_keeps_the_format_as_source(tmp_path):
    text = scopus_entry("Bakker2022", "Debt counselling", "Article", "10.1000/a") + \
        "@article{Jansen2020, title={School meals and attendance}, year={2020}}\n"
    parsed = read_file(write_file(tmp_path, "mixed.bib", text))
    assert [r.database for r in parsed.records] == ["Scopus", None] and parsed.database is None


# 5. Scopus document types and language


SCOPUS_TYPES = (  # document_type, entry type, the type stored
    ("Article", "article", "article"),
    ("Review", "article", "review"),
    ("Editorial", "article", "editorial"),
    ("Erratum", "article", "erratum"),
    ("Letter", "article", "letter"),
    ("Note", "article", "article"),
    ("Conference Paper", "article", "proceedings-article"),
    ("Conference Paper", "conference", "proceedings-article"),
    ("Book Chapter", "book", "book-chapter"),
    ("Data Paper", "article", "dataset"),
)


def test_scopus_document_type_is_the_record_type(tmp_path):
    """A review or an editorial in @article was stored as an article: the protocol's exclusion of reviews had
    nothing to go by. The types are the RIS reader's for Scopus's M3 (a note is an article)."""
    text = "".join(scopus_entry(f"Bakker2022{i}", f"Debt counselling, part {i}", doc_type, f"10.1000/a{i}", kind=kind)
                   for i, (doc_type, kind, _) in enumerate(SCOPUS_TYPES))
    records = read_file(write_file(tmp_path, "scopus.bib", text)).records
    assert [r.candidate.type for r in records] == [stored for _, _, stored in SCOPUS_TYPES]


def test_scopus_undefined_language_is_no_language(tmp_path):
    text = (scopus_entry("Bakker2022", "Debt counselling", "Article", "10.1000/a",
                         "   language                      = {undefined},\n")
            + scopus_entry("Visser2022", "Longer school days", "Article", "10.1000/b",
                           "   language                      = {Dutch},\n"))
    assert [r.candidate.language for r in read_file(write_file(tmp_path, "scopus.bib", text)).records] == [None, "Dutch"]


# 6. small fields: a PMID in the note, HTML entities in the venue


def test_taylor_and_francis_pmid_note_and_html_entities_in_the_venue(tmp_path):
    text = """@article{doi:10.1080/00000000.2020.1000001,
author = {Marieke de Graaf and Chidi Okafor},
title = {Debt advice for families with young children},
journal = {Journal of Children &amp; Poverty},
year  = {2020},
publisher = {Routledge},
doi = {10.1080/00000000.2020.1000001},
    note ={PMID: 33355555},

URL = {
        https://doi.org/10.1080/00000000.2020.1000001
},
}

@inbook{rec1,
author = {Visser, Bram},
publisher = {John Wiley & Sons, Ltd},
title = {School days in practice},
booktitle = {Education in Practice &#169; 2019},
chapter = {12},
}
"""
    article, chapter = (r.candidate for r in read_file(write_file(tmp_path, "tandf.bib", text)).records)
    assert article.pmid == "33355555" and article.doi == "10.1080/00000000.2020.1000001"
    assert article.venue == "Journal of Children & Poverty"
    assert chapter.venue == "Education in Practice © 2019" and chapter.pmid is None
