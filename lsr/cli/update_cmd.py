"""``lsr update`` (search OpenAlex for new records) and ``lsr schedule`` (run it from cron or systemd).

Thin layers over :mod:`lsr.search.update`: ``update`` shows a progress bar on a terminal and plain, timestamped
log lines otherwise (cron mail, journald); ``schedule`` prints -- or installs -- the crontab line and the
systemd user service + timer that run ``lsr update --due`` for this workspace.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click

from lsr.cli.base import CliState, main, open_ws, pass_state
from lsr.errors import LsrError

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
        return (f"{result.review_id}: ok, {result.results_returned} works returned, {result.new_records} new, "
                f"{result.duplicates} already known (run {result.run_id}, {result.seconds:.1f} s){chunks}{extra}"
                f"{rerank}{apart}")
    if result.status == "not-due":
        when = result.next_update.strftime("%Y-%m-%d %H:%M UTC") if result.next_update else "now"
        return f"{result.review_id}: not due (next update {when})"
    if result.status == "paused":
        return f"{result.review_id}: paused: {result.error} (run {result.run_id})"
    if result.status == "waiting":
        return f"{result.review_id}: waiting: {result.error}"
    if result.status == "interrupted":
        return f"{result.review_id}: interrupted: {result.error}; the next `lsr update` completes run {result.run_id}"
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
              help="When another update of a review is running, wait for it to finish instead of skipping.")
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
    failed = [f"{r.review_id} ({r.status}: {r.error})" for r in results if not r.ok]
    # The other reviews were updated; a review disabled by its protocol file still fails the run (cron mail).
    failed += [f"{d.id} (protocol file {d.path} does not load)" for d in ws.disabled.values()]
    if failed:
        raise LsrError(f"{len(failed)} of {len(results) + len(ws.disabled)} review(s) not updated: "
                       + "; ".join(failed))


# ---------------------------------------------------------------------------------------------- schedule

ENV_FILE = "~/.config/lsr/lsr.env"
PASSTHROUGH_ENV = ("LSR_OPENALEX_URL", "LSR_OPENALEX_EMAIL")


def lsr_executable() -> str:
    """The absolute path of the ``lsr`` script that is running (or the one next to this Python)."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "lsr" and argv0.exists():
        return str(argv0.absolute())
    beside = Path(sys.executable).with_name("lsr")
    if beside.exists():
        return str(beside.absolute())
    found = shutil.which("lsr")
    if found:
        return str(Path(found).absolute())
    raise LsrError("cannot find the lsr executable; install lsr (pip install -e .) so that `lsr` is on PATH")


def unit_name(workspace: Path) -> str:
    """A systemd unit name unique to the workspace: ``lsr-update-<folder>-<hash>``."""
    slug = re.sub(r"[^a-z0-9]+", "-", workspace.name.lower()).strip("-")[:40] or "workspace"
    digest = hashlib.sha256(str(workspace).encode()).hexdigest()[:6]
    return f"lsr-update-{slug}-{digest}"


def _minute(workspace: Path) -> int:
    """A stable minute of the hour for this workspace, so many workspaces do not all start at :00."""
    return int(hashlib.sha256(str(workspace).encode()).hexdigest(), 16) % 60


def _passthrough_env() -> dict[str, str]:
    return {k: os.environ[k] for k in PASSTHROUGH_ENV if os.environ.get(k)}


def crontab_line(workspace: Path, lsr: str) -> str:
    """The crontab entry: hourly ``lsr update --due``, appending to ``reviews/update.log``."""
    env = "".join(f"{k}={shlex.quote(v)} " for k, v in _passthrough_env().items())
    log = shlex.quote(str(workspace / "reviews" / "update.log"))
    source = f'set -a; [ -r "$HOME/{ENV_FILE[2:]}" ] && . "$HOME/{ENV_FILE[2:]}"; set +a;'
    return (f"{_minute(workspace)} * * * * cd {shlex.quote(str(workspace))} && {source} "
            f"{env}{shlex.quote(lsr)} --workspace {shlex.quote(str(workspace))} update --due >> {log} 2>&1")


def _pct(value: object) -> str:
    """Escape systemd's specifier character."""
    return str(value).replace("%", "%%")


def _systemd_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%") + '"'


def systemd_units(workspace: Path, lsr: str) -> dict[str, str]:
    """The systemd user service and timer (file name -> content) for ``lsr update --due``."""
    name = unit_name(workspace)
    env_lines = "".join(f"Environment={_systemd_quote(f'{k}={v}')}\n" for k, v in
                        {"LSR_WORKSPACE": str(workspace), **_passthrough_env()}.items())
    service = (
        "[Unit]\n"
        f"Description=lsr: update the living reviews in {_pct(workspace)}\n"
        "Wants=network-online.target\n"
        "After=network-online.target\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={_pct(workspace)}\n"
        f"{env_lines}"
        f"# Secrets (LSR_OPENALEX_API_KEY, a LSR_DATABASE_URL with a password) go in {ENV_FILE}, not here.\n"
        f"EnvironmentFile=-%h/{ENV_FILE[2:]}\n"
        f"ExecStart={_systemd_quote(lsr)} --workspace {_systemd_quote(str(workspace))} update --due\n"
        "Nice=10\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=lsr: hourly check for due living-review updates in {_pct(workspace)}\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar=*-*-* *:{_minute(workspace):02d}:00\n"
        "RandomizedDelaySec=120\n"
        "Persistent=true\n"
        f"Unit={name}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{name}.service": service, f"{name}.timer": timer}


def user_unit_dir() -> Path:
    """``$XDG_CONFIG_HOME/systemd/user`` (default ``~/.config/systemd/user``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def _systemctl(*args: str) -> tuple[bool, str]:
    try:
        proc = subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    message = (proc.stderr or proc.stdout).strip().splitlines()
    return proc.returncode == 0, message[0] if message else f"exit status {proc.returncode}"


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
    if not no_enable and shutil.which("systemctl") is None:
        raise LsrError("cannot install: systemctl was not found (no systemd here); "
                       "use the crontab line from `lsr schedule` instead")
    target = user_unit_dir()
    try:
        target.mkdir(parents=True, exist_ok=True)
        for fname, content in units.items():
            (target / fname).write_text(content, encoding="utf-8")
    except OSError as exc:
        raise LsrError(f"cannot write systemd units to {target}: {exc.strerror or exc}") from None
    click.echo(f"wrote {target / timer[:-6]}.service and .timer")
    _warn_secrets()
    if no_enable:
        click.echo(f"enable with: systemctl --user daemon-reload && systemctl --user enable --now {timer}")
        return
    for args in (("daemon-reload",), ("enable", "--now", timer)):
        ok, message = _systemctl(*args)
        if not ok:
            raise LsrError(f"units written to {target}, but `systemctl --user {' '.join(args)}` failed: {message} "
                           f"(run `systemctl --user enable --now {timer}` in a login session, or use the crontab "
                           "line from `lsr schedule`)")
    click.echo(f"enabled {timer}; check with: systemctl --user list-timers {timer}")
    click.echo("timers run without a login session only with: loginctl enable-linger $USER")


def _warn_secrets() -> None:
    if os.environ.get("LSR_OPENALEX_API_KEY") or os.environ.get("LSR_DATABASE_URL"):
        click.echo(f"# note: LSR_OPENALEX_API_KEY / LSR_DATABASE_URL are set here but not written into the "
                   f"entries; put them in {ENV_FILE} (KEY=value lines)", err=True)
