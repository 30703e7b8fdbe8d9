"""The real `lsr screen` under a pseudo-terminal, killed with SIGKILL the moment the next record appears."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time

import pytest

from tests.tui_helpers import build_workspace, decisions, record_id_by_word

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal"),
              pytest.mark.slow]  # a pseudo-terminal and a killed process


def read_until(fd: int, needle: bytes, timeout: float, seen: bytearray) -> bool:
    """Read the terminal output into ``seen`` until ``needle`` shows up (True) or time runs out (False)."""
    end = time.monotonic() + timeout
    start = len(seen)
    while time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            seen.extend(chunk)
            if needle in seen[start:]:
                return True
    return False


def test_decision_is_stored_when_the_app_is_killed_right_after_the_key(tmp_path):
    path = build_workspace(tmp_path / "ws", 6)
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LSR_", "TEXTUAL"))}
    env.update(LSR_WORKSPACE=str(path), LSR_REVIEWER="killer", TERM="xterm-256color", COLUMNS="100", LINES="30")
    proc = subprocess.Popen([sys.executable, "-c", "from lsr.cli import main; main()", "screen", "test-review"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = bytearray()
    try:
        assert read_until(master, b"Alpha", 60, seen), f"the first record never appeared: {bytes(seen[-500:])!r}"
        time.sleep(0.3)  # let the app settle into waiting for keys
        os.write(master, b"i")
        assert read_until(master, b"Bravo", 30, seen), "the next record never appeared"
        proc.send_signal(signal.SIGKILL)  # no clean shutdown, no chance to flush anything afterwards
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        os.close(master)
    assert proc.returncode == -signal.SIGKILL
    stored = [(d.record_id, d.reviewer, d.label) for d in decisions(path)]
    assert stored == [(record_id_by_word(path, "Alpha"), "killer", "include")]
