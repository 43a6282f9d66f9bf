"""The welcome screen: first run on an empty home — say what chipwire is and offer two ways in.

Why it exists: on first run the briefing is empty, and an empty screen teaches nothing. The
person gets three lines of what this is, then picks:

- **Refresh the default feeds** (``r``): closes the welcome and starts the briefing screen's own
  refresh (the same worker, progress bar and summary as pressing ``r`` there), so there is one
  refresh path in the app;
- **Open the demo** (``d``): the demo lives in its own temporary home seeded like
  ``chipwire --demo``, and the app cannot swap homes under an open store. So the app exits with
  the result :data:`DEMO_RESULT`; ``chipwire`` (``tui.cli.app_cmd.run_app_command``) sees it
  and opens the demo straight away, exactly as ``chipwire --demo`` would;
- **Later** (``escape``): just close it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui import keymap
from styles import SCREENS_CSS

if TYPE_CHECKING:  # pragma: no cover
    from core.session import Services

#: What the app returns (``App.return_value``) when the person chose the demo.
DEMO_RESULT = "demo"
#: The command that opens the demo, printed when the app exits for it.
DEMO_COMMAND = "chipwire --demo"

WELCOME_TEXT = (
    "chipwire is a terminal briefing on AI accelerators, compute scarcity and chip export "
    "controls. It fetches news feeds, tags every item against the ten themes of one analysis "
    "(the compute cold war), groups reports of the same event into stories, and shows a daily "
    "briefing you can read, star and export as Markdown.\n"
    "Nothing has been fetched yet: your home is empty."
)


class WelcomeScreen(ModalScreen[None]):
    """First-run dialog over the empty briefing: refresh the defaults, open the demo, or later."""

    CSS_PATH = SCREENS_CSS
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings("welcome")

    def __init__(self, services: "Services") -> None:
        super().__init__(id="welcome")
        self.services = services

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome-dialog"):
            yield Static(Text("Welcome to chipwire"), id="welcome-title")
            yield Static(Text(WELCOME_TEXT), id="welcome-text")
            with Horizontal(id="welcome-buttons"):
                yield Button("Refresh default feeds (r)", variant="primary", id="welcome-refresh")
                yield Button("Open the demo (d)", id="welcome-demo")
                yield Button("Later (esc)", id="welcome-later")
            hint = Text()
            hint.append("The default feeds are listed in ")
            hint.append(str(self.services.paths.feeds_file))
            hint.append("; press f in the briefing to add or remove feeds, ? for every key.")
            yield Static(hint, id="welcome-hint")

    def on_mount(self) -> None:
        self.query_one("#welcome-refresh", Button).focus()

    @on(Button.Pressed, "#welcome-refresh")
    def _refresh_pressed(self) -> None:
        self.action_refresh_defaults()

    @on(Button.Pressed, "#welcome-demo")
    def _demo_pressed(self) -> None:
        self.action_demo()

    @on(Button.Pressed, "#welcome-later")
    def _later_pressed(self) -> None:
        self.action_later()

    def action_refresh_defaults(self) -> None:
        """r: close, then run the briefing screen's refresh (its progress bar shows the fetch)."""
        briefing = next((s for s in self.app.screen_stack if hasattr(s, "start_refresh")), None)
        self.dismiss()
        if briefing is None:
            self.app.notify("Press r in the briefing to fetch the feeds.", markup=False)
            return
        briefing.start_refresh()

    def action_demo(self) -> None:
        """d: leave with :data:`DEMO_RESULT`; the launcher then opens the demo home."""
        message = Text()
        message.append("Opening the demo on sample data (next time:  ")
        message.append(DEMO_COMMAND, style="bold")
        message.append(")")
        self.app.exit(result=DEMO_RESULT, message=message)

    def action_later(self) -> None:
        """escape: close; the empty briefing stays, r refreshes whenever the person likes."""
        self.dismiss()
