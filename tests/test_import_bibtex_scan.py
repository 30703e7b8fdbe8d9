"""The fast BibTeX reading against bibtexparser's own, on generated BibTeX.

``scan_entries`` must return exactly bibtexparser's entries or None (then bibtexparser reads the text), on
well-formed files and on files with a character inserted or deleted anywhere; ``read_bibtex`` must give the same
records, warnings or refusal whether the scan or bibtexparser read the file and whether lsr's or bibtexparser's
``latex_to_unicode`` decoded its LaTeX. Well-formed files must not need bibtexparser's parser.
"""

from __future__ import annotations

import bibtexparser
import pytest
from bibtexparser import latexenc
from bibtexparser.bparser import BibTexParser
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lsr.errors import LsrError
from lsr.search.importers import bibtex
from lsr.search.importers.bibtex_scan import scan_entries
from lsr.search.importers.bibtex_text import entry_starts

CHECKS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SPACE = st.sampled_from(["", " ", "  ", "\n", "\n  ", "\t", " \r\n\t"])
SAME_LINE = st.sampled_from(["", " ", "\t"])
LATEX = st.sampled_from(['{\\"u}', "\\'e", "\\c{c}", "{\\ss}", "$\\alpha$", "\\textit{x}", "\\;", "--", "\\&",
                         "{\\'\\i}", "\\url{https://doi.org/10.1/a--b}", "\\mathbb{R}", "''", ":=", "\\v s"])
WORDS = st.one_of(st.text(alphabet="abc XYZ\u00e9\u00fc-,.:;=#@%\\$0123\n\t'", max_size=12), LATEX)


@st.composite
def braced_text(draw, depth: int = 0) -> str:
    """Text whose braces balance: words and nested ``{…}`` groups."""
    parts = draw(st.lists(st.one_of(WORDS, st.just('"'), *( [braced_text(depth + 1).map(lambda t: "{" + t + "}")]
                                                              if depth < 2 else [])), max_size=4))
    return "".join(parts)


@st.composite
def value(draw) -> str:
    """A field's value: a number, or braced and quoted strings and macro names joined by ``#``."""
    if draw(st.integers(0, 9)) == 0:
        return str(draw(st.integers(0, 3000)))
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["braced", "braced", "quoted", "macro"]))
        if kind == "braced":
            pieces.append("{" + draw(braced_text()) + "}")
        elif kind == "quoted":
            pieces.append('"' + draw(braced_text()).replace('"', "") + '"')
        else:
            pieces.append(draw(st.sampled_from(["jan", "Dec", "jsp", "nomacro"])))
    return (draw(SPACE) + "#" + draw(SPACE)).join(pieces)


@st.composite
def entry(draw) -> str:
    kind = draw(st.sampled_from(["article", "ARTICLE", "misc", "InProceedings", "book"]))
    key = draw(st.sampled_from(["smith2020", "Conference_paper2022", "2021-12345-001", "a:b/c", "k"]))
    names = draw(st.lists(st.sampled_from(["title", "Title", "abstract", "author", "year", "doi", "keywords",
                                           "journal", "month", "note", "funding_text_1", "x.y+z(w)"]),
                          min_size=1, max_size=5))
    fields = [f"{draw(SPACE)}{name}{draw(SPACE)}={draw(SPACE)}{draw(value())}" for name in names]
    trailing = draw(st.sampled_from(["", ",", ",\n"]))
    return f"@{draw(SAME_LINE)}{kind}{{{key},{','.join(fields)}{trailing}{draw(SPACE)}}}"


@st.composite
def bibtex_file(draw) -> str:
    """Entries with, between them, ``@string`` definitions, ``@comment``s, a ``@preamble`` and other text."""
    parts = [draw(st.sampled_from(["", "% Encoding: UTF-8\n", "\ufeff", "Exported from a tool\n"]))]
    if draw(st.booleans()):
        parts.append('@string{jsp = {Journal of Social Policy}}\n@STRING{ Extra = "x" # jsp}\n')
    for _ in range(draw(st.integers(1, 4))):
        parts.append(draw(st.sampled_from(["\n", "\n\n", "\nsome text between entries\n", "\n@comment{x}\n",
                                           "\n@Comment{jabref-meta: databaseType:bibtex;}\n", "\n@comment\n", "\n@comment  ",
                                           "\ncontact: a@b.org\n", "\n% @article{old, title={x}}\n",
                                           "\n@comment{mail a@b.org}\n",
                                           '\n@preamble{"\\newcommand{\\x}{y}"}\n', " "])))
        parts.append(draw(entry()))
    parts.append(draw(st.sampled_from(["", "\n", "\n% end\n"])))
    return "".join(parts)


@st.composite
def damaged_file(draw) -> str:
    """A file with one character inserted or deleted somewhere."""
    text = draw(bibtex_file())
    at = draw(st.integers(0, len(text)))
    if draw(st.booleans()) and at < len(text):
        return text[:at] + text[at + 1:]
    return text[:at] + draw(st.sampled_from(list('{}"=,#@ \n\u00a0('))) + text[at:]


def parsed_by_bibtexparser(text: str):
    try:
        parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
        return bibtexparser.loads(text, parser=parser).entries
    except Exception as exc:  # noqa: BLE001  (what bibtexparser raises varies; only that it raised matters)
        return type(exc)


@CHECKS
@given(st.one_of(bibtex_file(), damaged_file()))
@example("@article{a, title = {x} # jan # \"y\", year = 2020,}")
@example("@article{a, title = {x}} @misc{b, note = \"{a\"b} c\"}")
@example("@article{a, title = {one\n   two\n\tthree}, abstract = \"{}\"}")
@example("@article{a, title = {x}, Title = {y}, TITLE = {z}}")
def test_the_scan_returns_bibtexparsers_entries_or_hands_the_text_to_it(text):
    scanned = scan_entries(text)
    if scanned is not None:
        assert scanned == parsed_by_bibtexparser(text)


@CHECKS
@given(bibtex_file())
@example('\n@comment\n@article{a,title={\n@}}')  # a comment takes in the entry: bibtexparser returns none
@example('\n@comment  @article{a,title={\n@}}')  # ... and "@}}" is text, as no entry starts there
def test_well_formed_files_are_read_without_bibtexparser(text):
    """The scan reads what exporters write: every file bibtexparser reads whole (an entry for every entry head
    lsr finds, as ``lsr import`` requires); only text it cannot read surely alike goes to the slow parser."""
    expected = parsed_by_bibtexparser(text)  # not a list: a macro no @string defines
    read_whole = isinstance(expected, list) and len(expected) == len(entry_starts(text)[0])
    if read_whole:
        assert scan_entries(text) is not None
    elif not isinstance(expected, list):
        assert scan_entries(text) is None


@CHECKS
@given(st.one_of(bibtex_file(), damaged_file()))
def test_an_import_reads_the_same_records_whichever_parser_read_the_file(text):
    fast = _read(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bibtex, "scan_entries", lambda _text, _unread=None: None)
        patch.setattr(bibtex, "latex_to_unicode", latexenc.latex_to_unicode)
        slow = _read(text)
    assert fast == slow


def _read(text: str):
    """Records and warnings, or the refusal; without the warning only the scan gives (a line that goes on after
    its entry closed)."""
    try:
        records, warnings = bibtex.read_bibtex(text, "library.bib")
    except LsrError as exc:
        return str(exc)
    return [vars(r) for r in records], tuple(w for w in warnings if "ends the entry before its line ends" not in w)
