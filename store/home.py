"""Where chipwire keeps its files: ``--home DIR``, else ``$CHIPWIRE_HOME``, else platformdirs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "CHIPWIRE_HOME"


def resolve_home(cli_home: str | Path | None) -> Path:
    """The home folder, by precedence: the CLI flag, the environment, the per-OS data dir.

    Creates nothing: read-only commands (``items``, ``--help``) must not leave folders behind.
    An empty ``$CHIPWIRE_HOME`` counts as unset.
    """
    if cli_home is not None and str(cli_home) != "":
        return Path(cli_home).expanduser()
    env = os.environ.get(ENV_VAR, "")
    if env.strip():
        return Path(env).expanduser()
    import platformdirs  # deferred: only needed when no home was given

    return Path(platformdirs.user_data_path("chipwire"))


@dataclass(frozen=True)
class HomePaths:
    """Named paths inside one home folder (layout in docs/ARCHITECTURE.md)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).expanduser())

    @property
    def feeds_file(self) -> Path:
        return self.root / "feeds.toml"

    @property
    def config_file(self) -> Path:
        return self.root / "config.toml"

    @property
    def themes_file(self) -> Path:
        return self.root / "themes.toml"

    @property
    def ignore_file(self) -> Path:
        return self.root / "ignore.toml"

    @property
    def db_dir(self) -> Path:
        return self.root / "db"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def lock_file(self) -> Path:
        """The writer lock. It lives in ``db/`` because ``Store.open(db_dir)`` takes only that folder."""
        return self.db_dir / ".lock"

    def ensure(self) -> "HomePaths":
        """Create the home (private, 0o700) and its db/ folder; existing folders keep their mode."""
        if not self.root.exists():
            self.root.mkdir(parents=True, mode=0o700)
        self.db_dir.mkdir(exist_ok=True, mode=0o700)
        return self
