"""Splitting a table cell that holds a whole author (or keyword) list into its items.

Owns the list conventions of the exporters lsr reads: ``|`` (OpenAlex's CSV export), ``;`` (Scopus,
Lens, IEEE Xplore, Cochrane, Zotero, ASReview, lsr itself), ``", "`` between keywords (Embase's CSV only, when
its reader asks: elsewhere a keyword may hold a comma), `` and `` (BibTeX-style, Rayyan), the
comma-separated "family name + initials" lists of PubMed's CSV (``Smith JA, Doe A.``) and older Scopus
CSV (``Smith J.A., Øster L.``), and comma-separated whole names (``Joseph Rottman, Erran Carmel``, some IEEE
Xplore exports). A comma-separated value is split only when every part looks like "name + initials" or
every part like a whole name (two or more words, not starting with a particle such as ``van``), so a single
``Smith, John`` or ``De Vries, Anna Maria`` stays one author. Two whole names (``Garcia Marquez, Gabriel
Jose``) may also be one "Family, Given" name: that is decided by the rest of the column (``AuthorColumn``,
read from all its cells by ``author_column``): in a column whose other cells separate names with ``;`` or
``|``, or write one "Family, Given" name (``Smith, John; Doe, Jane``, ``Bakker, Anneke``), it is one author,
unless other cells separate three or more whole names with commas (then the column lists names so); otherwise
two, as IEEE Xplore means them. Springer Link's CSV runs its names together
(``Andy SmithTom Weber``): ``split_run_together`` takes them apart, for that export only. A cell holding a
Python list as text (``['Marx, Karl', 'Lindgren, Astrid']``, a table pandas wrote) gives its items.
``distinct`` keeps each keyword once when several fields give them (Web of Science's author keywords and
Keywords Plus: ``reading`` and ``READING``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

_AND = re.compile(r"\s+and\s+")
# Name particles: a word that starts a family name ("van der Berg", "De Vries"), so a part starting with one is
# no whole name; and a capitalised prefix that a family name continues after (McDonald, MacLeod, DeVries,
# LeBlanc, DiCaprio, VanDyke), where a run-together list must not be split.
PARTICLES = frozenset({"van", "von", "de", "der", "den", "del", "della", "des", "di", "da", "du", "dos", "das", "la",
                       "le", "ten", "ter", "mc", "mac", "fitz"})
_WORD_START = re.compile(r"[\s\-'’]")  # what a name's word starts after: space, hyphen, apostrophe (O'Brien)
_PY_LIST = re.compile(r"""^\[\s*(?:'[^']*'|"[^"]*")(?:\s*,\s*(?:'[^']*'|"[^"]*"))*\s*\]$""")


def _python_list(value: str) -> list[str] | None:
    """A cell holding a Python list as text (``['Marx, Karl', 'Lindgren, Astrid']``: a table written by pandas
    from list columns, as ASReview's test files are), as its items; None for anything else."""
    if not _PY_LIST.match(value):
        return None
    items = ast.literal_eval(value)
    return [str(i).strip() for i in items if str(i).strip()]


def split_list(value: str, *, commas: bool = False) -> list[str]:
    """Keywords and other lists: a Python list as text, ``|`` (OpenAlex), then ``;``; with ``commas`` (an
    export known to write its keywords so, Embase's CSV) then ``", "``, which otherwise stays inside a keyword."""
    value = value.strip()
    if not value:
        return []
    if (items := _python_list(value)) is not None:
        return items
    for sep in ("|", ";", *([", "] if commas else [])):
        if sep in value:
            return [p.strip() for p in value.split(sep) if p.strip()]
    return [value]


@dataclass(frozen=True)
class AuthorColumn:
    """How a table's author column writes its names, as its cells show (``author_column``): what decides a
    cell that reads two ways, two whole names between a comma (``Garcia Marquez, Gabriel Jose``)."""

    listed: bool = False  # some cells separate their names with ";" or "|"
    family_first: bool = False  # some cells write a name as "Family, Given" ("Smith, John", "De Vries, Anna")
    comma_listed: bool = False  # some cells separate three or more whole names with commas (IEEE Xplore)

    @property
    def one_name_per_comma_pair(self) -> bool:
        """Whether two whole names between a comma are one "Family, Given" name in this column."""
        return (self.listed or self.family_first) and not self.comma_listed


def author_column(cells: Iterable[str]) -> AuthorColumn:
    """What the cells of one author column say about how it writes names (``AuthorColumn``)."""
    listed = family_first = comma_listed = False
    for cell in cells:
        cell = cell.strip()
        if not cell or _PY_LIST.match(cell):
            continue
        names = [cell]
        if "|" in cell or ";" in cell:
            listed, names = True, split_list(cell)
        else:
            parts = cell.split(",")
            comma_listed = comma_listed or (len(parts) >= 3 and all(_whole_name(p.strip()) for p in parts))
        family_first = family_first or any(_family_given(n) for n in names)
    return AuthorColumn(listed=listed, family_first=family_first, comma_listed=comma_listed)


def distinct(values: Iterable[str]) -> list[str]:
    """Each value once, stripped, compared without regard to case (the first spelling kept); empty ones dropped."""
    seen: dict[str, str] = {}
    for value in values:
        if value := value.strip():
            seen.setdefault(value.casefold(), value)
    return list(seen.values())


def split_authors(value: str, column: AuthorColumn | None = None) -> list[str]:
    """An author cell as a list of names (see the module docstring for the forms recognised); ``column``, what
    the rest of its column says (``author_column``), decides a cell of two whole names between a comma."""
    value = value.strip()
    if not value:
        return []
    if (items := _python_list(value)) is not None:
        return items
    if "|" in value or ";" in value:
        return split_list(value)
    parts = [p.strip() for p in value.split(",")]
    if len(parts) >= 2 and all(_name_with_initials(p) for p in parts):
        if not any(p.endswith(".") for p in parts[:-1]):  # PubMed ends the list with a full stop
            parts[-1] = parts[-1].rstrip(".")
        return parts
    if _AND.search(value) and all("," in p for p in _AND.split(value)):  # "Yang, Z. and Jiang, B."
        return [p.strip() for p in _AND.split(value) if p.strip()]
    if len(parts) >= 2 and all(_whole_name(p) for p in parts):  # "Joseph Rottman, Erran Carmel"
        if len(parts) == 2 and column is not None and column.one_name_per_comma_pair:
            return [value]  # "Garcia Marquez, Gabriel Jose" where the column writes "Family, Given"
        return parts
    return [value]


def split_run_together(value: str) -> list[str]:
    """Names written one after another without a separator, as Springer Link's CSV export does: "Andy
    SmithTom Weber" -> ["Andy Smith", "Tom Weber"]. A name ends where a lower-case letter is directly followed
    by an upper-case one, when the word before that point is not the name's first word (a given name such as
    "JoAnn") and is not a prefix a family name continues after ("McDonald", "MacLeod", "DeVries", "LeBlanc")."""
    names, start = [], 0
    for i in range(1, len(value)):
        if not (value[i - 1].islower() and value[i].isupper()):
            continue
        word = max([start, *(m.end() for m in _WORD_START.finditer(value, start, i))])
        if value[start:word].strip() and value[word:i].lower() not in PARTICLES:
            names.append(value[start:i].strip())
            start = i
    names.append(value[start:].strip())
    return [n for n in names if n]


def _name_with_initials(part: str) -> bool:
    """"Smith JA", "van der Berg MJ", "Smith J.A.", "Øster L.", "Smith J.-P." (not "Smith", not "John")."""
    words = part.rstrip(".").split()
    if len(words) < 2 or not any(ch.isalpha() for ch in " ".join(words[:-1])):
        return False
    initials = words[-1].replace(".", "").replace("-", "")
    return 0 < len(initials) <= 3 and initials.isalpha() and initials.isupper()


def _family_given(name: str) -> bool:
    """"Smith, John", "De Vries, Anna Maria", "van der Berg, J.A.": a family name that is no whole name (one
    word, or starting with a particle), a comma, and given names or initials."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) != 2 or not parts[0] or not parts[1] or _whole_name(parts[0]):
        return False
    return all(w.replace(".", "").replace("-", "").isalpha() for w in parts[0].split() + parts[1].split())


def _whole_name(part: str) -> bool:
    """"Joseph Rottman", "Anna van der Berg", "J. Smith" (not "Rottman", not "van der Berg", "De Vries": the
    family name of a "Last, First" pair)."""
    words = part.split()
    return len(words) >= 2 and words[0].lower() not in PARTICLES and all(any(c.isalpha() for c in w) for w in words)
