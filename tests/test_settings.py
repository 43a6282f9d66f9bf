"""config.toml: defaults, every section parsed, and each mistake reported with file and line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tui.keymap import BINDING_IDS
from core.settings import (
    AppConfig,
    ExportConfig,
    FetchConfig,
    HookConfig,
    Settings,
    SettingsError,
    StoreConfig,
    load_settings,
    parse_duration,
    parse_size,
    resolve_config_path,
)

FULL = """\
# my chipwire config
[fetch]
max_bytes = "512KiB"
concurrency = 8
per_host = 2
connect_timeout = 5
read_timeout = 12.5
deadline = "1m"
default_interval = "30m"

[store]
retention_days = 90

[hook]
new_items = ["/usr/local/bin/notify", "--title", "chipwire"]

[app]
auto_refresh = "30m"
show_analysis = false

[export]
tz = "Asia/Taipei"

[keys]
star = "s,S"
refresh = ["r", "f5"]
"""


def write(tmp_path: Path, text: str) -> tuple[Path, bytes]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path, path.read_bytes()


def test_missing_file_is_defaults(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "config.toml")
    assert settings == Settings()
    assert settings.fetch.max_bytes == 10 * 1024 * 1024
    assert (settings.fetch.concurrency, settings.fetch.per_host) == (50, 3)
    assert (settings.fetch.connect_timeout, settings.fetch.read_timeout, settings.fetch.deadline) == (10, 20, 45)
    assert settings.fetch.default_interval == 0  # no minimum of our own: feeds ask via ttl/Cache-Control
    assert settings.store.retention_days == 365
    assert settings.hook.new_items == ()
    assert settings.app == AppConfig(auto_refresh=0, show_analysis=True)
    assert settings.export.tz == "UTC"
    assert settings.app.tz == "local"  # the app shows times in the local zone unless told
    assert dict(settings.keys) == {}
    assert not (tmp_path / "config.toml").exists()  # loading never creates it


def test_empty_file_is_defaults(tmp_path: Path) -> None:
    path, _ = write(tmp_path, "# nothing yet\n")
    assert load_settings(path) == Settings(source=path)


def test_full_file(tmp_path: Path) -> None:
    path, _ = write(tmp_path, FULL)
    s = load_settings(path)
    assert s.fetch == FetchConfig(max_bytes=512 * 1024, concurrency=8, per_host=2, connect_timeout=5.0,
                                  read_timeout=12.5, deadline=60.0, default_interval=1800)
    assert s.store == StoreConfig(retention_days=90)
    assert s.hook == HookConfig(new_items=("/usr/local/bin/notify", "--title", "chipwire"))
    assert s.app == AppConfig(auto_refresh=1800, show_analysis=False)
    assert s.export == ExportConfig(tz="Asia/Taipei")
    assert dict(s.keys) == {"star": "s,S", "refresh": "r,f5"}
    assert s.source == path


@pytest.mark.parametrize("value", ["0", "\"off\"", "\"OFF\"", "false", "\"0\""])
def test_auto_refresh_off(tmp_path: Path, value: str) -> None:
    path, _ = write(tmp_path, f"[app]\nauto_refresh = {value}\n")
    assert load_settings(path).app.auto_refresh == 0


def test_dotted_keys_at_top_level(tmp_path: Path) -> None:
    path, _ = write(tmp_path, 'fetch.concurrency = 4\napp.auto_refresh = "1h"\n')
    s = load_settings(path)
    assert (s.fetch.concurrency, s.app.auto_refresh) == (4, 3600)


@pytest.mark.parametrize(
    ("text", "line", "needles"),
    [
        ("[fetch]\nconcurrency = 4\n\nmax_bytes = \n", 4, ("column",)),  # TOML syntax
        ("# c\n[fetch]\nconcurency = 4\n", 3, ("unknown key 'concurency' in [fetch]", "did you mean 'concurrency'?")),
        ("[fetch]\nconcurrency = 4\n[store]\nretention = 30\n", 4, ("in [store]", "did you mean 'retention_days'")),
        ("\n\n[fech]\nconcurrency = 4\n", 3, ("unknown section 'fech'", "did you mean 'fetch'")),
        ("\n[zzz]\n", 2, ("unknown section 'zzz'", "known: fetch, store, hook, app, export, keys")),
        ("concurrency = 4\n", 1, ("must go in the [fetch] section",)),
        ("fetch = 4\n", 1, ("must be a section: [fetch]",)),
        ("[fetch]\nconcurrency = \"8\"\n", 2, ("[fetch] concurrency", "whole number")),
        ("[fetch]\nconcurrency = 0\n", 2, ("between 1 and 256",)),
        ("[fetch]\nper_host = 3.5\n", 2, ("whole number",)),
        ("[fetch]\nmax_bytes = \"10 potatoes\"\n", 2, ("[fetch] max_bytes", "10MiB")),
        ("[fetch]\nmax_bytes = 12\n", 2, ("at least 1024",)),
        ("[fetch]\nread_timeout = \"soon\"\n", 2, ("[fetch] read_timeout", "30m")),
        ("[fetch]\ndeadline = -1\n", 2, ("negative",)),
        ("[fetch]\ndefault_interval = true\n", 2, ("default_interval",)),
        ("[store]\nretention_days = 0\n", 2, ("at least 1",)),
        ("[hook]\nnew_items = \"notify-send chipwire\"\n", 2, ("list of arguments", "never runs a shell")),
        ("[hook]\nnew_items = [\"a\", 1]\n", 2, ("list of strings",)),
        ("[hook]\nnew_items = [\"\"]\n", 2, ("empty",)),
        ("[app]\nauto_refresh = \"10s\"\n", 2, ("under a minute",)),
        ("[app]\nshow_analysis = \"yes\"\n", 2, ("true or false",)),
        ("[app]\ntz = \"Asia/Taipai\"\n", 2, ("[app] tz", "unknown time zone", "Asia/Taipei")),
        ("[export]\ntz = \"Europe/Berln\"\n", 2, ("[export] tz", "unknown time zone", "Europe/Berlin")),
        ("[export]\ntz = 5\n", 2, ("[export] tz", "zone name")),
        ("[keys]\nstra = \"x\"\n", 2, ("unknown binding id 'stra'", "did you mean 'star'")),
        ("[keys]\nstar = 5\n", 2, ("[keys] star",)),
        ("[keys]\nstar = \" , \"\n", 2, ("no key",)),
        ("[app]\n[fetch]\nx = 1\n", 3, ("unknown key 'x' in [fetch]",)),
        ("fetch.concurency = 1\n", 1, ("did you mean 'concurrency'",)),
    ],
)
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, needles: tuple[str, ...]) -> None:
    path, before = write(tmp_path, text)
    with pytest.raises(SettingsError) as exc:
        load_settings(path, BINDING_IDS)
    message = str(exc.value)
    assert message.startswith(f"{path} line {line}: "), message
    assert exc.value.line == line
    for needle in needles:
        assert needle in message, message
    assert message.count("\n") == 0
    assert path.read_bytes() == before


def test_multiline_strings_do_not_shift_lines(tmp_path: Path) -> None:
    path, _ = write(tmp_path, '[hook]\nnew_items = ["a", """\n[fetch]\nbogus = 1\n"""]\n[app]\nbogus = 2\n')
    with pytest.raises(SettingsError) as exc:
        load_settings(path)
    assert exc.value.line == 7 and "in [app]" in str(exc.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"[app]\n# caf\xe9\n")
    with pytest.raises(SettingsError) as exc:
        load_settings(path)
    assert f"{path} line 2:" in str(exc.value) and "UTF-8" in str(exc.value)


def test_every_key_default_is_documented() -> None:
    """The model promises a docstring per field; the source must have one after each field."""
    import inspect

    import core.settings as mod

    for cls in (FetchConfig, StoreConfig, HookConfig, AppConfig, Settings):
        src = inspect.getsource(cls)
        for name in cls.__dataclass_fields__:
            after = src.split(f"    {name}:", 1)[1].split("\n", 2)[1]
            assert after.strip().startswith('"""'), f"{cls.__name__}.{name} has no docstring"
    assert mod.__doc__ and "CHIPWIRE_CONFIG" in mod.__doc__


def test_keys_section_accepts_every_binding_id(tmp_path: Path) -> None:
    path, _ = write(tmp_path, "[keys]\n" + "".join(f'{b} = "ctrl+{i}"\n' for i, b in enumerate(sorted(BINDING_IDS))))
    assert set(load_settings(path, BINDING_IDS).keys) == BINDING_IDS


def test_resolve_config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = tmp_path / "home" / "config.toml"
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    assert resolve_config_path(default) == default
    monkeypatch.setenv("CHIPWIRE_CONFIG", str(tmp_path / "other.toml"))
    assert resolve_config_path(default) == tmp_path / "other.toml"


@pytest.mark.parametrize(("value", "size"), [
    (0, 0), (2048, 2048), ("2048", 2048), ("512KiB", 524288), ("10MiB", 10485760), ("10 mib", 10485760),
    ("10MB", 10_000_000), ("1k", 1024), ("1.5MiB", 1572864), ("1GiB", 1 << 30), ("3B", 3),
])
def test_parse_size(value, size: int) -> None:
    assert parse_size(value) == size


@pytest.mark.parametrize("value", ["", "MiB", "10 XB", "-1", -1, True, 1.5, None, "10MiB!"])
def test_parse_size_rejects(value) -> None:
    with pytest.raises(ValueError):
        parse_size(value)


def test_parse_duration() -> None:
    assert parse_duration("15m") == 900
    assert parse_duration("1d") == 86400
    assert parse_duration(30) == 30
    with pytest.raises(ValueError):
        parse_duration("fortnight")


def test_importing_settings_does_not_import_textual() -> None:
    code = "import sys, core.settings; s = core.settings.Settings(); print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
