"""``L``: open link N of the item when N has more than one digit (``1``-``9`` open directly)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from tui.dialogs.prompt import ParsedPrompt


def parse_number(text: str, count: int) -> int:
    """``"12"`` -> 12 when the item has that many links.

    Raises:
        ValueError: with a one-line message quoting the input (shown as plain text).
    """
    value = text.strip()
    if value.isdigit() and 1 <= int(value) <= count:
        return int(value)
    shown = value[:20] or "(nothing)"
    raise ValueError(f"Not a link number: {shown}. Type 1 to {count}.")


class LinkPrompt(ParsedPrompt[int]):
    """Ask for a link number; dismisses with it, or None when cancelled."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel", id="link-cancel")]

    def __init__(self, count: int) -> None:
        super().__init__(id="link-prompt")
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(id="link-prompt-dialog", classes="dialog"):
            yield Static(Text("Open link"), classes="dialog-title")
            yield Static(Text(f"Its number, 1 to {self.count}, then enter."), classes="dialog-help")
            yield Input(placeholder="1", id="link-prompt-input", restrict=r"[0-9]*")

    def parse(self, text: str) -> int:
        return parse_number(text, self.count)
