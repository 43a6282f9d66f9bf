"""The store's exceptions and schema version, in one leaf module so every part can import them."""

from __future__ import annotations

from pathlib import Path

SCHEMA_VERSION = 1
"""Version of the on-disk layout. Bumped only with a migration; files with a higher number are
never written to, so an older chipwire cannot silently downgrade a newer one's data."""


UNTOUCHED = "It was left untouched; move it aside with `chipwire store quarantine FILE` to start that file afresh."
"""Appended to corrupt-file messages: what happened to the file and what the user can do."""


class StoreError(Exception):
    """A store file cannot be used as it is (corrupt, newer schema, read-only misuse).

    The file named by ``path`` is never overwritten after this is raised: the user decides,
    e.g. by quarantining it (``store.quarantine``) and refreshing again.
    """

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class StoreLocked(StoreError):
    """Another process holds the writer lock; the message names its pid and what to do."""

    def __init__(self, path: str | Path, message: str, pid: int | None) -> None:
        self.pid = pid
        super().__init__(path, message)
