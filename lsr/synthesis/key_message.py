"""The key message of a review (Dutch "kernboodschap", and English), written from the synthesis.

Under 150 words, in this order: the effect on the main outcome in words with its numbers (Dutch number
formatting: 0,49; 95%-BI 0,34 tot 0,70; a single study's own estimate and CI when nothing is pooled), how
sure we are (uncertainty of the estimate, differences between studies by I² with the strength rule's
threshold, evidence strength), what the effect rests on (the studies of the main outcome: their number,
designs, participants (and, for a ratio from counts, how many had the outcome) and origin; how many
included studies have no extracted data yet; how many further studies do not count here and why), what it
means for Heerlen-Noord and what lsr cannot tell (a local evaluation), and what changed since the previous report
(studies that entered and left the effect estimate, ``Synthesis.effect_ids``, saying which left because
they were retracted; whether the conclusion or the strength changed), compared with the synthesis snapshot
that report stored.

The sentences name the outcome as a label, always in the same construction ("Voor de uitkomst
leerprestaties scoort de groep met de aanpak gemiddeld hoger dan de vergelijkingsgroep ...", "For the
outcome schulden, the outcome is ... less frequent in the intervention group"), so they read correctly
whatever the number or language of the outcome's name; the name is the protocol's in the message's
language when it gives one (``OutcomeResult.name``), in quotation marks when it has several words. The two
arms are always "de groep met de aanpak" and "de vergelijkingsgroep" ("the intervention group", "the
comparison group"); a ratio says how often the outcome occurs, never "risico", since the outcome may be a
desirable one.

When the protocol says which direction is favourable (``[extraction] higher_is_better``), the message says
whether the effect is favourable, in words that follow the strength of evidence (``_judged``: "Dit is
waarschijnlijk een gunstig effect." at redelijk); an effect whose 95% CI includes no effect is never called
favourable as such: only its direction is, in the sentence that says it is uncertain. A clear unfavourable
effect at redelijk or sterk does not invite a local trial.
"""

from __future__ import annotations

from lsr.report.texts import fmt_date, fmt_int, fmt_range, fmt_signed, join_words
from lsr.synthesis.meta_analysis import RATIO, Pooled
from lsr.synthesis.service import RETRACTED, OutcomeResult, Synthesis
from lsr.synthesis.strength import I2_INCONSISTENT, LEVELS, origin_counts, origin_note, studies_word

# A 95% prediction interval uses t on k-2 degrees of freedom: with 3 studies t = 12.7, with 4 t = 4.3, so
# below 5 studies it is so wide that it says little about a new setting (Cochrane Handbook 10.10.4.3
# advises caution with few studies). The key message does not word anything on it below this k, and the
# effect table says it is not shown.
PI_MIN_K = 5

MAX_WORDS = 150  # the bureau pastes the key message into its report: fewer words than this
# SMD size words: Cohen's (1988) benchmarks 0.2 / 0.5 / 0.8. Below 0.2 we say "very small", not
# "negligible": in education, effects of 0.05-0.20 from causal studies are common and count as medium
# (Kraft 2020, "Interpreting effect sizes of education interventions", Educational Researcher 49(4)).
SMD_SIZES = ((0.2, "zeer klein", "very small"), (0.5, "klein", "small"), (0.8, "middelgroot", "moderate"),
             (float("inf"), "groot", "large"))

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
    """An effect with two decimals (decimal comma in Dutch), negative with a true minus sign (−0,07)."""
    return fmt_signed(x, lang, 2)


def effect_text(p: Pooled, lang: str, ci_label: bool = True) -> str:
    """``RR 0,49; 95%-BI 0,34 tot 0,70`` (nl) or ``RR 0.49; 95% CI 0.34 to 0.70`` (en).

    A single study gives its own estimate and CI, marked ``(één studie)`` / ``(one study)``; ``—`` without
    an effect. ``ci_label=False`` for a place already headed "95%-BI": ``RR 0,49 (0,34 tot 0,70)``. A bound
    that would round onto the no-effect value keeps the decimals that show its side (``fmt_range``'s
    ``null``): ``RR 0,72; 95%-BI 0,52 tot 0,9996``.
    """
    iv = p.interval
    if iv is None:
        return "—"
    est, lo, hi = iv
    one = "" if p.estimate is not None else ("één studie" if lang == "nl" else "one study")
    ci_range = fmt_range(lo, hi, lang, null=p.null)  # 0,52 tot 0,9996: never a bound rounded onto no effect
    if not ci_label:
        return f"{p.measure} {fmt_effect(est, lang)} ({ci_range}{'; ' + one if one else ''})"
    ci = "95%-BI" if lang == "nl" else "95% CI"
    return f"{p.measure} {fmt_effect(est, lang)}; {ci} {ci_range}{f' ({one})' if one else ''}"


def quoted(name: str) -> str:
    """An outcome name of more than one word in quotation marks (‘geslaagd voor examen’), so that running
    text shows where it ends; a one-word name as it is."""
    return f"\u2018{name}\u2019" if len(name.split()) > 1 else name


def _smd_size(d: float, lang: str) -> str:
    return next(nl if lang == "nl" else en for top, nl, en in SMD_SIZES if abs(d) < top)


def _very_small(p: Pooled) -> bool:
    iv = p.interval
    return p.measure == "SMD" and iv is not None and abs(iv[0]) < SMD_SIZES[0][0]


def _effect_sentence(p: Pooled, what: str, lang: str) -> str:
    """The opening sentence: the effect on the main outcome (named ``what``) in words, then its numbers."""
    nl = lang == "nl"
    est = p.interval[0]
    numbers = effect_text(p, lang)
    if p.estimate is None:  # inside the sentence's brackets: "...; één studie", not nested brackets
        numbers = numbers.replace(" (één studie)", "; één studie").replace(" (one study)", "; one study")
    if p.measure in RATIO:  # "minder vaak", never "risico": the outcome may be a desirable one
        up = est > 1
        if p.measure == "RR":
            pct = round(abs(1 - est) * 100)
            if pct == 0:
                return (f"Voor de uitkomst {what} komt die uitkomst in beide groepen gemiddeld even vaak voor "
                        f"({numbers})." if nl else
                        f"For the outcome {what}, the outcome is on average as frequent in both groups "
                        f"({numbers}).")
            return (f"Voor de uitkomst {what} komt die uitkomst in de groep met de aanpak gemiddeld {pct}% "
                    f"{'vaker' if up else 'minder vaak'} voor ({numbers})." if nl else
                    f"For the outcome {what}, the outcome is on average {pct}% {'more' if up else 'less'} frequent "
                    f"in the intervention group ({numbers}).")
        # An odds ratio is not a change in chance (51% lower odds is not 51% lower risk): direction only.
        return (f"Voor de uitkomst {what} komt die uitkomst in de groep met de aanpak "
                f"{'vaker' if up else 'minder vaak'} voor ({numbers})." if nl else
                f"For the outcome {what}, the outcome is {'more' if up else 'less'} frequent in the intervention "
                f"group ({numbers}).")
    if round(est, 2) == 0:
        return (f"Voor de uitkomst {what} scoort de groep met de aanpak gemiddeld even hoog als de "
                f"vergelijkingsgroep ({numbers})." if nl else
                f"For the outcome {what}, the intervention group scores on average the same as the comparison "
                f"group ({numbers}).")
    word = ("hoger" if est > 0 else "lager") if nl else ("higher" if est > 0 else "lower")
    if p.measure == "SMD":
        size = _smd_size(est, lang)
        return (f"Voor de uitkomst {what} scoort de groep met de aanpak gemiddeld {word} dan de "
                f"vergelijkingsgroep (een {size} verschil; {numbers})." if nl else
                f"For the outcome {what}, the intervention group scores {word} on average than the comparison "
                f"group (a {size} difference; {numbers}).")
    amount = fmt_effect(abs(est), lang)
    return (f"Voor de uitkomst {what} scoort de groep met de aanpak gemiddeld {amount} {word} dan de "
            f"vergelijkingsgroep ({numbers})." if nl else
            f"For the outcome {what}, the intervention group scores on average {amount} {word} than the "
            f"comparison group ({numbers}).")


def _no_difference(p: Pooled) -> bool:
    """Whether the effect sentence calls the groups equal (a change under 1% for a ratio, under 0,005 for a
    difference), so there is no direction to judge."""
    est = p.interval[0]
    return round(abs(1 - est) * 100) == 0 if p.measure in RATIO else round(est, 2) == 0


def favourable(p: Pooled, higher_is_better: bool | None) -> bool | None:
    """Whether the effect's estimate lies on the favourable side of "no effect"; None when the protocol does
    not say which side that is, or the groups do not differ. Above the null means more of the outcome in the
    intervention group for every measure (RR and OR of the intervention group against the control group, MD
    and SMD as intervention minus control)."""
    if higher_is_better is None or p.interval is None or _no_difference(p):
        return None
    return (p.interval[0] > p.null) == higher_is_better


def _judgement(r: OutcomeResult, lang: str, *, direction: bool = True) -> str | None:
    """Whether the main outcome's effect is favourable, with the uncertainty sentence when its 95% CI
    includes no effect (then only the direction is called favourable, never the effect; ``direction=False``
    leaves the direction out, to keep a long message under its word limit)."""
    nl = lang == "nl"
    good = favourable(r.pooled, r.higher_is_better)
    if not _certain(r.pooled):
        good = good if direction else None
        caveat = ("dit is onzeker: het 95%-betrouwbaarheidsinterval omvat ook de waarde voor 'geen effect'." if nl
                  else "this is uncertain: the 95% confidence interval includes the no-effect value.")
        if good is None:
            return ("Maar " if nl else "But ") + caveat
        side = ("gunstige" if good else "ongunstige") if nl else ("favourable" if good else "unfavourable")
        return (f"Het effect gaat in de {side} richting, maar {caveat}" if nl else
                f"The effect points in the {side} direction, but {caveat}")
    if good is None:
        return None
    return _judged(good, r.strength.level, lang)


def _judged(good: bool, level: int, lang: str) -> str:
    """"Dit is (waarschijnlijk / mogelijk) een gunstig effect": the verb follows the strength of evidence, as
    GRADE words its conclusions (Santesso et al. 2020, J Clin Epidemiol 119:126-135): sterk states it,
    redelijk "waarschijnlijk", beperkt "mogelijk", zeer beperkt "zeer onzeker"."""
    if lang == "nl":
        word = "gunstig" if good else "ongunstig"
        return {4: f"Dit is een {word} effect.", 3: f"Dit is waarschijnlijk een {word} effect.",
                2: f"Dit is mogelijk een {word} effect; het werkelijke effect kan duidelijk anders zijn."}.get(
            level, f"Of het effect {word} is, is zeer onzeker.")
    word = "favourable" if good else "unfavourable"
    article = "a" if good else "an"
    return {4: f"This is {article} {word} effect.", 3: f"This is probably {article} {word} effect.",
            2: f"This may be {article} {word} effect; the true effect may be substantially different."}.get(
        level, f"It is very uncertain whether the effect is {word}.")


def _certain(p: Pooled) -> bool:
    """Whether the 95% CI (pooled, or the single study's) excludes the no-effect value."""
    iv = p.interval
    return iv is not None and not (iv[1] <= p.null <= iv[2])


def _new_setting(p: Pooled, higher_is_better: bool | None, lang: str) -> str:
    """"in een nieuwe situatie kan het effect ook uitblijven", and "of zelfs ongunstig uitvallen" (the other
    side's judgement when the protocol says which side is good, else "de andere kant op") when the
    prediction interval reaches beyond the null on the side opposite the estimate."""
    nl = lang == "nl"
    head = "in een nieuwe situatie kan het effect ook uitblijven" if nl else "in a new setting the effect may not appear"
    beyond = p.pi_high > p.null if p.estimate < p.null else p.pi_low < p.null
    if not beyond:
        return head
    good = favourable(p, higher_is_better)
    if good is None:
        return head + (" of zelfs de andere kant op uitvallen" if nl else ", or even go the other way")
    other = ("gunstig" if not good else "ongunstig") if nl else ("favourable" if not good else "unfavourable")
    return head + (f" of zelfs {other} uitvallen" if nl else f", or even be {other}")


def _differences(p: Pooled, lang: str, higher_is_better: bool | None = None) -> str | None:
    """A sentence on differences between the studies, from I² (and the PI only with enough studies)."""
    if p.estimate is None or p.i2 is None:
        return None
    nl = lang == "nl"
    pi_null = p.pi_low is not None and p.pi_low <= p.null <= p.pi_high
    if p.i2 >= I2_INCONSISTENT:
        if p.k < PI_MIN_K:
            tail = ("; met zo weinig studies is niet te zeggen hoe het effect in een nieuwe situatie uitvalt" if nl
                    else "; with so few studies it cannot be said how the effect turns out in a new setting")
        elif pi_null:
            tail = "; " + _new_setting(p, higher_is_better, lang)
        else:
            tail = ""
        return (f"De resultaten van de studies lopen sterk uiteen{tail}." if nl
                else f"The results of the studies differ widely{tail}.")
    if p.k >= PI_MIN_K and (p.tau2 or 0) > 0 and pi_null and _certain(p):
        return (("De studies verschillen enigszins; " if nl else "The studies differ somewhat; ")
                + _new_setting(p, higher_is_better, lang) + ".")
    return None


def _designs(counts: dict[str, int], lang: str) -> str:
    """``4 gerandomiseerd, 1 quasi-experimenteel`` from design -> number (``OutcomeResult.designs``); a
    single study's design without the number."""
    parts = []
    for design, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        one, many = DESIGN_WORDS[lang].get(design, (design, design))
        parts.append(f"{n} {one if n == 1 else many}" if sum(counts.values()) > 1 else one)
    return ", ".join(parts)


def _participants(p: Pooled, lang: str) -> str:
    ns = [e.n for e in p.studies if e.n is not None]
    if not ns:
        return ""
    total = fmt_int(sum(ns), lang)
    events = "" if p.events is None else (f", van wie {fmt_int(p.events, lang)} met de uitkomst" if lang == "nl"
                                          else f", {fmt_int(p.events, lang)} of them with the outcome")
    if p.k == 1:
        return (f", met {total} deelnemers" if lang == "nl" else f", with {total} participants") + events
    least = len(ns) < p.k
    if lang == "nl":
        return f", samen {'minstens ' if least else ''}{total} deelnemers{events}"
    return f", {'at least ' if least else ''}{total} participants in all{events}"


def _origin(p: Pooled, lang: str) -> str:
    """``1 uit Nederland, 1 uit een ander Europees land``: disjoint counts ("Europa" includes Nederland)."""
    if p.k == 1:
        return origin_note([p.studies[0].country], lang)
    dutch, other = origin_counts([x.country for x in p.studies])
    if lang == "nl":
        head = f"{dutch} uit Nederland" if dutch else "geen uit Nederland"
        return head + (f", {other} uit een ander Europees land" if other else
                       "" if dutch else " of een ander Europees land")
    head = f"{dutch} from the Netherlands" if dutch else "none from the Netherlands"
    return head + (f", {other} from another European country" if other else
                   "" if dutch else " or another European country")


def _left_out_reasons(s: Synthesis, p: Pooled, lang: str) -> str:
    """Why the extracted studies outside the main outcome's effect do not count there: "andere uitkomst",
    "geen bruikbaar effect", "teruggetrokken publicatie", only the reasons that apply."""
    pooled = {e.record_id for e in p.studies}
    described = {d.record_id: d.reason for d in s.main.described_studies}
    retracted = {d.record_id for r in s.outcomes for d in r.described_studies if d.reason == RETRACTED}
    others = s.study_ids - pooled
    kinds = []
    if any(rid not in described and rid not in retracted for rid in others):
        kinds.append("andere uitkomst" if lang == "nl" else "other outcome")
    if any(rid in described and rid not in retracted for rid in others):
        kinds.append("geen bruikbaar effect" if lang == "nl" else "no usable effect")
    if others & retracted:
        kinds.append("teruggetrokken publicatie" if lang == "nl" else "retracted publication")
    if not kinds:
        kinds = ["andere uitkomst", "geen bruikbaar effect"] if lang == "nl" else ["other outcome", "no usable effect"]
    return join_words(kinds, lang, ("of", "or"))


def _rests_on(s: Synthesis, p: Pooled, lang: str) -> str:
    """What the main outcome's effect rests on: its own studies, and how many further studies count elsewhere
    and why. When not every included study has been extracted yet, it says so first ("Van de 50 opgenomen
    studies zijn er pas 9 uitgewerkt; dit rust op 6 daarvan"): the studies behind the effect are then not
    the evidence base."""
    nl = lang == "nl"
    what = f"({_designs(s.main.designs, lang)}){_participants(p, lang)}; {_origin(p, lang)}."
    others = s.extracted - p.k
    why = _left_out_reasons(s, p, lang) if others > 0 else ""
    if s.included > s.extracted:
        inc, ext, k = fmt_int(s.included, lang), fmt_int(s.extracted, lang), fmt_int(p.k, lang)
        if nl:
            text = f"Van de {inc} opgenomen studies {'is er pas 1' if s.extracted == 1 else f'zijn er pas {ext}'} " \
                f"uitgewerkt; dit rust op {'die ene studie' if s.extracted == 1 else f'{k} daarvan'} {what}"
            if others > 0:
                text += (" De andere telt hier niet mee" if others == 1 else
                         f" De andere {fmt_int(others, lang)} tellen hier niet mee") + f" ({why})."
            return text
        text = f"Of the {inc} included studies, only {ext} {'has' if s.extracted == 1 else 'have'} been extracted " \
            f"so far; this rests on {'that one study' if s.extracted == 1 else f'{k} of them'} {what}"
        if others > 0:
            text += (" The other does not count here" if others == 1 else
                     f" The other {fmt_int(others, lang)} do not count here") + f" ({why})."
        return text
    text = (f"Dit rust op {studies_word(p.k, lang)} {what}" if nl else
            f"This rests on {studies_word(p.k, lang)} {what}")
    if others > 0:
        text += (f" Nog {studies_word(others, lang)} {'telt' if others == 1 else 'tellen'} hier niet mee ({why})."
                 if nl else  # a sentence does not start with a digit
                 f" Another {studies_word(others, lang)} {'does' if others == 1 else 'do'} not count here ({why}).")
    return text


def _meaning(p: Pooled, level: int, lang: str, good: bool | None = None) -> str:
    """What the effect means for Heerlen-Noord, and that only a local evaluation can tell whether it works
    there (not "whether it works as well here" after an effect that is not shown). ``good``: whether the
    effect is favourable (``favourable``); a shown unfavourable effect is never called promising, and with
    redelijk or sterk evidence of harm the message advises against introducing it rather than inviting a
    local evaluation."""
    nl = lang == "nl"
    if _certain(p) and level >= 3 and good is False:
        return ("Het onderzoek wijst op nadeel; invoering in Heerlen-Noord ligt daarom niet voor de hand." if nl else
                "The research points to harm; introducing the intervention in Heerlen-Noord is therefore not "
                "advisable.")
    if _certain(p) and level >= 3 and _very_small(p):
        return ("Dit wijst op een zeer klein effect. Of de aanpak in Heerlen-Noord even goed werkt, moet een "
                "lokale evaluatie uitwijzen." if nl else
                "This points to a very small effect. This review cannot tell whether it works as well in "
                "Heerlen-Noord: a local evaluation is still needed.")
    if _certain(p) and level >= 3:
        return ("Voor Heerlen-Noord is de aanpak daarmee kansrijk. Of die daar even goed werkt, moet een lokale "
                "evaluatie uitwijzen." if nl else
                "For Heerlen-Noord the intervention is therefore promising. This review cannot tell whether it "
                "works as well there: a local evaluation is still needed.")
    if _certain(p):
        return ("Dit is een aanwijzing, geen zekerheid. Of de aanpak in Heerlen-Noord werkt, moet een lokale "
                "evaluatie uitwijzen." if nl else
                "This is an indication, not a certainty. This review cannot tell whether the intervention works "
                "in Heerlen-Noord: a local evaluation is still needed.")
    return ("Een effect is daarmee niet aangetoond. Of de aanpak in Heerlen-Noord werkt, moet een lokale "
            "evaluatie uitwijzen." if nl else
            "An effect is therefore not shown. This review cannot tell whether the intervention works in "
            "Heerlen-Noord: a local evaluation is still needed.")


def _conclusion(measure: str, est: float, sure: bool, lang: str, higher_is_better: bool | None = None) -> str:
    """The conclusion in a few words, for "de conclusie is veranderd (eerder: ...; nu: ...)": "geen effect
    aangetoond", "een zeer klein positief effect" (SMD), "een positief effect" (MD), "de uitkomst komt
    minder vaak voor" (a ratio). "Positief" is the direction of the score, not a judgement; when the protocol
    says which direction is good, the words are "gunstig" / "ongunstig" instead ("een gunstig effect (de
    uitkomst komt minder vaak voor)" for a ratio)."""
    nl = lang == "nl"
    if not sure:
        return "geen effect aangetoond" if nl else "no effect shown"
    up = est > (1.0 if measure in RATIO else 0.0)
    judged = None if higher_is_better is None else up == higher_is_better
    if measure in RATIO:
        freq = (("de uitkomst komt vaker voor" if up else "de uitkomst komt minder vaak voor") if nl else
                ("the outcome is more frequent" if up else "the outcome is less frequent"))
        if judged is None:
            return freq
        return (f"een {'gunstig' if judged else 'ongunstig'} effect ({freq})" if nl else
                f"{'a favourable' if judged else 'an unfavourable'} effect ({freq})")
    if judged is None:
        sign = ("positief" if up else "negatief") if nl else ("positive" if up else "negative")
    else:
        sign = ("gunstig" if judged else "ongunstig") if nl else ("favourable" if judged else "unfavourable")
    if measure == "SMD":
        return f"een {_smd_size(est, lang)} {sign} effect" if nl else f"a {_smd_size(est, lang)} {sign} effect"
    return f"een {sign} effect" if nl else f"{'an' if sign[0] in 'aeiou' else 'a'} {sign} effect"


def _studies_part(entered: int, left: int, excluded: bool, lang: str, retracted: int = 0) -> str:
    nl = lang == "nl"
    parts = []
    if entered:
        parts.append(f"{entered} nieuwe {'studie' if entered == 1 else 'studies'} in de effectberekening" if nl else
                     f"{entered} new {'study' if entered == 1 else 'studies'} in the synthesis")
    if retracted:  # a withdrawn publication is the change a reader of a living review must be told
        parts.append(f"{studies_word(retracted, lang)} teruggetrokken en niet meer in de effectberekening" if nl else
                     f"{studies_word(retracted, lang)} retracted, no longer in the synthesis")
        left -= retracted
    if left:
        if nl:
            parts.append(f"{studies_word(left, lang)} niet meer " + ("opgenomen" if excluded else "in de effectberekening"))
        else:
            parts.append(f"{studies_word(left, lang)} no longer " + ("included" if excluded else "in the synthesis"))
    if not parts:
        return "geen nieuwe studies in de effectberekening" if nl else "no new studies in the synthesis"
    return ", ".join(parts)


def _outcome_part(before: dict, main: Pooled, name: str, lang: str) -> str:
    """The main outcome's own change in parentheses (``nu 3 studies, eerst 2``), when the studies in its pool
    changed; with the study ids of the previous snapshot also a swap that leaves the count as it was
    (``nu 2 studies, eerst 2; 1 kwam erbij, 1 viel af``). Empty when nothing changed."""
    nl = lang == "nl"
    k_then = int(before["k"])
    head = (f" (voor de uitkomst {quoted(name)} nu {studies_word(main.k, lang)}, eerst {fmt_int(k_then, lang)}" if nl
            else f" (for the outcome {quoted(name)} now {studies_word(main.k, lang)}, before {fmt_int(k_then, lang)}")
    then_ids = before.get("studies")
    if not isinstance(then_ids, list):  # a snapshot from before the outcomes kept their studies
        return head + ")" if k_then != main.k else ""
    now_ids = {e.record_id for e in main.studies}
    entered, left = len(now_ids - set(then_ids)), len(set(then_ids) - now_ids)
    if not entered and not left:
        return ""
    if not entered or not left:  # the count says it all
        return head + ")"
    return head + (f"; {entered} kwam{'en' if entered > 1 else ''} erbij, {left} {'vielen' if left > 1 else 'viel'} af)"
                   if nl else f"; {entered} entered, {left} left)")


def _main_of(s: Synthesis) -> Pooled | None:
    return s.main.pooled if s.main is not None and s.main.pooled.k > 0 else None


def changes_sentence(s: Synthesis, previous: dict | None, previous_at, lang: str, *,
                     entered: int | None = None, left: int | None = None, excluded: bool = False,
                     retracted: int = 0, first: str | None = None) -> str:
    """What changed since the previous report: studies in and out of the synthesis, and whether the
    conclusion or the strength changed.

    Args:
        s: the synthesis now.
        previous: the synthesis snapshot the previous report stored (``service.snapshot``), or None.
        previous_at: when the previous report was made (None: this is the first report).
        lang: ``nl`` or ``en``.
        entered: studies in the effect estimate now (``Synthesis.effect_ids``: with a usable effect, not only
            described) that were not in it at the previous report.
        left: studies in the previous report's effect estimate that are not in it now.
        excluded: whether the studies that left, other than the retracted ones, are no longer included
            (rather than only without a usable effect now): "niet meer opgenomen" instead of "niet meer in de
            effectberekening".
        retracted: how many of ``left`` are retracted publications ("1 studie teruggetrokken en niet meer in
            de effectberekening").
        first: what to say without a previous report instead of "this is the first report" (a report of
            the same day exists: ``lsr.report.rounds.same_day_sentence``).

    Without ``entered`` and ``left`` (a caller that cannot compare study ids) they are the net change of
    the number of studies in the synthesis, which hides a study that left when another entered;
    ``lsr.report.evidence.synthesis_changes`` compares the studies themselves.
    """
    nl = lang == "nl"
    if previous_at is None:
        return first or ("Dit is het eerste rapport van deze review." if nl else "This is the first report of this review.")
    when = fmt_date(previous_at, lang)
    if previous is None:
        return (f"Het vorige rapport ({when}) had nog geen effectsynthese." if nl
                else f"The previous report ({when}) had no effect synthesis yet.")
    before_n = int(previous.get("extracted", 0))
    if entered is None or left is None:
        entered, left = max(0, s.extracted - before_n), max(0, before_n - s.extracted)
    head = f"Sinds het vorige rapport ({when}): " if nl else f"Since the previous report ({when}): "
    main = _main_of(s)
    before = next((o for o in previous.get("outcomes", []) if main and o["outcome"].lower() == main.outcome.lower()
                   and (o.get("measure") or "") == main.measure and o.get("k")), None)
    had_effect = any(o.get("k") for o in previous.get("outcomes", []))
    if main is None and not entered and not left:
        if s.included == 0:
            return head + ("niets veranderd (nog geen studies opgenomen)." if nl else
                           "nothing changed (no study included yet).")
        if not had_effect:
            return head + ("niets veranderd in de effectberekening (nog geen effect te berekenen)." if nl else
                           "nothing changed in the synthesis (no effect to compute yet).")
    studies = _studies_part(entered, left, excluded, lang, min(retracted, left))
    if before is not None and len(s.outcomes) > 1:
        # the counts above are over all outcomes; the message is about the main one
        studies += _outcome_part(before, main, s.main.name(lang), lang)
    if main is None:
        verdict = (("er is geen effect meer te berekenen" if nl else "there is no effect to compute any more")
                   if had_effect else ("nog geen effect te berekenen" if nl else "no effect to compute yet"))
    elif before is None:
        verdict = (f"de uitkomst {quoted(s.main.name(lang))} heeft nu voor het eerst een effect" if nl else
                   f"the outcome {quoted(s.main.name(lang))} now has an effect for the first time")
    else:
        level_then, level_now = before.get("strength"), s.main.strength.level
        strength_same = level_then == level_now
        if before.get("estimate") is None or before.get("ci_low") is None:  # then a single study, not stored
            if nl:
                verdict = "de bewijskracht is niet veranderd" if strength_same else \
                    f"de bewijskracht ging van {LEVELS['nl'].get(level_then, '?')} naar {LEVELS['nl'][level_now]}"
            else:
                verdict = "the strength of evidence is unchanged" if strength_same else \
                    (f"the strength of evidence went from {LEVELS['en'].get(level_then, '?')} to "
                     f"{LEVELS['en'][level_now]}")
            return f"{head}{studies}; {verdict}."
        then_sure = not (before["ci_low"] <= main.null <= before["ci_high"])
        now_sure = _certain(main)
        same_dir = (before["estimate"] < main.null) == (main.interval[0] < main.null)
        conclusion = then_sure == now_sure and (same_dir or not (then_sure or now_sure))
        then_word = _conclusion(main.measure, before["estimate"], then_sure, lang, s.main.higher_is_better)
        now_word = _conclusion(main.measure, main.interval[0], now_sure, lang, s.main.higher_is_better)
        if nl:
            verdict = ("de conclusie is niet veranderd" if conclusion else
                       f"de conclusie is veranderd (eerder: {then_word}; nu: {now_word})")
            verdict += (", de bewijskracht ook niet" if conclusion else "; de bewijskracht is niet veranderd") \
                if strength_same else \
                f"; de bewijskracht ging van {LEVELS['nl'].get(level_then, '?')} naar {LEVELS['nl'][level_now]}"
        else:
            verdict = ("the conclusion is unchanged" if conclusion else
                       f"the conclusion changed (before: {then_word}; now: {now_word})")
            verdict += (" and so is the strength of evidence" if conclusion else
                        "; the strength of evidence did not") \
                if strength_same else \
                (f"; the strength of evidence went from {LEVELS['en'].get(level_then, '?')} to "
                 f"{LEVELS['en'][level_now]}")
    return f"{head}{studies}; {verdict}."


def _no_effect_yet(s: Synthesis, lang: str) -> str:
    nl = lang == "nl"
    if s.included == 0:
        return ("Er zijn nog geen studies opgenomen: over het effect valt nog niets te zeggen." if nl else
                "No study has been included yet: nothing can be said about the effect so far.")
    inc = fmt_int(s.included, lang)
    if s.extracted == 0:
        return (("Er is 1 studie opgenomen, maar de gegevens ervan zijn nog niet verwerkt" if s.included == 1 else
                 f"Er zijn {inc} studies opgenomen, maar hun gegevens zijn nog niet verwerkt")
                + ": over het effect valt nog niets te zeggen." if nl else
                f"The review includes {inc} {'study' if s.included == 1 else 'studies'}, but their data have "
                "not been entered yet: nothing can be said about the effect so far.")
    ext = fmt_int(s.extracted, lang)
    if nl:
        who = "Er is 1 studie opgenomen en beschreven, maar die geeft" if s.extracted == 1 else \
            f"Er zijn {ext} studies opgenomen en beschreven, maar geen ervan geeft"
        return who + " een effect dat te berekenen is: over de grootte van het effect valt nog niets te zeggen."
    who = "The review includes and describes 1 study, but it gives no" if s.extracted == 1 else \
        f"The review includes and describes {ext} studies, but none gives an"
    return who + " effect that can be computed: nothing can be said about the size of the effect so far."


def key_message(s: Synthesis, protocol, lang: str, previous: dict | None = None, previous_at=None, *,
                entered: int | None = None, left: int | None = None, excluded: bool = False,
                retracted: int = 0, first: str | None = None) -> str:
    """The key message of one review in ``lang`` (``nl`` or ``en``), under 150 words.

    ``entered``, ``left``, ``excluded``, ``retracted`` and ``first`` are passed to ``changes_sentence``
    (studies that entered and left the effect estimate since the previous report).
    """
    changes = dict(entered=entered, left=left, excluded=excluded, retracted=retracted, first=first)
    message = _key_message(s, lang, previous, previous_at, changes, direction=True)
    if len(message.split()) >= MAX_WORDS:  # the uncertain direction is the one part that can go
        message = _key_message(s, lang, previous, previous_at, changes, direction=False)
    return message


def _key_message(s: Synthesis, lang: str, previous, previous_at, changes: dict, *, direction: bool) -> str:
    nl = lang == "nl"
    out: list[str] = []
    p = _main_of(s)
    if p is None:
        out.append(_no_effect_yet(s, lang))
    else:
        st = s.main.strength
        out.append(_effect_sentence(p, quoted(s.main.name(lang)), lang))
        judgement = _judgement(s.main, lang, direction=direction)
        if judgement:
            out.append(judgement)
        diff = _differences(p, lang, s.main.higher_is_better)
        if diff:
            out.append(diff)
        out.append(f"De bewijskracht is {st.word('nl')}." if nl else f"The strength of evidence is {st.word('en')}.")
        out.append(_rests_on(s, p, lang))
        out.append(_meaning(p, st.level, lang, favourable(p, s.main.higher_is_better)))
    out.append(changes_sentence(s, previous, previous_at, lang, **changes))
    return " ".join(out)
