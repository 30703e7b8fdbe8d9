"""``lsr import``: add records from an export file to a review, with provenance and labels."""

from __future__ import annotations

import os
import sys

import click

from lsr.cli.base import CliState, main, open_ws, pass_state
from lsr.errors import LsrError

FORMAT_NAMES = {"ris": "RIS", "csv": "CSV", "xlsx": "Excel", "wos": "WOS", "medline": "MEDLINE", "bibtex": "BibTeX",
                "asreview": "ASReview LAB project", "endnote": "EndNote XML", "pubmed_xml": "PubMed XML",
                "refer": "EndNote tagged", "ovid": "Ovid", "csl": "CSL JSON"}
READING_NOTICE_BYTES = 2_000_000
"""From this size on, a terminal is told the file is being read (BibTeX parses at ~0.5 MB/s)."""


@main.command("import")
@click.argument("review")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--source", metavar="NAME",
              help="Name of the database the file came from (Scopus, PubMed, ...), for the PRISMA-S log "
                   "[default: the database the records name, else the format: ris, csv, bibtex, ...].")
@click.option("--source-kind", type=click.Choice(["database", "other"]),
              help="Where the import goes in the PRISMA diagram: 'database' (a bibliographic database: Scopus, "
                   "PubMed, Embase, PsycINFO, ERIC, Web of Science, CINAHL, Cochrane, ...) or 'other' (citation "
                   "searching, websites, organisations, registers, grey literature) [default: database when "
                   "--source names a known database or the file is a MEDLINE, PubMed XML, Web of Science or "
                   "Ovid export, else other].")
@click.option("--labels-reviewer", metavar="NAME",
              help="Reviewer the file's labels are recorded for [default: --reviewer / LSR_REVIEWER / login].")
@click.option("--label", "label", type=click.Choice(["include", "exclude", "maybe"]),
              help="Label every record the file does not label itself (a list exported from Covidence's "
                   "Included or Excluded tab, a list of known studies), as a decision of the labels reviewer.")
@click.option("--encoding", metavar="CODEC",
              help="Read the file in this encoding instead of detecting UTF-8 / Windows-1252.")
@click.option("--dry-run", is_flag=True,
              help="Check the file and say what the import would do (new records, duplicates, labels), "
                   "then write nothing.")
@click.option("--wait", is_flag=True,
              help="When an update or another import of the review is running, wait for it to finish (saying so "
                   "once) instead of refusing.")
@pass_state
def import_(state: CliState, review: str, file: str, source: str | None, source_kind: str | None,
            labels_reviewer: str | None, label: str | None, encoding: str | None, dry_run: bool, wait: bool) -> None:
    """Add records from an export file to a review, with provenance and the labels it carries.

    The format is read from the file itself: RIS, CSV/TSV, an Excel workbook (.xlsx: the first sheet with a
    title, abstract or identifier column), Web of Science plain text, PubMed's own format (Save as "PubMed",
    or Send to > Citation manager: a .nbib file; or its XML) and ERIC's .nbib, BibTeX, EndNote's XML export,
    EndNote's tagged format (.enw: Google Scholar's "EndNote" link, many publishers' citation downloads),
    Ovid's tagged export (Embase, MEDLINE or PsycInfo on Ovid, "Citation Manager" format), CSL JSON (Zotero,
    Mendeley), or an ASReview LAB project file (.asreview).

    Each record is de-duplicated against the review (OpenAlex id, DOI, PMID, then title, year and first
    author); duplicates are kept as provenance of the existing record. Labels become decisions of the labels
    reviewer: CSV columns `included` / `label_included` (1/0, blank = unscreened), lsr's own exports, an
    ASReview LAB project's labels, and with --label every record the file leaves unlabelled. A Rayyan export
    (CSV or RIS) keeps each member's decision as that member's, with Rayyan's exclusion reasons and notes,
    so dual-screening conflicts carry over. A bad file is refused whole (exit 1, naming file and line):
    nothing is imported. A record with no title, abstract or identifier (a note or attachment exported on its
    own, a row with only a label) is left out with a warning naming its line; a file with no other records is
    refused.

    An import and an update (or two imports) of one review never run at once: while one runs, the import
    is refused (exit 1, saying what runs since when), or with --wait it waits for it. Screening goes on
    meanwhile.

    \b
    Examples:
      lsr import debt-counselling scopus-2026-05.ris --source Scopus
      lsr import debt-counselling scopus-2026-05.ris --dry-run
      lsr import debt-counselling asreview-export.csv --labels-reviewer anna
      lsr import debt-counselling pubmed-2026-05.nbib --source PubMed
      lsr import debt-counselling snowballing.ris --source "Citation searching" --source-kind other
      lsr import debt-counselling covidence-included.ris --label include --labels-reviewer anna
    """
    from lsr.locks import LockBusy
    from lsr.search.importers import import_file

    ws = open_ws(state)
    ws.protocol(review)
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            if total < 2000:
                return
            bar = click.progressbar(length=total, label=f"importing {file}", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    size = os.path.getsize(file) if os.path.isfile(file) else 0
    if sys.stderr.isatty() and size >= READING_NOTICE_BYTES:  # parsing a large BibTeX file takes seconds
        click.echo(f"reading {file} ({size / 1e6:.1f} MB) ...", err=True)
    try:
        summary = import_file(ws, review, file, source=source, source_kind=source_kind, reviewer=labels_reviewer or state.settings.reviewer,
                              label=label, encoding=encoding, dry_run=dry_run,
                              progress=progress if sys.stderr.isatty() else None, wait=wait,
                              on_wait=lambda holder: click.echo(f"{review}: {holder}; waiting for it to finish",
                                                                err=True))
    except LockBusy as exc:
        raise LsrError(f"{exc.message}; nothing imported: run the import again when it has finished, or give "
                       "--wait to wait for it") from None
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    dupes = f"{summary.duplicates} duplicate(s)"
    if summary.duplicates:
        dupes += f" ({summary.duplicates_within_file} within the file)"
    did, recorded = ("would import", "would be recorded") if dry_run else ("imported", "recorded")
    click.echo(f"{review}: {did} {summary.hits} record(s) from {summary.file} "
               f"({FORMAT_NAMES.get(summary.format, summary.format)}, {summary.encoding}, source {summary.source}): "
               f"{summary.new_records} new, {dupes}")
    if summary.labels:
        click.echo(f"{review}: {summary.labels} label(s) {recorded} as decisions of {summary.labels_reviewer}")
    for conflict in summary.doi_conflicts:
        click.echo(f"{review}: warning: {conflict.describe()}", err=True)
    for warning in summary.warnings:
        click.echo(f"warning: {warning}", err=True)
    if dry_run:
        click.echo(f"{review}: dry run: nothing was written")
