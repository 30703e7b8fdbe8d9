"""Normalising identifiers, titles and names, so the same work from different sources is recognised.

Pure functions, no database. Owned here:

- DOIs (any URL, ``doi:`` or percent-encoded form -> lowercase ``10.x/y``), PMIDs (bare, ``PMID: n`` or
  PubMed URL), ERIC numbers (``EJ1234567``/``ED123456``: bare, ``ERIC Number: …`` or an ERIC or EBSCOhost
  link), OpenAlex ids (short ``W…`` form);
- ``plain_text``: a title or abstract as it is stored and shown: HTML entities resolved and the markup
  publishers and Crossref put into them (``<i>``, ``<sub>``, Scopus's ``<inf>``, JATS ``<jats:p>``, MathML)
  taken out; ``is_placeholder``: an export's stand-in for an empty field (``[No abstract available]``);
- ``fold_text``: HTML entities and tags resolved, diacritics removed, ligatures and letters such as
  ``ß``/``ø``/Greek spelled out in ASCII, lowercase;
- ``title_key``: the compact title key stored in ``Record.title_key`` — letters and digits only, no
  spaces (so "Self-esteem" and "Selfesteem", "R&D" and "R and D" agree); ``title_words`` keeps words;
- ``first_author_key`` / ``name_tokens``: author names in "Last, F.", "F. Last", "Last F" forms;
  ``family_name_as_written``: the same family name as shown in a study label ("Van den Akker"), and
  ``is_organisation`` for corporate authors kept whole.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import unquote

# The directory indicator 10, a registrant code (digits, optionally subdivided: 10.1000.10), a slash.
_DOI_START = re.compile(r"(?<![\w.])10\.\d{4,9}(?:\.\d+)*/(?=\S)")
_DOI_SHAPE = re.compile(r"^10\.\d{4,9}(?:\.\d+)*/[^\s\x00-\x1f\x7f]+$")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# Invisible format characters that copying from a web page or PDF leaves inside a DOI: soft hyphen, zero-width
# space/joiners, direction marks, word joiner, BOM (publishers put zero-width spaces into long DOIs so that they
# wrap). No registered DOI contains them, and they would make the same DOI two strings.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# A DOI proxy URL's path ends at its first raw "?" or "#": what follows is the proxy's (or a copied link's)
# query (?noredirect, ?locatt=..., ?via%3Dihub) or a fragment (#abstract0). A "?" or "#" inside a DOI is
# written %3F / %23 in its URL (DOI Handbook 3.8.3).
_PROXY_QUERY = re.compile(r"(\bdoi\.org/[^\s?#]*)[?#]\S*", re.IGNORECASE)
# A link resolver's URL (OpenURL: ...?sid=x&rft_id=info:doi/10.1000/abc&rft.date=2020) carries the DOI as one
# query value among others, each percent-encoded on its own: the DOI ends at the raw "&" after it.
_URL_QUERY_PART = re.compile(r"\bhttps?://([^\s?]*)\?(\S*)", re.IGNORECASE)
# A SICI DOI that Web of Science wrote with spaces around its bracket (``10.1659/0276-4741(2004)024 [ 0141:SPOCMP]2.0.CO;2``):
# cut at its first space, it would name the journal issue's DOI prefix, which several papers share.
_SPACED_SICI = re.compile(r"(\S+?)\s+\[\s*(\d+::?[0-9A-Za-z-]+\]\d+\.\d+\.[A-Za-z]{2};\d(?:-[0-9A-Za-z#])?)(?!\S)")
# A SICI DOI ends in ``;<version>-<check character>`` (``...3.0.co;2-q``): its own ``;`` is never stripped.
_SICI_END = re.compile(r";\d+-[0-9a-z#]$", re.IGNORECASE)
# A field listing several DOIs without spaces (``10.1000/a;10.1000/b``, a database's multi-valued DO field):
# a separator followed by a second DOI's start ends the first. No DOI's own suffix has that shape.
_NEXT_DOI = re.compile(r"[;,|]+(?=10\.\d{4,9}(?:\.\d+)*/)")
_LANDING_TAIL = re.compile(r"/(?:abs|abstract|full|fulltext|pdf|epdf|pdfdirect|html|summary|references|meta)/?$",
                           re.IGNORECASE)
_CLOSERS = {")": "(", "]": "[", ">": "<", "}": "{"}
_NON_WORD = re.compile(r"[\W_]+")
# Only things that look like markup (``<i>``, ``</sup>``, ``<br/>``): "p < 0.05" and "<5 years" survive.
_TAGS = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?::[A-Za-z][\w.-]*)?(?:\s[^<>]*)?/?>")
# Markup that stored text may lose: HTML's and JATS's inline and block elements and anything in the JATS or
# MathML namespaces. Closed lists, so that "<5 years and >65" in a title is never taken for a tag. A block
# element (``<p>``, ``<br/>``, ``<jats:title>``) becomes a space, an inline one (``<i>``, ``<sub>``) nothing.
_INLINE_NAMES = ("i|b|u|em|strong|sup|sub|inf|sc|scp|small|big|tt|code|span|font|a|abbr|italic|bold|underline|"
                 "inline-formula|disp-formula|monospace|roman|sans-serif|ext-link|uri|xref|named-content|math")
_BLOCK_NAMES = ("p|br|hr|div|sec|title|label|caption|list|list-item|li|ul|ol|dl|dt|dd|h[1-6]|blockquote|"
                "table|tr|td|th|abstract|trans-abstract|fn")
_MARKUP = re.compile(r"</?(?:(?P<block>(?:jats:)?(?:" + _BLOCK_NAMES + r"))|(?:jats|mml):[A-Za-z][\w.-]*|(?:"
                     + _INLINE_NAMES + r"))(?:\s[^<>]*)?/?>", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#x[0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SPACES = re.compile(r"[ \t\u00a0]{2,}")
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a]")
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`´](?=\w)")
_PMID_LABELLED = re.compile(r"(?:pmid|pubmed(?:\s*id)?|pubmed\.ncbi\.nlm\.nih\.gov|europepmc\.org/(?:article|abstract)/med)"
                            r"\W{0,5}(\d{1,9})\b", re.IGNORECASE)
# A PubMed Central id beside the PMID (``12345678; PMCID: PMC1234567``): its number is not a PMID candidate.
_PMCID = re.compile(r"\b(?:pmcid\W{0,5})?pmc\d+\b", re.IGNORECASE)
# A PMID column that went through a spreadsheet or pandas as a number: ``12345678.0``.
_FLOAT_ID = re.compile(r"(\d+)\.0+")
# ERIC numbers (the accession numbers of the US Education Resources Information Center): EJ for a journal
# article, ED for any other document (reports, grey literature), then six or seven digits as ERIC writes them
# (ED012345 keeps its zero). One number names one work on every platform that serves ERIC.
# What a source may write before the number: "ERIC Number: EJ956651" (Zotero), "ERIC #: …" (ERIC's portal before
# 2013), "ERIC: …", "Accession Number: EJ…" (EBSCOhost's notes; ERIC's own help calls the ERIC number so).
_ERIC_LABEL = (r"(?:ERIC(?:[ \t]*(?:Number|No\.?|#|ID|Accession[ \t]*Number))?|Accession[ \t]*Number)"
               r"(?:[ \t]*[:#][ \t]*|[ \t]+)")
_ERIC_WRITTEN = re.compile(r"(?:" + _ERIC_LABEL + r")?(E[JD])[ \t]?(\d{6,7})", re.IGNORECASE)
_ERIC_NAMED = re.compile(r"(?<![\w-])" + _ERIC_LABEL + r"(E[JD])[ \t]?(\d{6,7})(?!\w)", re.IGNORECASE)
# Links to a work's ERIC record: eric.ed.gov's ``?id=`` (and ``accno=`` of its portal before 2013), the full
# text ERIC serves (files.eric.ed.gov/fulltext/ED….pdf), and EBSCOhost's link into its ERIC database
# (login.aspx?direct=true&db=eric&AN=EJ…, also through a library proxy: search-ebscohost-com.proxy…).
_ERIC_SITE = re.compile(r"(?:https?://)?(?:www\.)?eric\.ed\.gov/[^\s?#]*\?(?:[^\s#]*&)?(?:id|accno)=(E[JD]\d{6,7})"
                        r"(?![\w])", re.IGNORECASE)
_ERIC_FULLTEXT = re.compile(r"(?:https?://)?files\.eric\.ed\.gov/fulltext/(E[JD]\d{6,7})\.pdf\b", re.IGNORECASE)
_EBSCO_LINK = re.compile(r"(?:https?://)?[\w.-]*ebscohost[\w.-]*/\S*", re.IGNORECASE)
_EBSCO_ERIC_DB = re.compile(r"[?&#]db=eric(?![\w])", re.IGNORECASE)
_EBSCO_AN = re.compile(r"[?&#]AN=(E[JD]\d{6,7})(?![\w])", re.IGNORECASE)

# Letters that NFKD does not reduce to ASCII.
_SPELLED = {
    "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i", "ħ": "h",
    "&": " and ", "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi",
    "ο": "omicron", "π": "pi", "ρ": "rho", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "µ": "mu",
}
_SPELL_TABLE = str.maketrans(_SPELLED)
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten", "dos",
              "das", "het", "op", "zu", "st", "mc", "mac", "al", "el", "bin", "ibn"}


def normalize_doi(value: str | None) -> str | None:
    """The canonical form of a DOI: ``https://doi.org/10.1000/ABC`` -> ``10.1000/abc``; None without one.

    A DOI is ``10.<registrant>/<suffix>`` where the suffix may hold any printable character, so nothing
    valid is ever cut: SICI DOIs such as ``10.1002/(sici)1097-4679(199711)53:7<657::aid-jclp3>3.0.co;2-f``
    keep their ``()<>:;#``, and unicode suffixes are kept (NFC, lower-cased: DOIs are case-insensitive).
    Accepted around it: ``doi.org`` / ``dx.doi.org`` URLs (``http`` or ``https``), ``doi:``,
    ``info:doi/`` and ``urn:doi:`` prefixes, percent-encoding, a proxy URL's query or fragment
    (``?noredirect``, ``#abstract0``: a ``?`` or ``#`` of the DOI itself is ``%3F`` / ``%23`` in a URL), a
    link resolver's query (``?sid=x&rft_id=info:doi/...&...``: the DOI is the one value that holds it), HTML
    entities (``&lt;``), invisible characters copied along (zero-width spaces, soft hyphens), surrounding
    brackets, quotes or angle brackets, and trailing sentence punctuation. In free text (a note or a URL
    field) the DOI runs to the next whitespace; of a list (``10.1000/a;10.1000/b``) the first is taken.
    """
    if not value:
        return None
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", str(value))).strip()
    if "&" in text:
        text = html.unescape(text)
    if "?" in text or "#" in text:
        text = _PROXY_QUERY.sub(r"\1", text, count=1)
    text = _query_value_with_doi(text)
    if _PERCENT.search(text):
        text = unquote(text)
    start = _DOI_START.search(text)
    if start is None:
        return None
    rest = text[start.start():]
    spaced = _SPACED_SICI.match(rest)
    doi = spaced.group(1) + "[" + spaced.group(2) if spaced else (rest.split(None, 1)[0] if rest.strip() else "")
    doi = _NEXT_DOI.split(doi, 1)[0]
    before = text[: start.start()]
    doi = _strip_wrapping(doi, before)
    if "://" in before and "doi.org" not in before.lower():
        # a publisher's landing page (.../doi/10.1111/x.y/abstract?via=z): its path and query are not the DOI
        doi = _LANDING_TAIL.sub("", doi.split("?", 1)[0])
    doi = doi.lower()
    return doi if _DOI_SHAPE.match(doi) else None


def _query_value_with_doi(text: str) -> str:
    """The one query value of a URL that holds the DOI (still encoded), when the DOI is not in its path."""
    url = _URL_QUERY_PART.search(text)
    if url is None or "&" not in url.group(2) or _DOI_START.search(unquote(url.group(1))):
        return text
    for part in url.group(2).split("&"):
        value = part.partition("=")[2]
        if _DOI_START.search(unquote(value)):
            return value
    return text


def _strip_wrapping(doi: str, before: str) -> str:
    """Drop what surrounds a DOI in text: trailing punctuation, and a closing quote or bracket whose
    opening stands before the DOI (one opened inside the DOI is part of it)."""
    while doi:
        last = doi[-1]
        if last in ".,;" and not _SICI_END.search(doi):
            doi = doi[:-1]
        elif last in "\"'”’" and before.rstrip()[-1:] in "\"'“‘":
            doi = doi[:-1]
        elif last in _CLOSERS and doi.count(last) > doi.count(_CLOSERS[last]):
            doi = doi[:-1]
        else:
            return doi
    return doi


def normalize_pmid(value: str | int | None) -> str | None:
    """``https://pubmed.ncbi.nlm.nih.gov/123``, ``PMID: 123`` or ``123`` -> ``123``.

    Also a Europe PMC ``/MED/123`` link, and ``123.0`` (a PMID column read as numbers by a spreadsheet or
    pandas). A value with several numbers counts only when one is labelled as a PMID (``PMID: 1; PMCID:
    PMC2`` gives ``1``) or is the only one beside a PMCID (``1; PMC2`` gives ``1``); otherwise None.
    """
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return str(value) if value > 0 else None
    text = str(value).strip()
    if as_float := _FLOAT_ID.fullmatch(text):
        text = as_float.group(1)
    labelled = _PMID_LABELLED.search(text)
    if labelled:
        digits = labelled.group(1)
    else:
        text = _PMCID.sub(" ", text)
        numbers = re.findall(r"\d+", text)
        if len(numbers) != 1 or re.search(r"[A-Za-z]{2,}", text.replace("MEDLINE", "")):
            return None
        digits = numbers[0]
    return digits.lstrip("0") or None


def pmid_named_in(value: str | None) -> str | None:
    """The PMID in free text that says it is one (a note "PMID: 123", "PubMed ID: 123", a PubMed link); None
    when the text does not mention PubMed or a PMID, so that another number in a note is not taken for one."""
    if not value or not re.search(r"pubmed|pmid", str(value), re.IGNORECASE):
        return None
    return normalize_pmid(value)


def normalize_eric_id(value: str | None) -> str | None:
    """``EJ1234567``, ``ej 1234567``, ``ERIC Number: ED590123``, ``https://eric.ed.gov/?id=ED590123`` ->
    ``EJ1234567`` / ``ED590123``; None unless the value is one ERIC number.

    An ERIC number is ``EJ`` or ``ED`` and six or seven digits. Accepted around it: any case, a space after
    the two letters, a label (``ERIC:``, ``ERIC Number:``, ``ERIC #``, ``Accession Number:``), and a link that
    names it: eric.ed.gov's ``?id=`` (``accno=`` on its portal before 2013), its full-text PDF, EBSCOhost's
    ``db=eric&AN=…`` link. Anything else (five or eight digits, another prefix, a number among other text) is
    None: a field that merely contains such a string (a report number, a title) is not read as one.
    """
    if not value:
        return None
    text = str(value).strip()
    linked = eric_id_in_link(text)
    if linked or "://" in text or "eric.ed.gov" in text.lower():
        return linked if linked and _whole_link(text) else None
    written = _ERIC_WRITTEN.fullmatch(text)
    return f"{written.group(1)}{written.group(2)}".upper() if written else None


def _whole_link(text: str) -> bool:
    """Whether a value is one link (no text around it)."""
    return len(text.split()) == 1


def eric_id_in_link(url: str | None) -> str | None:
    """The ERIC number a link names: ``https://eric.ed.gov/?id=EJ956651``, ``http://www.eric.ed.gov/
    ERICWebPortal/detail?accno=EJ956651``, ``https://files.eric.ed.gov/fulltext/ED503346.pdf``, or EBSCOhost's
    ``…/login.aspx?direct=true&db=eric&AN=ED553658&site=ehost-live``; None for any other link (EBSCOhost's
    link into another database names that database's accession number)."""
    if not url:
        return None
    text = str(url)
    found = _ERIC_SITE.search(text) or _ERIC_FULLTEXT.search(text)
    if found:
        return found.group(1).upper()
    for link in _EBSCO_LINK.findall(text):
        number = _EBSCO_AN.search(link)
        if number and _EBSCO_ERIC_DB.search(link):
            return number.group(1).upper()
    return None


def eric_id_named_in(value: str | None) -> str | None:
    """The ERIC number in free text that says it is one (a note "ERIC Number: EJ956651", EBSCOhost's
    "Accession Number: EJ1221234; Source Info: …", an ERIC link); None when the text names none, or names
    two different ones."""
    if not value:
        return None
    text = str(value)
    found = {f"{m.group(1)}{m.group(2)}".upper() for m in _ERIC_NAMED.finditer(text)}
    if linked := eric_id_in_link(text):
        found.add(linked)
    return found.pop() if len(found) == 1 else None


def eric_id_in_fields(values) -> str | None:
    """The one ERIC number a record's stored source fields name: a field that is an ERIC number as a whole
    (``OID - ED590123``, EBSCOhost's ``AN``, its BibTeX key), one that says it is one, or an ERIC link; None
    when they name none, or two different ones. For data read before lsr kept ERIC numbers (its migration)."""
    found: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            continue
        whole = normalize_eric_id(value)
        named = whole or eric_id_named_in(value)
        if named:
            found.add(named)
    return found.pop() if len(found) == 1 else None


def normalize_openalex_id(value: str | None) -> str | None:
    """``https://openalex.org/W123``, ``https://api.openalex.org/works/w123?select=id``, ``openalex:W123``
    or ``W123`` -> ``W123``; None unless it is a work id."""
    if not value:
        return None
    text = re.split(r"[?#]", str(value).strip(), maxsplit=1)[0].rstrip("/")
    short = re.split(r"[/:]", text)[-1].upper()
    return short if re.fullmatch(r"W\d+", short) else None


def plain_text(value: str | None) -> str:
    """A title or abstract without markup: ``"<jats:p>Effects of <i>E. coli</i> &amp; H<sub>2</sub>O</jats:p>"``
    -> ``"Effects of E. coli & H2O"``.

    HTML entities are resolved (twice where a source escaped them twice: ``&amp;lt;``); inline elements
    (``<i>``, ``<sub>``, ``<scp>``) go without a trace, block elements (``<p>``, ``<br/>``, ``<jats:title>``)
    become a space; runs of spaces become one. Text that only looks like markup stays: "p < 0.05", "<5 years".
    """
    if not value:
        return ""
    text = str(value)
    for _ in range(2):
        if "&" not in text or not _ENTITY.search(text):
            break
        text = html.unescape(text)
    if "<" in text and _MARKUP.search(text):
        text = _MARKUP.sub(lambda m: " " if m.group("block") else "", text)
        text = _SPACES.sub(" ", text)
    return text.strip()


# What exports write where a field is empty: Scopus's bracketed notes, R's NA (an export written from R).
_PLACEHOLDERS = frozenset({
    "[no abstract available]", "no abstract available", "[abstract not available]", "abstract not available",
    "[no title available]", "[no author name available]", "[anonymous]", "na", "n/a", "null", "none",
})


def is_placeholder(value: str | None) -> bool:
    """Whether a field holds an export's placeholder for "empty" (``[No abstract available]``, ``NA``)."""
    return bool(value) and value.strip().lower() in _PLACEHOLDERS


def fold_text(value: str | None) -> str:
    """Lowercase text with HTML entities and tags resolved, diacritics removed, special letters spelled."""
    if not value:
        return ""
    text = str(value)
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if "<" in text:
        text = _TAGS.sub(" ", text)
    text = text.lower()
    if text.isascii():
        return text.replace("&", " and ") if "&" in text else text
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text.translate(_SPELL_TABLE)


def title_words(title: str | None) -> list[str]:
    """A title as folded words: ``"Children's <i>well-being</i>"`` -> ``["childrens", "well", "being"]``."""
    text = _APOSTROPHES.sub("", fold_text(title))
    return [w for w in _NON_WORD.split(text) if w]


def title_key(title: str | None) -> str:
    """The compact de-duplication key of a title: folded letters and digits without spaces.

    ``"The <i>Self-Esteem</i> of Children: A Review."`` and ``"the self esteem of children - a review"``
    both give ``"theselfesteemofchildrenareview"``.
    """
    return "".join(title_words(title))


def name_tokens(name: str | None) -> list[str]:
    """Folded alphanumeric parts of a personal name, initials included: ``"García-López, M.J."`` ->
    ``["garcia", "lopez", "m", "j"]``."""
    return [t for t in _NON_WORD.split(_APOSTROPHES.sub("", fold_text(name))) if t]


def first_author_key(authors: list[str] | tuple[str, ...]) -> str:
    """Family name of the first author, folded and joined: "Smith, J.", "John Smith" and "Smith JA" all
    give "smith"; "van der Berg, A." and "A. van der Berg" both give "vanderberg"."""
    if not authors:
        return ""
    return family_name(authors[0])


def family_name(name: str | None) -> str:
    """The family name of one author, folded, particles kept and joined (see ``first_author_key``)."""
    folded = fold_text(name).strip()
    if not folded:
        return ""
    if "," in folded:
        family = folded.split(",", 1)[0]
        return "".join(name_tokens(family))
    parts = name_tokens(folded)
    if not parts:
        return ""
    raw = [t for t in re.split(r"[\s.]+", str(name).strip()) if t]
    shouting = str(name).isupper()  # "LEE JA": a three-letter token may be a family name
    if len(parts) > 1 and len(raw) > 1 and _is_initials(raw[-1], shouting) and not _is_initials(raw[0], shouting):
        # "Smith J" / "Smith JA" / "van Manen MJG" / "Li X" (PubMed, Scopus): family name first, initials last.
        end = len(raw)
        while end > 1 and _is_initials(raw[end - 1], shouting):
            end -= 1
        return "".join(t for part in raw[:end] for t in name_tokens(part))
    # "John Smith", "J. A. Smith", "Anna van der Berg": family name last, with its particles.
    start = len(parts) - 1
    while start > 1 and parts[start - 1] in _PARTICLES:
        start -= 1
    return "".join(parts[start:])


# Words that make an author an organisation, whose name is kept whole ("Nederlands Jeugdinstituut", "World
# Health Organization", "Gezondheidsraad"): English and Dutch words on their own, and the Dutch compound
# heads ("Jeugd|instituut", "Plan|bureau") when they end a longer word.
_ORGANISATION_WORDS = {
    "institute", "institution", "institut", "instituut", "commissie", "university", "universiteit", "ministry", "ministerie", "department",
    "council", "centre", "center", "centrum", "foundation", "stichting", "association", "vereniging",
    "organisation", "organization", "agency", "society", "group", "committee", "commission", "office", "trust",
    "network", "netwerk", "consortium", "collaboration", "collaborative", "board", "authority", "autoriteit",
    "government", "overheid", "bureau", "team", "investigators", "initiative", "alliance", "federation",
    "federatie", "inc", "ltd", "llc", "gmbh", "laboratory", "hospital", "ziekenhuis", "gemeente",
    "municipality", "hogeschool", "inspectie", "inspectorate", "programme", "program", "project", "rivm",
    "ggd", "cbs", "nji", "zonmw", "oecd", "unesco", "unicef",
}
_ORGANISATION_HEADS = ("instituut", "institut", "raad", "bureau", "centrum", "stichting", "vereniging",
                       "ministerie", "universiteit", "hogeschool", "dienst", "inspectie", "platform",
                       "netwerk", "autoriteit", "fonds", "collectief", "groep", "commissie", "gemeente")


def is_organisation(name: str | None) -> bool:
    """Whether an author name is an organisation ("Nederlands Jeugdinstituut", "RIVM", "OECD Publishing")."""
    words = name_tokens(name)
    return any(w in _ORGANISATION_WORDS or any(w.endswith(h) and len(w) > len(h) for h in _ORGANISATION_HEADS)
               for w in words)


def _name_parts(text: str) -> tuple[list[str], list[str]]:
    """``(family words, given words)`` of one personal name as written, read as ``family_name`` reads it:
    the comma form ("van den Akker, E." and "Akker, E. van den"), family name first with initials last
    ("van Manen MJG"), or family name last with its particles ("Erica L T van den Akker")."""
    if "," in text:
        family, given = (p.strip() for p in text.split(",", 1))
        words = given.split()
        dropped: list[str] = []
        while len(words) > 1 and words[-1].lower() in _PARTICLES:  # "Akker, E. van den"
            dropped.insert(0, words.pop())
        return [*dropped, *family.split()], words
    raw = text.split()
    shouting = text.isupper()
    if len(raw) > 1 and _is_initials(raw[-1].replace(".", ""), shouting) and \
            not _is_initials(raw[0].replace(".", ""), shouting):
        end = len(raw)  # "van Manen MJG": family name first, initials last
        while end > 1 and _is_initials(raw[end - 1].replace(".", ""), shouting):
            end -= 1
        return raw[:end], raw[end:]
    start = len(raw) - 1  # "Erica L T van den Akker": family name last, with its particles
    while start > 1 and raw[start - 1].lower() in _PARTICLES:
        start -= 1
    return raw[start:], raw[:start]


def family_name_as_written(name: str | None) -> str:
    """The family name of one author as it is shown on its own, in "Aronson 1948"-style labels.

    The same reading as ``family_name`` (comma form, "Smith JA" with initials last, "First Last" with the
    family name last), but spelled as written and with its particles: "Erica L T van den Akker" and
    "van den Akker, E." give "Van den Akker", "Jan de Vries" gives "De Vries" (Dutch convention: a
    surname that stands without first name or initials starts with a capital, its particle included),
    "Akker, E. van den" gives "Van den Akker". An organisation (``is_organisation``) is kept whole.
    """
    text = " ".join(html.unescape(str(name or "")).split())
    if not text:
        return ""
    if is_organisation(text):
        return text
    words = _name_parts(text)[0]
    if not words:
        return text
    first = words[0]
    return " ".join([first[:1].upper() + first[1:], *words[1:]])


def citation_name(name: str | None) -> str:
    """One author as a reference list shows it: family name as written, then initials without full stops
    (the Vancouver style PubMed uses), whatever form the source gave: "Smith, John A.", "John A. Smith",
    "Smith J.A." and "Smith JA" all give "Smith JA"; "Jean-Pierre Dupont" gives "Dupont JP"; "Erica van den
    Akker" and "Akker, E. van den" give "van den Akker E". An organisation is kept whole; a name without
    given names or initials is kept as written."""
    text = " ".join(html.unescape(str(name or "")).split())
    if not text or is_organisation(text):
        return text
    family, given = _name_parts(text)
    if not family:
        return text
    initials = "".join(_initials_of(word, text.isupper()) for word in given)
    return " ".join(family) + (f" {initials}" if initials else "")


def _initials_of(word: str, shouting: bool) -> str:
    """"John" -> "J", "Jean-Pierre" -> "JP", "J.A." -> "JA", "JA" (initials already) -> "JA"."""
    bare = word.replace(".", "")
    if _is_initials(bare, shouting):
        return bare.replace("-", "")
    return "".join(part[:1].upper() for part in re.split(r"[.\-]+", word) if part[:1].isalpha())


def _is_initials(token: str, shouting: bool = False) -> bool:
    """"J", "JA", "J-P", "MJG" are initials (upper case, at most three letters; at most two when the whole
    name is in capitals); "Li", "Wei" are not."""
    letters = token.replace("-", "")
    if not (letters.isalpha() and letters.isupper()):
        return False
    return 0 < len(letters) <= (2 if shouting else 3)
