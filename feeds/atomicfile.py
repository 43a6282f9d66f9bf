"""The one atomic file writer for every file chipwire writes outside the store.

Why here, in ``feeds/``: ``feeds.toml`` is written by :mod:`feeds.subscriptions` (adds, removes,
OPML imports, a 301's new URL), and ``feeds/`` may import nothing above it; ``core.files``
(digests, OPML exports, a starter themes file) builds on this module, so both go through one
writer. The store keeps its own (``store/_atomic.py``): it is self-contained by design.

What it guarantees:

* all or nothing: a temp file beside the target, fsync, then a rename (or a link, for a new
  file that must not replace another), then an fsync of the folder;
* a symlink is written *through*: a ``feeds.toml`` or ``config.toml`` that links into a
  dotfiles repository stays a link, and its target is replaced atomically in its own folder
  (a rename over the link would turn it into a regular file and fork the user's dotfiles);
* an existing file keeps its permission bits;
* every ``OSError`` names the path the user knows (the link, not the temp file), because
  ``write()`` failing with ENOSPC or a rename onto a folder (EISDIR) carries no file name.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path | str, data: bytes, *, replace: bool = True, new_mode: int = 0o666) -> Path:
    """Write ``data`` to ``path`` atomically; returns the file actually written (a link's target).

    Args:
        path: the file to write; a symlink is followed to its final target.
        data: the whole new content.
        replace: False refuses to replace an existing file, even one created meanwhile.
        new_mode: permission bits of a file that did not exist (the umask applies); an
            existing file keeps its own.

    Raises:
        FileExistsError: ``path`` exists and ``replace`` is false (nothing is written).
        OSError: the write failed; ``filename`` is ``path``. Nothing is left behind.
    """
    path = Path(path)
    target = Path(os.path.realpath(path)) if replace else path
    try:
        _write(target, data, replace=replace, new_mode=new_mode)
    except OSError as exc:
        if exc.filename == str(path) and exc.filename2 is None:
            raise
        # OSError(errno, ...) builds the matching subclass (FileExistsError, IsADirectoryError...).
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    return target


def _write(target: Path, data: bytes, *, replace: bool, new_mode: int) -> None:
    try:
        mode: int | None = os.stat(target).st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    # O_EXCL with an explicit mode (not mkstemp's fixed 0600): a digest meant for sharing gets
    # the umask's usual bits. os.urandom, not secrets: the same bytes without its imports.
    tmp = str(target.parent / f".{target.name}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, new_mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
        if mode is not None:
            os.chmod(tmp, mode)
        if replace:
            os.replace(tmp, target)
        else:
            os.link(tmp, target)  # fails if the name is taken, even by a file created meanwhile
    finally:
        if os.path.lexists(tmp):  # after a link, or a failure; a rename took it already
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not possible on every platform or file system."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
