"""``lsr update`` (search OpenAlex for new records) and ``lsr schedule`` (run it from cron or systemd).

Thin layers over :mod:`lsr.search.update` and :mod:`lsr.search.schedule_units`: ``update`` shows a progress
bar on a terminal and plain, timestamped log lines otherwise (cron mail, journald); ``schedule`` prints -- or
installs -- the crontab line and the systemd user service + timer that run ``lsr update --due`` for this
workspace (built in ``lsr.search.schedule_units``).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Iterator

import click

from lsr.cli.base import CliState, main, open_ws, pass_state
from lsr.errors import LsrError
from lsr.search.schedule_units import (
    ENV_FILE,
    SECRET_ENV,
    crontab_line,
    lsr_executable,
    secrets_set_here,
    systemctl_found,
    systemctl_user,
    systemd_units,
    user_unit_dir,
    write_units,
)

LOG_EVERY_SECONDS = 10.0


def _stamp() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S")


def _describe(result) -> str:
    """One line per review outcome."""
    if result.status == "ok":
        extra = " (completed an interrupted run)" if result.resumed else ""
        chunks = f", query sent in {result.chunks} chunks" if result.chunks > 1 else ""
        rerank = f"; re-ranking {result.rerank}" if result.rerank and result.rerank != "done" else ""
        apart = "".join(f"\n{result.review_id}: warning: {c.describe()}" for c in result.kept_apart)
        merged = (f"; {result.merged} record(s) folded into the record of the work OpenAlex merged them into"
                  if result.merged else "")
        apart += "".join(f"\n{result.review_id}: warning: different labels on merged records at {line}"
                         for line in result.merge_conflicts)
        # every update runs the whole search again, so no work at all means the search itself finds nothing
        empty = (f"\n{result.review_id}: warning: the search found no work at all: check [search] query and "
                 "filters in the protocol (a misspelt filter value matches nothing)"
                 if not result.results_returned else "")
        return (f"{result.review_id}: ok, {result.results_returned} works returned, {result.new_records} new, "
                f"{result.duplicates} already known (search run id {result.run_id}, {result.seconds:.1f} s){chunks}{extra}"
                f"{merged}"
                f"{rerank}{apart}{empty}")
    if result.status == "not-due":
        when = result.next_update.strftime("%Y-%m-%d %H:%M UTC") if result.next_update else "now"
        return f"{result.review_id}: not due (next update {when})"
    if result.status == "paused":
        return f"{result.review_id}: paused: {result.error} (search run id {result.run_id})"
    if result.status == "waiting":
        return f"{result.review_id}: waiting: {result.error}"
    if result.status == "interrupted":
        return f"{result.review_id}: interrupted: {result.error}; the next `lsr update` completes search run id {result.run_id}"
    if result.status == "busy":
        return f"{result.review_id}: skipped: {result.error}"
    return f"{result.review_id}: failed: {result.error}"


class _PlainProgress:
    """Timestamped log lines, at most one progress line per review every few seconds."""

    def __init__(self) -> None:
        self._last: dict[str, float] = {}

    def __call__(self, event) -> None:
        now = time.monotonic()
        if event.kind == "start":
            what = "completing an interrupted run" if event.resumed else "searching OpenAlex"
            chunks = f" (query in {event.chunks} chunks)" if event.chunks > 1 else ""
            click.echo(f"{_stamp()} {event.review_id}: {what}{chunks}")
            self._last[event.review_id] = now
        elif event.kind == "lock-wait":
            click.echo(f"{_stamp()} {event.review_id}: {event.message}; waiting for it to finish", err=True)
        elif event.kind == "page":
            if now - self._last.get(event.review_id, 0.0) >= LOG_EVERY_SECONDS:
                total = f"/{event.total}" if event.total else ""
                click.echo(f"{_stamp()} {event.review_id}: {event.fetched}{total} works fetched")
                self._last[event.review_id] = now
        elif event.kind == "done" and event.result is not None:
            line = f"{_stamp()} {_describe(event.result)}"
            click.echo(line, err=not event.result.ok)


class _BarProgress:
    """A rich progress bar per review on a terminal."""

    def __init__(self, progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, event) -> None:
        p = self.progress
        if event.kind == "start":
            label = f"{event.review_id}" + (" (resuming)" if event.resumed else "")
            self.tasks[event.review_id] = p.add_task(label, total=None)
        elif event.kind == "lock-wait":
            p.console.print(f"{event.review_id}: {event.message}; waiting for it to finish", markup=False,
                            highlight=False)
        elif event.kind == "page" and event.review_id in self.tasks:
            p.update(self.tasks[event.review_id], completed=event.fetched, total=event.total)
        elif event.kind == "done" and event.result is not None:
            task = self.tasks.get(event.review_id)
            if task is not None:
                p.update(task, total=max(event.fetched, 1), completed=max(event.fetched, 1))
            p.console.print(_describe(event.result), style=None if event.result.ok else "bold red",
                            markup=False, highlight=False)


@contextlib.contextmanager
def _progress_reporter(tty: bool) -> Iterator:
    if not tty:
        yield _PlainProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        yield _BarProgress(progress)


@contextlib.contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM (systemd stop, kill) into SystemExit so the running search is marked interrupted."""

    def handler(signum, frame):  # noqa: ARG001
        raise SystemExit(128 + signum)

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (embedded use)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@main.command()
@click.argument("reviews", nargs=-1, metavar="[REVIEW]...")
@click.option("--due", is_flag=True, help="Only reviews whose [schedule] says an update is due (for cron).")
@click.option("--wait", is_flag=True,
              help="When another update or an import of a review is running, wait for it to finish (saying so "
                   "once) instead of skipping.")
@click.option("--per-page", type=click.IntRange(1, 100), default=None,
              help="Results per OpenAlex page [env: LSR_OPENALEX_PER_PAGE; default: 100].")
@pass_state
def update(state: CliState, reviews: tuple[str, ...], due: bool, wait: bool, per_page: int | None) -> None:
    """Search OpenAlex for new records of every review (or the named ones), de-duplicate, store, rerank.

    Each update runs the review's full protocol search: new works become records, works already known
    are logged as duplicates, and the run is kept in the search log (PRISMA-S). A run that was cut
    short (Ctrl-C, a killed process, a network failure, a spent daily OpenAlex budget) is completed by the
    next update from the page where it stopped; once the daily budget is spent no further review is
    started (they are reported as waiting). Safe to run
    from cron: two updates of one review never run at once.

    The server is LSR_OPENALEX_URL (default https://api.openalex.org), with LSR_OPENALEX_API_KEY and
    LSR_OPENALEX_EMAIL. Exits 0 when every review was updated (or not due), 1 otherwise, naming which
    and why. A review whose protocol file does not load is skipped (the others are updated) and makes
    the exit code 1.

    \b
    Examples:
      lsr update                          all reviews
      lsr update extended-school-day      one review
      lsr update --due                    only reviews whose schedule says so (cron, systemd)
      LSR_OPENALEX_URL=http://127.0.0.1:8000 lsr update   against `lsr openalex-serve`
    """
    from lsr.search.openalex.client import OpenAlexClient
    from lsr.search.update import update_reviews

    ws = open_ws(state)
    ws.review_ids(list(reviews) or None)  # an unknown review is the error to report, before any warning
    if not ws.settings.openalex_api_key:
        click.echo("lsr update: warning: no OpenAlex API key (LSR_OPENALEX_API_KEY); without one OpenAlex "
                   "allows only a tiny daily budget (free key: https://openalex.org/settings/api)", err=True)
    client = OpenAlexClient.from_settings(ws.settings, per_page=per_page)
    tty = sys.stderr.isatty() and sys.stdout.isatty()
    try:
        with _sigterm_as_exit(), _progress_reporter(tty) as report:
            results = update_reviews(ws, list(reviews) or None, due_only=due, progress=report, client=client,
                                     wait=wait)
    except KeyboardInterrupt:
        click.echo("lsr update: interrupted; run `lsr update` again to complete the interrupted run", err=True)
        sys.exit(130)
    finally:
        client.close()
    if not results and not ws.disabled:
        click.echo("no reviews in this workspace")
        return
    if due and results and all(r.status == "not-due" for r in results):
        click.echo(f"{_stamp()} no review is due")
    failed = [f"{r.review_id} ({r.status}: {r.error})" for r in results if not r.ok and r.status != "waiting"]
    waiting: dict[str, list[str]] = {}  # one reason (a spent budget, no connection) holds them all back
    for r in results:
        if r.status == "waiting":
            waiting.setdefault(r.error or "", []).append(r.review_id)
    failed += [f"{len(ids)} waiting ({', '.join(ids[:3])}{', …' if len(ids) > 3 else ''}: {why})"
               for why, ids in waiting.items()]
    # The other reviews were updated; a review disabled by its protocol file still fails the run (cron mail).
    failed += [f"{d.id} (protocol file {d.path} does not load)" for d in ws.disabled.values()]
    if failed:
        n_failed = sum(not r.ok for r in results) + len(ws.disabled)
        raise LsrError(f"{n_failed} of {len(results) + len(ws.disabled)} review(s) not updated: "
                       + "; ".join(failed))


# ---------------------------------------------------------------------------------------------- schedule

@main.command()
@click.option("--install", is_flag=True, help="Write the systemd user units and enable the timer.")
@click.option("--no-enable", is_flag=True, help="With --install: only write the unit files.")
@pass_state
def schedule(state: CliState, install: bool, no_enable: bool) -> None:
    """Print (or install) the cron and systemd entries that run `lsr update --due` for this workspace.

    The entry runs hourly; each review's [schedule] in its protocol decides whether it is due, so one
    entry serves every review. Secrets are never written into the entries: put LSR_OPENALEX_API_KEY
    (and a LSR_DATABASE_URL holding a password) in ~/.config/lsr/lsr.env, which both read.

    \b
    Examples:
      lsr schedule                 print the crontab line and the systemd units
      lsr schedule --install       write ~/.config/systemd/user/lsr-update-*.{service,timer} and enable
      crontab -l | { cat; lsr schedule | sed -n 2p; } | crontab -   add the cron line instead
    """
    if no_enable and not install:
        raise click.UsageError("--no-enable goes with --install (write the units without enabling the timer); "
                               "without --install nothing is written or enabled")
    workspace = state.settings.workspace
    if not (workspace / "protocols").is_dir():
        raise LsrError(f"{workspace} is not an lsr workspace: it has no protocols/ folder")
    lsr = lsr_executable()
    units = systemd_units(workspace, lsr)
    timer = next(n for n in units if n.endswith(".timer"))
    if not install:
        click.echo("# crontab (crontab -e): hourly check, each review runs when its schedule says so")
        click.echo(crontab_line(workspace, lsr))
        for fname, content in units.items():
            click.echo(f"\n# {user_unit_dir() / fname}")
            click.echo(content, nl=False)
        click.echo(f"\n# enable: systemctl --user daemon-reload && systemctl --user enable --now {timer}")
        click.echo("# timers run without a login session only with: loginctl enable-linger $USER")
        _warn_secrets()
        return
    if not no_enable and not systemctl_found():
        raise LsrError("cannot install: systemctl was not found (no systemd here); "
                       "use the crontab line from `lsr schedule` instead")
    target = user_unit_dir()
    write_units(units, target)
    click.echo(f"wrote {target / timer[:-6]}.service and .timer")
    _warn_secrets()
    if no_enable:
        click.echo(f"enable with: systemctl --user daemon-reload && systemctl --user enable --now {timer}")
        return
    for args in (("daemon-reload",), ("enable", "--now", timer)):
        ok, message = systemctl_user(*args)
        if not ok:
            raise LsrError(f"units written to {target}, but `systemctl --user {' '.join(args)}` failed: {message} "
                           f"(run `systemctl --user enable --now {timer}` in a login session, or use the crontab "
                           "line from `lsr schedule`)")
    click.echo(f"enabled {timer}; check with: systemctl --user list-timers {timer}")
    click.echo("timers run without a login session only with: loginctl enable-linger $USER")


def _warn_secrets() -> None:
    if secrets_set_here():
        click.echo(f"# note: {' / '.join(SECRET_ENV)} are set here but not written into the "
                   f"entries; put them in {ENV_FILE} (KEY=value lines)", err=True)
