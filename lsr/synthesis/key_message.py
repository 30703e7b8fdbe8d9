"""The key message of a review (Dutch "kernboodschap", and English), written from the synthesis.

Under 150 words (``MAX_WORDS``; a longer message gives up parts in the order of ``SHORTER``), in this
order: the effect on the main outcome in words with its numbers (Dutch number formatting: 0,49; 95%-BI
0,34 tot 0,70; a single study's own estimate and CI when nothing is pooled), how
sure we are (uncertainty of the estimate, differences between studies by I² with the strength rule's
threshold, evidence strength), what the effect rests on (the studies of the main outcome: their number,
designs, participants (and, for a ratio from counts, how many had the outcome) and origin; how many
included studies have no extracted data yet; how many further studies do not count here and why), what it
means for Heerlen-Noord and what lsr cannot tell (a local evaluation), and what changed since the previous report
(studies that entered and left the effect estimate, ``Synthesis.effect_ids``, saying which left because
they were retracted; whether the conclusion or the strength changed), compared with the synthesis snapshot
that report stored.

The opening sentence names the main outcome as a label, with a capital and a colon, and words the effect
after it ("Schooluitval: in de groep met de aanpak gemiddeld 28% minder vaak dan in de vergelijkingsgroep
(RR 0,72; ...)", "Leerprestaties: de groep met de aanpak scoort ..."), so no verb agrees with the name and
the sentence reads correctly whatever the number or language of the outcome's name; the name is the
protocol's in the message's language when it gives one (``OutcomeResult.name``); elsewhere in running text
it is in quotation marks when it has several words. The two arms are always "de groep met de aanpak" and
"de vergelijkingsgroep" ("the intervention group", "the comparison group"); a ratio says how often the
outcome occurs, never "risico", since the outcome may be a desirable one. A 95% CI bound that would round
onto the no-effect value keeps the decimals that show its side (``0,52 tot 0,9996``), since whether the CI
includes no effect is judged on the unrounded bounds. Extracted data are "overgenomen" in Dutch, the one
word every text uses for it.

When the protocol says which direction is favourable (``[extraction] higher_is_better``), the message says
whether the effect is favourable, in words that follow the strength of evidence (``_judged``: "Dit is
waarschijnlijk een gunstig effect." at redelijk); an effect whose 95% CI includes no effect is never called
favourable as such: only its direction is, in the sentence that says it is uncertain. A clear unfavourable
effect at redelijk or sterk does not invite a local trial.

A correlation (measure ``r``, the association between two characteristics) is worded as an association, never
as an effect or a cause: "Schoolbinding en delinquentie: gemiddeld een zwakke negatieve samenhang (r = −0,21;
95%-BI −0,25 tot −0,17): meer van het ene hangt samen met minder van het andere." Its size is named in Cohen's
(1988) bands for r (``R_SIZES``). The outcome's name says what is associated, and ``higher_is_better`` whether a
positive r is favourable, so the message can say that the association "gaat mogelijk in de gunstige richting",
with the verbs of the strength level. Instead of what an effect means for Heerlen-Noord it says that an
association does not show that one causes the other, and that only an evaluation of an intervention can tell
whether acting on it works there.
"""

from __future__ import annotations

from lsr.report.texts import fmt_date, fmt_int, fmt_range, fmt_signed, join_words
from lsr.synthesis.meta_analysis import CORRELATION, RATIO, Pooled, null_value
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
# r size words: Cohen's (1988) benchmarks for a correlation, 0.1 / 0.3 / 0.5, in the words Dutch uses for a
# correlation ("een zwakke samenhang"); the Dutch form is the one after "een" (samenhang is a de-word).
R_SIZES = ((0.1, "zeer zwakke", "very weak"), (0.3, "zwakke", "weak"), (0.5, "matige", "moderate"),
           (float("inf"), "sterke", "strong"))

DESIGN_WORDS = {
    "nl": {"rct": ("gerandomiseerd", "gerandomiseerd"), "cluster-rct": ("clustergerandomiseerd",) * 2,
           "quasi-experimental": ("quasi-experimenteel",) * 2,
           "cohort": ("cohortstudie", "cohortstudies"), "case-control": ("patiënt-controlestudie",
                                                                          "patiënt-controlestudies"),
           "before-after": ("voor-en-nameting", "voor-en-nametingen"),
           "cross-sectional": ("dwarsdoorsnedestudie", "dwarsdoorsnedestudies"),
           "qualitative": ("kwalitatief", "kwalitatief"), "other": ("ander ontwerp", "ander ontwerp"),
           "unknown": ("ontwerp onbekend", "ontwerp onbekend")},
    "en": {"rct": ("randomised", "randomised"), "cluster-rct": ("cluster-randomised",) * 2,
           "quasi-experimental": ("quasi-experimental",) * 2,
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
    value = f"{p.measure} {'= ' if p.measure == CORRELATION else ''}{fmt_effect(est, lang)}"  # r = 0,21
    if not ci_label:
        return f"{value} ({ci_range}{'; ' + one if one else ''})"
    ci = "95%-BI" if lang == "nl" else "95% CI"
    return f"{value}; {ci} {ci_range}{f' ({one})' if one else ''}"


def quoted(name: str) -> str:
    """An outcome name of more than one word in quotation marks (‘geslaagd voor examen’), so that running
    text shows where it ends; a one-word name as it is."""
    return f"\u2018{name}\u2019" if len(name.split()) > 1 else name


def _smd_size(d: float, lang: str) -> str:
    return next(nl if lang == "nl" else en for top, nl, en in SMD_SIZES if abs(d) < top)


def _r_size(r: float, lang: str) -> str:
    return next(nl if lang == "nl" else en for top, nl, en in R_SIZES if abs(r) < top)


def _association(measure: str) -> bool:
    """Whether the measure is an association (a correlation), worded as "samenhang", never as an effect."""
    return measure == CORRELATION


def _very_small(p: Pooled) -> bool:
    iv = p.interval
    return p.measure == "SMD" and iv is not None and abs(iv[0]) < SMD_SIZES[0][0]


def capitalised(name: str) -> str:
    """An outcome name at the start of a sentence: with a capital (protocols write them in lower case)."""
    return name[:1].upper() + name[1:]


def _effect_sentence(p: Pooled, name: str, lang: str) -> str:
    """The opening sentence: the main outcome's name (``name``) as its label, then the effect in words and its
    numbers: "Schooluitval: in de groep met de aanpak gemiddeld 28% minder vaak dan in de vergelijkingsgroep
    (RR 0,72; ...)". The name leads, with a capital; after the colon no verb agrees with it, so the sentence
    is right for a singular or a plural name ("conflicten") and for a name in the other language."""
    nl = lang == "nl"
    est = p.interval[0]
    numbers = effect_text(p, lang)
    if p.estimate is None:  # inside the sentence's brackets: "...; één studie", not nested brackets
        numbers = numbers.replace(" (één studie)", "; één studie").replace(" (one study)", "; one study")
    label = capitalised(name) + ":"
    if _association(p.measure):  # an association, not an effect: no groups, no "higher with the intervention"
        mean = ("gemiddeld " if nl else "on average ") if p.estimate is not None else ""
        if round(est, 2) == 0:
            return (f"{label} {mean}geen samenhang ({numbers})." if nl else
                    f"{label} {mean}no association ({numbers}).")
        up = est > 0
        sign = ("positieve" if up else "negatieve") if nl else ("positive" if up else "negative")
        return (f"{label} {mean}een {_r_size(est, lang)} {sign} samenhang ({numbers}): meer van het ene hangt samen "
                f"met {'meer' if up else 'minder'} van het andere." if nl else
                f"{label} {mean}a {_r_size(est, lang)} {sign} association ({numbers}): more of one is associated "
                f"with {'more' if up else 'less'} of the other.")
    if p.measure in RATIO:  # "minder vaak", never "risico": the outcome may be a desirable one
        up = est > 1
        if p.measure == "RR":
            pct = round(abs(1 - est) * 100)
            if pct == 0:
                return (f"{label} in beide groepen gemiddeld even vaak ({numbers})." if nl else
                        f"{label} on average as frequent in both groups ({numbers}).")
            return (f"{label} in de groep met de aanpak gemiddeld {pct}% {'vaker' if up else 'minder vaak'} dan in "
                    f"de vergelijkingsgroep ({numbers})." if nl else
                    f"{label} on average {pct}% {'more' if up else 'less'} frequent in the intervention group than "
                    f"in the comparison group ({numbers}).")
        if p.measure == "HR":  # a rate over time, not a share of people: direction only, as for an odds ratio
            return (f"{label} in de groep met de aanpak {'sneller' if up else 'minder snel'} dan in de "
                    f"vergelijkingsgroep ({numbers})." if nl else
                    f"{label} {'sooner' if up else 'later'} in the intervention group than in the comparison group "
                    f"({numbers}).")
        # An odds ratio is not a change in chance (51% lower odds is not 51% lower risk): direction only.
        return (f"{label} in de groep met de aanpak {'vaker' if up else 'minder vaak'} dan in de "
                f"vergelijkingsgroep ({numbers})." if nl else
                f"{label} {'more' if up else 'less'} frequent in the intervention group than in the comparison "
                f"group ({numbers}).")
    if round(est, 2) == 0:
        return (f"{label} de groep met de aanpak scoort gemiddeld even hoog als de vergelijkingsgroep ({numbers})."
                if nl else
                f"{label} the intervention group scores on average the same as the comparison group ({numbers}).")
    word = ("hoger" if est > 0 else "lager") if nl else ("higher" if est > 0 else "lower")
    if p.measure == "SMD":
        size = _smd_size(est, lang)
        return (f"{label} de groep met de aanpak scoort gemiddeld {word} dan de vergelijkingsgroep (een {size} "
                f"verschil; {numbers})." if nl else
                f"{label} the intervention group scores {word} on average than the comparison group (a {size} "
                f"difference; {numbers}).")
    amount = fmt_effect(abs(est), lang)
    return (f"{label} de groep met de aanpak scoort gemiddeld {amount} {word} dan de vergelijkingsgroep "
            f"({numbers})." if nl else
            f"{label} the intervention group scores on average {amount} {word} than the comparison group "
            f"({numbers}).")


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
    association = _association(r.pooled.measure)
    if not _certain(r.pooled):
        good = good if direction else None
        if association:
            caveat = ("dit is onzeker: het 95%-betrouwbaarheidsinterval omvat ook 0 (geen samenhang)." if nl else
                      "this is uncertain: the 95% confidence interval includes 0 (no association).")
        else:
            caveat = ("dit is onzeker: het 95%-betrouwbaarheidsinterval omvat ook de waarde voor 'geen effect'."
                      if nl else "this is uncertain: the 95% confidence interval includes the no-effect value.")
        if good is None:
            return ("Maar " if nl else "But ") + caveat
        side = ("gunstige" if good else "ongunstige") if nl else ("favourable" if good else "unfavourable")
        what = ("De samenhang" if association else "Het effect") if nl else \
            ("The association" if association else "The effect")
        return (f"{what} gaat in de {side} richting, maar {caveat}" if nl else
                f"{what} points in the {side} direction, but {caveat}")
    if good is None:
        return None
    if association:
        return _judged_association(good, r.strength.level, lang)
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


def _judged_association(good: bool, level: int, lang: str) -> str:
    """``_judged`` for a correlation: whether the association points in the favourable direction (a positive r
    where more of the outcome is good), with the same verbs per strength level; never "een gunstig effect"."""
    if lang == "nl":
        side = "gunstige" if good else "ongunstige"
        return {4: f"De samenhang gaat in de {side} richting.",
                3: f"De samenhang gaat waarschijnlijk in de {side} richting.",
                2: f"De samenhang gaat mogelijk in de {side} richting; de werkelijke samenhang kan duidelijk anders "
                   "zijn."}.get(level, f"Of de samenhang in de {side} richting gaat, is zeer onzeker.")
    side = "favourable" if good else "unfavourable"
    return {4: f"The association points in the {side} direction.",
            3: f"The association probably points in the {side} direction.",
            2: f"The association may point in the {side} direction; the true association may be substantially "
               "different."}.get(level, f"It is very uncertain whether the association points in the {side} "
                                        "direction.")


def _certain(p: Pooled) -> bool:
    """Whether the 95% CI (pooled, or the single study's) excludes the no-effect value."""
    iv = p.interval
    return iv is not None and not (iv[1] <= p.null <= iv[2])


def _new_setting(p: Pooled, higher_is_better: bool | None, lang: str) -> str:
    """"in een nieuwe situatie kan het effect ook uitblijven", and "of zelfs ongunstig uitvallen" (the other
    side's judgement when the protocol says which side is good, else "de andere kant op") when the
    prediction interval reaches beyond the null on the side opposite the estimate."""
    nl = lang == "nl"
    association = _association(p.measure)
    if association:
        head = ("in een nieuwe situatie kan de samenhang ook ontbreken" if nl else
                "in a new setting the association may be absent")
    else:
        head = ("in een nieuwe situatie kan het effect ook uitblijven" if nl else
                "in a new setting the effect may not appear")
    beyond = p.pi_high > p.null if p.estimate < p.null else p.pi_low < p.null
    if not beyond:
        return head
    good = favourable(p, higher_is_better)
    if good is None:
        if association:
            return head + (" of zelfs de andere kant op gaan" if nl else ", or even go the other way")
        return head + (" of zelfs de andere kant op uitvallen" if nl else ", or even go the other way")
    other = ("gunstig" if not good else "ongunstig") if nl else ("favourable" if not good else "unfavourable")
    if association:
        return head + (f" of zelfs in de {other}e richting gaan" if nl else f", or even point in the {other} direction")
    return head + (f" of zelfs {other} uitvallen" if nl else f", or even be {other}")


I2_LOW = 0.25
"""Below this I² the studies "differ little" (Cochrane Handbook 10.10.2: 0-40% might not be important), also
when the prediction interval, wide with few studies, reaches the no-effect value."""


def _differences(p: Pooled, lang: str, higher_is_better: bool | None = None, *, tail: bool = True) -> str | None:
    """A sentence on differences between the studies, from I² (and the PI only with enough studies).
    ``tail=False`` leaves out what that means for a new setting, to keep a long message under its limit."""
    if p.estimate is None or p.i2 is None:
        return None
    nl = lang == "nl"
    pi_null = p.pi_low is not None and p.pi_low <= p.null <= p.pi_high
    if p.i2 >= I2_INCONSISTENT:
        if p.k < PI_MIN_K:
            rest = ("; met zo weinig studies is niet te zeggen hoe het effect in een nieuwe situatie uitvalt" if nl
                    else "; with so few studies it cannot be said how the effect turns out in a new setting")
        elif pi_null:
            rest = "; " + _new_setting(p, higher_is_better, lang)
        else:
            rest = ""
        rest = rest if tail else ""
        return (f"De resultaten van de studies lopen sterk uiteen{rest}." if nl
                else f"The results of the studies differ widely{rest}.")
    if p.k >= PI_MIN_K and (p.tau2 or 0) > 0 and pi_null and _certain(p):
        if p.i2 < I2_LOW:  # the studies hardly differ; the prediction interval is wide from having few of them
            if not tail:
                return None
            return (("De studies verschillen weinig, maar " if nl else "The studies differ little, but ")
                    + _new_setting(p, higher_is_better, lang) + ".")
        if not tail:
            return "De studies verschillen enigszins." if nl else "The studies differ somewhat."
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


def _rests_on(s: Synthesis, p: Pooled, lang: str, *, reasons: bool = True, origin: bool = True) -> str:
    """What the main outcome's effect rests on: its own studies, and how many further studies count elsewhere
    and why. When not every included study has been extracted yet, it says so first ("Van de 50 opgenomen
    studies zijn de gegevens van pas 9 overgenomen; dit rust op 6 daarvan"): the studies behind the effect
    are then not the evidence base. ``reasons=False`` leaves out why the others do not count and
    ``origin=False`` where the studies come from (both in the effect section too), to keep a long message
    under its word limit."""
    nl = lang == "nl"
    where = f"; {_origin(p, lang)}" if origin else ""
    what = f"({_designs(s.main.designs, lang)}){_participants(p, lang)}{where}."
    others = s.extracted - p.k
    why = f" ({_left_out_reasons(s, p, lang)})" if others > 0 and reasons else ""
    if s.included > s.extracted:
        inc, ext, k = fmt_int(s.included, lang), fmt_int(s.extracted, lang), fmt_int(p.k, lang)
        if nl:  # "overgenomen": the one word for extracted data (also "niet uit de studie overgenomen")
            text = f"Van de {inc} opgenomen studies zijn de gegevens van pas {ext} overgenomen; dit rust op " \
                f"{'die ene studie' if s.extracted == 1 else f'{k} daarvan'} {what}"
            if others > 0:
                text += (" De andere telt hier niet mee" if others == 1 else
                         f" De andere {fmt_int(others, lang)} tellen hier niet mee") + f"{why}."
            return text
        text = f"Of the {inc} included studies, only {ext} {'has' if s.extracted == 1 else 'have'} been extracted " \
            f"so far; this rests on {'that one study' if s.extracted == 1 else f'{k} of them'} {what}"
        if others > 0:
            text += (" The other does not count here" if others == 1 else
                     f" The other {fmt_int(others, lang)} do not count here") + f"{why}."
        return text
    text = (f"Dit rust op {studies_word(p.k, lang)} {what}" if nl else
            f"This rests on {studies_word(p.k, lang)} {what}")
    if others > 0:
        text += (f" Nog {studies_word(others, lang)} {'telt' if others == 1 else 'tellen'} hier niet mee{why}."
                 if nl else  # a sentence does not start with a digit
                 f" Another {studies_word(others, lang)} {'does' if others == 1 else 'do'} not count here{why}.")
    return text


def _other_side(s: Synthesis, lang: str) -> str | None:
    """A pointer to another outcome whose effect is shown (its CI excludes no effect) on the other side of
    the main outcome's: a harm beside a benefit, or a benefit beside a harm, so the message does not hide
    the balance a decision weighs (GRADE's evidence-to-decision). A benefit on another outcome is not
    pointed to when the main outcome's direction is not shown, as that would lead with a secondary result.
    None when there is no such outcome."""
    main = favourable(s.main.pooled, s.main.higher_is_better) if _certain(s.main.pooled) else None
    for r in s.outcomes[1:]:
        good = favourable(r.pooled, r.higher_is_better)
        if good is None or not _certain(r.pooled) or good == main or (main is None and good):
            continue
        level = r.strength.word(lang)
        if _association(r.pooled.measure):
            if lang == "nl":
                return (f"Let op: bij {r.heading('nl')} wijst het onderzoek op een samenhang in de "
                        f"{'gunstige' if good else 'ongunstige'} richting (bewijskracht {level}); zie die uitkomst "
                        "hieronder.")
            return (f"Note: for {r.heading('en')} the research points to an association in the "
                    f"{'favourable' if good else 'unfavourable'} direction (strength of evidence {level}); see that "
                    "outcome below.")
        if lang == "nl":
            return (f"Let op: bij {r.heading('nl')} wijst het onderzoek op een {'gunstig' if good else 'ongunstig'} "
                    f"effect (bewijskracht {level}); zie die uitkomst hieronder.")
        return (f"Note: for {r.heading('en')} the research points to {'a favourable' if good else 'an unfavourable'} "
                f"effect (strength of evidence {level}); see that outcome below.")
    return None


def _meaning(p: Pooled, level: int, lang: str, good: bool | None = None) -> str:
    """What the effect means for Heerlen-Noord, and that only a local evaluation can tell whether it works
    there (not "whether it works as well here" after an effect that is not shown). ``good``: whether the
    effect is favourable (``favourable``); an effect whose favourable side the protocol does not give is not
    called promising either (it says why); a shown unfavourable effect is never called promising, and with
    redelijk or sterk evidence of harm the message advises against introducing it rather than inviting a
    local evaluation."""
    nl = lang == "nl"
    if _association(p.measure):  # not "kansrijk": an association is no evidence that acting on it works
        head = (("Een samenhang laat niet zien dat het ene het andere veroorzaakt." if nl else
                 "An association does not show that one causes the other.") if _certain(p) else
                ("Een samenhang is daarmee niet aangetoond." if nl else "An association is therefore not shown."))
        return head + (" Of een aanpak die hierop inzet in Heerlen-Noord werkt, moet een evaluatie uitwijzen." if nl
                       else " Whether an intervention that acts on it works in Heerlen-Noord needs an evaluation.")
    if _certain(p) and level >= 3 and good is False:
        return ("Het onderzoek wijst op nadeel; invoering in Heerlen-Noord ligt daarom niet voor de hand." if nl else
                "The research points to harm; introducing the intervention in Heerlen-Noord is therefore not "
                "advisable.")
    if _certain(p) and level >= 3 and _very_small(p):
        return ("Dit wijst op een zeer klein effect. Of de aanpak in Heerlen-Noord even goed werkt, moet een "
                "lokale evaluatie uitwijzen." if nl else
                "This points to a very small effect. This review cannot tell whether it works as well in "
                "Heerlen-Noord: a local evaluation is still needed.")
    if _certain(p) and level >= 3 and good is None:  # which side is good is not known: not "promising"
        return ("Het protocol zegt niet welke richting gunstig is, dus of de aanpak kansrijk is, is hier niet te "
                "zeggen. Of die in Heerlen-Noord werkt, moet een lokale evaluatie uitwijzen." if nl else
                "The protocol does not say which direction is favourable, so whether the intervention is "
                "promising cannot be said here. Whether it works in Heerlen-Noord needs a local evaluation.")
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


def _conclusion(measure: str, est: float, sure: bool, lang: str, higher_is_better: bool | None = None,
                level: int | None = None) -> str:
    """The conclusion in a few words, for "de conclusie is veranderd (eerder: ...; nu: ...)": "geen effect
    aangetoond", "een zeer klein positief effect" (SMD), "een positief effect" (MD), "een effect (de uitkomst
    komt minder vaak voor)" (a ratio), "een zwakke negatieve samenhang" (r). "Positief" is the direction of the score, not a judgement; when the
    protocol says which direction is good, the words are "gunstig" / "ongunstig" instead ("een gunstig effect
    (de uitkomst komt minder vaak voor)" for a ratio).

    With the strength ``level`` an effect that is shown is worded as GRADE words a conclusion (Santesso et al.
    2020; ``_judged``): sterk states it, redelijk "waarschijnlijk", beperkt "mogelijk", zeer beperkt "..., maar
    zeer onzeker"."""
    nl = lang == "nl"
    association = _association(measure)
    if not sure:
        if association:
            return "geen samenhang aangetoond" if nl else "no association shown"
        return "geen effect aangetoond" if nl else "no effect shown"
    up = est > null_value(measure)
    judged = None if higher_is_better is None else up == higher_is_better
    if association:
        size = _r_size(est, lang)
        if judged is None:
            sign = ("positieve" if up else "negatieve") if nl else ("positive" if up else "negative")
            text = f"een {size} {sign} samenhang" if nl else f"a {size} {sign} association"
        else:
            side = ("gunstige" if judged else "ongunstige") if nl else ("favourable" if judged else "unfavourable")
            text = (f"een {size} samenhang in de {side} richting" if nl else
                    f"a {size} association in the {side} direction")
    elif measure in RATIO:
        if measure == "HR":
            freq = (("de uitkomst treedt sneller op" if up else "de uitkomst treedt minder snel op") if nl else
                    ("the outcome comes sooner" if up else "the outcome comes later"))
        else:
            freq = (("de uitkomst komt vaker voor" if up else "de uitkomst komt minder vaak voor") if nl else
                    ("the outcome is more frequent" if up else "the outcome is less frequent"))
        if judged is None:
            text = f"een effect ({freq})" if nl else f"an effect ({freq})"
        else:
            text = (f"een {'gunstig' if judged else 'ongunstig'} effect ({freq})" if nl else
                    f"{'a favourable' if judged else 'an unfavourable'} effect ({freq})")
    else:
        if judged is None:
            sign = ("positief" if up else "negatief") if nl else ("positive" if up else "negative")
        else:
            sign = ("gunstig" if judged else "ongunstig") if nl else ("favourable" if judged else "unfavourable")
        if measure == "SMD":
            text = f"een {_smd_size(est, lang)} {sign} effect" if nl else f"a {_smd_size(est, lang)} {sign} effect"
        else:
            text = f"een {sign} effect" if nl else f"{'an' if sign[0] in 'aeiou' else 'a'} {sign} effect"
    return _qualified(text, level, lang)


def _qualified(text: str, level: int | None, lang: str) -> str:
    """``text`` (a shown effect) with the words of its strength level, as ``_judged`` words them."""
    if level is None or level >= 4:
        return text
    if lang == "nl":
        return {3: f"waarschijnlijk {text}", 2: f"mogelijk {text}"}.get(level, f"{text}, maar zeer onzeker")
    return {3: f"probably {text}", 2: f"possibly {text}"}.get(level, f"{text}, but very uncertain")


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


def _strength_change(level_then: int | None, level_now: int, lang: str) -> str | None:
    """"de bewijskracht ging van redelijk naar zeer beperkt"; None when the level is the same. Without the
    previous level (a snapshot that lacks it) only the level now: "de bewijskracht is nu zeer beperkt"."""
    if level_then == level_now:
        return None
    if level_then is None:
        return (f"de bewijskracht is nu {LEVELS['nl'][level_now]}" if lang == "nl" else
                f"the strength of evidence is now {LEVELS['en'][level_now]}")
    return (f"de bewijskracht ging van {LEVELS['nl'][level_then]} naar {LEVELS['nl'][level_now]}" if lang == "nl" else
            f"the strength of evidence went from {LEVELS['en'][level_then]} to {LEVELS['en'][level_now]}")


def _main_of(s: Synthesis) -> Pooled | None:
    return s.main.pooled if s.main is not None and s.main.pooled.k > 0 else None


def changes_sentence(s: Synthesis, previous: dict | None, previous_at, lang: str, *,
                     entered: int | None = None, left: int | None = None, excluded: bool = False,
                     retracted: int = 0, first: str | None = None, detail: int = 2) -> str:
    """What changed since the previous report: studies in and out of the synthesis, and whether the
    conclusion or the strength changed.

    The conclusion is the one the key message words: whether an effect is shown, its direction, and, for an
    effect shown, the certainty that goes with its strength level (GRADE's wording, Santesso et al. 2020:
    "waarschijnlijk" at redelijk, "zeer onzeker" at zeer beperkt). So a shown effect whose strength fell from
    redelijk to zeer beperkt is not "niet veranderd": "de conclusie is voorzichtiger geworden (eerder:
    waarschijnlijk een gunstig effect; nu: een gunstig effect, maar zeer onzeker)" ("stelliger" the other
    way). A snapshot without a strength level (written by hand, or damaged) is compared on effect and
    direction only.

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
        detail: 2 says everything; 1 leaves out the main outcome's own count of studies (when there are
            several outcomes); 0 also the conclusion before and now (only that it changed, and how), so a
            long key message stays under ``MAX_WORDS``.

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
    if before is not None and len(s.outcomes) > 1 and detail >= 2:
        # the counts above are over all outcomes; the message is about the main one
        studies += _outcome_part(before, main, s.main.name(lang), lang)
    if main is None:
        verdict = (("er is geen effect meer te berekenen" if nl else "there is no effect to compute any more")
                   if had_effect else ("nog geen effect te berekenen" if nl else "no effect to compute yet"))
    elif before is None:
        first_one = (("een berekende samenhang" if nl else "a computed association") if _association(main.measure)
                     else ("een effect" if nl else "an effect"))
        verdict = (f"de uitkomst {quoted(s.main.name(lang))} heeft nu voor het eerst {first_one}" if nl else
                   f"the outcome {quoted(s.main.name(lang))} now has {first_one} for the first time")
    else:
        level_then, level_now = before.get("strength"), s.main.strength.level
        known = level_then in (1, 2, 3, 4)  # a level of the scale (a hand-written snapshot may lack it)
        strength = _strength_change(level_then if known else None, level_now, lang)
        if before.get("estimate") is None or before.get("ci_low") is None:  # then a single study, not stored
            verdict = strength or ("de bewijskracht is niet veranderd" if nl else
                                   "the strength of evidence is unchanged")
            return f"{head}{studies}; {verdict}."
        then_sure = not (before["ci_low"] <= main.null <= before["ci_high"])
        now_sure = _certain(main)
        same_dir = (before["estimate"] < main.null) == (main.interval[0] < main.null)
        hib = s.main.higher_is_better
        if then_sure != now_sure or (then_sure and not same_dir):
            change = "changed"
        elif then_sure and known and level_then != level_now:  # the same effect, worded with another certainty
            change = "weaker" if level_now < level_then else "firmer"
        elif (_conclusion(main.measure, before["estimate"], then_sure, lang, hib)
              != _conclusion(main.measure, main.interval[0], now_sure, lang, hib)):
            change = "changed"  # the effect itself is worded otherwise: an SMD now small where it was moderate
        else:
            change = "same"
        then_word = _conclusion(main.measure, before["estimate"], then_sure, lang, hib, level_then if known else None)
        now_word = _conclusion(main.measure, main.interval[0], now_sure, lang, hib, level_now)
        if nl:
            how = {"changed": "is veranderd", "weaker": "is voorzichtiger geworden",
                   "firmer": "is stelliger geworden"}.get(change)
            verdict = ("de conclusie is niet veranderd" if how is None else f"de conclusie {how}"
                       + (f" (eerder: {then_word}; nu: {now_word})" if detail >= 1 else ""))
            verdict += f"; {strength}" if strength else \
                ", de bewijskracht ook niet" if how is None else "; de bewijskracht is niet veranderd"
        else:
            how = {"changed": "changed", "weaker": "is more cautious now", "firmer": "is firmer now"}.get(change)
            verdict = ("the conclusion is unchanged" if how is None else f"the conclusion {how}"
                       + (f" (before: {then_word}; now: {now_word})" if detail >= 1 else ""))
            verdict += f"; {strength}" if strength else \
                " and so is the strength of evidence" if how is None else "; the strength of evidence did not"
    return f"{head}{studies}; {verdict}."


def _no_effect_yet(s: Synthesis, lang: str) -> str:
    nl = lang == "nl"
    if s.included == 0:
        return ("Er zijn nog geen studies opgenomen: over het effect valt nog niets te zeggen." if nl else
                "No study has been included yet: nothing can be said about the effect so far.")
    inc = fmt_int(s.included, lang)
    if s.extracted == 0:
        return (("Er is 1 studie opgenomen, maar de gegevens ervan zijn nog niet overgenomen" if s.included == 1
                 else f"Er zijn {inc} studies opgenomen, maar hun gegevens zijn nog niet overgenomen")
                + ": over het effect valt nog niets te zeggen." if nl else
                f"The review includes {inc} {'study' if s.included == 1 else 'studies'}, but their data have "
                "not been extracted yet: nothing can be said about the effect so far.")
    ext = fmt_int(s.extracted, lang)
    if nl:
        who = "Er is 1 studie opgenomen en beschreven, maar die geeft" if s.extracted == 1 else \
            f"Er zijn {ext} studies opgenomen en beschreven, maar geen ervan geeft"
        return who + " een effect dat te berekenen is: over de grootte van het effect valt nog niets te zeggen."
    who = "The review includes and describes 1 study, but it gives no" if s.extracted == 1 else \
        f"The review includes and describes {ext} studies, but none gives an"
    return who + " effect that can be computed: nothing can be said about the size of the effect so far."


# What a key message over ``MAX_WORDS`` gives up, one step at a time, until it is under: (1) the direction of
# an uncertain effect ("Het effect gaat in de gunstige richting, maar dit is onzeker" becomes "Maar dit is
# onzeker"), (2) why further studies do not count here (their number stays), (3) in what changed, the main
# outcome's own count of studies, (4) in what changed, the conclusion before and now (that it changed, and
# how, stays), (5) what differences between studies mean for a new setting, (6) where the studies come from
# (also in the effect section), (7) the pointer to another outcome whose effect lies on the other side. The effect and its numbers, the uncertainty, the strength, the conclusion
# for Heerlen-Noord and the counts of what changed always stay.
SHORTER = ({}, {"direction": False}, {"reasons": False}, {"outcome_count": False}, {"conclusion_then": False},
           {"new_setting": False}, {"origin": False}, {"other_side": False})


def key_message(s: Synthesis, protocol, lang: str, previous: dict | None = None, previous_at=None, *,
                entered: int | None = None, left: int | None = None, excluded: bool = False,
                retracted: int = 0, first: str | None = None) -> str:
    """The key message of one review in ``lang`` (``nl`` or ``en``), under ``MAX_WORDS`` (150) words.

    ``entered``, ``left``, ``excluded``, ``retracted`` and ``first`` are passed to ``changes_sentence``
    (studies that entered and left the effect estimate since the previous report). A message that would be
    longer gives up parts in the order of ``SHORTER``.
    """
    changes = dict(entered=entered, left=left, excluded=excluded, retracted=retracted, first=first)
    drop: dict = {}
    message = ""
    for step in SHORTER:
        drop |= step
        message = _key_message(s, lang, previous, previous_at, changes, **drop)
        if len(message.split()) < MAX_WORDS:
            break
    return message


def _key_message(s: Synthesis, lang: str, previous, previous_at, changes: dict, *, direction: bool = True,
                 reasons: bool = True, outcome_count: bool = True, conclusion_then: bool = True,
                 new_setting: bool = True, origin: bool = True, other_side: bool = True) -> str:
    nl = lang == "nl"
    out: list[str] = []
    p = _main_of(s)
    if p is None:
        out.append(_no_effect_yet(s, lang))
    else:
        st = s.main.strength
        out.append(_effect_sentence(p, s.main.name(lang), lang))
        judgement = _judgement(s.main, lang, direction=direction)
        if judgement:
            out.append(judgement)
        diff = _differences(p, lang, s.main.higher_is_better, tail=new_setting)
        if diff:
            out.append(diff)
        out.append(f"De bewijskracht is {st.word('nl')}." if nl else f"The strength of evidence is {st.word('en')}.")
        out.append(_rests_on(s, p, lang, reasons=reasons, origin=origin))
        out.append(_meaning(p, st.level, lang, favourable(p, s.main.higher_is_better)))
        other = _other_side(s, lang) if other_side else None
        if other:
            out.append(other)
    detail = 0 if not conclusion_then else 1 if not outcome_count else 2
    out.append(changes_sentence(s, previous, previous_at, lang, **changes, detail=detail))
    return " ".join(out)
