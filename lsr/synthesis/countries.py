"""Countries of extracted studies: free text to ISO 3166-1 alpha-2 codes, and "from the Netherlands / Europe".

The extraction's ``country`` is typed by people and exported by other tools, so the same country arrives as
``NL``, ``NLD``, ``Netherlands``, ``the Netherlands``, ``Nederland``, ``Holland`` or ``Nederland
(Heerlen)``. ``country_codes`` reads all of these: ISO 3166-1 alpha-2 and alpha-3 codes and the English
names, common names and official names of ``pycountry`` (its data and Dutch translations ship inside the
wheel: nothing is downloaded at run time), the Dutch names from pycountry's ``nl`` translation, and a short
list of everyday names ISO does not use (Holland, UK, England, USA, Engeland, Verenigde Staten ...).
Case, accents and a leading "the" do not matter; a detail in brackets or after a comma (a city, a region)
is ignored when the rest is a country; several countries may be given separated by ``;``, ``/``, ``&``,
``and``/``en`` or commas.

``canonical`` gives the value ``lsr extract`` stores: the codes joined by ``"; "`` (``"NL"``,
``"NL; BE"``), or None when the text names no known country (the text is then kept as given, with a
warning). ``is_dutch`` and ``is_european`` answer the "how many studies from the Netherlands / from
Europe" questions for stored values, old free text included.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Everyday names ISO 3166 does not list, in English and Dutch (folded: lower case, no accents).
ALIASES = {
    "holland": "NL", "nederlands": "NL", "the netherlands": "NL", "netherland": "NL", "nl.": "NL",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "groot-brittannie": "GB", "engeland": "GB", "schotland": "GB",
    "noord-ierland": "GB", "verenigd koninkrijk": "GB",
    "usa": "US", "u.s.": "US", "u.s.a.": "US", "united states of america": "US", "america": "US",
    "verenigde staten": "US", "vs": "US", "amerika": "US",
    "flanders": "BE", "vlaanderen": "BE", "wallonia": "BE", "wallonie": "BE",
    "west germany": "DE", "east germany": "DE", "deutschland": "DE", "bondsrepubliek duitsland": "DE",
    "czech republic": "CZ", "tsjechie": "CZ", "slowakije": "SK", "russia": "RU", "rusland": "RU",
    "turkey": "TR", "turkije": "TR", "south korea": "KR", "korea": "KR", "zuid-korea": "KR",
    "vietnam": "VN", "iran": "IR", "syria": "SY", "laos": "LA", "tanzania": "TZ", "bolivia": "BO",
    "venezuela": "VE", "taiwan": "TW", "moldova": "MD", "macedonia": "MK", "north macedonia": "MK",
    "ivory coast": "CI", "cape verde": "CV", "kosovo": "XK", "el": "GR", "hong kong": "HK",
}
# Geographic Europe as the reports count it: the EU and EEA, the United Kingdom, Switzerland, the
# microstates, the Western Balkans, Ukraine, Moldova and Belarus (not Russia, Turkey or the Caucasus).
EUROPE = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",  # EU
    "IS", "LI", "NO", "CH", "GB", "AD", "MC", "SM", "VA", "FO", "GI", "IM", "JE", "GG", "AX",
    "AL", "BA", "ME", "MK", "RS", "XK", "UA", "MD", "BY",
})
NETHERLANDS = "NL"
_SPLIT = re.compile(r"\s*(?:;|/|&|\+|\band\b|\ben\b)\s*")


def fold(text: str) -> str:
    """Lower case, accents dropped, inner spaces collapsed: ``"  België "`` -> ``"belgie"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().split())


@cache
def _names() -> dict[str, str]:
    """Folded name or code -> alpha-2 code, from pycountry (English and Dutch) and ``ALIASES``."""
    import gettext

    import pycountry

    try:
        dutch = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["nl"]).gettext
    except OSError:  # a pycountry without its translations: the English names and the aliases still work
        dutch = None
    out: dict[str, str] = {}
    for c in pycountry.countries:
        code = c.alpha_2
        names = [c.alpha_2, c.alpha_3, c.name, getattr(c, "common_name", None), getattr(c, "official_name", None)]
        if dutch is not None:
            names += [dutch(c.name), dutch(c.official_name) if getattr(c, "official_name", None) else None]
        for name in names:
            if name:
                key = fold(name)
                out.setdefault(key, code)
                if ", " in key:  # "korea, republic of" -> "republic of korea"
                    head, tail = key.split(", ", 1)
                    out.setdefault(f"{tail} {head}", code)
    for key, code in ALIASES.items():
        out[key] = code
    return out


def _one(text: str) -> str | None:
    """The code of one country name or code, or None."""
    key = fold(text).strip(" .,;:-'\"")
    if key.startswith("the "):
        key = key[4:]
    if not key:
        return None
    names = _names()
    return names.get(key) or names.get(key.rstrip(".")) or names.get(key.replace(".", ""))


def country_codes(text: str | None) -> tuple[str, ...]:
    """The ISO 3166-1 alpha-2 codes a country field names, in order, without repeats; ``()`` for none.

    ``"NLD"`` -> ``("NL",)``; ``"Nederland (Heerlen)"`` -> ``("NL",)``; ``"Heerlen, Netherlands"`` ->
    ``("NL",)``; ``"Netherlands; Belgium"`` -> ``("NL", "BE")``; ``"Atlantis"`` -> ``()``.
    """
    if not text or not text.strip():
        return ()
    whole = _one(text)
    if whole:
        return (whole,)
    bare = re.sub(r"\([^)]*\)|\[[^]]*\]", " ", text)  # "Nederland (Heerlen)": the bracket is a detail
    parts = [p for p in _SPLIT.split(bare) if p.strip()]
    codes: list[str] = []
    unknown = False
    for part in parts:
        code = _one(part)
        if code is None and "," in part:  # "Heerlen, Netherlands" or "Netherlands, Belgium"
            found = [c for c in (_one(x) for x in part.split(",")) if c]
            if found:
                codes += found
                continue
        if code is None and " - " in part:  # "Netherlands - Limburg"
            found = [c for c in (_one(x) for x in part.split(" - ")) if c]
            if found:
                codes += found
                continue
        if code is None:
            unknown = True
            continue
        codes.append(code)
    if unknown and not codes:
        return ()
    return tuple(dict.fromkeys(codes))


def canonical(text: str | None) -> str | None:
    """The stored form of a country field: its codes joined by ``"; "``, or None when none is recognised."""
    codes = country_codes(text)
    return "; ".join(codes) if codes else None


def is_dutch(value: str | None) -> bool:
    """Whether a stored country value (a code, codes, or old free text) includes the Netherlands."""
    return NETHERLANDS in country_codes(value)


def is_european(value: str | None) -> bool:
    """Whether a stored country value includes a European country (the Netherlands included; ``EUROPE``)."""
    return any(code in EUROPE for code in country_codes(value))
