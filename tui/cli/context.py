"""What every CLI command gets: the home, the clock, output streams and lazily opened services.

Commands receive a :class:`Context` rather than reaching for globals so tests can run them
in-process with their own home, clock and streams, and so nothing heavy (TinyDB, feedparser,
the tagger) is imported unless the command actually needs it.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from store.home import HomePaths

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.themes import ThemeSet
    from store import Store
    from core.settings import Settings


class CliError(Exception):
    """A user-facing error: printed as one line, never as a traceback.

    Attributes:
        code: the process exit code (2 usage/config, 3 store locked or corrupt).
    """

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def write_output(path: Path, text: str, *, force: bool = False) -> None:
    """Write a file the user asked for (``-o``): UTF-8, atomically, never over another unasked.

    Raises:
        CliError: the file exists (without ``force``), its folder is missing, or the write
            failed — one line naming the file, never a traceback.
    """
    from core.files import write_file

    if path.exists() and not force:
        raise CliError(f"{path} already exists; use --force to overwrite it or -o to choose another file")
    if not path.parent.is_dir():
        raise CliError(f"cannot write {path}: folder {path.parent} does not exist")
    try:
        write_file(path, text.encode("utf-8"), replace=force)
    except FileExistsError:
        raise CliError(f"{path} already exists; use --force to overwrite it") from None
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc.strerror or exc}") from None


def parse_now(text: str) -> datetime:
    """Parse an ISO 8601 time (``Z`` allowed) into an aware UTC datetime."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


@dataclass
class Context:
    """Per-invocation state shared by the CLI commands."""

    paths: HomePaths
    out: IO[str] = field(default_factory=lambda: sys.stdout)
    err: IO[str] = field(default_factory=lambda: sys.stderr)
    frozen_now: datetime | None = None
    _store: "Store | None" = None
    _settings: "Settings | None" = None
    _themes: "ThemeSet | None" = None

    def now(self) -> datetime:
        """The current time in UTC; ``CHIPWIRE_NOW`` freezes it for tests and golden files."""
        if self.frozen_now is not None:
            return self.frozen_now
        env = os.environ.get("CHIPWIRE_NOW")
        if env:
            try:
                return parse_now(env)
            except ValueError:
                raise CliError(f"CHIPWIRE_NOW={env!r} is not an ISO 8601 time") from None
        return datetime.now(timezone.utc).replace(microsecond=0)

    def settings(self) -> "Settings":
        """The typed config.toml settings (defaults when the file is missing)."""
        if self._settings is None:
            from core.settings import SettingsError, load_settings

            path = Path(os.environ["CHIPWIRE_CONFIG"]) if os.environ.get("CHIPWIRE_CONFIG") else self.paths.config_file
            try:
                from tui.keymap import BINDING_IDS  # the CLI reports an unknown [keys] id with its line

                self._settings = load_settings(path, BINDING_IDS)
            except SettingsError as exc:
                raise CliError(str(exc)) from None
        return self._settings

    def open_store(self, readonly: bool = False) -> "Store":
        """Open the store once per invocation; store errors become exit code 3.

        ``readonly`` is for commands that only read: ``Store.open_read_only`` takes no lock and
        writes nothing, so they work on a read-only home and never wait for a refresh.
        """
        if self._store is None:
            from store import Store, StoreError

            if not readonly:
                self.paths.ensure()
            try:
                self._store = (Store.open_read_only(self.paths.db_dir) if readonly
                               else Store.open(self.paths.db_dir))
            except StoreError as exc:
                raise CliError(str(exc), code=3) from None
        return self._store

    def themes(self) -> "ThemeSet":
        """The theme set in force: the user's themes.toml when valid, else the built-in one.

        A broken user file is reported on stderr (file and line) and the built-in set is used,
        so a typo in a lexicon never stops the morning briefing.
        """
        if self._themes is None:
            from briefing.themes import load_themes

            themes, warning = load_themes(self.paths.themes_file if self.paths.themes_file.exists() else None)
            if warning:
                self.warn(warning)
            self._themes = themes
        return self._themes

    def warn(self, message: str) -> None:
        """Print a one-line warning on stderr."""
        print(f"chipwire: warning: {message}", file=self.err)

    def json_out(self, obj: Any) -> None:
        """Write one JSON document to stdout (UTF-8, stable key order as given)."""
        json.dump(obj, self.out, ensure_ascii=False, indent=2)
        self.out.write("\n")

    def close(self) -> None:
        """Release the store (and its lock) at the end of the command."""
        if self._store is not None:
            self._store.close()
            self._store = None
