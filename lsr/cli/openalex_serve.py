"""``lsr openalex-serve``: run the local OpenAlex-compatible server (``lsr.search.openalex.server``) from a shell."""

from __future__ import annotations

import signal

import click

from lsr.cli.base import main
from lsr.errors import LsrError


def _fault_kinds(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...]:
    """Parse ``429,503,truncate`` into a tuple, refusing unknown kinds."""
    from lsr.search.openalex.server import FAULT_KINDS

    kinds = tuple(k.strip().lower() for k in (value or "").split(",") if k.strip())
    bad = [k for k in kinds if k not in FAULT_KINDS]
    if bad:
        raise click.BadParameter(f"unknown kind(s) {', '.join(bad)}; choose from {','.join(FAULT_KINDS)}")
    return kinds


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from lsr.search.openalex.server import parse_date

    try:
        return parse_date(value, "--as-of")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command("openalex-serve")
@click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    type=click.Path(exists=True),
    help="SYNERGY folder, or .zip/.json/.jsonl file of OpenAlex works (repeatable).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on (loopback).")
@click.option(
    "--port", default=8765, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port."
)
@click.option("--as-of", callback=_as_of, metavar="YYYY-MM-DD", help="Hide works published after this date.")
@click.option(
    "--fault-every", default=0, type=click.IntRange(0), metavar="N", help="Every N-th request fails."
)
@click.option(
    "--fault-kinds",
    callback=_fault_kinds,
    metavar="KINDS",
    help="Comma-separated faults used in rotation: 429,503,504,truncate,slow,reset.",
)
@click.option(
    "--slow-seconds", default=2.0, show_default=True, type=click.FloatRange(0), help="Delay of 'slow'."
)
@click.option(
    "--retry-after", default=1, show_default=True, type=click.IntRange(0), help="Retry-After of 429/503."
)
@click.option(
    "--log", "log_path", type=click.Path(dir_okay=False), help="Append each request as a JSON line."
)
@click.option("--api-key", "api_keys", multiple=True, metavar="KEY",
              help="Require this API key (repeatable); other or missing keys get 401.")
@click.option("--daily-credits", type=click.IntRange(0), default=None, metavar="N",
              help="Daily credit budget (search 10, list 1); when spent: 429 until midnight UTC.")
@click.option("--allow-remote", is_flag=True, help="Allow a non-loopback --host (no authentication!).")
@click.option("--quiet", is_flag=True, help="Do not print a line per request.")
def openalex_serve(
    data: tuple[str, ...],
    host: str,
    port: int,
    as_of: str | None,
    fault_every: int,
    fault_kinds: tuple[str, ...],
    slow_seconds: float,
    retry_after: int,
    log_path: str | None,
    api_keys: tuple[str, ...],
    daily_credits: int | None,
    allow_remote: bool,
    quiet: bool,
) -> None:
    """Serve OpenAlex work JSON on loopback as an OpenAlex-compatible /works API, for offline demos
    and tests. Point lsr at it with LSR_OPENALEX_URL. Serves until Ctrl-C.

    Supports what lsr sends: title_and_abstract.search (AND/OR/NOT, quotes, parentheses), the usual
    filters, page and cursor paging, per-page 1-100. With --as-of, later works stay hidden; move the
    date while running with `curl -X POST URL/_admin/as-of -d '{"as_of": "2021-01-01"}'`. Rehearse a
    retraction or a merge the same way: POST /_admin/retract with {"id": "W…"} (add "retracted": false to
    withdraw it) sets the work's is_retracted; POST /_admin/merge with {"old": "W…", "new": "W…"} moves a
    work to a new id (the old id then answers 301 and leaves lists, as OpenAlex does).

    \b
    Examples:
      lsr openalex-serve --data ../shared/synergy/Sep_2021
      lsr openalex-serve --data works.jsonl --as-of 2015-12-31 --port 0
      lsr openalex-serve --data DIR --fault-every 3 --fault-kinds 429,503,truncate,slow,reset
      curl -X POST URL/_admin/retract -d '{"id": "W2174154237"}'
      curl -X POST URL/_admin/merge -d '{"old": "W2955607684", "new": "W9999999999"}'
    """
    from lsr.search.openalex.server import OpenAlexServer, load_works

    if fault_every and not fault_kinds:
        raise click.UsageError("--fault-every needs --fault-kinds (e.g. 429,503)")
    works = load_works(data)
    if not works:
        raise LsrError(f"no OpenAlex works found in {', '.join(data)}")
    try:
        server = OpenAlexServer(
            works,
            host=host,
            port=port,
            as_of=as_of,
            fault_every=fault_every if fault_kinds else 0,
            fault_kinds=fault_kinds,
            slow_seconds=slow_seconds,
            retry_after=retry_after,
            log_path=log_path,
            api_keys=api_keys or None,
            daily_credits=daily_credits,
            allow_remote=allow_remote,
            verbose=not quiet,
        )
    except ValueError as exc:
        raise LsrError(str(exc)) from None
    _print_banner(server, fault_every, fault_kinds)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM stops the server like Ctrl-C does."""
    raise KeyboardInterrupt


def _print_banner(server, fault_every: int, fault_kinds: tuple[str, ...]) -> None:
    """Say what is served where, and how to point lsr at it."""
    state = server.state()
    click.echo(f"Serving {state['works']} works ({state['visible']} visible) at {server.url}", err=True)
    if server.as_of:
        click.echo(f"  as of {server.as_of}: later works are hidden", err=True)
    if fault_every:
        click.echo(f"  faults: 1 request in {fault_every} fails, in turn: {','.join(fault_kinds)}", err=True)
    click.echo(f"  try: curl '{server.url}/works?search=review&per-page=1'", err=True)
    click.echo(f"export LSR_OPENALEX_URL={server.url}")
    click.echo("Press Ctrl-C to stop.", err=True)
