"""Writing the files chipwire hands to people: all or nothing, and never over another by accident.

Digests, OPML exports and a starter themes file are meant to be read, mailed and edited
elsewhere. Each is written to a temp file beside its target and then linked (a new file) or
renamed (an explicit overwrite) into place, so a reader never sees half a file and an existing
file is only replaced when the user asked for it — even if another writer races us to the name.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["write_file"]


def write_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` to ``path`` atomically.

    Raises:
        FileExistsError: ``path`` exists and ``replace`` is false (nothing is written).
        OSError: the folder is missing or the write failed (nothing is left behind).
    """
    # Not mkstemp: its 0600 would make a file meant for sharing (a digest, an OPML export)
    # unreadable to the reader's other tools and accounts; O_EXCL with 0666 gives the umask's
    # usual permissions.
    # os.urandom, not the secrets module: the same bytes, without ~10 ms of imports (hmac,
    # random...) on every chipwire start (the CLI imports this with its export command).
    tmp = str(path.parent / f".chipwire-{os.urandom(8).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the bytes are on disk before the name points at them
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the name is taken, even by a file created meanwhile
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
