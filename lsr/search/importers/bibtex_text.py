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

A line that starts with ``@word{`` or ``@word(`` opens an entry, unless a value is still open there and the
line cannot be an entry's head (no key followed by a comma or the end of the line): an abstract's line
``@UNICEF (2019) reported …`` is text, as BibTeX and the parser read it (``entry_starts``).

An entry whose braces do not balance (EBSCOhost writes scraped web-page text into ``Keywords``, with a stray
``{`` or ``}``) would be lost, or would lose the fields after the stray ``}`` without a word, or take the next
entry in. ``mend_damaged`` reads such an entry field by field when it is laid out as exporters write it (its
``@type{key,`` head on a line of its own, each field starting a line, its closing brace alone on its last
line): a field read as BibTeX reads it that does not end where the next field starts is the damaged one.
Written on one line, it is read to the end of that line (the braces that pair with nothing dropped): its
exporter wrote it there and the next line starts the next field, so where it ends is not in doubt. Running
over several lines it is left out, as where its text ends cannot be told. The other fields and entries are
read as written, and each mend is returned (``Mend``) for a warning. The text keeps its line numbers. An entry
laid out otherwise is left as it is (and refused as below).

For an entry the parser still did not return, ``explain_lost`` walks its text as BibTeX reads it (key, then
``name = value`` fields separated by commas) and says what is wrong and on which line: no comma after the
key, a field name BibTeX cannot have, a missing ``=``, a brace or quote not closed before the next entry, no
comma between two fields.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

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
# an "@" line that can be an entry's head: a key (maybe empty) ended by a comma (then the end of the line or a
# field name) or by the end of the line, or @string, @comment, @preamble; "@UNICEF (2019) reported" and
# "@misc{y, z}" cannot
_HEAD_LIKE = re.compile(r"[ \t]*@[ \t]*(?:(?:string|comment|preamble)[ \t]*[{(]|[A-Za-z]+[ \t]*[{(][ \t]*"
                        r"[^\s,{}()]*(?:[ \t\u00a0]+[^\s,{}()]+)*[ \t]*(?:,[ \t]*(?:$|[A-Za-z_][\w:.+-]*[ \t]*=)|$))",
                        re.MULTILINE | re.IGNORECASE)
# an entry laid out one field a line: its head alone on its line, and the line that closes it
_HEAD_LINE = re.compile(r"[ \t]*@[ \t]*([A-Za-z]+)[ \t]*([{(])[ \t]*([^\s,{}()\"=#%]+(?:[ \t\u00a0]+[^\s,{}()\"=#%]+)*)"
                        r"[ \t]*,[ \t]*\n")
_CLOSING_LINE = re.compile(r"^[ \t]*([})])[ \t]*$", re.MULTILINE)
_AT_LINE = re.compile(r"^[ \t]*@", re.MULTILINE)  # inside an entry: maybe another entry's head, broken
_AFTER_ENTRY = re.compile(r"(?:[ \t]*(?:%[^\n]*)?\n)*[ \t]*(?:%[^\n]*)?")  # blank lines and % comments
# a field's name and "=" (a name with one space inside too: Scopus's "funding_text 1"), and a line that starts one
_FIELD_START = re.compile(r"[ \t]*([A-Za-z_][\w:.+-]*(?:[ \t\u00a0]+[\w:.+-]+)?)[ \t\u00a0]*=[ \t]*")
_FIELD_LINE = re.compile(r"^[ \t]*[A-Za-z_][\w:.+-]*(?:[ \t\u00a0]+[\w:.+-]+)?[ \t\u00a0]*=[ \t]*[{\"\w]",
                         re.MULTILINE)


@dataclass(frozen=True)
class Mend:
    """A field of an entry whose braces do not balance, and what ``mend_damaged`` did with it."""

    line: int  # the field's first line
    key: str  # the entry's key, as written
    field: str  # the field's name, as written
    brace: str  # the brace that pairs with nothing, "{" or "}"; "" when the counts agree but the value ends early
    lines: int  # the lines the field runs over, up to the next field
    kept: bool  # read to the end of its line (one line); else left out


def entry_starts(text: str) -> tuple[list[tuple[int, str, int]], list[int]]:
    """Where the entries start: (line, entry type, offset of its ``@``) of each record entry, and the offset of
    every entry (``@string`` and ``@comment`` too). An ``@`` line inside a value that cannot be an entry's head
    (``_HEAD_LIKE``) is text."""
    starts, opened, line, at = [], [], 1, 0
    depth, since = 0, 0  # braces opened and not closed since the last entry's "@", counted up to ``since``
    for match in ENTRY_START.finditer(text):
        depth += text.count("{", since, match.start()) - text.count("}", since, match.start())
        since = match.start()
        if opened and depth > 0 and not _HEAD_LIKE.match(text, match.start()):
            continue
        depth = 0
        line += text.count("\n", at, match.start())  # counted from the previous entry on
        at = match.start()
        opened.append(at)
        if match.group(1).lower() not in NOT_RECORDS:
            starts.append((line, match.group(1).lower(), match.start()))
    return starts, opened


def mend_damaged(text: str, opened: list[int]) -> tuple[str, list[Mend]]:
    """The text with the damaged fields of the entries whose braces do not balance read to the end of their line
    or left out (see the module docstring), as many lines long as before; and what was done, field by field.
    ``opened``: where each entry's ``@`` is (``entry_starts``)."""
    out, done, mends = [], 0, []
    line, counted = 1, 0
    for i, start in enumerate(opened):
        end = opened[i + 1] if i + 1 < len(opened) else len(text)
        if text.count("{", start, end) == text.count("}", start, end):
            continue
        found = _mend_entry(text, start, end)
        if found is None:
            continue
        for at, until, new, mend in found:
            line += text.count("\n", counted, at)
            counted = at
            out += [text[done:at], new]
            done = until
            mends.append(Mend(line, *mend))
    return ("".join(out) + text[done:] if out else text), mends


def _mend_entry(text: str, start: int, end: int) -> list[tuple[int, int, str, tuple]] | None:
    """The replacements that mend the entry at ``start`` (the next entry, or the end of the file, at ``end``):
    (from, to, new text, (key, field, brace, lines, kept)) for each damaged field; None when the entry is not
    laid out one field a line, or when a line inside it starts with "@" or closes an entry: it may be the next
    entry, its head broken, and entries are never merged."""
    head = _HEAD_LINE.match(text, start, end)
    if head is None or head.group(1).lower() in NOT_RECORDS:
        return None
    closings = list(_CLOSING_LINE.finditer(text, head.end(), end))
    if len(closings) != 1 or closings[0].group(1) != ("}" if head.group(2) == "{" else ")"):
        return None  # a second closing line: maybe the end of an entry whose next head is broken
    closing = closings[0]
    if not _AFTER_ENTRY.fullmatch(text, closing.end(), end) or _AT_LINE.search(text, head.end(), closing.start()):
        return None
    key, body_end, pos, fixes = head.group(3), closing.start(), head.end(), []
    while (pos := _skip_space(text, pos, body_end)) < body_end:
        name = _FIELD_START.match(text, pos, body_end)
        if name is None:
            return None
        line_start = text.rfind("\n", 0, pos) + 1
        value_at = name.end()
        line_end = text.find("\n", value_at, body_end)
        line_end = body_end if line_end < 0 else line_end
        next_line = _FIELD_LINE.search(text, line_end, body_end)
        next_at = next_line.start() if next_line else body_end
        after = _value_after(text, value_at, next_at, body_end)
        if after is not None:
            pos = after
            continue
        if text[line_start:pos].strip():  # the damaged field does not start its line: where it starts is unclear
            return None
        raw = text[value_at:next_at]
        opens, closes = raw.count("{"), raw.count("}")
        brace = "{" if opens > closes else "}" if closes > opens else ""
        if text[line_end:next_at].strip():  # it runs over several lines: left out, its lines kept blank
            lines = text[line_start:next_at].rstrip().count("\n") + 1
            fixes.append((line_start, next_at, "\n" * text.count("\n", line_start, next_at),
                          (key, name.group(1), brace, lines, False)))
        else:
            value = _to_line_end(text[value_at:line_end])
            fixes.append((pos, line_end, f"{name.group(1)} = {{{value}}},", (key, name.group(1), brace, 1, True)))
        pos = next_at
    return fixes


def _value_after(text: str, value_at: int, next_at: int, body_end: int) -> int | None:
    """Where the next field may start after the value at ``value_at`` read as BibTeX reads it (past the comma),
    or None when that value cannot be read, runs into the line at ``next_at`` that starts a field, or is
    followed by anything but a comma and a field name (a stray "}" ended it early)."""
    value_end, problem = _value_end(text, value_at, body_end)
    if problem is not None or value_end > next_at:
        return None
    after = _skip_space(text, value_end, body_end)
    if after >= body_end:
        return after
    if text[after] != ",":
        return None
    after = _skip_space(text, after + 1, body_end)
    return after if after >= body_end or _FIELD_START.match(text, after, body_end) else None


def _to_line_end(raw: str) -> str:
    """A damaged value written on one line, read to its end: without the comma after it and its own delimiters,
    and without the braces that pair with nothing."""
    raw = raw.strip().removesuffix(",").rstrip()
    if raw.startswith("{"):
        raw = raw[1:].removesuffix("}")
    elif raw.startswith('"'):
        raw = raw[1:].removesuffix('"')
    chars, opens = list(raw), []
    for i, char in enumerate(raw):
        if char == "{":
            opens.append(i)
        elif char == "}":
            if opens:
                opens.pop()
            else:
                chars[i] = ""
    for i in opens:
        chars[i] = ""
    value = "".join(chars).strip()
    return value + " " if value.endswith("\\") else value  # a backslash would escape the closing brace


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
