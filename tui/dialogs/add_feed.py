"""The add-a-feed dialog: one input for a URL or a local path (validated by core.subscribe)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from styles import SCREENS_CSS


class AddFeedModal(ModalScreen[str | None]):
    """Ask for a URL or a local path; dismisses with the text, or None when cancelled."""

    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "cancel", "Cancel", id="feeds.add.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="add-feed-dialog", classes="dialog"):
            yield Static(Text("Add a feed"), classes="dialog-title")
            yield Static(Text("An http(s) URL, or the path of a local RSS/Atom/JSON feed file."),
                         classes="dialog-help")
            yield Input(placeholder="https://example.org/feed.xml", id="add-feed-input")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add", variant="primary", id="add-feed-ok")
                yield Button("Cancel", id="add-feed-cancel")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    @on(Button.Pressed, "#add-feed-ok")
    def _ok(self) -> None:
        self.dismiss(self.query_one(Input).value)

    @on(Button.Pressed, "#add-feed-cancel")
    def _cancel_button(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        """escape: close without adding."""
        self.dismiss(None)
