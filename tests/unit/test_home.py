"""Home folder resolution and layout."""

from __future__ import annotations

import stat
from pathlib import Path

import platformdirs
import pytest

from store.home import HomePaths, resolve_home


def test_cli_flag_beats_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHIPWIRE_HOME", str(tmp_path / "env"))
    assert resolve_home(tmp_path / "cli") == tmp_path / "cli"
    assert resolve_home(str(tmp_path / "cli")) == tmp_path / "cli"


def test_environment_then_platformdirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHIPWIRE_HOME", str(tmp_path / "env"))
    assert resolve_home(None) == tmp_path / "env"
    monkeypatch.setenv("CHIPWIRE_HOME", "")
    assert resolve_home(None) == Path(platformdirs.user_data_path("chipwire"))
    monkeypatch.delenv("CHIPWIRE_HOME")
    assert resolve_home(None) == Path(platformdirs.user_data_path("chipwire"))


def test_tilde_is_expanded_and_nothing_is_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_home("~/cw") == tmp_path / "cw"
    monkeypatch.setenv("CHIPWIRE_HOME", "~/envcw")
    assert resolve_home(None) == tmp_path / "envcw"
    assert not (tmp_path / "cw").exists() and not (tmp_path / "envcw").exists()


def test_paths_and_ensure(tmp_path: Path) -> None:
    home = HomePaths(tmp_path / "h")
    assert home.feeds_file == tmp_path / "h" / "feeds.toml"
    assert home.config_file.name == "config.toml"
    assert home.themes_file.name == "themes.toml"
    assert home.ignore_file.name == "ignore.toml"
    assert home.db_dir == tmp_path / "h" / "db"
    assert home.exports_dir == tmp_path / "h" / "exports"
    assert home.lock_file == home.db_dir / ".lock"
    assert not home.root.exists()
    assert home.ensure() is home
    assert home.db_dir.is_dir()
    assert stat.S_IMODE(home.root.stat().st_mode) == 0o700
    home.ensure()  # idempotent
