"""Where a digest goes on disk: one naming rule and never-clobbering writes, for CLI and app.

``chipwire export`` and the app's ``e`` key name files the same way
(``chipwire-digest-<range>.md``) so a folder of digests sorts and reads alike whichever wrote
them. Writes go to a temp file first and are linked into place, so a reader never sees half a
digest and an existing file is never replaced by accident (a race with another writer included).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def digest_file_name(label: str, number: int = 1) -> str:
    """``chipwire-digest-<label>.md``, or ``...-<number>.md`` for the second and later copies."""
    return f"chipwire-digest-{label}.md" if number <= 1 else f"chipwire-digest-{label}-{number}.md"


def write_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` atomically.

    Raises:
        FileExistsError: ``path`` exists and ``replace`` is false (nothing is written).
        OSError: the folder is missing or the write failed (nothing is left behind).
    """
    # Not mkstemp: its 0600 would make a digest meant for sharing unreadable to the reader's
    # other tools and accounts; O_EXCL with 0666 gives the umask's usual permissions.
    tmp = str(path.parent / f".chipwire-digest-{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the name is taken, even by a file created meanwhile
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_new(folder: Path, label: str, text: str) -> Path:
    """Write a digest under the first free name in ``folder`` (``-2``, ``-3``... when taken).

    For the app, which has nobody to ask about overwriting. Creates ``folder`` if needed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    number = 1
    while True:
        path = folder / digest_file_name(label, number)
        try:
            write_file(path, data)
            return path
        except FileExistsError:
            number += 1
