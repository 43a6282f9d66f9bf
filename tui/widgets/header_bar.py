"""The one-line header: which day, how many items, unread, last refresh, and SAMPLE DATA.

Rendered as a ``rich.text.Text`` built from parts (never a markup string), so a feed title or
anything else that might end up here can never be read as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from rich.text import Text
from textual.widgets import Static


@dataclass(frozen=True)
class HeaderInfo:
    """What the header shows; the screen builds one per loaded view."""

    start: date
    end: date
    total: int
    shown: int
    unread: int
    last_refresh: str | None
    demo: bool
    now: datetime
    filters: tuple[str, ...] = ()
    #: Items in range an ignore.toml rule hides, and whether they are being shown (``H``).
    hidden: int = 0
    showing_hidden: bool = False
    #: The zone item times are written in (``CET``, ``UTC``, ``+0530``) and the story order.
    zone: str = "UTC"
    order: str = "relevance"


def _ago(stamp: str | None, now: datetime) -> str:
    """'never', 'just now', '5 min ago', '3 h ago' or the date: how stale the feeds are."""
    if not stamp:
        return "never"
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return "unknown"
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return when.strftime("%Y-%m-%d %H:%M")


def header_text(info: HeaderInfo) -> Text:
    """The header line as Text: day or week, counts, unread, refresh age, filters, demo flag."""
    if info.start == info.end:
        when = info.start.strftime("%a %d %b %Y")
    else:
        # A Monday-to-Sunday span is the weekly briefing; any other is a searched range.
        week = info.start.weekday() == 0 and (info.end - info.start).days == 6
        when = f"{'Week ' if week else ''}{info.start.strftime('%d %b')} – {info.end.strftime('%d %b %Y')}"
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("chipwire", style="bold")
    if info.demo:  # first, so no width cuts the warning that these are not real news
        text.append("  ")
        text.append(" SAMPLE DATA ", style="reverse bold")
    text.append("  ")
    text.append(when, style="bold")
    items = f"{info.total} items" if info.shown == info.total else f"{info.shown} of {info.total} items"
    text.append(f"  ·  {items}  ·  ")
    text.append(f"{info.unread} unread", style="bold" if info.unread else "")
    # What changes how the list reads (filters, order, zone) before the refresh age: at 80
    # columns the line is cut at the right.
    for label in info.filters:
        text.append("  ·  ")
        text.append(label, style="italic")
    text.append(f"  ·  {'newest first' if info.order == 'time' else 'by relevance'}  ·  {info.zone}")
    text.append(f"  ·  refreshed {_ago(info.last_refresh, info.now)}")
    if info.hidden:
        text.append("  ·  ")
        text.append(f"{info.hidden} hidden" + (" (shown)" if info.showing_hidden else ""),
                    style="italic" if info.showing_hidden else "dim")
    return text


class HeaderBar(Static):
    """The app's header line; the screen sets :attr:`info` after each load."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("chipwire", id=id, markup=False)

    def show(self, info: HeaderInfo) -> None:
        """Repaint with new figures.

        No layout pass: the header is one line of fixed height whatever it says, and a layout
        of the whole screen on every day switch cost more than the header itself.
        """
        self.update(header_text(info), layout=False)
