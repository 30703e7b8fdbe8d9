"""``lsr report``: evidence summaries, PRISMA 2020 diagrams and the portfolio overview (thin layer)."""

from __future__ import annotations

import click

from lsr.cli.base import CliState, main, open_ws, pass_state


@main.command()
@click.argument("reviews", nargs=-1, metavar="[REVIEW]...")
@click.option(
    "--lang",
    "langs",
    type=click.Choice(["nl", "en"]),
    multiple=True,
    help="Language of the summaries (repeatable) [default: nl and en].",
)
@click.option(
    "--format",
    "formats",
    type=click.Choice(["md", "html"]),
    multiple=True,
    help="Output format (repeatable) [default: md and html].",
)
@click.option(
    "--since",
    metavar="DATE",
    help="Start of the update round to report on, e.g. 2026-04-01 [default: the previous report].",
)
@pass_state
def report(
    state: CliState,
    reviews: tuple[str, ...],
    langs: tuple[str, ...],
    formats: tuple[str, ...],
    since: str | None,
) -> None:
    """Write evidence summaries and PRISMA 2020 flow diagrams into reviews/<id>/.

    For each REVIEW (default: every review): summary.<lang>.md and summary.<lang>.html (one
    self-contained page with the diagram and plots inline), prisma.svg, and an entry in reports.json.
    With no REVIEW, also the portfolio overview grouped by NPHLN theme and goal:
    reviews/portfolio.<lang>.md and .html.

    "What changed" and the PRISMA diagram's current round cover the searches and imports since the
    previous report (written on an earlier day), or since --since DATE.

    \b
    Examples:
      lsr report                                 every review, both languages, plus the portfolio
      lsr report extended-school-day --lang nl   one review, Dutch only
      lsr report --format html --since 2026-04-01
    """
    from lsr.report import write_reports

    ws = open_ws(state)
    paths = write_reports(ws, list(reviews) or None, langs or ("nl", "en"), formats or ("md", "html"), since)
    for path in paths:
        try:
            shown = path.relative_to(ws.root)
        except ValueError:
            shown = path
        click.echo(str(shown))
    click.echo(f"{len(paths)} file(s) written", err=True)
