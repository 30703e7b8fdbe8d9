"""Core commands: ``protocols check``, ``status``, ``export`` and ``decide``."""

from __future__ import annotations

import json
import sys

import click

from lsr.cli.base import CliState, main, pass_state
from lsr.errors import LsrError
from lsr.vocabulary import STAGES


def open_ws(state: CliState):
    """Open the workspace of the invocation (imported lazily to keep ``--help`` fast)."""
    from lsr.workspace import open_workspace

    return open_workspace(state.settings)


@main.group()
def protocols() -> None:
    """Work with protocol files (protocols/<review-id>.toml)."""


@protocols.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@pass_state
def protocols_check(state: CliState, files: tuple[str, ...]) -> None:
    """Validate protocol files; with no FILE, every protocol of the workspace.

    Prints one line per problem as `file: key: reason` and exits 1 if any file is invalid.

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
    if problems:
        bad = len({p.split(": ", 1)[0] for p in problems})
        raise LsrError(f"{bad} of {len(paths)} protocol file(s) invalid")
    click.echo(f"{len(paths)} protocol file(s) valid")


@main.command()
@click.argument("review", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the stable JSON document instead of a table.")
@pass_state
def status(state: CliState, review: str | None, as_json: bool) -> None:
    """Show counts per review: records, duplicates, screened, included, queue, last and next update.

    \b
    Examples:
      lsr status
      lsr status debt-counselling --json
    """
    from lsr.status import workspace_status

    ws = open_ws(state)
    doc = workspace_status(ws, [review] if review else None)
    if as_json:
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    _print_status_table(doc)


def _print_status_table(doc: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"lsr · {doc['workspace']}", title_justify="left", pad_edge=False, box=None)
    table.add_column("review", overflow="ellipsis", no_wrap=True, min_width=18)
    for col in ("records", "screened", "incl.", "excl.", "queue"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("last update", no_wrap=True)
    table.add_column("next", no_wrap=True)
    for r in doc["reviews"]:
        nxt = "due now" if r["due"] else (r["next_update"] or "")[:10]
        table.add_row(r["id"], str(r["records"]), str(r["screened"]), str(r["included"]),
                      str(r["excluded"]), str(r["unscreened"]),
                      (r["last_update"] or "never")[:10], nxt)
    Console().print(table)
    for r in doc["reviews"]:
        run = r.get("latest_run") or {}
        if run.get("status") in ("paused", "interrupted", "running", "failed"):
            click.echo(f"{r['id']}: last update {run['status']}: {run.get('error') or 'no reason recorded'}")
        retracted = r.get("retracted") or {}
        if retracted.get("records"):
            click.echo(f"{r['id']}: {retracted['records']} record(s) retracted according to OpenAlex, "
                       f"{retracted['included']} of them included")
    if not doc["reviews"]:
        click.echo("No reviews: add a protocol file to protocols/ (see `lsr protocols check --help`).")


@main.command()
@click.argument("review")
@click.option("--format", "fmt", type=click.Choice(["ris", "csv", "json", "extraction-csv"]), default="json",
              show_default=True, help="ris for Zotero/EndNote, csv for ASReview LAB, json for scripts; "
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
        tmp = f"{output}.part"
        try:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                n = export_review(ws, review, fmt, fh, only)
            import os

            os.replace(tmp, output)
        except OSError as exc:
            raise LsrError(f"cannot write {output}: {exc.strerror or exc}") from None
        click.echo(f"wrote {n} record(s) to {output}", err=True)


@main.command()
@click.argument("review")
@click.argument("record")
@click.argument("label", type=click.Choice(["include", "exclude", "maybe"]))
@click.option("--reason", help="Exclusion reason: its text or its number in the protocol's list.")
@click.option("--note", help="A free-text note kept with the decision.")
@click.option("--stage", type=click.Choice(STAGES), default=STAGES[0], show_default=True)
@pass_state
def decide(state: CliState, review: str, record: str, label: str, reason: str | None, note: str | None,
           stage: str) -> None:
    """Record one screening decision (for scripts and bulk labelling).

    RECORD is an lsr record id, an OpenAlex id (W…) or a DOI. The reviewer is --reviewer,
    LSR_REVIEWER, or your login name.

    \b
    Examples:
      lsr decide debt-counselling W2126189390 include
      lsr decide debt-counselling 10.1016/j.jebo.2019.01.002 exclude --reason "wrong population"
      lsr --reviewer anna decide debt-counselling 17 exclude --reason 2 --stage full-text
    """
    from lsr.decisions import decide_one

    ws = open_ws(state)
    d = decide_one(ws, review, record, label, reviewer=state.settings.reviewer, stage=stage, reason=reason,
                   note=note)
    extra = f" ({d.reason})" if d.reason else ""
    click.echo(f"{review}: record {d.record_id} {label}{extra} at {stage} by {d.reviewer}")
