"""The new-items hook: the user's command, run once after a refresh with the new items on stdin.

Contained, because it is someone else's program fed with feed text:

* stdin is a temporary file holding the JSON (never a pipe: a hook that does not read it
  cannot block the refresh, and a big payload costs no buffering here);
* stdout goes to ``/dev/null`` (a hook that writes a gigabyte costs nothing);
* stderr goes to a temporary file of which only the last few KiB are read, and the line
  shown is cleaned of control and escape sequences (it may echo feed text back);
* it runs in its own session (process group); at the timeout, or when the refresh is told to
  stop, the whole group is killed, so a ``sh -c`` wrapper cannot leave its children running;
* only the hook's own pid is waited for — never a pipe a background child could hold open — so
  ``sh -c "notifier & exit 0"`` returns at once and is not reported as slow. Such a
  background child is the user's own (a notifier that outlives the refresh on purpose).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from typing import IO

from store.home import HomePaths

#: How long the new-items hook may run before its process group is stopped.
HOOK_TIMEOUT = 30.0
#: Bytes read from the end of the hook's stderr (whatever it wrote before is never read).
STDERR_TAIL_BYTES = 4096
#: Characters of the hook's last stderr line shown to the user.
MESSAGE_CHARS = 200
#: How long a stopped hook's group gets between SIGTERM and SIGKILL.
KILL_GRACE = 1.0

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"          # CSI (colours, cursor moves, ...)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (window title, hyperlinks), terminated or not
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"    # DCS / SOS / PM / APC strings
    r"|\x1b[ -/]*[0-~]?"                 # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"            # 8-bit CSI
)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_line(text: str) -> str:
    """``text`` without escape sequences or control characters (tabs become spaces)."""
    text = _ESCAPES.sub("", text).replace("\t", " ")
    return _CONTROLS.sub("", text)


def stderr_tail(handle: IO[bytes]) -> str:
    """The hook's last non-empty stderr line, cleaned and cut to ``MESSAGE_CHARS``."""
    try:
        size = os.fstat(handle.fileno()).st_size
        handle.seek(max(0, size - STDERR_TAIL_BYTES))
        raw = handle.read(STDERR_TAIL_BYTES)
    except OSError:
        return ""
    lines = [clean_line(line).strip() for line in raw.decode("utf-8", "replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:MESSAGE_CHARS] if lines else ""


def run_new_items_hook(argv: list[str], paths: HomePaths, new_items: list[dict], *,
                       timeout: float | None = None, stop: threading.Event | None = None) -> str | None:
    """Run the user's new-items command with the new items as JSON on stdin.

    The command is an argv list run without a shell, and feed text only ever travels on stdin,
    so nothing a feed says can reach a shell. Returns a one-line error message, or None.
    """
    limit = HOOK_TIMEOUT if timeout is None else timeout
    name = clean_line(repr(argv[0]))[:MESSAGE_CHARS]
    env = dict(os.environ, CHIPWIRE_HOME=str(paths.root))
    with tempfile.TemporaryFile() as stdin, tempfile.TemporaryFile() as stderr:
        stdin.write(json.dumps(new_items, ensure_ascii=False).encode("utf-8"))
        stdin.seek(0)
        try:
            proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL, stderr=stderr, env=env,
                                    shell=False, start_new_session=True, close_fds=True)
        except FileNotFoundError:
            return f"new-items hook {name} not found"
        except OSError as exc:
            return f"new-items hook {name} could not run: {clean_line(str(exc))}"
        ended = _wait(proc, limit, stop)
        if ended == "timeout":
            return f"new-items hook {name} ran longer than {limit:.0f} s and was stopped"
        if ended == "stopped":
            return f"new-items hook {name} was stopped with the refresh"
        if proc.returncode != 0:
            return f"new-items hook {name} exited {proc.returncode}: {stderr_tail(stderr)}"
    return None


def _wait(proc: subprocess.Popen, limit: float, stop: threading.Event | None) -> str:
    """Wait for the hook's own pid: "exited", or "timeout"/"stopped" after killing its group."""
    deadline = time.monotonic() + limit
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            _kill_group(proc)
            return "timeout"
        if stop is not None and stop.is_set():
            _kill_group(proc)
            return "stopped"
        try:
            proc.wait(timeout=min(left, 0.1) if stop is not None else left)
            return "exited"
        except subprocess.TimeoutExpired:
            continue


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGTERM the hook's whole process group, then SIGKILL what is left after a grace."""
    for sig, grace in ((signal.SIGTERM, KILL_GRACE), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            _kill_rest(proc.pid)
        return


def _kill_rest(pgid: int) -> None:
    """The leader is gone; children that ignored SIGTERM still share its group id."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
