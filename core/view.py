"""The briefing view: what the screen paints for one request, built off the event loop.

The screen owns a :class:`ViewRequest` (day or week, filters, query, order) and gets back a
:class:`BriefingView`. Its groups are ``briefing.model``'s own :class:`ThemeGroup` /
:class:`StoryRow` objects, handed over as built: the view adds only what the screen needs
beside them (theme-column counts and sparklines, the header's totals, the items by id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from briefing.model import OTHER

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.model import ThemeGroup
    from briefing.query import Query
    from core.session import Services

__all__ = ["OTHER", "BriefingView", "ThemeSummary", "ViewRequest", "arrange"]


@dataclass(frozen=True)
class ViewRequest:
    """What the person asked to see; the screen owns one and replaces it on every change.

    Attributes:
        day: the day shown (UTC calendar day, like the store's day counts).
        weekly: show the week (Monday to Sunday) containing ``day`` instead of the day.
        unread_only: hide read items.
        theme: show only this theme id (or ``"other"``); ``None`` for all.
        query: the ``/`` filter text in the query language; "" for none.
        show_hidden: also show items an ignore.toml rule hides (marked as hidden).
        order: how stories are ordered within a theme group: ``"relevance"`` or ``"time"`` (newest first).
    """

    day: date
    weekly: bool = False
    unread_only: bool = False
    theme: str | None = None
    query: str = ""
    show_hidden: bool = False
    order: str = "relevance"

    @property
    def range(self) -> tuple[date, date]:
        """The inclusive (start, end) days of this view."""
        if not self.weekly:
            return self.day, self.day
        start = self.day - timedelta(days=self.day.weekday())
        return start, start + timedelta(days=6)


@dataclass
class ThemeSummary:
    """A theme-column entry: counts for the view and the 30-day daily counts for its sparkline."""

    id: str
    title: str
    count: int
    spark: list[int]


@dataclass
class BriefingView:
    """Everything the briefing screen paints, built off the event loop."""

    request: ViewRequest
    #: ``briefing.model`` theme groups as built (theme ``None`` is Other), not copies.
    groups: list["ThemeGroup"]
    themes: list[ThemeSummary]
    total: int
    unread: int
    shown: int
    day_total: int
    last_refresh: str | None
    demo: bool
    query_error: str | None = None
    items: dict[str, dict] = field(default_factory=dict)
    #: Items in the view's range an ignore rule hides (counted whether shown or not).
    hidden: int = 0
    #: Item id -> name of the ignore rule hiding it (only ids of hidden items).
    hidden_by: dict[str, str] = field(default_factory=dict)
    #: The days searched when a ``/`` query names dates (``@2w``, ``@2026-11-01..``); else
    #: None, and the view covers the request's day or week.
    searched: tuple[date, date] | None = None
    #: An archive search (a ``/`` query without dates): the days searched are everything stored.
    archive: bool = False
    #: False while an archive search is still reading older months (more matches may come).
    complete: bool = True
    #: The archive search stopped at ``core.search.LIMIT`` matches (the newest are shown).
    limited: bool = False

    @property
    def span(self) -> tuple[date, date]:
        """The inclusive days the view shows: the query's dates, or the day / week."""
        return self.searched or self.request.range

    def item_ids(self) -> list[str]:
        """Every item id shown (leads and other sources), in list order."""
        ids: list[str] = []
        for group in self.groups:
            for row in group.rows:
                ids.append(row.lead["id"])
                ids.extend(o["id"] for o in row.others)
        return ids


def arrange(
    session: "Services",
    request: ViewRequest,
    items: list[dict],
    start: date,
    end: date,
    *,
    query: "Query | None",
    query_error: str | None,
    now: datetime,
    searched: tuple[date, date] | None,
    order: str | None = None,
) -> BriefingView:
    """Group ``items`` (those of ``start..end``) into the view the screen paints.

    ``order`` overrides the request's sort (the archive search lists newest first).
    """
    from briefing.model import build_briefing, daily_counts

    titles = session.theme_titles()
    known = {t.id: t.title for t in session.themes.themes}
    briefing = build_briefing(
        items,
        theme_titles=known,
        start=start,
        end=end,
        query=query,
        ignore=session.ignore_rules(),
        show_hidden=request.show_hidden,
        unread_only=request.unread_only,
        theme_filter=request.theme,
        now=now,
        order=order or request.order,
    )
    counts = session.day_counts()
    sparks = daily_counts(counts, session.theme_ids + [OTHER], end, days=30)
    per_theme: dict[str, int] = {}
    for item in items:
        tags = item.get("themes") or []
        if not tags:
            per_theme[OTHER] = per_theme.get(OTHER, 0) + 1
        for tag in tags:
            per_theme[tag["id"]] = per_theme.get(tag["id"], 0) + 1
    summaries = [
        ThemeSummary(theme_id, titles.get(theme_id, theme_id), per_theme.get(theme_id, 0), list(sparks.get(theme_id, [])))
        for theme_id in session.theme_ids + [OTHER]
    ]
    view = BriefingView(
        request=request,
        groups=briefing.groups,
        themes=summaries,
        total=len(items),
        unread=sum(1 for i in items if not i.get("read")),
        shown=0,
        day_total=len(items),
        last_refresh=session.last_refresh(),
        demo=session.demo,
        query_error=query_error,
        hidden=briefing.hidden,
        hidden_by=dict(briefing.hidden_by),
        searched=searched,
    )
    for group in briefing.groups:
        for row in group.rows:
            for item in (row.lead, *row.others):
                view.items[item["id"]] = item
    view.shown = len(view.items)
    return view
