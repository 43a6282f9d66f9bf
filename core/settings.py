"""Settings: the optional, human-edited ``config.toml`` as a typed, validated model.

Where the file is: ``HOME/config.toml`` (see ``store.home``), unless the ``CHIPWIRE_CONFIG``
environment variable names another file (:func:`resolve_config_path`); handy for trying a
config without touching the real one. A missing file means all defaults.

Example::

    [fetch]
    max_bytes = "10MiB"        # per-feed cap on the decoded body: an int of bytes or "512KiB", "10MiB"
    concurrency = 50
    per_host = 3
    connect_timeout = 10       # seconds, or a duration such as "10s"
    read_timeout = 20
    deadline = 45
    default_interval = "15m"   # minimum time between refreshes of one feed (default 0: only the feed's own ttl/Cache-Control)

    [store]
    retention_days = 365

    [hook]
    new_items = ["/path/to/cmd", "arg"]   # argv list, never a shell string; new items as JSON on stdin

    [app]
    auto_refresh = "30m"       # or 0 / "off"
    show_analysis = true
    tz = "Asia/Taipei"         # item times in the app: an IANA zone, "local" (default) or "UTC"

    [export]
    tz = "Europe/Berlin"       # item times in digests: an IANA zone, "local" or "UTC" (default)

    [keys]
    star = "s,S"               # binding id = comma-separated keys (ids: see ``tui.keymap``)

The file is validated strictly, because a silently ignored typo is worse than an error: unknown
sections and keys (with the closest match suggested), wrong types, bad sizes or durations and
numbers outside their sane range (:data:`LIMITS`) raise :class:`SettingsError`, whose message
names the file and line. Every number has an upper bound as well as a lower one: a value such
as ``retention_days = 800000`` would otherwise pass here and overflow a date far downstream.

This module must not import Textual: the CLI and the pipeline load settings without paying for it.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Collection, Mapping

__all__ = [
    "AppConfig",
    "ExportConfig",
    "CONFIG_ENV",
    "FetchConfig",
    "HookConfig",
    "LIMITS",
    "Settings",
    "SettingsError",
    "StoreConfig",
    "load_settings",
    "parse_duration",
    "parse_settings",
    "parse_size",
    "resolve_config_path",
]

#: Environment variable that points chipwire at another config file.
CONFIG_ENV = "CHIPWIRE_CONFIG"

MiB = 1024 * 1024
GiB = 1024 * MiB
DAY = 86400


class SettingsError(Exception):
    """A ``config.toml`` that cannot be used; ``str()`` is the one-line message for the CLI."""

    def __init__(self, path: Path | str, line: int | None, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        where = f"{self.path} line {line}" if line else str(self.path)
        super().__init__(f"{where}: {message}")


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class FetchConfig:
    """``[fetch]``: how feeds are downloaded."""

    max_bytes: int = 10 * MiB
    """Largest decoded body accepted per feed, in bytes (a bigger one is a per-feed error)."""
    concurrency: int = 50
    """Feeds fetched at the same time."""
    per_host: int = 3
    """Feeds fetched at the same time from one host (be polite to one server)."""
    connect_timeout: float = 10.0
    """Seconds to wait for a connection."""
    read_timeout: float = 20.0
    """Seconds to wait between bytes of a response."""
    deadline: float = 45.0
    """Seconds one feed may take in all, however slowly its bytes trickle in."""
    default_interval: int = 0
    """Seconds before a feed is fetched again unless it sets its own ``min_interval``.

    0 (the default) adds no minimum of our own: a refresh fetches every feed except those whose
    ``<ttl>``, Cache-Control or Retry-After asked us to wait, so pressing ``r`` twice does what
    it says. Set it to throttle a cron job that runs more often than the feeds change."""


@dataclass(frozen=True)
class StoreConfig:
    """``[store]``: what is kept."""

    retention_days: int = 365
    """Items older than this are pruned (starred items are the store's to keep)."""


@dataclass(frozen=True)
class HookConfig:
    """``[hook]``: commands run after a refresh."""

    new_items: tuple[str, ...] = ()
    """argv of a command run after a refresh that stored new items; receives them as a JSON
    array on stdin. A list of arguments, never a shell string, so feed text cannot reach a shell.
    Empty: no hook."""


@dataclass(frozen=True)
class AppConfig:
    """``[app]``: the TUI."""

    auto_refresh: int = 0
    """Seconds between automatic refreshes while the app is open; 0 (or "off") disables them."""
    show_analysis: bool = True
    """Show the analysis pane (the essay's thesis for the selected theme) at start."""
    tz: str = "local"
    """The zone item times are shown in (the header names it); days stay UTC days."""


@dataclass(frozen=True)
class ExportConfig:
    """``[export]``: Markdown digests (``chipwire export`` and the app's ``e``)."""

    tz: str = "UTC"
    """Zone for item times: an IANA name ("Europe/Berlin"), "local" or "UTC". Days stay UTC
    days; ``--tz`` overrides it for one export."""


@dataclass(frozen=True)
class Settings:
    """All of ``config.toml``; every field has a default, so a missing file is valid."""

    fetch: FetchConfig = field(default_factory=FetchConfig)
    """``[fetch]`` section."""
    store: StoreConfig = field(default_factory=StoreConfig)
    """``[store]`` section."""
    hook: HookConfig = field(default_factory=HookConfig)
    """``[hook]`` section."""
    app: AppConfig = field(default_factory=AppConfig)
    """``[app]`` section."""
    export: ExportConfig = field(default_factory=ExportConfig)
    """``[export]`` section."""
    keys: Mapping[str, str] = field(default_factory=dict)
    """``[keys]``: binding id -> comma-separated keys, for ``App.set_keymap``."""
    source: Path | None = None
    """The file these settings came from, or None for built-in defaults."""


# --------------------------------------------------------------------------- value parsers


def parse_duration(value: Any) -> int:
    """Seconds from an int or text like ``"90"``, ``"45s"``, ``"15m"``, ``"2h"``, ``"1d"``, ``"1h30m"``.

    The same grammar as ``min_interval`` in ``feeds.toml``.

    Raises:
        ValueError: with the accepted forms in the message.
    """
    from feeds.subscriptions import parse_interval

    return parse_interval(value)


# Patterns are kept as text and compiled (and cached by ``re``) on first use: settings are
# imported by every command, but most never meet an error or a size string.
_SIZE = r"(?i)^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$"
_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": MiB, "mib": MiB, "mb": 1000**2,
    "g": 1024**3, "gib": 1024**3, "gb": 1000**3,
}


def parse_size(value: Any) -> int:
    """Bytes from an int or text like ``"512KiB"``, ``"10MiB"``, ``"10MB"`` (decimal) or ``"1048576"``.

    Raises:
        ValueError: with the accepted forms in the message.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"a size cannot be negative (got {_short(value)})")
        return value
    if isinstance(value, str):
        m = re.match(_SIZE, value)
        if m and m.group(2).lower() in _SIZE_UNITS:
            number = float(m.group(1))
            if not math.isfinite(number):  # "9" * 400 reads as inf, which int() refuses
                raise ValueError(f"the size {_short(value)} is far too large")
            return int(number * _SIZE_UNITS[m.group(2).lower()])
    raise ValueError(f'expected a size like "512KiB", "10MiB" or a number of bytes, got {_short(value)}')


def _seconds(value: Any) -> float:
    """A timeout: a number of seconds (fractions allowed) or a duration string."""
    if isinstance(value, float) and not isinstance(value, bool):
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"expected a number of seconds, got {_short(value)}")
        return value
    seconds = parse_duration(value)
    if seconds > 10**9:  # float() of a 400-digit TOML integer overflows; no timeout is that long
        raise ValueError(f"expected a number of seconds, got {_short(value)} (far too long)")
    return float(seconds)


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"expected a whole number, got {_describe(value)}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {_describe(value)}")
    return value


def _auto_refresh(value: Any) -> int:
    if value is False or (isinstance(value, str) and value.strip().lower() in ("off", "no", "never")):
        return 0
    seconds = parse_duration(value)
    if 0 < seconds < 60:
        raise ValueError(f"auto_refresh under a minute would hammer the feeds (got {_short(value)}); use at least \"1m\" or 0 for off")
    return seconds


def _argv(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValueError(
            "must be a list of arguments, not a string: new_items = [\"/path/to/cmd\", \"arg\"] "
            "(chipwire never runs a shell, so feed text can never become a command)"
        )
    if not isinstance(value, list) or not all(isinstance(a, str) for a in value):
        raise ValueError(f"must be a list of strings, got {_describe(value)}")
    if value and not value[0].strip():
        raise ValueError("the command (first element) is empty")
    return tuple(value)


def _zone(value: Any) -> str:
    """A zone name that resolves now (checked when the file is read, not at export time)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a zone name such as \"Europe/Berlin\", \"local\" or \"UTC\", got {_describe(value)}")
    from core.zones import parse_zone

    parse_zone(value)
    return value.strip()


def _describe(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list", dict: "a table"}
    return f"{names.get(type(value), type(value).__name__)} ({_short(value)})" if not isinstance(value, (list, dict)) \
        else names.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    from feeds.subscriptions import short_repr  # one cut-short repr for both files

    return short_repr(value)


def _number(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _range(lo: float, hi: float, unit: str = "") -> Callable[[float], None]:
    unit = f" {unit}" if unit else ""

    def check(v: float) -> None:
        if v < lo or v > hi:
            shown = _number(v) if abs(v) < 1e15 else "a far larger number"
            what = f"at least {_number(lo)}" if v < lo else f"at most {_number(hi)}"
            raise ValueError(f"must be between {_number(lo)} and {_number(hi)}{unit} ({what}), got {shown}")
    return check


#: The sane range of every number in the file, (section, key) -> (lowest, highest), in the unit
#: the model holds (bytes, seconds, days). Why upper bounds: values go on into ``timedelta``,
#: ``asyncio.Semaphore`` and timers, where an absurd one crashes a refresh (a date before year 1)
#: or exhausts the machine; a clear error naming the line is better.
LIMITS: dict[tuple[str, str], tuple[float, float, str]] = {
    ("fetch", "max_bytes"): (1024, 1 * GiB, "bytes"),          # the body is held in memory
    ("fetch", "concurrency"): (1, 256, ""),
    ("fetch", "per_host"): (1, 64, ""),
    ("fetch", "connect_timeout"): (0.1, 3600, "seconds"),
    ("fetch", "read_timeout"): (0.1, 3600, "seconds"),
    ("fetch", "deadline"): (0.1, 3600, "seconds"),
    ("fetch", "default_interval"): (0, 365 * DAY, "seconds"),  # the same bound as a feed's min_interval
    ("store", "retention_days"): (1, 36500, "days"),           # a century; more overflows the cutoff date
    ("app", "auto_refresh"): (0, 7 * DAY, "seconds"),
}


def _limit(section: str, key: str) -> Callable[[float], None]:
    return _range(*LIMITS[(section, key)])


#: section -> key -> (parser, optional range check)
_SCHEMA: dict[str, dict[str, tuple[Callable[[Any], Any], Callable[[Any], None] | None]]] = {
    "fetch": {
        "max_bytes": (parse_size, _limit("fetch", "max_bytes")),
        "concurrency": (_int, _limit("fetch", "concurrency")),
        "per_host": (_int, _limit("fetch", "per_host")),
        "connect_timeout": (_seconds, _limit("fetch", "connect_timeout")),
        "read_timeout": (_seconds, _limit("fetch", "read_timeout")),
        "deadline": (_seconds, _limit("fetch", "deadline")),
        "default_interval": (parse_duration, _limit("fetch", "default_interval")),
    },
    "store": {"retention_days": (_int, _limit("store", "retention_days"))},
    "hook": {"new_items": (_argv, None)},
    "app": {"auto_refresh": (_auto_refresh, _limit("app", "auto_refresh")), "show_analysis": (_bool, None), "tz": (_zone, None)},
    "export": {"tz": (_zone, None)},
}
_SECTIONS = tuple(_SCHEMA) + ("keys",)
_MODELS = {"fetch": FetchConfig, "store": StoreConfig, "hook": HookConfig, "app": AppConfig, "export": ExportConfig}

assert all({f.name for f in fields(_MODELS[s])} == set(_SCHEMA[s]) for s in _SCHEMA)  # schema matches model


# --------------------------------------------------------------------------- loading


def resolve_config_path(default: Path) -> Path:
    """The config file to use: ``$CHIPWIRE_CONFIG`` when set, else ``default`` (HOME/config.toml)."""
    env = os.environ.get(CONFIG_ENV, "").strip()
    return Path(env).expanduser() if env else Path(default)


def load_settings(path: Path, binding_ids: Collection[str] | None = None) -> Settings:
    """Read ``config.toml`` at ``path``; a missing file gives the defaults.

    ``binding_ids`` are the key-binding ids ``[keys]`` may name: the face that owns the keys
    (``tui.keymap``) passes them down, so an unknown id is reported with its line. Without them
    ``[keys]`` is checked for shape only (the headless core knows no keys).

    Raises:
        SettingsError: unreadable file, TOML syntax error, unknown section or key, bad value.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings()
    except OSError as exc:
        raise SettingsError(path, None, f"cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SettingsError(path, raw[: exc.start].count(b"\n") + 1, "not valid UTF-8 text (save the file as UTF-8)") from None
    return parse_settings(text, path, binding_ids)


_TOML_AT = r"\s*\(at line (\d+), column (\d+)\)\s*$"


def parse_settings(text: str, path: Path | str = "config.toml", binding_ids: Collection[str] | None = None) -> Settings:
    """Validate the text of a config file (``path`` is only used in messages)."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or int() refusing a number of over 4300 digits
        if not isinstance(exc, tomllib.TOMLDecodeError):
            raise SettingsError(path, None, "invalid TOML: a number with thousands of digits") from None
        message = str(exc)
        m = re.search(_TOML_AT, message)
        if not m:
            raise SettingsError(path, None, f"invalid TOML: {message}") from None
        raise SettingsError(path, int(m.group(1)), f"invalid TOML: {message[: m.start()]} (column {m.group(2)})") from None
    lines = _Lines(text)

    def fail(section: str | None, key: str | None, message: str) -> SettingsError:
        return SettingsError(path, lines.find(section, key), message)

    built: dict[str, Any] = {}
    for section, table in data.items():
        if section not in _SECTIONS:
            owner = next((s for s, keys in _SCHEMA.items() if section in keys), None)
            if owner and not isinstance(table, dict):
                raise fail(None, section, f"'{section}' must go in the [{owner}] section")
            raise fail(None, section, _unknown(section, _SECTIONS, "section", ""))
        if not isinstance(table, dict):
            raise fail(None, section, f"'{section}' must be a section: [{section}]")
        if section == "keys":
            built["keys"] = _keys(table, fail, binding_ids)
            continue
        schema = _SCHEMA[section]
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key not in schema:
                raise fail(section, key, _unknown(key, schema, "key", f" in [{section}]"))
            parse, check = schema[key]
            try:
                parsed = parse(value)
                if check:
                    check(parsed)
            except ValueError as exc:
                raise fail(section, key, f"[{section}] {key}: {exc}") from None
            values[key] = parsed
        built[section] = _MODELS[section](**values)
    return Settings(**built, source=path)


def _keys(
    table: dict[str, Any],
    fail: Callable[[str | None, str | None, str], SettingsError],
    binding_ids: Collection[str] | None,
) -> dict[str, str]:
    keys: dict[str, str] = {}
    for binding_id, value in table.items():
        if binding_ids is not None and binding_id not in binding_ids:
            raise fail("keys", binding_id, _unknown(binding_id, sorted(binding_ids), "binding id", " in [keys]"))
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = ",".join(value)
        if not isinstance(value, str):
            raise fail("keys", binding_id, f'[keys] {binding_id}: expected keys as a string like "s,S", got {_describe(value)}')
        cleaned = ",".join(part.strip() for part in value.split(",") if part.strip())
        if not cleaned:
            raise fail("keys", binding_id, f"[keys] {binding_id}: no key given")
        keys[binding_id] = cleaned
    return keys


def _unknown(name: str, known: Any, what: str, where: str) -> str:
    import difflib

    known = list(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
    return f"unknown {what} '{name}'{where}{hint}"


class _Lines:
    """Finds the line of ``[section]`` / ``key = ...`` in the source, since tomllib keeps no positions."""

    _HEADER = r"""^\s*\[\s*["']?([A-Za-z0-9_-]+)["']?\s*\]"""
    _DOTTED = r"""^\s*["']?([A-Za-z0-9_-]+)["']?\s*\.\s*["']?([A-Za-z0-9_-]+)["']?\s*="""
    _KEY = r"""^\s*["']?([A-Za-z0-9_-]+)["']?\s*[=.]"""

    def __init__(self, text: str) -> None:
        from feeds.subscriptions import multiline_string_after  # one TOML string tracker for both files

        # (line number, section or None for top level, key or None for a header line)
        self.entries: list[tuple[int, str | None, str | None]] = []
        section: str | None = None
        inside: str | None = None
        for number, line in enumerate(text.splitlines(), 1):
            if inside is None:
                header = re.match(self._HEADER, line)
                dotted = re.match(self._DOTTED, line)
                key = re.match(self._KEY, line)
                if header:
                    section = header.group(1)
                    self.entries.append((number, section, None))
                elif dotted and section is None:
                    self.entries.append((number, None, dotted.group(1)))
                    self.entries.append((number, dotted.group(1), dotted.group(2)))
                elif key:
                    self.entries.append((number, section, key.group(1)))
            inside = multiline_string_after(line, inside)

    def find(self, section: str | None, key: str | None) -> int | None:
        """Line of ``key`` in ``section`` (section None: a top-level key or a ``[key]`` header)."""
        for number, sec, k in self.entries:
            if section is None and ((sec is None and k == key) or (k is None and sec == key)):
                return number
            if section is not None and sec == section and k == key:
                return number
        if key is not None and section is not None:
            return self.find(None, section)
        return None
