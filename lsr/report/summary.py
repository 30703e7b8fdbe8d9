"""One review's evidence summary as a ``Doc`` in one language, plus the SVG files it refers to.

Sections: at a glance; question and protocol (PICO, criteria, version, theme, goals); search strategy as
run (PRISMA-S); the PRISMA 2020 diagram with its numbers; what changed since the previous report;
included studies as full references with reviewer notes; screening progress and the stopping rule;
inter-rater agreement (dual screening); update rounds; how the report was made.
"""

from __future__ import annotations

from lsr import __version__
from lsr.report import prose
from lsr.report.collect import ReviewData, Study
from lsr.report.document import H, UL, Badge, Code, Doc, Figure, Inline, Link, P, Pre, Ref, RefList, Strong, Table
from lsr.report.flow_svg import T as FLOW_WORDS
from lsr.report.flow_svg import flow_svg
from lsr.report.nphln import goal_text
from lsr.report.plots import curve_svg, runs_svg
from lsr.report.texts import SCHEDULE, STAGE, WORDS, fmt_date, fmt_dec, fmt_int, fmt_pct

RUN_STATUS = {"nl": {"ok": "gelukt", "failed": "mislukt", "interrupted": "onderbroken", "running": "bezig",
                     "partial": "gedeeltelijk"},
              "en": {"ok": "ok", "failed": "failed", "interrupted": "interrupted", "running": "running",
                     "partial": "partial"}}


def prisma_file(lang: str) -> str:
    """File name of the diagram beside the summary: ``prisma.svg`` (English) or ``prisma.<lang>.svg``."""
    return "prisma.svg" if lang == "en" else f"prisma.{lang}.svg"


def reference(study: Study, lang: str) -> list[Inline]:
    """A full reference: authors (year). Title. Venue. DOI link (or OpenAlex link)."""
    rec, names = study.record, study.authors
    authors = ", ".join(names[:6]) + (", et al." if len(names) > 6 else "") if names else (
        "[auteur onbekend]" if lang == "nl" else "[no author]")
    year = rec.year or ("z.j." if lang == "nl" else "n.d.")
    title = (rec.title or "").rstrip(".")
    text = f"{authors} ({year}). {title}."
    if rec.venue:
        text += f" {rec.venue}."
    parts: list[Inline] = [text + " "]
    if rec.doi:
        parts.append(Link(f"https://doi.org/{rec.doi}", f"https://doi.org/{rec.doi}"))
    elif rec.openalex_id:
        parts.append(Link(f"https://openalex.org/{rec.openalex_id}", f"https://openalex.org/{rec.openalex_id}"))
    return parts


def _ref(study: Study, lang: str, new: bool) -> Ref:
    w = WORDS[lang]
    head: list[Inline] = [Badge(w["new_mark"])] if new else []
    notes = [[Strong(f"{w['note']} ({who}, {STAGE[lang].get(stage, stage)}): "), note] for who, stage, note in study.notes]
    return Ref(head + reference(study, lang), notes)


def _search_section(d: ReviewData, lang: str, doc: Doc) -> None:
    w, proto, last = WORDS[lang], d.protocol, d.last_search
    sched = proto.schedule
    every = SCHEDULE[lang].get(sched.every or "", f"cron {sched.cron}")
    nl = lang == "nl"
    doc.add(H(2, w["search"]), P([f"De zoekvraag wordt {every} opnieuw uitgevoerd in OpenAlex; extra bronnen worden als "
                                  "bestand geïmporteerd." if nl else f"The search is re-run in OpenAlex {every}; further "
                                  "sources are imported from files."]))
    if last is None:
        doc.add(P(["Er is nog niet in OpenAlex gezocht." if nl else "OpenAlex has not been searched yet."]))
    else:
        status = RUN_STATUS[lang].get(last.status, last.status)
        doc.add(P([f"De laatste zoekactie in OpenAlex begon op {fmt_date(last.started_at, lang, True)} ({status}) en "
                   f"leverde {fmt_int(last.results_returned, lang)} treffers op: {fmt_int(last.new_records, lang)} nieuw "
                   f"en {fmt_int(last.duplicates, lang)} al bekend." if nl else
                   f"The last OpenAlex search started on {fmt_date(last.started_at, lang, True)} ({status}) and "
                   f"returned {fmt_int(last.results_returned, lang)} results: {fmt_int(last.new_records, lang)} new and "
                   f"{fmt_int(last.duplicates, lang)} already known."]))
        if last.error:
            doc.add(P([("Foutmelding: " if nl else "Error: "), Code(last.error)]))
        info = next(r for r in d.runs if r.run is last)
        doc.add(P([Strong(w["query"] + (" (titel en samenvatting)" if nl else " (title and abstract)"))]),
                Pre(last.query or "—"), P([Strong(w["filters"])]),
                Pre("\n".join(f"{k}: {v}" for k, v in info.filters.items()) or "—"))
        if info.request_urls:
            doc.add(P([Strong(w["request"])]), Pre("\n".join(info.request_urls[:3])))
        if last.query and last.query != proto.search.query:
            doc.add(P(["Het protocol is sindsdien aangepast; de volgende zoekactie gebruikt: " if nl else
                       "The protocol has changed since; the next search will use: ", Code(proto.search.query)]))
    rows = []
    for info in d.runs:
        r = info.run
        what = Code(r.query) if r.kind == "update" else (r.file or "—")
        rows.append([fmt_date(r.started_at, lang), r.source, w[f"kind_{r.kind}"] if r.kind in ("update", "import")
                     else r.kind, what, fmt_int(r.results_returned, lang), fmt_int(r.new_records, lang),
                     fmt_int(r.duplicates, lang), RUN_STATUS[lang].get(r.status, r.status)])
    if rows:
        doc.add(Table([w["col_date"], w["col_source"], w["col_kind"], w["col_search"], w["col_results"], w["col_new"],
                       w["col_dup"], w["col_status"]], rows, numeric={4, 5, 6}))


def _prisma_section(d: ReviewData, lang: str, doc: Doc, svg: str) -> None:
    w, c, t = WORDS[lang], d.flow.current, FLOW_WORDS[lang]
    nl = lang == "nl"
    if d.cutoff is None:
        intro = ("Het diagram volgt PRISMA 2020 en omvat alle zoekacties en imports tot nu toe." if nl else
                 "The diagram follows PRISMA 2020 and covers every search and import so far.")
    else:
        intro = (f"Het diagram volgt PRISMA 2020 voor geactualiseerde reviews. De huidige ronde omvat de zoekacties en "
                 f"imports vanaf {fmt_date(d.cutoff, lang)}; de aantallen gaan over de publicaties die in deze ronde "
                 "voor het eerst gevonden zijn, met hun huidige beoordeling." if nl else
                 f"The diagram follows PRISMA 2020 for updated reviews. The current round holds the searches and "
                 f"imports from {fmt_date(d.cutoff, lang)}; counts are of the records first found in this round, "
                 "with their current labels.")
    doc.add(H(2, w["prisma"]), P([intro]), Figure(svg, w["fig_prisma"], prisma_file(lang), "prisma"))
    rows = [[t["identified"].rstrip(":"), fmt_int(c.identified, lang)], [t["duplicates"], fmt_int(c.duplicates, lang)],
            [t["screened"], fmt_int(c.screened, lang)], [t["excluded"], fmt_int(c.ta_excluded, lang)],
            [t["unscreened"], fmt_int(c.unscreened, lang)], [t["maybe"], fmt_int(c.ta_maybe, lang)],
            [t["sought"], fmt_int(c.ta_included, lang)], [t["not_retrieved"], fmt_int(c.ft_not_retrieved, lang)],
            [t["pending"], fmt_int(c.ft_pending, lang)], [t["assessed"], fmt_int(c.ft_assessed, lang)]]
    rows += [[f"{t['ft_excluded']} {reason or t['no_reason']}", fmt_int(n, lang)]
             for reason, n in sorted(c.ft_excluded_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))]
    if d.cutoff is None:
        rows.append([t["included"], fmt_int(c.ft_included, lang)])
    else:
        rows += [[t["previous"], fmt_int(d.flow.previous_included, lang)], [t["new"], fmt_int(c.ft_included, lang)],
                 [t["total"], fmt_int(d.flow.total_included, lang)]]
    doc.add(Table([w["box"], w["n"]], rows, numeric={1}))


def _rounds_section(d: ReviewData, lang: str, doc: Doc, svg: str) -> None:
    w = WORDS[lang]
    rows = []
    for rc in d.flow.rounds:
        r = rc.round
        label = f"{r.index + 1}" + (f" ({w['current_round']})" if r.index == len(d.rounds) - 1 else "")
        period = f"{fmt_date(r.start, lang) if r.start else w['from_start']} – " \
                 f"{fmt_date(r.end, lang) if r.end else w['until_now']}"
        rows.append([label, period, fmt_int(len(rc.run_ids), lang), fmt_int(rc.identified, lang),
                     fmt_int(rc.duplicates, lang), fmt_int(rc.records, lang), fmt_int(rc.screened, lang),
                     fmt_int(rc.ta_included, lang), fmt_int(rc.ft_included, lang)])
    f = d.flow
    rows.append([w["total"], "", fmt_int(sum(len(rc.run_ids) for rc in f.rounds), lang), fmt_int(f.total("identified"), lang),
                 fmt_int(f.total("duplicates"), lang), fmt_int(f.total("records"), lang), fmt_int(f.total("screened"), lang),
                 fmt_int(f.total("ta_included"), lang), fmt_int(f.total("ft_included"), lang)])
    doc.add(H(2, w["rounds"]),
            Table([w["col_round"], w["col_period"], w["col_runs"], w["col_results"], w["col_dup"], w["col_new"],
                   w["col_screened"], w["col_ta"], w["col_ft"]], rows, numeric=set(range(2, 9)), total_last=True))
    if d.runs:
        doc.add(Figure(svg, w["fig_runs"], f"rounds.{lang}.svg", "plot"))


def build_summary(d: ReviewData, lang: str) -> tuple[Doc, dict[str, str]]:
    """The summary of one review in ``lang`` and the SVG files (name -> content) it refers to."""
    w, proto, s = WORDS[lang], d.protocol, d.status
    nl = lang == "nl"
    uid = f"{proto.id}-{lang}"
    prisma = flow_svg(d.flow, lang, with_previous=d.cutoff is not None, uid=f"{uid}-prisma")
    curve = curve_svg(d.curve, lang, f"{uid}-curve")
    current = len(d.rounds) - 1
    runs = runs_svg([(r.run.started_at, r.run.source, r.run.new_records, r.run.duplicates, r.round_index == current)
                     for r in d.runs], lang, f"{uid}-runs")
    doc = Doc(proto.title, lang, w["subtitle"].format(date=fmt_date(d.now, lang)))
    changes = prose.changes_sentences(d, lang)
    doc.add(H(2, w["glance"]), UL([[Strong(w["question"] + ": "), proto.question], [prose.found_sentence(d, lang)],
                                   [prose.included_sentence(d, lang)], [changes[0]],
                                   [prose.stopping_sentences(d, lang)[0]]], cls="glance"))
    goals = ", ".join(goal_text(g, lang) for g in proto.programme_goals) or "—"
    pico = [[w["population"], proto.pico.population or "—"], [w["intervention"], proto.pico.intervention or "—"],
            [w["comparison"], proto.pico.comparison or "—"], [w["outcomes"], "; ".join(proto.pico.outcomes) or "—"]]
    doc.add(H(2, w["protocol"]), P([Strong(w["question"] + ": "), proto.question]), Table([], pico),
            P([w["protocol_line"].format(version=proto.version, theme=proto.theme or "—", goals=goals)]))
    for key, items in (("include", proto.criteria.include), ("exclude", proto.criteria.exclude)):
        if items:
            doc.add(P([Strong(w[key])]), UL([[i] for i in items]))
    _search_section(d, lang, doc)
    _prisma_section(d, lang, doc, prisma)
    doc.add(H(2, w["changes"]), *[P([t]) for t in changes])
    new_ids = {id(x) for x in d.new_inclusions}
    if d.cutoff is not None and d.new_inclusions:
        doc.add(RefList([_ref(x, lang, True) for x in d.new_inclusions]))
    doc.add(H(2, f"{w['studies']} ({fmt_int(len(d.included), lang)})"))
    if d.included:
        doc.add(RefList([_ref(x, lang, id(x) in new_ids and d.cutoff is not None) for x in d.included]))
    else:
        doc.add(P(["Er zijn nog geen studies opgenomen na beoordeling van de volledige tekst." if nl else
                   "No study has been included after full-text assessment yet."]))
    if d.awaiting_fulltext:
        doc.add(H(3, f"{w['awaiting']} ({fmt_int(len(d.awaiting_fulltext), lang)})"),
                RefList([_ref(x, lang, False) for x in d.awaiting_fulltext]))
    doc.add(H(2, w["progress"]), *[P([t]) for t in prose.progress_sentences(d, lang)],
            *[P([t]) for t in prose.stopping_sentences(d, lang)], Figure(curve, w["fig_curve"], f"screening.{lang}.svg", "plot"))
    if proto.screening.reviewers_per_record >= 2:
        doc.add(H(2, w["agreement"]), *[P([t]) for t in prose.agreement_sentences(d, lang)])
        pairs = (d.agreement or {}).get("pairs") or []
        if pairs:
            doc.add(Table([w["col_pair"], w["n"], w["col_agree"], w["col_kappa"]],
                          [[" & ".join(p["reviewers"]), fmt_int(p["n"], lang), fmt_pct(p["percent_agreement"], lang),
                            fmt_dec(p["kappa"], lang)] for p in pairs], numeric={1, 2, 3}))
    _rounds_section(d, lang, doc, runs)
    doc.add(H(2, w["about"]), P([
        f"Gemaakt met lsr {__version__} op {fmt_date(d.now, lang, True)}, rechtstreeks uit de database van de review. "
        "Een updateronde omvat alle zoekacties en imports sinds het vorige rapport (of sinds de opgegeven datum). "
        f"Opgeteld over alle rondes komen de aantallen precies overeen met lsr status: {fmt_int(s['records'], lang)} "
        f"publicaties, {fmt_int(s['duplicates'], lang)} dubbele treffers." if nl else
        f"Made with lsr {__version__} on {fmt_date(d.now, lang, True)}, directly from the review's database. An update "
        "round holds every search and import since the previous report (or since the date given). Summed over all "
        f"rounds the counts equal lsr status: {fmt_int(s['records'], lang)} records, {fmt_int(s['duplicates'], lang)} "
        "duplicate hits."], cls="small"))
    return doc, {prisma_file(lang): prisma, f"screening.{lang}.svg": curve, f"rounds.{lang}.svg": runs}
