"""OpenAlex Boolean search syntax: parse a ``title_and_abstract.search`` query and match it against works.

This module owns the query language the local server understands and the text analysis behind it:

* operators ``AND``, ``OR`` and ``NOT`` (uppercase only; lowercase ``and`` is an ordinary word), implicit
  ``AND`` between adjacent terms, double-quoted phrases and parentheses; precedence ``NOT`` > ``AND`` > ``OR``.
  ``a NOT b`` means ``a AND NOT b``; a leading ``NOT b`` matches every work without ``b``.
* text analysis like OpenAlex's: case-, accent- and punctuation-insensitive words, English stop words removed,
  light stemming (Porter's step 1: plurals, ``-ed``, ``-ing``, ``-y``), so ``school`` matches ``schools`` and
  ``schooling``. With ``stem=False`` (OpenAlex's ``.no_stem``) neither stemming nor stop-word removal is done.
* a phrase (quoted, or an unquoted word that splits into several, like ``after-school``) matches consecutive
  words within one field (title or abstract).

Malformed queries raise :class:`QuerySyntaxError`, a ``ValueError`` whose message says what and where.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain

__all__ = [
    "And",
    "AnalyzedText",
    "Node",
    "Not",
    "Or",
    "QuerySyntaxError",
    "SearchQuery",
    "Term",
    "analyze",
    "analyze_work",
    "compile_query",
    "normalize_words",
    "stem",
    "work_text",
]

#: Lucene's English stop words, which OpenAlex's analyzer removes.
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there "
    "these they this to was will with".split()
)

_OPERATORS = frozenset({"AND", "OR", "NOT"})
_WORD_RE = re.compile(r"[^\W_]+")
_POSSESSIVE_RE = re.compile(r"['\u2019]s\b", re.IGNORECASE)
_VOWELS = frozenset("aeiou")


class QuerySyntaxError(ValueError):
    """A malformed search query; the message says what is wrong and at which character position."""


# --------------------------------------------------------------------------------------------- analysis


def stem(word: str) -> str:
    """Light English stemming: Porter's step 1 (plurals, ``-eed``/``-ed``/``-ing``, final ``-y``).

    Args:
        word: one lowercase word.

    Returns:
        The stem; words of one or two letters and words with digits are returned unchanged.
    """
    if len(word) <= 2 or any(ch.isdigit() for ch in word):
        return word
    return _step1c(_step1b(_step1a(word)))


def _is_consonant(word: str, i: int) -> bool:
    ch = word[i]
    if ch in _VOWELS:
        return False
    if ch == "y":
        return i == 0 or not _is_consonant(word, i - 1)
    return True


def _measure(word: str) -> int:
    """Porter's m: the number of vowel-consonant sequences in ``word``."""
    pattern = "".join("c" if _is_consonant(word, i) else "v" for i in range(len(word)))
    return len(re.findall(r"v+c+", pattern))


def _has_vowel(word: str) -> bool:
    return any(not _is_consonant(word, i) for i in range(len(word)))


def _ends_cvc(word: str) -> bool:
    if len(word) < 3:
        return False
    c1, v, c2 = (_is_consonant(word, i) for i in range(len(word) - 3, len(word)))
    return c1 and not v and c2 and word[-1] not in "wxy"


def _step1a(word: str) -> str:
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("ies"):
        return word[:-2]
    if word.endswith("ss") or not word.endswith("s"):
        return word
    return word[:-1]


def _step1b(word: str) -> str:
    if word.endswith("eed"):
        return word[:-1] if _measure(word[:-3]) > 0 else word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
            return _step1b_tidy(word[: -len(suffix)])
    return word


def _step1b_tidy(word: str) -> str:
    if word.endswith(("at", "bl", "iz")):
        return word + "e"
    if (
        len(word) >= 2
        and word[-1] == word[-2]
        and _is_consonant(word, len(word) - 1)
        and word[-1] not in "lsz"
    ):
        return word[:-1]
    if _measure(word) == 1 and _ends_cvc(word):
        return word + "e"
    return word


def _step1c(word: str) -> str:
    if word.endswith("y") and _has_vowel(word[:-1]):
        return word[:-1] + "i"
    return word


_WORD_CACHE: dict[bool, dict[str, str | None]] = {True: {}, False: {}}
_COMBINING_RE = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def _normalize_word(word: str, stemmed: bool) -> str | None:
    """One raw lowercase word to its index form, or None when it is a stop word (stemmed mode only)."""
    if not stemmed:
        return word
    return None if word in STOP_WORDS else stem(word)


def _fold(text: str) -> str:
    """Lowercase, drop accents and possessive ``'s``."""
    text = _POSSESSIVE_RE.sub("", text.lower())
    if text.isascii():
        return text
    return _COMBINING_RE.sub("", unicodedata.normalize("NFKD", text))


def normalize_words(text: str, *, stemmed: bool = True) -> list[str]:
    """Split text into index words: folded, punctuation removed, stop words dropped and stemmed.

    Args:
        text: any text (title, abstract or a query term).
        stemmed: False for OpenAlex's ``.no_stem`` behaviour (no stemming, stop words kept).

    Returns:
        The words in order.
    """
    cache = _WORD_CACHE[stemmed]
    raw = _WORD_RE.findall(_fold(text or ""))
    for word in set(raw).difference(cache):
        cache[word] = _normalize_word(word, stemmed)
    words = [cache[w] for w in raw]
    if len(cache) > 500_000:
        cache.clear()
    return [w for w in words if w is not None]


class AnalyzedText:
    """Searchable form of one work: its index words in order (fields separated), with a word set for
    single-word lookups and positions built on the first phrase lookup.

    Args:
        words: index words of all fields; ``None`` entries separate fields so phrases never span them.
    """

    __slots__ = ("words", "vocab", "_positions")

    def __init__(self, words: list[str | None]) -> None:
        self.words = words
        self.vocab = set(words)
        self._positions: dict[str, list[int]] | None = None

    def has(self, word: str) -> bool:
        """Whether ``word`` occurs anywhere."""
        return word in self.vocab

    def has_phrase(self, words: tuple[str, ...]) -> bool:
        """Whether ``words`` occur consecutively within one field."""
        if not all(w in self.vocab for w in words):
            return False
        positions = self._index()
        rest = [set(positions[w]) for w in words[1:]]
        return any(all(start + i in p for i, p in enumerate(rest, 1)) for start in positions[words[0]])

    def _index(self) -> dict[str, list[int]]:
        if self._positions is None:
            positions: dict[str, list[int]] = {}
            for i, word in enumerate(self.words):
                if word is not None:
                    positions.setdefault(word, []).append(i)
            self._positions = positions
        return self._positions


def analyze(*fields: str | None, stemmed: bool = True) -> AnalyzedText:
    """Index one or more text fields; phrases never match across field boundaries.

    Args:
        fields: texts such as the title and the abstract (None counts as empty).
        stemmed: see :func:`normalize_words`.
    """
    words: list[str | None] = []
    for text in fields:
        if words:
            words.append(None)
        words.extend(normalize_words(text or "", stemmed=stemmed))
    return AnalyzedText(words)


def work_text(work: Mapping) -> tuple[str, str]:
    """Title and abstract of an OpenAlex work; the abstract is rebuilt from ``abstract_inverted_index``."""
    title = work.get("title") or work.get("display_name") or ""
    index = work.get("abstract_inverted_index") or {}
    placed = sorted((int(pos), word) for word, where in index.items() for pos in (where or ()))
    return str(title), " ".join(word for _, word in placed)


def analyze_work(work: Mapping, *, stemmed: bool = True) -> AnalyzedText:
    """Index a work's title and abstract for matching (the abstract straight from its inverted index)."""
    title = work.get("title") or work.get("display_name") or ""
    words: list[str | None] = normalize_words(str(title), stemmed=stemmed)
    abstract = abstract_words(work.get("abstract_inverted_index") or {}, stemmed=stemmed)
    if abstract and words:
        words.append(None)
    words.extend(abstract)
    return AnalyzedText(words)


_KEY_CACHE: dict[bool, dict[str, tuple[str, ...]]] = {True: {}, False: {}}


def abstract_words(index: Mapping[str, Iterable[int]], *, stemmed: bool = True) -> list[str]:
    """Index words of an abstract given as OpenAlex's ``abstract_inverted_index``, in reading order.

    Equivalent to ``normalize_words`` of the rebuilt abstract, but each distinct word is analyzed once.
    """
    cache = _KEY_CACHE[stemmed]
    if len(cache) > 500_000:
        cache.clear()
    placed: dict[int, tuple[str, ...]] = {}
    for raw, where in index.items():
        toks = cache.get(raw)
        if toks is None:
            toks = cache[raw] = tuple(normalize_words(raw, stemmed=stemmed))
        if toks and where:
            placed.update(dict.fromkeys(where, toks))
    return list(chain.from_iterable(placed[p] for p in sorted(placed)))


# ------------------------------------------------------------------------------------------------ nodes


@dataclass(frozen=True)
class Term:
    """A word (one index word) or a phrase (several, consecutive)."""

    words: tuple[str, ...]

    def evaluate(self, doc: AnalyzedText) -> bool:
        return doc.has(self.words[0]) if len(self.words) == 1 else doc.has_phrase(self.words)


@dataclass(frozen=True)
class And:
    """All children match."""

    children: tuple[Node, ...]

    def evaluate(self, doc: AnalyzedText) -> bool:
        return all(child.evaluate(doc) for child in self.children)


@dataclass(frozen=True)
class Or:
    """At least one child matches (an empty ``Or`` matches nothing)."""

    children: tuple[Node, ...]

    def evaluate(self, doc: AnalyzedText) -> bool:
        return any(child.evaluate(doc) for child in self.children)


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: Node

    def evaluate(self, doc: AnalyzedText) -> bool:
        return not self.child.evaluate(doc)


Node = Term | And | Or | Not

# ------------------------------------------------------------------------------------------------ lexer


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "phrase", "op", "(", ")"
    text: str
    pos: int


def _lex(query: str) -> Iterator[_Token]:
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            yield _Token(ch, ch, i)
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError(
                    f"unterminated quote: the phrase opened at position {i} has no closing '\"'"
                )
            yield _Token("phrase", query[i + 1 : end], i)
            i = end + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"':
                j += 1
            text = query[i:j]
            yield _Token("op" if text in _OPERATORS else "word", text, i)
            i = j


# ----------------------------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent: or := and (OR and)* ; and := not (AND? not)* ; not := NOT not | primary."""

    def __init__(self, query: str, stemmed: bool) -> None:
        self.query = query
        self.tokens = list(_lex(query))
        self.i = 0
        self.stemmed = stemmed

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty search query")
        node = self._or()
        if self.i < len(self.tokens):
            tok = self.tokens[self.i]
            if tok.kind == ")":
                raise QuerySyntaxError(
                    f"unbalanced parentheses: ')' at position {tok.pos} has no matching '('"
                )
            raise QuerySyntaxError(f"unexpected {tok.text!r} at position {tok.pos}")
        return node if node is not None else Or(())

    def _peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _is_op(self, name: str) -> bool:
        tok = self._peek()
        return tok is not None and tok.kind == "op" and tok.text == name

    def _or(self) -> Node | None:
        children = [self._and()]
        while self._is_op("OR"):
            self.i += 1
            children.append(self._and())
        return _combine(Or, children)

    def _and(self) -> Node | None:
        children = [self._not()]
        while True:
            tok = self._peek()
            if tok is None or tok.kind == ")" or (tok.kind == "op" and tok.text == "OR"):
                break
            if tok.kind == "op" and tok.text == "AND":
                self.i += 1
            children.append(self._not())
        return _combine(And, children)

    def _not(self) -> Node | None:
        if self._is_op("NOT"):
            self.i += 1
            child = self._not()
            return None if child is None else Not(child)
        return self._primary()

    def _primary(self) -> Node | None:
        tok = self._peek()
        if tok is None:
            prev = self.tokens[self.i - 1]
            raise QuerySyntaxError(
                f"dangling operator {prev.text!r} at position {prev.pos}: nothing follows it"
            )
        if tok.kind == "op":
            raise QuerySyntaxError(f"operator {tok.text!r} at position {tok.pos} has no term before it")
        if tok.kind == ")":
            raise QuerySyntaxError(f"unexpected ')' at position {tok.pos}")
        self.i += 1
        if tok.kind == "(":
            return self._group(tok)
        if tok.kind == "phrase" and not tok.text.strip():
            raise QuerySyntaxError(f"empty quoted phrase at position {tok.pos}")
        words = tuple(normalize_words(tok.text, stemmed=self.stemmed))
        return Term(words) if words else None

    def _group(self, opening: _Token) -> Node | None:
        nxt = self._peek()
        if nxt is not None and nxt.kind == ")":
            raise QuerySyntaxError(f"empty parentheses at position {opening.pos}")
        node = self._or()
        nxt = self._peek()
        if nxt is None or nxt.kind != ")":
            raise QuerySyntaxError(f"unbalanced parentheses: '(' at position {opening.pos} is never closed")
        self.i += 1
        return node


def _combine(kind: type[And] | type[Or], children: list[Node | None]) -> Node | None:
    """Build an And/Or, dropping children that were only stop words; one child stands for itself."""
    kept = tuple(c for c in children if c is not None)
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else kind(kept)


def compile_query(query: str, *, stemmed: bool = True) -> Node:
    """Parse a Boolean search query into a tree of :class:`Term`, :class:`And`, :class:`Or`, :class:`Not`.

    Args:
        query: e.g. ``'("extended school day" OR "expanded learning time") AND (achievement OR wellbeing)'``.
        stemmed: False for ``.no_stem`` searches.

    Raises:
        QuerySyntaxError: unbalanced parentheses or quotes, a dangling or leading operator, empty groups.
    """
    return _Parser(query, stemmed).parse()


class SearchQuery:
    """A compiled query that matches works or analyzed texts.

    Args:
        query: the Boolean query text.
        stemmed: False for ``.no_stem`` searches.

    Raises:
        QuerySyntaxError: when the query is malformed.
    """

    def __init__(self, query: str, *, stemmed: bool = True) -> None:
        self.text = query
        self.stemmed = stemmed
        self.tree = compile_query(query, stemmed=stemmed)

    def matches_text(self, doc: AnalyzedText) -> bool:
        """Evaluate against an already analyzed text (analyzed with the same ``stemmed`` setting)."""
        return self.tree.evaluate(doc)

    def matches(self, work: Mapping) -> bool:
        """Evaluate against an OpenAlex work's title and abstract."""
        return self.tree.evaluate(analyze_work(work, stemmed=self.stemmed))

    def __repr__(self) -> str:
        return f"SearchQuery({self.text!r}, stemmed={self.stemmed})"
