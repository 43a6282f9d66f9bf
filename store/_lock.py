"""The cross-process writer lock (``db/.lock``, fcntl.flock), re-entrant within one process.

Why flock: the kernel drops it when the holder dies (even on SIGKILL), so there is no stale lock
to clean up; the pid written into the file is only there to tell the user who holds it.

Why flock still needs care around fork: a flock belongs to the *open file description*, and a
forked child shares the parent's descriptions, so a child that keeps its copy of the fd keeps
the lock alive after the parent dies (a refresh killed by SIGKILL/SIGTERM left its parse workers
holding the store locked for good). OFD locks (``F_OFD_SETLK``) are bound to the description
in the same way, so they do not help. POSIX record locks (``F_SETLK``) are not inherited, but
the kernel drops them when the process closes *any* fd of the file (reading the holder's pid
would release our own lock) and they are per process, not re-entrant per description. So the
store keeps flock and closes the lock fd in every forked child, at once, with
``os.register_at_fork(after_in_child=...)``: the child never holds the lock, whatever forked
it (multiprocessing's fork context, ``os.fork``). Only ``close`` there, never ``LOCK_UN``: an
unlock through the shared description would release the parent's lock too. Exec'd children
(the hook, forkserver/spawn workers) never see the fd: ``os.open`` makes it close-on-exec.
"""

from __future__ import annotations

import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._errors import StoreLocked


#: Every lock of this process, so a forked child can drop their fds (see the module docstring).
_LIVE_LOCKS: "weakref.WeakSet[WriterLock]" = weakref.WeakSet()


def _forget_locks_in_child() -> None:
    """Runs in a freshly forked child: close (never unlock) the fd of every lock the parent held."""
    for lock in list(_LIVE_LOCKS):
        fd, lock._fd, lock._depth = lock._fd, None, 0
        lock._guard = threading.Lock()  # the parent's guard may have been held by another thread
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


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
        _LIVE_LOCKS.add(self)

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
    """StoreLocked naming a holder that is alive, or saying the recorded one is not."""
    pid = _read_pid_at(path)
    holders = [h for h in _holders_of(path) if h != os.getpid()]
    if pid and _alive(pid):
        who = f"pid {pid}"
    elif holders:
        who = f"pid {holders[0]}" + (f" (the lock file names pid {pid}, which is not running)" if pid else "")
        pid = holders[0]
    elif pid:
        who = f"pid {pid} is named in the lock file but is not running; no live holder was found"
    else:
        who = "an unknown pid"
    return StoreLocked(
        path,
        f"the store is being written by another chipwire process ({who}). Wait for it to finish "
        "(e.g. a refresh) and try again; the lock frees itself when that process exits.",
        pid,
    )


def _alive(pid: int) -> bool:
    """Is a process with this pid running (a zombie counts as gone)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return True


def _holders_of(path: Path) -> list[int]:
    """Pids that have ``path`` open, from ``/proc/*/fd`` (Linux; only processes we may inspect)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    try:
        target = os.path.realpath(path)
    except OSError:
        return []
    found: list[int] = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == target:
                    found.append(int(entry.name))
                    break
            except OSError:
                continue
    return sorted(found)


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
