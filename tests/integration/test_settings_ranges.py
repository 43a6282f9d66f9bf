"""config.toml numbers: every one has a sane range, and no value of any type or size crashes the loader.

Why: ``retention_days = 800000`` used to pass validation and then overflow a date inside every
refresh (a traceback and exit 1, "some feeds failed"). Out of range is now a SettingsError naming
the file and line, which the CLI turns into exit 2 before anything runs.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from core.settings import LIMITS, Settings, SettingsError, load_settings, parse_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("store", "retention_days", "800000"),
        ("store", "retention_days", "9" * 30),
        ("fetch", "max_bytes", '"5GiB"'),
        ("fetch", "max_bytes", '"' + "9" * 400 + '"'),  # float('9'*400) is inf
        ("fetch", "concurrency", "100000"),
        ("fetch", "per_host", "65"),
        ("fetch", "deadline", "1e308"),
        ("fetch", "connect_timeout", "9" * 40),  # float() of a huge int overflows
        ("fetch", "read_timeout", '"9999999d"'),
        ("fetch", "default_interval", '"1000000d"'),
        ("app", "auto_refresh", '"3650d"'),
    ],
)
def test_out_of_range_names_file_and_line(tmp_path: Path, section: str, key: str, value: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"# mine\n[{section}]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(SettingsError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith(f"{path} line 3: [{section}] {key}:")
    assert len(message) < 250 and "\n" not in message


@pytest.mark.parametrize(("section", "key"), sorted(LIMITS))
def test_both_ends_of_every_range_load(tmp_path: Path, section: str, key: str) -> None:
    lo, hi, _unit = LIMITS[(section, key)]
    for value in (lo, hi):
        if section == "app" and 0 < value < 60:
            continue
        text = f"[{section}]\n{key} = {value!r}\n" if not float(value).is_integer() else f"[{section}]\n{key} = {int(value)}\n"
        parsed = parse_settings(text)
        assert getattr(getattr(parsed, section), key) == value
    over = hi + 1 if float(hi).is_integer() else hi * 2
    with pytest.raises(SettingsError, match="at most"):
        parse_settings(f"[{section}]\n{key} = {int(over)}\n")


def test_cli_exit_2_not_a_traceback(tmp_path: Path) -> None:
    """The reported crash: a refresh with a huge retention is a config error, exit 2."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text("[store]\nretention_days = 800000\n", encoding="utf-8")
    (home / "feeds.toml").write_text("", encoding="utf-8")
    env = dict(os.environ, CHIPWIRE_HOME=str(home))
    env.pop("CHIPWIRE_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "refresh"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"{home / 'config.toml'} line 2: [store] retention_days" in done.stderr


# --------------------------------------------------------------------------- fuzzing

_KEYS = {section: key for section, key in LIMITS} | {"hook": "new_items", "export": "tz"}
_ALL_KEYS = sorted({key for _s, key in LIMITS} | {"new_items", "show_analysis", "tz", "auto_refresh"})
_SECTIONS = ["fetch", "store", "hook", "app", "export", "keys", "fech"]


def _toml_value(value: object) -> str:
    """A TOML literal for a generated value (floats incl. inf/nan, huge ints, nested lists)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON escapes are TOML basic-string escapes (lone surrogates: a TOML error)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


_magnitudes = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**4000), max_value=10**4000),
    st.sampled_from([0, -1, 1, 59, 60, 1023, 1024, 2**31, 2**63 - 1, 2**63, 10**18, 800000]),
)
_durations = st.builds(lambda n, unit: f"{n}{unit}", st.integers(min_value=-5, max_value=10**30),
                       st.sampled_from(["", "s", "m", "h", "d", "w", "KiB", "MiB", "GiB", "GB", "x", " "]))
_scalars = st.one_of(
    st.booleans(), _magnitudes, st.floats(allow_nan=True, allow_infinity=True), _durations,
    st.text(max_size=30), st.sampled_from(["off", "local", "UTC", "Europe/Berlin", "s,S", "9" * 400]),
)
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.sampled_from(_ALL_KEYS), inner, max_size=2), max_leaves=6)
_tables = st.dictionaries(st.sampled_from(_ALL_KEYS + ["star", "quit", "bogus"]), _values, max_size=4)
_documents = st.dictionaries(st.sampled_from(_SECTIONS), _tables, max_size=4)


@hsettings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_documents)
def test_fuzz_loader_returns_settings_or_settings_error(tmp_path_factory: pytest.TempPathFactory,
                                                        document: dict) -> None:
    """Any document: valid Settings whose numbers are in range, or a SettingsError — nothing else."""
    text = "".join(f"[{section}]\n" + "".join(f"{json.dumps(k)} = {_toml_value(v)}\n" for k, v in table.items())
                   for section, table in document.items())
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        loaded = load_settings(path)
    except SettingsError as exc:
        assert str(exc).startswith(str(path))
        assert "\n" not in str(exc) and len(str(exc)) < 400
        return
    assert isinstance(loaded, Settings)
    for (section, key), (lo, hi, _unit) in LIMITS.items():
        assert lo <= getattr(getattr(loaded, section), key) <= hi


@pytest.mark.parametrize("value", ['"400d"', "99999999999", '"' + "9" * 400 + 'd"', "9" * 5000])
def test_feeds_toml_min_interval_is_bounded(tmp_path: Path, value: str) -> None:
    from feeds.subscriptions import ConfigError, load_subscriptions

    path = tmp_path / "feeds.toml"
    path.write_text(f'[[feed]]\nurl = "https://a.example/rss"\nmin_interval = {value}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_subscriptions(path)
    assert str(info.value).startswith(str(path))
    assert len(str(info.value)) < 250
