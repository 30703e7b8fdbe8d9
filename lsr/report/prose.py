"""The sentences of a summary that depend on the numbers, written out in Dutch and in English.

Each function takes a ``ReviewData`` and a language and returns finished sentences: what was found,
how many studies are included, what changed since the previous report (studies newly included and
studies no longer included, not a net count) and how far screening is. No sentence starts with a digit,
and a count of zero is said in words ("geen", "niet"). How sure we are (stopping rule, agreement) is in
``lsr.report.assurance``.
"""

from __future__ import annotations

from lsr.report.collect import ReviewData
from lsr.report.rounds import same_day_sentence
from lsr.report.texts import fmt_date, fmt_int, join_words, plural, share, verb


def found_sentence(d: ReviewData, lang: str) -> str:
    """Records found and screened, dated by the last search."""
    s, last = d.status, d.last_search
    nl = lang == "nl"
    if nl:
        when = f"Tot en met de zoekactie van {fmt_date(last.started_at, lang)}" if last else "Tot nu toe"
        if s["records"] == 0:
            return f"{when} is er nog geen publicatie gevonden."
        found = (
            f"{when} {verb(s['records'], 'is', 'zijn')} er "
            f"{plural(s['records'], 'unieke publicatie', 'unieke publicaties', lang)} gevonden."
        )
        if s["screened"] == 0:
            return found + " Daarvan is er nog geen beoordeeld op titel en samenvatting."
        return (
            f"{found} Daarvan {verb(s['screened'], 'is', 'zijn')} er {fmt_int(s['screened'], lang)} "
            f"({share(s['screened'], s['records'], lang)}) beoordeeld op titel en samenvatting."
        )
    when = f"Up to the search of {fmt_date(last.started_at, lang)}" if last else "So far"
    if s["records"] == 0:
        return f"{when}, no record has been found."
    pl_rec = plural(s["records"], "unique record", "unique records", lang)
    if s["screened"] == 0:
        return f"{when}, {pl_rec} {verb(s['records'], 'was', 'were')} found; none has been screened yet."
    return (
        f"{when}, {pl_rec} {verb(s['records'], 'was', 'were')} found; {fmt_int(s['screened'], lang)} "
        f"({share(s['screened'], s['records'], lang)}) of them have been screened on title and abstract."
    )


def included_sentence(d: ReviewData, lang: str) -> str:
    """Studies included after full text, and how many still wait for it. Says what is true when nothing
    was found, nothing passed title and abstract, or no full text has been assessed yet."""
    s, ft = d.status, d.status["fulltext"]
    n, pending = ft["included"], ft["pending"]
    nl = lang == "nl"
    if n == 0 and ft["excluded"] + ft["maybe"] == 0:  # no full text has been assessed
        if s["records"] == 0:
            return "Er zijn nog geen publicaties gevonden." if nl else "No records have been found yet."
        if pending:
            return (
                f"Er is nog geen volledige tekst beoordeeld; "
                f"{plural(pending, 'publicatie wacht', 'publicaties wachten', lang)} daarop."
                if nl
                else f"No full text has been assessed yet; {plural(pending, 'record awaits', 'records await', lang)} "
                "it."
            )
        if s["screened"] == 0:
            return (
                "Er is nog geen publicatie beoordeeld, dus ook nog geen volledige tekst gelezen."
                if nl
                else "No record has been screened yet, so no full text has been read."
            )
        if s["unscreened"] == 0:
            return (
                "Geen van de gevonden publicaties kwam door de eerste selectie; er is dus nog geen volledige "
                "tekst gelezen."
                if nl
                else "None of the records found passed the first selection, so no full text has been read."
            )
        return (
            "Nog geen van de beoordeelde publicaties kwam door de eerste selectie; er is dus nog geen "
            "volledige tekst gelezen."
            if nl
            else "None of the records screened so far passed the first selection, so no full text has been "
            "read yet."
        )
    if nl:
        if n == 0:
            text = "Na lezing van de volledige tekst voldoet nog geen enkele studie aan de criteria"
        else:
            text = (
                f"Na lezing van de volledige tekst {verb(n, 'voldoet', 'voldoen')} "
                f"{plural(n, 'studie', 'studies', lang)} aan de criteria en {verb(n, 'is', 'zijn')} opgenomen"
            )
        if pending:
            text += (
                f"; {plural(pending, 'publicatie wacht', 'publicaties wachten', lang)} nog op die beoordeling"
            )
        return text + "."
    if n == 0:
        text = "After full-text assessment, no study meets the criteria yet"
    else:
        text = (
            f"After full-text assessment, {plural(n, 'study meets', 'studies meet', lang)} the criteria and "
            f"{verb(n, 'is', 'are')} included"
        )
    if pending:
        text += f"; {plural(pending, 'record awaits', 'records await', lang)} full-text assessment"
    return text + "."


def since_phrase(d: ReviewData, lang: str) -> str:
    """The document's reference point for what changed: "Sinds het vorige rapport van 3 juli 2026" (the
    previous report) or "Sinds 1 oktober 2026" (``--since``, naming the previous report too when there is
    one, as the key message compares with that report's synthesis); every "since" sentence should use it."""
    date = fmt_date(d.cutoff, lang)
    if d.cutoff_kind == "report":
        return (
            f"Sinds het vorige rapport van {date}" if lang == "nl" else f"Since the previous report of {date}"
        )
    before = d.previous_report_at
    if before is not None and before.date() != d.cutoff.date():  # say which report the key message compares with
        return (
            f"Sinds {date} (het vorige rapport is van {fmt_date(before, lang)})"
            if lang == "nl"
            else f"Since {date} (the previous report is of {fmt_date(before, lang)})"
        )
    return f"Sinds {date}" if lang == "nl" else f"Since {date}"


_since_phrase = since_phrase


def _runs_nl(since: str, n_upd: int, n_imp: int, c) -> str:
    searched = (
        f"{verb(n_upd, 'is', 'zijn')} er {plural(n_upd, 'zoekactie', 'zoekacties', 'nl')} in OpenAlex uitgevoerd"
        if n_upd
        else "is er niet in OpenAlex gezocht"
    )
    imported = (
        f"{verb(n_imp, 'is', 'zijn')} er {plural(n_imp, 'bestand', 'bestanden', 'nl')} geïmporteerd"
        if n_imp
        else "is er geen bestand geïmporteerd"
    )
    together = "Dat leverde" if n_upd + n_imp == 1 else "Samen leverden die"
    if c.identified == 0:
        found = f"{together} geen treffers op."
    elif c.duplicates == 0:
        found = (
            f"{together} {plural(c.identified, 'treffer', 'treffers', 'nl')} op, zonder dubbelingen: "
            f"{plural(c.records, 'nieuwe publicatie', 'nieuwe publicaties', 'nl')}."
        )
    else:
        left = (
            f"{verb(c.records, 'bleef', 'bleven')} er "
            f"{plural(c.records, 'nieuwe publicatie', 'nieuwe publicaties', 'nl')} over"
            if c.records
            else "bleef er geen nieuwe publicatie over"
        )
        found = (
            f"{together} {plural(c.identified, 'treffer', 'treffers', 'nl')} op; na het verwijderen van "
            f"{plural(c.duplicates, 'dubbeling', 'dubbelingen', 'nl')} {left}."
        )
    return f"{since} {searched} en {imported}. {found}"


def _runs_en(since: str, n_upd: int, n_imp: int, c) -> str:
    searched = (
        f"{plural(n_upd, 'OpenAlex search was', 'OpenAlex searches were', 'en')} run"
        if n_upd
        else "OpenAlex was not searched"
    )
    imported = f"{plural(n_imp, 'file was', 'files were', 'en')} imported" if n_imp else "no file was imported"
    together = "It returned" if n_upd + n_imp == 1 else "Together they returned"
    if c.identified == 0:
        found = f"{together} no hits."
    elif c.duplicates == 0:
        found = (
            f"{together} {plural(c.identified, 'hit', 'hits', 'en')}, none of them duplicates: "
            f"{plural(c.records, 'new record', 'new records', 'en')}."
        )
    else:
        found = (
            f"{together} {plural(c.identified, 'hit', 'hits', 'en')}; after removing "
            f"{fmt_int(c.duplicates, 'en')} {verb(c.duplicates, 'duplicate', 'duplicates')}, "
            + (f"{plural(c.records, 'new record', 'new records', 'en')} remained." if c.records
               else "no new record remained.")
        )
    return f"{since}, {searched} and {imported}. {found}"


def changes_sentences(d: ReviewData, lang: str) -> list[str]:
    """What happened in the current round: searches, new records, screening, and which studies entered
    and which left the review since the previous version (``d.new_inclusions``, ``d.left_inclusions``)."""
    own = d.flow.rounds[-1]  # the current round's own searches (not the records carried over)
    n_new, n_left = len(d.new_inclusions), len(d.left_inclusions)
    if d.cutoff is None:
        first = same_day_sentence(d.log, d.now, lang) or (  # a report of today is no previous report
            "Dit is het eerste rapport van deze review: alle aantallen in dit rapport zijn nieuw."
            if lang == "nl"
            else "This is the first report of this review: every count in it is new."
        )
        return [first]
    since = since_phrase(d, lang)
    runs = [r.run for r in d.runs if r.round_index == len(d.rounds) - 1]
    n_upd = sum(r.kind == "update" for r in runs)
    n_imp = len(runs) - n_upd
    earlier = sum(1 for s in d.new_inclusions if s.round_index < len(d.rounds) - 1)
    # the PRISMA diagram's own boxes (``flow.current``), so the sentence and the diagram agree: every record
    # decided on title and abstract in this round, new ones and those carried over from earlier searches
    n_scr, n_carried = d.flow.current.screened, d.flow.current.carried_over
    if lang == "nl":
        if not runs:
            out = [f"{since} is er niet opnieuw gezocht; er zijn dus geen nieuwe publicaties bijgekomen."]
        else:
            out = [_runs_nl(since, n_upd, n_imp, own)]
        screened = (
            f"is er op titel en samenvatting over {plural(n_scr, 'publicatie', 'publicaties', lang)} besloten"
            + (
                f" (waarvan {fmt_int(n_carried, lang)} uit eerdere zoekacties)"
                if n_carried and n_carried < n_scr
                else " (uit eerdere zoekacties)" if n_carried
                else ""
            )
            if n_scr
            else "is er op titel en samenvatting over geen enkele publicatie besloten"
        )
        new = (
            f"{verb(n_new, 'is', 'zijn')} er {plural(n_new, 'studie', 'studies', lang)} nieuw opgenomen"
            + (
                (" (uit een eerdere zoekactie)" if n_new == 1 else " (allemaal uit eerdere zoekacties)")
                if earlier == n_new
                else f" ({fmt_int(earlier, lang)} daarvan {verb(earlier, 'kwam', 'kwamen')} uit eerdere zoekacties)"
                if earlier
                else ""
            )
            if n_new
            else "is er geen nieuwe studie opgenomen"
        )
        text = f"In dezelfde periode {screened} en {new}"
        if n_left:
            text += (
                f"; uit de vorige versie {verb(n_left, 'is', 'zijn')} "
                f"{plural(n_left, 'studie', 'studies', lang)} niet meer opgenomen"
            )
        out.append(text + ".")
        return out
    if not runs:
        out = [f"{since}, no new search was run, so no new records were added."]
    else:
        out = [_runs_en(since, n_upd, n_imp, own)]
    screened = (
        f"{plural(n_scr, 'record was', 'records were', lang)} decided on title and abstract"
        + (
            f" ({fmt_int(n_carried, lang)} of them from earlier searches)"
            if n_carried and n_carried < n_scr
            else " (from earlier searches)" if n_carried
            else ""
        )
        if n_scr
        else "no record was decided on title and abstract"
    )
    new = (
        f"{plural(n_new, 'study was', 'studies were', lang)} newly included"
        + (
            (" (from an earlier search)" if n_new == 1 else " (all from earlier searches)")
            if earlier == n_new
            else f" ({fmt_int(earlier, lang)} of them from earlier searches)"
            if earlier
            else ""
        )
        if n_new
        else "no new study was included"
    )
    text = f"In the same period {screened} and {new}"
    if n_left:
        text += (
            f"; {plural(n_left, 'study', 'studies', lang)} of the previous version "
            f"{verb(n_left, 'is', 'are')} no longer included"
        )
    out.append(text + ".")
    return out


def progress_sentences(d: ReviewData, lang: str) -> list[str]:
    """Screening progress at both stages; a count of zero is said in words or left out."""
    s, ft = d.status, d.status["fulltext"]
    labelled = ft["included"] + ft["excluded"] + ft["maybe"]
    missing = d.flow.total("ft_not_retrieved")
    if lang == "nl":
        if s["screened"]:
            parts = [
                f"{fmt_int(s['included'], lang)} {verb(s['included'], 'ging', 'gingen')} door naar de volledige "
                "tekst"
                if s["included"]
                else "geen enkele ging door naar de volledige tekst",
                f"{fmt_int(s['excluded'], lang)} {verb(s['excluded'], 'is', 'zijn')} uitgesloten"
                if s["excluded"]
                else "geen enkele is uitgesloten",
            ]
            if s["maybe"]:
                parts.append(f"over {fmt_int(s['maybe'], lang)} wordt nog getwijfeld (nog geen besluit)")
            first = (
                f"Van de {plural(s['records'], 'gevonden publicatie', 'gevonden publicaties', lang)} "
                f"{verb(s['screened'], 'is', 'zijn')} er {fmt_int(s['screened'], lang)} "
                f"({share(s['screened'], s['records'], lang)}) beoordeeld op titel en samenvatting: "
                + join_words(parts, lang)
                + ". "
                + (
                    f"Er {verb(s['unscreened'], 'wacht', 'wachten')} er nog {fmt_int(s['unscreened'], lang)}."
                    if s["unscreened"]
                    else "Er wacht geen enkele publicatie meer."
                )
            )
        else:
            first = "Er is nog geen publicatie beoordeeld op titel en samenvatting."
        if labelled == 0:
            second = "Er is nog geen volledige tekst beoordeeld" + (
                f"; {fmt_int(ft['pending'], lang)} {verb(ft['pending'], 'publicatie wacht', 'publicaties wachten')}"
                " daarop."
                if ft["pending"]
                else "."
            )
        else:
            parts = [
                f"{fmt_int(ft['included'], lang)} opgenomen" if ft["included"] else "geen enkele opgenomen"
            ]
            if ft["excluded"]:
                parts.append(
                    f"{fmt_int(ft['excluded'], lang)} uitgesloten"
                    + (
                        f" (waarvan {fmt_int(missing, lang)} omdat de tekst niet te verkrijgen was)"
                        if missing
                        else ""
                    )
                )
            if ft["maybe"]:
                parts.append(f"{fmt_int(ft['maybe'], lang)} met twijfel")
            second = (
                f"Na de eerste selectie is over {plural(labelled, 'publicatie', 'publicaties', lang)} "
                "besloten op basis van de volledige tekst: "
                + join_words(parts, lang)
                + (
                    f"; {fmt_int(ft['pending'], lang)} {verb(ft['pending'], 'wacht', 'wachten')} nog."
                    if ft["pending"]
                    else "; er wacht er geen meer."
                )
            )
        return [first, second]
    if s["screened"]:
        parts = [
            f"{fmt_int(s['included'], lang)} went on to full-text assessment"
            if s["included"]
            else "none went on to full-text assessment",
            f"{fmt_int(s['excluded'], lang)} {verb(s['excluded'], 'was', 'were')} excluded"
            if s["excluded"]
            else "none was excluded",
        ]
        if s["maybe"]:
            parts.append(f"{fmt_int(s['maybe'], lang)} {verb(s['maybe'], 'is', 'are')} undecided (maybe)")
        first = (
            f"Of the {plural(s['records'], 'record', 'records', lang)} found, {fmt_int(s['screened'], lang)} "
            f"({share(s['screened'], s['records'], lang)}) have been screened on title and abstract: "
            + join_words(parts, lang)
            + (
                f"; {fmt_int(s['unscreened'], lang)} {verb(s['unscreened'], 'remains', 'remain')}."
                if s["unscreened"]
                else "; none remains."
            )
        )
    else:
        first = "No record has been screened on title and abstract yet."
    if labelled == 0:
        second = "No full text has been assessed yet" + (
            f"; {fmt_int(ft['pending'], lang)} pending." if ft["pending"] else "."
        )
    else:
        parts = [f"{fmt_int(ft['included'], lang)} included" if ft["included"] else "none included"]
        if ft["excluded"]:
            parts.append(
                f"{fmt_int(ft['excluded'], lang)} excluded"
                + (
                    f" ({fmt_int(missing, lang)} of them because the full text could not be obtained)"
                    if missing
                    else ""
                )
            )
        if ft["maybe"]:
            parts.append(f"{fmt_int(ft['maybe'], lang)} undecided")
        second = (
            f"Full-text decisions were made on {plural(labelled, 'record', 'records', lang)}: "
            + join_words(parts, lang)
            + (f"; {fmt_int(ft['pending'], lang)} pending." if ft["pending"] else "; none pending.")
        )
    return [first, second]
