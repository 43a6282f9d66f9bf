"""The briefing: one day's (or week's) items arranged the way the TUI and the digest show them.

Both the briefing screen and the Markdown digest render a :class:`Briefing`, so what a reader
sees on screen and what they export are the same selection in the same order.

Arrangement rules:

* Items outside ``start..end`` (UTC days of ``published``) are left out; then the query,
  ``unread_only`` and ``theme_filter`` apply; items an ignore rule hides are left out unless
  ``show_hidden`` (they are still counted in ``hidden`` and listed in ``hidden_by``).
* Items sharing a ``story`` collapse into one :class:`StoryRow`. Its lead is the item with the
  highest score for its best theme (ties: earliest published, then smallest id), because the
  most on-theme report is the one worth reading first; the others follow oldest first.
* A row goes under its lead's best theme (the highest-scored theme known to ``theme_titles``;
  tags of themes no longer configured are ignored), with the lead's other themes as badges;
  untagged rows go under "Other" (``theme=None``), last. Theme groups follow the order of
  ``theme_titles``; empty groups are omitted.
* With ``theme_filter`` set, only items carrying that theme (anywhere in their tags) remain and
  they form a single group of that theme, ranked by their score for it. ``theme_filter="other"``
  selects untagged items.
* ``order="relevance"``: score, then number of sources, then newest; ``order="time"``: newest
  first. Every tie ends on the story id, so equal input always gives equal output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.ignore import IgnoreRules
    from briefing.query import Query

__all__ = [
    "OTHER",
    "OTHER_TITLE",
    "Briefing",
    "StoryRow",
    "ThemeGroup",
    "best_theme",
    "build_briefing",
    "daily_counts",
    "days_with_items",
    "next_day",
    "prev_day",
    "pulse",
    "week_range",
]

OTHER = "other"
"""Pseudo theme id for untagged items, as used by ``theme_filter`` and the store's day counts."""
OTHER_TITLE = "Other"
"""Heading of the group of untagged items."""

ORDERS = ("relevance", "time")


@dataclass
class StoryRow:
    """One story: the item shown plus the same story from other sources."""

    story: str
    lead: dict
    """The item shown (see the module docstring for how it is chosen)."""
    others: list[dict]
    """The same story from other sources, oldest first."""
    theme: str | None
    """The row's theme id; None = "Other" (untagged)."""
    badges: list[str]
    """The lead's other theme ids, best first."""
    score: float
    """The lead's score for ``theme`` (0 for Other), for "most relevant first"."""

    @property
    def items(self) -> list[dict]:
        """Lead first, then the others."""
        return [self.lead, *self.others]


@dataclass
class ThemeGroup:
    """The rows of one theme (or of "Other", ``theme=None``), in display order."""

    theme: str | None
    title: str
    rows: list[StoryRow]


@dataclass
class Briefing:
    """Everything a briefing screen or digest shows for ``start..end`` (inclusive UTC days)."""

    start: date
    end: date
    groups: list[ThemeGroup]
    """Theme order as given, then Other last; empty groups omitted."""
    total_items: int
    """Items in the briefing (leads and others) after every filter."""
    unread: int
    """Of ``total_items``, how many are unread."""
    feeds: int
    """Distinct feeds among ``total_items``."""
    hidden: int
    """Items in range that passed the other filters but an ignore rule hides (shown or not)."""
    hidden_by: dict[str, str] = field(default_factory=dict)
    """Item id -> label of the ignore rule hiding it, so a view can dim hidden rows it shows."""

    def rows(self) -> list[StoryRow]:
        """All rows, flattened in display order."""
        return [row for group in self.groups for row in group.rows]


def _score(entry: Mapping) -> float:
    try:
        return float(entry.get("score") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def _known_tags(item: Mapping, known: Mapping[str, str]) -> list[tuple[str, float]]:
    """``(id, score)`` of the item's themes that are configured, best first (stable)."""
    tags: list[tuple[str, float]] = []
    seen: set[str] = set()
    for entry in item.get("themes") or ():
        theme = entry.get("id") if isinstance(entry, Mapping) else None
        if theme in known and theme not in seen:
            seen.add(theme)
            tags.append((theme, _score(entry)))
    tags.sort(key=lambda t: -t[1])  # sort is stable: equal scores keep the tagger's order
    return tags


def best_theme(item: Mapping, theme_titles: Mapping[str, str]) -> str | None:
    """The item's best configured theme id, or None when it has none (it goes under Other)."""
    tags = _known_tags(item, theme_titles)
    return tags[0][0] if tags else None


def build_briefing(
    items: Sequence[dict],
    *,
    theme_titles: Mapping[str, str],
    start: date,
    end: date,
    query: Query | None = None,
    ignore: IgnoreRules | None = None,
    show_hidden: bool = False,
    unread_only: bool = False,
    theme_filter: str | None = None,
    now: datetime,
    order: str = "relevance",
) -> Briefing:
    """Arrange items into theme groups of story rows (rules in the module docstring).

    Args:
        items: item records; any may fall outside ``start..end`` (they are skipped).
        theme_titles: ``{theme id: title}`` in display order (a dict keeps insertion order).
        start, end: inclusive UTC days.
        query: a parsed ``/`` filter; None or empty filters nothing.
        ignore: ignore rules; hidden items are dropped unless ``show_hidden``.
        show_hidden: keep hidden items (still counted in ``hidden``).
        unread_only: drop read items.
        theme_filter: one theme id (or ``"other"``) to show alone; None shows all.
        now: the clock, for relative query dates and ``older_than_days`` rules.
        order: ``"relevance"`` or ``"time"``.

    Raises:
        ValueError: for an unknown ``order``.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    first, last = start.isoformat(), end.isoformat()
    use_query = query is not None and not query.is_empty
    kept: list[dict] = []
    hidden_by: dict[str, str] = {}
    tags_of: dict[int, list[tuple[str, float]]] = {}
    for item in items:
        day = str(item.get("published") or "")[:10]
        if day < first or day > last:
            continue
        if unread_only and item.get("read"):
            continue
        tags = _known_tags(item, theme_titles)
        if theme_filter is not None:
            if theme_filter == OTHER:
                if tags:
                    continue
            elif all(t != theme_filter for t, _ in tags):
                continue
        if use_query and not query.matches(item, now):  # type: ignore[union-attr]
            continue
        if ignore:
            rule = ignore.hides(item, now)
            if rule is not None:
                hidden_by[str(item.get("id"))] = rule
                if not show_hidden:
                    continue
        tags_of[id(item)] = tags
        kept.append(item)

    def rank(item: dict) -> tuple[str | None, float]:
        """The theme a row of this lead goes under, and the lead's score for it."""
        tags = tags_of[id(item)]
        if theme_filter is not None and theme_filter != OTHER:
            return theme_filter, next(s for t, s in tags if t == theme_filter)
        return (tags[0][0], tags[0][1]) if tags else (None, 0.0)

    stories: dict[str, list[dict]] = defaultdict(list)
    for item in kept:
        stories[str(item.get("story") or item.get("id"))].append(item)

    by_theme: dict[str | None, list[StoryRow]] = defaultdict(list)
    for story, members in stories.items():
        members.sort(key=lambda it: (str(it.get("published") or ""), str(it.get("id"))))
        # max() keeps the first of equal keys: earliest published, then smallest id.
        lead = max(members, key=lambda it: rank(it)[1])
        theme, score = rank(lead)
        badges = [t for t, _ in tags_of[id(lead)] if t != theme]
        others = [it for it in members if it is not lead]
        by_theme[theme].append(StoryRow(story, lead, others, theme, badges, score))

    groups: list[ThemeGroup] = []
    for theme in [*theme_titles, None]:
        rows = by_theme.get(theme)
        if not rows:
            continue
        if order == "relevance":
            rows.sort(key=lambda r: r.story)
            rows.sort(key=lambda r: str(r.lead.get("published") or ""), reverse=True)
            rows.sort(key=lambda r: (r.score, len(r.others)), reverse=True)
        else:
            rows.sort(key=lambda r: r.story)
            rows.sort(key=lambda r: str(r.lead.get("published") or ""), reverse=True)
        title = theme_titles[theme] if theme is not None else OTHER_TITLE
        groups.append(ThemeGroup(theme, title, rows))

    return Briefing(
        start=start,
        end=end,
        groups=groups,
        total_items=len(kept),
        unread=sum(1 for it in kept if not it.get("read")),
        feeds=len({it.get("feed") for it in kept}),
        hidden=len(hidden_by),
        hidden_by=hidden_by,
    )


def week_range(day: date) -> tuple[date, date]:
    """The ISO week (Monday..Sunday) containing ``day``: the weekly briefing's range."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _days(end: date, days: int) -> list[str]:
    return [(end - timedelta(days=n)).isoformat() for n in range(days - 1, -1, -1)]


def daily_counts(
    day_counts: Mapping[str, Mapping[str, int]],
    theme_ids: Sequence[str],
    end: date,
    days: int = 30,
) -> dict[str, list[int]]:
    """Per-day counts for sparklines and the digest's pulse, oldest day first.

    Args:
        day_counts: the store's ``{"YYYY-MM-DD": {"total": n, "other": n, <theme>: n, ...}}``
            (missing days and keys count 0).
        theme_ids: which series to return (e.g. the theme ids plus ``"other"``);
            ``"total"`` is always included.
        end: the last day of the window (inclusive).
        days: window length.

    Returns:
        ``{series: [count for each of the ``days`` days ending at ``end``]}``.
    """
    keys = _days(end, days)
    series = [*theme_ids, *(["total"] if "total" not in theme_ids else [])]
    empty: Mapping[str, int] = {}
    return {s: [int(day_counts.get(k, empty).get(s, 0) or 0) for k in keys] for s in series}


def pulse(
    day_counts: Mapping[str, Mapping[str, int]],
    theme_ids: Sequence[str],
    start: date,
    end: date,
) -> list[dict]:
    """How each theme moved: items in ``start..end`` vs the equally long range just before.

    Returns:
        One dict per theme id, in the given order: ``{"theme", "count", "previous",
        "change", "change_pct"}``; ``change_pct`` is None when ``previous`` is 0 (a rise from
        nothing has no meaningful percentage).
    """
    length = (end - start).days + 1
    if length <= 0:
        raise ValueError(f"pulse range ends before it starts: {start}..{end}")
    now_keys = _days(end, length)
    before_keys = _days(start - timedelta(days=1), length)
    empty: Mapping[str, int] = {}
    out: list[dict] = []
    for theme in theme_ids:
        count = sum(int(day_counts.get(k, empty).get(theme, 0) or 0) for k in now_keys)
        previous = sum(int(day_counts.get(k, empty).get(theme, 0) or 0) for k in before_keys)
        change_pct = round(100.0 * (count - previous) / previous, 1) if previous else None
        out.append({"theme": theme, "count": count, "previous": previous,
                    "change": count - previous, "change_pct": change_pct})
    return out


def days_with_items(day_counts: Mapping[str, Mapping[str, int]]) -> list[date]:
    """Days whose ``total`` is positive, oldest first (malformed keys are skipped)."""
    days: list[date] = []
    for key, counts in day_counts.items():
        if int(counts.get("total", 0) or 0) <= 0:
            continue
        try:
            days.append(date.fromisoformat(key))
        except ValueError:
            continue
    return sorted(days)


def prev_day(days: Sequence[date], current: date, *, weekly: bool = False) -> date | None:
    """The latest day with items before ``current`` (before its ISO week when ``weekly``),
    for the ``[`` key; None when there is none."""
    limit = week_range(current)[0] if weekly else current
    earlier = [d for d in days if d < limit]
    return max(earlier) if earlier else None


def next_day(days: Sequence[date], current: date, *, weekly: bool = False) -> date | None:
    """The earliest day with items after ``current`` (after its ISO week when ``weekly``),
    for the ``]`` key; None when there is none."""
    limit = week_range(current)[1] if weekly else current
    later = [d for d in days if d > limit]
    return min(later) if later else None
