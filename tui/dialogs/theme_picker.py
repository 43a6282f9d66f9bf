"""The ``t`` dialog: pick the theme filter from a short list instead of walking the column.

Why a dialog: the theme column is a pane you tab into, and on a narrow terminal it is 22
columns of cut titles. ``t`` asks one question ("which theme?") and answers it in one place:
"All themes", the themes in essay order with the view's counts, and "Other" (untagged items).
``enter`` applies, ``escape`` cancels and leaves the filter as it was.

Titles come from themes.toml (the person's own file) and go in as ``Text`` with the list built
``markup=False``, so a ``[`` in a title is a bracket, not markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui import keymap
from styles import SCREENS_CSS

#: What the picker returns for "All themes" (``None`` means cancelled).
ALL_THEMES = "__all__"


@dataclass(frozen=True)
class ThemeChoice:
    """One line of the picker: a theme id (or :data:`ALL_THEMES`), its title and count."""

    id: str
    title: str
    count: int


def choice_text(choice: ThemeChoice, *, active: bool) -> Text:
    """``"  3  Export controls  ✓"``: the count first so the column of numbers lines up."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{choice.count:>4}  ", style="bold" if choice.count else "dim")
    text.append(choice.title)
    if active:
        text.append("  ✓ current", style="dim")
    return text


class ThemePicker(ModalScreen[str | None]):
    """A list of theme choices; dismisses with the chosen id, :data:`ALL_THEMES`, or None."""

    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings("picker")

    def __init__(self, choices: Sequence[ThemeChoice], active: str | None) -> None:
        super().__init__(id="theme-picker")
        self.choices = list(choices)
        self.active = active or ALL_THEMES

    def compose(self) -> ComposeResult:
        with Vertical(id="theme-picker-dialog", classes="dialog"):
            yield Static(Text("Show which theme?"), classes="dialog-title")
            yield OptionList(
                *[Option(choice_text(c, active=c.id == self.active), id=c.id) for c in self.choices],
                id="theme-picker-list",
                markup=False,
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        ids = [c.id for c in self.choices]
        options.highlighted = ids.index(self.active) if self.active in ids else 0
        options.focus()

    @property
    def highlighted(self) -> str | None:
        """The choice id under the cursor."""
        option = self.query_one(OptionList).highlighted_option
        return option.id if option is not None else None

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cursor_down(self) -> None:
        """j: next theme."""
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """k: previous theme."""
        self.query_one(OptionList).action_cursor_up()

    def action_cancel(self) -> None:
        """escape: keep the filter as it was."""
        self.dismiss(None)
