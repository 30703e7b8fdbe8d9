"""Language for the reports: number, date and plural formatting, and the fixed words in Dutch and English.

Sentences that depend on counts are assembled in ``lsr.report.summary`` and ``lsr.report.prose`` from
the templates here. Dutch is written for the NPHLN programme bureau (plain words, no jargon without an
explanation); English for researchers.
"""

from __future__ import annotations

from datetime import date, datetime

LANGS = ("nl", "en")
MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
SCHEDULE = {
    "nl": {
        "daily": "dagelijks",
        "weekly": "wekelijks",
        "monthly": "maandelijks",
        "quarterly": "elk kwartaal",
    },
    "en": {"daily": "daily", "weekly": "weekly", "monthly": "monthly", "quarterly": "quarterly"},
}
STAGE = {
    "nl": {"title-abstract": "titel en samenvatting", "full-text": "volledige tekst"},
    "en": {"title-abstract": "title and abstract", "full-text": "full text"},
}
KAPPA_WORDS = {  # Landis & Koch (1977)
    "nl": ("minder dan toevallige", "geringe", "redelijke", "matige", "substantiële", "bijna volledige"),
    "en": ("poor", "slight", "fair", "moderate", "substantial", "almost perfect"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` when supported.

    Raises:
        ValueError: an unsupported language.
    """
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)} (got {lang!r})")
    return lang


def fmt_date(moment: date | datetime | None, lang: str, with_time: bool = False) -> str:
    """``23 november 2026`` (nl) or ``23 November 2026`` (en); UTC time appended when asked."""
    if moment is None:
        return "—"
    text = f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year}"
    if with_time and isinstance(moment, datetime):
        text += f", {moment:%H:%M} UTC"
    return text


def fmt_version(version: str, lang: str) -> str:
    """A protocol version written as the text writes dates (``24 november 2026``) when it is an ISO date;
    any other version string as it is."""
    try:
        return fmt_date(date.fromisoformat(str(version)), lang)
    except ValueError:
        return str(version)


def version_is_date(version: str) -> bool:
    """Whether a protocol version label is an ISO date (``2026-11-23``), the convention of lsr's protocols."""
    try:
        date.fromisoformat(str(version))
    except ValueError:
        return False
    return True


def version_phrase(version: str, lang: str, start: bool = False) -> str:
    """``protocolversie van 24 november 2026`` for a version that is a date, ``protocolversie 2`` for any
    other label (``protocol version of 24 November 2026`` / ``protocol version 2``); with a capital when it
    ``start``s a sentence."""
    if version_is_date(version):
        when = fmt_version(version, lang)
        phrase = f"protocolversie van {when}" if lang == "nl" else f"protocol version of {when}"
    else:
        phrase = f"protocolversie {version}" if lang == "nl" else f"protocol version {version}"
    return phrase[:1].upper() + phrase[1:] if start else phrase


def fmt_iso(moment: date | datetime | None) -> str:
    """``2026-03-15``: the compact, unambiguous date used in tables."""
    return moment.strftime("%Y-%m-%d") if moment else "—"


def fmt_int(n: int, lang: str) -> str:
    """Thousands grouped the way each language writes them: ``12.345`` (nl), ``12,345`` (en)."""
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "nl" else text


def fmt_dec(x: float | None, lang: str, digits: int = 2) -> str:
    """A decimal number with a decimal comma in Dutch; ``—`` for None."""
    if x is None:
        return "—"
    text = f"{x:.{digits}f}"
    return text.replace(".", ",") if lang == "nl" else text


MINUS = "\u2212"  # the minus sign typography uses; "-" is a hyphen
RANGE_WORD = {"nl": "tot", "en": "to"}


def fmt_signed(x: float | None, lang: str, digits: int = 2) -> str:
    """Like ``fmt_dec``, with a real minus sign (U+2212) for negatives: ``−0,07`` (nl), ``−0.07`` (en).

    A value that rounds to zero is written without a sign (``0,00``, not ``−0,00``).
    """
    if x is None:
        return "—"
    text = fmt_dec(x, lang, digits)
    if text.startswith("-"):
        text = text[1:]
        if any(ch not in "0,." for ch in text):
            text = MINUS + text
    return text


def fmt_range(lo: float | None, hi: float | None, lang: str, digits: int = 2, *, null: float | None = None) -> str:
    """An interval (a 95% CI, a prediction interval) in words: ``−0,07 tot 0,26`` (nl), ``−0.07 to 0.26`` (en).

    Words instead of a dash, so a negative bound never reads as ``-0,07-0,26``; negatives carry a real minus
    sign (``fmt_signed``). ``—`` when either bound is missing.

    ``null``: the effect's no-effect value (1 for a ratio, 0 for a difference). A bound on one side of it that
    would round onto it gets the decimals that show which side it is on (``0,52 tot 0,9996``, not ``0,52 tot
    1,00``): whether an interval includes no effect is judged on the unrounded bounds, and the text must not
    show an interval that reaches the no-effect value when the judgement says it does not.
    """
    if lo is None or hi is None:
        return "—"
    return f"{fmt_bound(lo, lang, digits, null)} {RANGE_WORD[lang]} {fmt_bound(hi, lang, digits, null)}"


NULL_DIGITS = 4  # the most decimals a bound next to the no-effect value is given (0,9996)


def fmt_bound(x: float, lang: str, digits: int = 2, null: float | None = None) -> str:
    """One bound of an effect's interval (``fmt_range``): ``digits`` decimals, or as many more (up to
    ``NULL_DIGITS``) as it takes for a bound that is not the no-effect value to stay off it once rounded
    (``0,9996``, ``−0,004``). Still on it with ``NULL_DIGITS`` decimals, the bound is cut towards its own
    side (0.99999 as ``0,9999``), never rounded onto the no-effect value."""
    if null is None or x == null:
        return fmt_signed(x, lang, digits)
    for d in range(digits, NULL_DIGITS + 1):
        if round(x, d) != round(null, d):
            return fmt_signed(x, lang, d)
    step = 10 ** -NULL_DIGITS
    return fmt_signed(null - step if x < null else null + step, lang, NULL_DIGITS)


def fmt_pct(x: float | None, lang: str, digits: int = 0) -> str:
    """A fraction as a percentage: ``0.953`` -> ``95%`` (or ``95,3%`` with one digit in Dutch)."""
    if x is None:
        return "—"
    return f"{fmt_dec(100 * x, lang, digits)}%"


def share(part: int, whole: int, lang: str) -> str:
    """``part`` as a percentage of ``whole`` (``—`` when whole is zero)."""
    return fmt_pct(part / whole, lang) if whole else "—"


def plural(n: int, one: str, many: str, lang: str) -> str:
    """``1 studie`` / ``3 studies``, with the number formatted for ``lang``."""
    return f"{fmt_int(n, lang)} {one if n == 1 else many}"


def join_words(words: list[str], lang: str, conj: tuple[str, str] = ("en", "and")) -> str:
    """``a, b en c`` (nl) or ``a, b and c`` (en); ``conj`` gives the last joining word per language
    (``("of", "or")``); one word as it is, none as ``""``."""
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conj[0] if lang == 'nl' else conj[1]} " + words[-1]


def verb(n: int, one: str, many: str) -> str:
    """The singular or plural form of a word that agrees with ``n`` (``is``/``zijn``, ``was``/``were``)."""
    return one if n == 1 else many


def kappa_word(kappa: float, lang: str) -> str:
    """The Landis & Koch (1977) word for a kappa value."""
    bounds = (0.0, 0.20, 0.40, 0.60, 0.80)
    idx = sum(kappa > b for b in bounds)
    return KAPPA_WORDS[lang][idx]


WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "subtitle": "Levende systematische review · samenvatting voor het programmabureau NPHLN · stand van "
        "{date}",
        "glance": "In het kort",
        "question": "Onderzoeksvraag",
        "protocol": "Vraag en protocol",
        "population": "Populatie",
        "intervention": "Interventie",
        "comparison": "Vergelijking",
        "outcomes": "Uitkomsten",
        "include": "Insluitcriteria",
        "exclude": "Uitsluitcriteria",
        "protocol_line": "{version}. Thema: {theme}. Programmadoelen: {goals}.",
        "search": "Zoekstrategie (PRISMA-S)",
        "prisma": "PRISMA 2020-stroomdiagram",
        "changes": "Wat is er veranderd",
        "studies": "Opgenomen studies",
        "retracted_mark": "teruggetrokken",
        "awaiting": "Wachten op beoordeling van de volledige tekst",
        "progress": "Voortgang van het beoordelen en de stopregel",
        "agreement": "Overeenstemming tussen beoordelaars",
        "rounds": "Updaterondes",
        "about": "Over dit rapport",
        "box": "Onderdeel",
        "n": "Aantal",
        "col_date": "Datum",
        "col_source": "Bron",
        "col_kind": "Soort",
        "col_search": "Zoekvraag of bestand",
        "col_results": "Treffers",
        "col_new": "Nieuw",
        "col_dup": "Dubbe\u00adlingen",  # may break in a narrow column (soft hyphen)
        "col_status": "Status",
        "kind_update": "zoekactie",
        "kind_import": "import",
        "col_round": "Ronde",
        "col_period": "Periode",
        "col_runs": "Zoek\u00adacties",
        "col_screened": "Beoor\u00addeeld",
        "col_ta": "Naar volle\u00addige tekst",
        "col_ft": "Opge\u00adnomen",
        "total": "Totaal",
        "col_pair": "Beoordelaars",
        "col_agree": "Eens",
        "col_kappa": "Kappa",
        "new_mark": "nieuw",
        "note": "Notitie",
        "from_start": "begin",
        "until_now": "nu",
        "current_round": "nu",
        "query": "Zoekvraag",
        "filters": "Filters",
        "request": "Verzoek-URL",
        "fig_prisma": "PRISMA 2020-stroomdiagram voor geactualiseerde reviews, huidige ronde.",
        "fig_curve": "Gevonden relevante publicaties tegen het aantal beoordeelde publicaties.",
        "fig_runs": "Nieuwe treffers en dubbelingen per zoekactie of import (gearceerd: huidige ronde).",
        "portfolio": "Portfolio levende systematische reviews NPHLN",
        "portfolio_sub": "Overzicht per programmathema en doel · stand van {date}",
        "by_goal": "Per programmadoel",
        "no_reviews": "nog geen review",
        "summary_link": "samenvatting",
    },
    "en": {
        "subtitle": "Living systematic review · summary for researchers · as of {date}",
        "glance": "At a glance",
        "question": "Review question",
        "protocol": "Question and protocol",
        "population": "Population",
        "intervention": "Intervention",
        "comparison": "Comparison",
        "outcomes": "Outcomes",
        "include": "Inclusion criteria",
        "exclude": "Exclusion criteria",
        "protocol_line": "{version}. Theme: {theme}. Programme goals: {goals}.",
        "search": "Search strategy (PRISMA-S)",
        "prisma": "PRISMA 2020 flow diagram",
        "changes": "What changed",
        "studies": "Included studies",
        "retracted_mark": "retracted",
        "awaiting": "Awaiting full-text assessment",
        "progress": "Screening progress and stopping rule",
        "agreement": "Inter-rater agreement",
        "rounds": "Update rounds",
        "about": "About this report",
        "box": "Box",
        "n": "n",
        "col_date": "Date",
        "col_source": "Source",
        "col_kind": "Kind",
        "col_search": "Query or file",
        "col_results": "Results",
        "col_new": "New",
        "col_dup": "Dupli\u00adcates",
        "col_status": "Status",
        "kind_update": "search",
        "kind_import": "import",
        "col_round": "Round",
        "col_period": "Period",
        "col_runs": "Runs",
        "col_screened": "Screened",
        "col_ta": "Full text sought",
        "col_ft": "Included",
        "total": "Total",
        "col_pair": "Reviewers",
        "col_agree": "Agreement",
        "col_kappa": "Kappa",
        "new_mark": "new",
        "note": "Note",
        "from_start": "start",
        "until_now": "now",
        "current_round": "current",
        "query": "Query",
        "filters": "Filters",
        "request": "Request URL",
        "fig_prisma": "PRISMA 2020 flow diagram for updated reviews, current round.",
        "fig_curve": "Relevant records found against records screened.",
        "fig_runs": "New and duplicate hits per search run or import (shaded: current round).",
        "portfolio": "NPHLN portfolio of living systematic reviews",
        "portfolio_sub": "Overview by programme theme and goal · as of {date}",
        "by_goal": "By programme goal",
        "no_reviews": "no review yet",
        "summary_link": "summary",
    },
}
