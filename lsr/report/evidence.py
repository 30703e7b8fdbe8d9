"""The synthesis in a summary: the key message, the effect and evidence-strength table with reasons,
the forest plots, and (Dutch) the technical appendix that keeps request URLs, kappa and UTC times out of
the text meant for policy staff.

``key_message_blocks`` and ``evidence_section`` read ``ReviewData.synthesis`` (``lsr.synthesis``); the
forest plots are returned as files (name -> SVG) like the other figures. ``synthesis_changes`` compares
the studies in the effect estimate now (``Synthesis.effect_ids``: with a usable effect, not only described)
with those at the previous report, so that a study that left (retracted, excluded, or without a usable
effect now) is reported even when another one entered; ``left_effect_studies`` lists those still included
with why, for "what changed".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lsr.report.collect import ReviewData, Study
from lsr.report.document import UL, Doc, Figure, H, P, Pre, Strong, Table
from lsr.report.rounds import same_day_sentence
from lsr.report.texts import fmt_date, fmt_dec, fmt_int, fmt_range, join_words, plural
from lsr.synthesis.forest import shows_pi, sides_of
from lsr.synthesis.key_message import PI_MIN_K, capitalised, changes_sentence, effect_text, key_message
from lsr.synthesis.meta_analysis import CORRELATION, RATIO
from lsr.synthesis.service import RETRACTED, DescribedStudy
from lsr.synthesis.small_studies import MIN_K
from lsr.synthesis.strength import EVENTS_OIS, PARTICIPANTS_OIS, name_of_test, p_text


def method_note(s, lang: str) -> str:
    """How the effects are computed and read, explaining only the measures the report shows (a review with
    only SMD and MD gets no sentence on relative risks or odds ratios). Dutch: plain words; the model and the
    software are in the technical appendix."""
    used = {r.pooled.measure for r in s.outcomes if r.pooled.studies}
    ratios = [m for m in RATIO if m in used]
    diffs = [m for m in ("SMD", "MD") if m in used]
    only_r = used == {CORRELATION}  # then no effect is spoken of: an association is not one
    if lang == "nl":
        parts = [f"{'De gemiddelde samenhang' if only_r else 'Het gemiddelde effect'} weegt grotere en preciezere "
                 "studies zwaarder."]
        shares = [m for m in ratios if m != "HR"]
        if shares:
            what = " of ".join({"RR": "relatief risico", "OR": "oddsratio"}[m] for m in shares)
            parts.append(f"Een {what} onder 1 betekent dat de uitkomst in de groep met de aanpak minder vaak "
                         "voorkomt, boven 1 vaker.")
        if "HR" in ratios:
            parts.append("Een hazard ratio onder 1 betekent dat de uitkomst in de groep met de aanpak minder snel "
                         "optreedt (op elk moment minder kans dat het gebeurt), boven 1 sneller; het wordt alleen "
                         "als richting beschreven.")
        if "OR" in ratios:
            parts.append("Een oddsratio is geen verandering van de kans in procenten en wordt daarom alleen als "
                         "richting beschreven.")
        if diffs:
            parts.append(f"Een verschil in gemiddelden ({' of '.join(diffs)}) boven 0 betekent dat de groep met "
                         "de aanpak gemiddeld hoger scoort, onder 0 lager.")
        if CORRELATION in used:
            parts.append("Een correlatie (r) geeft aan hoe sterk twee kenmerken samenhangen, van −1 tot 1: boven 0 "
                         "hangt meer van het ene samen met meer van het andere, onder 0 met minder, 0 is geen "
                         "samenhang. Een samenhang laat niet zien wat oorzaak en gevolg is. Correlaties worden "
                         "gemiddeld na omzetting naar Fisher-z en daarna teruggerekend naar r.")
        parts.append(f"Het voorspellingsinterval geeft aan waar {'de samenhang' if only_r else 'het effect'} in "
                     "een nieuwe situatie kan liggen; bij "
                     f"minder dan {PI_MIN_K} studies is het zo breed dat het weinig zegt en wordt het niet "
                     "getoond. Hoe het gemiddelde precies is berekend, staat in de technische bijlage.")
        return " ".join(parts)
    text = ("Pooled with a random-effects model (inverse variance; between-study variance tau² by Paule-Mandel, "
            "which unlike DerSimonian-Laird does not underestimate large heterogeneity), Wald 95% CI, prediction "
            f"interval with t on k-2 degrees of freedom (not shown below {PI_MIN_K} studies, where it is too "
            "wide to inform); computed with statsmodels.")
    if ratios:
        text += " Ratio measures on the natural scale (below 1: less of the outcome with the intervention)" + \
            ("; an odds ratio is described by its direction only, not as a percentage change of risk." if "OR" in
             ratios else ".")
    if "HR" in ratios:
        text += (" A hazard ratio compares the rate at which the outcome occurs over time (below 1: later with the "
                 "intervention) and is described by its direction only.")
    if diffs:
        text += (f" Differences in means ({' and '.join(diffs)}) are the intervention group minus the comparison "
                 "group (above 0: higher scores with the intervention).")
    if CORRELATION in used:
        text += (" A correlation (r) is the association between two characteristics, from −1 to 1 (0: no "
                 "association); it does not show cause and effect. Correlations are pooled on Fisher's z scale "
                 "(z = atanh r, variance 1/(n − 3) for a study given with n only, else from its CI) and the "
                 "estimate, CI and prediction interval are transformed back to r with tanh (Borenstein et al. "
                 "2009, ch. 6); tau² is on the z scale.")
    return text + " I² = (Q - df) / Q."


METHOD_APPENDIX_NL = ("Het gemiddelde effect is berekend met een random-effectsmodel (inverse variantie; variantie "
                      "tussen studies, tau², volgens Paule-Mandel; 95%-betrouwbaarheidsinterval volgens Wald; "
                      "voorspellingsinterval met t op k−2 vrijheidsgraden), met het Python-pakket statsmodels. "
                      "I² = (Q − df) / Q.")
METHOD_APPENDIX_R_NL = ("Correlaties (r) zijn gemiddeld op de Fisher-z-schaal (z = artanh r; variantie 1/(n − 3) voor "
                        "een studie met alleen n, anders uit haar betrouwbaarheidsinterval); schatting, "
                        "betrouwbaarheidsinterval en voorspellingsinterval zijn met tanh teruggerekend naar r "
                        "(Borenstein e.a. 2009, hoofdstuk 6). Hun tau² is op de z-schaal.")
RULE = {
    "nl": "Bewijskracht (vier niveaus: sterk, redelijk, beperkt, zeer beperkt) volgens een vaste rekenregel "
          "gebaseerd op GRADE: het startniveau hangt af van het onderzoeksontwerp (alle studies gerandomiseerd: "
          "sterk; minstens de helft: redelijk; anders beperkt). De bewijskracht gaat één niveau lager bij "
          "risico op vertekening (twee niveaus als minstens de helft van de studies een hoog risico heeft) en bij "
          "sterk wisselende resultaten (I² vanaf 50%). Bij onnauwkeurigheid gaat ze één niveau lager als het "
          "95%-betrouwbaarheidsinterval ook 'geen effect' omvat, en nog één als er minder dan "
          f"{PARTICIPANTS_OIS} deelnemers zijn (bij ja/nee-uitkomsten: minder dan {EVENTS_OIS} gebeurtenissen, "
          "dat wil zeggen deelnemers bij wie de uitkomst optrad). Bij maar één studie gaat ze nog een niveau "
          "lager; een enkele kleine studie telt zo bewust twee keer als onnauwkeurig: te weinig deelnemers, en "
          "geen tweede studie die het resultaat bevestigt. Vanaf 10 studies wordt getoetst op publicatiebias, "
          "dat wil zeggen of kleinere studies andere effecten vinden dan grotere (meestal sterkere: een teken "
          "dat kleine studies met tegenvallende resultaten niet gepubliceerd zijn), "
          "zoals het Cochrane Handbook (13.3.5) aanraadt: met de toets van Egger, of met die van Peters als "
          "elke studie als aantallen per groep is overgenomen (de toets van Egger slaat bij oddsratio's te vaak "
          "vals alarm). Bij p < 0,10 (tweezijdig; de gebruikelijke grens, omdat deze toetsen weinig "
          "onderscheidend vermogen hebben) gaat de bewijskracht één niveau lager. Bij minder dan 10 studies "
          "wordt publicatiebias niet beoordeeld: de toets is dan te zwak. "
          "Zonder berekend effect is de bewijskracht niet te beoordelen. Beperkingen: dit is "
          "een mechanische benadering, geen volledige GRADE-beoordeling. Is een ja/nee-uitkomst overgenomen als "
          "effect met betrouwbaarheidsinterval in plaats van als aantallen per groep, dan is het aantal "
          "gebeurtenissen niet bekend en telt de regel deelnemers, zodat de bewijskracht bij een grote studie "
          "met weinig gebeurtenissen te hoog kan uitvallen; risico op vertekening telt per studie, niet "
          "naar gewicht; indirectheid wordt niet beoordeeld; publicatiebias alleen met de toets hierboven, "
          "die haar niet uitsluit als ze niets vindt (en asymmetrie kan ook andere oorzaken hebben); de "
          "bewijskracht wordt nooit verhoogd. Waar de studies vandaan komen (herkomst) telt niet mee.",
    "en": "Strength of evidence (high, moderate, low, very low) by a fixed GRADE-like rule: start from design "
          "(all randomised: high; at least half: moderate; otherwise low), down for risk of bias (two when at "
          "least half of the studies are at high risk), inconsistency (I² 50% or more), imprecision (one level when the "
          f"95% CI includes the no-effect value, and one more for fewer than {PARTICIPANTS_OIS} participants; for "
          f"dichotomous outcomes fewer than {EVENTS_OIS} events) and a single study (a single small study is thus "
          "deliberately down twice for imprecision: too little information, and no replication), and publication "
          "bias: from 10 studies in the pool, a test for small-study effects as the Cochrane Handbook (13.3.5) "
          "advises, Egger's regression test, or Peters' test when every study was extracted as counts per arm "
          "(Egger's test gives false positives with odds ratios), down one level at two-sided p < 0.10 (the "
          "conventional threshold for these tests of low power); with fewer than 10 studies in the pool, "
          "publication bias is not assessed, as the test would be too weak; not assessable "
          "without a computed effect. Limits: a mechanical approximation, not a full GRADE assessment. A dichotomous outcome "
          "extracted as an effect with its CI rather than as counts per arm has no known events, so imprecision "
          "counts its participants and the strength of evidence for a large trial with few events can rate too "
          "high; risk of bias is counted per study, not by weight; indirectness is not assessed; publication "
          "bias only by the test above, which does not rule it out when it finds nothing (and asymmetry can "
          "have other causes); nothing is rated up. Where the studies come from does not count.",
}


@dataclass(frozen=True)
class SynthesisChanges:
    """Studies that entered and left the effect estimate (``Synthesis.effect_ids``) since the previous report.

    ``left`` counts every study that left; ``retracted`` how many of them are retracted publications;
    ``excluded`` whether the others are no longer included (rather than only without a usable effect now);
    ``left_ids`` names them when the previous report's snapshot lists its studies.
    """

    entered: int
    left: int
    excluded: bool = False
    retracted: int = 0
    left_ids: tuple[int, ...] = ()

    def keywords(self) -> dict:
        """The ``entered``/``left``/``excluded``/``retracted`` keywords of the key message's sentences."""
        return {"entered": self.entered, "left": self.left, "excluded": self.excluded, "retracted": self.retracted}


def _effect_before(prev: dict, s) -> set[int] | None:
    """The studies in the previous report's effect estimate, from its snapshot; None for a snapshot that
    stores only counts.

    Snapshots before ``effect_studies`` list every extracted study (``studies``), pooled or described; of
    those, a study described now for another reason than a retraction is taken to have been described then
    too (effect data are not taken back), so it neither entered nor left.
    """
    if isinstance(prev.get("effect_studies"), list):
        return set(prev["effect_studies"])
    if isinstance(prev.get("studies"), list):
        described = {d.record_id for r in s.outcomes for d in r.described_studies if d.reason != RETRACTED}
        return set(prev["studies"]) - (described - s.effect_ids)
    return None


def synthesis_changes(d: ReviewData) -> SynthesisChanges | None:
    """Studies that entered and left the effect estimate since the previous report, and why those that left
    did (retracted, no longer included, or no usable effect now).

    Exact when the previous report's snapshot lists its studies. Older snapshots store only counts; then the
    studies of the previous version are those included at the previous report (``ReviewData.flow.previous_ids``,
    else the studies whose full-text include is older than that report), and the number that left is what
    the previous count of extracted studies lacks. None when there is no previous synthesis to compare with,
    or the decision times contradict it (then the key message falls back to the net change of the count).
    """
    s, prev = d.synthesis, d.previous_synthesis
    if s is None or prev is None or d.previous_report_at is None:
        return None
    included_now = {st.record.id for st in d.included}
    before = _effect_before(prev, s)
    if before is not None:
        now = s.effect_ids
        gone = before - now
        retracted = gone & _retracted_ids(d)
        rest = gone - retracted
        return SynthesisChanges(len(now - before), len(gone), bool(rest) and not (rest & included_now),
                                len(retracted), tuple(sorted(gone)))
    now = s.study_ids  # the count-only snapshot counted every extracted study
    flow_prev = d.flow.previous_ids
    if flow_prev:
        was_included = set(flow_prev)
    else:
        was_included = {st.record.id for st in d.included  # the log keeps the report's time in seconds
                        if st.decided_at is not None and st.decided_at.replace(microsecond=0) <= d.previous_report_at}
        if not was_included and prev.get("included"):
            return None  # decision times contradict the previous report (a clock set back): net counts
    kept = now & was_included
    before_n = int(prev.get("extracted", 0))
    entered = len(now - kept) + max(0, len(kept) - before_n)  # more kept than before: extracted since
    left = max(0, before_n - len(kept))
    if flow_prev:
        no_longer = len(d.left_inclusions)
    else:
        no_longer = max(0, int(prev.get("included", 0)) - len(included_now & was_included))
    return SynthesisChanges(entered, left, bool(left) and left <= no_longer)


def _retracted_ids(d: ReviewData) -> set[int]:
    """Record ids of the included and no-longer-included studies that OpenAlex marks as retracted."""
    studies = [*d.included, *(x.study for x in d.left_inclusions)]
    return {st.record.id for st in studies if st.record.is_retracted}


def left_effect_studies(d: ReviewData, lang: str) -> list[tuple[Study, str]]:
    """The studies still included that left the effect estimate since the previous report, each with why in
    ``lang`` ("teruggetrokken publicatie"); those no longer included are listed with the PRISMA flow's
    ``left_inclusions`` instead."""
    ch = synthesis_changes(d)
    if ch is None or not ch.left_ids:
        return []
    by_id = {st.record.id: st for st in d.included}
    retracted = _retracted_ids(d)
    out = []
    for rid in ch.left_ids:
        if rid not in by_id:
            continue
        why = RETRACTED if rid in retracted else d.synthesis.not_in_effect_why(rid)
        if why is None:
            text = "niet meer in de extractie" if lang == "nl" else "no longer in the extraction"
        else:
            text = DescribedStudy(rid, "", why).reason_text(lang)
        out.append((by_id[rid], text))
    return out


def _changes(d: ReviewData) -> dict:
    """``synthesis_changes`` as the keywords of the key message's sentences."""
    ch = synthesis_changes(d)
    return ch.keywords() if ch else {}


def changes_text(d: ReviewData, lang: str) -> str:
    """What changed since the previous report (the key message's last sentence), from the studies themselves."""
    return changes_sentence(d.synthesis, d.previous_synthesis, d.previous_report_at, lang, **_changes(d),
                            first=same_day_sentence(d.log, d.now, lang, short=True))


def key_message_text(d: ReviewData, lang: str) -> str:
    """The review's key message in ``lang``."""
    return key_message(d.synthesis, d.protocol, lang, d.previous_synthesis, d.previous_report_at, **_changes(d),
                       first=same_day_sentence(d.log, d.now, lang, short=True))


ABBREVIATIONS = {  # what a policy reader needs to read the key message's numbers; shown only when used
    # (the SMD words are key_message.SMD_SIZES')
    "nl": (("SMD", "gestandaardiseerd verschil in gemiddelden (onder 0,2 zeer klein, vanaf 0,2 klein, vanaf 0,5 "
                    "middelgroot, vanaf 0,8 groot)"),
           ("MD", "verschil in gemiddelde score, in de eenheid van de meting"),
           ("RR", "relatief risico: onder 1 komt de uitkomst met de aanpak minder vaak voor, boven 1 vaker"),
           ("OR", "odds ratio: onder 1 komt de uitkomst met de aanpak minder vaak voor, boven 1 vaker"),
           ("HR", "hazard ratio: onder 1 treedt de uitkomst met de aanpak minder snel op, boven 1 sneller"),
           ("r", "correlatie: hoe sterk twee kenmerken samenhangen, van −1 tot 1; boven 0 hangt meer van het ene "
                 "samen met meer van het andere, onder 0 met minder; 0 is geen samenhang"),
           ("95%-BI", "95%-betrouwbaarheidsinterval: de marge waarbinnen het werkelijke effect waarschijnlijk ligt")),
    "en": (("SMD", "standardised mean difference (below 0.2 very small, from 0.2 small, from 0.5 moderate, from "
                    "0.8 large)"),
           ("MD", "mean difference, in the unit of the measurement"),
           ("RR", "risk ratio: below 1 the outcome is less frequent with the intervention, above 1 more frequent"),
           ("OR", "odds ratio: below 1 the outcome is less frequent with the intervention, above 1 more frequent"),
           ("HR", "hazard ratio: below 1 the outcome comes later with the intervention, above 1 sooner"),
           ("r", "correlation: how strongly two characteristics are associated, from −1 to 1; above 0 more of one "
                 "is associated with more of the other, below 0 with less; 0 is no association"),
           ("95% CI", "95% confidence interval: the range in which the true effect probably lies")),
}


def abbreviations_note(text: str, lang: str) -> str:
    """One line explaining the abbreviations ``text`` uses ("" when it uses none)."""
    shorts = [(short, meaning) for short, meaning in ABBREVIATIONS[lang]
              if re.search(rf"(?<![\w-]){re.escape(short)}(?![\w-])", text)]
    if {s for s, _ in shorts} - {"95%-BI", "95% CI"} == {CORRELATION}:
        # only correlations: the CI holds the true association, not an effect (no effect is claimed)
        shorts = [(s, m.replace("het werkelijke effect", "de werkelijke samenhang")
                   .replace("the true effect", "the true association")) for s, m in shorts]
    used = [f"{short} = {meaning}" for short, meaning in shorts]
    return ("Afkortingen: " if lang == "nl" else "Abbreviations: ") + "; ".join(used) + "." if used else ""


def key_message_blocks(d: ReviewData, lang: str) -> list:
    """The key message as the summary's first section, with the abbreviations it uses explained."""
    text = key_message_text(d, lang)
    legend = abbreviations_note(text, lang)
    return [H(2, "Kernboodschap" if lang == "nl" else "Key message"), P([text], cls="key"),
            *([P([legend], cls="small")] if legend else [])]


def _effect_head(measure: str, lang: str) -> str:
    """The effect row's head in the table: "Effect (95%-BI)", for a correlation "Samenhang (95%-BI)" (an
    association is not worded as an effect)."""
    if measure == CORRELATION:
        return "Samenhang (95%-BI)" if lang == "nl" else "Association (95% CI)"
    return "Effect (95%-BI)" if lang == "nl" else "Effect (95% CI)"


def _pi(p, lang: str) -> str:
    if p.pi_low is None and p.k < 2:
        return "—"
    if p.k < PI_MIN_K:  # t on k-2 df: too wide to inform (key_message.PI_MIN_K)
        return (f"niet getoond (te weinig studies; minder dan {PI_MIN_K})" if lang == "nl" else
                f"not shown (too few studies; fewer than {PI_MIN_K})")
    if p.pi_low is None:
        return "—"
    return fmt_range(p.pi_low, p.pi_high, lang, null=p.null)


def forest_caption(r, lang: str) -> str:
    """The forest plot's caption, naming only what ``forest_svg`` draws: the weights when the studies have
    them, the diamond when there is a pooled effect, the prediction interval when it is shown, and which
    side favours the intervention when the protocol says which direction is good."""
    nl, p = lang == "nl", r.pooled
    weights = any(x.weight is not None for x in p.studies)
    association = p.measure == CORRELATION
    parts = [(("samenhang (r) per studie met 95%-BI" if association else "effect per studie met 95%-BI") if nl else
              ("association (r) per study with 95% CI" if association else "effect per study with 95% CI"))
             + ((" en gewicht" if nl else " and weight") if weights else "")]
    if p.estimate is not None:
        parts.append(("gemiddelde samenhang (ruit)" if association else "gemiddeld effect (ruit)") if nl else
                     ("pooled association (diamond)" if association else "pooled effect (diamond)"))
        if shows_pi(p):
            parts.append("voorspellingsinterval" if nl else "prediction interval")
    what = join_words(parts, lang)
    if sides_of(r) is not None:
        what += ("; onder de as staat welke kant gunstig is voor de aanpak" if nl else
                 "; under the axis is the side that favours the intervention")
    title = r.heading(lang)
    caption = f"Forestplot voor {title}: {what}." if nl else f"Forest plot for {title}: {what}."
    return caption + _retracted_note(r, lang)


def _retracted_note(r, lang: str) -> str:
    """" Koh 2016 staat niet in de figuur: de publicatie is teruggetrokken." for the outcome's studies whose
    effect is left out because OpenAlex marks them retracted (``RETRACTED``); "" when there are none."""
    labels = [x.label for x in r.described_studies if x.reason == RETRACTED]
    if not labels:
        return ""
    nl = lang == "nl"
    names = join_words(labels, lang)
    if nl:
        return (f" {names} staat niet in de figuur: de publicatie is teruggetrokken." if len(labels) == 1 else
                f" {names} staan niet in de figuur: de publicaties zijn teruggetrokken.")
    return (f" {names} is not in the figure: the publication was retracted." if len(labels) == 1 else
            f" {names} are not in the figure: the publications were retracted.")


def _measures_note(s, r, lang: str) -> str | None:
    """Under the first result of an outcome extracted with several effect measures: why it has one result
    (and one strength) per measure. None for an outcome with one measure, and under its later results."""
    same = [x for x in s.outcomes if x.pooled.outcome == r.pooled.outcome and x.pooled.measure]
    if len(same) < 2 or same[0] is not r:
        return None
    measures = join_words([x.pooled.measure for x in same], lang)
    name = capitalised(r.name(lang))
    if lang == "nl":
        return (f"{name} is in {len(same)} maten gerapporteerd ({measures}). Die zijn niet "
                "zonder omrekening samen te voegen, dus elke maat is apart samengevat, met een eigen bewijskracht.")
    return (f"{name} was reported in {len(same)} measures ({measures}). These cannot be "
            "pooled without conversion, so each measure is summarised on its own, with its own strength of "
            "evidence.")


def _converted_note(r, lang: str) -> str | None:
    """Under a standardised mean difference that holds yes/no effects converted to it (the protocol's
    ``odds_ratios_as_smd``): how many, and how."""
    k = sum(1 for e in r.pooled.studies if e.converted_from)
    if not k:
        return None
    of = f"{fmt_int(k, lang)} {'van de' if lang == 'nl' else 'of the'} {fmt_int(r.pooled.k, lang)}"
    if lang == "nl":
        return (f"{of} studies {'mat' if k == 1 else 'maten'} de uitkomst als ja of nee (een oddsratio of aantallen "
                f"per groep). {'Die oddsratio is' if k == 1 else 'Hun oddsratio’s zijn'} omgerekend naar een "
                "gestandaardiseerd verschil (SMD = ln(OR) × √3/π, Chinn 2000), zodat alle studies samen één "
                "gemiddeld effect geven.")
    return (f"{of} studies measured the outcome as yes or no (an odds ratio or counts per group); "
            f"{'its odds ratio was' if k == 1 else 'their odds ratios were'} converted to a standardised mean "
            "difference (SMD = ln(OR) × √3/π, Chinn 2000) so that all studies give one pooled effect.")


def evidence_section(d: ReviewData, lang: str, doc: Doc) -> dict[str, str]:
    """Append the effect and strength section; returns the forest plot files."""
    from lsr.synthesis.forest import forest_svg

    nl = lang == "nl"
    s = d.synthesis
    doc.add(H(2, "Effect en bewijskracht" if nl else "Effects and strength of evidence"))
    if s is None or not s.outcomes:
        included = s.included if s is not None else len(d.included)
        if not included:
            text = ("Er zijn nog geen studies opgenomen, dus er is nog geen effect te berekenen." if nl else
                    "No study has been included yet, so there is no effect to compute.")
        else:
            text = ("De gegevens van de opgenomen studies zijn nog niet overgenomen; het effect en de bewijskracht "
                    "volgen zodra dat is gebeurd." if nl else
                    "The data of the included studies have not been extracted yet; the effect and the strength "
                    "of evidence will follow once they have been.")
        doc.add(P([text]))
        return {}
    files: dict[str, str] = {}
    for i, r in enumerate(s.outcomes):
        p, st = r.pooled, r.strength
        if p.studies:
            effect = effect_text(p, lang, ci_label=False)  # the row is headed "Effect (95%-BI)"
        else:
            effect = "geen effect te berekenen" if nl else "no effect to compute"
        rows = [
            ["Studies", fmt_int(p.k or len(r.described), lang)],
            ["Deelnemers" if nl else "Participants", fmt_int(p.n, lang) if p.n else "—"],
            *([["Deelnemers met de uitkomst" if nl else "Participants with the outcome", fmt_int(p.events, lang)]]
              if p.events is not None else []),
            [_effect_head(p.measure, lang), effect],
            *([["Alleen gerandomiseerde studies" if nl else "Randomised studies only",
                f"{effect_text(r.randomised_only, lang, ci_label=False)}; "
                f"{plural(r.randomised_only.k, 'studie', 'studies', lang)}"]]
              if r.randomised_only is not None else []),
            ["Voorspellingsinterval" if nl else "Prediction interval", _pi(p, lang)],
            ["Verschil tussen studies (I²)" if nl else "Heterogeneity (I²)",
             f"{fmt_dec(100 * p.i2, lang, 0)}%" if p.i2 is not None else "—"],
            ["Bewijskracht" if nl else "Strength of evidence", Strong(st.word(lang))],
        ]
        doc.add(H(3, r.heading(lang)), Table([], rows))  # the heading names the measure when an outcome has several
        for note in (_measures_note(s, r, lang), _converted_note(r, lang)):
            if note:
                doc.add(P([note]))
        head = "Waarom deze bewijskracht:" if nl else "Why this strength of evidence:"
        doc.add(P([Strong(head)]), UL([[x] for x in st.reasons[lang]]))
        if st.notes[lang]:  # where the studies come from: beside the level, not one of its reasons
            doc.add(P([Strong("Herkomst" if nl else "Origin"),
                       " (telt niet mee in de bewijskracht): " if nl else
                       " (does not count in the strength of evidence): ", "; ".join(st.notes[lang]) + "."]))
        if r.described_studies:
            doc.add(P(["Beschreven, niet meegeteld in het gemiddelde effect:" if nl else
                       "Described, not counted in the pooled effect:"]),
                    UL([[f"{x.label}: {x.reason_text(lang)}"] for x in r.described_studies]))
        if p.studies:
            name = f"forest-{i + 1}.{lang}.svg"
            svg = forest_svg(r, lang, f"{d.protocol.id}-{lang}-forest-{i + 1}")
            files[name] = svg
            doc.add(Figure(svg, forest_caption(r, lang), name, "plot"))
    doc.add(P([method_note(s, lang)], cls="small"), P([RULE[lang]], cls="small"))
    return files


def appendix_nl(d: ReviewData, doc: Doc) -> None:
    """Technische bijlage (Dutch summary): exact times, request URLs, kappa, tau² for the specialists."""
    doc.add(H(2, "Technische bijlage"))
    items = [[f"Rapport gemaakt op {fmt_date(d.now, 'nl', True)}."]]
    last = d.last_search
    if last is not None:
        items.append([f"Laatste zoekactie in OpenAlex gestart op {fmt_date(last.started_at, 'nl', True)}."])
    doc.add(UL(items))
    info = next((r for r in d.runs if r.run is last), None) if last is not None else None
    if info is not None and info.request_urls:
        doc.add(P([Strong("Verzoek-URL's van de laatste zoekactie")]), Pre("\n".join(info.request_urls[:3])))
    if d.agreement and d.protocol.screening.reviewers_per_record >= 2:
        from lsr.report import assurance

        kappa = ["Cohens kappa" + t.split("Cohens kappa", 1)[1] for t in assurance.agreement_sentences(d, "nl")
                 if "Cohens kappa" in t]
        if kappa:
            doc.add(P([Strong("Overeenstemming (Cohens kappa)")]), *[P([t]) for t in kappa])
    s = d.synthesis
    if s is not None and s.pooled_any:
        correlations = any(r.pooled.measure == CORRELATION and r.pooled.estimate is not None for r in s.outcomes)
        doc.add(P([Strong("Berekening van het gemiddelde effect")]),
                P([METHOD_APPENDIX_NL + (" " + METHOD_APPENDIX_R_NL if correlations else "")]))
    if s is not None and any(r.pooled.tau2 is not None for r in s.outcomes):
        doc.add(P([Strong("Spreiding van het effect tussen studies (tau²)")]),
                UL([[f"{r.heading('nl')}: {fmt_dec(r.pooled.tau2, 'nl', 3)}"] for r in s.outcomes
                    if r.pooled.tau2 is not None]))
    if s is not None and any(r.pooled.k >= 2 for r in s.outcomes):
        doc.add(P([Strong("Toets op publicatiebias (kleine-studie-effecten)")]), P([SMALL_STUDY_APPENDIX_NL]),
                UL([[f"{r.heading('nl')}: {small_study_text_nl(r)}"] for r in s.outcomes if r.pooled.k >= 2]))


SMALL_STUDY_APPENDIX_NL = (
    f"Alleen bij minstens {MIN_K} studies (Cochrane Handbook 13.3.5.4). Toets van Egger (Egger e.a. 1997): "
    "regressie (kleinste kwadraten) van effect/standaardfout op 1/standaardfout; de constante meet de asymmetrie. "
    "Toets van Peters (Peters e.a. 2006), als elke studie als aantallen per groep is overgenomen: gewogen "
    "regressie van de log-ratio op 1/N (N: deelnemers van de studie), met gewicht 1/(1/E + 1/F) (E: deelnemers "
    "met de uitkomst, F: zonder, beide groepen samen); de helling meet de asymmetrie. Beide met statsmodels, "
    "tweezijdig getoetst met t op k−2 vrijheidsgraden; bij p < 0,10 gaat de bewijskracht één niveau lager.")


def small_study_text_nl(r) -> str:
    """What the publication-bias step did for one outcome, for the appendix."""
    t = r.strength.small_study
    if t is None:
        if r.pooled.k < MIN_K:
            return f"niet beoordeeld (minder dan {MIN_K} studies)"
        return ("niet te toetsen (de studies zijn even groot of even precies, of te weinig studies hebben "
                "deelnemers met én zonder de uitkomst)")
    verdict = ("aanwijzing voor kleine-studie-effecten, één niveau lager" if t.asymmetric else
               "geen aanwijzing voor kleine-studie-effecten")
    return f"{name_of_test(t, 'nl')} {p_text(t.p, 'nl')} ({t.k} studies): {verdict}"
