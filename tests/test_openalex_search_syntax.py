"""OpenAlex Boolean search syntax: parsing, precedence, phrases, stemming and errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lsr.search.openalex.search_syntax import (
    And,
    Not,
    Or,
    QuerySyntaxError,
    SearchQuery,
    Term,
    abstract_words,
    analyze,
    analyze_work,
    check_query,
    compile_query,
    normalize_words,
    parse_query,
    positive_terms,
    render,
    stem,
)


def inverted(text: str) -> dict[str, list[int]]:
    """An OpenAlex ``abstract_inverted_index`` for a text (split on whitespace, like OpenAlex)."""
    index: dict[str, list[int]] = {}
    for pos, word in enumerate(text.split()):
        index.setdefault(word, []).append(pos)
    return index


def work(title: str, abstract: str = "") -> dict:
    return {"id": "https://openalex.org/W1", "title": title, "abstract_inverted_index": inverted(abstract)}


def hit(query: str, title: str, abstract: str = "", *, stemmed: bool = True) -> bool:
    return SearchQuery(query, stemmed=stemmed).matches(work(title, abstract))


# ------------------------------------------------------------------------------------------- analysis


@pytest.mark.parametrize(
    ("forms", "same"),
    [
        (["school", "schools", "schooling", "schooled"], True),
        (["day", "days"], True),
        (["study", "studies", "studied", "studying"], True),
        (["child", "children"], False),  # irregular plurals are not stemmed
        (["hop", "hopping", "hopped"], True),
    ],
)
def test_stemming_conflates_plural_ing_ed(forms, same):
    stems = {stem(f) for f in forms}
    assert (len(stems) == 1) is same, stems


def test_normalize_is_case_accent_punctuation_insensitive_and_drops_stop_words():
    assert normalize_words("The Schools' after-school CAFÉ, in Heerlen!") == [
        "school",
        "after",
        "school",
        "cafe",
        "heerlen",
    ]
    assert normalize_words("Children's wellbeing") == normalize_words("children wellbeing")
    assert normalize_words("The Schools", stemmed=False) == ["the", "schools"]


def test_abstract_from_inverted_index_equals_rebuilt_text():
    text = "After-school programmes, in deprived neighbourhoods: a randomised trial of the extended day."
    assert abstract_words(inverted(text)) == normalize_words(text)
    doc = analyze_work(work("Title here", text))
    assert doc.has("programme") and doc.has_phrase(("extend", "dai"))


# -------------------------------------------------------------------------------------------- parsing


def w(text: str, *words: str) -> Term:
    return Term(text, False, words)


def test_openalex_gives_and_no_precedence_over_or():
    """Lucene's query_string (what OpenAlex runs): AND makes both sides required, OR makes them optional,
    and a level with a required clause ignores its optional ones; ``(A) AND (B) OR x OR y`` needs A only."""
    assert compile_query("cats OR dogs birds NOT fish") == And((w("birds", "bird"), Not(w("fish", "fish"))))
    query = '(teacher) AND (pupils) OR "homework club" OR tutoring'
    assert compile_query(query) == w("teacher", "teacher")
    assert hit(query, "A teacher alone")
    assert not hit(query, "Homework club and tutoring for pupils")


def test_lsr_refuses_what_openalex_reads_differently_and_says_how_to_fix_it():
    query = '(teacher) AND (pupils) OR "homework club" OR tutoring'
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    message = str(info.value)
    assert "mixes AND and OR" in message and "position 23" in message
    assert """'((teacher) AND (pupils)) OR "homework club" OR tutoring'""" in message
    assert """'(teacher) AND ((pupils) OR "homework club" OR tutoring)'""" in message
    for mixed in ("a b OR c", "cats OR NOT dogs", "NOT cats OR dogs", "cats OR dogs -fish"):
        with pytest.raises(QuerySyntaxError):
            parse_query(mixed)
    assert check_query("(cats OR dogs) AND birds NOT fish") is None
    assert "mixes AND and OR" in check_query("cats AND dogs OR birds")


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("educat*", "wildcards"),
        ("wom?n", "wildcards"),
        ('"school day"~3', "proximity"),
        ("school~1", "proximity and fuzzy"),
        ("title:school", "field syntax"),
        ("school^2", "boosts"),
        ("school && day", "write AND"),
        ("[a TO b]", "range syntax"),
        ("and/or", "regular expression"),
    ],
)
def test_syntax_the_server_cannot_reproduce_is_refused_everywhere(query, fragment):
    for strict in (True, False):
        with pytest.raises(QuerySyntaxError, match=fragment):
            parse_query(query, strict=strict)


def test_lenient_reading_applies_lucene_prefix_operators():
    assert compile_query("school -mice") == And((w("school", "school"), Not(w("mice", "mice"))))
    with pytest.raises(QuerySyntaxError, match="write NOT mice"):
        parse_query("school -mice")


def test_parentheses_group():
    tree = compile_query("(cats OR dogs) AND birds")
    assert tree == And((Or((w("cats", "cat"), w("dogs", "dog"))), w("birds", "bird")))


def test_quoted_phrase_and_hyphenated_word_are_phrases():
    assert compile_query('"extended school day"') == Term("extended school day", True, ("extend", "school", "dai"))
    assert compile_query("after-school") == Term("after-school", True, ("after", "school"))


@settings(max_examples=150, deadline=None)
@given(expr=st.deferred(lambda: _exprs()))
def test_render_reads_back_as_the_same_tree(expr):
    tree = parse_query(_render(expr))
    assert parse_query(render(tree)) == tree


def test_positive_terms_leave_out_negated_operands():
    tree = parse_query('("school day" OR pupils) AND NOT (mice OR rats) AND teachers')
    assert [t.text for t in positive_terms(tree)] == ["school day", "pupils", "teachers"]


# ------------------------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("school", True),
        ("schools AND children", True),
        ("schools children", True),  # implicit AND
        ("school AND hospital", False),
        ("school OR hospital", True),
        ("hospital OR clinic", False),
        ("school NOT hospital", True),
        ("school NOT children", False),
        ("school AND NOT children", False),
        ("NOT hospital", True),
        ("NOT school", False),
        ("hospital OR school NOT children", False),  # OpenAlex: (hospital OR school) AND NOT children
        ("(hospital OR school) NOT clinic", True),
        ("hospital OR clinic OR (children AND day)", True),
        ("NOT (hospital OR clinic)", True),
        ("NOT (NOT school)", True),
    ],
)
def test_boolean_logic(query, expected):
    assert hit(query, "Extended school day", "Effects on children in deprived areas.") is expected


def test_uppercase_only_operators_lowercase_words_are_terms():
    # "or" is an ordinary (stop) word, so "cats or dogs" means cats AND dogs
    assert hit("cats OR dogs", "On cats") is True
    assert hit("cats or dogs", "On cats") is False
    assert hit("cats or dogs", "On cats and dogs") is True


def test_phrases_match_consecutive_words_only():
    title = "Effects of an extended school day"
    assert hit('"extended school day"', title)
    assert hit('"extend schools days"', title)  # stemmed phrase
    assert not hit('"school extended day"', title)
    assert not hit('"day school"', "The school on a sunny day")


def test_phrases_ignore_punctuation_but_not_field_boundaries():
    assert hit('"after school"', "An after-school programme")
    assert hit("after-school", "After school, the children play")
    assert not hit('"reading school"', "Effects of reading", "School is fun")
    assert hit("reading school", "Effects of reading", "School is fun")


def test_title_and_abstract_both_searched_case_insensitively():
    assert hit("WELLBEING", "Outcomes", "Wellbeing improved markedly.")
    assert hit("wellbeing", "WELLBEING outcomes")
    assert not hit("wellbeing", "Outcomes", "Achievement improved.")


def test_stemming_in_matching_and_no_stem():
    assert hit("school", "Extended schools")
    assert hit("schools", "After school programme")
    assert hit("schooling", "Schooled children")
    assert not hit("school", "Extended schools", stemmed=False)
    assert hit("schools", "Extended schools", stemmed=False)


def test_stop_word_only_parts_are_dropped():
    assert hit("school AND the", "Extended schools")
    assert not hit("the", "The school")  # nothing searchable left: matches nothing


def test_missing_title_and_abstract():
    assert not SearchQuery("school").matches({"id": "W1", "title": None, "abstract_inverted_index": None})
    assert SearchQuery("school").matches({"id": "W1", "display_name": "A school", "title": None})


# --------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("(school OR day", "never closed"),
        ("school OR day)", "no matching '('"),
        ('"school day', "unterminated quote"),
        ("school AND", "dangling operator 'AND'"),
        ("school NOT", "dangling operator 'NOT'"),
        ("school OR", "dangling operator 'OR'"),
        ("AND school", "no term before it"),
        ("school AND OR day", "no term before it"),
        ("school ()", "empty parentheses"),
        ('school ""', "empty quoted phrase"),
        ("", "empty search query"),
        ("   ", "empty search query"),
    ],
)
def test_malformed_queries_raise_value_error_with_message(query, fragment):
    with pytest.raises(ValueError, match=None) as info:
        compile_query(query)
    assert isinstance(info.value, QuerySyntaxError)
    assert fragment in str(info.value)


# ------------------------------------------------------------------------------------------- property

WORDS = ["alpha", "beta", "gamma", "delta"]


def _exprs() -> st.SearchStrategy:
    leaf = st.sampled_from(WORDS)
    return st.recursive(
        leaf,
        lambda sub: st.one_of(
            st.tuples(st.just("AND"), sub, sub),
            st.tuples(st.just("OR"), sub, sub),
            st.tuples(st.just("NOT"), sub),
        ),
        max_leaves=8,
    )


def _render(expr) -> str:
    if isinstance(expr, str):
        return expr
    if expr[0] == "NOT":
        return f"NOT ({_render(expr[1])})"
    return f"({_render(expr[1])}) {expr[0]} ({_render(expr[2])})"


def _truth(expr, present: set[str]) -> bool:
    if isinstance(expr, str):
        return expr in present
    if expr[0] == "NOT":
        return not _truth(expr[1], present)
    a, b = _truth(expr[1], present), _truth(expr[2], present)
    return (a and b) if expr[0] == "AND" else (a or b)


@settings(max_examples=150, deadline=None)
@given(expr=_exprs(), present=st.sets(st.sampled_from(WORDS)))
def test_fully_parenthesised_queries_follow_boolean_algebra(expr, present):
    doc = analyze(" ".join(sorted(present)))
    assert SearchQuery(_render(expr)).matches_text(doc) is _truth(expr, present)
