"""The chipwire Textual app: a small App class and the one factory that builds it.

``make_app`` is used by the CLI (:func:`run_app`), the Pilot tests, the snapshot apps and the
benchmark, so they all run the same wiring: services (store, themes, settings), the injected
clock and link opener, the keymap from ``config.toml`` ``[keys]``. The App itself holds no
briefing logic: screens do, through :class:`~core.session.Services`.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from textual.app import App

import styles
from tui import keymap
from tui.commands import ChipwireCommands
from core.session import Clock, Services

if TYPE_CHECKING:  # pragma: no cover
    from store import Store
    from store.home import HomePaths
    from core.settings import Settings

#: The app's stylesheets, found next to the installed ``styles`` package (works without -e).
STYLES_DIR = Path(styles.__file__).resolve().parent
Opener = Callable[[str], object]


def _browser_open(url: str) -> object:
    """Default opener: the system browser (called from a worker thread; may block briefly)."""
    import webbrowser

    return webbrowser.open(url, new=2)


def browser_needs_terminal(env: Mapping[str, str] | None = None) -> bool:
    """Will the default opener run a browser *in this terminal* (w3m, lynx, $BROWSER...)?

    On a Unix without a graphical display, any browser ``webbrowser`` can start is a console
    one, and it must get the terminal the app holds: the app is suspended while it runs, as
    newsboat does. With a display (or on macOS / Windows) browsers open their own window.
    False as well when no browser is available (then ``open`` says so and returns False).
    """
    env = os.environ if env is None else env
    if sys.platform in ("darwin", "win32") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return False
    import webbrowser

    try:
        webbrowser.get()
    except webbrowser.Error:
        return False
    return True


class ChipwireApp(App):
    """The briefing reader. Build it with :func:`make_app`."""

    CSS_PATH = [STYLES_DIR / "app.tcss"]
    TITLE = "chipwire"
    BINDINGS = keymap.bindings("app")
    COMMANDS = App.COMMANDS | {ChipwireCommands}

    #: Freeze the heap out of the cyclic GC's reach after the first paint (see
    #: ``tui.screens.briefing.freeze_heap``); only for a process that runs one app.
    freeze_heap: bool = False

    def __init__(self, services: Services, *, opener: Opener | None = None, first_run: bool = False,
                 keymap_overrides: dict[str, str] | None = None) -> None:
        super().__init__()
        self.services = services
        self.opener: Opener = opener if opener is not None else _browser_open
        #: Whether ``opener`` takes over this terminal (then the app is suspended meanwhile);
        #: only known for the default opener.
        self.opens_in_terminal: Callable[[], bool] = browser_needs_terminal if opener is None else (lambda: False)
        self.first_run = first_run
        self._keymap_overrides = keymap_overrides or {}

    def get_default_screen(self):  # noqa: D102 - Textual hook
        from tui.screens.briefing import BriefingScreen

        return BriefingScreen(self.services)

    def on_mount(self) -> None:
        """Apply the user's key remaps, then show the welcome screen on first run."""
        keys = getattr(self.services.settings, "keys", None)
        remap, warnings = keymap.keymap_from_settings(keys)
        remap.update(self._keymap_overrides)
        if remap:
            self.set_keymap(remap)
        for warning in warnings:
            self.notify(warning, severity="warning", markup=False)
        if self.services.theme_warning:
            self.notify(self.services.theme_warning, severity="warning", markup=False)
        if self.first_run:
            self._push_optional("tui.screens.welcome", "WelcomeScreen", "The welcome screen")

    def on_unmount(self) -> None:
        """Release the store (and its writer lock)."""
        self.services.close()

    def _push_optional(self, module: str, name: str, what: str) -> None:
        """Push a screen written elsewhere, or say plainly that it is not there yet."""
        try:
            screen_cls = getattr(importlib.import_module(module), name)
        except (ModuleNotFoundError, AttributeError):
            self.notify(f"{what} is not available in this build.", severity="warning", markup=False)
            return
        self.push_screen(screen_cls(self.services))

    def action_feeds(self) -> None:
        """f: the feeds screen."""
        self._push_optional("tui.screens.feeds", "FeedsScreen", "The feeds screen")

    def action_help(self) -> None:
        """?: the help screen."""
        self._push_optional("tui.screens.help", "HelpScreen", "The help screen")


def make_app(
    paths: "HomePaths",
    settings: "Settings | None" = None,
    *,
    demo: bool = False,
    now: datetime | None = None,
    clock: Clock | None = None,
    opener: Opener | None = None,
    store: "Store | None" = None,
    first_run: bool = False,
    keymap_overrides: dict[str, str] | None = None,
) -> ChipwireApp:
    """Build the app.

    Args:
        paths: the chipwire home.
        settings: loaded settings (loaded from ``paths.config_file`` when omitted).
        demo: the home is a sample-data home (the header also checks ``paths.root / "DEMO"``).
        now: freeze the clock at this time (tests, snapshots).
        clock: a clock function (overrides ``now``).
        opener: called with an http(s) URL to open it; tests pass a recorder.
        store: an already open store (benchmarks); otherwise opened in a worker on first use.
        first_run: push the welcome screen on start.
        keymap_overrides: binding id -> keys, applied over the settings' ``[keys]``.
    """
    if clock is None and now is not None:
        frozen = now
        clock = lambda: frozen  # noqa: E731
    services = Services(paths, settings, clock=clock, store=store)
    # Overlap the store's first month read with Textual's start-up (the view worker then
    # finds the day cached); a daemon thread, so a failure here never blocks exit.
    threading.Thread(target=services.warm, name="chipwire-warm", daemon=True).start()
    del demo  # the DEMO marker file in the home is the single source of truth
    return ChipwireApp(services, opener=opener, first_run=first_run, keymap_overrides=keymap_overrides)


def run_app(
    paths: "HomePaths",
    settings: "Settings | None" = None,
    demo: bool = False,
    *,
    runner: Callable[[ChipwireApp], object] | None = None,
) -> object:
    """Build the app and run it in the terminal (what ``chipwire`` with no command calls).

    Returns the app's return value (``App.exit(result=...)``), e.g. the welcome screen's
    ``"demo"``, so the launcher can act on what the person chose; None for a plain quit.

    Args:
        runner: runs the built app instead of ``app.run()`` (tests drive it with Pilot).
    """
    first_run = not paths.db_dir.exists()
    app = make_app(paths, settings, demo=demo, first_run=first_run)
    if runner is None:
        app.freeze_heap = True
        app.run()
    else:
        runner(app)
    return app.return_value
