"""User ignore rules (``HOME/ignore.toml``): hide, never delete.

Like newsboat's ``ignore-article`` and Miniflux's block rules, but hidden items stay stored, so
a rule that turns out too broad costs nothing: the briefing can show hidden items again and a
fixed rule brings them back. The file is a list of tables; every field is optional, and all
fields a rule gives must match for it to hide an item::

    [[rule]]
    name = "stock tips"            # label shown as the reason an item is hidden
    title = "shares? (rise|fall)"  # regex, case-insensitive, searched in the title
    summary = "sponsored"          # regex, searched in the summary
    feed = "example.com"           # substring of the feed URL or feed title, case-insensitive
    older_than_days = 30           # published more than this many days before now

A file that is not valid TOML gives no rules and a warning that names the file and line (a
half-saved edit must not hide half the news). A rule with a bad regex, an unknown key or a
wrong type is skipped, the other rules still apply, and the warning names the line of the
offending key and suggests the closest valid key.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from briefing.query import safe_regex

__all__ = ["IgnoreRule", "IgnoreRules", "load_ignore_rules", "parse_ignore_rules"]

MAX_RULE_REGEX_LEN = 500
"""Longest regex accepted in ignore.toml (rules run on every item at every refresh)."""

_KEYS = ("name", "title", "summary", "feed", "older_than_days")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")


@dataclass(frozen=True)
class IgnoreRule:
    """One ``[[rule]]``: hides an item when every field it sets matches."""

    label: str
    title: re.Pattern[str] | None = None
    summary: re.Pattern[str] | None = None
    feed: str | None = None
    """Casefolded substring of the feed URL or feed title."""
    older_than_days: int | None = None

    def matches(self, item: Mapping, now: datetime) -> bool:
        """Whether every condition of this rule holds for ``item``."""
        if self.title is not None and not self.title.search(str(item.get("title") or "")):
            return False
        if self.summary is not None and not self.summary.search(str(item.get("summary") or "")):
            return False
        if self.feed is not None:
            feed = f"{item.get('feed') or ''}\n{item.get('feed_title') or ''}".casefold()
            if self.feed not in feed:
                return False
        if self.older_than_days is not None:
            # ISO-8601 UTC strings of one shape compare like the instants they name.
            if str(item.get("published") or "") >= _cutoff(now, self.older_than_days):
                return False
        return True


#: Largest ``older_than_days`` (a century): ``now - timedelta(days=...)`` must stay after year 1.
MAX_DAYS = 36500


@lru_cache(maxsize=64)
def _cutoff(now: datetime, days: int) -> str:
    """``published`` of an item exactly ``days`` old; cached as it is asked once per item."""
    now = now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now
    return (now.astimezone(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class IgnoreRules:
    """All rules of one ignore.toml; an item is hidden when any rule matches."""

    rules: tuple[IgnoreRule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def hides(self, item: Mapping, now: datetime) -> str | None:
        """The label of the first rule that hides ``item``, or None if it stays visible."""
        for rule in self.rules:
            if rule.matches(item, now):
                return rule.label
        return None


class _RuleError(ValueError):
    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_ignore_rules(path: Path) -> tuple[IgnoreRules, str | None]:
    """Read ``ignore.toml``; never raises for the file's content.

    Returns:
        ``(rules, warning)``. A missing file is no rules and no warning; an unreadable or
        invalid file is no rules and a warning such as ``"ignore.toml line 4: ..."``; invalid
        rules are skipped with a warning naming the first one's line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return IgnoreRules(), None
    except (OSError, UnicodeDecodeError) as exc:
        return IgnoreRules(), f"{path}: cannot read ({exc}); no ignore rules applied"
    return parse_ignore_rules(text, source=str(path))


def parse_ignore_rules(text: str, *, source: str = "ignore.toml") -> tuple[IgnoreRules, str | None]:
    """Parse ignore.toml text (see :func:`load_ignore_rules`); ``source`` names it in warnings."""
    try:
        data = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or int() refusing a number of over 4300 digits
        if not isinstance(exc, tomllib.TOMLDecodeError):
            return IgnoreRules(), f"{source}: invalid TOML: a number with thousands of digits; no ignore rules applied"
        message = str(exc)
        found = _TOML_POSITION.search(message)
        if found:
            message = _TOML_POSITION.sub("", message)
            where = f"{source} line {found.group(1)}"
            message = f"{message} (column {found.group(2)})"
        else:
            where = source
        return IgnoreRules(), f"{where}: {message}; no ignore rules applied"

    lines = text.splitlines()
    problems: list[str] = []
    for key in data:
        if key != "rule":
            problems.append(_where(source, _top_key_line(lines, key),
                                   f"unknown key '{key}'{_hint(key, ('rule',))}"
                                   " (rules are [[rule]] tables)"))
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raw_rules = [raw_rules]
    rules: list[IgnoreRule] = []
    skipped = 0
    for number, raw in enumerate(raw_rules, start=1):
        try:
            rules.append(_build_rule(raw, number, lines))
        except _RuleError as exc:
            skipped += 1
            problems.append(_where(source, exc.line, exc.message))
    warning = None
    if problems:
        warning = problems[0]
        if skipped:
            warning += f" ({skipped} rule{'s' if skipped > 1 else ''} skipped)"
        if len(problems) > 1:
            warning += f"; {len(problems) - 1} more problem{'s' if len(problems) > 2 else ''}"
    return IgnoreRules(tuple(rules)), warning


def _build_rule(raw: object, number: int, lines: list[str]) -> IgnoreRule:
    header = _rule_header_line(lines, number)
    if not isinstance(raw, dict):
        raise _RuleError(header, f"rule {number} is not a table; write [[rule]] then key = value")

    def line_of(key: str) -> int | None:
        return _key_line(lines, header, key) or header

    for key in raw:
        if key not in _KEYS:
            raise _RuleError(line_of(key), f"unknown key '{key}' in rule {number}"
                             f"{_hint(key, _KEYS)}")
    for key in ("name", "title", "summary", "feed"):
        if key in raw and not isinstance(raw[key], str):
            raise _RuleError(line_of(key), f"'{key}' must be a string in rule {number}")
    age = raw.get("older_than_days")
    # Bounded above too: a cutoff more than MAX_DAYS back overflows the date it is computed as.
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= MAX_DAYS):
        raise _RuleError(line_of("older_than_days"),
                         f"'older_than_days' must be a whole number of days from 0 to {MAX_DAYS} in rule {number}")
    patterns: dict[str, re.Pattern[str]] = {}
    for key in ("title", "summary"):
        if key in raw:
            try:
                patterns[key] = safe_regex(raw[key], max_len=MAX_RULE_REGEX_LEN)
            except ValueError as exc:
                raise _RuleError(line_of(key), f"{exc} in '{key}' of rule {number}") from None
    feed = raw.get("feed")
    if feed == "":
        raise _RuleError(line_of("feed"), f"'feed' is empty in rule {number}")
    if not any(k in raw for k in ("title", "summary", "feed", "older_than_days")):
        raise _RuleError(header, f"rule {number} has no condition (title, summary, feed or "
                         "older_than_days) and would hide everything")
    return IgnoreRule(
        label=raw.get("name") or _describe(raw, number),
        title=patterns.get("title"),
        summary=patterns.get("summary"),
        feed=feed.casefold() if feed else None,
        older_than_days=age,
    )


def _describe(raw: Mapping, number: int) -> str:
    """A label for an unnamed rule, short enough for a status line."""
    parts = [f"{k}~{raw[k]!r}" for k in ("title", "summary", "feed") if k in raw]
    if "older_than_days" in raw:
        parts.append(f"older than {raw['older_than_days']} days")
    return f"rule {number} ({', '.join(parts)})"


def _hint(key: str, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, valid, n=2, cutoff=0.6)
    if close:
        return f"; did you mean {' or '.join(close)}?"
    return f"; valid keys are {', '.join(valid)}"


def _where(source: str, line: int | None, message: str) -> str:
    return f"{source} line {line}: {message}" if line else f"{source}: {message}"


_HEADER = re.compile(r"\s*\[\[\s*rule\s*\]\]")
_ANY_HEADER = re.compile(r"\s*\[")


def _rule_header_line(lines: list[str], number: int) -> int | None:
    """1-based line of the ``number``-th ``[[rule]]`` header, if written that way."""
    seen = 0
    for index, line in enumerate(lines, start=1):
        if _HEADER.match(line):
            seen += 1
            if seen == number:
                return index
    return None


def _key_line(lines: list[str], header: int | None, key: str) -> int | None:
    """1-based line where ``key = ...`` is set inside the table starting at ``header``."""
    if header is None:
        return None
    pattern = re.compile(rf"\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for index in range(header, len(lines)):  # lines[header] is the line after the header
        line = lines[index]
        if _ANY_HEADER.match(line):
            break
        if pattern.match(line):
            return index + 1
    return None


def _top_key_line(lines: list[str], key: str) -> int | None:
    pattern = re.compile(rf"\s*(?:\[+\s*)?[\"']?{re.escape(key)}[\"']?\s*(?:=|\]+)")
    for index, line in enumerate(lines, start=1):
        if pattern.match(line):
            return index
    return None
