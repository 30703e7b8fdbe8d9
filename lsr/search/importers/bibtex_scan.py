"""A fast reader for BibTeX that bibtexparser would read: the entries its grammar returns, or None.

bibtexparser 1.4 parses with a pyparsing grammar at 5-7 ms an entry (a Scopus export of 5000 records took
about 30 s to read, most of an import's time, with nothing to show meanwhile). ``scan_entries`` walks the same
grammar with regular expressions, about fifty times faster, and returns exactly the entries bibtexparser
returns before its customisation (field names in lower case, first of two equal names kept, ``ENTRYTYPE`` and
``ID``, values without their outer braces or quotes, ``@string`` macros and the month abbreviations expanded,
continuation lines' indentation and a value's last line break dropped, tabs expanded to spaces). Where the text is anything else, or not surely read alike (an
entry the grammar would skip, a value in parentheses, a macro no ``@string`` defines, a character it has no
rule for), it returns None and the caller hands the text to bibtexparser, which reads it or says what is
wrong. ``tests/test_import_bibtex_scan.py`` compares the two on generated text.

The grammar, as bibtexparser 1.4 writes it (``bibtexexpression.py``): a file is a series of ``@string``
definitions, ``@preamble``s, ``@comment``s, entries and, between them, any other text (an implicit comment,
running to the next line whose first non-blank character is ``@``); an entry is ``@type{key, name = value,
…}``; a value is a number, or ``{…}`` (braces balanced), ``"…"`` (braces balanced inside) and macro names
joined by ``#``. Whitespace between tokens is space, tab, carriage return or newline.
"""

from __future__ import annotations

import re

# bibtexparser's @string macros for the month abbreviations (``common_strings=True``)
MONTHS = {m[:3].lower(): m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                                     "September", "October", "November", "December")}
_WS = re.compile(r"[ \n\t\r]*")
_KEYWORD = re.compile(r"@(string|preamble|comment)(?![A-Za-z0-9_$])", re.IGNORECASE)
_ENTRY_HEAD = re.compile(r"@[ \n\t\r]*([A-Za-z]+)[ \n\t\r]*")
_FIELD_NAME = re.compile(r"[A-Za-z0-9_\-().+]+")
_MACRO = re.compile(r"[A-Za-z0-9_\-:]+")
_NUMBER = re.compile(r"[0-9]+")
_BRACE = re.compile(r"[{}]")
_QUOTE_OR_BRACE = re.compile(r'["{}]')
_FIELD_LIKE = re.compile(r",?[ \t]*[A-Za-z][\w.+():-]*[ \t]*=")  # "year = …" or ", year = …"


class _Irregular(Exception):
    """The text is not surely read as bibtexparser reads it."""


class _Macro(str):
    """A macro's name (lower case) in a value, expanded when the value is complete."""


def scan_entries(text: str, unread: list[tuple[int, str, str]] | None = None) -> list[dict] | None:
    """The entries bibtexparser 1.4 (``common_strings``, ``interpolate_strings``) returns for ``text``, before
    any customisation; None where the text is not surely read alike.

    ``unread``, if given, gets (line, key, text) for each entry whose line goes on after the entry closed with
    what looks like more fields (``@article{a, title={x}}, year={2020}}``: a ``}`` too many ends the entry
    early, and BibTeX reads the rest as a comment)."""
    try:
        scan = _Scan(text)
        entries = scan.entries()
    except (_Irregular, IndexError):  # IndexError: the text ended inside an entry
        return None
    if unread is not None:
        line, counted = 1, 0
        for offset, key, rest in scan.unread:  # offsets to lines, counting each newline once
            line += scan.text.count("\n", counted, offset)
            counted = offset
            unread.append((line, key, rest))
    return entries


class _Scan:
    def __init__(self, text: str) -> None:
        # pyparsing reads a text with its tabs expanded to the next multiple of eight columns
        self.text = (text[1:] if text.startswith("\ufeff") else text).expandtabs()
        self.strings: dict[str, str] = dict(MONTHS)
        self.unread: list[tuple[int, str, str]] = []

    def entries(self) -> list[dict]:
        text, found, closed = self.text, [], -1
        pos = _WS.match(text, 0).end()
        while pos < len(text):
            if text[pos] != "@" or not (_KEYWORD.match(text, pos) or self._opens_entry(pos)):
                # text between entries, to the next line starting with "@"; an "@" that does not start an
                # entry's head ("@}", "@2x", "@article2{") is such text too, as the grammar reads it
                end = self._comment_end(pos)
                if found and "\n" not in text[closed:pos] and _FIELD_LIKE.match(text, pos):
                    rest = text[pos:end].split("\n", 1)[0].strip()
                    self.unread.append((pos, found[-1]["ID"], rest))
                pos = end
            elif keyword := _KEYWORD.match(text, pos):
                kind = keyword.group(1).lower()
                # a @comment's text starts after the blanks, line breaks too: "@comment\n@article{…" is one comment
                pos = (self._comment_end(self._skip(keyword.end())) if kind == "comment" else
                       self._string(keyword.end()) if kind == "string" else self._preamble(keyword.end()))
            else:
                entry, pos = self._entry(pos)
                found.append(entry)
                closed = pos
            pos = _WS.match(text, pos).end()
        return found

    def _opens_entry(self, pos: int) -> bool:
        """Whether the "@" at ``pos`` starts an entry's head, ``@type{`` or ``@type(``."""
        head = _ENTRY_HEAD.match(self.text, pos)
        return bool(head) and self.text[head.end():head.end() + 1] in ("{", "(")

    def _comment_end(self, pos: int) -> int:
        """Where text from ``pos`` ends: at the whitespace before the first ``@`` that starts a line (the
        grammar's ``SkipTo(LineEnd() + "@")``), else at the end. Found "@" by "@", so that a long run of blanks
        costs its length once (a regular expression would try it from every position in it)."""
        text, start = self.text, pos
        at = text.find("@", pos)
        while at >= 0:
            run = start + len(text[start:at].rstrip(" \n\t\r"))  # the blanks before this "@"
            if "\n" in text[run:at]:
                return run
            start = at + 1
            at = text.find("@", start)
        return len(text)

    def _skip(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()

    def _expect(self, pos: int, char: str) -> int:
        """The first position after ``char`` and the whitespace after it; ``char`` must be the next token."""
        pos = self._skip(pos)
        if self.text[pos] != char:
            raise _Irregular
        return self._skip(pos + 1)

    def _string(self, pos: int) -> int:
        pos = self._expect(pos, "{")
        name = _MACRO.match(self.text, pos)
        if not name:
            raise _Irregular
        parts, pos = self._expression(self._expect(name.end(), "="))
        self.strings[name.group().lower()] = self._clean(parts, strip=False)
        return self._expect(pos, "}")

    def _preamble(self, pos: int) -> int:
        _, pos = self._value(self._expect(pos, "{"))
        return self._expect(pos, "}")

    def _entry(self, pos: int) -> tuple[dict, int]:
        text = self.text
        head = _ENTRY_HEAD.match(text, pos)
        if not head or text[head.end()] != "{":
            raise _Irregular  # no type, or an entry in parentheses
        start = self._skip(head.end() + 1)
        comma = text.find(",", start)
        key = text[start:comma].strip() if comma >= 0 else ""
        if not key or any(c.isspace() for c in key):
            raise _Irregular  # the grammar skips such an entry
        fields: list[tuple[str, list]] = []
        pos = self._skip(comma + 1)
        while True:
            name = _FIELD_NAME.match(text, pos)
            if not name:
                raise _Irregular
            value, pos = self._value(self._expect(name.end(), "="))
            fields.append((name.group(), value))
            pos = self._skip(pos)
            if text[pos] == "}":
                break
            if text[pos] != ",":
                raise _Irregular
            pos = self._skip(pos + 1)
            if text[pos] == "}":
                break
        by_name = {k: v for k, v in reversed(fields)}  # as the grammar: the first of two equal names wins
        entry = {k.lower(): self._clean(v, strip=True) for k, v in by_name.items()}
        entry["ENTRYTYPE"] = head.group(1).lower()
        entry["ID"] = key
        return entry, pos + 1

    def _value(self, pos: int) -> tuple[list, int]:
        number = _NUMBER.match(self.text, pos)
        if number:
            return [number.group()], number.end()
        return self._expression(pos)

    def _expression(self, pos: int) -> tuple[list, int]:
        """Quoted and braced strings and macro names joined by ``#``, from ``pos`` (after whitespace)."""
        text, parts = self.text, []
        while True:
            char = text[pos]
            if char == "{":
                end = self._balanced(pos + 1, _BRACE)
                parts.append(text[pos + 1:end - 1])
            elif char == '"':
                end = self._balanced(pos + 1, _QUOTE_OR_BRACE)
                parts.append(text[pos + 1:end - 1])
            else:
                name = _MACRO.match(text, pos)
                if not name:
                    raise _Irregular
                parts.append(_Macro(name.group().lower()))
                end = name.end()
            after = self._skip(end)
            if text[after] != "#":
                return parts, end
            pos = self._skip(after + 1)

    def _balanced(self, pos: int, delimiters: re.Pattern) -> int:
        """The position after the brace (or quote) that closes the value opened before ``pos``."""
        depth = 0
        while True:
            found = delimiters.search(self.text, pos)
            if not found:
                raise _Irregular
            char, pos = found.group(), found.end()
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth < 0 and delimiters is _QUOTE_OR_BRACE:
                    raise _Irregular  # a closing brace in a quoted value that no brace opened
                if depth < 0:
                    return pos
            elif depth == 0:  # a quote outside braces ends a quoted value
                return pos

    def _clean(self, parts: list, *, strip: bool) -> str:
        """The value's text as bibtexparser makes it: continuation lines' indentation dropped (fields only, not
        macros), macros expanded, an empty value or ``{}`` the empty string."""
        if strip:
            parts = [p if isinstance(p, _Macro) else _strip_after_new_lines(p) for p in parts]
        if len(parts) == 1 and not isinstance(parts[0], _Macro):
            return "" if parts[0] in ("", "{}") else parts[0]
        try:
            return "".join(self.strings[p] if isinstance(p, _Macro) else p for p in parts)
        except KeyError:
            raise _Irregular from None  # a macro no @string defines: bibtexparser's error says which


def _strip_after_new_lines(value: str) -> str:
    lines = value.splitlines()
    return "\n".join(lines[:1] + [line.lstrip() for line in lines[1:]])
