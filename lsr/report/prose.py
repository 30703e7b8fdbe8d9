"""The sentences of a summary that depend on the numbers, written out in Dutch and in English.

Each function takes a ``ReviewData`` and a language and returns finished sentences: what was found,
what changed since the previous report, how far screening is, whether the stopping rule is met (and what
that means for how sure we can be that nothing relevant is missing), and how well reviewers agreed.
"""

from __future__ import annotations

from lsr.report.collect import ReviewData
from lsr.report.texts import fmt_date, fmt_dec, fmt_int, fmt_pct, kappa_word, plural, share


def _v(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def found_sentence(d: ReviewData, lang: str) -> str:
    """Records found and screened, dated by the last search."""
    s, last = d.status, d.last_search
    pl_rec = plural(s["records"], "unieke publicatie" if lang == "nl" else "unique record",
                    "unieke publicaties" if lang == "nl" else "unique records", lang)
    pct = share(s["screened"], s["records"], lang)
    if lang == "nl":
        when = f"Tot en met de zoekactie van {fmt_date(last.started_at, lang)}" if last else "Tot nu toe"
        return (f"{when} {_v(s['records'], 'is', 'zijn')} er {pl_rec} gevonden. Daarvan {_v(s['screened'], 'is', 'zijn')}"
                f" er {fmt_int(s['screened'], lang)} ({pct}) beoordeeld op titel en samenvatting.")
    when = f"Up to the search of {fmt_date(last.started_at, lang)}" if last else "So far"
    return f"{when}, {pl_rec} {_v(s['records'], 'was', 'were')} found; {fmt_int(s['screened'], lang)} ({pct}) " \
           "of them have been screened on title and abstract."


def included_sentence(d: ReviewData, lang: str) -> str:
    """Studies included after full text, and how many still wait for it."""
    ft = d.status["fulltext"]
    n, pending = ft["included"], ft["pending"]
    if lang == "nl":
        text = (f"{plural(n, 'studie', 'studies', lang)} {_v(n, 'voldoet', 'voldoen')} na lezing van de volledige "
                f"tekst aan de criteria en {_v(n, 'is', 'zijn')} opgenomen")
        if pending:
            text += f"; {plural(pending, 'publicatie wacht', 'publicaties wachten', lang)} nog op die beoordeling"
        return text + "."
    text = f"{plural(n, 'study meets', 'studies meet', lang)} the criteria after full-text assessment and " \
           f"{_v(n, 'is', 'are')} included"
    if pending:
        text += f"; {plural(pending, 'record awaits', 'records await', lang)} full-text assessment"
    return text + "."


def _since_phrase(d: ReviewData, lang: str) -> str:
    date = fmt_date(d.cutoff, lang)
    if d.cutoff_kind == "report":
        return f"Sinds het vorige rapport van {date}" if lang == "nl" else f"Since the previous report of {date}"
    return f"Sinds {date}" if lang == "nl" else f"Since {date}"


def changes_sentences(d: ReviewData, lang: str) -> list[str]:
    """What happened in the current round: searches, new records, screening, new inclusions."""
    c = d.flow.current
    n_new = len(d.new_inclusions)
    if d.cutoff is None:
        first = ("Dit is het eerste rapport van deze review: alle aantallen hieronder zijn nieuw." if lang == "nl"
                 else "This is the first report of this review: every count below is new.")
        return [first]
    since = _since_phrase(d, lang)
    runs = [r.run for r in d.runs if r.round_index == len(d.rounds) - 1]
    n_upd = sum(r.kind == "update" for r in runs)
    n_imp = len(runs) - n_upd
    earlier = sum(1 for s in d.new_inclusions if s.round_index < len(d.rounds) - 1)
    if lang == "nl":
        if not runs:
            out = [f"{since} is er niet opnieuw gezocht; er zijn dus geen nieuwe publicaties bijgekomen."]
        else:
            out = [f"{since} {_v(n_upd, 'is', 'zijn')} er {plural(n_upd, 'zoekactie', 'zoekacties', lang)} in "
                   f"OpenAlex uitgevoerd en {_v(n_imp, 'is', 'zijn')} er {plural(n_imp, 'bestand', 'bestanden', lang)}"
                   f" geïmporteerd. Samen leverden die {plural(c.identified, 'treffer', 'treffers', lang)} op; na het "
                   f"verwijderen van {fmt_int(c.duplicates, lang)} dubbele {_v(c.duplicates, 'treffer', 'treffers')} "
                   f"{_v(c.records, 'bleef', 'bleven')} er {plural(c.records, 'nieuwe publicatie', 'nieuwe publicaties', lang)}"
                   " over."]
        out.append(f"In dezelfde periode {_v(d.screened_since, 'is', 'zijn')} er "
                   f"{plural(d.screened_since, 'publicatie', 'publicaties', lang)} beoordeeld op titel en samenvatting"
                   f" en {_v(n_new, 'is', 'zijn')} er {plural(n_new, 'studie', 'studies', lang)} nieuw opgenomen"
                   + (f"; {fmt_int(earlier, lang)} daarvan {_v(earlier, 'kwam', 'kwamen')} uit eerdere zoekacties"
                      if earlier else "") + ".")
        return out
    if not runs:
        out = [f"{since}, no new search was run, so no new records were added."]
    else:
        out = [f"{since}, {plural(n_upd, 'OpenAlex search was', 'OpenAlex searches were', lang)} run and "
               f"{plural(n_imp, 'file was', 'files were', lang)} imported. Together they returned "
               f"{plural(c.identified, 'hit', 'hits', lang)}; after removing {fmt_int(c.duplicates, lang)} "
               f"{_v(c.duplicates, 'duplicate', 'duplicates')}, {plural(c.records, 'new record', 'new records', lang)}"
               " remained."]
    out.append(f"In the same period {plural(d.screened_since, 'record was', 'records were', lang)} screened on title "
               f"and abstract and {plural(n_new, 'study was', 'studies were', lang)} newly included"
               + (f"; {fmt_int(earlier, lang)} of them came from earlier searches" if earlier else "") + ".")
    return out


def progress_sentences(d: ReviewData, lang: str) -> list[str]:
    """Screening progress at both stages."""
    s, ft = d.status, d.status["fulltext"]
    labelled = ft["included"] + ft["excluded"] + ft["maybe"]
    if lang == "nl":
        return [
            f"Van de {plural(s['records'], 'gevonden publicatie', 'gevonden publicaties', lang)} "
            f"{_v(s['screened'], 'is', 'zijn')} er {fmt_int(s['screened'], lang)} ({share(s['screened'], s['records'], lang)})"
            f" beoordeeld op titel en samenvatting: {fmt_int(s['included'], lang)} door naar de volledige tekst, "
            f"{fmt_int(s['excluded'], lang)} uitgesloten en {fmt_int(s['maybe'], lang)} met twijfel (nog geen besluit). "
            f"Er {_v(s['unscreened'], 'wacht', 'wachten')} nog {fmt_int(s['unscreened'], lang)}.",
            f"Van de volledige teksten {_v(labelled, 'is', 'zijn')} er {fmt_int(labelled, lang)} beoordeeld: "
            f"{fmt_int(ft['included'], lang)} opgenomen, {fmt_int(ft['excluded'], lang)} uitgesloten en "
            f"{fmt_int(ft['maybe'], lang)} met twijfel; {fmt_int(ft['pending'], lang)} {_v(ft['pending'], 'wacht', 'wachten')}"
            " nog.",
        ]
    return [
        f"Of the {plural(s['records'], 'record', 'records', lang)} found, {fmt_int(s['screened'], lang)} "
        f"({share(s['screened'], s['records'], lang)}) have been screened on title and abstract: "
        f"{fmt_int(s['included'], lang)} included for full-text assessment, {fmt_int(s['excluded'], lang)} excluded and "
        f"{fmt_int(s['maybe'], lang)} undecided (maybe); {fmt_int(s['unscreened'], lang)} remain.",
        f"{plural(labelled, 'full text has', 'full texts have', lang)} been assessed: {fmt_int(ft['included'], lang)} "
        f"included, {fmt_int(ft['excluded'], lang)} excluded and {fmt_int(ft['maybe'], lang)} undecided; "
        f"{fmt_int(ft['pending'], lang)} pending.",
    ]


def agreement_sentences(d: ReviewData, lang: str) -> list[str]:
    """Dual screening: percentage agreement and Cohen's kappa in words."""
    nl = lang == "nl"
    intro = ("Elke publicatie wordt onafhankelijk door twee beoordelaars bekeken, zonder dat zij elkaars oordeel "
             "zien; bij verschil beslist een derde beoordeling." if nl else
             "Every record is screened independently by two reviewers who do not see each other's label; "
             "disagreements are resolved by a third decision.")
    if d.agreement is None:
        return [intro, "De overeenstemming is in deze versie van lsr niet beschikbaar." if nl
                else "Agreement statistics are not available in this version of lsr."]
    ov = d.agreement.get("overall") or {}
    n = ov.get("n") or 0
    if not n:
        return [intro, "Er zijn nog geen publicaties door twee beoordelaars bekeken, dus de overeenstemming is nog "
                       "niet te berekenen." if nl else "No record has been screened by two reviewers yet."]
    pct, kappa = fmt_pct(ov.get("percent_agreement"), lang), ov.get("kappa")
    if nl:
        text = (f"Over de {plural(n, 'publicatie', 'publicaties', lang)} die door twee beoordelaars "
                f"{_v(n, 'is', 'zijn')} bekeken, waren zij het in {pct} van de gevallen eens. ")
        text += ("Cohens kappa is niet te berekenen, omdat alle oordelen hetzelfde waren." if kappa is None else
                 f"Cohens kappa, die corrigeert voor toevallige overeenstemming, is {fmt_dec(kappa, lang)}: "
                 f"{kappa_word(kappa, lang)} overeenstemming.")
    else:
        text = f"Over the {plural(n, 'record', 'records', lang)} screened by two reviewers, they agreed on {pct}. "
        text += ("Cohen's kappa is undefined because every label was the same." if kappa is None else
                 f"Cohen's kappa (chance-corrected) is {fmt_dec(kappa, lang)}: {kappa_word(kappa, lang)} agreement.")
    return [intro, text]


def stopping_sentences(d: ReviewData, lang: str) -> list[str]:
    """The stopping rule's state in plain words: can screening stop, and how sure are we?"""
    nl, s, stop, scr = lang == "nl", d.status, d.stopping, d.protocol.screening
    rule = stop.get("rule") or scr.stopping
    records, unscreened = s["records"], s["unscreened"]
    if records == 0:
        return ["Er zijn nog geen publicaties gevonden, dus er valt nog niets te beoordelen." if nl
                else "No records have been found yet, so there is nothing to screen."]
    if unscreened == 0:
        return [f"Alle {fmt_int(records, lang)} gevonden publicaties zijn beoordeeld: binnen wat de zoekacties "
                "opleverden is niets overgeslagen." if nl else
                f"All {fmt_int(records, lang)} records found have been screened: nothing the searches returned "
                "was skipped."]
    if rule == "none":
        return [f"Voor deze review is geen stopregel afgesproken: alle gevonden publicaties worden beoordeeld. "
                f"Er {_v(unscreened, 'wacht', 'wachten')} nog {fmt_int(unscreened, lang)}." if nl else
                f"This review has no stopping rule: every record found is screened. {fmt_int(unscreened, lang)} "
                f"{_v(unscreened, 'remains', 'remain')}."]
    if rule.startswith("consecutive-irrelevant"):
        need = rule.split(":", 1)[-1]
        if nl:
            head = (f"De stopregel is bereikt: de laatste {need} beoordeelde publicaties waren allemaal niet relevant."
                    if stop.get("met") else
                    f"De stopregel ({need} niet-relevante publicaties op rij) is nog niet bereikt.")
            return [head, "Dit is een vuistregel zonder statistische garantie: bij kleine reviews stopt hij soms te "
                          "vroeg, en dan kunnen relevante studies gemist worden."]
        head = (f"The stopping rule is met: the last {need} records screened were all irrelevant." if stop.get("met")
                else f"The stopping rule ({need} irrelevant records in a row) is not met yet.")
        return [head, "This is a heuristic without a statistical guarantee: on small reviews it can stop early, "
                      "with relevant studies missed."]
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
        return [f"Er is nog geen schatting beschikbaar van hoeveel relevante studies er nog tussen de "
                f"{fmt_int(unscreened, lang)} niet-beoordeelde publicaties zitten. Zolang die schatting er niet is, "
                "kunnen we niet zeggen hoe zeker het is dat er niets belangrijks gemist wordt." if nl else
                f"No estimate is available yet of how many relevant studies remain among the "
                f"{fmt_int(unscreened, lang)} unscreened records, so we cannot say how sure we are that nothing "
                "relevant is missed."]
    if est is None:
        return ["Er is nog geen schatting mogelijk: zolang er geen relevante publicatie is gevonden, kan de "
                "statistische stopregel niets zeggen over wat er nog ontbreekt." if nl else
                "No estimate is possible yet: until a relevant record is found, the statistical stopping rule "
                "cannot say anything about what is missing."]
    if stop.get("met"):
        out = [f"De stopregel is bereikt. We zijn er voor {conf} zeker van dat ten minste {fmt_pct(est, lang)} van de "
               f"relevante publicaties is gevonden (doel: {target}). De {fmt_int(unscreened, lang)} publicaties die "
               "nog niet zijn beoordeeld, bevatten naar verwachting weinig of niets relevants." if nl else
               f"The stopping rule is met: we are {conf} confident that at least {fmt_pct(est, lang)} of the relevant "
               f"records have been found (target {target}). The {fmt_int(unscreened, lang)} unscreened records are "
               "expected to hold little or nothing relevant."]
    else:
        out = [f"De stopregel is nog niet bereikt. Op basis van wat tot nu toe is beoordeeld, zijn we er voor {conf} "
               f"zeker van dat ten minste {fmt_pct(est, lang)} van de relevante publicaties is gevonden; het doel is "
               f"{target}. Er moet dus verder beoordeeld worden voordat we zeker genoeg zijn dat er niets "
               "belangrijks ontbreekt." if nl else
               f"The stopping rule is not met yet. From what has been screened, we are {conf} confident that at "
               f"least {fmt_pct(est, lang)} of the relevant records have been found; the target is {target}. "
               "Screening must continue before we can be sure enough that nothing important is missing."]
        if relevant < 20:
            out.append(f"Omdat er pas {plural(relevant, 'relevante publicatie', 'relevante publicaties', lang)} "
                       f"{_v(relevant, 'is', 'zijn')} gevonden, is de toets bewust voorzichtig: om ook maar één gemiste "
                       "studie uit te sluiten, moet het grootste deel van de resterende publicaties bekeken worden."
                       if nl else
                       f"With only {plural(relevant, 'relevant record', 'relevant records', lang)} found, the test is "
                       "conservative by design: ruling out even one missed study needs most of the remaining "
                       "records screened.")
    batch = stop.get("batch")
    if batch:
        met = batch.get("met")
        out.append(f"Voor de nieuwste zoekactie ({plural(batch.get('records', 0), 'nieuwe publicatie', 'nieuwe publicaties', lang)}"
                   f", waarvan {fmt_int(batch.get('screened', 0), lang)} beoordeeld) is de stopregel "
                   f"{'bereikt' if met else 'nog niet bereikt'}." if nl else
                   f"For the newest search ({plural(batch.get('records', 0), 'new record', 'new records', lang)}, "
                   f"{fmt_int(batch.get('screened', 0), lang)} screened) the rule is {'met' if met else 'not met yet'}.")
    return out
