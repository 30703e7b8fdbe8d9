"""``lsr extract`` and ``lsr synthesis``: study-level data in, pooled effects and evidence strength out."""

from __future__ import annotations

import json

import click

from lsr.cli.base import CliState, main, pass_state


@main.command()
@click.argument("review")
@click.option("--import", "file", type=click.Path(dir_okay=False), required=True, metavar="FILE.csv",
              help="CSV of study-level data (see below).")
@pass_state
def extract(state: CliState, review: str, file: str) -> None:
    """Import study-level data of included studies from a CSV file.

    Columns: record (lsr id, OpenAlex id or DOI), outcome, design (rct, cluster-rct, quasi-experimental,
    cohort, case-control, before-after, cross-sectional, qualitative, other), country, n, risk_of_bias
    (low, some concerns, high; ROBINS-I's moderate, serious, critical and RoB 1's unclear are read as
    some concerns, high, high and some concerns), and the effect either as counts (events_treatment, total_treatment,
    events_control, total_control; measure RR by default, or OR) or as measure (RR, OR, HR, SMD, MD),
    estimate, ci_low, ci_high (ratios on their natural scale), or an exact two-sided p_value instead of the
    CI (the CI is derived from it, Cochrane Handbook 6.3.2). A correlation is measure r (r or R): an estimate
    between -1 and 1 with its 95% CI, or with n (4 or more) instead of the CI. Optional: note and the
    protocol's own [extraction] fields. Only studies included after full-text assessment are accepted.

    The country may be an ISO 3166 code (NL, NLD) or an English or Dutch name (Netherlands, Nederland,
    Holland, "Nederland (Heerlen)"); it is stored as its ISO alpha-2 code. An unrecognised country is
    kept as typed with a warning (file, line, field).

    A bad file is refused whole (exit 1, naming file, line and field): nothing is imported. Rows equal
    to the current data are skipped; changed rows are appended as corrections (who and when kept).
    `lsr export REVIEW --format extraction-csv` gives the table back with one row to fill in for each
    included study without data; a row left with only its record is skipped.

    \b
    Examples:
      lsr extract debt-counselling --import extraction.csv
      lsr export debt-counselling --format extraction-csv -o extraction.csv   # the table back
    """
    from lsr.synthesis.extraction import import_csv
    from lsr.workspace import open_workspace

    ws = open_workspace(state.settings)
    s = import_csv(ws, review, file, reviewer=state.settings.reviewer)
    for line in s.warnings:
        click.echo(f"warning: {line}", err=True)
    empty = f"; {s.empty} row(s) with only a record skipped (nothing filled in)" if s.empty else ""
    click.echo(f"{review}: {s.rows} extraction row(s) from {s.file}: {s.added} new, {s.corrected} corrected, "
               f"{s.unchanged} unchanged{empty}")


@main.command()
@click.argument("review")
@click.option("--json", "as_json", is_flag=True, help="Print the stable JSON document instead of a table.")
@pass_state
def synthesis(state: CliState, review: str, as_json: bool) -> None:
    """Meta-analysis and evidence strength per outcome, from the extracted study data.

    Random effects (Paule-Mandel tau², via statsmodels), 95% CI and prediction interval, I² and tau²;
    ratio measures on their natural scale, correlations (r) pooled on Fisher's z scale and shown as r.
    Evidence strength on four levels (high, moderate, low, very
    low) with the reasons. Outcomes with fewer than two comparable effects are described, not pooled.

    \b
    Examples:
      lsr synthesis debt-counselling
      lsr synthesis debt-counselling --json | jq '.outcomes[0].estimate'
    """
    from lsr.synthesis.service import synthesize, to_json
    from lsr.workspace import open_workspace

    ws = open_workspace(state.settings)
    doc = to_json(synthesize(ws, review))
    if as_json:
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    if not doc["outcomes"]:  # not an error: a review has no data until its studies are extracted
        click.echo(f"{review}: no extracted data yet ({doc['included']} studies included after full text); "
                   f"import it with `lsr extract {review} --import FILE.csv`")
        return
    click.echo(f"{review}: {doc['extracted']} of {doc['included']} included studies with extracted data")
    from lsr.report.texts import fmt_range, fmt_signed
    from lsr.synthesis.meta_analysis import null_value

    for o in doc["outcomes"]:
        head = f"{o['outcome']} ({o['measure'] or 'no effect measure'}), k={o['k']}"
        null = null_value(o["measure"])  # a bound next to it keeps the side it is on
        if o["estimate"] is None:
            why = "; ".join(o["notes"][:1]).removesuffix(": not pooled")  # the line says "not pooled" once
            click.echo(f"{head}: not pooled ({why})" if why else f"{head}: not pooled")
        else:
            pi = f", PI {fmt_range(o['pi_low'], o['pi_high'], 'en', null=null)}" if o["pi_low"] is not None else ""
            click.echo(f"{head}: {fmt_signed(o['estimate'], 'en')} (95% CI "
                       f"{fmt_range(o['ci_low'], o['ci_high'], 'en', null=null)}{pi}), I² {o['i2']:.0f}%, "
                       f"tau² {o['tau2']:.3f}")
        converted = sum(1 for s in o["studies"] if s["converted_from"])
        if converted:
            click.echo(f"  {converted} of {o['k']} effects are yes/no outcomes whose odds ratio was converted to SMD "
                       "(Chinn 2000: ln(OR) x sqrt(3)/pi; [extraction] odds_ratios_as_smd)")
        sub = o["randomised_only"]
        if sub is not None:
            click.echo(f"  randomised studies only, k={sub['k']}: {fmt_signed(sub['estimate'], 'en')} (95% CI "
                       f"{fmt_range(sub['ci_low'], sub['ci_high'], 'en', null=null)})")
        click.echo(f"  evidence strength: {o['strength']} — {'; '.join(o['strength_reasons'])}")
