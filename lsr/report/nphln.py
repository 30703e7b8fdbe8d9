"""The NPHLN programme's themes and twelve goals, in Dutch and English, for the portfolio overview.

Source: ``NPHLN.md`` (programme outline 2020, route map 2021). Goal numbers are the ones protocols use in
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

GOALS: dict[int, dict[str, str]] = {
    1: {
        "nl": "Aandeel bewoners in passende, duurzame en betaalbare woningen stijgt naar het landelijk "
        "gemiddelde",
        "en": "Share of residents in suitable, sustainable, affordable housing rises to the national average",
    },
    2: {
        "nl": "De fysieke inrichting van Heerlen-Noord draagt bij aan een gezonde leefomgeving",
        "en": "The physical layout of Heerlen-Noord contributes to a healthy living environment",
    },
    3: {
        "nl": "Bewoners zijn trots op hun wijk; de leefbaarheid stijgt naar het landelijk gemiddelde",
        "en": "Residents are proud of their neighbourhood; liveability rises to the national average",
    },
    4: {
        "nl": "Aandeel mensen in de bijstand daalt naar het landelijk gemiddelde",
        "en": "Share of people on social assistance falls to the national average",
    },
    5: {
        "nl": "Aandeel werkende armen daalt naar het landelijk gemiddelde",
        "en": "Share of working poor falls to the national average",
    },
    6: {
        "nl": "Ieder kind kan gebruikmaken van een intensief taal- en ontwikkelaanbod",
        "en": "Every child can use an intensive language and development offer",
    },
    7: {
        "nl": "Alle kinderen en jongeren kunnen hun talenten ontwikkelen in verrijkt onderwijs",
        "en": "All children and young people can develop their talents in enriched education",
    },
    8: {
        "nl": "Bewoners zijn weerbaar tegen georganiseerde criminaliteit",
        "en": "Residents are resilient against organised crime",
    },
    9: {
        "nl": "Aandeel bewoners in een sociaal veilige wijk stijgt naar het landelijk gemiddelde",
        "en": "Share of residents living in a socially safe neighbourhood rises to the national average",
    },
    10: {
        "nl": "Ouders en verzorgers zijn weerbaar en in staat hun kinderen gezond op te voeden",
        "en": "Parents and carers are resilient and able to raise their children healthily",
    },
    11: {
        "nl": "Ieder kind in Heerlen-Noord krijgt een kansrijke start",
        "en": "Every child in Heerlen-Noord gets a promising start",
    },
    12: {
        "nl": "Aandeel kinderen en jongeren dat zich mentaal en fysiek gezond voelt stijgt naar het "
        "landelijk "
        "gemiddelde",
        "en": "Share of children and young people who feel mentally and physically healthy rises to the "
        "national average",
    },
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
