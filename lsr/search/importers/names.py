"""Splitting a table cell that holds a whole author (or keyword) list into its items.

Owns the list conventions of the exporters lsr reads: ``|`` (OpenAlex's CSV export), ``;`` (Scopus,
Lens, IEEE Xplore, Cochrane, Zotero, ASReview, lsr itself), `` and `` (BibTeX-style, Rayyan), and the
comma-separated "family name + initials" lists of PubMed's CSV (``Smith JA, Doe A.``) and older Scopus
CSV (``Smith J.A., Øster L.``). A comma-separated value is split only when every part looks like
"name + initials", so a single ``Smith, John`` stays one author.
"""

from __future__ import annotations

import re

_AND = re.compile(r"\s+and\s+")


def split_list(value: str) -> list[str]:
    """Keywords and other lists: ``|`` first (OpenAlex), then ``;``."""
    value = value.strip()
    if not value:
        return []
    for sep in ("|", ";"):
        if sep in value:
            return [p.strip() for p in value.split(sep) if p.strip()]
    return [value]


def split_authors(value: str) -> list[str]:
    """An author cell as a list of names (see the module docstring for the forms recognised)."""
    value = value.strip()
    if not value:
        return []
    if "|" in value or ";" in value:
        return split_list(value)
    parts = [p.strip() for p in value.split(",")]
    if len(parts) >= 2 and all(_name_with_initials(p) for p in parts):
        if not any(p.endswith(".") for p in parts[:-1]):  # PubMed ends the list with a full stop
            parts[-1] = parts[-1].rstrip(".")
        return parts
    if _AND.search(value) and all("," in p for p in _AND.split(value)):  # "Yang, Z. and Jiang, B."
        return [p.strip() for p in _AND.split(value) if p.strip()]
    return [value]


def _name_with_initials(part: str) -> bool:
    """"Smith JA", "van der Berg MJ", "Smith J.A.", "Øster L.", "Smith J.-P." (not "Smith", not "John")."""
    words = part.rstrip(".").split()
    if len(words) < 2 or not any(ch.isalpha() for ch in " ".join(words[:-1])):
        return False
    initials = words[-1].replace(".", "").replace("-", "")
    return 0 < len(initials) <= 3 and initials.isalpha() and initials.isupper()
