"""A yes/no question asked before a change that is not undone by a key (removing a feed)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from styles import SCREENS_CSS


class ConfirmModal(ModalScreen[bool]):
    """A yes/no question; ``y``/``enter`` confirm, ``n``/``escape`` cancel."""

    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self.question, classes="dialog-help")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Remove (y)", variant="error", id="confirm-yes")
                yield Button("Keep (n)", id="confirm-no")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        """Close with the answer."""
        self.dismiss(answer)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)
