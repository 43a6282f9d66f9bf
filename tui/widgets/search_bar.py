"""The ``/`` live filter: an Input that posts the query text as it changes.

The screen parses the text with ``briefing.query.parse_query`` off the event loop and shows a
parse error (as plain Text) under the input instead of blanking the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Label


class SearchBar(Vertical):
    """Search input plus a one-line status (match count or query error)."""

    BINDINGS = [Binding("escape", "cancel", "Clear search", show=False, id="search.cancel")]

    @dataclass
    class Changed(Message):
        """The query text changed (posted on every keystroke)."""

        text: str

    @dataclass
    class Done(Message):
        """Enter pressed: keep the filter and return to the list."""

        text: str

    class Cancelled(Message):
        """Escape pressed: clear the filter and hide the bar."""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="filter: words  +theme  -theme  @7d  =source  !regex  * starred  ? unread", id="search-input")
        yield Label("", id="search-status", markup=False)

    @property
    def input(self) -> Input:
        """The text input."""
        return self.query_one(Input)

    def open(self) -> None:
        """Show the bar and focus the input."""
        self.display = True
        self.input.focus()

    def set_status(self, message: str, *, error: bool = False) -> None:
        """Show a match count or an error; always as plain Text."""
        label = self.query_one("#search-status", Label)
        label.set_class(error, "-error")
        label.update(Text(message))

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Done(event.value))

    def action_cancel(self) -> None:
        """Clear and hide (the screen then drops the filter)."""
        self.input.value = ""
        self.display = False
        self.post_message(self.Cancelled())
