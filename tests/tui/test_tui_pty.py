"""The real thing: ``python -m tui.cli --demo`` in a pseudo-terminal, driven by keystrokes.

Pilot tests run the app headless; this one proves the installed entry point starts in a real
terminal (100x30, xterm-256color), seeds the demo home, paints the briefing, answers keys and
exits 0 with the terminal restored. ``enter`` must really open an item: the header's unread
count drops by one (opening marks the item read). The output is parsed loosely (escape sequences stripped)
because only the words matter, not how Textual chose to move the cursor.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

#: CSI / OSC / two-byte escape sequences, and the DEC line-drawing shifts.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[@-Z\\-_=>]")
COLS, ROWS = 100, 30
FROZEN_NOW = "2026-11-21T09:00:00Z"


def plain(raw: bytes) -> str:
    """Terminal output without escape sequences (words split by cursor moves may stay split)."""
    return _ESCAPES.sub(b"", raw).decode("utf-8", "replace")


class Terminal:
    """A child process on the slave side of a pty; the test holds the master side."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.master = master
        self.output = bytearray()
        self.proc = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
            start_new_session=True, close_fds=True,
        )
        os.close(slave)

    def read(self, timeout: float) -> None:
        """Drain whatever the child wrote within ``timeout`` seconds (it must never block on us)."""
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed its side
                chunk = b""
            self.output.extend(chunk)

    def wait_for(self, text: str, timeout: float) -> bool:
        """Read until ``text`` shows up in the plain output, the child exits, or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in plain(bytes(self.output)):
                return True
            if self.proc.poll() is not None:
                self.read(0.1)
                return text in plain(bytes(self.output))
            self.read(0.1)
        return False

    def wait_for_change(self, check, timeout: float) -> bool:
        """Read until ``check()`` holds, or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            if check():
                return True
            self.read(0.1)
        return check()

    def send(self, keys: str, settle: float = 0.3) -> None:
        """Type keys, then keep reading for a moment so the app can repaint."""
        os.write(self.master, keys.encode())
        end = time.monotonic() + settle
        while time.monotonic() < end:
            self.read(0.05)

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, or None if the child is still running after ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                self.read(0.1)
                return code
            self.read(0.1)
        return None

    def kill(self) -> None:
        """Stop the child's whole session (it may have started helpers) and close the pty."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=5)
        os.close(self.master)


def _unread(text: str) -> int | None:
    """The header's latest "N unread" figure (opening an item marks it read)."""
    found = re.findall(r"(\d+) unread", text)
    return int(found[-1]) if found else None


@pytest.mark.slow
def test_demo_runs_in_a_real_terminal(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "COLUMNS": str(COLS),
        "LINES": str(ROWS),
        "CHIPWIRE_NOW": FROZEN_NOW,
        "CHIPWIRE_HOME": str(tmp_path / "home"),
        "TMPDIR": str(tmp_path),  # the demo's temporary home lands here, so we can check cleanup
    }
    term = Terminal([sys.executable, "-m", "tui.cli", "--demo"], env, repo)
    try:
        started = time.monotonic()
        assert term.wait_for("SAMPLE DATA", timeout=25), plain(bytes(term.output))[-2000:]
        first_paint = time.monotonic() - started
        term.send("j", settle=0.5)
        unread_before = _unread(plain(bytes(term.output)))
        term.send("j")
        mark = len(term.output)
        term.send("\r", settle=0.3)
        assert term.wait_for_change(lambda: _unread(plain(bytes(term.output[mark:]))) == unread_before - 1, 10), (
            unread_before, plain(bytes(term.output[mark:]))[-2000:])
        assert term.proc.poll() is None, plain(bytes(term.output))[-2000:]
        term.send("q", settle=0)
        code = term.wait_exit(timeout=20)
        assert code == 0, (code, plain(bytes(term.output))[-2000:])
    finally:
        term.kill()
    text = plain(bytes(term.output))
    assert "Traceback" not in text
    # The terminal was restored: alternate screen left, cursor shown again.
    assert b"\x1b[?1049l" in term.output
    # The temporary demo home was removed on exit.
    assert not list(tmp_path.glob("chipwire-demo-*"))
    print(f"first paint of the demo in a pty: {first_paint:.1f}s")


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_demo_whose_terminal_goes_away_still_removes_its_home(tmp_path: Path, signum: int) -> None:
    """Closing the terminal window (SIGHUP) or a plain ``kill`` (SIGTERM) must not leave a
    chipwire-demo-* home behind in the temporary folder, one per demo ever opened."""
    repo = Path(__file__).resolve().parents[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "TERM": "xterm-256color",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "COLUMNS": str(COLS), "LINES": str(ROWS),
        "CHIPWIRE_NOW": FROZEN_NOW, "CHIPWIRE_HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path),
    }
    term = Terminal([sys.executable, "-m", "tui.cli", "--demo"], env, repo)
    try:
        assert term.wait_for("SAMPLE DATA", timeout=25), plain(bytes(term.output))[-2000:]
        assert list(tmp_path.glob("chipwire-demo-*"))
        os.kill(term.proc.pid, signum)
        code = term.wait_exit(timeout=20)
        assert code is not None, "the demo did not stop on the signal"
    finally:
        term.kill()
    assert not list(tmp_path.glob("chipwire-demo-*"))
    assert "Traceback" not in plain(bytes(term.output))
