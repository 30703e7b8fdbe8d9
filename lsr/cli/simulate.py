"""``lsr simulate``: the ranking benchmark on labelled data (SYNERGY folders, labelled CSV/TSV/RIS files).

A thin layer over ``lsr.ranking.simulate``: parse, run, print the table (stdout) and progress (stderr).
Ctrl-C keeps the runs already finished: their table is printed and ``--json`` written, then exit 130.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lsr.cli.base import check_writable, main, write_text_file
from lsr.errors import LsrError

MODEL_CHOICES = ("default", "elas_u4", "random")
DATA_SUFFIXES = (".csv", ".tsv", ".tab", ".txt", ".ris", ".xlsx")


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _name_width(result: dict) -> int:
    """The dataset column's width: the longest name (never cut), at least 22."""
    return max([22, *(len(row["dataset"]) for row in result.get("summary", []))])


EMPTY_NOTE = "-: no inclusion to find in the screened batch (e.g. a subsample's update batch): no metrics"


def format_table(result: dict) -> str:
    """The summary rows as fixed-width text tables: per mode, one line per dataset and model, then the means;
    a footnote explains rows of '-' (runs without an inclusion to find) and what the means count."""
    w = _name_width(result)
    head = (
        f"{'dataset':<{w}} {'model':<9} {'runs':>4} {'WSS@95':>7} {'WSS@100':>7} {'rec@10%':>7} "
        f"{'ATD':>6} {'last':>6} {'sec':>6}"
    )
    lines: list[str] = []
    for mode in result.get("modes") or [result["mode"]]:
        if lines:
            lines.append("")
        lines += [f"mode: {mode}, seeds: {result['seeds']}", head, "-" * len(head)]
        previous = None
        for row in result["summary"]:
            if row["mode"] != mode:
                continue
            if row["dataset"] == "mean" and previous != "mean":
                lines.append("-" * len(head))
            previous = row["dataset"]
            lines.append(
                f"{row['dataset']:<{w}} {row['model'][:9]:<9} {row['runs']:>4} {_fmt(row['wss95']):>7} "
                f"{_fmt(row['wss100']):>7} {_fmt(row['recall10']):>7} {_fmt(row['atd']):>6} "
                f"{_fmt(row['last_relevant']):>6} {_fmt(row['seconds'], 1):>6}"
            )
    empty = sum(row.get("empty_runs") or 0 for row in result["summary"] if row["dataset"] != "mean")
    if empty:
        lines.append(f"{EMPTY_NOTE}; {empty} such run(s), left out of the mean rows")
    for skip in result.get("skipped", []):
        lines.append(f"{skip['dataset']}: {skip['reason']}; skipped in {skip['mode']} mode")
    return "\n".join(lines)


def _pts(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:+.1f}"


def format_comparison(rows: list[dict]) -> str:
    """Means over reviews with 95 % bootstrap intervals, paired gaps to the baseline and the losses."""
    if not rows:
        return ""
    lines = ["", "WSS@95 over reviews (mean, 95 % bootstrap CI over reviews; gap to baseline in points)"]
    for r in rows:
        line = (
            f"{r['mode']:<6} {r['model'][:9]:<9} {r['reviews']:>2} reviews  mean {_fmt(r['mean'])} "
            f"[{_fmt(r['low'])}, {_fmt(r['high'])}]"
        )
        if "diff" in r:
            line += (
                f"  vs {r['baseline']}: {_pts(r['diff'])} [{_pts(r['diff_low'])}, {_pts(r['diff_high'])}], "
                f"won {r['wins']}, lost {len(r['losses'])}, worst {_pts(r['worst'])}"
            )
            if r["losses"]:
                line += (
                    "\n"
                    + " " * 7
                    + "losses: "
                    + ", ".join(f"{x['dataset']} {_pts(x['diff'])}" for x in r["losses"])
                )
        lines.append(line)
    return "\n".join(lines)


def _add_stopping(result: dict, rule: str) -> None:
    """Per run ``stopped_at`` / ``recall_at_stop``; per summary row the share of runs reaching 95 % recall."""
    from lsr.screening.stopping import stop_summary

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
    w = _name_width(result)
    lines = ["", f"{'dataset':<{w}} {'model':<9} {'rule':<26} {'stopped at':>10} {'recall':>7} {'>=95%':>6}"]
    for row in result.get("summary", []):
        if "stopped_at" in row:
            lines.append(
                f"{row['dataset']:<{w}} {row['model'][:9]:<9} {row['stopping'][:26]:<26} "
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
    type=click.Choice(("full", "update", "both")),
    default="both",
    show_default=True,
    help="full: start from 1 inclusion + 1 exclusion; update: earlier half (by date) labelled, "
    "screen the rest; both: every dataset in each mode, reported side by side.",
)
@click.option(
    "--baseline",
    type=click.Choice(MODEL_CHOICES),
    default="elas_u4",
    show_default=True,
    help="Model the others are compared with (paired gaps and losses per review), when it is simulated.",
)
@click.option(
    "--max-records",
    type=click.IntRange(20, None),
    help="Subsample larger datasets to at most this many records (inclusion share kept, at least 2 per "
    "class, seeded), for quick variant runs.",
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
    baseline: str,
    max_records: int | None,
) -> None:
    """Simulate screening labelled datasets and report how much work each ranker saves.

    DATASET is a SYNERGY-format folder (labels.csv + works_*.zip), a SYNERGY dataset name found under
    SYNERGY_PATH, or a labelled file as `asreview simulate` takes it: CSV/TSV/Excel with an inclusion
    column (label_included, included, label, ...: 1/0) or RIS with ASReview_relevant/ASReview_irrelevant
    notes (read by lsr's importers; unlabelled records are dropped; each file's counts are printed).
    Other files (a release's LICENSE) are skipped with a notice; a dataset without publication years or
    dates is skipped in update mode, with a notice. Each run retrains after every screened record and
    stops at the last inclusion. Metrics exclude the prior records: WSS@95,
    WSS@100, recall after 10 % screened, ATD (mean fraction screened when an inclusion is found) and the
    fraction screened to the last inclusion.

    \b
    Models: default (lsr's ranker), elas_u4 (ASReview's ELAS u4), random (floor).
    Modes:  full   - priors: 1 inclusion + 1 exclusion drawn with the seed
            update - records sorted by publication date; the first half is labelled,
                     the second half is the new batch screened with active learning.
            both   - (default) each dataset in full and in update mode.

    After the tables, each model's mean WSS@95 over the datasets with a 95 % bootstrap confidence
    interval over datasets, and its paired gap to --baseline with the datasets it loses on.

    \b
    Example:
      lsr simulate ../shared/synergy/* --model elas_u4 --model default --seeds 3
      lsr simulate Sep_2021 --mode update --json sep.json
      lsr simulate ../shared/benchmarks/asreview-csv/*.csv --model elas_u4 --model default
      lsr simulate ../shared/synergy/* --seeds 3 --stopping statistical

    With --stopping, each run also reports stopped_at (fraction of the pool screened when the rule
    fired; 1.0 if never) and recall_at_stop, and screens on until the rule fired.

    A row of '-' is a run whose screened records hold no inclusion (the update batch of a small or
    subsampled dataset may have none): it has no metrics, and the mean rows neither average nor count it.
    Ctrl-C keeps the runs already finished: their table is printed and --json written, exit code 130.
    """
    from lsr.ranking.evaluation import compare
    from lsr.ranking.simulate import SimulationInterrupted
    from lsr.ranking.simulate import simulate as run_simulation

    chosen = list(models) or ["default"]
    if json_file and json_file != "-":
        check_writable(json_file)  # before minutes of simulation, not after
    names = []
    for item in datasets:  # a shell glob over a SYNERGY release also matches its LICENSE / README files
        if Path(item).is_file() and Path(item).suffix.lower() not in DATA_SUFFIXES:
            click.echo(f"skipping {item}: not a dataset folder or a labelled CSV/TSV/RIS/Excel file", err=True)
        else:
            names.append(item)
    if not names:
        raise LsrError("no datasets given")

    def progress(done: int, total: int, run: dict) -> None:
        if quiet:
            return
        wss = _fmt(run.get("wss95"))
        click.echo(
            f"[{done}/{total}] {run['dataset']} {run['model']} seed {run['seed']}: "
            f"WSS@95 {wss} ({run['seconds']:.1f}s)",
            err=True,
        )

    interrupted = False
    try:
        stop_rule = None
        if stopping:
            from lsr.screening.stopping import SimulationStopRule

            stop_rule = SimulationStopRule(stopping)
        result = run_simulation(
            names,
            chosen,
            seeds,
            mode,
            progress=progress,
            stop_rule=stop_rule,
            notice=lambda line: click.echo(line, err=True),
            max_records=max_records,
        )
    except ValueError as exc:
        raise LsrError(str(exc)) from exc
    except KeyboardInterrupt as exc:  # Ctrl-C: report the finished runs, if any
        if not isinstance(exc, SimulationInterrupted) or not exc.result["runs"]:
            click.echo("lsr simulate: interrupted before any run finished; nothing to report", err=True)
            sys.exit(130)
        result, interrupted = exc.result, True
    if stopping:
        _add_stopping(result, stopping)
    result["comparison"] = compare(result["summary"], baseline)
    if json_file == "-":
        click.echo(json.dumps(result, indent=2))
        _exit_if_interrupted(result if interrupted else None)
        return
    click.echo(format_table(result))
    if len({r["dataset"] for r in result["summary"]}) > 2:  # datasets + "mean": a spread over reviews
        click.echo(format_comparison(result["comparison"]))
    if stopping:
        click.echo(format_stopping(result))
    if json_file:
        write_text_file(json_file, json.dumps(result, indent=2) + "\n")
        click.echo(f"wrote {json_file}", err=True)
    sys.stdout.flush()
    _exit_if_interrupted(result if interrupted else None)


def _exit_if_interrupted(result: dict | None) -> None:
    """After Ctrl-C: one line saying how many runs were kept, then exit 130 (the shell's code for SIGINT)."""
    if result is None:
        return
    sys.stdout.flush()
    click.echo(f"lsr simulate: interrupted after {len(result['runs'])} of {result['planned_runs']} run(s); "
               "the results above are those runs only", err=True)
    sys.exit(130)
