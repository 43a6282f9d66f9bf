"""The writer lock: never held by a forked child, and a busy lock names a holder that is alive."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from store import StoreLocked
from store._lock import WriterLock

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")


def holds(pid: int, path: Path) -> bool:
    target = os.path.realpath(path)
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            if os.readlink(fd) == target:
                return True
        except OSError:
            continue
    return False


def test_a_forked_child_does_not_hold_the_lock(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    lock = WriterLock(path)
    with lock.hold():
        assert holds(os.getpid(), path)
        pid = os.fork()
        if pid == 0:  # the child: the fd must be gone, and the parent's lock untouched
            os._exit(0 if not holds(os.getpid(), path) else 1)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "the forked child still had the lock fd"
        other = WriterLock(path, timeout=0.1)
        with pytest.raises(StoreLocked):  # still ours after the child closed its copy
            other.acquire()
    deadline = time.monotonic() + 2  # the timed-out waiter drops its own fd once it gets the lock
    while holds(os.getpid(), path) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not holds(os.getpid(), path)


def hold_in_child(path: Path, write_pid: int | None) -> subprocess.Popen:
    """A real process holding the flock; it writes ``write_pid`` (a stale pid) into the file."""
    code = textwrap.dedent(f"""
        import fcntl, os, sys, time
        fd = os.open({str(path)!r}, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        pid = {write_pid!r} or os.getpid()
        os.pwrite(fd, f"{{pid:<20}}\\n".encode(), 0)
        print("held", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_busy_lock_names_its_live_holder(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    holder = hold_in_child(path, None)
    try:
        with pytest.raises(StoreLocked) as err:
            WriterLock(path, timeout=0.2).acquire()
        assert err.value.pid == holder.pid
        assert f"pid {holder.pid}" in str(err.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_stale_pid_in_the_lock_file_is_not_named_as_the_holder(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    stale = dead_pid()
    holder = hold_in_child(path, stale)
    try:
        with pytest.raises(StoreLocked) as err:
            WriterLock(path, timeout=0.2).acquire()
        text = str(err.value)
        assert err.value.pid == holder.pid  # found through /proc, not the file
        assert f"pid {holder.pid}" in text and f"names pid {stale}, which is not running" in text
    finally:
        holder.kill()
        holder.wait()
    started = time.monotonic()
    WriterLock(path, timeout=2.0).acquire()  # the holder is gone: the lock is free at once
    assert time.monotonic() - started < 1.0
