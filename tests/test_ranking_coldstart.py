"""Cold start: Boolean queries stripped to terms, BM25 relevance to query and question."""

from __future__ import annotations

import numpy as np

from lsr.ranking.coldstart import bm25_scores, coldstart_scores, query_terms


def test_query_terms_strip_operators_quotes_and_not() -> None:
    q = (
        '("extended school day" OR "expanded learning time") AND (achievement OR wellbeing) '
        "NOT (mice OR rats)"
    )
    terms = query_terms(q)
    assert "extended school" in terms and "school day" in terms and "achievement" in terms
    assert not {"and", "or", "not", "mice", "rats"} & set(terms)
    assert query_terms("pupils NOT rats AND teachers") == ["pupils", "teachers"]
    assert query_terms("-rats teachers") == ["teachers"]  # read as OpenAlex reads it
    assert query_terms("") == [] and query_terms(None) == []


def test_query_terms_of_a_query_the_language_refuses_fall_back_to_its_words() -> None:
    # an old protocol version stored before wildcards were refused still ranks by its words
    assert query_terms("pupil* AND teachers") == ["pupil", "teachers"]


def test_bm25_prefers_more_and_rarer_matches() -> None:
    texts = ["school school day", "school", "nothing relevant", "day"]
    s = bm25_scores(texts, {"school": 1.0, "day": 1.0, "school day": 1.0})
    assert int(np.argmax(s)) == 0 and s[2] == 0.0


def test_question_weighs_less_than_query() -> None:
    texts = ["homework family", "school day achievement"]
    s = coldstart_scores(texts, query='"school day"', question="homework and family")
    assert s[1] > s[0] > 0
