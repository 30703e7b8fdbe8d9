"""One review's evidence summary as a ``Doc`` in one language, plus the SVG files it refers to.

Sections: at a glance; question and protocol (PICO, criteria, version, theme, goals); search strategy as
run (PRISMA-S); the PRISMA 2020 diagram with its numbers; what changed since the previous report (the
studies newly included and those of the previous version no longer included, each listed, with why);
included studies as full references with reviewer notes; screening progress and the stopping rule;
inter-rater agreement (dual screening); update rounds; how the report was made.
"""

from __future__ import annotations

import dataclasses

from lsr import __version__
from lsr.report import amendments, assurance, evidence, prose, protocol_text, sections
from lsr.report.collect import ReviewData, Study
from lsr.report.document import (
    UL,
    Badge,
    Doc,
    Figure,
    H,
    Inline,
    Link,
    P,
    Ref,
    RefList,
    Strong,
    Table,
)
from lsr.report.flow_svg import flow_svg, left_reason
from lsr.report.nphln import THEMES, goal_text, theme_index
from lsr.report.plots import curve_svg, runs_svg
from lsr.report.prisma import NO_REASON
from lsr.report.texts import STAGE, WORDS, fmt_date, fmt_dec, fmt_int, fmt_pct, version_phrase
from lsr.search.databases import display_name
from lsr.search.identity import citation_name, family_name_as_written


def reference(study: Study, lang: str) -> list[Inline]:
    """A full reference: authors (year). Title. Venue. DOI link (or OpenAlex link). Authors in one form
    whatever their source wrote ("Smith JA", ``identity.citation_name``), at most six, then "et al."."""
    rec, names = study.record, [citation_name(n) for n in study.authors]
    authors = (
        ", ".join(names[:6]) + (", et al." if len(names) > 6 else "")
        if names
        else ("[auteur onbekend]" if lang == "nl" else "[no author]")
    )
    year = rec.year or ("z.j." if lang == "nl" else "n.d.")
    title = (rec.title or "").rstrip(".")
    text = f"{authors} ({year}). {title}."
    if rec.venue:
        text += f" {rec.venue}."
    parts: list[Inline] = []
    if getattr(rec, "is_retracted", False):  # OpenAlex flags the work as retracted
        parts.append(Badge(WORDS[lang]["retracted_mark"]))
    parts.append(text + " ")
    if rec.doi:
        parts.append(Link(f"https://doi.org/{rec.doi}", f"https://doi.org/{rec.doi}"))
    elif rec.openalex_id:
        parts.append(
            Link(f"https://openalex.org/{rec.openalex_id}", f"https://openalex.org/{rec.openalex_id}")
        )
    return parts


def short_reference(study: Study, lang: str) -> list[Inline]:
    """First author's family name (both of two; et al. from three on), year and title: for lists of what
    changed ("Johnson en Smit (2018)", "Johnson e.a. (2018)")."""
    rec, names = study.record, [family_name_as_written(n) for n in study.authors]
    if len(names) > 2:
        who = names[0] + (" e.a." if lang == "nl" else " et al.")
    elif len(names) == 2:
        who = f"{names[0]} {'en' if lang == 'nl' else '&'} {names[1]}"
    else:
        who = names[0] if names else "—"
    return [f"{who} ({rec.year or ('z.j.' if lang == 'nl' else 'n.d.')}). {(rec.title or '').rstrip('.')}."]


def _ref(study: Study, lang: str, new: bool) -> Ref:
    w = WORDS[lang]
    head: list[Inline] = [Badge(w["new_mark"])] if new else []
    notes = [
        [Strong(f"{w['note']} ({who}, {STAGE[lang].get(stage, stage)}):"), " ", note]
        for who, stage, note in study.notes
    ]
    return Ref(head + reference(study, lang), notes)


def _theme(proto, lang: str) -> str:
    index = theme_index(proto.theme, proto.programme_goals)
    return THEMES[index][lang] if index is not None else (proto.theme or "—")


def _dutch_reasons(d: ReviewData) -> ReviewData:
    """A copy of ``d`` whose full-text exclusion reasons carry the protocol's Dutch labels."""
    flow = d.flow.with_reasons(lambda reason: _nl_reason(d, reason))
    left = [
        dataclasses.replace(x, left=dataclasses.replace(x.left, reason=_nl_reason(d, x.left.reason)))
        for x in d.left_inclusions
    ]
    return dataclasses.replace(d, flow=flow, left_inclusions=left)


def _nl_reason(d: ReviewData, reason: str) -> str:
    return protocol_text.reason(d.protocol, reason, "nl") if reason != NO_REASON else reason


def _effect_changes(d: ReviewData, lang: str, doc: Doc) -> None:
    """In "what changed": the key message's sentence on the effect estimate, and the studies still included
    that left it, with why ("teruggetrokken publicatie")."""
    if d.previous_report_at is None or d.synthesis is None:
        return
    doc.add(P([evidence.changes_text(d, lang)]))
    left = evidence.left_effect_studies(d, lang)
    if left:
        doc.add(P([Strong("Niet meer in de effectberekening:" if lang == "nl" else "No longer in the synthesis:")]),
                UL([[*short_reference(st, lang), f" — {why}"] for st, why in left]))


def retracted_sentence(d: ReviewData, lang: str) -> str | None:
    """The "in short" line on included studies that OpenAlex marks as retracted (None: there are none). That
    they do not count in the effect is said only when one of them was extracted, the only case in which it
    could have counted."""
    retracted = {s.record.id for s in d.included if getattr(s.record, "is_retracted", False)}
    if not retracted:
        return None
    n = len(retracted)
    extracted = d.synthesis is not None and any(
        ds.record_id in retracted for o in d.synthesis.outcomes for ds in o.described_studies)
    one = n == 1
    if lang == "nl":
        head = (f"Daarvan {'is' if one else 'zijn'} {fmt_int(n, lang)} {'publicatie' if one else 'publicaties'} "
                "teruggetrokken (volgens OpenAlex)")
        tail = f"; {'die telt' if one else 'die tellen'} niet mee in de effectberekening"
    else:
        head = (f"Of these, {fmt_int(n, lang)} {'publication has' if one else 'publications have'} been retracted "
                "(according to OpenAlex)")
        tail = f"; {'it does' if one else 'they do'} not count in the effect estimate"
    return f"{head}{tail if extracted else ''}."


def build_summary(d: ReviewData, lang: str) -> tuple[Doc, dict[str, str]]:
    """The summary of one review in ``lang`` and the SVG files (name -> content) it refers to."""
    nl = lang == "nl"
    if nl:
        d = _dutch_reasons(d)
    w, proto, s = WORDS[lang], d.protocol, d.status
    question = protocol_text.question(proto, lang)
    uid = f"{proto.id}-{lang}"
    prisma = flow_svg(
        d.flow, lang, with_previous=d.cutoff is not None, uid=f"{uid}-prisma",
        previous_label=sections.previous_label(d, lang),
    )
    curve = curve_svg(d.curve, lang, f"{uid}-curve")
    current = len(d.rounds) - 1
    runs = runs_svg(
        [
            (
                r.run.started_at,
                display_name(r.run.source),
                r.run.new_records,
                r.run.duplicates,
                r.round_index == current,
            )
            for r in d.runs
        ],
        lang,
        f"{uid}-runs",
    )
    doc = Doc(protocol_text.title(proto, lang), lang, w["subtitle"].format(date=fmt_date(d.now, lang)))
    changes = prose.changes_sentences(d, lang)
    doc.add(*evidence.key_message_blocks(d, lang))
    doc.add(
        H(2, w["glance"]),
        UL(
            [
                [Strong(w["question"] + ":"), " ", question],
                [prose.found_sentence(d, lang)],
                [prose.included_sentence(d, lang)],
                *([[Strong(retracted)]] if (retracted := retracted_sentence(d, lang)) else []),
                [changes[0]],
                [assurance.stopping_sentences(d, lang)[0]],
            ],
            cls="glance",
        ),
    )
    forests = evidence.evidence_section(d, lang, doc)
    goals = "; ".join(goal_text(g, lang).rstrip(".") for g in sorted(proto.programme_goals)) or "—"
    pico = [
        [w["population"], protocol_text.pico(proto, "population", lang) or "—"],
        [w["intervention"], protocol_text.pico(proto, "intervention", lang) or "—"],
        [w["comparison"], protocol_text.pico(proto, "comparison", lang) or "—"],
        [w["outcomes"], "; ".join(protocol_text.outcomes(proto, lang)) or "—"],
    ]
    doc.add(
        H(2, w["protocol"]),
        P([Strong(w["question"] + ":"), " ", question]),
        Table([], pico),
        P([w["protocol_line"].format(version=version_phrase(proto.version, lang, start=True), theme=_theme(proto, lang),
                                     goals=goals)]),
    )
    for key in ("include", "exclude"):
        items = protocol_text.criteria(proto, key, lang)
        if items:
            doc.add(P([Strong(w[key])]), UL([[i] for i in items]))
    sections.search_section(d, lang, doc)
    sections.prisma_section(d, lang, doc, prisma)
    doc.add(H(2, w["changes"]), *[P([t]) for t in changes])
    new_ids = {id(x) for x in d.new_inclusions}
    if d.cutoff is not None and d.new_inclusions:
        doc.add(P([Strong("Nieuw opgenomen:" if nl else "Newly included:")]))
        doc.add(UL([short_reference(x, lang) for x in d.new_inclusions]))
    if d.cutoff is not None and d.left_inclusions:
        doc.add(P([Strong("Niet meer opgenomen:" if nl else "No longer included:")]))
        doc.add(
            UL(
                [
                    [*short_reference(x.study, lang), f" — {left_reason(x.left.why, x.left.reason, lang)}"]
                    for x in d.left_inclusions
                ]
            )
        )
    _effect_changes(d, lang, doc)
    amendments.amendments_section(d, lang, doc)  # the search changed in this period; every protocol version
    doc.add(H(2, f"{w['studies']} ({fmt_int(len(d.included), lang)})"))
    if d.included:
        doc.add(RefList([_ref(x, lang, id(x) in new_ids and d.cutoff is not None) for x in d.included]))
    else:
        doc.add(
            P(
                [
                    "Er zijn nog geen studies opgenomen na beoordeling van de volledige tekst."
                    if nl
                    else "No study has been included after full-text assessment yet."
                ]
            )
        )
    if d.awaiting_fulltext:
        doc.add(
            H(3, f"{w['awaiting']} ({fmt_int(len(d.awaiting_fulltext), lang)})"),
            RefList([_ref(x, lang, False) for x in d.awaiting_fulltext]),
        )
    doc.add(
        H(2, w["progress"]),
        *[P([t]) for t in prose.progress_sentences(d, lang)],
        *[P([t]) for t in assurance.stopping_sentences(d, lang)],
        Figure(curve, w["fig_curve"], f"screening.{lang}.svg", "plot"),
    )
    if proto.screening.reviewers_per_record >= 2:
        sentences = assurance.agreement_sentences(d, lang)
        if nl:  # kappa is for specialists: the Dutch text gives agreement in percent, kappa in the appendix
            sentences = [t.split("Cohens kappa")[0].strip() for t in sentences]
            sentences = [t for t in sentences if t]
        doc.add(H(2, w["agreement"]), *[P([t]) for t in sentences])
        pairs = (d.agreement or {}).get("pairs") or []
        if pairs:
            header = [w["col_pair"], w["n"], w["col_agree"]] + ([] if nl else [w["col_kappa"]])
            doc.add(
                Table(
                    header,
                    [
                        [
                            " & ".join(p["reviewers"]),
                            fmt_int(p["n"], lang),
                            fmt_pct(p["percent_agreement"], lang),
                        ]
                        + ([] if nl else [fmt_dec(p["kappa"], lang)])
                        for p in pairs
                    ],
                    numeric={1, 2, 3},
                )
            )
    sections.rounds_section(d, lang, doc, runs)
    doc.add(
        H(2, w["about"]),
        P(
            [
                f"Gemaakt met lsr {__version__} op {fmt_date(d.now, lang)}, rechtstreeks uit de "
                "database van de review. "
                "Een updateronde omvat alle zoekacties en imports sinds het vorige rapport (of sinds de "
                "opgegeven datum). "
                "Opgeteld over alle rondes komen de aantallen precies overeen met de stand in de database: "
                f"{fmt_int(s['records'], lang)} "
                f"publicaties, {fmt_int(s['duplicates'], lang)} dubbelingen."
                if nl
                else f"Made with lsr {__version__} on {fmt_date(d.now, lang, True)}, directly from the "
                "review's database. An update "
                "round holds every search and import since the previous report (or since the date given). "
                "Summed over all "
                f"rounds the counts equal lsr status: {fmt_int(s['records'], lang)} records, "
                f"{fmt_int(s['duplicates'], lang)} "
                "duplicate hits."
            ],
            cls="small",
        ),
    )
    if nl:
        evidence.appendix_nl(d, doc)
    files = {sections.prisma_file(lang): prisma, f"screening.{lang}.svg": curve, f"rounds.{lang}.svg": runs,
             **forests}
    return doc, files
