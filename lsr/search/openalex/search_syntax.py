"""lsr's one query language: OpenAlex's Boolean search, parsed once into a tree, and the text analysis
behind matching it.

Every reader of a protocol's query goes through :func:`parse_query`: the protocol check
(:func:`check_query`), the OpenAlex client (:func:`split_query` cuts long queries into OR-chunks that keep
their meaning), cold-start ranking (:func:`positive_terms`) and the bundled server (:class:`SearchQuery`).

* Semantics are OpenAlex's (2026 docs): a Boolean search is a Lucene ``query_string`` with default operator
  AND: operators ``AND``, ``OR``, ``NOT`` in upper case (lower-case ``and`` is an ordinary word), adjacent
  terms joined by AND, double-quoted phrases, parentheses. There is **no AND-before-OR precedence**:
  ``A AND B OR C`` requires only A there. lsr therefore refuses (strict mode) a level that mixes OR with
  AND, juxtaposition or NOT, and suggests the parentheses; the server (``strict=False``) evaluates such a
  query as OpenAlex does.
* Wildcards, proximity (``"a b"~N``), fuzzy terms, boosts, field and range syntax, regular expressions and
  ``&& || !`` are refused everywhere with a one-line reason: the bundled server cannot reproduce them.
* Text analysis like OpenAlex's: case-, accent- and punctuation-insensitive words, English stop words removed,
  light stemming (Porter's step 1: plurals, ``-ed``, ``-ing``, ``-y``), so ``school`` matches ``schools`` and
  ``schooling``. With ``stemmed=False`` (unstemmed search) neither stemming nor stop-word removal is done.
* A phrase (quoted, or an unquoted word that splits into several, like ``after-school``) matches consecutive
  words within one field (title or abstract).

Malformed queries raise :class:`QuerySyntaxError`, a ``ValueError`` whose message says what and where.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain

__all__ = [
    "And",
    "AnalyzedText",
    "Node",
    "Not",
    "Or",
    "QuerySyntaxError",
    "QueryTooLong",
    "SearchQuery",
    "Term",
    "analyze",
    "analyze_work",
    "check_query",
    "compile_query",
    "parse_query",
    "positive_terms",
    "render",
    "split_query",
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
    """A word or a quoted phrase as written (``text``), with its index words (``words``, consecutive).

    A term whose words are all stop words has no words; like OpenAlex (Lucene drops a clause that
    analyses to nothing) it then counts as absent: it neither matches nor fails.
    """

    text: str
    phrase: bool
    words: tuple[str, ...]

    def evaluate(self, doc: AnalyzedText) -> bool | None:
        if not self.words:
            return None
        return doc.has(self.words[0]) if len(self.words) == 1 else doc.has_phrase(self.words)


@dataclass(frozen=True)
class And:
    """All present children match."""

    children: tuple[Node, ...]

    def evaluate(self, doc: AnalyzedText) -> bool | None:
        results = [r for r in (c.evaluate(doc) for c in self.children) if r is not None]
        return all(results) if results else None


@dataclass(frozen=True)
class Or:
    """At least one present child matches."""

    children: tuple[Node, ...]

    def evaluate(self, doc: AnalyzedText) -> bool | None:
        results = [r for r in (c.evaluate(doc) for c in self.children) if r is not None]
        return any(results) if results else None


@dataclass(frozen=True)
class Not:
    """The child does not match."""

    child: Node

    def evaluate(self, doc: AnalyzedText) -> bool | None:
        result = self.child.evaluate(doc)
        return None if result is None else not result


Node = Term | And | Or | Not

# ------------------------------------------------------------------------------------------------ lexer

#: Lucene ``query_string`` syntax that OpenAlex would act on but lsr does not support (outside quotes).
_UNSUPPORTED = {
    "*": "wildcards (* ?) are not supported: write the word forms out (OpenAlex stems plurals, -ed and "
    "-ing itself)",
    "?": "wildcards (* ?) are not supported: write the word forms out (OpenAlex stems plurals, -ed and "
    "-ing itself)",
    "~": "proximity and fuzzy search (~N) are not supported: use a quoted phrase or separate terms",
    "^": "boosts (^N) are not supported",
    ":": "':' is field syntax on OpenAlex (title:x); quote the text if the colon belongs to it",
    "\\": "backslash escapes are not supported; quote the text instead",
    "/": "'/' starts a regular expression on OpenAlex; quote the text if the slash belongs to it",
    "[": "range syntax ([ ] { }) is not supported",
    "]": "range syntax ([ ] { }) is not supported",
    "{": "range syntax ([ ] { }) is not supported",
    "}": "range syntax ([ ] { }) is not supported",
}
_SYMBOL_OPERATORS = {"&&": "AND", "||": "OR", "!": "NOT"}


@dataclass(frozen=True)
class _Token:
    kind: str  # "word", "phrase", "op" (AND OR NOT), "mod" (+ -), "(", ")"
    text: str
    pos: int
    end: int


def _lex(query: str, strict: bool) -> Iterator[_Token]:
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            yield _Token(ch, ch, i, i + 1)
            i += 1
        elif ch == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError(
                    f"unterminated quote: the phrase opened at position {i} has no closing '\"'"
                )
            if end + 1 < n and query[end + 1] == "~":
                raise QuerySyntaxError(f"at position {end + 1}: {_UNSUPPORTED['~']}")
            yield _Token("phrase", query[i + 1 : end], i, end + 1)
            i = end + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in '()"':
                j += 1
            yield from _word_tokens(query[i:j], i, strict)
            i = j


def _word_tokens(text: str, pos: int, strict: bool) -> Iterator[_Token]:
    """One unquoted token: an operator, a modified word (``-x``, ``+x``) or a plain word."""
    end = pos + len(text)
    if text in ("AND", "OR", "NOT"):
        yield _Token("op", text, pos, end)
        return
    if text in _SYMBOL_OPERATORS:
        raise QuerySyntaxError(
            f"at position {pos}: write {_SYMBOL_OPERATORS[text]} instead of {text!r} (operators are the "
            "upper-case words AND, OR, NOT)"
        )
    for k, ch in enumerate(text):
        if ch in _UNSUPPORTED:
            raise QuerySyntaxError(f"at position {pos + k} ({text!r}): {_UNSUPPORTED[ch]}")
    if len(text) > 1 and text[0] in "+-" and text[1] not in "+-":
        if strict:
            raise QuerySyntaxError(
                f"at position {pos} ({text!r}): a leading {text[0]!r} is an operator on OpenAlex "
                f"({'must not contain' if text[0] == '-' else 'must contain'}); write "
                f"{'NOT ' if text[0] == '-' else ''}{text[1:]} instead"
            )
        yield _Token("mod", text[0], pos, pos + 1)
        yield _Token("word", text[1:], pos + 1, end)
        return
    yield _Token("word", text, pos, end)


# ----------------------------------------------------------------------------------------------- parser

_MUST, _SHOULD, _MUST_NOT = "must", "should", "must_not"


@dataclass
class _Clause:
    conj: _Token | None  # AND / OR before the clause
    mod: _Token | None  # NOT, "-" or "+" before the clause
    node: Node
    start: int  # first character of the clause (its modifier included)
    end: int


class _Parser:
    """Lucene ``query_string`` as OpenAlex runs it: clauses with AND/OR conjunctions and NOT/+/- modifiers,
    default operator AND, parentheses for groups, and no precedence between AND and OR.

    Each level becomes a Boolean query of MUST, SHOULD and MUST_NOT clauses, set the way Lucene's classic
    parser sets them: ``AND`` makes the clauses on both sides MUST, ``OR`` makes them SHOULD, ``NOT`` makes
    its clause MUST_NOT. A level with a MUST clause ignores its SHOULD clauses when matching, so
    ``A AND B OR C`` requires A only. In ``strict`` mode (lsr's own check) such a level is refused.
    """

    def __init__(self, query: str, stemmed: bool, strict: bool, analyze: bool = True) -> None:
        self.query = query
        self.tokens = list(_lex(query, strict))
        self.i = 0
        self.stemmed = stemmed
        self.strict = strict
        self.analyze = analyze

    def parse(self) -> Node:
        if not self.tokens:
            raise QuerySyntaxError("empty search query")
        node = self._level()
        if self.i < len(self.tokens):
            tok = self.tokens[self.i]
            raise QuerySyntaxError(f"unbalanced parentheses: ')' at position {tok.pos} has no matching '('")
        return node

    def _peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def _dangling(self) -> QuerySyntaxError:
        prev = self.tokens[self.i - 1]
        return QuerySyntaxError(f"dangling operator {prev.text!r} at position {prev.pos}: nothing follows it")

    def _level(self) -> Node:
        clauses: list[_Clause] = []
        while (tok := self._peek()) is not None and tok.kind != ")":
            conj = None
            if tok.kind == "op" and tok.text in ("AND", "OR"):
                if not clauses:
                    raise QuerySyntaxError(f"operator {tok.text!r} at position {tok.pos} has no term before it")
                conj = tok
                self.i += 1
            mod = None
            tok = self._peek()
            if tok is not None and (tok.kind == "mod" or (tok.kind == "op" and tok.text == "NOT")):
                mod = tok
                self.i += 1
            tok = self._peek()
            if tok is None or tok.kind == ")":
                raise self._dangling()
            if tok.kind in ("op", "mod"):
                raise QuerySyntaxError(f"operator {tok.text!r} at position {tok.pos} has no term before it")
            node = self._primary()
            start = (mod or tok).pos
            clauses.append(_Clause(conj, mod, node, start, self.tokens[self.i - 1].end))
        if self.strict:
            self._check_unambiguous(clauses)
        return _lucene_level(clauses)

    def _primary(self) -> Node:
        tok = self.tokens[self.i]
        self.i += 1
        if tok.kind == "(":
            nxt = self._peek()
            if nxt is not None and nxt.kind == ")":
                raise QuerySyntaxError(f"empty parentheses at position {tok.pos}")
            if nxt is None:
                raise QuerySyntaxError(f"unbalanced parentheses: '(' at position {tok.pos} is never closed")
            node = self._level()
            nxt = self._peek()
            if nxt is None or nxt.kind != ")":
                raise QuerySyntaxError(f"unbalanced parentheses: '(' at position {tok.pos} is never closed")
            self.i += 1
            return node
        if tok.kind == "phrase" and not tok.text.strip():
            raise QuerySyntaxError(f"empty quoted phrase at position {tok.pos}")
        if not self.analyze:  # checking and splitting need the text only
            return Term(tok.text, tok.kind == "phrase" or len(_WORD_RE.findall(tok.text)) > 1, ())
        words = tuple(normalize_words(tok.text, stemmed=self.stemmed))
        return Term(tok.text, tok.kind == "phrase" or len(words) > 1, words)

    def _check_unambiguous(self, clauses: list[_Clause]) -> None:
        """Refuse a level that mixes OR with AND, juxtaposition or NOT: OpenAlex and a reader disagree."""
        ors = [c for c in clauses if c.conj is not None and c.conj.text == "OR"]
        if not ors:
            return
        ands = [c for c in clauses[1:] if c.conj is None or c.conj.text == "AND"]
        nots = [c for c in clauses if c.mod is not None]
        if not ands and not nots:
            return
        raise QuerySyntaxError(_mixing_message(self.query, clauses, ors[0].conj))


def _lucene_level(clauses: list[_Clause]) -> Node:
    """The match tree of one level, from Lucene's clause flags (default operator AND)."""
    occurs: list[str] = []
    for clause in clauses:
        conj = clause.conj.text if clause.conj else None
        if occurs and conj in ("AND", "OR") and occurs[-1] != _MUST_NOT:
            occurs[-1] = _MUST if conj == "AND" else _SHOULD
        if clause.mod is not None and clause.mod.text in ("NOT", "-"):
            occurs.append(_MUST_NOT)
        elif clause.mod is not None or conj != "OR":
            occurs.append(_MUST)
        else:
            occurs.append(_SHOULD)
    should = [c.node for c, o in zip(clauses, occurs, strict=True) if o == _SHOULD]
    any_must = _MUST in occurs
    parts: list[Node] = []
    for clause, occur in zip(clauses, occurs, strict=True):
        if occur == _MUST:
            parts.append(clause.node)
        elif occur == _MUST_NOT:
            parts.append(Not(clause.node))
        elif not any_must and clause.node is should[0]:
            parts.append(should[0] if len(should) == 1 else Or(tuple(should)))
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _short(text: str, limit: int = 36) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 4].rstrip()
    return f"{cut} …)" if text.startswith("(") else f"{cut} …"


def _mixing_message(query: str, clauses: list[_Clause], first_or: _Token) -> str:
    """One line: where AND/OR are mixed, what OpenAlex does with it, and the two parenthesised readings."""

    def text(clause: _Clause, in_or: bool) -> str:
        shown = _short(query[clause.start : clause.end])
        return f"({shown})" if in_or and clause.mod is not None else shown

    def joined(groups: list[list[_Clause]], inner: str, outer: str) -> str:
        parts = []
        for group in groups:
            in_or = len(group) > 1 if inner == "OR" else len(group) == 1
            joined_group = f" {inner} ".join(text(c, in_or) for c in group)
            parts.append(f"({joined_group})" if len(group) > 1 and len(groups) > 1 else joined_group)
        return f" {outer} ".join(parts)

    by_or: list[list[_Clause]] = []
    by_and: list[list[_Clause]] = []
    for k, clause in enumerate(clauses):
        conj = clause.conj.text if clause.conj else None
        if k == 0 or conj == "OR":
            by_or.append([clause])
        else:
            by_or[-1].append(clause)
        if k == 0 or (conj != "OR" or clause.mod is not None):
            by_and.append([clause])
        else:
            by_and[-1].append(clause)
    readings = list(dict.fromkeys([f"'{joined(by_or, 'AND', 'OR')}'", f"'{joined(by_and, 'OR', 'AND')}'"]))
    return (
        f"the query mixes AND and OR at one level without parentheses (OR at position {first_or.pos}); "
        "OpenAlex gives AND no precedence over OR (it reads 'A AND B OR C' as requiring A only), so add "
        f"parentheses, e.g. {' or '.join(readings)}"
    )


# ------------------------------------------------------------------------------------------- public API


def parse_query(query: str, *, stemmed: bool = True, strict: bool = True, analyze: bool = True) -> Node:
    """Parse a Boolean search query into a tree of :class:`Term`, :class:`And`, :class:`Or`, :class:`Not`.

    This is lsr's one query parser: the protocol check, the OpenAlex client (splitting long queries),
    cold-start ranking and the bundled server all read queries through it.

    Args:
        query: e.g. ``'("extended school day" OR "expanded learning time") AND (achievement OR wellbeing)'``.
        stemmed: False for unstemmed (``search.exact`` / ``.no_stem``) searches.
        strict: lsr's own rules (default): refuse what OpenAlex reads differently from a reader (AND and
            OR mixed at one level without parentheses) and Lucene's ``+``/``-`` prefixes. With
            ``strict=False`` (the bundled server) such queries get OpenAlex's meaning.
        analyze: False to leave the terms' index words out (checking and splitting read only the text).

    Raises:
        QuerySyntaxError: malformed (unbalanced parentheses or quotes, a dangling or leading operator, empty
            groups), unsupported (wildcards, proximity, fuzzy, boosts, fields, ranges, regular expressions)
            or, when strict, ambiguous.
    """
    return _Parser(query, stemmed, strict, analyze).parse()


def compile_query(query: str, *, stemmed: bool = True) -> Node:
    """The tree OpenAlex evaluates for ``query`` (:func:`parse_query` with ``strict=False``)."""
    return parse_query(query, stemmed=stemmed, strict=False)


def check_query(query: str) -> str | None:
    """Why lsr refuses a protocol query (one line), or None when OpenAlex will read it as written."""
    if not query or not query.strip():
        return "the search query is empty"
    if "," in query:
        return "commas are not allowed in the query (OpenAlex splits filters on commas)"
    try:
        parse_query(query, analyze=False)
    except QuerySyntaxError as exc:
        return str(exc)
    return None


def render(node: Node, parent: type | None = None) -> str:
    """A query string for ``node`` that OpenAlex and :func:`parse_query` read as the same tree.

    Every nested group is parenthesised, so the result is never ambiguous and reads back as ``node``.
    """
    if isinstance(node, Term):
        return f'"{node.text}"' if node.phrase and not _is_plain(node.text) else node.text
    if isinstance(node, Not):
        text = f"NOT {render(node.child, Not)}"
        return f"({text})" if parent in (Or, Not) else text
    op = " AND " if isinstance(node, And) else " OR "
    text = op.join(render(child, type(node)) for child in node.children)
    return f"({text})" if parent is not None else text


def _is_plain(text: str) -> bool:
    """A phrase that is one plain word (no quotes needed to read it back the same)."""
    return bool(re.fullmatch(r"[^\W_]+", text)) and text not in ("AND", "OR", "NOT")


def positive_terms(node: Node) -> list[Term]:
    """The terms a matching work must or may contain, in query order: operands of NOT are left out."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for child in node.children for t in positive_terms(child)]


class QueryTooLong(ValueError):
    """A query cannot be cut into OR-chunks that each fit the size limit."""


def split_query(query: str, fits: Callable[[str], bool]) -> list[str]:
    """Split a Boolean query into chunks that each ``fits``; the union of their results is the query's.

    The query is parsed (strictly, see :func:`parse_query`) and split on its tree, so every chunk keeps the
    query's meaning on OpenAlex: ``X AND (a OR b OR c OR d)`` becomes ``X AND (a OR b)`` and
    ``X AND (c OR d)``. Rules, tried in order: a query that fits is returned whole; an OR is packed greedily
    into chunks (an operand too long alone is split in turn); an AND is distributed over its longest
    OR-group (operands of NOT are never split).

    Raises:
        QuerySyntaxError: the query is malformed or ambiguous.
        QueryTooLong: the query cannot be cut into pieces that fit.
    """
    query = " ".join(query.split())
    if fits(query):
        return [query]
    tree = parse_query(query, analyze=False)
    return [render(node) for node in _split(tree, lambda n: fits(render(n)))]


def _split(node: Node, fits: Callable[[Node], bool]) -> list[Node]:
    if fits(node):
        return [node]
    if isinstance(node, Or):
        chunks: list[Node] = []
        current: list[Node] = []
        for child in node.children:
            if fits(_any_of([*current, child])):
                current.append(child)
                continue
            if current:
                chunks.append(_any_of(current))
            current = []
            if fits(child):
                current = [child]
            else:
                chunks.extend(_split(child, fits))
        if current:
            chunks.append(_any_of(current))
        return chunks
    if isinstance(node, And):
        candidates = sorted(
            (k for k, child in enumerate(node.children) if isinstance(child, Or)),
            key=lambda k: -len(render(node.children[k])),
        )
        for k in candidates:

            def assemble(piece: Node, k: int = k) -> Node:
                return And(node.children[:k] + (piece,) + node.children[k + 1 :])

            try:
                pieces = _split(node.children[k], lambda p, a=assemble: fits(a(p)))
            except QueryTooLong:
                continue
            return [assemble(p) for p in pieces]
    raise QueryTooLong(
        f"the search query ({len(render(node))} characters) is too long for one OpenAlex request and cannot "
        "be split: it has no OR-group to divide; shorten it or restructure it as (A OR B OR ...) AND ..."
    )


def _any_of(nodes: list[Node]) -> Node:
    return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))


class SearchQuery:
    """A compiled query that matches works or analyzed texts the way OpenAlex does (``strict=False``).

    Args:
        query: the Boolean query text.
        stemmed: False for unstemmed searches.
        strict: refuse ambiguous queries instead of giving them OpenAlex's meaning.

    Raises:
        QuerySyntaxError: when the query is malformed or unsupported.
    """

    def __init__(self, query: str, *, stemmed: bool = True, strict: bool = False) -> None:
        self.text = query
        self.stemmed = stemmed
        self.tree = parse_query(query, stemmed=stemmed, strict=strict)

    def matches_text(self, doc: AnalyzedText) -> bool:
        """Evaluate against an already analyzed text (analyzed with the same ``stemmed`` setting)."""
        return self.tree.evaluate(doc) is True

    def matches(self, work: Mapping) -> bool:
        """Evaluate against an OpenAlex work's title and abstract."""
        return self.tree.evaluate(analyze_work(work, stemmed=self.stemmed)) is True

    def __repr__(self) -> str:
        return f"SearchQuery({self.text!r}, stemmed={self.stemmed})"
