"""The fact-heavy sections of a summary: the search strategy as run (PRISMA-S), the PRISMA 2020 diagram
with its numbers as a table, and the table of update rounds with its plot.

Dates in these tables are written the way the report's language writes them (``3 juli 2026``), like the
text; an import is named by its file name, not the path it was imported from. Each ``*_section``
function appends its blocks to a ``Doc``; ``lsr.report.summary`` decides the order.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import PureWindowsPath

from lsr.report.collect import ReviewData
from lsr.report.document import Code, Doc, Figure, H, P, Pre, Strong, Table
from lsr.report.flow_svg import flow_svg, left_reason, unscreened_label
from lsr.report.prisma import BOX_WORDS as FLOW_WORDS
from lsr.report.rounds import parse_since, report_moments
from lsr.report.texts import SCHEDULE, WORDS, fmt_date, fmt_int, join_words
from lsr.search.databases import display_name
from lsr.search.known_studies import describe as describe_known_studies

ROUND_WORDS = {  # the update-round table's own columns (standing counts as each report published them)
    "nl": {
        "screened": "Beoordeeld (stand)",
        "ta": "Door naar volledige tekst (stand)",
        "ft": "Opgenomen (stand)",
        "note": "Zoekacties, treffers, dubbelingen en nieuwe publicaties horen bij de ronde waarin ze gevonden "
        "zijn. De laatste drie kolommen geven de stand aan het eind van elke ronde, zoals die in het rapport "
        "van dat moment stond; voor de huidige ronde is dat de stand van vandaag. Een — betekent dat er aan "
        "het eind van die ronde geen rapport is gemaakt.",
    },
    "en": {
        "screened": "Screened (to date)",
        "ta": "To full text (to date)",
        "ft": "Included (to date)",
        "note": "Searches, hits, duplicates and new records belong to the round in which they were found. The "
        "last three columns give the standing counts at the end of each round, as the report of that moment "
        "gave them; for the current round they are today's. A — means no report was made at the end of that "
        "round.",
    },
}

RUN_STATUS = {
    "nl": {
        "ok": "gelukt",
        "failed": "mislukt",
        "interrupted": "onderbroken",
        "running": "bezig",
        "partial": "gedeeltelijk",
    },
    "en": {
        "ok": "ok",
        "failed": "failed",
        "interrupted": "interrupted",
        "running": "running",
        "partial": "partial",
    },
}


def file_name(path: str | None) -> str:
    """The file name of an imported file, without the folders it was imported from (any OS's)."""
    return PureWindowsPath(path).name if path else "—"


def cutoff_text(d: ReviewData, lang: str) -> str:
    """The cutoff as the text says it: its date, and its time too when it falls on the report's own day
    ("30 november 2026, 13:02 UTC"), where the date alone would not tell the morning from the afternoon."""
    cutoff = d.cutoff.astimezone(UTC)
    if cutoff.date() != d.now.astimezone(UTC).date():
        return fmt_date(d.cutoff, lang)
    return fmt_date(cutoff, lang, with_time=True)


def previous_label(d: ReviewData, lang: str) -> str | None:
    """The previous-version box's wording when the previous version is not a report's (``--since``).

    A cutoff on this report's own day needs its time: "included before 30 November" would be untrue of
    studies included that morning. Then it names the report of that same minute when the log has one (the
    usual ``--since`` after a report of today), else the moment itself."""
    if d.cutoff is None or d.cutoff_kind != "since":
        return None
    cutoff = d.cutoff.astimezone(UTC)
    if cutoff.date() != d.now.astimezone(UTC).date():
        return FLOW_WORDS[lang]["previous_since"].format(date=fmt_date(d.cutoff, lang))
    minute = cutoff.replace(second=0, microsecond=0)
    report = any(m.astimezone(UTC).replace(second=0, microsecond=0) == minute for m in report_moments(d.log))
    return FLOW_WORDS[lang]["previous_report" if report else "previous_as_of"].format(when=cutoff_text(d, lang))


def prisma_file(lang: str) -> str:
    """File name of the diagram beside the summary: ``prisma.svg`` (English) or ``prisma.<lang>.svg``."""
    return "prisma.svg" if lang == "en" else f"prisma.{lang}.svg"


def search_section(d: ReviewData, lang: str, doc: Doc) -> None:
    w, proto, last = WORDS[lang], d.protocol, d.last_search
    sched = proto.schedule
    every = SCHEDULE[lang].get(sched.every or "", f"cron {sched.cron}")
    nl = lang == "nl"
    if last is None:  # the plan, and that it has not happened yet: not "is re-run" then "not searched"
        sources = sorted({display_name(r.run.source) for r in d.runs})
        text = (
            f"Het plan is de zoekvraag {every} in OpenAlex uit te voeren; dat is nog niet gebeurd."
            if nl
            else f"The plan is to run the search in OpenAlex {every}; that has not happened yet."
        )
        if sources:
            text += (
                f" Alle publicaties komen tot nu toe uit geïmporteerde bestanden ({', '.join(sources)})."
                if nl
                else f" Every record so far comes from imported files ({', '.join(sources)})."
            )
        doc.add(H(2, w["search"]), P([text]))
    else:
        doc.add(
            H(2, w["search"]),
            P(
                [
                    f"De zoekvraag wordt {every} opnieuw uitgevoerd in OpenAlex; extra bronnen worden als "
                    "bestand geïmporteerd."
                    if nl
                    else f"The search is re-run in OpenAlex {every}; further sources are imported from files."
                ]
            ),
        )
        status = RUN_STATUS[lang].get(last.status, last.status)
        doc.add(
            P(
                [
                    f"De laatste zoekactie in OpenAlex begon op {fmt_date(last.started_at, lang)} "
                    f"({status}) en "
                    f"leverde {fmt_int(last.results_returned, lang)} treffers op: "
                    f"{fmt_int(last.new_records, lang)} nieuw "
                    f"en {fmt_int(last.duplicates, lang)} al bekend."
                    if nl
                    else f"The last OpenAlex search started on {fmt_date(last.started_at, lang, True)} "
                    f"({status}) and "
                    f"returned {fmt_int(last.results_returned, lang)} results: "
                    f"{fmt_int(last.new_records, lang)} new and "
                    f"{fmt_int(last.duplicates, lang)} already known."
                ]
            )
        )
        if last.error:
            doc.add(P([("Foutmelding: " if nl else "Error: "), Code(last.error)]))
        info = next(r for r in d.runs if r.run is last)
        doc.add(
            P([Strong(w["query"] + (" (titel en samenvatting)" if nl else " (title and abstract)"))]),
            Pre(last.query or "—"),
            P([Strong(w["filters"])]),
            Pre("\n".join(f"{k}: {v}" for k, v in info.filters.items()) or "—"),
        )
        if info.request_urls and not nl:  # Dutch: in the technical appendix
            doc.add(P([Strong(w["request"])]), Pre("\n".join(info.request_urls[:3])))
        if last.query and last.query != proto.search.query:
            doc.add(
                P(
                    [
                        "Het protocol is sindsdien aangepast; de volgende zoekactie gebruikt: "
                        if nl
                        else "The protocol has changed since; the next search will use: ",
                        Code(proto.search.query),
                    ]
                )
            )
    validation = describe_known_studies(d.status.get("known_studies"), lang)
    if validation:
        doc.add(P([validation]))
    rows = []
    for info in d.runs:
        r = info.run
        same = last is not None and r.query == last.query
        what = (
            (("zoekvraag hierboven" if nl else "query above") if same else Code(r.query))
            if r.kind == "update"
            else file_name(r.file)
        )
        rows.append(
            [
                fmt_date(r.started_at, lang),
                display_name(r.source),
                w[f"kind_{r.kind}"] if r.kind in ("update", "import") else r.kind,
                what,
                fmt_int(r.results_returned, lang),
                fmt_int(r.new_records, lang),
                fmt_int(r.duplicates, lang),
                RUN_STATUS[lang].get(r.status, r.status),
            ]
        )
    if rows:
        doc.add(
            Table(
                [
                    w["col_date"],
                    w["col_source"],
                    w["col_kind"],
                    w["col_search"],
                    w["col_results"],
                    w["col_new"],
                    w["col_dup"],
                    w["col_status"],
                ],
                rows,
                numeric={4, 5, 6},
                # the date may take two lines and the query or file breaks inside its cell, so that the
                # table fits the page and the Status column is not cut off (also in print)
                wrap={3},
                stack=True,
            )
        )


def repeat_note(d: ReviewData, lang: str) -> str:
    """One sentence under the diagram when a source in its identification box was searched more than once
    (each update repeats the full search): works found again count among the records identified and then
    as duplicates, so "OpenAlex (n = 2.020)" is not 2,020 different works. "" otherwise."""
    searches: dict[str, int] = {}
    for info in d.runs:
        name = display_name(info.run.source or info.run.kind)  # as the diagram names it (``prisma_flow``)
        searches[name] = searches.get(name, 0) + 1
    shown = {display_name(i.run.source or i.run.kind) for i in d.runs
             if d.cutoff is None or i.round_index == len(d.rounds) - 1}
    again = sorted(name for name in shown if searches[name] > 1)
    if not again:
        return ""
    names = join_words(again, lang)
    if lang == "nl":
        return (f"{names} {'is' if len(again) == 1 else 'zijn'} meer dan eens doorzocht: publicaties die een "
                "latere zoekactie opnieuw vond, tellen mee bij de gevonden publicaties en zijn daarna als "
                "dubbeling verwijderd.")
    return (f"{names} {'was' if len(again) == 1 else 'were'} searched more than once: works found again by a "
            "later search are counted among the records identified and then removed as duplicates.")


def prisma_section(d: ReviewData, lang: str, doc: Doc, svg: str) -> None:
    w, c, t = WORDS[lang], d.flow.current, FLOW_WORDS[lang]
    nl = lang == "nl"
    prev_label = previous_label(d, lang) or t["previous"]
    if d.cutoff is None:
        intro = (
            "Het diagram volgt PRISMA 2020 en omvat alle zoekacties en imports tot nu toe."
            if nl
            else "The diagram follows PRISMA 2020 and covers every search and import so far."
        )
    else:
        since = cutoff_text(d, lang)
        if d.cutoff_kind == "report":
            before = (
                f"de studies die in het vorige rapport ({since}) waren opgenomen"
                if nl
                else f"the studies the previous report ({since}) counted as included"
            )
        else:
            before = f"de studies die op {since} waren opgenomen" if nl else f"the studies included on {since}"
        intro = (
            "Het diagram volgt PRISMA 2020 voor geactualiseerde reviews. Met 'vorige versie' bedoelen we "
            f"{before}. De huidige ronde omvat de zoekacties en imports vanaf {since}, plus de publicaties "
            "uit eerdere zoekacties waarover in deze ronde is besloten, elk alleen bij de stap waarover toen is "
            "besloten (een publicatie die al in een eerdere ronde op titel en samenvatting is beoordeeld, telt "
            "hier alleen bij de volledige tekst). Alle aantallen geven de huidige stand "
            "van de beoordeling weer. 'Nieuwe studies' zijn studies die nu wel en in de vorige versie nog niet "
            "waren opgenomen."
            if nl
            else "The diagram follows PRISMA 2020 for updated reviews. The previous version consists of "
            f"{before}. The current round holds the searches and imports from {since}, plus the records "
            "from earlier searches decided in this round, each only at the stage decided in it (a record "
            "screened in an earlier round counts here at full text only); all counts reflect the current decisions. New "
            "studies are all studies included now that the previous version did not include."
        )
    narrow = flow_svg(
        d.flow,
        lang,
        with_previous=d.cutoff is not None,
        uid=f"{d.protocol.id}-{lang}-prisma-narrow",
        narrow=True,
        previous_label=previous_label(d, lang),
    )
    doc.add(H(2, w["prisma"]), P([intro]), Figure(svg, w["fig_prisma"], prisma_file(lang), "prisma", narrow))
    repeated = repeat_note(d, lang)
    if repeated:
        doc.add(P([repeated], cls="small"))
    rows = [[t["identified_total"], fmt_int(c.identified, lang)]]
    rows += [[f"– {src}", fmt_int(n, lang)] for src, n in sorted({**c.databases, **c.other_sources}.items())]
    rows += [[t["duplicates"], fmt_int(c.duplicates, lang)]]
    if c.carried_over:
        rows += [[t["carried"], fmt_int(c.carried_over, lang)]]
    rows += [
        [t["screened"], fmt_int(c.screened, lang)],
        [t["excluded"], fmt_int(c.ta_excluded, lang)],
        [unscreened_label(lang, d.cutoff is not None), fmt_int(c.unscreened, lang)],
        [t["maybe"], fmt_int(c.ta_maybe, lang)],
        [t["sought"], fmt_int(c.ta_included, lang)],
        *([[t["ft_earlier"], fmt_int(c.ft_earlier, lang)]] if c.ft_earlier else []),
        [t["not_retrieved"], fmt_int(c.ft_not_retrieved, lang)],
        [t["pending"], fmt_int(c.ft_pending, lang)],
        [t["assessed"], fmt_int(c.ft_assessed, lang)],
    ]
    rows += [
        [f"{t['ft_excluded']} {reason or t['no_reason']}", fmt_int(n, lang)]
        for reason, n in sorted(c.ft_excluded_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    if d.cutoff is None:
        rows.append([t["included"], fmt_int(c.ft_included, lang)])
    else:
        rows.append([prev_label, fmt_int(d.flow.previous_included, lang)])
        if d.flow.left:
            rows.append([t["left"], fmt_int(d.flow.no_longer_included, lang)])
            rows += [
                [f"– {left_reason(why, reason, lang)}", fmt_int(n, lang)]
                for (why, reason), n in sorted(d.flow.left_by_reason().items(), key=lambda kv: (-kv[1], kv[0]))
            ]
        rows += [
            [t["new"], fmt_int(c.ft_included, lang)],
            [t["total"], fmt_int(d.flow.total_included, lang)],
        ]
    doc.add(Table([w["box"], w["n"]], rows, numeric={1}))


def _published(d: ReviewData) -> dict:
    """Logged report moment -> its standing counts (``reports.json``), for the rounds table."""
    out = {}
    for entry in d.log:
        try:
            at = parse_since(entry.get("at"))
        except (TypeError, ValueError):
            continue
        counts = entry.get("counts")
        if at is not None and isinstance(counts, dict):
            out[at] = counts
    return out


def _period(start, end, now, lang: str) -> str:
    """A round's period: "3 maart 2026 – 1 september 2026", or with times when both ends fall on one day
    ("30 november 2026, 13:02 – 13:08 UTC"), since two rounds of one day would otherwise read the same."""
    w = WORDS[lang]
    if start is None:
        return f"{w['from_start']} – {fmt_date(end, lang) if end else w['until_now']}"
    first, last = start.astimezone(UTC), (end or now).astimezone(UTC)
    if first.date() == last.date():
        clock = "%H:%M:%S" if end and first.strftime("%H:%M") == last.strftime("%H:%M") else "%H:%M"
        until = f"{last:{clock}} UTC" if end else w["until_now"]
        return f"{fmt_date(first, lang)}, {first:{clock}} – {until}"
    return f"{fmt_date(start, lang)} – {fmt_date(end, lang) if end else w['until_now']}"


def rounds_section(d: ReviewData, lang: str, doc: Doc, svg: str) -> None:
    """The update rounds: search facts per round, and the standing counts each round's report published.

    A round's screening counts are not recomputed from today's labels (that would silently rewrite what
    an earlier report said): the last three columns are the counts the report that closed the round
    logged, and today's for the current round.
    """
    w, rw = WORDS[lang], ROUND_WORDS[lang]
    published = _published(d)
    s, ft = d.status, d.status["fulltext"]
    rows = []
    for rc in d.flow.rounds:
        r = rc.round
        current = r.index == len(d.rounds) - 1
        label = f"{r.index + 1}" + (f" ({w['current_round']})" if current else "")
        period = _period(r.start, r.end or None, d.now, lang)
        if current:
            stand = [s["screened"], s["included"], ft["included"]]
        else:
            counts = published.get(r.end) or {}
            stand = [counts.get("screened"), counts.get("included_title_abstract"), counts.get("included")]
        rows.append(
            [
                label,
                period,
                fmt_int(len(rc.run_ids), lang),
                fmt_int(rc.identified, lang),
                fmt_int(rc.duplicates, lang),
                fmt_int(rc.records, lang),
                *[fmt_int(x, lang) if isinstance(x, int) else "—" for x in stand],
            ]
        )
    f = d.flow
    rows.append(
        [
            w["total"],
            "",
            fmt_int(sum(len(rc.run_ids) for rc in f.rounds), lang),
            fmt_int(f.total("identified"), lang),
            fmt_int(f.total("duplicates"), lang),
            fmt_int(f.total("records"), lang),
            fmt_int(s["screened"], lang),
            fmt_int(s["included"], lang),
            fmt_int(ft["included"], lang),
        ]
    )
    doc.add(
        H(2, w["rounds"]),
        Table(
            [
                w["col_round"],
                w["col_period"],
                w["col_runs"],
                w["col_results"],
                w["col_dup"],
                w["col_new"],
                rw["screened"],
                rw["ta"],
                rw["ft"],
            ],
            rows,
            numeric=set(range(2, 9)),
            total_last=True,
            nowrap={0},  # the period may wrap: on one line it pushes the last columns off the page
            stack=True,
        ),
        P([rw["note"]], cls="small"),
    )
    if d.runs:
        doc.add(Figure(svg, w["fig_runs"], f"rounds.{lang}.svg", "plot"))
