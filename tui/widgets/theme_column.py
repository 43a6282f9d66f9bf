"""The theme column: each theme with its count in the view and a 30-day sparkline.

A dozen small widgets (ten themes, "Other" and "All"), so plain widgets are fine here. The
column is focusable and keeps its own cursor; it posts :class:`ThemeColumn.Highlighted` when
the cursor moves (the analysis pane shows that theme's thesis) and :class:`ThemeColumn.Selected`
on enter (the screen filters the list to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Label, Sparkline

#: The pseudo entry that clears the theme filter.
ALL = "__all__"


@dataclass(frozen=True)
class ThemeEntryData:
    """What one row shows (the screen builds these from ``services.ThemeSummary``)."""

    id: str
    title: str
    count: int
    spark: Sequence[int]


class ThemeEntry(Vertical):
    """One theme: "title  count" and a sparkline under it."""

    def __init__(self, data: ThemeEntryData) -> None:
        super().__init__(id=f"theme-{data.id}" if data.id != ALL else "theme-all", classes="theme-entry")
        self.data = data

    def compose(self) -> ComposeResult:
        yield Label(self._label(), classes="theme-label", markup=False)
        if self.data.id != ALL:
            yield Sparkline(list(self.data.spark) or [0], summary_function=max, classes="theme-spark")

    def _label(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{self.data.count:>3} ", style="bold" if self.data.count else "dim")
        text.append(self.data.title)
        return text

    def set_data(self, data: ThemeEntryData) -> None:
        """Update counts and sparkline in place (no remount: cheap on day switches)."""
        if data == self.data:
            return
        self.data = data
        # One no-wrap line whatever the count: repaint only, no layout pass of the screen.
        self.query_one(".theme-label", Label).update(self._label(), layout=False)
        if data.id != ALL:
            self.query_one(Sparkline).data = list(data.spark) or [0]


class ThemeColumn(VerticalScroll, can_focus=True):
    """The list of themes with a cursor; selecting one filters the story list."""

    BINDINGS = [
        Binding("enter", "select", "Filter", show=False, id="themes.select"),
        Binding("down", "move(1)", "Down", show=False, id="themes.down"),
        Binding("up", "move(-1)", "Up", show=False, id="themes.up"),
    ]

    @dataclass
    class Highlighted(Message):
        """The cursor is on this theme id (``ALL`` for the "All themes" entry)."""

        theme: str

    @dataclass
    class Selected(Message):
        """Filter to this theme id (``None`` for all)."""

        theme: str | None

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._entries: list[ThemeEntry] = []
        self.cursor = 0
        self.active: str | None = None

    def show(self, entries: Sequence[ThemeEntryData], active: str | None) -> None:
        """Set the entries (first call mounts them; later calls update in place)."""
        self.active = active
        ids = [e.id for e in entries]
        if [e.data.id for e in self._entries] == ids:
            for widget, data in zip(self._entries, entries):
                widget.set_data(data)
        else:
            self.remove_children()
            self._entries = [ThemeEntry(data) for data in entries]
            self.mount_all(self._entries)
        self.cursor = min(self.cursor, max(len(self._entries) - 1, 0))
        self._paint()

    @property
    def highlighted(self) -> str | None:
        """The theme id under the cursor."""
        if not self._entries:
            return None
        return self._entries[self.cursor].data.id

    def _paint(self) -> None:
        for index, entry in enumerate(self._entries):
            entry.set_class(index == self.cursor, "-cursor")
            active = (entry.data.id == self.active) or (entry.data.id == ALL and self.active is None)
            entry.set_class(active, "-active")
        if self._entries:
            self._entries[self.cursor].scroll_visible(animate=False)

    def move(self, delta: int) -> None:
        """Move the cursor by ``delta`` entries, clamped (no wrap)."""
        self.move_to(self.cursor + delta)

    def move_to(self, index: int) -> None:
        """Put the cursor on entry ``index`` (negative counts from the end)."""
        if not self._entries:
            return
        if index < 0:
            index = len(self._entries) + index
        self.cursor = max(0, min(index, len(self._entries) - 1))
        self._paint()
        if self.highlighted is not None:
            self.post_message(self.Highlighted(self.highlighted))

    def action_move(self, delta: int) -> None:
        """Key action: move the cursor."""
        self.move(delta)

    def action_select(self) -> None:
        """Key action: filter to the theme under the cursor (or clear with "All")."""
        theme = self.highlighted
        if theme is None:
            return
        self.post_message(self.Selected(None if theme == ALL else theme))

    def on_focus(self) -> None:
        """Show the highlighted theme's analysis as soon as the column gets focus."""
        if self.highlighted is not None:
            self.post_message(self.Highlighted(self.highlighted))

    def on_click(self, event: events.Click) -> None:
        """A click on a theme filters to it, like enter."""
        widget = event.widget
        while widget is not None and not isinstance(widget, ThemeEntry):
            widget = widget.parent
        if isinstance(widget, ThemeEntry) and widget in self._entries:
            self.move_to(self._entries.index(widget))
            self.action_select()
