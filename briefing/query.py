"""The filter language shared by the TUI's ``/`` live filter and ``chipwire items --query``.

In the spirit of elfeed's search filter, a query is whitespace-separated tokens:

==========================  ================================================================
``word`` / ``"a phrase"``   must occur (case-insensitive) in the title, summary, feed title or
                            an entity name; every word must match
``+theme`` / ``-theme``     require / exclude a theme (its id or a unique prefix: ``+gray``)
``@7d`` ``@2w`` ``@1m``     published within the last 7 days / 2 weeks / 1 month (30 days);
                            ``h`` (hours) and ``y`` (365 days) work too
``@2026-11-01``             published on that UTC day
``@2026-11-01..2026-11-20`` published in that inclusive UTC day range; either end may be
                            left open (``@2026-11-01..``, ``@..2026-11-20``)
``=source``                 feed title or feed URL contains it; several ``=`` are alternatives
``!regex``                  hide items whose title or summary matches (case-insensitive)
``*`` / ``?``               starred only / unread only
==========================  ================================================================

Several date tokens all apply (their ranges intersect). A prefix may be followed by a quoted
value (``="Financial Times"``, ``!"rumour mill"``). Nothing is ever evaluated: regexes are
compiled by :mod:`re` with a length cap and a guard against nested quantifiers, the classic
catastrophic-backtracking shape, because the pattern runs on every item's summary.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

__all__ = ["MAX_REGEX_LEN", "Query", "QueryError", "parse_query", "resolve_theme", "safe_regex"]

MAX_REGEX_LEN = 200
"""Longest ``!regex`` accepted; longer patterns are refused rather than risked."""

_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1),
          "m": timedelta(days=30), "y": timedelta(days=365)}
_RELATIVE = re.compile(r"(\d{1,4})([hdwmy])")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A group holding a quantifier, itself quantified: (a+)+, (\w*)*, (x{2,})+ ...
_NESTED_QUANTIFIER = re.compile(r"[+*}][^()]*\)[+*{]|[+*}]\)?\??[+*{]")


class QueryError(ValueError):
    """A query that cannot be used; the message names the offending token and, when it can,
    suggests a fix (shown as-is in the TUI's filter bar and by the CLI)."""


@dataclass(frozen=True)
class _Regex:
    source: str
    compiled: re.Pattern[str] = field(compare=False)


@dataclass(frozen=True)
class Query:
    """A parsed query. Build with :func:`parse_query`; ``str()`` gives its canonical form."""

    words: tuple[str, ...] = ()
    """Casefolded words and phrases that must all occur."""
    include_themes: tuple[str, ...] = ()
    exclude_themes: tuple[str, ...] = ()
    relative: tuple[tuple[int, str], ...] = ()
    """``(count, unit)`` of ``@7d``-style tokens, unit one of h d w m y."""
    ranges: tuple[tuple[date | None, date | None], ...] = ()
    """Inclusive UTC day ranges of ``@day`` / ``@a..b`` tokens (None = open end)."""
    sources: tuple[str, ...] = ()
    """Casefolded ``=source`` substrings; any one may match."""
    exclude_regexes: tuple[_Regex, ...] = ()
    starred: bool = False
    unread: bool = False

    @property
    def is_empty(self) -> bool:
        """True when the query filters nothing (so callers can skip matching altogether)."""
        return self == _EMPTY

    def date_range(self, now: datetime) -> tuple[date | None, date | None]:
        """The UTC days any match must fall in, so callers load only the months needed.

        Returns ``(first, last)``, inclusive; None means unbounded on that side. An empty
        intersection comes back as ``first > last``.
        """
        now = _utc(now)
        first: date | None = None
        last: date | None = None
        for count, unit in self.relative:
            start = (now - count * _UNITS[unit]).date()
            first = start if first is None else max(first, start)
        for start, end in self.ranges:
            if start is not None:
                first = start if first is None else max(first, start)
            if end is not None:
                last = end if last is None else min(last, end)
        return first, last

    def matches(self, item: Mapping, now: datetime) -> bool:
        """Whether ``item`` (an item record) passes every token of the query."""
        if self.starred and not item.get("starred"):
            return False
        if self.unread and item.get("read"):
            return False
        if self.include_themes or self.exclude_themes:
            ids = {t.get("id") for t in item.get("themes") or ()}
            if any(t not in ids for t in self.include_themes):
                return False
            if any(t in ids for t in self.exclude_themes):
                return False
        if self.relative or self.ranges:
            published = str(item.get("published") or "")
            for count, unit in self.relative:
                # ISO-8601 UTC strings of one shape compare like the instants they name.
                if published < _cutoff(now, count, unit):
                    return False
            day = published[:10]
            for start, end in self.ranges:
                if start is not None and day < start.isoformat():
                    return False
                if end is not None and day > end.isoformat():
                    return False
        if self.sources:
            feed = f"{item.get('feed_title') or ''}\n{item.get('feed') or ''}".casefold()
            if not any(s in feed for s in self.sources):
                return False
        if self.words:
            entities = "\n".join(str(e.get("name") or "") for e in item.get("entities") or ())
            text = "\n".join((str(item.get("title") or ""), str(item.get("summary") or ""),
                              str(item.get("feed_title") or ""), entities)).casefold()
            if any(w not in text for w in self.words):
                return False
        if self.exclude_regexes:
            text = f"{item.get('title') or ''}\n{item.get('summary') or ''}"
            if any(r.compiled.search(text) for r in self.exclude_regexes):
                return False
        return True

    def __str__(self) -> str:
        """Canonical text: re-parsing it gives an equal query (used for history and titles)."""
        parts = [quote_value(w) for w in self.words]
        parts += [f"+{t}" for t in self.include_themes]
        parts += [f"-{t}" for t in self.exclude_themes]
        parts += [f"@{n}{u}" for n, u in self.relative]
        for start, end in self.ranges:
            if start is not None and start == end:
                parts.append(f"@{start.isoformat()}")
            else:
                a = start.isoformat() if start else ""
                b = end.isoformat() if end else ""
                parts.append(f"@{a}..{b}")
        parts += [f"={quote_value(s)}" for s in self.sources]
        parts += [f"!{quote_value(r.source)}" for r in self.exclude_regexes]
        if self.starred:
            parts.append("*")
        if self.unread:
            parts.append("?")
        return " ".join(parts)


_EMPTY = Query()


@lru_cache(maxsize=64)
def _cutoff(now: datetime, count: int, unit: str) -> str:
    """The oldest ``published`` string an ``@<count><unit>`` token admits; cached because
    ``matches`` runs once per item with the same ``now``."""
    return (_utc(now) - count * _UNITS[unit]).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(now: datetime) -> datetime:
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)


def quote_value(value: str) -> str:
    """Quote a value when it would not survive tokenising bare (for building queries, e.g. ``=`` + a feed URL)."""
    if not value or any(c.isspace() for c in value) or value[0] in '+-@=!*?"' or '"' in value:
        return '"' + value.replace('"', "") + '"'
    return value


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Split on whitespace, keeping ``"..."`` segments (quotes removed) inside one token.

    Returns ``(token, opened with a quote)``: a token that starts with a quote is always a
    phrase, so ``"+1 rating"`` searches text instead of naming a theme. An unterminated quote
    runs to the end: the live filter parses every keystroke, and a half-typed phrase should
    filter, not error.
    """
    tokens: list[tuple[str, bool]] = []
    current: list[str] = []
    quoted = in_token = leading_quote = False
    for ch in text:
        if ch == '"':
            if not in_token:
                leading_quote = True
            quoted = not quoted
            in_token = True
        elif ch.isspace() and not quoted:
            if in_token:
                tokens.append(("".join(current), leading_quote))
            current, in_token, leading_quote = [], False, False
        else:
            current.append(ch)
            in_token = True
    if in_token:
        tokens.append(("".join(current), leading_quote))
    return [(tok, lead) for tok, lead in tokens if tok]


def resolve_theme(name: str, theme_ids: Sequence[str]) -> str:
    """Turn a theme id or unique prefix into the id, else raise :class:`QueryError`."""
    key = name.casefold()
    if key in theme_ids:
        return key
    prefixed = [t for t in theme_ids if t.startswith(key)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise QueryError(f"theme '{name}' is ambiguous: {', '.join(prefixed)}")
    close = _suggest(key, theme_ids)
    hint = f"; did you mean {' or '.join(close[:3])}?" if close else (
        f"; themes are {', '.join(theme_ids)}" if theme_ids else "")
    raise QueryError(f"unknown theme '{name}'{hint}")


def _suggest(key: str, theme_ids: Sequence[str]) -> list[str]:
    """Likely intended ids: close to the whole id, to its start, or to one of its words, so
    ``grey`` suggests gray-market and ``market`` suggests it too."""
    def closeness(theme: str) -> float:
        candidates = [theme, theme[: len(key)], *theme.split("-")]
        best = max(difflib.SequenceMatcher(None, key, c).ratio() for c in candidates)
        return 1.0 if key in theme else best

    scored = sorted(((closeness(t), t) for t in theme_ids), key=lambda p: -p[0])
    return [t for score, t in scored if score >= 0.7][:3]


def _parse_day(text: str, token: str) -> date:
    if not _DAY.fullmatch(text):
        raise QueryError(f"bad date in '{token}': use YYYY-MM-DD, e.g. @2026-11-01")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise QueryError(f"bad date in '{token}': {exc}") from None


def _parse_date_token(body: str, token: str) -> tuple[int, str] | tuple[date | None, date | None]:
    relative = _RELATIVE.fullmatch(body.lower())
    if relative:
        return int(relative.group(1)), relative.group(2)
    if ".." in body:
        left, _, right = body.partition("..")
        if not left and not right:
            raise QueryError(f"empty date range '{token}': e.g. @2026-11-01..2026-11-20")
        start = _parse_day(left, token) if left else None
        end = _parse_day(right, token) if right else None
        if start and end and start > end:
            raise QueryError(f"date range '{token}' ends before it starts")
        return start, end
    if body[:1].isdigit() and "-" in body:
        day = _parse_day(body, token)  # raises with the date-shaped hint when malformed
        return day, day
    raise QueryError(
        f"bad date token '{token}': use @7d, @2w, @1m, @2026-11-01 or @2026-11-01..2026-11-20")


def safe_regex(pattern: str, *, max_len: int = MAX_REGEX_LEN) -> re.Pattern[str]:
    """Compile a user's case-insensitive regex that will run over every item's text.

    Python's ``re`` has no timeout, so the risky shapes are refused up front: overlong
    patterns and nested quantifiers (``(a+)+``), the classic catastrophic-backtracking form.
    Also used by ``briefing.ignore`` for ``ignore.toml`` rules.

    Raises:
        ValueError: with a message that quotes the pattern and says what is wrong.
    """
    if len(pattern) > max_len:
        raise ValueError(f"regex '{pattern[:40]}...' is longer than {max_len} characters")
    if _NESTED_QUANTIFIER.search(pattern):
        raise ValueError(
            f"regex '{pattern}' repeats a repetition (like (a+)+), which can hang on long text")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"bad regex '{pattern}': {exc}") from None


def _compile_regex(pattern: str) -> _Regex:
    try:
        return _Regex(pattern, safe_regex(pattern))
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def parse_query(text: str, theme_ids: Sequence[str]) -> Query:
    """Parse a filter string.

    Args:
        text: what the user typed; may be empty.
        theme_ids: the known theme ids in display order (``+``/``-`` resolve against them).

    Raises:
        QueryError: an unknown or ambiguous theme, a bad date, a bad or risky regex, or a
            prefix with nothing after it; the message says which token and how to fix it.
    """
    words: list[str] = []
    include: list[str] = []
    exclude: list[str] = []
    relative: list[tuple[int, str]] = []
    ranges: list[tuple[date | None, date | None]] = []
    sources: list[str] = []
    regexes: list[_Regex] = []
    starred = unread = False
    for token, phrase in _tokens(text):
        body = token[1:]
        if phrase:
            words.append(token.casefold())
            continue
        if token == "*":
            starred = True
        elif token == "?":
            unread = True
        elif token[0] in "+-=!@" and len(token) == 1:
            raise QueryError(f"'{token}' needs something after it (e.g. {_EXAMPLES[token]})")
        elif token[0] in "+-":
            theme = resolve_theme(body, theme_ids)
            (include if token[0] == "+" else exclude).append(theme)
        elif token[0] == "@":
            parsed = _parse_date_token(body, token)
            if isinstance(parsed[0], int):
                relative.append(parsed)  # type: ignore[arg-type]
            else:
                ranges.append(parsed)  # type: ignore[arg-type]
        elif token[0] == "=":
            sources.append(body.casefold())
        elif token[0] == "!":
            regexes.append(_compile_regex(body))
        else:
            words.append(token.casefold())
    return Query(
        words=tuple(_unique(words)),
        include_themes=tuple(_unique(include)),
        exclude_themes=tuple(_unique(exclude)),
        relative=tuple(_unique(relative)),
        ranges=tuple(_unique(ranges)),
        sources=tuple(_unique(sources)),
        exclude_regexes=tuple(_unique(regexes)),
        starred=starred,
        unread=unread,
    )


_EXAMPLES = {"+": "+export", "-": "-gray", "=": "=reuters", "!": "!rumou?r", "@": "@7d"}


def _unique(values: list) -> list:  # type: ignore[type-arg]
    """Drop repeats, keeping first-seen order (so str() stays canonical)."""
    seen: list = []  # type: ignore[type-arg]
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen
