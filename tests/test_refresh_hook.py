"""The new-items hook is contained: real hook processes that flood, daemonise, hang, print escapes."""

from __future__ import annotations

import os
import resource
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from core.refresh.hook import MESSAGE_CHARS, clean_line, run_new_items_hook
from store.home import HomePaths

ITEMS = [{"id": f"i{n}", "title": f"item {n}", "summary": "x" * 200} for n in range(3)]


@pytest.fixture
def paths(tmp_path: Path) -> HomePaths:
    p = HomePaths(tmp_path / "home")
    p.ensure()
    return p


def py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not stat.exists() or stat.read_bytes().rsplit(b")", 1)[-1].split()[0] != b"Z"


def test_a_flooding_hook_costs_no_memory_and_its_tail_is_capped(paths: HomePaths) -> None:
    flood = ("import sys\nchunk = b'y' * (1 << 20)\n"
             "for _ in range(300): sys.stdout.buffer.write(chunk)\n"
             "for _ in range(20): sys.stderr.buffer.write(chunk)\n"
             "sys.stderr.write('\\nlast words ' + 'z' * 1000 + '\\n'); sys.exit(3)")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    message = run_new_items_hook(py(flood), paths, ITEMS)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert message is not None and "exited 3" in message
    assert "last words zzz" in message
    assert len(message.split(": ", 1)[1]) <= MESSAGE_CHARS
    assert grown_kib < 30 * 1024, f"300 MiB of hook output grew this process by {grown_kib} KiB"


def test_a_hook_that_leaves_a_background_child_does_not_hold_the_refresh(paths: HomePaths,
                                                                         tmp_path: Path) -> None:
    pidfile = tmp_path / "bg.pid"
    started = time.monotonic()
    message = run_new_items_hook(["sh", "-c", f'sleep 30 & echo $! > "{pidfile}"; exit 0'], paths, ITEMS)
    took = time.monotonic() - started
    bg = int(pidfile.read_text())
    try:
        assert message is None
        assert took < 5, f"waited {took:.1f} s for a background child"
    finally:
        os.kill(bg, signal.SIGKILL)


def test_a_hanging_hook_is_stopped_with_its_whole_group(paths: HomePaths, tmp_path: Path) -> None:
    pidfile = tmp_path / "pids"
    # The child ignores SIGTERM: only the group SIGKILL after the grace ends it.
    hook = ["sh", "-c", f'(trap "" TERM; sleep 60) & echo $! > "{pidfile}"; sleep 60']
    started = time.monotonic()
    message = run_new_items_hook(hook, paths, ITEMS, timeout=1.0)
    took = time.monotonic() - started
    assert message is not None and "ran longer than 1 s and was stopped" in message
    assert took < 8
    child = int(pidfile.read_text())
    deadline = time.monotonic() + 3
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child), "the hook's background child survived the timeout"


def test_escape_sequences_never_reach_the_message(paths: HomePaths) -> None:
    nasty = ("import sys\nsys.stderr.write('first\\r\\x1b]0;owned\\x07\\x1b[2J\\x1b[31mred\\x1b[0m bad line"
             "\\x00\\x9b31m\\u202eevil\\x1bP1;2|secret\\x1b\\\\ end\\n'); sys.exit(1)")
    message = run_new_items_hook(py(nasty), paths, ITEMS)
    assert message is not None
    assert all(ch not in message for ch in "\x1b\x07\r\x00\x9b\u202e"), repr(message)
    assert "red bad line" in message and "end" in message  # \r ends a line: the last is shown
    assert "owned" not in message and "secret" not in message


def test_a_hook_that_never_reads_stdin_does_not_block(paths: HomePaths) -> None:
    many = [{"id": f"i{n}", "title": "t" * 100, "summary": "s" * 1000} for n in range(5000)]  # ~5 MiB
    started = time.monotonic()
    assert run_new_items_hook(["sh", "-c", "sleep 0.1; exit 0"], paths, many) is None
    assert time.monotonic() - started < 10


def test_the_hook_gets_the_items_on_stdin(paths: HomePaths, tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    hook = py(f"import sys, json; json.dump(len(json.load(sys.stdin)), open({str(out)!r}, 'w'))")
    assert run_new_items_hook(hook, paths, ITEMS) is None
    assert out.read_text() == "3"


def test_a_stop_request_ends_a_running_hook(paths: HomePaths) -> None:
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    message = run_new_items_hook(["sleep", "30"], paths, ITEMS, stop=stop)
    assert message is not None and "stopped with the refresh" in message
    assert time.monotonic() - started < 5


def test_missing_hook_is_one_line(paths: HomePaths, tmp_path: Path) -> None:
    message = run_new_items_hook([str(tmp_path / "no-such-hook")], paths, ITEMS)
    assert message is not None and "not found" in message and "\n" not in message


@pytest.mark.parametrize("text", ["\x1b[", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "a\tb", "\x7f\x85"])
def test_clean_line_leaves_no_control_characters(text: str) -> None:
    cleaned = clean_line(text)
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f for c in cleaned), repr(cleaned)
