"""The portfolio overview: every review of the workspace grouped by NPHLN theme and programme goal.

This is the page the programme bureau lifts into its April and September monitoring reports: per theme,
each review's question, how much was found and screened, how many studies are included, what changed
since the previous report and whether screening may stop, with a link to the review's own summary.
"""

from __future__ import annotations

from lsr.report import assurance, evidence, prose, protocol_text
from lsr.report.collect import ReviewData
from lsr.report.document import UL, Doc, H, Link, P, Strong, Table
from lsr.report.nphln import GOALS, THEMES, goal_text, theme_index, theme_name
from lsr.report.texts import WORDS, fmt_date, fmt_int, plural, share, version_phrase


def _group(datas: list[ReviewData]) -> list[tuple[int | None, list[ReviewData]]]:
    groups: dict[int | None, list[ReviewData]] = {}
    for d in datas:
        groups.setdefault(theme_index(d.protocol.theme, d.protocol.programme_goals), []).append(d)
    order = [i for i in range(len(THEMES)) if i in groups] + ([None] if None in groups else [])
    return [(i, sorted(groups[i], key=lambda d: d.protocol.title.lower())) for i in order]


def _new_records(d: ReviewData) -> int:
    return d.flow.current.records if d.cutoff is not None else d.status["records"]


def _effect(d: ReviewData, lang: str) -> tuple[str, str]:
    """The main outcome's effect and evidence strength, as short table cells."""
    from lsr.synthesis.key_message import effect_text

    main = d.synthesis.main if d.synthesis is not None else None
    if main is None:
        return ("nog geen gegevens overgenomen" if lang == "nl" else "no data extracted yet"), "—"
    p, name = main.pooled, main.name(lang)
    if p.estimate is not None:
        text = f"{name}: {effect_text(p, lang)} ({fmt_int(p.k, lang)} studies)"
    elif p.studies:  # one study: its own estimate and CI
        text = f"{name}: {effect_text(p, lang)}"
    else:
        text = f"{name}: " + ("geen effect te berekenen" if lang == "nl" else "no effect to compute")
    return text, main.strength.word(lang)


def _change(d: ReviewData, lang: str) -> str:
    """What changed since the previous report: the key message's last sentence."""
    return evidence.changes_text(d, lang)


def _goal_tables(index: int, group: list[ReviewData], datas: list[ReviewData], lang: str, fmt: str,
                 doc: Doc, messages: dict[str, str]) -> None:
    """One table per programme goal of a theme: each review's key message, effect, strength and change.

    A goal's table lists every review that names the goal, also reviews whose main theme is another (they
    are described under that theme), so a review can appear under several goals; ``group`` (the reviews of
    this theme) only decides which of them name no goal of this theme. ``messages``: each review's key
    message by protocol id, built once (a review can stand under several goals)."""
    nl = lang == "nl"
    header = ["Review", "Kernboodschap" if nl else "Key message", "Effect", "Bewijskracht" if nl else "Strength",
              "Verandering sinds vorig rapport" if nl else "Change since last report"]
    everyone = sorted(datas, key=lambda d: d.protocol.title.lower())
    goals = [g for g in THEMES[index]["goals"] if any(g in d.protocol.programme_goals for d in everyone)]
    loose = [d for d in group if not set(d.protocol.programme_goals) & set(THEMES[index]["goals"])]
    for goal, members in [(g, [d for d in everyone if g in d.protocol.programme_goals]) for g in goals] + \
            ([(None, loose)] if loose else []):
        doc.add(H(3, (("Doel " if nl else "Goal ") + goal_text(goal, lang)) if goal is not None else
                  ("Zonder programmadoel van dit thema" if nl else "No goal of this theme")))
        rows, waiting = [], []
        for d in members:
            if not _has_studies(d):
                waiting.append(d)
                continue
            effect, strength = _effect(d, lang)
            change = _change(d, lang)
            message = messages[d.protocol.id]
            if message.endswith(change):  # the change has its own column
                message = message[: -len(change)].rstrip()
            rows.append([_link(d, lang, fmt), message, effect, Strong(strength), change])
        if rows:
            doc.add(Table(header, rows, stack=True))
        if waiting:
            doc.add(P([Strong("Nog geen opgenomen studies:" if nl else "No included studies yet:"), " ",
                       *_links(waiting, lang, fmt)]))


def _last_run(d: ReviewData):
    """The latest finished OpenAlex update or import (as ``lsr status``: an interrupted or failed run is not
    a search done); a review with only imports shows its last import."""
    done = [r.run for r in d.runs if r.run.status == "ok" and r.run.kind in ("update", "import")]
    return max(done, key=lambda r: r.started_at) if done else None


def _has_studies(d: ReviewData) -> bool:
    """Whether the review has included studies (after full text) to speak of."""
    return d.status["fulltext"]["included"] > 0


def _link(d: ReviewData, lang: str, fmt: str) -> Link:
    return Link(protocol_text.title(d.protocol, lang), f"{d.protocol.id}/summary.{lang}.{fmt}")


def _links(datas: list[ReviewData], lang: str, fmt: str) -> list:
    """The reviews' titles as links, separated by semicolons and ended with a full stop."""
    parts: list = []
    for n, d in enumerate(datas):
        parts += [_link(d, lang, fmt), "; " if n < len(datas) - 1 else "."]
    return parts


def _review_block(d: ReviewData, lang: str, fmt: str, doc: Doc) -> None:
    nl, proto = lang == "nl", d.protocol
    w = WORDS[lang]
    last = d.last_search
    link = f"{proto.id}/summary.{lang}.{fmt}"
    doc.add(H(3, protocol_text.title(proto, lang)),
            P([Strong(w["question"] + ":"), " ", protocol_text.question(proto, lang)]))
    goals = ", ".join(str(g) for g in sorted(proto.programme_goals)) or "—"
    items = [
        [
            ("Programmadoelen: " if nl else "Programme goals: ")
            + goals
            + f" · {version_phrase(proto.version, lang)}"
        ],
        [prose.found_sentence(d, lang)],
        [prose.included_sentence(d, lang)],
        [prose.changes_sentences(d, lang)[0]],
        [assurance.stopping_sentences(d, lang)[0]],
    ]
    if last is None:
        items.append(["Nog niet in OpenAlex gezocht; de publicaties komen uit geïmporteerde bestanden." if nl
                      else "Not searched in OpenAlex yet; the records come from imported files."])
    items.append([Link(f"{w['summary_link']}: {link}", link)])
    doc.add(UL(items))


def build_portfolio(datas: list[ReviewData], lang: str, fmt: str, now, disabled=()) -> Doc:
    """The portfolio document in ``lang``; links point to the summaries in format ``fmt`` (md or html).
    ``disabled``: the reviews whose protocol file does not load (``DisabledReview``), named so the page
    does not under-report the programme."""
    w, nl = WORDS[lang], lang == "nl"
    doc = Doc(w["portfolio"], lang, w["portfolio_sub"].format(date=fmt_date(now, lang)))
    tot = {k: sum(d.status[k] for d in datas) for k in ("records", "screened")}
    incl = sum(d.status["fulltext"]["included"] for d in datas)
    new_rec = sum(_new_records(d) for d in datas)
    new_inc = sum(len(d.new_inclusions) for d in datas)
    left = sum(len(d.left_inclusions) for d in datas)
    cutoffs = sorted({d.cutoff.date() for d in datas if d.cutoff is not None})
    if nl:
        intro = (
            "Het programma heeft "
            f"{plural(len(datas), 'levende systematische review', 'levende systematische reviews', lang)}"
            f". Samen {'is' if tot['records'] == 1 else 'zijn'} er "
            f"{plural(tot['records'], 'publicatie', 'publicaties', lang)} "
            f"gevonden, waarvan {fmt_int(tot['screened'], lang)} "
            f"({share(tot['screened'], tot['records'], lang)}) "
            f"beoordeeld; {plural(incl, 'studie is', 'studies zijn', lang)} opgenomen."
        )
        since = (
            (f" Sinds het vorige rapport ({fmt_date(cutoffs[0], lang)})" if len(cutoffs) == 1
             else " Sinds de vorige rapporten van de reviews")
            + f" {'is' if new_rec == 1 else 'zijn'} er "
            + (f"{plural(new_rec, 'publicatie', 'publicaties', lang)} gevonden" if new_rec
               else "geen nieuwe publicaties gevonden")
            + " en "
            + (f"{plural(new_inc, 'studie', 'studies', lang)} opgenomen" if new_inc
               else "geen nieuwe studies opgenomen")
            + (f"; {plural(left, 'studie is', 'studies zijn', lang)} niet meer opgenomen." if left else ".")
        )
    else:
        intro = (
            "The programme has "
            f"{plural(len(datas), 'living systematic review', 'living systematic reviews', lang)}. "
            f"Together they found {plural(tot['records'], 'record', 'records', lang)}, of which "
            f"{fmt_int(tot['screened'], lang)} ({share(tot['screened'], tot['records'], lang)}) have been "
            "screened; "
            f"{plural(incl, 'study is', 'studies are', lang)} included."
        )
        since = (
            (f" Since the previous report ({fmt_date(cutoffs[0], lang)}), " if len(cutoffs) == 1
             else " Since the reviews' previous reports, ")
            + (f"{plural(new_rec, 'new record was', 'new records were', lang)} found" if new_rec
               else "no new records were found")
            + " and "
            + (f"{plural(new_inc, 'study was', 'studies were', lang)} newly included" if new_inc
               else "no new studies were included")
            + (f"; {plural(left, 'study is', 'studies are', lang)} no longer included." if left else ".")
        )
    if any(d.cutoff is not None for d in datas):  # a first overview has nothing to compare with
        intro += since
    doc.add(P([intro]))
    messages = {d.protocol.id: evidence.key_message_text(d, lang) for d in datas if _has_studies(d)}
    legend = evidence.abbreviations_note(" ".join(messages.values()), lang)
    if legend:
        doc.add(P([legend], cls="small"))
    if disabled:
        doc.add(P([Strong(("Niet in dit overzicht: " if nl else "Not in this overview: ")
                          + plural(len(disabled), "review", "reviews", lang)),
                   (" waarvan het protocolbestand niet te lezen is; los dit op en maak het rapport opnieuw "
                    "(lsr protocols check): " if nl else " whose protocol file does not load; fix it and write "
                    "the report again (lsr protocols check): ")
                   + "; ".join(f"{d.id} ({d.path.name})" for d in disabled) + "."]))
    header = [
        "Review",
        "Nieuwe publicaties" if nl else "New records",
        w["col_screened"],
        w["col_ft"],
        "Laatste zoekactie of import" if nl else "Last search or import",
    ]
    rows = []
    for d in datas:
        last = _last_run(d)
        rows.append(
            [
                _link(d, lang, fmt),
                fmt_int(_new_records(d), lang),
                f"{fmt_int(d.status['screened'], lang)} / {fmt_int(d.status['records'], lang)}",
                fmt_int(d.status["fulltext"]["included"], lang),
                (fmt_date(last.started_at, lang) + (" (import)" if last.kind == "import" else "")) if last
                else "—",
            ]
        )
    doc.add(Table(header, rows, numeric={1, 2, 3}, nowrap={4}))
    for index, group in _group(datas):
        doc.add(H(2, theme_name(index, lang)))
        if index is not None:
            doc.add(
                P([Strong("Programmadoelen van dit thema:" if nl else "Programme goals of this theme:")]),
                UL([[goal_text(g, lang)] for g in THEMES[index]["goals"]]),
            )
            _goal_tables(index, group, datas, lang, fmt, doc, messages)
        for d in group:
            if d.status["records"]:
                _review_block(d, lang, fmt, doc)
        empty = [d for d in group if not d.status["records"]]
        if empty:
            doc.add(P([Strong("Nog geen publicaties gevonden (nog niet gezocht of geïmporteerd):" if nl else
                              "No records yet (not searched or imported):"), " ", *_links(empty, lang, fmt)]))
    doc.add(H(2, w["by_goal"]))
    goal_rows = []
    for goal in GOALS:
        titles = [protocol_text.title(d.protocol, lang) for d in datas if goal in d.protocol.programme_goals]
        goal_rows.append([goal_text(goal, lang), "; ".join(titles) or w["no_reviews"]])
    doc.add(Table(["Doel" if nl else "Goal", "Reviews"], goal_rows))
    return doc
