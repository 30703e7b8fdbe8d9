"""Writing the report files: ``write_reports`` is the library entry point behind ``lsr report``.

Per review, into ``reviews/<id>/``: ``summary.<lang>.md`` / ``summary.<lang>.html``, the PRISMA
diagram (``prisma.svg`` in English, ``prisma.<lang>.svg`` for other languages), the plots
(``screening.<lang>.svg``, ``rounds.<lang>.svg``) and one new entry in the report log
``reports.json`` (with the record ids of the studies the report counts as included, ``included_ids``, so
that the next report's "studies included in the previous version" is what this one published). Without a
review list, also ``reviews/portfolio.<lang>.md`` / ``.html``. Files are
replaced atomically, so a reader never sees half a file. A draft (``draft=True``) writes the same files
into ``reviews/_drafts/`` with a notice at the top, and no log entry (``lsr.report.rounds``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

from lsr.errors import LsrError
from lsr.report.collect import ReviewData, collect_review
from lsr.report.document import P, Strong, to_html, to_markdown
from lsr.report.flow_svg import flow_svg
from lsr.report.portfolio import build_portfolio
from lsr.report.rounds import (
    DRAFT_MARK,
    append_log,
    draft_dir,
    draft_notice,
    make_rounds,
    parse_since,
    previous_report,
    read_log,
)
from lsr.report.sections import previous_label, prisma_file
from lsr.report.summary import build_summary
from lsr.report.texts import LANGS

FORMATS = ("md", "html")


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def _check(values: Iterable[str], allowed: tuple[str, ...], what: str) -> tuple[str, ...]:
    values = tuple(dict.fromkeys(values))
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise LsrError(f"{what} must be one of {', '.join(allowed)} (got {', '.join(bad) or 'nothing'})")
    return values


def collect_all(ws, review_ids: list[str], since: datetime | None, now: datetime) -> list[ReviewData]:
    """Read the report data of several reviews in one read transaction."""
    out = []
    with ws.db.read() as session:
        for rid in review_ids:
            log = read_log(ws.review_dir(rid))
            cutoff, kind = (since, "since") if since is not None else (previous_report(log, now), "report")
            out.append(
                collect_review(
                    ws,
                    session,
                    rid,
                    make_rounds(log, cutoff),
                    cutoff,
                    kind if cutoff is not None else None,
                    now,
                    log,
                )
            )
    return out


def write_reports(
    ws,
    review_ids: list[str] | tuple[str, ...] | None = None,
    langs: Iterable[str] = ("nl", "en"),
    formats: Iterable[str] = FORMATS,
    since: str | date | datetime | None = None,
    *,
    now: datetime | None = None,
    draft: bool = False,
) -> list[Path]:
    """Write summaries, diagrams and plots for reviews (and the portfolio when no review is named).

    Args:
        ws: an open ``Workspace``.
        review_ids: the reviews to report on; None or empty means every review plus the portfolio.
        langs: any of ``nl`` and ``en``.
        formats: any of ``md`` and ``html``.
        since: start of the current update round (a date means 00:00 UTC); default: the previous report.
        now: the report's moment (default: the current time; tests pass a fixed one).
        draft: write into ``reviews/_drafts/``, marked as a draft, and leave the report log alone.

    Returns:
        Every file written, in order.

    Raises:
        LsrError: an unknown review, language or format, or an invalid or future ``since``.
    """
    langs = _check(langs, LANGS, "--lang")
    formats = _check(formats, FORMATS, "--format")
    try:
        since_at = parse_since(since)
    except ValueError:
        raise LsrError(f"--since must be a date like 2026-04-01 (got {since!r})") from None
    now = now or datetime.now(UTC)
    if since_at is not None and since_at > now:  # a round that has not begun: nothing to report on
        raise LsrError(f"--since {since} is in the future (it is now {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC); "
                       "give the start of the round to report on, or leave --since out to report since the "
                       "previous report")
    ids = ws.review_ids(list(review_ids) if review_ids else None)
    datas = collect_all(ws, ids, since_at, now)
    written: list[Path] = []
    drafts = draft_dir(ws.settings.reviews_dir)
    for data in datas:
        rdir = ws.review_dir(data.protocol.id)
        if draft:
            rdir = drafts / data.protocol.id
            rdir.mkdir(parents=True, exist_ok=True)
        names: list[str] = []
        for lang in langs:
            doc, files = build_summary(data, lang)
            if draft:
                doc.blocks.insert(0, P([Strong(draft_notice(data.log, lang))]))
            for name, svg in files.items():
                written.append(_write(rdir / name, svg + "\n"))
                names.append(name)
            if "md" in formats:
                written.append(_write(rdir / f"summary.{lang}.md", to_markdown(doc)))
                names.append(f"summary.{lang}.md")
            if "html" in formats:
                written.append(_write(rdir / f"summary.{lang}.html", to_html(doc, f"lsr {_version()}")))
                names.append(f"summary.{lang}.html")
        if "en" not in langs:  # the canonical diagram is always there
            svg = flow_svg(
                data.flow, "en", with_previous=data.cutoff is not None, uid=f"{data.protocol.id}-prisma",
                previous_label=previous_label(data, "en"),
            )
            written.append(_write(rdir / prisma_file("en"), svg + "\n"))
            names.append(prisma_file("en"))
        if not draft:
            append_log(rdir, _log_entry(data, since_at, langs, formats, names))
    if not review_ids:
        reviews_dir = drafts if draft else ws.settings.reviews_dir
        reviews_dir.mkdir(parents=True, exist_ok=True)
        for lang in langs:
            for fmt in formats:
                doc = build_portfolio(datas, lang, fmt, now, disabled=sorted(ws.disabled.values(), key=lambda d: d.id))
                if draft:
                    doc.blocks.insert(0, P([Strong(DRAFT_MARK[lang])]))
                text = to_markdown(doc) if fmt == "md" else to_html(doc, f"lsr {_version()}")
                written.append(_write(reviews_dir / f"portfolio.{lang}.{fmt}", text))
    return written


def _version() -> str:
    from lsr import __version__

    return __version__


def _log_entry(data: ReviewData, since: datetime | None, langs, formats, names: list[str]) -> dict:
    from lsr.synthesis.service import snapshot

    s, c = data.status, data.flow.current
    published = sorted(
        x.record.id for x in data.included if x.decided_at is None or x.decided_at <= data.now
    )  # the studies included at the report's moment (a decision dated later is not part of it)
    return {
        "synthesis": snapshot(data.synthesis) if data.synthesis is not None else None,
        "at": data.now.isoformat(timespec="seconds"),
        "since": since.isoformat(timespec="seconds") if since else None,
        "cutoff": data.cutoff.isoformat(timespec="seconds") if data.cutoff else None,
        "protocol_version": data.protocol.version,
        "langs": list(langs),
        "formats": list(formats),
        "files": names,
        "included_ids": published,
        "counts": {
            "records": s["records"],
            "duplicates": s["duplicates"],
            "screened": s["screened"],
            "included_title_abstract": s["included"],
            "included": s["fulltext"]["included"],
            "round_new_records": c.records,
            "new_inclusions": len(data.new_inclusions),
            "no_longer_included": len(data.left_inclusions),
        },
    }
