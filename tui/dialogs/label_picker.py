"""The correction keys' dialog: which theme to reject, add or confirm on the open item.

The same small list as the ``t`` picker (same keys, same look), asked a different question and
without counts: the answer is a theme id, or None when the person cancels. Titles go in as
``Text`` with the list built ``markup=False`` (they come from the person's themes.toml).
"""

from __future__ import annotations

from typing import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.dialogs.theme_picker import ThemeChoice, ThemePicker


class LabelPicker(ThemePicker):
    """Pick one theme for a correction; dismisses with its id or None."""

    def __init__(self, question: str, choices: Sequence[ThemeChoice]) -> None:
        ModalScreen.__init__(self, id="label-picker")
        self.question = question
        self.choices = list(choices)
        self.active = self.choices[0].id if self.choices else ""

    def compose(self) -> ComposeResult:
        with Vertical(id="theme-picker-dialog", classes="dialog"):
            yield Static(Text(self.question), classes="dialog-title")
            yield OptionList(
                *[Option(Text(c.title, no_wrap=True, overflow="ellipsis"), id=c.id) for c in self.choices],
                id="theme-picker-list",
                markup=False,
            )
