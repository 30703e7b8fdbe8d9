"""The key message of a review (Dutch "kernboodschap", and English), written from the synthesis.

Under 150 words, in this order: the effect in words with its numbers (Dutch number formatting: 0,49;
95%-BI 0,34-0,70), how sure we are (uncertainty of the estimate, differences between studies, evidence
strength), what the evidence rests on (number and kind of studies, participants, Dutch or European
studies), what it means for Heerlen-Noord and what lsr cannot tell (a local evaluation), and what
changed since the previous report (new studies; whether the conclusion or the strength changed),
compared with the synthesis snapshot that report stored.
"""

from __future__ import annotations

from lsr.report.texts import fmt_date, fmt_dec, fmt_int
from lsr.synthesis.meta_analysis import RATIO, Pooled
from lsr.synthesis.service import Synthesis
from lsr.synthesis.strength import DUTCH, EUROPE, LEVELS

DESIGN_WORDS = {
    "nl": {"rct": ("gerandomiseerd", "gerandomiseerd"), "quasi-experimental": ("quasi-experimenteel",) * 2,
           "cohort": ("cohortstudie", "cohortstudies"), "case-control": ("patiënt-controlestudie",
                                                                          "patiënt-controlestudies"),
           "before-after": ("voor-en-nameting", "voor-en-nametingen"),
           "cross-sectional": ("dwarsdoorsnedestudie", "dwarsdoorsnedestudies"),
           "qualitative": ("kwalitatief", "kwalitatief"), "other": ("ander ontwerp", "ander ontwerp"),
           "unknown": ("ontwerp onbekend", "ontwerp onbekend")},
    "en": {"rct": ("randomised", "randomised"), "quasi-experimental": ("quasi-experimental",) * 2,
           "cohort": ("cohort", "cohort"), "case-control": ("case-control",) * 2,
           "before-after": ("before-after",) * 2, "cross-sectional": ("cross-sectional",) * 2,
           "qualitative": ("qualitative",) * 2, "other": ("other design",) * 2,
           "unknown": ("design unknown",) * 2},
}


def fmt_effect(x: float | None, lang: str) -> str:
    """An effect with two decimals (decimal comma in Dutch)."""
    return fmt_dec(x, lang, 2)


def effect_text(p: Pooled, lang: str) -> str:
    """``RR 0,49; 95%-BI 0,34-0,70`` (nl) or ``RR 0.49; 95% CI 0.34-0.70`` (en)."""
    ci = "95%-BI" if lang == "nl" else "95% CI"
    return (f"{p.measure} {fmt_effect(p.estimate, lang)}; {ci} {fmt_effect(p.ci_low, lang)}-"
            f"{fmt_effect(p.ci_high, lang)}")


def _size(p: Pooled, lang: str) -> str:
    nl = lang == "nl"
    est, what = p.estimate, p.outcome
    if p.measure in RATIO:
        pct = round(abs(1 - est) * 100)
        word = ("lager" if est < 1 else "hoger") if nl else ("lower" if est < 1 else "higher")
        kind = "kans" if p.measure == "RR" else "kans (odds)"
        if nl:
            return f"is de {kind} op {what} gemiddeld {pct}% {word}"
        return f"the {'risk' if p.measure == 'RR' else 'odds'} of {what} is on average {pct}% {word}"
    if p.measure == "SMD":
        d = abs(est)
        idx = 0 if d < 0.2 else 1 if d < 0.5 else 2 if d < 0.8 else 3
        size = (("verwaarloosbaar", "klein", "middelgroot", "groot") if nl
                else ("negligible", "small", "moderate", "large"))[idx]
        word = ("hoger" if est > 0 else "lager") if nl else ("higher" if est > 0 else "lower")
        return f"is {what} gemiddeld {word} (een {size} verschil)" if nl else \
            f"{what} is on average {word} (a {size} difference)"
    word = ("hoger" if est > 0 else "lager") if nl else ("higher" if est > 0 else "lower")
    return f"is {what} gemiddeld {fmt_effect(abs(est), lang)} {word}" if nl else \
        f"{what} is on average {fmt_effect(abs(est), lang)} {word}"


def _certain(p: Pooled) -> bool:
    return not (p.ci_low <= p.null <= p.ci_high)


def _designs(s: Synthesis, lang: str) -> str:
    parts = []
    for design, n in sorted(s.designs.items(), key=lambda kv: -kv[1]):
        one, many = DESIGN_WORDS[lang].get(design, (design, design))
        parts.append(f"{n} {one if n == 1 else many}")
    return ", ".join(parts)


def _origin(p: Pooled, lang: str) -> str:
    countries = [(x.country or "").strip().lower() for x in p.studies]
    dutch, europe = sum(c in DUTCH for c in countries), sum(c in EUROPE for c in countries)
    if lang == "nl":
        return "geen uit Nederland" + ("" if dutch else (f", {europe} uit Europa" if europe else " of Europa")) \
            if not dutch else f"{dutch} uit Nederland"
    return "none from the Netherlands" + (f", {europe} from Europe" if europe else " or Europe") \
        if not dutch else f"{dutch} from the Netherlands"


def changes_sentence(s: Synthesis, previous: dict | None, previous_at, lang: str) -> str:
    """What changed since the previous report: new studies, and whether conclusion or strength changed."""
    nl = lang == "nl"
    if previous_at is None:
        return "Dit is het eerste rapport met deze review." if nl else "This is the first report of this review."
    when = fmt_date(previous_at, lang)
    if previous is None:
        return (f"Het vorige rapport ({when}) had nog geen effectsynthese." if nl
                else f"The previous report ({when}) had no effect synthesis yet.")
    new = s.extracted - int(previous.get("extracted", 0))  # studies whose data entered the synthesis
    studies = (f"{fmt_int(new, lang)} nieuwe {'studie' if new == 1 else 'studies'} in de synthese" if nl
               else f"{fmt_int(new, lang)} new {'study' if new == 1 else 'studies'} in the synthesis") if new > 0 \
        else ("geen nieuwe studies in de synthese" if nl else "no new studies in the synthesis")
    main = s.main.pooled if s.main else None
    before = next((o for o in previous.get("outcomes", []) if main and o["outcome"].lower() == main.outcome.lower()
                   and (o.get("measure") or "") == main.measure), None)
    if main is None or before is None:
        verdict = ("de hoofduitkomst is nieuw" if nl else "the main outcome is new")
    else:
        then_sure = before.get("estimate") is not None and not (before["ci_low"] <= main.null <= before["ci_high"])
        now_sure = main.estimate is not None and _certain(main)
        same_dir = before.get("estimate") is None or main.estimate is None or \
            ((before["estimate"] < main.null) == (main.estimate < main.null))
        conclusion = then_sure == now_sure and same_dir
        level_then, level_now = before.get("strength"), s.main.strength.level
        if nl:
            verdict = "de conclusie is " + ("niet veranderd" if conclusion else "veranderd")
            verdict += (", de bewijskracht ook niet" if conclusion else ", de bewijskracht niet") \
                if level_then == level_now else \
                f"; de bewijskracht ging van {LEVELS['nl'].get(level_then, '?')} naar {LEVELS['nl'][level_now]}"
        else:
            verdict = "the conclusion " + ("is unchanged" if conclusion else "changed")
            verdict += (" and so is the strength" if conclusion else "; the strength did not") \
                if level_then == level_now else \
                f"; the strength went from {LEVELS['en'].get(level_then, '?')} to {LEVELS['en'][level_now]}"
    return (f"Sinds het vorige rapport ({when}): {studies}; {verdict}." if nl
            else f"Since the previous report ({when}): {studies}; {verdict}.")


def key_message(s: Synthesis, protocol, lang: str, previous: dict | None = None, previous_at=None) -> str:
    """The key message of one review in ``lang`` (``nl`` or ``en``), under 150 words."""
    nl = lang == "nl"
    out: list[str] = []
    main = s.main
    if s.included == 0:
        out.append("Er zijn nog geen studies opgenomen: over het effect valt nog niets te zeggen." if nl else
                   "No study has been included yet: nothing can be said about the effect so far.")
    elif main is None or main.pooled.k == 0:
        out.append(
            f"{fmt_int(s.included, lang)} {'studie is' if s.included == 1 else 'studies zijn'} opgenomen, maar "
            "hun uitkomsten zijn nog niet verwerkt: over het effect valt nog niets te zeggen." if nl else
            f"{fmt_int(s.included, lang)} {'study is' if s.included == 1 else 'studies are'} included, but their "
            "results have not been extracted yet: nothing can be said about the effect so far.")
    else:
        p, st = main.pooled, main.strength
        if p.estimate is None:
            e = p.studies[0]
            out.append(
                f"Er is maar één studie met een effect op {p.outcome} ({p.measure} {fmt_effect(e.estimate, lang)}): "
                "te weinig om een gemiddeld effect te berekenen." if nl else
                f"Only one study reports an effect on {p.outcome} ({p.measure} {fmt_effect(e.estimate, lang)}): "
                "too few to pool.")
        else:
            first = f"Met de onderzochte aanpak {_size(p, lang)} ({effect_text(p, lang)})." if nl else \
                f"With the intervention, {_size(p, lang)} ({effect_text(p, lang)})."
            out.append(first[0].upper() + first[1:])
            if not _certain(p):
                out.append("Maar dit is onzeker: het interval omvat ook geen effect." if nl else
                           "But this is uncertain: the interval includes no effect.")
            if p.pi_low is not None and p.pi_low <= p.null <= p.pi_high:
                out.append("De studies verschillen sterk; in een nieuwe situatie kan het effect ook uitblijven." if nl
                           else "Studies differ widely; in a new setting the effect may not appear.")
        out.append(f"De bewijskracht is {st.word('nl')}." if nl else f"The strength of evidence is {st.word('en')}.")
        n = f", samen {fmt_int(p.n, lang)} deelnemers" if nl and p.n else (
            f", {fmt_int(p.n, lang)} participants in all" if p.n else "")
        out.append(f"Dit rust op {fmt_int(s.extracted, lang)} studies ({_designs(s, lang)}){n}; "
                   f"{_origin(p, lang)}." if nl else
                   f"This rests on {fmt_int(s.extracted, lang)} studies ({_designs(s, lang)}){n}; {_origin(p, lang)}.")
        if p.estimate is not None and _certain(p) and st.level >= 3:
            meaning = "Voor Heerlen-Noord is de aanpak daarmee kansrijk" if nl else \
                "For Heerlen-Noord the intervention is therefore promising"
        elif p.estimate is not None and _certain(p):
            meaning = "Voor Heerlen-Noord is dit een aanwijzing, geen zekerheid" if nl else \
                "For Heerlen-Noord this is an indication, not a certainty"
        else:
            meaning = "Voor Heerlen-Noord is een effect daarmee niet aangetoond" if nl else \
                "For Heerlen-Noord an effect is therefore not shown"
        out.append(meaning + ("; of het hier even goed werkt, kan deze review niet zeggen: lokale evaluatie blijft nodig."
                              if nl else "; whether it works as well here this review cannot tell: a local "
                              "evaluation is still needed."))
    out.append(changes_sentence(s, previous, previous_at, lang))
    return " ".join(out)
