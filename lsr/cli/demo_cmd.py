"""``lsr demo``: build a demo workspace from a labelled public review and open the screener."""

from __future__ import annotations

from pathlib import Path

import click

from lsr.cli.base import main
from lsr.demo import DEFAULT_DATASET


@main.command()
@click.option("--dataset", default=DEFAULT_DATASET, show_default=True,
              help="SYNERGY dataset name (found under SYNERGY_PATH, else downloaded) or a SYNERGY folder.")
@click.option("--no-screen", is_flag=True, help="Build the workspace but do not open the screener.")
@click.option("--oracle", type=click.FloatRange(0, 1), default=0.5, hidden=True,
              help="Share of first-round records pre-labelled with the true labels (demo only).")
@click.pass_context
def demo(ctx: click.Context, dataset: str, no_screen: bool, oracle: float) -> None:
    """Build a demo living review from a labelled public dataset and open the screener.

    The demo serves the dataset with the bundled OpenAlex-compatible server, runs a first search as
    of an earlier date and a later update (two search rounds, new records arriving), trains the
    ranker and opens the screener. It is built in --workspace, or in a new ./lsr-demo folder. A
    workspace that already holds the demo review is refused (its searches would count twice): open it
    with `lsr --workspace DIR screen demo-...`, or give a new folder.

    Offline, point SYNERGY_PATH at a local copy of the SYNERGY datasets (a failed download says so).

    \b
    Examples:
      SYNERGY_PATH=../shared/synergy lsr demo
      lsr --workspace /tmp/demo demo --dataset Sep_2021 --no-screen
      lsr --workspace /tmp/demo status
    """
    from lsr.demo import build_demo

    state = ctx.obj
    target = Path(state.workspace) if state.workspace else None
    settings, rid = build_demo(dataset, target, oracle=oracle, say=lambda line: click.echo(line, err=True))
    click.echo(f"demo ready in {settings.workspace}", err=True)
    click.echo(f"next: lsr --workspace {settings.workspace} screen {rid}", err=True)
    if no_screen:
        return
    from lsr.cli.app_launch import launch_screener

    launch_screener(settings, rid, "title-abstract")
