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
    help="Start of the update round to report on, e.g. 2026-04-01; not in the future [default: the previous "
    "report].",
)
@click.option(
    "--draft",
    is_flag=True,
    help="Write a draft into reviews/_drafts/ (marked as such at the top) and do not record it in "
    "reports.json, so the next report still compares with the last published one.",
)
@pass_state
def report(
    state: CliState,
    reviews: tuple[str, ...],
    langs: tuple[str, ...],
    formats: tuple[str, ...],
    since: str | None,
    draft: bool,
) -> None:
    """Write evidence summaries and PRISMA 2020 flow diagrams into reviews/<id>/.

    For each REVIEW (default: every review): summary.<lang>.md and summary.<lang>.html (one
    self-contained page with the diagram and plots inline), prisma.svg, and an entry in reports.json.
    With no REVIEW, also the portfolio overview grouped by NPHLN theme and goal:
    reviews/portfolio.<lang>.md and .html.

    "What changed" and the PRISMA diagram's current round cover the searches and imports since the
    previous report (written on an earlier day), or since --since DATE. Reports written on the same day
    count as one: re-issuing a corrected report today keeps the same baseline.

    Every run without --draft is recorded in reports.json as a published report, and a report on a later
    day compares with it (its "previous version" and "what changed"). To check a report first, write a draft: --draft
    writes the same files, but into reviews/_drafts/<id>/ and reviews/_drafts/portfolio.<lang>.*,
    each starting with "Concept, niet gepubliceerd" / "Draft, not published", and records nothing,
    so the published files and the next report's baseline stay as they are. Run again without --draft
    to publish.

    \b
    Examples:
      lsr report                                 every review, both languages, plus the portfolio
      lsr report extended-school-day --lang nl   one review, Dutch only
      lsr report --format html --since 2026-04-01
      lsr report --draft                         check first: reviews/_drafts/, nothing recorded
    """
    from lsr.report import write_reports

    ws = open_ws(state)
    paths = write_reports(ws, list(reviews) or None, langs or ("nl", "en"), formats or ("md", "html"), since,
                          draft=draft)
    for path in paths:
        try:
            shown = path.relative_to(ws.root)
        except ValueError:
            shown = path
        click.echo(str(shown))
    note = " (a draft: not recorded in reports.json)" if draft else ""
    click.echo(f"{len(paths)} file(s) written{note}", err=True)
