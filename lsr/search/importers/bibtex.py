"""Reading BibTeX (``.bib``: Google Scholar via Publish or Perish, JabRef, Zotero, DBLP, ACM, IEEE, Scopus, Web
of Science and EBSCOhost exports) into source records.

``bibtex_scan`` reads the entries as bibtexparser 1.4's grammar does, fifty times faster, and hands bibtexparser
any text it cannot read surely alike; ``@string`` macros and the month abbreviations are expanded. bibtexparser
skips an entry it cannot read without a word, so ``bibtex_text`` first finds every entry's ``@type{key,`` line
and mends what real exports write that the parser would drop (whitespace in a key or a field name) or misread
(a field whose braces do not balance, as in EBSCOhost's scraped ``Keywords``: read to the end of its line, or
left out when it runs over several lines, with a warning naming its line, entry and field; the rest of the
entry and the entries after it are read as written), and the file is refused when the parser returned fewer
entries than the file opens, naming the line of the first entry it did not return and, where its text tells,
what is wrong with it. An entry that a ``}`` too many closes before the end of its line (``@article{a,
title={x}}, year={2020}}``) is read as BibTeX reads it, without the rest of the line, and a warning names it.
``@comment``, ``@preamble`` and ``@string`` are not records.

LaTeX becomes text in one place, ``tex_to_text``: formatting commands keep their content (``\\textit{in vivo}``,
``\\emph``, ``\\textbf``, ``\\mathrm``, ``\\mbox``, ``{\\it …}``), inline math loses its dollar signs
(``$\\alpha$`` -> ``α``), an accent on a dotless i is an accented i (``{\\'\\i}`` -> ``í``), ``--`` is an en
dash and ``---`` an em dash (``pages = {10--20}``), ``\\url{…}`` is its URL and ``\\href{URL}{text}`` the
text and the URL, LaTeX's spaces (``\\,``, ``\\;``, ``\\quad``, a ``\\\\`` line break) are spaces, and
bibtexparser's table (``latex_to_unicode``: the same replacements, tested faster) does the rest (``{\\"u}``,
``{\\c{c}}``, ``{\\ss}``); a URL or DOI (in ``\\url``, or written out) is kept as written, dashes and tildes too.
``_plain`` then drops protective braces and unescapes ``\\&``, ``\\%``, ``\\_``.

``crossref = {KEY}`` (DBLP's export) is resolved by ``resolve_crossrefs``: the entry takes the fields it lacks
from the entry ``KEY`` (year, booktitle, publisher; an editor stays an editor), and a @proceedings or @book
that entries name this way is the volume they appeared in, not a study to screen: it is left out, with a
warning.

Mapped: ``title``, ``abstract``, ``author`` (split at `` and ``; ``{Group Name}`` stays one author),
``year``/``date``/``month``, ``journal``/``booktitle`` (HTML entities decoded), the entry type, or Scopus's
``document_type`` where it says more (``Review``, ``Editorial``: the RIS reader's table), ``doi`` (or a DOI in
``url``/``note``), ``pmid`` (or ``PMID: n`` in ``note``, as Taylor & Francis writes it), the ERIC number (an
eric.ed.gov or EBSCOhost ERIC link in ``url``, or ``ERIC Number: …`` in ``note``), ``keywords`` (also
Scopus's ``author_keywords``; ``,`` or ``;``), ``language`` (not Scopus's ``undefined``); an ``@proceedings``
or ``@book`` without a ``title`` is named by its ``booktitle``. Scopus's ``source = {Scopus}`` and Web of
Science's ``Unique-ID = {WOS:…}`` name the database (``SourceRecord.database``), so a whole Scopus export is
logged as a Scopus search.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata

from lsr.errors import LsrError
from lsr.search.databases import is_database_name
from lsr.search.dedupe import Candidate
from lsr.search.identity import eric_id_in_link, eric_id_named_in, normalize_doi, plain_text, pmid_named_in
from lsr.search.importers.bibtex_scan import scan_entries
from lsr.search.importers.bibtex_text import (
    ENTRY_START,
    entry_starts,
    explain_lost,
    first_lost,
    join_spaced_field_names,
    join_spaced_keys,
    mend_damaged,
)
from lsr.search.importers.framing import SHOWN, clip_line, to_source_records
from lsr.search.importers.names import split_list
from lsr.search.importers.ris import DOCUMENT_TYPES, MONTHS, SourceRecord, parse_date, parse_year

TYPES = {
    "article": "article", "inproceedings": "proceedings-article", "conference": "proceedings-article",
    "proceedings": "book", "incollection": "book-chapter", "inbook": "book-chapter", "book": "book",
    "phdthesis": "dissertation", "mastersthesis": "dissertation", "thesis": "dissertation", "techreport": "report",
    "report": "report", "misc": "other", "unpublished": "other", "online": "other", "dataset": "dataset",
}
KEYWORD_FIELDS = ("keywords", "author_keywords", "key_words")  # Scopus writes author_keywords
NO_LANGUAGE = {"undefined", "und", "unknown"}  # Scopus writes "undefined" where it does not know
_AUTHORS = re.compile(r"\s+and\s+", re.IGNORECASE)
# entries that hold others (a conference volume, an edited book): named by a crossref, they are not studies
CONTAINERS = {"proceedings", "mvproceedings", "book", "mvbook", "collection", "mvcollection", "periodical",
              "reference", "mvreference"}
# what an entry takes from the entry its crossref names, when it lacks it (not title, author, doi, pages …)
INHERITED = ("year", "date", "month", "booktitle", "journal", "journaltitle", "publisher", "address", "location",
             "organization", "series", "volume", "editor", "isbn", "language", "eventtitle")
# formatting commands whose argument is the text: \textit{in vivo} -> {in vivo}
_FORMATTING = re.compile(r"\\(?:text(?:it|bf|sc|rm|sf|tt|up|sl|md|normal|superscript|subscript)?|emph|"
                         r"math(?:rm|it|bf|sf|tt|cal|bb|normal)|[mh]box|underline|uline|ensuremath|"
                         r"uppercase|lowercase|MakeUppercase|MakeLowercase|MakeTextUppercase|MakeTextLowercase)"
                         r"\s*(?=\{)")
# declarations that switch the font until their group ends: {\it in vivo}, {\em debt}, {\bfseries …}
_SWITCHES = re.compile(r"\\(?:it|em|bf|sc|rm|sl|sf|tt|up|itshape|bfseries|scshape|upshape|slshape|mdseries|"
                       r"rmfamily|sffamily|ttfamily|normalfont)(?![A-Za-z])\s*")
# accents on one letter, as the combining mark they are: \"{i}, {\'\i} (a dotless i: an accented i), \c{c}, \v s;
# a letter accent (\c, \v …) takes a bare letter only after a space (\vspace is no accent)
_ACCENTS = {"`": "\u0300", "'": "\u0301", "^": "\u0302", "~": "\u0303", "=": "\u0304", "u": "\u0306",
            ".": "\u0307", '"': "\u0308", "r": "\u030a", "H": "\u030b", "v": "\u030c", "d": "\u0323",
            "c": "\u0327", "k": "\u0328", "b": "\u0331"}
_LETTER = r"(?:\\[ij](?![A-Za-z])|[A-Za-z])"
_ACCENT = re.compile(rf"\\(?:([`'^\"~=.])\s*(?:\{{\s*({_LETTER})\s*\}}|({_LETTER}))"
                     rf"|([uvHckrdb])(?:\s*\{{\s*({_LETTER})\s*\}}|\s+({_LETTER})))")
# LaTeX's spaces: a line break (\\), thin, medium, thick, interword, quads (a space) and the negative thin space
# (nothing); \; would make bibtexparser's latex_to_unicode fail
_SPACING = re.compile(r"\\\\|\\[,;:> !]|\\(?:q?quad|enspace|thinspace)(?![A-Za-z])[ \t]*")
KEYS = frozenset({"ID", "ENTRYTYPE", "crossref"})  # keys, not text: as written
_HAS_TEX = re.compile(r"[\\$]|--")  # what tex_to_text changes: a command, math, a dash
# \url{…} and \href{URL}{text}: links given as such; and URLs and DOIs written out, which keep their dashes
_URL_COMMAND = re.compile(r"\\url\s*\{([^{}]*)\}")
_HREF = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_LINK = re.compile(r"\b(?:https?://|www\.|doi:\s*)[^\s{}]+|\b10\.\d{4,9}/[^\s{}]+", re.IGNORECASE)
_KEPT = re.compile("\ue000(\\d+)\ue001")  # a link set aside while the text around it is read
# inline math: $\alpha$ -> \alpha, $p<0.05$, $x$ (and $$…$$); not a price ("between $5 and $10")
_MATH = re.compile(r"(?<!\\)\$\$?(?![\s$])([^$]*?[\\^_{}=<>][^$]*?|[A-Za-z])(?<![\s\\])\$\$?")


def looks_like_bibtex(lines: list[str]) -> bool:
    """Whether the first line that is not blank or a ``%`` comment (JabRef starts with ``% Encoding: UTF-8``)
    opens a BibTeX entry (``@article{key,``)."""
    for line in lines[:200]:
        line = line.lstrip("\ufeff").strip()
        if line and not line.startswith("%"):
            return bool(ENTRY_START.match(line))
    return False


def read_bibtex(text: str | list[str], name: str) -> tuple[list[SourceRecord], tuple[str, ...]]:
    """Check and parse BibTeX text (newlines normalised; or its lines) into source records, with warnings for
    the fields whose braces do not balance (read to the end of their line or left out), the crossref parents
    left out, the crossrefs that name no entry of the file and the entries left out because they have no
    title, abstract or identifier.

    Raises:
        LsrError: an entry the parser could not read (its line and, where it can be told, what is wrong),
            or no entries (with a title, abstract or identifier) at all.
    """
    text = "\n".join(text) if isinstance(text, list) else text
    starts, opened = entry_starts(text)  # (line, entry type, offset of its @) of each record entry
    if not starts:
        raise LsrError(f"{name}: no BibTeX entries (no @article{{…}}, @book{{…}} …)")
    text, mends = mend_damaged(text, opened)  # fields whose braces do not balance; the lines stay where they were
    if mends:
        starts, opened = entry_starts(text)
    text, spaced_keys = join_spaced_keys(text, starts)  # as long as before: the offsets still hold
    entries, unread = _parse(join_spaced_field_names(text, opened), name)
    if len(entries) != len(starts):
        raise LsrError(_lost_message(name, entries, starts, opened, text))
    for i, key in spaced_keys.items():  # the key as the file writes it
        entries[i]["ID"] = key
    entries, lines, warnings = resolve_crossrefs(entries, [line for line, _, _ in starts], name)
    records, left_out = to_source_records(name, lines, entries, entry_to_record, noun="entry")
    return records, _mend_warnings(name, mends) + unread + warnings + left_out


def _parse(text: str, name: str) -> tuple[list[dict], tuple[str, ...]]:
    """The entries of mended text: ``scan_entries`` where it reads the text alike, else bibtexparser, whose
    errors become refusals; and a warning for each entry that a ``}`` too many closed before the end of its
    line (the scan sees it). LaTeX to Unicode costs more than a scan: only for fields with a backslash, math or
    a dash."""
    unread: list[tuple[int, str, str]] = []
    entries = scan_entries(text, unread)
    if entries is None:
        import bibtexparser  # noqa: PLC0415  (75 ms of pyparsing: only when the scan cannot read the text)
        from bibtexparser.bparser import BibTexParser  # noqa: PLC0415

        parser = BibTexParser(common_strings=True, ignore_nonstandard_types=False, interpolate_strings=True)
        try:
            entries = bibtexparser.loads(text, parser=parser).entries
        except Exception as exc:  # noqa: BLE001  (pyparsing raises its own types; the message is what matters)
            if type(exc).__name__ == "UndefinedString":  # a bare word as a value, which BibTeX reads as a macro
                raise LsrError(_undefined_macro(name, text, str(exc.args[0]) if exc.args else "")) from None
            raise LsrError(f"{name}: not valid BibTeX: {str(exc).splitlines()[0]}") from None
    warnings = tuple(f"{name}: line {line}: entry {key}: a '}}' ends the entry before its line ends; the rest of the "
                     f"line, {clip_line(rest)}, was not read (is there a '}}' too many?)" for line, key, rest in unread)
    return [{k: tex_to_text(v) if isinstance(v, str) and k not in KEYS and _HAS_TEX.search(v) else v
             for k, v in entry.items()} for entry in entries], warnings


def _mend_warnings(name: str, mends: list) -> tuple[str, ...]:
    """One line for each field ``mend_damaged`` read to the end of its line or left out (the first few), and one
    for the rest."""
    said = []
    for m in mends[:SHOWN]:
        what = {"{": "has an unbalanced '{'", "}": "has an unbalanced '}'"}.get(m.brace, "has a brace that ends "
                                                                                     "its value early")
        done = ("read to the end of its line (braces that pair with nothing dropped)" if m.kept else
                f"left out (it runs over {m.lines} lines, so where its text ends cannot be told)")
        said.append(f"{name}: line {m.line}: entry {m.key}: field {m.field} {what}; {done}, the rest of the entry "
                    f"kept")
    if len(mends) > SHOWN:
        more = mends[SHOWN:]
        at = ", ".join(str(m.line) for m in more[:SHOWN]) + (", …" if len(more) > SHOWN else "")
        said.append(f"{name}: {len(more)} more field(s) whose braces do not balance, each read to the end of its "
                    f"line or left out as above (lines {at})")
    return tuple(said)


def _lost_message(name: str, entries: list[dict], starts: list[tuple[int, str, int]], opened: list[int],
                  text: str) -> str:
    """The refusal of a file in which the parser lost an entry: the first lost entry's line and, where a walk
    over its text can tell, what is wrong with it; else the usual causes."""
    line, _, offset = starts[first_lost(entries, starts, text)]
    after = bisect.bisect_right(opened, offset)
    cause = explain_lost(text, offset, opened[after] if after < len(opened) else len(text))
    return (f"{name}: line {line}: this BibTeX entry could not be read "
            f"({cause or 'an unclosed brace or quote, no comma after its key, or no fields'}); the parser read "
            f"{len(entries)} of {len(starts)} entries")


def _undefined_macro(name: str, text: str, word: str) -> str:
    """The refusal of a value that is a bare word (``title = Debt advice``) the file defines no @string for."""
    used = re.search(rf"[=#]\s*({re.escape(word)})(?![\w:.+-])", text, re.IGNORECASE) if word else None
    where = f"line {text.count(chr(10), 0, used.start(1)) + 1}: " if used else ""
    word = used.group(1) if used else word  # as the file writes it (the parser lower-cases macro names)
    return (f"{name}: {where}not valid BibTeX: the value {word!r} is not in braces or quotes, and no @string "
            f"defines it")


def resolve_crossrefs(entries: list[dict], lines: list[int], name: str
                      ) -> tuple[list[dict], list[int], tuple[str, ...]]:
    """Entries with ``crossref = {KEY}`` take the fields they lack (``INHERITED``) from the entry ``KEY`` (keys
    compared in any case, as BibTeX does) and from its own crossref in turn; ``_from_crossref`` lists what
    was taken. A container (``CONTAINERS``) that an entry names this way is left out, with a warning, as is
    a crossref to a key the file does not have. Returns the entries kept, their lines and the warnings."""
    by_key: dict[str, dict] = {}
    for entry in entries:
        by_key.setdefault(str(entry.get("ID", "")).strip().lower(), entry)
    parents: set[int] = set()
    missing: list[tuple[int, str]] = []
    for entry, line in zip(entries, lines, strict=True):
        ref = _field(entry, "crossref")
        parent = by_key.get(ref.lower()) if ref else None
        if ref and (parent is None or parent is entry):
            missing.append((line, ref))
            continue
        taken, seen = [], {id(entry)}
        if parent is not None:
            parents.add(id(parent))
        while parent is not None and id(parent) not in seen:  # a parent's own crossref too, without looping
            seen.add(id(parent))
            taken += _inherit(entry, parent)
            up = _field(parent, "crossref")
            parent = by_key.get(up.lower()) if up else None
        if taken:
            entry["_from_crossref"] = taken
    dropped = [i for i, e in enumerate(entries) if id(e) in parents and e.get("ENTRYTYPE", "").lower() in CONTAINERS]
    warnings = []
    if dropped and len(dropped) < len(entries):
        shown = ", ".join(f"line {lines[i]} ({entries[i].get('ID', '')})" for i in dropped[:3])
        warnings.append(f"{name}: {_entries(len(dropped))} that other entries name as their crossref (the "
                        f"proceedings volume or book they appeared in, not a study) not imported as records; the "
                        f"entries naming them took their year, venue and publisher: {shown}"
                        f"{', …' if len(dropped) > 3 else ''}")
        gone = set(dropped)
        lines = [n for i, n in enumerate(lines) if i not in gone]
        entries = [e for i, e in enumerate(entries) if i not in gone]
    if missing:
        shown = ", ".join(f"line {line} (crossref {ref})" for line, ref in missing[:3])
        warnings.append(f"{name}: {_entries(len(missing), 'names', 'name')} a crossref entry the file does not "
                        f"have, so nothing was taken from it (year and venue may be missing): {shown}"
                        f"{', …' if len(missing) > 3 else ''}")
    return entries, lines, tuple(warnings)


def _inherit(entry: dict, parent: dict) -> list[str]:
    """Copy into ``entry`` the ``INHERITED`` fields it lacks from ``parent``, and the parent's title as its
    venue when it names none; the names of the fields taken."""
    taken = [f for f in INHERITED if _field(parent, f) and not _field(entry, f)]
    for f in taken:
        entry[f] = parent[f]
    if _field(parent, "title") and not any(_field(entry, f) for f in ("journal", "journaltitle", "booktitle")):
        venue = "journal" if entry.get("ENTRYTYPE", "").lower() == "article" else "booktitle"
        entry[venue] = parent["title"]
        taken.append(venue)
    return taken


def _entries(n: int, one: str = "", more: str = "") -> str:
    """``1 entry names`` / ``2 entries name``: a count of entries, with its verb."""
    return (f"{n} entry {one}" if n == 1 else f"{n} entries {more}").rstrip()


def entry_to_record(entry: dict, line: int) -> SourceRecord:
    """Map one parsed BibTeX entry to a ``SourceRecord``."""
    kind = entry.get("ENTRYTYPE", "").lower()
    date = _field(entry, "date")
    venue = _field(entry, "journal") or _field(entry, "journaltitle") or _field(entry, "booktitle")
    language = _field(entry, "language")
    language = "" if language.lower() in NO_LANGUAGE else language
    note = _field(entry, "note")
    cand = Candidate(
        # a @proceedings or @book entry may name itself only by its booktitle
        title=_field(entry, "title") or (_field(entry, "booktitle") if kind in ("proceedings", "book") else ""),
        abstract=_field(entry, "abstract"),
        authors=[a for a in (_plain(p) for p in _AUTHORS.split(entry.get("author", ""))) if a],
        year=parse_year(_field(entry, "year"), date),
        publication_date=parse_date(date) if date else _month_date(_field(entry, "year"), _field(entry, "month")),
        venue=plain_text(venue or _field(entry, "publisher")) or None,
        type=DOCUMENT_TYPES.get(_field(entry, "document_type").lower()) or TYPES.get(kind, kind or None),
        language=language or None,
        doi=_field(entry, "doi") or normalize_doi(_field(entry, "url")) or normalize_doi(note),
        pmid=_field(entry, "pmid") or pmid_named_in(note),
        # EBSCOhost's entries link to the record in its ERIC database (db=eric&AN=EJ…; their key is that AN)
        eric_id=eric_id_in_link(_field(entry, "url")) or eric_id_named_in(note) or eric_id_named_in(
            _field(entry, "annote")),
        keywords=[k.strip() for key in KEYWORD_FIELDS for part in split_list(_field(entry, key))
                  for k in part.split(",") if k.strip()],
        raw={"format": "bibtex", "line": line, "fields": entry},
    )
    return SourceRecord(line=line, candidate=cand, database=_database(entry))


def _database(entry: dict) -> str | None:
    """The database an entry says it came from: Scopus writes ``source = {Scopus}``, Web of Science
    ``Unique-ID = {WOS:…}`` and ``Web-of-Science-Categories``."""
    source = _field(entry, "source")
    if is_database_name(source):
        return source
    if _field(entry, "unique-id").upper().startswith("WOS:") or "web-of-science-categories" in entry:
        return "Web of Science"
    return None


def tex_to_text(value: str) -> str:
    """A field's LaTeX as Unicode text (protective braces and escaped specials are left to ``_plain``): links
    (``\\url``, ``\\href``, URLs and DOIs written out) are set aside first, so neither the dashes nor LaTeX's
    ``~`` change them."""
    value = _keep_escaped_braces(value)
    links: list[str] = []

    def keep(link: str) -> str:
        links.append(link)
        return f"\ue000{len(links) - 1}\ue001"

    value = _HREF.sub(lambda m: m.group(2) + " (" + keep(m.group(1).strip()) + ")", value)
    value = _URL_COMMAND.sub(lambda m: keep(m.group(1).strip()), value)
    value = _LINK.sub(lambda m: keep(m.group()), value)
    if "$" in value:
        value = _MATH.sub(r"\1", value)
    value = value.replace("---", "\u2014").replace("--", "\u2013")
    if "\\" in value:
        value = _SPACING.sub(lambda m: "" if m.group() == "\\!" else " ", value)
        value = _SWITCHES.sub("", _FORMATTING.sub("", value))
        value = _ACCENT.sub(_accented, value)
        try:
            value = latex_to_unicode(value)
        except TypeError:  # its table replaces in turn, and a "\;" that one replacement leaves makes a later fail
            value = latex_to_unicode(value.replace("\\", ""))
    return _KEPT.sub(lambda m: links[int(m.group(1))], value) if links else value


@functools.cache
def _latex_tables() -> tuple[tuple[list[tuple[str, str]], dict[str, list[int]]], ...]:
    """bibtexparser's LaTeX-to-Unicode tables, in its order: (LaTeX, Unicode) pairs, and the pairs' positions
    by the first three characters of their LaTeX (two where it has two), so that a field is tested only
    against the pairs that can occur in it."""
    from bibtexparser import latexenc  # noqa: PLC0415  (pyparsing comes with it: only when a field has LaTeX)

    tables = []
    for pairs in (itertools.chain(latexenc.unicode_to_crappy_latex1, latexenc.unicode_to_latex),
                  latexenc.unicode_to_crappy_latex2):
        pairs = [(latex.rstrip(), text) for text, latex in pairs]
        by_start: dict[str, list[int]] = {}
        for i, (latex, _) in enumerate(pairs):
            by_start.setdefault(latex[:3], []).append(i)
        tables.append((pairs, by_start))
    return tuple(tables)


def latex_to_unicode(value: str) -> str:
    """bibtexparser's ``latex_to_unicode``: its 2 543 replacements in its order, then braces dropped, NFC. Its
    own loop tests every pair on every field (half a millisecond a field, most of the time of reading a
    BibTeX file); this one tests only the pairs whose first characters occur, replaces the first that does,
    and looks again after it (a replacement can join text into a later pair's LaTeX)."""
    from bibtexparser.latexenc import _replace_latex  # noqa: PLC0415  (so the replacing itself is the same)

    for n, (pairs, by_start) in enumerate(_latex_tables()):
        if n:
            value = value.replace("{", "").replace("}", "")
        if "\\" not in value and "{" not in value:
            continue
        after = 0
        while hits := _pairs_in(value, pairs, by_start, after):
            first = min(hits)
            value = _replace_latex(value, *pairs[first])
            after = first + 1
    return unicodedata.normalize("NFC", value)


def _pairs_in(value: str, pairs: list[tuple[str, str]], by_start: dict[str, list[int]], after: int) -> list[int]:
    """The positions (from ``after`` on) of the pairs whose LaTeX occurs in ``value``."""
    starts = {value[i:i + k] for k in (2, 3) for i in range(len(value) - k + 1)}
    return [i for start in starts for i in by_start.get(start, ()) if i >= after and pairs[i][0] in value]


def _accented(match: re.Match) -> str:
    """An accent command on its letter as one character (NFC): ``\\"{i}`` -> ``ï``, ``\\'\\i`` -> ``í``."""
    accent = match.group(1) or match.group(4)
    letter = next(g for g in (match.group(2), match.group(3), match.group(5), match.group(6)) if g)
    return unicodedata.normalize("NFC", letter[-1] + _ACCENTS[accent])


def _field(entry: dict, key: str) -> str:
    value = entry.get(key, "")
    return _plain(value) if isinstance(value, str) else ""


_OPEN, _CLOSE = "\x00", "\x01"  # an escaped brace (\\{) while the protective ones are dropped


def _keep_escaped_braces(value: str) -> str:
    return value.replace("\\{", _OPEN).replace("\\}", _CLOSE)


def _plain(value: str) -> str:
    """Protective braces dropped (``{COVID}-19``), TeX's escaped specials (``\\&``, ``\\{``) as text,
    whitespace and line breaks squashed."""
    text = _keep_escaped_braces(value).replace("{", "").replace("}", "")
    text = re.sub(r"\\([&%$#_])", r"\1", text).replace(_OPEN, "{").replace(_CLOSE, "}")
    return re.sub(r"\s+", " ", text).strip()


def _month_date(year: str, month: str) -> str | None:
    """``year`` + ``month`` (``dec``, ``December``, ``12``) as ``YYYY-MM``; None without a month."""
    m = month.strip().lower()
    number = int(m) if m.isdigit() else next((i for k, i in MONTHS.items() if m and k.startswith(m[:3])), None)
    if not (year.strip().isdigit() and number and 1 <= number <= 12):
        return None
    return f"{year.strip()}-{number:02d}"
