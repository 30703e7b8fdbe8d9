"""``lsr conflicts`` (list dual-screening disagreements) and ``lsr resolve`` (settle one with a third decision)."""

from __future__ import annotations

import json

import click

from lsr.cli.base import CliState, main, pass_state, refuse_reason_without_exclude
from lsr.cli.core_commands import open_ws
from lsr.vocabulary import STAGES


def _label_line(lab: dict) -> str:
    extra = f" ({lab['reason']})" if lab.get("reason") else ""
    note = f" · note: {lab['note']}" if lab.get("note") else ""
    return f"    {lab['reviewer']}: {lab['label']}{extra}{note}"


@main.command("conflicts")
@click.argument("review")
@click.option("--stage", type=click.Choice(STAGES), default=None, help="Only this stage [default: both].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: {\"review\", \"conflicts\": [...]}.")
@pass_state
def conflicts_command(state: CliState, review: str, stage: str | None, as_json: bool) -> None:
    """List records the two reviewers disagree on (dual screening), with both labels, reasons and notes.

    A conflict stays listed until someone settles it with `lsr resolve` (or the
    conflicts view of the screener, key C). With single screening the list is empty.

    \b
    Examples:
      lsr conflicts debt-counselling
      lsr conflicts debt-counselling --stage full-text
      lsr conflicts debt-counselling --json | jq '.conflicts | length'
    """
    from lsr.screening.conflicts import list_conflicts

    found = [c.as_dict() for c in list_conflicts(open_ws(state), review, stage)]
    if as_json:
        click.echo(json.dumps({"review": review, "conflicts": found}, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"{review}: no open conflicts")
        return
    click.echo(f"{review}: {len(found)} open conflict(s)")
    for c in found:
        rec = c["record"]
        ident = rec.get("openalex_id") or rec.get("doi") or ""
        click.echo(f"  #{rec['id']} [{c['stage']}] {rec['title']}" + (f" ({ident})" if ident else ""))
        for lab in c["labels"]:
            click.echo(_label_line(lab))


@main.command("resolve")
@click.argument("review")
@click.argument("record")
@click.argument("label", type=click.Choice(["include", "exclude", "maybe"]))
@click.option("--reason", help="With exclude: the exclusion reason, its text or its number in the protocol's list.")
@click.option("--note", help="Why the conflict was settled this way.")
@click.option("--stage", type=click.Choice(STAGES), default=STAGES[0], show_default=True)
@pass_state
def resolve_command(state: CliState, review: str, record: str, label: str, reason: str | None,
                    note: str | None, stage: str) -> None:
    """Settle a dual-screening conflict with a third decision; it becomes the record's label.

    RECORD is an lsr record id, an OpenAlex id (W…) or a DOI, and must be an open
    conflict (see `lsr conflicts`). The resolver is --reviewer, LSR_REVIEWER, or your
    login name; it may be a third person or one of the two reviewers.

    \b
    Examples:
      lsr resolve debt-counselling 17 include --note "RCT after all, see methods"
      lsr --reviewer carla resolve debt-counselling W2126189390 exclude --reason "wrong population"
      lsr resolve debt-counselling 10.1016/j.jebo.2019.01.002 exclude --reason 2 --stage full-text
    """
    from lsr.screening.conflicts import resolve

    refuse_reason_without_exclude(label, reason)
    d = resolve(open_ws(state), review, record, label, state.settings.reviewer, reason=reason, note=note,
                stage=stage)
    extra = f" ({d.reason})" if d.reason else ""
    click.echo(f"{review}: record {d.record_id} resolved as {label}{extra} at {stage} by {d.reviewer}")
