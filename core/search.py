"""Searching the whole archive: ``/`` without a date token, newest month first, streamed.

A query that names no dates (``/smuggled``, ``/+gray-market =reuters``) searches everything
stored, as newsboat's ``/`` does, instead of only the day on screen. Loading a 50,000-item
archive on every keystroke would take seconds, so the search walks the months newest first and
hands the screen a view after the first month and then every ``STEP_SECONDS``: the first
results are on screen in a fraction of a second and older matches fill in behind them. The
store keeps recently used months parsed, so the next keystroke does not read them from disk
again, and the walk stops at ``LIMIT`` matches (the header says so) — a one-letter query that
matches every item must not build a briefing of the whole archive.

The caller (a thread worker) stops iterating when the person typed on: nothing here holds a
lock between months, so an abandoned search costs at most the month it was reading.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.query import Query
    from core.session import BriefingView, Services, ViewRequest

#: Newest matches kept; the walk stops there (the header says "newest N").
LIMIT = 2000
#: A partial view goes to the screen at most this often once the first one is out.
STEP_SECONDS = 0.25


def stored_months(services: "Services") -> list[tuple[date, date]]:
    """Each month with items as (first day, last day with items), newest month first."""
    months: dict[str, list[date]] = {}
    for day in services.days_with_items():
        months.setdefault(day.isoformat()[:7], []).append(day)
    return [(days[0], days[-1]) for _, days in sorted(months.items(), reverse=True)]


def archive_views(
    services: "Services", request: "ViewRequest", query: "Query", now: datetime
) -> Iterator["BriefingView"]:
    """Views of the matches found so far, each a superset of the last; the final one has
    ``complete`` set. Matches are grouped as the briefing is, newest first within a group."""
    months = stored_months(services)
    if not months:
        yield _view(services, request, [], query, now, None, complete=True, limited=False)
        return
    newest = months[0][1]
    matched: list[dict] = []
    last_yield = 0.0
    limited = False
    for index, (first, last) in enumerate(months):
        with services.lock:
            items = services.store.items(start=first, end=last)
        for item in items:
            if query.matches(item, now):
                matched.append(item)
                if len(matched) >= LIMIT:
                    limited = True
                    break
        done = limited or index == len(months) - 1
        if done or not last_yield or time.monotonic() - last_yield >= STEP_SECONDS:
            # Items are newest first, so the oldest day searched so far is the month's first.
            span = (matched[-1]["published"][:10] if limited and matched else first.isoformat(), newest)
            yield _view(services, request, matched, query, now, span, complete=done, limited=limited)
            last_yield = time.monotonic()
        if done:
            return


def _view(
    services: "Services",
    request: "ViewRequest",
    matched: list[dict],
    query: "Query",
    now: datetime,
    span: tuple[str, date] | None,
    *,
    complete: bool,
    limited: bool,
) -> "BriefingView":
    start = date.fromisoformat(span[0]) if span else request.day
    end = span[1] if span else request.day
    view = services.arrange(request, list(matched), start, end, query=query, query_error=None,
                             now=now, searched=(start, end), order="time")
    return replace(view, archive=True, complete=complete, limited=limited)
