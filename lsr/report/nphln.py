"""The NPHLN programme's themes and twelve goals, in Dutch and English, for the portfolio overview.

Source of the goal and mission texts: the programme's own wording, copied verbatim from the monitoring
report mid-2024 (``../shared/nphln/000_0d462812c4e44fec.txt``, section "1 missie, 12 doelen"; the mid-2023
report ``002_8791a536577860a9.txt`` has the same list). The English is a rendering for researchers, not an
official translation. Goal numbers are the ones protocols use in
``programme_goals``; a review's theme is its protocol's ``theme`` when that names a programme theme, else
the theme of its first goal.
"""

from __future__ import annotations

THEMES: tuple[dict, ...] = (
    {
        "nl": "Talentontwikkeling en gezondheid",
        "en": "Talent development and health",
        "goals": (6, 7, 10, 11, 12),
    },
    {"nl": "Wonen en leefomgeving", "en": "Housing and living environment", "goals": (1, 2, 3)},
    {"nl": "Werk en bestaanszekerheid", "en": "Work and income security", "goals": (4, 5)},
    {"nl": "Leefbaarheid en veiligheid", "en": "Liveability and safety", "goals": (8, 9)},
)

# Dutch: verbatim from nphln/000_0d462812c4e44fec.txt ("1 missie, 12 doelen"). English: our rendering.
GOALS: dict[int, dict[str, str]] = {
    1: {
        "nl": ("Het aandeel bewoners woonachtig in een passende, duurzame en betaalbare woning groeit naar het "
               "landelijk gemiddelde."),
        "en": ("The share of residents living in a suitable, sustainable and affordable home grows to the national "
               "average."),
    },
    2: {
        "nl": "De fysieke inrichting van Heerlen-Noord draagt bij aan een gezonde leefomgeving.",
        "en": "The physical layout of Heerlen-Noord contributes to a healthy living environment.",
    },
    3: {
        "nl": "De bewoners zijn trots op hun buurt, de leefbaarheid stijgt naar het landelijk gemiddelde.",
        "en": "Residents are proud of their neighbourhood; liveability rises to the national average.",
    },
    4: {
        "nl": "Het aandeel mensen in de bijstand in Heerlen-Noord daalt naar het landelijk gemiddelde.",
        "en": "The share of people on social assistance in Heerlen-Noord falls to the national average.",
    },
    5: {
        "nl": "Het aandeel werkende armen in Heerlen-Noord daalt naar het landelijk gemiddelde.",
        "en": "The share of working poor in Heerlen-Noord falls to the national average.",
    },
    6: {
        "nl": "Ieder kind kan gebruik maken van een intensief taal- en ontwikkelaanbod.",
        "en": "Every child can make use of an intensive language and development programme.",
    },
    7: {
        "nl": "Alle kinderen en jongeren kunnen hun talenten ontwikkelen in verrijkt onderwijs.",
        "en": "All children and young people can develop their talents in enriched education.",
    },
    8: {
        "nl": "Bewoners zijn weerbaar tegen georganiseerde criminaliteit.",
        "en": "Residents are resilient against organised crime.",
    },
    9: {
        "nl": "Het aandeel bewoners woonachtig in een sociaal veilige buurt stijgt naar het landelijk gemiddelde.",
        "en": "The share of residents living in a socially safe neighbourhood rises to the national average.",
    },
    10: {
        "nl": "Ouders/verzorgers zijn veerkrachtig in staat hun kinderen gezond te laten opgroeien.",
        "en": "Parents and carers are resilient and able to let their children grow up healthily.",
    },
    11: {
        "nl": "Ieder kind in Heerlen-Noord gaat kansrijk van start.",
        "en": "Every child in Heerlen-Noord gets off to a promising start.",
    },
    12: {
        "nl": ("Het aandeel kinderen en jongeren dat zich mentaal en fysiek gezond voelt, groeit naar het landelijk "
               "gemiddelde."),
        "en": ("The share of children and young people who feel mentally and physically healthy grows to the "
               "national average."),
    },
}

MISSION = {
    "nl": "De volgende generatie jeugd groeit gezonder op, heeft betere ontwikkelkansen, heeft meer "
          "werkperspectief en een fijnere leef- en woonomgeving.",
    "en": "The next generation grows up healthier, with better chances to develop, better work prospects "
          "and a better place to live.",
}

OTHER = {"nl": "Overig (geen programmathema)", "en": "Other (no programme theme)"}


def theme_index(theme: str, goals: tuple[int, ...] | list[int]) -> int | None:
    """Index into ``THEMES`` for a review's theme text and goals, or None when neither places it."""
    key = (theme or "").strip().lower()
    for i, t in enumerate(THEMES):
        if key and key in (t["nl"].lower(), t["en"].lower()):
            return i
    for goal in goals:
        for i, t in enumerate(THEMES):
            if goal in t["goals"]:
                return i
    return None


def theme_name(index: int | None, lang: str) -> str:
    """The theme's name in ``lang`` (with its number), or the "other" heading."""
    if index is None:
        return OTHER[lang]
    label = "Thema" if lang == "nl" else "Theme"
    return f"{label} {index + 1}: {THEMES[index][lang]}"


def goal_text(goal: int, lang: str) -> str:
    """``"7. All children ..."`` in ``lang``; unknown numbers are shown as the number alone."""
    text = GOALS.get(goal, {}).get(lang)
    return f"{goal}. {text}" if text else str(goal)
