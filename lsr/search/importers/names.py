"""Splitting a table cell that holds a whole author (or keyword) list into its items.

Owns the list conventions of the exporters lsr reads: ``|`` (OpenAlex's CSV export), ``;`` (Scopus,
Lens, IEEE Xplore, Cochrane, Zotero, ASReview, lsr itself), `` and `` (BibTeX-style, Rayyan), the
comma-separated "family name + initials" lists of PubMed's CSV (``Smith JA, Doe A.``) and older Scopus
CSV (``Smith J.A., Øster L.``), and comma-separated whole names (``Joseph Rottman, Erran Carmel``, some IEEE
Xplore exports). A comma-separated value is split only when every part looks like "name + initials" or
every part like a whole name (two or more words, not starting with a particle such as ``van``), so a single
``Smith, John`` or ``De Vries, Anna Maria`` stays one author. Springer Link's CSV runs its names together
(``Andy SmithTom Weber``): ``split_run_together`` takes them apart, for that export only. A cell holding a
Python list as text (``['Marx, Karl', 'Lindgren, Astrid']``, a table pandas wrote) gives its items.
"""

from __future__ import annotations

import ast
import re

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


def split_list(value: str) -> list[str]:
    """Keywords and other lists: a Python list as text, ``|`` (OpenAlex), then ``;``."""
    value = value.strip()
    if not value:
        return []
    if (items := _python_list(value)) is not None:
        return items
    for sep in ("|", ";"):
        if sep in value:
            return [p.strip() for p in value.split(sep) if p.strip()]
    return [value]


def split_authors(value: str) -> list[str]:
    """An author cell as a list of names (see the module docstring for the forms recognised)."""
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


def _whole_name(part: str) -> bool:
    """"Joseph Rottman", "Anna van der Berg", "J. Smith" (not "Rottman", not "van der Berg", "De Vries": the
    family name of a "Last, First" pair)."""
    words = part.split()
    return len(words) >= 2 and words[0].lower() not in PARTICLES and all(any(c.isalpha() for c in w) for w in words)
