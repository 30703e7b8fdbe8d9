"""The synthesis in a summary: the key message, the effect and evidence-strength table with reasons,
the forest plots, and (Dutch) the technical appendix that keeps request URLs, kappa and UTC times out of
the text meant for policy staff.

``key_message_blocks`` and ``evidence_section`` read ``ReviewData.synthesis`` (``lsr.synthesis``); the
forest plots are returned as files (name -> SVG) like the other figures.
"""

from __future__ import annotations

from lsr.report.collect import ReviewData
from lsr.report.document import UL, Doc, Figure, H, P, Pre, Strong, Table
from lsr.report.texts import fmt_date, fmt_dec, fmt_int
from lsr.synthesis.key_message import effect_text, fmt_effect, key_message

WHY = {"nl": {"no effect extracted": "geen effect geëxtraheerd",
              "no events in either arm": "in geen van beide groepen gebeurtenissen",
              "events in everyone in both arms": "bij iedereen in beide groepen een gebeurtenis"},
       "en": {}}
METHOD = {
    "nl": "Gemiddeld effect berekend met een random-effectsmodel (inverse variantie; variantie tussen studies "
          "volgens Paule-Mandel), met statsmodels. Een relatief risico of oddsratio onder 1 betekent minder "
          "van de uitkomst in de groep met de aanpak; boven 1 meer. Het voorspellingsinterval geeft aan waar het "
          "effect in een nieuwe situatie kan liggen.",
    "en": "Pooled with a random-effects model (inverse variance; between-study variance tau² by Paule-Mandel, "
          "which unlike DerSimonian-Laird does not underestimate large heterogeneity), Wald 95% CI, prediction "
          "interval with t on k-2 degrees of freedom; computed with statsmodels. Ratio measures on the natural "
          "scale (below 1: less of the outcome with the intervention). I² = (Q - df) / Q.",
}
RULE = {
    "nl": "Bewijskracht (vier niveaus: sterk, redelijk, beperkt, zeer beperkt) volgens een regel naar GRADE: "
          "start bij het onderzoeksontwerp (alle studies gerandomiseerd: sterk; minstens de helft: redelijk; "
          "anders beperkt), één niveau lager bij risico op vertekening, bij sterk wisselende resultaten "
          "(I² vanaf 50%), bij onnauwkeurigheid (interval omvat geen effect; minder dan 400 deelnemers) en "
          "bij maar één studie.",
    "en": "Evidence strength (high, moderate, low, very low) by a GRADE-like rule: start from design (all "
          "randomised: high; at least half: moderate; otherwise low), down for risk of bias, inconsistency "
          "(I² 50% or more), imprecision (CI includes no effect; fewer than 400 participants) and a single study.",
}


def key_message_text(d: ReviewData, lang: str) -> str:
    """The review's key message in ``lang``."""
    return key_message(d.synthesis, d.protocol, lang, d.previous_synthesis, d.previous_report_at)


def key_message_blocks(d: ReviewData, lang: str) -> list:
    """The key message as the summary's first section."""
    return [H(2, "Kernboodschap" if lang == "nl" else "Key message"), P([key_message_text(d, lang)], cls="key")]


def _pi(p, lang: str) -> str:
    if p.pi_low is None:
        return "—"
    return f"{fmt_effect(p.pi_low, lang)}-{fmt_effect(p.pi_high, lang)}"


def evidence_section(d: ReviewData, lang: str, doc: Doc) -> dict[str, str]:
    """Append the effect and strength section; returns the forest plot files."""
    from lsr.synthesis.forest import forest_svg

    nl = lang == "nl"
    s = d.synthesis
    doc.add(H(2, "Effect en bewijskracht" if nl else "Effects and strength of evidence"))
    if s is None or not s.outcomes:
        doc.add(P(["Er zijn nog geen gegevens uit de opgenomen studies verwerkt (lsr extract); een effect en "
                   "de bewijskracht volgen zodra dat gebeurd is." if nl else
                   "No study data has been extracted yet (lsr extract); effects and strength follow once it is."]))
        return {}
    files: dict[str, str] = {}
    for i, r in enumerate(s.outcomes):
        p, st = r.pooled, r.strength
        if p.estimate is not None:
            effect = effect_text(p, lang)
        elif p.studies:
            e = p.studies[0]
            effect = (f"{p.measure} {fmt_effect(e.estimate, lang)} (één studie, niet gepoold)" if nl else
                      f"{p.measure} {fmt_effect(e.estimate, lang)} (one study, not pooled)")
        else:
            effect = "geen effectmaat" if nl else "no effect measure"
        rows = [
            ["Studies", fmt_int(p.k or len(r.described), lang)],
            ["Deelnemers" if nl else "Participants", fmt_int(p.n, lang) if p.n else "—"],
            ["Effect (95%-BI)" if nl else "Effect (95% CI)", effect],
            ["Voorspellingsinterval" if nl else "Prediction interval", _pi(p, lang)],
            ["Verschil tussen studies (I²)" if nl else "Heterogeneity (I²)",
             f"{fmt_dec(100 * p.i2, lang, 0)}%" if p.i2 is not None else "—"],
            ["Bewijskracht" if nl else "Strength of evidence", Strong(st.word(lang))],
        ]
        doc.add(H(3, p.outcome), Table([], rows))
        head = "Waarom deze bewijskracht:" if nl else "Why this strength:"
        doc.add(P([Strong(head)]), UL([[x] for x in st.reasons[lang] + st.notes[lang]]))
        if r.described:
            doc.add(P(["Beschreven, niet gepoold:" if nl else "Described, not pooled:"]),
                    UL([[f"{label}: {WHY[lang].get(why, why)}"] for label, why in r.described]))
        if p.studies:
            name = f"forest-{i + 1}.{lang}.svg"
            svg = forest_svg(p, lang, f"{d.protocol.id}-{lang}-forest-{i + 1}")
            files[name] = svg
            caption = (f"Forest plot voor {p.outcome}: effect per studie met 95%-BI en gewicht, gemiddeld effect "
                       "(ruit) en voorspellingsinterval." if nl else
                       f"Forest plot for {p.outcome}: effect per study with 95% CI and weight, pooled effect "
                       "(diamond) and prediction interval.")
            doc.add(Figure(svg, caption, name, "plot"))
    doc.add(P([METHOD[lang]], cls="small"), P([RULE[lang]], cls="small"))
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
    if s is not None and any(r.pooled.tau2 is not None for r in s.outcomes):
        doc.add(P([Strong("Tussen-studievariantie (tau²)")]),
                UL([[f"{r.pooled.outcome}: {fmt_dec(r.pooled.tau2, 'nl', 3)}"] for r in s.outcomes
                    if r.pooled.tau2 is not None]))
