"""The command palette provider: every key action by name, plus go-to-date and export range.

Habit 9: anything a key does can also be found by typing its name in ctrl+p. Commands act on
the briefing screen, which declares this provider in its ``COMMANDS``; when another screen is on
top they are not offered.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from typing import Any, Callable, Iterator

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.keymap import KEY_SPECS, PALETTE_SCOPES

#: Palette names of the briefing's and the app's key actions, by action (the footer labels are
#: terse; here they can say more). The help screen lists keys under these names too.
ACTION_NAMES: dict[str, str] = {
    "cursor_top": "Go to top of list",
    "cursor_bottom": "Go to bottom of list",
    "open": "Open item under cursor",
    "expand": "Expand/collapse story sources",
    "back": "Back (close item, clear search)",
    "prev_day": "Previous day with items",
    "next_day": "Next day with items",
    "pick_theme": "Pick a theme filter",
    "reject_theme": "Reject a theme of this item",
    "add_theme": "Add a theme to this item",
    "confirm_theme": "Confirm a theme of this item",
    "search": "Search / filter",
    "toggle_unread": "Toggle unread only",
    "toggle_star": "Star / unstar item",
    "toggle_read": "Mark item read / unread",
    "mark_all_read": "Mark everything in view read",
    "open_link": "Open link in browser",
    "next_unread": "Open next unread item",
    "prev_unread": "Open previous unread item",
    "pick_link": "Open a numbered link of the item…",
    "toggle_order": "Sort stories: relevance / newest",
    "copy_link": "Copy link",
    "full_text": "Fetch the full text of the item",
    "refresh": "Refresh feeds",
    "export": "Export digest of this view",
    "toggle_analysis": "Show / hide analysis pane",
    "toggle_weekly": "Toggle daily / weekly",
    "toggle_hidden": "Show hidden items",
    "app.feeds": "Feeds",
    "app.help": "Help",
    "app.quit": "Quit",
}
#: The old private name, kept for code written against it.
_NAMES = ACTION_NAMES
#: The palette command that asks for a date to go to (the stored days are listed as well).
GOTO_DATE = "Go to date…"


class ChipwireCommands(Provider):
    """Commands for the briefing screen."""

    def _screen(self) -> Any | None:
        """The briefing screen the palette was opened on (only that screen declares this provider).

        Duck-typed rather than ``isinstance``: importing the screen here would close the
        app -> commands -> screen circle that the screen's own ``COMMANDS`` broke.
        """
        screen = self.screen
        return screen if hasattr(screen, "goto_day") and hasattr(screen, "services") else None

    def _commands(self) -> Iterator[tuple[str, Callable[[], Any], str]]:
        screen = self._screen()
        if screen is None:
            return
        for spec in KEY_SPECS:
            name = ACTION_NAMES.get(spec.action)
            if name is None or spec.scope not in PALETTE_SCOPES:
                continue
            if spec.action.startswith("app."):
                callback = partial(self.app.run_action, spec.action.removeprefix("app."))
            else:
                callback = partial(screen.run_action, spec.action)
            yield name, callback, f"key: {spec.keys}"
        yield GOTO_DATE, partial(screen.run_action, "goto_date"), "type YYYY-MM-DD, today or yesterday"
        services = screen.services
        yield "Filter: all themes", partial(screen.set_theme, None), "clear the theme filter"
        titles = services.theme_titles()
        for theme_id, title in titles.items():
            yield f"Filter: {title}", partial(screen.set_theme, theme_id), theme_id
        counts = services._day_counts or {}
        for key in sorted(counts, reverse=True)[:400]:
            try:
                day = date.fromisoformat(key)
            except ValueError:
                continue
            total = counts[key].get("total", 0)
            if total:
                yield f"Go to date {key}", partial(screen.goto_day, day), f"{total} items"
        if screen.request is not None:
            day = screen.request.day
            monday = day - timedelta(days=day.weekday())
            first = day.replace(day=1)
            next_month = (first + timedelta(days=32)).replace(day=1)
            ranges = [
                ("Export range: this week", monday, monday + timedelta(days=6)),
                ("Export range: last 7 days", day - timedelta(days=6), day),
                ("Export range: this month", first, next_month - timedelta(days=1)),
                ("Export range: last 30 days", day - timedelta(days=29), day),
            ]
            for name, start, end in ranges:
                yield name, partial(screen.export_range, start, end), f"{start} to {end}"

    async def discover(self) -> Hits:
        """Shown before anything is typed: the key actions."""
        for name, callback, help_text in self._commands():
            if name.startswith("Go to date "):  # the per-day entries: only when typing
                continue
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy match every command, including each day with items."""
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
