"""The cross-process writer lock (``db/.lock``, fcntl.flock), re-entrant within one process.

Why flock: the kernel drops it when the holder dies (even on SIGKILL), so there is no stale lock
to clean up; the pid written into the file is only there to tell the user who holds it.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
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
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            deadline = time.monotonic() + self.timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        pid = _read_pid(fd)
                        os.close(fd)
                        who = f"pid {pid}" if pid else "an unknown pid"
                        raise StoreLocked(
                            self.path,
                            f"the store is being written by another chipwire process ({who}). "
                            "Wait for it to finish (e.g. a refresh) and try again; the lock frees "
                            "itself when that process exits.",
                            pid,
                        ) from None
                    time.sleep(0.02)
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


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None
