"""The palette's "Go to date…": type a day instead of scrolling a list of stored days.

The palette already lists every day that has items; this is for the day you have in mind
("what happened on 2025-10-07?"). It accepts ``YYYY-MM-DD``, ``today`` and ``yesterday``;
anything else is a plain-text notice and the dialog stays open to fix the typo. Where the day
has no items, the screen shows the nearest earlier day that has and says so.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.dialogs.prompt import ParsedPrompt


def parse_day(text: str, today: date) -> date:
    """``"2025-11-27"``, ``"today"``, ``"yesterday"`` -> a date (UTC days, like the store's).

    Raises:
        ValueError: with a one-line message that quotes the input (shown as plain text).
    """
    value = text.strip().lower()
    if value == "today":
        return today
    if value == "yesterday":
        return today - timedelta(days=1)
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        shown = text.strip()[:40] or "(nothing)"
        raise ValueError(f"Not a date: {shown}. Type YYYY-MM-DD, today or yesterday.") from None


class DatePrompt(ParsedPrompt[date]):
    """Ask for a day; dismisses with the date, or None when cancelled."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel", id="date-cancel")]

    def __init__(self, today: date) -> None:
        super().__init__(id="date-prompt")
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(id="date-prompt-dialog", classes="dialog"):
            yield Static(Text("Go to date"), classes="dialog-title")
            yield Static(Text("YYYY-MM-DD, today or yesterday (UTC days)."), classes="dialog-help")
            yield Input(placeholder=self.today.isoformat(), id="date-prompt-input")

    def parse(self, text: str) -> date:
        return parse_day(text, self.today)
