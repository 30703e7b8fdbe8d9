"""How sure we are, in plain words: the stopping rule's state and inter-rater agreement (dual screening).

``stopping_sentences`` turns ``lsr.status.stopping_status`` (filled by ``lsr.screening.stopping.evaluate_review``)
into sentences for the bureau: whether screening may stop, the recall we can claim and with what
confidence, and honestly when no estimate is available. ``agreement_sentences`` reports percentage
agreement and Cohen's kappa (from ``lsr.screening.agreement``) with the Landis & Koch wording.
"""

from __future__ import annotations

from lsr.report.collect import ReviewData
from lsr.report.texts import fmt_dec, fmt_int, fmt_pct, kappa_word, plural, verb


def agreement_sentences(d: ReviewData, lang: str) -> list[str]:
    """Dual screening: percentage agreement and Cohen's kappa in words."""
    nl = lang == "nl"
    intro = (
        "Elke publicatie wordt onafhankelijk door twee beoordelaars bekeken, zonder dat zij elkaars oordeel "
        "zien; bij verschil beslist een derde beoordelaar."
        if nl
        else "Every record is screened independently by two reviewers who do not see each other's label; "
        "disagreements are resolved by a third decision."
    )
    if d.agreement is None:
        return [
            intro,
            "De overeenstemming is in deze versie van lsr niet beschikbaar."
            if nl
            else "Agreement statistics are not available in this version of lsr.",
        ]
    ov = d.agreement.get("overall") or {}
    n = ov.get("n") or 0
    if not n:
        return [
            intro,
            "Er zijn nog geen publicaties door twee beoordelaars bekeken, dus de overeenstemming is nog "
            "niet te berekenen."
            if nl
            else "No record has been screened by two reviewers yet.",
        ]
    pct, kappa = fmt_pct(ov.get("percent_agreement"), lang), ov.get("kappa")
    if nl:
        text = (
            f"Over de {plural(n, 'publicatie', 'publicaties', lang)} die door twee beoordelaars "
            f"{verb(n, 'is', 'zijn')} bekeken, waren zij het in {pct} van de gevallen eens. "
        )
        text += (
            "Cohens kappa is niet te berekenen, omdat alle oordelen hetzelfde waren."
            if kappa is None
            else f"Cohens kappa, die corrigeert voor toevallige overeenstemming, is {fmt_dec(kappa, lang)}: "
            f"{kappa_word(kappa, lang)} overeenstemming."
        )
    else:
        text = (
            f"Over the {plural(n, 'record', 'records', lang)} screened by two reviewers, "
            f"they agreed on {pct}. "
        )
        text += (
            "Cohen's kappa is undefined because every label was the same."
            if kappa is None
            else f"Cohen's kappa (chance-corrected) is {fmt_dec(kappa, lang)}: {kappa_word(kappa, lang)} "
            "agreement."
        )
    return [intro, text]


def stopping_sentences(d: ReviewData, lang: str) -> list[str]:
    """The stopping rule's state in plain words: can screening stop, and how sure are we?"""
    nl, s, stop, scr = lang == "nl", d.status, d.stopping, d.protocol.screening
    rule = stop.get("rule") or scr.stopping
    records, unscreened = s["records"], s["unscreened"]
    if records == 0:
        return [
            "Er zijn nog geen publicaties gevonden, dus er valt nog niets te beoordelen."
            if nl
            else "No records have been found yet, so there is nothing to screen."
        ]
    if unscreened == 0:
        kinds = {r.run.kind for r in d.runs}
        source_nl = ("de zoekacties en imports" if kinds >= {"update", "import"} else
                     "de imports" if kinds == {"import"} else "de zoekacties")
        source_en = ("the searches and imports" if kinds >= {"update", "import"} else
                     "the imports" if kinds == {"import"} else "the searches")
        return [
            ("De enige gevonden publicatie is beoordeeld" if records == 1 else
             "Beide gevonden publicaties zijn beoordeeld" if records == 2 else
             f"Alle {fmt_int(records, lang)} gevonden publicaties zijn beoordeeld")
            + f": binnen wat {source_nl} opleverden, is niets overgeslagen."
            if nl
            else ("The only record found has been screened" if records == 1 else
                  "Both records found have been screened" if records == 2 else
                  f"All {fmt_int(records, lang)} records found have been screened")
            + f": nothing {source_en} returned was skipped."
        ]
    if rule == "none":
        return [
            f"Voor deze review is geen stopregel afgesproken: alle gevonden publicaties worden beoordeeld. "
            f"Er {verb(unscreened, 'wacht', 'wachten')} nog {fmt_int(unscreened, lang)}."
            if nl
            else "This review has no stopping rule: every record found is screened. "
            f"{fmt_int(unscreened, lang)} "
            f"{verb(unscreened, 'remains', 'remain')}."
        ]
    if rule.startswith("consecutive-irrelevant"):
        need = rule.split(":", 1)[-1]
        if nl:
            head = (
                f"De stopregel is bereikt: de laatste {need} beoordeelde publicaties waren allemaal niet "
                "relevant."
                if stop.get("met")
                else f"De stopregel ({need} niet-relevante publicaties op rij) is nog niet bereikt."
            )
            return [
                head,
                "Dit is een vuistregel zonder statistische garantie: bij kleine reviews stopt hij soms te "
                "vroeg, en dan kunnen relevante studies gemist worden.",
            ]
        head = (
            f"The stopping rule is met: the last {need} records screened were all irrelevant."
            if stop.get("met")
            else f"The stopping rule ({need} irrelevant records in a row) is not met yet."
        )
        return [
            head,
            "This is a heuristic without a statistical guarantee: on small reviews it can stop early, "
            "with relevant studies missed.",
        ]
    return _statistical(d, lang)


def _statistical(d: ReviewData, lang: str) -> list[str]:
    nl, s, stop, scr = lang == "nl", d.status, d.stopping, d.protocol.screening
    unscreened = s["unscreened"]
    est = stop.get("estimated_recall")
    conf = fmt_pct(stop.get("confidence", scr.confidence), lang)
    target = fmt_pct(stop.get("recall_target", scr.recall_target), lang)
    relevant = s["included"] + s["maybe"]
    evaluated = any(k in stop for k in ("message", "p_value", "recall_target")) or est is not None
    if not evaluated:
        return [
            f"Er is nog geen schatting beschikbaar van hoeveel relevante studies er nog tussen de "
            f"{fmt_int(unscreened, lang)} niet-beoordeelde publicaties zitten. Zolang die schatting er niet "
            "is, "
            "kunnen we niet zeggen hoe zeker het is dat er niets belangrijks gemist wordt."
            if nl
            else f"No estimate is available yet of how many relevant studies remain among the "
            f"{fmt_int(unscreened, lang)} unscreened records, so we cannot say how sure we are that nothing "
            "relevant is missed."
        ]
    if est is None:
        return [
            "Er is nog geen schatting mogelijk: zolang er geen relevante publicatie is gevonden, kan de "
            "statistische stopregel niets zeggen over wat er nog ontbreekt."
            if nl
            else "No estimate is possible yet: until a relevant record is found, the statistical stopping "
            "rule "
            "cannot say anything about what is missing."
        ]
    if stop.get("met"):
        out = [
            f"De stopregel is bereikt. We zijn er voor {conf} zeker van dat ten minste {fmt_pct(est, lang)} "
            "van de "
            f"relevante publicaties is gevonden (doel: {target}). De {fmt_int(unscreened, lang)} publicaties "
            "die "
            "nog niet zijn beoordeeld, bevatten naar verwachting weinig of niets relevants."
            if nl
            else f"The stopping rule is met: we are {conf} confident that at least {fmt_pct(est, lang)} of "
            "the relevant "
            f"records have been found (target {target}). The {fmt_int(unscreened, lang)} unscreened records "
            "are "
            "expected to hold little or nothing relevant."
        ]
    else:
        out = [
            "De stopregel is nog niet bereikt. Op basis van wat tot nu toe is beoordeeld, zijn we er voor "
            f"{conf} "
            f"zeker van dat ten minste {fmt_pct(est, lang)} van de relevante publicaties is gevonden; het "
            "doel is "
            f"{target}. Er moet dus verder beoordeeld worden voordat we zeker genoeg zijn dat er niets "
            "belangrijks ontbreekt."
            if nl
            else f"The stopping rule is not met yet. From what has been screened, we are {conf} confident "
            "that at "
            f"least {fmt_pct(est, lang)} of the relevant records have been found; the target is {target}. "
            "Screening must continue before we can be sure enough that nothing important is missing."
        ]
        if relevant < 20:
            out.append(
                f"Omdat pas {plural(relevant, 'publicatie', 'publicaties', lang)} door de eerste selectie "
                f"(titel en samenvatting, twijfelgevallen meegeteld) {verb(relevant, 'is', 'zijn')} gekomen, is de "
                "toets bewust voorzichtig: om ook maar één "
                "gemiste "
                "studie uit te sluiten, moet het grootste deel van de resterende publicaties bekeken worden."
                if nl
                else f"With only {plural(relevant, 'record', 'records', lang)} through the first selection "
                "(title and abstract, undecided ones counted), the "
                "test is "
                "conservative by design: ruling out even one missed study needs most of the remaining "
                "records screened."
            )
    batch = stop.get("batch")
    if batch:
        met = batch.get("met")
        out.append(
            "Voor de nieuwste zoekactie "
            f"({plural(batch.get('records', 0), 'nieuwe publicatie', 'nieuwe publicaties', lang)}"
            f", waarvan {fmt_int(batch.get('screened', 0), lang)} beoordeeld) is de stopregel "
            f"{'bereikt' if met else 'nog niet bereikt'}."
            if nl
            else "For the newest search "
            f"({plural(batch.get('records', 0), 'new record', 'new records', lang)}, "
            f"{fmt_int(batch.get('screened', 0), lang)} screened) the rule is "
            f"{'met' if met else 'not met yet'}."
        )
    return out
