"""BibTeX text before and after bibtexparser reads it: where entries start, what real exports write that the
parser would drop, and why an entry it dropped could not be read.

bibtexparser 1.4 skips an entry it cannot read without a word. Two things real exports write make it do so
although the entry is fine, and are mended here before parsing, only where a key or a field name stands:

- a citation key with whitespace inside (Scopus writes the document type into the key:
  ``@article{Conference paper2022775,``): each whitespace character becomes ``_``, so offsets stay the same,
  and ``join_spaced_keys`` returns the key as written, for the record;
- a field name with whitespace inside (Scopus's ``funding_text 1`` with a no-break space, other tools'
  ``key words``): at the start of a line, right after the comma that ended the key or the previous field,
  outside any value, it becomes ``funding_text_1``.

For an entry the parser still did not return, ``explain_lost`` walks its text as BibTeX reads it (key, then
``name = value`` fields separated by commas) and says what is wrong and on which line: no comma after the
key, a field name BibTeX cannot have, a missing ``=``, a brace or quote not closed before the next entry, no
comma between two fields.
"""

from __future__ import annotations

import bisect
import re

ENTRY_START = re.compile(r"^[ \t]*@[ \t]*([A-Za-z]+)\s*[{(]", re.MULTILINE)
ENTRY_KEY = re.compile(r"@\s*[A-Za-z]+\s*[{(]\s*([^,\s}]*)")  # from an entry's @: its key
# from the end of an entry's head: a key with whitespace inside, on the head's line, ended by a comma
SPACED_KEY = re.compile(r"[ \t]*+([^\s,{}()\"=#%]++(?:[ \t\u00a0]++[^\s,{}()\"=#%]++)++)[ \t]*+,")
# a line's text before its first "=" when that is a field name of several words (``funding_text\u00a01``)
SPACED_NAME = re.compile(r"[ \t]*+([A-Za-z_][\w:.+-]*+(?:[ \t\u00a0]++[\w:.+-]++)++)[ \t\u00a0]*+")
FIELD_NAME = re.compile(r"[A-Za-z0-9_().+-]+")  # what the parser takes for a field name
_NAME_LIKE = re.compile(r"[^\s=,{}\"#]+")
_BARE = re.compile(r"[A-Za-z0-9_:.+-]+")  # a number or an @string macro's name as a value
_DELIMITERS = re.compile(r'[{}"]')
NOT_RECORDS = {"comment", "preamble", "string"}


def entry_starts(text: str) -> tuple[list[tuple[int, str, int]], list[int]]:
    """Where the entries start: (line, entry type, offset of its ``@``) of each record entry, and the offset of
    every entry (``@string`` and ``@comment`` too)."""
    starts, opened, line, at = [], [], 1, 0
    for match in ENTRY_START.finditer(text):
        line += text.count("\n", at, match.start())  # counted from the previous entry on
        at = match.start()
        opened.append(at)
        if match.group(1).lower() not in NOT_RECORDS:
            starts.append((line, match.group(1).lower(), match.start()))
    return starts, opened


def join_spaced_keys(text: str, starts: list[tuple[int, str, int]]) -> tuple[str, dict[int, str]]:
    """``@article{Conference paper2022775,`` as ``@article{Conference_paper2022775,`` (the parser refuses a key
    with whitespace and drops its entry); the text keeps its length. Returns the text and, by the entry's
    position in ``starts``, each key as written."""
    out, done, keys = [], 0, {}
    for i, (_, _, offset) in enumerate(starts):
        head = ENTRY_START.match(text, offset)
        key = SPACED_KEY.match(text, head.end()) if head else None
        if key is None:
            continue
        keys[i] = key.group(1)
        out += [text[done:key.start(1)], re.sub(r"\s", "_", key.group(1))]
        done = key.end(1)
    return ("".join(out) + text[done:] if out else text), keys


def join_spaced_field_names(text: str, opened: list[int]) -> str:
    """``funding_text\u00a01 = {…}`` as ``funding_text_1 = {…}``: whitespace in a field name, which makes
    bibtexparser drop the whole entry, becomes ``_``. Only where a field name stands (``opened``: where each
    ``@`` entry starts): the name starts a line, the text before it in its entry ends with the comma that
    closed the key or the previous field, and that comma is outside any value (an abstract's line that reads
    ``effect size = 0.4`` stays as it is)."""
    out, done, eq = [], 0, text.find("=")
    while eq >= 0:
        line_start = text.rfind("\n", 0, eq) + 1
        name = SPACED_NAME.fullmatch(text, line_start, eq)
        if name and _at_field_name(text, opened, name.start(1)):
            out += [text[done:name.start(1)], re.sub(r"[ \t\u00a0]+", "_", name.group(1))]
            done = name.end(1)
        line_end = text.find("\n", eq)  # the first "=" of a line is the one after a field name
        eq = text.find("=", line_end) if line_end >= 0 else -1
    return "".join(out) + text[done:] if out else text


def _at_field_name(text: str, opened: list[int], at: int) -> bool:
    """Whether ``at`` follows an entry's key or a whole field (a comma outside braces and quotes)."""
    i = bisect.bisect_right(opened, at) - 1
    head = ENTRY_START.match(text, opened[i]) if i >= 0 else None
    if head is None or not text[head.end():at].rstrip().endswith(","):
        return False
    depth, quoted = 0, False
    for mark in _DELIMITERS.finditer(text, head.end(), at):  # BibTeX counts braces as written, escaped or not
        char = mark.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
    return depth == 0 and not quoted


def first_lost(entries: list[dict], starts: list[tuple[int, str, int]], text: str) -> int:
    """The position in ``starts`` of the first entry the parser did not return: the entries it returned are
    matched to the file's in order, by key, so a key used twice does not hide the lost one."""
    returned = iter(e.get("ID", "") for e in entries)
    expected = next(returned, None)
    for i, (_, _, offset) in enumerate(starts):
        key = ENTRY_KEY.match(text, offset)
        if key is None or expected is None or key.group(1).strip() != str(expected).strip():
            return i
        expected = next(returned, None)
    return len(starts) - 1


def explain_lost(text: str, start: int, end: int) -> str | None:
    """What keeps the parser from reading the entry whose ``@`` is at ``start`` (the next entry, or the end of
    the file, at ``end``), with its line; None when this walk finds nothing wrong."""
    head = ENTRY_START.match(text, start)
    if head is None:
        return None
    line = _line_counter(text)
    comma = text.find(",", head.end(), end)
    key = text[head.end():comma if comma >= 0 else end]
    if comma < 0 or "=" in key or "\n" in key.strip():
        shown = key.strip().split("\n")[0].split("=")[0].strip()
        return f"no comma after its key {shown!r}" if shown else "it has no citation key"
    if not key.strip():
        return "it has no citation key (nothing between the brace and the comma)"
    at, previous, fields = comma + 1, None, 0
    where = f"before the next entry (line {line(end)})" if end < len(text) else "at the end of the file"
    while True:
        at = _skip_space(text, at, end)
        if at >= end:
            return f"it is not closed {where}: its closing brace is missing"
        if text[at] in "})":
            return None if fields else "it has no fields"
        # where no field can start, the previous field's value may have ended early at a stray brace
        early = f"; or a brace in the value of field {previous!r} closes it early" if previous else ""
        name = _NAME_LIKE.match(text, at, end)
        if name is None:
            return f"{text[at]!r} where a field name should start (line {line(at)}){early}"
        field = name.group()
        if not FIELD_NAME.fullmatch(field):
            bad = next(ch for ch in field if not FIELD_NAME.fullmatch(ch))
            return (f"field name {field[:40]!r} (line {line(at)}) holds {bad!r}, which BibTeX field names cannot "
                    f"have{early}")
        at = _skip_space(text, name.end(), end)
        if at >= end or text[at] != "=":
            return f"no '=' after the field name {field[:40]!r} (line {line(name.start())}){early}"
        value_at = _skip_space(text, at + 1, end)
        at, problem = _value_end(text, value_at, end)
        fields += 1
        if problem:
            return f"field {field!r} (line {line(name.start())}): {problem}"
        at = _skip_space(text, at, end)
        if at >= end:  # the value took the brace that would close the entry
            return (f"it is not closed {where}: a brace in field {field!r} (line {line(name.start())}) is not "
                    f"closed, or the entry's closing brace is missing")
        if text[at] == ",":
            at, previous = at + 1, field
        elif text[at] not in "})" and text[value_at] not in '{"':
            words = re.match(r"[^,\n})]*", text[value_at:end]).group().strip()
            return f"field {field!r} (line {line(name.start())}): its value is not in braces or quotes ({words[:40]!r})"
        elif text[at] not in "})":
            return f"no comma after field {field!r} (line {line(name.start())}) before line {line(at)}"


def _value_end(text: str, at: int, end: int) -> tuple[int, str | None]:
    """Where a field's value (pieces joined by ``#``) ends, or what is wrong with it."""
    while True:
        if at >= end:
            return at, "no value"
        char = text[at]
        if char == "{":
            close = _closing(text, at, end, quoted=False)
            if close < 0:
                opened, closed = text.count("{", at, end), text.count("}", at, end)
                return at, (f"its brace is not closed before the next entry or the end of the file (the value "
                            f"opens {opened} and closes {closed})")
            at = close + 1
        elif char == '"':
            close = _closing(text, at, end, quoted=True)
            if close < 0:
                return at, "its quote is not closed before the next entry or the end of the file"
            at = close + 1
        else:
            bare = _BARE.match(text, at, end)
            if bare is None:
                return at, f"{char!r} where its value should start (a value is in braces or quotes)"
            at = bare.end()
        nxt = _skip_space(text, at, end)
        if nxt >= end or text[nxt] != "#":
            return at, None
        at = _skip_space(text, nxt + 1, end)


def _closing(text: str, at: int, end: int, *, quoted: bool) -> int:
    """The offset of the brace (or quote) that closes the one at ``at``, or -1."""
    depth = 0 if quoted else 1
    for mark in _DELIMITERS.finditer(text, at + 1, end):
        char = mark.group()
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0 and not quoted:
                return mark.start()
        elif char == '"' and quoted and depth == 0:
            return mark.start()
    return -1


def _skip_space(text: str, at: int, end: int) -> int:
    while at < end and text[at].isspace():
        at += 1
    return at


def _line_counter(text: str):
    return lambda offset: text.count("\n", 0, offset) + 1
