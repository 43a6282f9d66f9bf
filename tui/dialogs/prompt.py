"""A one-line prompt that parses what was typed: the shared half of "Go to date…" and ``L``.

Subclasses compose their own texts and input and say how to read the value (``parse``); this
base focuses the input, keeps the dialog open with a plain-text notice when the value does not
parse, and dismisses with the parsed value, or None on escape.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import on
from textual.screen import ModalScreen
from textual.widgets import Input

from styles import SCREENS_CSS

T = TypeVar("T")


class ParsedPrompt(ModalScreen["T | None"], Generic[T]):
    """Ask for one value; ``parse`` turns the text into it or raises ValueError with a one-line message."""

    CSS_PATH = SCREENS_CSS

    def parse(self, text: str) -> T:  # pragma: no cover - every prompt defines it
        raise NotImplementedError

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            value = self.parse(event.value)
        except ValueError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """escape: close without an answer."""
        self.dismiss(None)
