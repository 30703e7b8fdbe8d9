"""The fact-heavy sections of a summary: the search strategy as run (PRISMA-S), the PRISMA 2020 diagram
with its numbers as a table, and the table of update rounds with its plot.

Each ``*_section`` function appends its blocks to a ``Doc``; ``lsr.report.summary`` decides the order.
"""

from __future__ import annotations

from lsr.report.collect import ReviewData
from lsr.report.document import Code, Doc, Figure, H, P, Pre, Strong, Table
from lsr.report.flow_svg import flow_svg
from lsr.report.prisma import BOX_WORDS as FLOW_WORDS
from lsr.report.prisma import SOURCE_NAMES
from lsr.report.texts import SCHEDULE, WORDS, fmt_date, fmt_int, fmt_iso
from lsr.search.known_studies import describe as describe_known_studies

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


def prisma_file(lang: str) -> str:
    """File name of the diagram beside the summary: ``prisma.svg`` (English) or ``prisma.<lang>.svg``."""
    return "prisma.svg" if lang == "en" else f"prisma.{lang}.svg"


def search_section(d: ReviewData, lang: str, doc: Doc) -> None:
    w, proto, last = WORDS[lang], d.protocol, d.last_search
    sched = proto.schedule
    every = SCHEDULE[lang].get(sched.every or "", f"cron {sched.cron}")
    nl = lang == "nl"
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
    if last is None:
        doc.add(P(["Er is nog niet in OpenAlex gezocht." if nl else "OpenAlex has not been searched yet."]))
    else:
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
            else (r.file or "—")
        )
        rows.append(
            [
                fmt_iso(r.started_at),
                SOURCE_NAMES.get(r.source.lower(), r.source),
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
                nowrap={0},
            )
        )


def prisma_section(d: ReviewData, lang: str, doc: Doc, svg: str) -> None:
    w, c, t = WORDS[lang], d.flow.current, FLOW_WORDS[lang]
    nl = lang == "nl"
    if d.cutoff is None:
        intro = (
            "Het diagram volgt PRISMA 2020 en omvat alle zoekacties en imports tot nu toe."
            if nl
            else "The diagram follows PRISMA 2020 and covers every search and import so far."
        )
    else:
        intro = (
            "Het diagram volgt PRISMA 2020 voor geactualiseerde reviews. De huidige ronde omvat de "
            "zoekacties en "
            f"imports vanaf {fmt_date(d.cutoff, lang)}; de aantallen gaan over de publicaties die in deze "
            "ronde "
            "voor het eerst gevonden zijn, met hun huidige beoordeling."
            if nl
            else "The diagram follows PRISMA 2020 for updated reviews. The current round holds the searches "
            "and "
            f"imports from {fmt_date(d.cutoff, lang)}; counts are of the records first found in this round, "
            "with their current labels."
        )
    narrow = flow_svg(
        d.flow,
        lang,
        with_previous=d.cutoff is not None,
        uid=f"{d.protocol.id}-{lang}-prisma-narrow",
        narrow=True,
    )
    doc.add(H(2, w["prisma"]), P([intro]), Figure(svg, w["fig_prisma"], prisma_file(lang), "prisma", narrow))
    rows = [[t["identified_total"], fmt_int(c.identified, lang)]]
    rows += [[f"– {src}", fmt_int(n, lang)] for src, n in sorted({**c.databases, **c.other_sources}.items())]
    rows += [
        [t["duplicates"], fmt_int(c.duplicates, lang)],
        [t["screened"], fmt_int(c.screened, lang)],
        [t["excluded"], fmt_int(c.ta_excluded, lang)],
        [t["unscreened"], fmt_int(c.unscreened, lang)],
        [t["maybe"], fmt_int(c.ta_maybe, lang)],
        [t["sought"], fmt_int(c.ta_included, lang)],
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
        rows += [
            [t["previous"], fmt_int(d.flow.previous_included, lang)],
            [t["new"], fmt_int(c.ft_included, lang)],
            [t["total"], fmt_int(d.flow.total_included, lang)],
        ]
    doc.add(Table([w["box"], w["n"]], rows, numeric={1}))


def rounds_section(d: ReviewData, lang: str, doc: Doc, svg: str) -> None:
    w = WORDS[lang]
    rows = []
    for rc in d.flow.rounds:
        r = rc.round
        label = f"{r.index + 1}" + (f" ({w['current_round']})" if r.index == len(d.rounds) - 1 else "")
        start = fmt_iso(r.start) if r.start else w["from_start"]
        period = f"{start} – {fmt_iso(r.end) if r.end else w['until_now']}"
        rows.append(
            [
                label,
                period,
                fmt_int(len(rc.run_ids), lang),
                fmt_int(rc.identified, lang),
                fmt_int(rc.duplicates, lang),
                fmt_int(rc.records, lang),
                fmt_int(rc.screened, lang),
                fmt_int(rc.ta_included, lang),
                fmt_int(rc.ft_included, lang),
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
            fmt_int(f.total("screened"), lang),
            fmt_int(f.total("ta_included"), lang),
            fmt_int(f.total("ft_included"), lang),
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
                w["col_screened"],
                w["col_ta"],
                w["col_ft"],
            ],
            rows,
            numeric=set(range(2, 9)),
            total_last=True,
            nowrap={0, 1},
        ),
    )
    if d.runs:
        doc.add(Figure(svg, w["fig_runs"], f"rounds.{lang}.svg", "plot"))
