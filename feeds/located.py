"""The error every human-edited file reports: "<file> line <n>: <what is wrong>", on one line.

feeds.toml, OPML files and config.toml all give the person the same shape of message, so it
lives once, low enough (feeds/ imports nothing of ours) for core.settings to use as well.
"""

from __future__ import annotations

from pathlib import Path


class LocatedError(Exception):
    """A problem at a place in a file; ``str()`` is ``"<path> line <n>: <message>"`` (or without the line)."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path} line {line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")
