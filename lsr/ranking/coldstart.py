"""Cold-start ranking: relevance to the protocol before the model can be trained.

This module owns the ranking used until a review has one inclusion and one exclusion. It scores each
record's title + abstract with Okapi BM25 against the protocol's search query and research question:

- ``query_terms`` reads a Boolean search string with lsr's one query parser and turns its positive terms
  into weighted words and the word bigrams of phrases; operands of NOT are dropped (they name what the
  review does *not* want), English stop words are dropped.
- terms from the query weigh 1.0, terms from the question 0.5 (it is prose, so noisier);
- ``bm25_scores`` counts the terms with sklearn's tokeniser (the same one the TF-IDF features use).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from lsr.search.openalex.search_syntax import QuerySyntaxError, parse_query, positive_terms

__all__ = ["QUESTION_WEIGHT", "bm25_scores", "coldstart_scores", "query_terms"]

QUESTION_WEIGHT = 0.5
_WORD = re.compile(r"(?u)\b\w\w+\b")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]


def _phrase_terms(text: str) -> list[str]:
    words = _words(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def query_terms(query: str | None) -> list[str]:
    """Positive search terms of a Boolean query, in order, without duplicates.

    The query is read by lsr's query language (``lsr.search.openalex.search_syntax``) the way OpenAlex reads it;
    a query it cannot parse (an old protocol version) falls back to its plain words.

    Example:
        ``'("school day" OR "learning time") AND pupils NOT (mice OR rats)'`` ->
        ``["school", "day", "school day", "learning", "time", "learning time", "pupils"]``.
    """
    if not query:
        return []
    try:
        terms = positive_terms(parse_query(query, strict=False, analyze=False))
    except QuerySyntaxError:
        return list(dict.fromkeys(_words(query.replace("*", " ").replace("?", " "))))
    out: list[str] = []
    for term in terms:
        out.extend(_phrase_terms(term.text) if term.phrase else _words(term.text))
    return list(dict.fromkeys(out))


def bm25_scores(
    texts: Sequence[str], terms: dict[str, float], *, k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    """Okapi BM25 of every text for weighted terms (unigrams and bigrams).

    Args:
        texts: one string per record.
        terms: term -> weight (a term is one word or two words separated by a space).
        k1: term-frequency saturation.
        b: length normalisation.

    Returns:
        One score per text (0 when no term occurs).
    """
    if not terms or not len(texts):
        return np.zeros(len(texts))
    vocab = list(terms)
    cv = CountVectorizer(vocabulary=vocab, ngram_range=(1, 2), lowercase=True)
    tf = cv.transform(texts).tocsc().astype(np.float64)
    lengths = np.fromiter((len(_WORD.findall(t or "")) for t in texts), dtype=np.float64, count=len(texts))
    avg = max(lengths.mean(), 1.0)
    n = len(texts)
    df = np.diff(tf.indptr)
    idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
    weights = np.array([terms[t] for t in vocab])
    norm = k1 * (1.0 - b + b * lengths / avg)
    out = np.zeros(n)
    for j in range(tf.shape[1]):
        lo, hi = tf.indptr[j], tf.indptr[j + 1]
        if lo == hi:
            continue
        rows, f = tf.indices[lo:hi], tf.data[lo:hi]
        out[rows] += weights[j] * idf[j] * f * (k1 + 1.0) / (f + norm[rows])
    return out


def coldstart_scores(
    texts: Sequence[str], query: str | None = None, question: str | None = None
) -> np.ndarray:
    """Relevance of each text to the protocol's query (weight 1) and question (``QUESTION_WEIGHT``).

    Returns zeros (so the caller's order stands) when neither gives a usable term.
    """
    terms: dict[str, float] = {}
    for t in _phrase_terms(question or "") if question else []:
        terms[t] = QUESTION_WEIGHT
    for t in query_terms(query):
        terms[t] = 1.0
    return bm25_scores(texts, terms)
