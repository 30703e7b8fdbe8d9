"""The sentences of a summary that depend on the numbers, written out in Dutch and in English.

Each function takes a ``ReviewData`` and a language and returns finished sentences: what was found,
how many studies are included, what changed since the previous report and how far screening is. How
sure we are (stopping rule, agreement) is in ``lsr.report.assurance``.
"""

from __future__ import annotations

from lsr.report.collect import ReviewData
from lsr.report.texts import fmt_date, fmt_int, plural, share, verb


def found_sentence(d: ReviewData, lang: str) -> str:
    """Records found and screened, dated by the last search."""
    s, last = d.status, d.last_search
    pl_rec = plural(
        s["records"],
        "unieke publicatie" if lang == "nl" else "unique record",
        "unieke publicaties" if lang == "nl" else "unique records",
        lang,
    )
    pct = share(s["screened"], s["records"], lang)
    if lang == "nl":
        when = f"Tot en met de zoekactie van {fmt_date(last.started_at, lang)}" if last else "Tot nu toe"
        return (
            f"{when} {verb(s['records'], 'is', 'zijn')} er {pl_rec} gevonden. Daarvan "
            f"{verb(s['screened'], 'is', 'zijn')}"
            f" er {fmt_int(s['screened'], lang)} ({pct}) beoordeeld op titel en samenvatting."
        )
    when = f"Up to the search of {fmt_date(last.started_at, lang)}" if last else "So far"
    return (
        f"{when}, {pl_rec} {verb(s['records'], 'was', 'were')} found; {fmt_int(s['screened'], lang)} ({pct}) "
        "of them have been screened on title and abstract."
    )


def included_sentence(d: ReviewData, lang: str) -> str:
    """Studies included after full text, and how many still wait for it."""
    ft = d.status["fulltext"]
    n, pending = ft["included"], ft["pending"]
    if lang == "nl":
        text = (
            f"{plural(n, 'studie', 'studies', lang)} {verb(n, 'voldoet', 'voldoen')} na lezing van de "
            "volledige "
            f"tekst aan de criteria en {verb(n, 'is', 'zijn')} opgenomen"
        )
        if pending:
            text += (
                f"; {plural(pending, 'publicatie wacht', 'publicaties wachten', lang)} nog op die beoordeling"
            )
        return text + "."
    text = (
        f"{plural(n, 'study meets', 'studies meet', lang)} the criteria after full-text assessment and "
        f"{verb(n, 'is', 'are')} included"
    )
    if pending:
        text += f"; {plural(pending, 'record awaits', 'records await', lang)} full-text assessment"
    return text + "."


def _since_phrase(d: ReviewData, lang: str) -> str:
    date = fmt_date(d.cutoff, lang)
    if d.cutoff_kind == "report":
        return (
            f"Sinds het vorige rapport van {date}" if lang == "nl" else f"Since the previous report of {date}"
        )
    return f"Sinds {date}" if lang == "nl" else f"Since {date}"


def changes_sentences(d: ReviewData, lang: str) -> list[str]:
    """What happened in the current round: searches, new records, screening, new inclusions."""
    c = d.flow.current
    n_new = len(d.new_inclusions)
    if d.cutoff is None:
        first = (
            "Dit is het eerste rapport van deze review: alle aantallen hieronder zijn nieuw."
            if lang == "nl"
            else "This is the first report of this review: every count below is new."
        )
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
            out = [
                f"{since} {verb(n_upd, 'is', 'zijn')} er {plural(n_upd, 'zoekactie', 'zoekacties', lang)} in "
                f"OpenAlex uitgevoerd en {verb(n_imp, 'is', 'zijn')} er "
                f"{plural(n_imp, 'bestand', 'bestanden', lang)}"
                f" geïmporteerd. Samen leverden die {plural(c.identified, 'treffer', 'treffers', lang)} op; "
                "na het "
                f"verwijderen van {fmt_int(c.duplicates, lang)} dubbele "
                f"{verb(c.duplicates, 'treffer', 'treffers')} "
                f"{verb(c.records, 'bleef', 'bleven')} er "
                f"{plural(c.records, 'nieuwe publicatie', 'nieuwe publicaties', lang)}"
                " over."
            ]
        out.append(
            f"In dezelfde periode {verb(d.screened_since, 'is', 'zijn')} er "
            f"{plural(d.screened_since, 'publicatie', 'publicaties', lang)} beoordeeld op titel en "
            "samenvatting"
            f" en {verb(n_new, 'is', 'zijn')} er {plural(n_new, 'studie', 'studies', lang)} nieuw opgenomen"
            + (
                f"; {fmt_int(earlier, lang)} daarvan {verb(earlier, 'kwam', 'kwamen')} uit eerdere zoekacties"
                if earlier
                else ""
            )
            + "."
        )
        return out
    if not runs:
        out = [f"{since}, no new search was run, so no new records were added."]
    else:
        out = [
            f"{since}, {plural(n_upd, 'OpenAlex search was', 'OpenAlex searches were', lang)} run and "
            f"{plural(n_imp, 'file was', 'files were', lang)} imported. Together they returned "
            f"{plural(c.identified, 'hit', 'hits', lang)}; after removing {fmt_int(c.duplicates, lang)} "
            f"{verb(c.duplicates, 'duplicate', 'duplicates')}, "
            f"{plural(c.records, 'new record', 'new records', lang)}"
            " remained."
        ]
    out.append(
        f"In the same period {plural(d.screened_since, 'record was', 'records were', lang)} screened on "
        "title "
        f"and abstract and {plural(n_new, 'study was', 'studies were', lang)} newly included"
        + (f"; {fmt_int(earlier, lang)} of them came from earlier searches" if earlier else "")
        + "."
    )
    return out


def progress_sentences(d: ReviewData, lang: str) -> list[str]:
    """Screening progress at both stages."""
    s, ft = d.status, d.status["fulltext"]
    labelled = ft["included"] + ft["excluded"] + ft["maybe"]
    missing = d.flow.total("ft_not_retrieved")
    if lang == "nl":
        return [
            f"Van de {plural(s['records'], 'gevonden publicatie', 'gevonden publicaties', lang)} "
            f"{verb(s['screened'], 'is', 'zijn')} er {fmt_int(s['screened'], lang)} "
            f"({share(s['screened'], s['records'], lang)})"
            f" beoordeeld op titel en samenvatting: {fmt_int(s['included'], lang)} door naar de volledige "
            "tekst, "
            f"{fmt_int(s['excluded'], lang)} uitgesloten en {fmt_int(s['maybe'], lang)} met twijfel (nog "
            "geen besluit). "
            f"Er {verb(s['unscreened'], 'wacht', 'wachten')} nog {fmt_int(s['unscreened'], lang)}.",
            f"Na de eerste selectie is over {plural(labelled, 'publicatie', 'publicaties', lang)} "
            f"besloten op basis van de volledige tekst: "
            f"{fmt_int(ft['included'], lang)} opgenomen, {fmt_int(ft['excluded'], lang)} uitgesloten"
            + (
                f" (waarvan {fmt_int(missing, lang)} omdat de tekst niet te verkrijgen was)"
                if missing
                else ""
            )
            + " en "
            f"{fmt_int(ft['maybe'], lang)} met twijfel; {fmt_int(ft['pending'], lang)} "
            f"{verb(ft['pending'], 'wacht', 'wachten')} nog.",
        ]
    return [
        f"Of the {plural(s['records'], 'record', 'records', lang)} found, {fmt_int(s['screened'], lang)} "
        f"({share(s['screened'], s['records'], lang)}) have been screened on title and abstract: "
        f"{fmt_int(s['included'], lang)} included for full-text assessment, {fmt_int(s['excluded'], lang)} "
        "excluded and "
        f"{fmt_int(s['maybe'], lang)} undecided (maybe); {fmt_int(s['unscreened'], lang)} remain.",
        f"Full-text decisions were made on {plural(labelled, 'record', 'records', lang)}: "
        f"{fmt_int(ft['included'], lang)} included, {fmt_int(ft['excluded'], lang)} excluded"
        + (
            f" ({fmt_int(missing, lang)} of them because the full text could not be obtained)"
            if missing
            else ""
        )
        + f" and {fmt_int(ft['maybe'], lang)} undecided; "
        f"{fmt_int(ft['pending'], lang)} pending.",
    ]
