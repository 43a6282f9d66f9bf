"""Where a digest goes on disk: one naming rule and never-clobbering writes, for CLI and app.

``chipwire export`` and the app's ``e`` key name files the same way
(``chipwire-digest-<range>.md``) so a folder of digests sorts and reads alike whichever wrote
them. Writes go to a temp file first and are linked into place, so a reader never sees half a
digest and an existing file is never replaced by accident (a race with another writer included).
"""

from __future__ import annotations

from pathlib import Path

from core.files import write_file

__all__ = ["digest_file_name", "write_file", "write_new"]


def digest_file_name(label: str, number: int = 1) -> str:
    """``chipwire-digest-<label>.md``, or ``...-<number>.md`` for the second and later copies."""
    return f"chipwire-digest-{label}.md" if number <= 1 else f"chipwire-digest-{label}-{number}.md"


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
