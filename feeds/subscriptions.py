"""Subscriptions: the human-edited ``feeds.toml`` in the chipwire home.

The file belongs to the person, not to chipwire. So:

* it is read with :mod:`tomllib` and validated strictly, and every problem is reported as a
  :class:`ConfigError` naming the file and the line (a typo must be found in seconds);
* a broken file is never overwritten or "repaired";
* single additions, removals and URL moves are edits of the parsed document (tomlkit), so the
  person's comments, ordering and layout survive byte for byte outside the edited block;
* every write is atomic (:mod:`feeds.atomicfile`: temp file, fsync, rename), so a crash never
  leaves half a file, and a symlinked ``feeds.toml`` (a dotfiles repo) stays a link: its target
  is what gets replaced.

Format::

    [[feed]]
    url = "https://example.org/feed.xml"    # or the absolute path of a local feed file
    title = "Example"                         # optional title override
    category = "News"                         # optional (OPML folder)
    enabled = true                            # optional, default true
    min_interval = "1h"                       # optional: "30m", "2h", "1d", "1h30m" or seconds
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable
from urllib.parse import unquote, urlsplit, urlunsplit

from feeds.located import LocatedError

if TYPE_CHECKING:  # pragma: no cover - typing only; tomlkit is imported when a file is edited
    import tomlkit
    import tomlkit.items

__all__ = [
    "ConfigError",
    "Subscription",
    "SubscriptionExists",
    "add_subscription",
    "default_feeds_text",
    "load_subscriptions",
    "normalise_url",
    "parse_interval",
    "read_subscriptions",
    "remove_subscription",
    "save_subscriptions",
    "update_url",
    "validate_url",
]

#: Keys a ``[[feed]]`` block may hold, for the unknown-key check and its suggestions.
FEED_KEYS: tuple[str, ...] = ("url", "title", "category", "enabled", "min_interval", "full_text")

FILE_HEADER = """\
# chipwire subscriptions — edit freely; chipwire keeps your comments when it adds or removes feeds.
#
# One [[feed]] block per feed:
#   url          = "https://..."  an http(s) feed URL, or the absolute path of a local feed file (required)
#   title        = "..."          optional: shown instead of the feed's own title
#   category     = "..."          optional: a folder name (kept in OPML import/export)
#   enabled      = false          optional: keep the feed but skip it on refresh (default true)
#   min_interval = "1h"           optional: never refresh it more often ("30m", "2h", "1d" or seconds)
"""


class ConfigError(LocatedError):
    """A subscriptions file that cannot be used, with the file and line to look at.

    ``str(error)`` is the whole one-line message the CLI prints after ``chipwire: error:``.
    """


class SubscriptionExists(ConfigError):
    """Adding (or moving to) a URL that is already subscribed; nothing was written."""


@dataclass(frozen=True)
class Subscription:
    """One ``[[feed]]`` block.

    Attributes:
        url: the http(s) URL or absolute local path; also the feed's key in the store.
        title: title override, or None to use the feed's own title.
        category: folder name (OPML outline), or None.
        enabled: False keeps the subscription but skips it on refresh.
        min_interval: minimum seconds between refreshes, or None for the configured default.
        full_text: fetch each new item's article page during refresh (for teaser-only feeds).
    """

    url: str
    title: str | None = None
    category: str | None = None
    enabled: bool = True
    min_interval: int | None = None
    full_text: bool = False


# --------------------------------------------------------------------------- values


_DURATION_PART = re.compile(r"(\d+)([a-z]+)", re.I)
_UNIT_SECONDS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "week", "weeks"), 604800),
}


#: Longest ``min_interval`` (a year): a larger one overflows the dates computed from it downstream.
MAX_INTERVAL = 365 * 86400


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr`` for a message, cut short: a value from a config file may be any size."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"a number with more than {limit} digits"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_interval(value: Any) -> int:
    """Parse a duration: an integer of seconds, or text like ``"90"``, ``"30m"``, ``"2h"``, ``"1h30m"``.

    Shared by ``feeds.toml`` (``min_interval``) and ``config.toml`` so both accept one grammar.
    The range is the caller's to check (see :data:`MAX_INTERVAL`); text is refused past 40
    characters, so no message or ``int()`` ever meets a thousand-digit number.

    Raises:
        ValueError: with a message that shows the accepted forms.
    """
    wrong = f"expected a duration like \"30m\", \"2h\", \"1d\" or seconds, got {short_repr(value)}"
    if isinstance(value, bool):
        raise ValueError(wrong)
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"a duration cannot be negative (got {short_repr(value)})")
        return value
    if isinstance(value, str) and len(value) <= 40:
        text = value.strip()
        if text.isdigit():
            return int(text)
        pos, total = 0, 0
        compact = text.replace(" ", "")
        while pos < len(compact):
            m = _DURATION_PART.match(compact, pos)
            if not m or m.group(2).lower() not in _UNIT_SECONDS:
                break
            total += int(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
            pos = m.end()
        if compact and pos == len(compact):
            return total
    raise ValueError(wrong)


def validate_url(url: str) -> str:
    """Return the canonical form of a subscription source, or raise ValueError saying why not.

    Accepted: http(s) URLs with a host, absolute local paths, and ``file://`` URLs (stored as the
    plain absolute path, which is what the fetcher and the store key on).
    """
    text = url.strip()
    if not text:
        raise ValueError("the url is empty")
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        parts = urlsplit(text)
        if not parts.hostname:
            raise ValueError(f"{text!r} has no host")
        if any(ch.isspace() for ch in text):
            raise ValueError(f"{text!r} contains spaces (percent-encode them as %20)")
        return text
    if lowered.startswith("file://"):
        parts = urlsplit(text)
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"{text!r}: only local file:// URLs are supported")
        text = unquote(parts.path)
    elif "://" in text or re.match(r"^[a-z][a-z0-9+.-]*:", lowered) and not re.match(r"^[a-z]:[\\/]", lowered):
        raise ValueError(f"{text!r}: only http(s) URLs and local feed files can be subscribed")
    if not Path(text).is_absolute():
        raise ValueError(f"{text!r}: a local feed file must be given as an absolute path")
    return os.path.normpath(text)


def normalise_url(url: str) -> str:
    """The comparison key for duplicate detection: scheme and host lower-cased, default port and
    fragment dropped, empty path as ``/``; local paths normalised. Never shown or stored."""
    text = url.strip()
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            port = None
        netloc = host
        if port and not (scheme == "http" and port == 80 or scheme == "https" and port == 443):
            netloc = f"{host}:{port}"
        if parts.username or parts.password:
            netloc = f"{parts.username or ''}{':' + parts.password if parts.password else ''}@{netloc}"
        return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
    if lowered.startswith("file://"):
        text = unquote(urlsplit(text).path)
    return os.path.normpath(text) if text else text


# --------------------------------------------------------------------------- reading


def default_feeds_text() -> str:
    """The curated default ``feeds.toml`` shipped as package data (comments included)."""
    from importlib.resources import files

    # Through the ``feeds`` package, so it works whether or not ``feeds.data`` is installed as a
    # package of its own.
    return files("feeds").joinpath("data", "default_feeds.toml").read_text(encoding="utf-8")


def load_subscriptions(path: Path, *, create: bool = True) -> list[Subscription]:
    """Read and validate ``feeds.toml``.

    Args:
        path: the subscriptions file.
        create: when the file is missing, write the curated default list there and return it.
            With ``create=False`` a missing file is an empty list.

    Raises:
        ConfigError: unreadable or invalid file (message names the file and line), or a link
            to a missing file. The file is left untouched.
    """
    path = Path(path)
    if path.is_symlink() and not path.exists():  # e.g. a dotfiles repo not checked out yet
        raise ConfigError(path, None, f"is a link to {path.resolve()}, which does not exist; restore that "
                                      "file, or remove the link to start from the default feeds")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return []
        text = default_feeds_text()
        subs = parse_subscriptions(text, path)
        _write(path, text)
        return subs
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return parse_subscriptions(_decode(raw, path), path)


def read_subscriptions(path: Path) -> list[Subscription]:
    """The file's subscriptions, or the curated defaults when it does not exist yet; never writes.

    For read-only commands (``feeds list``, ``feeds export``): they must work on a read-only
    home and leave it as it was, yet show the list a refresh would use.

    Raises:
        ConfigError: unreadable or invalid file.
    """
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return parse_subscriptions(default_feeds_text(), path)
    return load_subscriptions(path, create=False)


def _decode(raw: bytes, path: Path) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(path, line, "not valid UTF-8 text (save the file as UTF-8)") from None


_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> ConfigError:
    """Turn tomllib's ``"msg (at line N, column M)"`` into ``"<file> line N: msg (column M)"``."""
    message = str(exc)
    m = _TOML_AT.search(message)
    if not m:
        return ConfigError(path, None, f"invalid TOML: {message}")
    return ConfigError(path, int(m.group(1)), f"invalid TOML: {message[: m.start()]} (column {m.group(2)})")


def parse_subscriptions(text: str, path: Path | str = "feeds.toml") -> list[Subscription]:
    """Parse and validate the text of a subscriptions file (``path`` is only used in messages)."""
    path = Path(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, exc) from None
    except ValueError:  # int() refusing a number of over 4300 digits
        raise ConfigError(path, None, "invalid TOML: a number with thousands of digits") from None
    layout = _Layout(text)
    for key in data:
        if key != "feed":
            raise ConfigError(path, layout.top_key_line(key), _unknown(key, ("feed",), "at the top level")
                              + " (each subscription is a [[feed]] block)")
    blocks = data.get("feed", [])
    if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
        raise ConfigError(path, layout.top_key_line("feed"), "'feed' must be [[feed]] blocks")
    subs: list[Subscription] = []
    seen: dict[str, int] = {}
    for index, block in enumerate(blocks):
        sub = _subscription(block, index, layout, path)
        key = normalise_url(sub.url)
        if key in seen:
            first = layout.entry_line(seen[key])
            also = f" (first at line {first})" if first else ""
            raise ConfigError(path, layout.key_line(index, "url"), f"duplicate feed {sub.url!r}{also}")
        seen[key] = index
        subs.append(sub)
    return subs


def _unknown(key: str, allowed: Iterable[str], where: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else f" (known: {', '.join(allowed)})"
    return f"unknown key '{key}' {where}{hint}"


def _subscription(block: dict[str, Any], index: int, layout: "_Layout", path: Path) -> Subscription:
    def fail(key: str | None, message: str) -> ConfigError:
        line = layout.key_line(index, key) if key else layout.entry_line(index)
        return ConfigError(path, line, message)

    for key in block:
        if key not in FEED_KEYS:
            raise fail(key, _unknown(key, FEED_KEYS, "in [[feed]]"))
    if "url" not in block:
        raise fail(None, "this [[feed]] has no url")
    url = block["url"]
    if not isinstance(url, str):
        raise fail("url", f"url must be a string in quotes, got {_type(url)}")
    try:
        url = validate_url(url)
    except ValueError as exc:
        raise fail("url", f"bad url: {exc}") from None
    values: dict[str, Any] = {}
    for key in ("title", "category"):
        if key in block:
            value = block[key]
            if not isinstance(value, str):
                raise fail(key, f"{key} must be a string in quotes, got {_type(value)}")
            values[key] = value.strip() or None
    if "enabled" in block and not isinstance(block["enabled"], bool):
        raise fail("enabled", f"enabled must be true or false, got {_type(block['enabled'])}")
    for flag in ("enabled", "full_text"):
        if flag in block and not isinstance(block[flag], bool):
            raise fail(flag, f"{flag} must be true or false, got {_type(block[flag])}")
    interval = None
    if "min_interval" in block:
        try:
            interval = parse_interval(block["min_interval"])
            if interval > MAX_INTERVAL:
                raise ValueError(f"at most a year ({MAX_INTERVAL} seconds), got {short_repr(interval)}")
        except ValueError as exc:
            raise fail("min_interval", f"bad min_interval: {exc}") from None
    return Subscription(url=url, enabled=block.get("enabled", True), min_interval=interval,
                        full_text=block.get("full_text", False), **values)


def _type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return names.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- source layout


_FEED_HEADER = re.compile(r"""^\s*\[\[\s*(?:feed|"feed"|'feed')\s*\]\]\s*(?:#.*)?$""")
_ANY_HEADER = re.compile(r"^\s*\[")


class _Layout:
    """Where things are in the source text, so semantic errors and edits can find their lines.

    tomllib keeps no positions, so this scans the text: lines inside multi-line strings are
    skipped, ``[[feed]]`` headers are numbered in order (the n-th header is the n-th entry), and a
    block runs until the next table header.
    """

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)
        self.code: list[bool] = []  # False for lines inside a multi-line string
        self.headers: list[int] = []  # 0-based line index of each [[feed]] header
        self.any_headers: list[int] = []
        inside: str | None = None
        for i, line in enumerate(self.lines):
            self.code.append(inside is None)
            if inside is None:
                if _FEED_HEADER.match(line):
                    self.headers.append(i)
                    self.any_headers.append(i)
                elif _ANY_HEADER.match(line):
                    self.any_headers.append(i)
            inside = multiline_string_after(line, inside)

    def entry_line(self, index: int) -> int | None:
        """1-based line of the index-th ``[[feed]]`` header, if the file uses headers."""
        return self.headers[index] + 1 if index < len(self.headers) else None

    def block_range(self, index: int) -> tuple[int, int] | None:
        """0-based ``[start, end)`` of the index-th block: header through the line before the next header."""
        if index >= len(self.headers):
            return None
        start = self.headers[index]
        later = [h for h in self.any_headers if h > start]
        return start, (later[0] if later else len(self.lines))

    def key_line(self, index: int, key: str | None) -> int | None:
        """1-based line of ``key = ...`` inside the index-th block, else the block's header line."""
        rng = self.block_range(index)
        if rng is None:
            return None
        if key:
            pattern = re.compile(rf"""^\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
            for i in range(*rng):
                if self.code[i] and pattern.match(self.lines[i]):
                    return i + 1
        return rng[0] + 1

    def top_key_line(self, key: str) -> int | None:
        """1-based line of a top-level ``key = ...`` or ``[key]`` header."""
        pattern = re.compile(rf"""^\s*(?:\[+\s*)?(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*[=.\]]""")
        for i, line in enumerate(self.lines):
            if self.code[i] and pattern.match(line):
                return i + 1
        return None


def multiline_string_after(line: str, inside: str | None) -> str | None:
    """Track whether the next line starts inside a ``\"\"\"`` or ``'''`` string (comments ignored)."""
    i = 0
    while i < len(line):
        if inside:
            j = line.find(inside, i)
            if j < 0:
                return inside
            inside, i = None, j + 3
            continue
        ch = line[i]
        if ch == "#":
            return None
        if line.startswith(('"""', "'''"), i):
            inside, i = line[i : i + 3], i + 3
            continue
        if ch == '"':  # a one-line basic string: skip it, honouring escapes
            i += 1
            while i < len(line) and line[i] != '"':
                i += 2 if line[i] == "\\" else 1
        elif ch == "'":
            j = line.find("'", i + 1)
            i = j if j >= 0 else len(line)
        i += 1
    return inside


# --------------------------------------------------------------------------- writing
#
# Edits go through tomlkit, which keeps every comment, blank line and quoting style of the
# person's file; each edited text is parsed back and compared with the expected list before it
# is written (``_write_checked``), so an edit can never silently change another feed.


def _clean_text(value: str) -> str:
    """Text tomlkit can write as UTF-8: lone surrogates (from a broken OPML file) become U+FFFD."""
    return value.encode("utf-8", errors="replace").decode("utf-8") if not value.isascii() else value


def _as_read(sub: Subscription) -> Subscription:
    """``sub`` as it reads back once written: text cleaned, title and category stripped or None."""
    def text(value: str | None) -> str | None:
        return _clean_text(value or "").strip() or None

    return replace(sub, url=_clean_text(sub.url), title=text(sub.title), category=text(sub.category))


def _table(sub: Subscription) -> "tomlkit.items.Table":
    """One ``[[feed]]`` block, keys in the documented order."""
    import tomlkit

    table = tomlkit.table()
    table["url"] = _clean_text(sub.url)
    if sub.title:
        table["title"] = _clean_text(sub.title)
    if sub.category:
        table["category"] = _clean_text(sub.category)
    if not sub.enabled:
        table["enabled"] = False
    if sub.min_interval is not None:
        table["min_interval"] = _interval_value(sub.min_interval)
    if sub.full_text:
        table["full_text"] = True
    return table


def _interval_value(seconds: int) -> str | int:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return seconds


def _append(path: Path, text: str, subs: list[Subscription]) -> str:
    """``text`` with one ``[[feed]]`` block per subscription appended, each after a blank line."""
    import tomlkit
    from tomlkit.items import AoT, Array

    if text and not text.endswith("\n"):
        text += "\n"
    doc = _document(text, path)
    feeds = doc.get("feed")
    if isinstance(feeds, Array):  # the inline form, feed = [{url = ...}, ...]: stays inline
        for sub in subs:
            inline = tomlkit.inline_table()
            inline.update(_table(sub).unwrap())
            feeds.append(inline)
    elif isinstance(feeds, AoT):
        for sub in subs:
            feeds[-1].add(tomlkit.nl())
            feeds.append(_table(sub))
    elif feeds is None and subs:
        if text.strip():
            doc.add(tomlkit.nl())
        blocks = tomlkit.aot()
        for sub in subs:
            blocks.append(_table(sub))  # tomlkit puts a blank line between new blocks itself
        doc.append("feed", blocks)
    return doc.as_string()


def _document(text: str, path: Path) -> "tomlkit.TOMLDocument":
    """tomlkit's editable document of a text tomllib already accepted."""
    import tomlkit

    try:
        return tomlkit.parse(text)
    except Exception as exc:  # noqa: BLE001 - tomlkit's own parse errors; the file itself is valid
        raise ConfigError(path, None, f"could not edit this file safely ({type(exc).__name__}); "
                          "edit it by hand") from None


def _write_checked(path: Path, text: str, expected: list[Subscription]) -> None:
    """Write an edited text only if it parses back to exactly the expected subscriptions.

    Titles and categories are compared as they read back (stripped, empty as None): a saved
    list may come from an OPML file, whose values are not yet in that form.
    """
    try:
        got: list[Subscription] | None = parse_subscriptions(text, path)
    except ConfigError:
        got = None
    if got is None or got != [_as_read(s) for s in expected]:
        raise ConfigError(path, None, "could not edit this file safely (unusual layout); edit it by hand")
    _write(path, text)


def _write(path: Path, text: str) -> None:
    """The one atomic writer (a symlinked feeds.toml is written through to its target)."""
    from feeds.atomicfile import write_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # 0600 for a new file: feed URLs may carry tokens or user:password.
        write_atomic(path, text.encode("utf-8"), new_mode=0o600)
    except OSError as exc:
        raise ConfigError(exc.filename or path, None, f"cannot write: {exc.strerror or exc}") from None


def save_subscriptions(path: Path, subs: Iterable[Subscription]) -> None:
    """Write ``subs`` as the whole subscription list (used by OPML import, which may add hundreds).

    When ``subs`` is the file's current list plus feeds at the end (an import), the new blocks
    are appended to the existing text so the person's comments survive. Otherwise the file is
    rewritten: the standard header comment, then one block per subscription (comments are lost;
    single edits use the editing functions instead).

    Raises:
        ConfigError: a subscription has an unusable URL, or two share one, or the existing file
            is broken (never overwritten: the person may be half-way through an edit).
    """
    path = Path(path)
    subs = list(subs)
    seen: set[str] = set()
    for sub in subs:
        try:
            validate_url(sub.url)
        except ValueError as exc:
            raise ConfigError(path, None, f"not saved: bad url: {exc}") from None
        key = normalise_url(sub.url)
        if key in seen:
            raise ConfigError(path, None, f"not saved: duplicate feed {sub.url!r}")
        seen.add(key)
    current = _current(path)
    if current is not None and subs[: len(current[1])] == current[1]:
        text, old = current
        if len(subs) > len(old):  # an import: only new feeds at the end; else leave the file alone
            _write_checked(path, _append(path, text if text.strip() else FILE_HEADER, subs[len(old):]), subs)
        return
    _write_checked(path, _append(path, FILE_HEADER, subs), subs)


def _current(path: Path) -> tuple[str, list[Subscription]] | None:
    """The valid file's text and list, or None when it does not exist; refuses a broken file."""
    try:
        text = _decode(path.read_bytes(), path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror or exc}") from None
    return text, parse_subscriptions(text, path)


def _read_valid(path: Path) -> tuple[str, list[Subscription]]:
    """The current text and its subscriptions; creates the defaults when missing; refuses a broken file."""
    load_subscriptions(path, create=True)
    current = _current(path)
    assert current is not None
    return current


def _find(subs: list[Subscription], url: str) -> int | None:
    key = normalise_url(url)
    for i, sub in enumerate(subs):
        if normalise_url(sub.url) == key:
            return i
    return None


def add_subscription(path: Path, url: str, title: str | None = None, category: str | None = None) -> Subscription:
    """Append a ``[[feed]]`` block to the file, keeping everything already in it byte for byte.

    Args:
        path: the subscriptions file (created with the defaults first when missing).
        url: an http(s) URL, a local path (made absolute against the current folder), or file:// URL.
        title: optional title override.
        category: optional category.

    Raises:
        SubscriptionExists: the URL (after normalisation) is already subscribed.
        ConfigError: bad URL, or the existing file is broken (it is left untouched).
    """
    path = Path(path)
    source = url.strip()
    if not re.match(r"^[a-z][a-z0-9+.-]*:", source.lower()) and not Path(source).expanduser().is_absolute():
        source = str(Path(source).expanduser().resolve())
    elif source.startswith("~"):
        source = str(Path(source).expanduser())
    try:
        source = validate_url(source)
    except ValueError as exc:
        raise ConfigError(path, None, f"cannot add: {exc}") from None
    text, subs = _read_valid(path)
    existing = _find(subs, source)
    if existing is not None:
        raise SubscriptionExists(path, _Layout(text).entry_line(existing), f"already subscribed: {subs[existing].url}")
    sub = Subscription(url=source, title=(title or "").strip() or None, category=(category or "").strip() or None)
    _write_checked(path, _append(path, text, [sub]), subs + [sub])
    return sub


def remove_subscription(path: Path, url: str) -> bool:
    """Remove the block of ``url`` (compared normalised) from the file; the rest stays byte for byte.

    Comment lines directly above the block (no blank line between) go with it, as they describe
    it; comments and blank lines at its end are kept, as they usually introduce the next block.

    Returns:
        False when no such subscription exists (nothing written).

    Raises:
        ConfigError: the file is broken (left untouched) or could not be edited safely.
    """
    from tomlkit.items import AoT, Array

    path = Path(path)
    text, subs = _read_valid(path)
    index = _find(subs, url)
    if index is None:
        return False
    expected = subs[:index] + subs[index + 1 :]
    doc = _document(text, path)
    feeds = doc["feed"]
    if isinstance(feeds, AoT):
        _remove_block(doc, feeds, index)
        if not len(feeds):  # the last feed went: no `feed = []` left behind in the person's file
            del doc["feed"]
    elif isinstance(feeds, Array):
        del feeds[index]
    else:
        raise ConfigError(path, None, "could not edit this file safely (unusual layout); edit it by hand")
    _write_checked(path, doc.as_string(), expected)
    return True


def _remove_block(doc: "tomlkit.TOMLDocument", feeds: "tomlkit.items.AoT", index: int) -> None:
    """Drop block ``index`` with the comment lines directly above it, keeping what follows it.

    In tomlkit the comments and blank lines *between* two blocks belong to the end of the first
    one (or to the document, before the first block). So the lines above a block are the
    trailing trivia of the previous block; the lines below it, its own trailing trivia. Both are
    taken out as text, trimmed by the line rules, and put back in front of the next block (or at
    the end when it was the last), where a table's header indent renders them verbatim.
    """
    from tomlkit.items import Whitespace

    if index:
        above = _take_trivia(feeds[index - 1].value.body)
    else:  # before the first block: the document's own comments and blank lines
        above = _take_trivia(doc.body, end=next(i for i, (key, _item) in enumerate(doc.body)
                                                if key is not None and key.key == "feed"))
    below = _take_trivia(feeds[index].value.body)
    above_lines = above.splitlines(keepends=True)
    below_lines = below.splitlines(keepends=True)
    while above_lines and above_lines[-1].lstrip().startswith("#"):
        above_lines.pop()  # a comment directly above describes the block: it goes too
    blank_above = (not index and not above_lines) or (above_lines and not above_lines[-1].strip())
    if below_lines and not below_lines[0].strip() and blank_above:
        below_lines.pop(0)  # one separating blank line goes, so removals don't pile them up
    elif index + 1 == len(feeds) and not below_lines and above_lines and not above_lines[-1].strip():
        above_lines.pop()  # the last block: take the blank line that separated it (undoes an add)
    kept = "".join(above_lines + below_lines)
    del feeds[index]
    if index < len(feeds):
        nxt = feeds[index]
        nxt.trivia.indent = kept + nxt.trivia.indent
    elif index:
        feeds[index - 1].value.body.append((None, Whitespace(kept)))
    else:
        doc.add(Whitespace(kept))


def _take_trivia(body: list, end: int | None = None) -> str:
    """Remove the comments and blank lines ending ``body[:end]`` (a tomlkit body); return their text.

    Items become ``Null`` in place (what tomlkit itself does on removal), so no index moves.
    """
    from tomlkit.items import Comment, Null, Whitespace

    taken: list[str] = []
    for i in range((len(body) if end is None else end) - 1, -1, -1):
        key, item = body[i]
        if key is not None or not isinstance(item, (Comment, Whitespace, Null)):
            break
        taken.append(item.as_string())
        body[i] = (None, Null())
    return "".join(reversed(taken))


def update_url(path: Path, old: str, new: str) -> bool:
    """Point a subscription at a new URL (after a permanent 301/308 redirect), keeping comments.

    Only the value on the ``url = ...`` line changes.

    Returns:
        False when ``old`` is not subscribed (nothing written).

    Raises:
        SubscriptionExists: ``new`` is already a separate subscription (nothing written).
        ConfigError: bad new URL, or the file is broken or could not be edited safely.
    """
    path = Path(path)
    try:
        new = validate_url(new)
    except ValueError as exc:
        raise ConfigError(path, None, f"cannot move feed: {exc}") from None
    text, subs = _read_valid(path)
    index = _find(subs, old)
    if index is None:
        return False
    other = _find(subs, new)
    if other is not None and other != index:
        raise SubscriptionExists(path, _Layout(text).entry_line(other), f"already subscribed: {subs[other].url}")
    expected = list(subs)
    current = subs[index]
    expected[index] = Subscription(new, current.title, current.category, current.enabled, current.min_interval,
                                   current.full_text)
    doc = _document(text, path)
    doc["feed"][index]["url"] = _clean_text(new)  # tomlkit keeps the line's comment and spacing
    _write_checked(path, doc.as_string(), expected)
    return True
