"""`lsr import` of BibTeX whose field names hold whitespace (Scopus' ``funding_text 1`` with a no-break space,
``key words``), found in real export files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from lsr.models import Record
from lsr.settings import resolve
from lsr.workspace import open_workspace
from tests.helpers import run

pytestmark = pytest.mark.both_backends  # SQLite here, PostgreSQL too in the slow tier

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


def export_json(ws: Path) -> list[dict]:
    result = run(["export", "test-review", "--format", "json"], ws)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


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
