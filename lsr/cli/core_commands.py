"""Core commands: ``protocols check``, ``status``, ``export`` and ``decide``."""

from __future__ import annotations

import json
import sys

import click

from lsr.cli.base import CliState, main, open_ws, pass_state, refuse_reason_without_exclude
from lsr.errors import LsrError
from lsr.vocabulary import STAGES


@main.group()
def protocols() -> None:
    """Work with protocol files (protocols/<review-id>.toml)."""


@protocols.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@pass_state
def protocols_check(state: CliState, files: tuple[str, ...]) -> None:
    """Validate protocol files; with no FILE, every protocol of the workspace.

    Prints one line per problem as `file: key: reason` and exits 1 if any file is invalid. A change of
    the [screening] settings of a review that already has decisions is checked against the data and
    reported as a warning saying how the change applies (earlier decisions stay valid and counted).
    Content that differs from what the database recorded under the same `version` label is reported as a
    warning too: bump `version` for every amendment (without a database there is nothing to compare).

    \b
    Examples:
      lsr protocols check
      lsr protocols check protocols/debt-counselling.toml
    """
    from lsr.protocol import check_files, protocol_files

    paths = list(files) or protocol_files(state.settings.protocols_dir)
    if not paths:
        raise LsrError(f"no protocol files in {state.settings.protocols_dir}")
    problems = check_files(paths)
    for line in problems:
        click.echo(line, err=True)
    for line in _amendment_warnings(state):
        click.echo(f"warning: {line}", err=True)
    if problems:
        bad = len({p.split(": ", 1)[0] for p in problems})
        raise LsrError(f"{bad} of {len(paths)} protocol file(s) invalid")
    click.echo(f"{len(paths)} protocol file(s) valid")


def _amendment_warnings(state: CliState) -> list[str]:
    """Screening settings changed against the data already in the database, and content changed without a
    new ``version`` label (never creates a database)."""
    from lsr.workspace import open_workspace, screening_amendments, unbumped_versions

    settings = state.settings
    sqlite_file = settings.reviews_dir / "lsr.sqlite"
    if settings.database_url == f"sqlite:///{sqlite_file}" and not sqlite_file.exists():
        return []
    try:
        ws = open_workspace(settings, sync=False)
        return [u.describe() for u in unbumped_versions(ws)] + screening_amendments(ws)
    except LsrError:
        return []


@main.command()
@click.argument("review", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the stable JSON document instead of a table.")
@pass_state
def status(state: CliState, review: str | None, as_json: bool) -> None:
    """Show counts per review: records, duplicates, screened, included, queue, last and next update.

    incl. and excl. count title-and-abstract decisions; studies counts the records included after full
    text, the included studies the reports list. queue is what is left to screen, confl. the dual-screening
    conflicts, stopping whether the review's stopping rule says screening may stop.

    \b
    Examples:
      lsr status
      lsr status debt-counselling --json
    """
    from lsr.cli.base import warn_disabled
    from lsr.status import quick_status, workspace_status

    wanted = [review] if review else None
    quick = quick_status(state.settings, wanted)  # stdlib sqlite3 when the database is current: fast
    if quick is not None:
        doc, catalogue = quick
        warn_disabled(catalogue.disabled.values())
    else:
        doc = workspace_status(open_ws(state), wanted)
    if as_json:
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    _print_status_table(doc)


def _print_status_table(doc: dict) -> None:
    """The status table, fitted to the terminal (see ``lsr.cli.status_table``)."""
    import shutil

    from lsr.cli.status_table import status_lines

    width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
    for line in status_lines(doc, width):
        click.echo(line)
    for r in doc["reviews"]:
        run = r.get("latest_run") or {}
        if run.get("status") == "running" and run.get("process_gone"):  # lsr.status.process_gone
            click.echo(f"{r['id']}: last update stopped without finishing (the process that ran it is gone: killed "
                       "or crashed); the next `lsr update` completes it")
        elif run.get("status") in ("paused", "interrupted", "running", "failed"):
            click.echo(f"{r['id']}: last update {run['status']}: {run.get('error') or 'no reason recorded'}")
        retracted = r.get("retracted") or {}
        if retracted.get("records"):
            click.echo(f"{r['id']}: {retracted['records']} record(s) retracted according to OpenAlex, "
                       f"{retracted['included']} of them included")
    if not doc["reviews"] and not doc.get("disabled"):
        click.echo("No reviews: add a protocol file to protocols/ (see `lsr protocols check --help`).")


@main.command()
@click.argument("review")
@click.option("--format", "fmt", type=click.Choice(["ris", "csv", "json", "bibtex", "extraction-csv"]),
              default="json", show_default=True,
              help="ris for Zotero/EndNote, csv for ASReview LAB, json for scripts, bibtex for LaTeX; "
                                      "extraction-csv: the study-level data of `lsr extract` (--only ignored).")
@click.option("--only", type=click.Choice(["all", "screened", "included"]), default="all", show_default=True,
              help="Which records to write.")
@click.option("-o", "--output", default="-", show_default=True, help="File to write; - for standard output.")
@pass_state
def export(state: CliState, review: str, fmt: str, only: str, output: str) -> None:
    """Export a review's records with labels, decisions and provenance.

    \b
    Examples:
      lsr export debt-counselling --format json | jq length
      lsr export debt-counselling --format ris --only included -o included.ris
      lsr export debt-counselling --format csv -o for-asreview.csv
      lsr export debt-counselling --format bibtex --only included -o included.bib
      lsr export debt-counselling --format extraction-csv -o extraction.csv
    """
    from lsr.export import export_review

    if fmt == "extraction-csv":
        from lsr.synthesis.extraction import export_csv

        def export_review(ws, review, fmt, out, only):  # noqa: F811  (same call shape, other table)
            return export_csv(ws, review, out)

    ws = open_ws(state)
    ws.protocol(review)
    if output == "-":
        n = export_review(ws, review, fmt, sys.stdout, only)
    else:
        from lsr.cli.base import atomic_output

        try:
            with atomic_output(output, newline="") as fh:
                n = export_review(ws, review, fmt, fh, only)
        except OSError as exc:
            raise LsrError(f"cannot write {output}: {exc.strerror or exc}") from None
        if fmt == "extraction-csv":
            rows, to_fill = n
            more = f" and {to_fill} row(s) to fill in (included studies without data)" if to_fill else ""
            click.echo(f"wrote {rows} extraction row(s){more} to {output}", err=True)
        else:
            click.echo(f"wrote {n} record(s) to {output}", err=True)


@main.command()
@click.argument("review")
@click.argument("record")
@click.argument("label", type=click.Choice(["include", "exclude", "maybe"]))
@click.option("--reason", help="With exclude: the exclusion reason, its text or its number in the protocol's list.")
@click.option("--note", help="A free-text note kept with the decision (why you include, say).")
@click.option("--stage", type=click.Choice(STAGES), default=STAGES[0], show_default=True)
@click.option("--override-stage", is_flag=True,
              help="Full text only: decide on a record without a title/abstract include, recording an explicit "
                   "title/abstract include (kind stage-override) with it.")
@pass_state
def decide(state: CliState, review: str, record: str, label: str, reason: str | None, note: str | None,
           stage: str, override_stage: bool) -> None:
    """Record one screening decision (for scripts and bulk labelling).

    RECORD is an lsr record id, an OpenAlex id (W…) or a DOI. The reviewer is --reviewer,
    LSR_REVIEWER, or your login name. A full-text decision needs the record's title/abstract include;
    --override-stage records one explicitly instead (it is kept in the decision log).

    \b
    Examples:
      lsr decide debt-counselling W2126189390 include
      lsr decide debt-counselling 10.1016/j.jebo.2019.01.002 exclude --reason "wrong population"
      lsr --reviewer anna decide debt-counselling 17 exclude --reason 2 --stage full-text
    """
    from lsr.screening.decisions import decide_one

    refuse_reason_without_exclude(label, reason)
    ws = open_ws(state)
    if override_stage and stage != STAGES[1]:
        raise click.UsageError("--override-stage applies to full-text decisions (--stage full-text)")
    notices: list[str] = []
    d = decide_one(ws, review, record, label, reviewer=state.settings.reviewer, stage=stage, reason=reason,
                   note=note, override_stage=override_stage, notices=notices)
    for line in notices:
        click.echo(f"{review}: note: {line}", err=True)
    extra = f" ({d.reason})" if d.reason else ""
    click.echo(f"{review}: record {d.record_id} {label}{extra} at {stage} by {d.reviewer}")
