"""``lsr schedule``: the cron line and systemd units that run ``lsr update --due`` for a workspace."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lsr.search.schedule_units import crontab_line, systemd_units, unit_name
from tests.helpers import make_workspace, run

LSR = Path(sys.executable).with_name("lsr")


def test_schedule_prints_a_cron_line_and_systemd_units_with_absolute_paths(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "my ws")
    monkeypatch.setenv("LSR_OPENALEX_EMAIL", "team@example.org")
    monkeypatch.setenv("LSR_OPENALEX_API_KEY", "sk-never-written")
    result = run(["schedule"], ws)
    assert result.exit_code == 0, result.output
    out = result.stdout
    cron = out.splitlines()[1]
    fields = cron.split(None, 5)
    assert fields[0].isdigit() and fields[1:5] == ["*", "*", "*", "*"]  # hourly; protocols decide what is due
    assert f"cd {shlex.quote(str(ws))} &&" in cron and "update --due" in cron
    assert f"{shlex.quote(str(LSR))} --workspace {shlex.quote(str(ws))} update --due" in cron
    assert "LSR_OPENALEX_EMAIL=team@example.org" in cron
    name = unit_name(ws)
    assert f"# {Path.home() / '.config/systemd/user' / (name + '.service')}" in out or name in out
    assert f'ExecStart="{LSR}" --workspace "{ws}" update --due' in out
    assert f'Environment="LSR_WORKSPACE={ws}"' in out and "Type=oneshot" in out
    assert "OnCalendar=*-*-* *:" in out and "Persistent=true" in out and "WantedBy=timers.target" in out
    assert "sk-never-written" not in out and "put them in ~/.config/lsr/lsr.env" in result.stderr
    # The printed cron command really runs: the shell part is valid and reaches lsr.
    command = cron.split(None, 5)[5].replace("update --due", "--help")
    done = subprocess.run(["sh", "-c", command.split(" >> ")[0]], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "living systematic reviews" in done.stdout


def test_schedule_install_writes_user_units(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "a ws")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    result = run(["schedule", "--install", "--no-enable"], ws)
    assert result.exit_code == 0, result.output
    unit_dir = tmp_path / "config" / "systemd" / "user"
    name = unit_name(ws)
    service, timer = unit_dir / f"{name}.service", unit_dir / f"{name}.timer"
    assert service.exists() and timer.exists()
    assert f'ExecStart="{LSR}" --workspace "{ws}" update --due' in service.read_text()
    assert f"Unit={name}.service" in timer.read_text()
    assert f"systemctl --user enable --now {name}.timer" in result.stdout
    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "verify", str(service), str(timer)],
                               capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stderr


def test_schedule_install_says_why_it_cannot_without_systemd(tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "ws")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no systemctl to be found
    result = run(["schedule", "--install"], ws)
    assert result.exit_code == 1
    assert "cannot install: systemctl was not found" in result.stderr and "crontab" in result.stderr
    assert not (tmp_path / "config" / "systemd").exists()


def test_schedule_outside_a_workspace_fails_cleanly(tmp_path):
    (tmp_path / "plain").mkdir()
    result = run(["schedule"], tmp_path / "plain")
    assert result.exit_code == 1 and "not an lsr workspace" in result.stderr


@pytest.mark.parametrize("args", [["update", "--help"], ["schedule", "--help"]])
def test_help_has_a_description_and_examples(args):
    result = run(args)
    assert result.exit_code == 0 and "Examples:" in result.stdout and "lsr " in result.stdout


def test_the_entries_are_built_without_the_cli(tmp_path, monkeypatch):
    """``lsr.search.schedule_units`` builds the text alone: quoting, the workspace's minute, no secrets."""
    ws = tmp_path / 'odd "ws" 100%'
    monkeypatch.setenv("LSR_OPENALEX_URL", "http://127.0.0.1:8000")
    monkeypatch.setenv("LSR_OPENALEX_API_KEY", "sk-never-written")
    lsr = "/opt/lsr bin/lsr"
    cron = crontab_line(ws, lsr)
    minute = int(cron.split()[0])
    assert 0 <= minute < 60 and crontab_line(ws, lsr) == cron  # stable per workspace
    assert f"{shlex.quote(lsr)} --workspace {shlex.quote(str(ws))} update --due" in cron
    assert "LSR_OPENALEX_URL=http://127.0.0.1:8000" in cron and "sk-never-written" not in cron
    units = systemd_units(ws, lsr)
    name = unit_name(ws)
    assert list(units) == [f"{name}.service", f"{name}.timer"]
    service, timer = units.values()
    assert 'ExecStart="/opt/lsr bin/lsr" --workspace "' + str(ws).replace('"', '\\"').replace("%", "%%") in service
    assert f"WorkingDirectory={str(ws).replace('%', '%%')}\n" in service
    assert 'Environment="LSR_OPENALEX_URL=http://127.0.0.1:8000"' in service and "sk-never-written" not in service
    assert f"OnCalendar=*-*-* *:{minute:02d}:00" in timer and f"Unit={name}.service" in timer
