"""Writing the files chipwire hands to people: all or nothing, and never over another by accident.

Digests, OPML exports and a starter themes file are meant to be read, mailed and edited
elsewhere. Each is written to a temp file beside its target and then linked (a new file) or
renamed (an explicit overwrite) into place, so a reader never sees half a file and an existing
file is only replaced when the user asked for it — even if another writer races us to the name.
The writing itself is :func:`feeds.atomicfile.write_atomic`, the one writer outside the store
(it also writes ``feeds.toml``, which ``feeds/`` owns and which cannot import ``core``).
"""

from __future__ import annotations

from pathlib import Path

from feeds.atomicfile import write_atomic

__all__ = ["write_file"]


def write_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` atomically; an overwrite of a symlink writes through to its target.

    Raises:
        FileExistsError: ``path`` exists and ``replace`` is false (nothing is written).
        OSError: the folder is missing or the write failed (nothing is left behind); its
            ``filename`` is ``path``.
    """
    write_atomic(path, data, replace=replace)
