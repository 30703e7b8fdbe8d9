"""``lsr simulate``: the ranking benchmark on labelled SYNERGY data.

A thin layer over ``lsr.ranking.simulate``: parse, run, print the table (stdout) and progress (stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lsr.cli.base import check_writable, main, write_text_file
from lsr.errors import LsrError

MODEL_CHOICES = ("default", "elas_u4", "random")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(result: dict) -> str:
    """The summary rows as a fixed-width text table (one line per dataset and model, then the means)."""
    head = (
        f"{'dataset':<22} {'model':<9} {'runs':>4} {'WSS@95':>7} {'WSS@100':>7} {'rec@10%':>7} "
        f"{'ATD':>6} {'last':>6} {'sec':>6}"
    )
    lines = [f"mode: {result['mode']}, seeds: {result['seeds']}", head, "-" * len(head)]
    previous = None
    for row in result["summary"]:
        if row["dataset"] == "mean" and previous != "mean":
            lines.append("-" * len(head))
        previous = row["dataset"]
        lines.append(
            f"{row['dataset'][:22]:<22} {row['model'][:9]:<9} {row['runs']:>4} {_fmt(row['wss95']):>7} "
            f"{_fmt(row['wss100']):>7} {_fmt(row['recall10']):>7} {_fmt(row['atd']):>6} "
            f"{_fmt(row['last_relevant']):>6} {_fmt(row['seconds'], 1):>6}"
        )
    return "\n".join(lines)


def _add_stopping(result: dict, rule: str) -> None:
    """Per run ``stopped_at`` / ``recall_at_stop``; per summary row the share of runs reaching 95 % recall."""
    from lsr.stopping import stop_summary

    for run in result["runs"]:
        run.update(stop_summary(run, run.get("pool") or max(run["n_records"] - 2, 1)), stopping=rule)
    for row in result.get("summary", []):
        mine = [r for r in result["runs"] if r["dataset"] == row["dataset"] and r["model"] == row["model"]]
        if mine:
            row["stopping"] = rule
            row["stopped_at"] = sum(r["stopped_at"] for r in mine) / len(mine)
            row["recall_at_stop"] = sum(r["recall_at_stop"] for r in mine) / len(mine)
            row["runs_reaching_95"] = sum(r["recall_at_stop"] >= 0.95 for r in mine)


def format_stopping(result: dict) -> str:
    lines = ["", f"{'dataset':<22} {'model':<9} {'rule':<26} {'stopped at':>10} {'recall':>7} {'>=95%':>6}"]
    for row in result.get("summary", []):
        if "stopped_at" in row:
            lines.append(
                f"{row['dataset'][:22]:<22} {row['model'][:9]:<9} {row['stopping'][:26]:<26} "
                f"{row['stopped_at']:>10.3f} {row['recall_at_stop']:>7.3f} "
                f"{row['runs_reaching_95']:>3}/{row['runs']:<2}"
            )
    runs = [r for r in result["runs"] if "recall_at_stop" in r]
    if runs:
        ok = sum(r["recall_at_stop"] >= 0.95 for r in runs)
        lines.append(
            f"recall at stop >= 95 % in {ok} of {len(runs)} runs ({ok / len(runs):.0%}); "
            f"mean share of the pool screened {sum(r['stopped_at'] for r in runs) / len(runs):.3f}"
        )
    return "\n".join(lines)


@main.command()
@click.argument("datasets", nargs=-1, required=True, metavar="DATASET...")
@click.option(
    "--model",
    "models",
    multiple=True,
    type=click.Choice(MODEL_CHOICES),
    help="Ranker to simulate; repeat for several [default: default].",
)
@click.option("--seeds", default=1, show_default=True, type=click.IntRange(1, 100), help="Run seeds 0..N-1.")
@click.option(
    "--mode",
    type=click.Choice(("full", "update")),
    default="full",
    show_default=True,
    help="full: start from 1 inclusion + 1 exclusion; update: earlier half (by date) labelled, "
    "screen the rest.",
)
@click.option(
    "--json", "json_file", type=click.Path(dir_okay=False), help="Also write all runs as JSON ('-' = stdout)."
)
@click.option(
    "--stopping", help="Also evaluate a stopping rule: statistical, consecutive-irrelevant:N or none."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
def simulate(
    datasets: tuple[str, ...],
    models: tuple[str, ...],
    seeds: int,
    mode: str,
    json_file: str | None,
    quiet: bool,
    stopping: str | None,
) -> None:
    """Simulate screening labelled datasets and report how much work each ranker saves.

    DATASET is a SYNERGY-format folder (labels.csv + works_*.zip) or a SYNERGY dataset name found under
    SYNERGY_PATH; plain files (a release's LICENSE) are skipped with a notice. Each run retrains after
    every screened record and stops at the last inclusion. Metrics exclude the prior records: WSS@95,
    WSS@100, recall after 10 % screened, ATD (mean fraction screened when an inclusion is found) and the
    fraction screened to the last inclusion.

    \b
    Models: default (lsr's ranker), elas_u4 (ASReview's ELAS u4), random (floor).
    Modes:  full   - priors: 1 inclusion + 1 exclusion drawn with the seed
            update - records sorted by publication date; the first half is labelled,
                     the second half is the new batch screened with active learning.

    \b
    Example:
      lsr simulate ../shared/synergy/* --model elas_u4 --model default --seeds 3
      lsr simulate Sep_2021 --mode update --json sep.json
      lsr simulate ../shared/synergy/* --seeds 3 --stopping statistical

    With --stopping, each run also reports stopped_at (fraction of the pool screened when the rule
    fired; 1.0 if never) and recall_at_stop, and screens on until the rule fired.
    """
    from lsr.ranking.simulate import simulate as run_simulation

    chosen = list(models) or ["default"]
    if json_file and json_file != "-":
        check_writable(json_file)  # before minutes of simulation, not after
    names = []
    for item in datasets:  # a shell glob over a SYNERGY release also matches its LICENSE / README files
        if Path(item).is_file():
            click.echo(f"skipping {item}: a file, not a dataset folder", err=True)
        else:
            names.append(item)
    if not names:
        raise LsrError("no dataset folders given")

    def progress(done: int, total: int, run: dict) -> None:
        if quiet:
            return
        wss = _fmt(run.get("wss95"))
        click.echo(
            f"[{done}/{total}] {run['dataset']} {run['model']} seed {run['seed']}: "
            f"WSS@95 {wss} ({run['seconds']:.1f}s)",
            err=True,
        )

    try:
        stop_rule = None
        if stopping:
            from lsr.stopping import SimulationStopRule

            stop_rule = SimulationStopRule(stopping)
        result = run_simulation(names, chosen, seeds, mode, progress=progress, stop_rule=stop_rule)
    except ValueError as exc:
        raise LsrError(str(exc)) from exc
    if stopping:
        _add_stopping(result, stopping)
    if json_file == "-":
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(format_table(result))
    if stopping:
        click.echo(format_stopping(result))
    if json_file:
        write_text_file(json_file, json.dumps(result, indent=2) + "\n")
        click.echo(f"wrote {json_file}", err=True)
    sys.stdout.flush()
