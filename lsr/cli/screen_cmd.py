"""``lsr screen REVIEW``: open the Textual screener on one review."""

from __future__ import annotations

import click

from lsr.cli.base import CliState, main, open_ws, pass_state
from lsr.vocabulary import STAGES


@main.command()
@click.argument("review")
@click.option("--stage", type=click.Choice(STAGES), default=STAGES[0], show_default=True,
              help="Which queue to start with (switch inside the screener with s).")
@pass_state
def screen(state: CliState, review: str, stage: str) -> None:
    """Open the screener on REVIEW: the top-ranked records you have not screened yet.

    Keys: i include, e exclude, 1-9 exclude with reason N, m maybe, u undo, n note, o link, / find,
    s switch stage, ? help, q quit. Every decision is saved before the next record appears and is
    recorded under --reviewer / LSR_REVIEWER (default: your login name).

    \b
    Examples:
      lsr screen extended-school-day
      lsr --reviewer anna screen extended-school-day --stage full-text
    """
    from lsr.cli.app_launch import launch_screener

    ws = open_ws(state, lazy=True)  # a current database opens after the first record is on screen
    ws.protocol(review)  # an unknown or disabled review fails before the terminal is taken over
    launch_screener(ws, review, stage)
