"""The entries that run ``lsr update --due`` on a schedule: a crontab line and a systemd user service + timer.

The protocols decide *when* a review is due (``lsr.search.schedule``, ``lsr.search.cron``); these entries only
wake lsr up once an hour, at a minute of its own for each workspace, so that one entry serves every review
of a workspace. Pure builders of text (file name -> content) plus the two side effects ``lsr schedule
--install`` needs (writing the unit files, ``systemctl --user``); the command in ``lsr.cli.update_cmd`` only
prints. Secrets never go into an entry: both read them from ``~/.config/lsr/lsr.env`` instead, and only the
harmless settings of the environment lsr runs in (``PASSTHROUGH_ENV``) are copied into them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from lsr.errors import LsrError

ENV_FILE = "~/.config/lsr/lsr.env"
"""Where both entries read secrets from (KEY=value lines)."""
PASSTHROUGH_ENV = ("LSR_OPENALEX_URL", "LSR_OPENALEX_EMAIL")
"""Settings copied from the environment into the entries (never secrets)."""
SECRET_ENV = ("LSR_OPENALEX_API_KEY", "LSR_DATABASE_URL")
"""Settings that belong in ``ENV_FILE``, never in an entry."""


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


def secrets_set_here() -> list[str]:
    """The secret settings (``SECRET_ENV``) set in this environment, which the entries will not carry."""
    return [k for k in SECRET_ENV if os.environ.get(k)]


def write_units(units: dict[str, str], target: Path) -> None:
    """Write the unit files into ``target`` (created if missing).

    Raises:
        LsrError: the folder or a file cannot be written.
    """
    try:
        target.mkdir(parents=True, exist_ok=True)
        for fname, content in units.items():
            (target / fname).write_text(content, encoding="utf-8")
    except OSError as exc:
        raise LsrError(f"cannot write systemd units to {target}: {exc.strerror or exc}") from None


def systemctl_found() -> bool:
    """Whether ``systemctl`` is on PATH (a systemd system: the units can be enabled)."""
    return shutil.which("systemctl") is not None


def systemctl_user(*args: str) -> tuple[bool, str]:
    """Run ``systemctl --user ARGS``: whether it succeeded, and its first line of output (why it failed)."""
    try:
        proc = subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    message = (proc.stderr or proc.stdout).strip().splitlines()
    return proc.returncode == 0, message[0] if message else f"exit status {proc.returncode}"
