"""The cross-process writer lock (``db/.lock``, fcntl.flock), re-entrant within one process.

Why flock: the kernel drops it when the holder dies (even on SIGKILL), so there is no stale lock
to clean up; the pid written into the file is only there to tell the user who holds it.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._errors import StoreLocked


class WriterLock:
    """Non-blocking flock with a short wait, then StoreLocked naming the holder's pid.

    Re-entrant across threads of this process on purpose: a refresh holds it for its whole run
    (``Store.writer()``) while the UI thread may still star an item; the Store's own mutex
    serialises the actual file work inside the process.
    """

    def __init__(self, path: Path, timeout: float = 2.0) -> None:
        self.path = path
        self.timeout = timeout
        self._guard = threading.Lock()
        self._fd: int | None = None
        self._depth = 0

    @property
    def held(self) -> bool:
        return self._depth > 0

    def acquire(self) -> None:
        with self._guard:
            if self._depth:
                self._depth += 1
                return
            fd = _acquire_fd(self.path, self.timeout)
            # Fixed width, so no truncate is needed (a truncate costs a metadata journal commit).
            os.pwrite(fd, f"{os.getpid():<20}\n".encode(), 0)
            self._fd = fd
            self._depth = 1

    def release(self) -> None:
        with self._guard:
            if not self._depth:
                raise RuntimeError("writer lock released more often than acquired")
            self._depth -= 1
            if self._depth == 0 and self._fd is not None:
                fd, self._fd = self._fd, None
                try:
                    fcntl.flock(fd, fcntl.LOCK_UN)
                finally:
                    os.close(fd)

    @contextmanager
    def hold(self) -> Iterator[None]:
        self.acquire()
        try:
            yield
        finally:
            self.release()


def _acquire_fd(path: Path, timeout: float) -> int:
    """An fd holding an exclusive flock on ``path``, waiting up to ``timeout`` seconds.

    Waits in a blocking flock (on a helper thread, so the wait can time out) rather than by
    polling: the kernel wakes a blocked waiter the moment the lock is released, whereas a poller
    can keep missing the short gaps of a busy writer and starve. On timeout the helper keeps
    the fd; if it gets the lock later it releases it at once, so nothing leaks but the fd.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        if timeout <= 0:
            os.close(fd)
            raise _locked(path) from None
    except BaseException:
        os.close(fd)
        raise
    got = threading.Event()
    guard = threading.Lock()
    outcome = {"cancelled": False, "ok": False}

    def wait_for_it() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            os.close(fd)
            got.set()
            return
        with guard:
            if outcome["cancelled"]:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
                return
            outcome["ok"] = True
        got.set()

    threading.Thread(target=wait_for_it, name="chipwire-store-lock", daemon=True).start()
    got.wait(timeout)
    with guard:
        if outcome["ok"]:
            return fd
        outcome["cancelled"] = True
    raise _locked(path)


def _locked(path: Path) -> StoreLocked:
    pid = _read_pid_at(path)
    who = f"pid {pid}" if pid else "an unknown pid"
    return StoreLocked(
        path,
        f"the store is being written by another chipwire process ({who}). Wait for it to finish "
        "(e.g. a refresh) and try again; the lock frees itself when that process exits.",
        pid,
    )


def _read_pid_at(path: Path) -> int | None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        return _read_pid(fd)
    finally:
        os.close(fd)


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
