"""The chipwire Textual app: a small App class and the one factory that builds it.

``make_app`` is used by the CLI (:func:`run_app`), the Pilot tests, the snapshot apps and the
benchmark, so they all run the same wiring: services (store, themes, settings), the injected
clock and link opener, the keymap from ``config.toml`` ``[keys]``. The App itself holds no
briefing logic: screens do, through :class:`~core.session.Services`.
"""

from __future__ import annotations

import gc
import importlib
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from textual.app import App

import styles
from tui import keymap
from tui.opener import LinkOpener, Opener
from core.session import Clock, Services

if TYPE_CHECKING:  # pragma: no cover
    from store import Store
    from store.home import HomePaths
    from core.settings import Settings

#: The app's stylesheets, found next to the installed ``styles`` package (works without -e).
STYLES_DIR = Path(styles.__file__).resolve().parent


class ChipwireApp(App):
    """The briefing reader. Build it with :func:`make_app`."""

    CSS_PATH = [STYLES_DIR / "app.tcss"]
    TITLE = "chipwire"
    BINDINGS = keymap.bindings("app")

    #: Called once the briefing's first view is painted (``run_app`` sets its GC policy here).
    after_first_paint: Callable[[], None] | None = None

    def __init__(self, services: Services, *, opener: Opener | None = None, first_run: bool = False,
                 keymap_overrides: dict[str, str] | None = None) -> None:
        super().__init__()
        self.services = services
        #: How links are opened; handed down to the briefing screen.
        self.opener = LinkOpener.for_opener(opener)
        self.first_run = first_run
        self._keymap_overrides = keymap_overrides or {}

    def get_default_screen(self):  # noqa: D102 - Textual hook
        from tui.screens.briefing import BriefingScreen

        return BriefingScreen(self.services, self.opener, after_first_paint=self.after_first_paint)

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

    def on_show_feed_items(self, message: Any) -> None:
        """The feeds screen's enter: the briefing searches the archive for that feed's items."""
        for screen in self.screen_stack:
            if screen.id == "briefing" and hasattr(screen, "search_for"):
                screen.search_for(message.query)

    def action_help(self) -> None:
        """?: the help screen."""
        self._push_optional("tui.screens.help", "HelpScreen", "The help screen")


def freeze_heap() -> None:
    """Move every object alive now out of the garbage collector's reach (``gc.freeze``).

    After the first paint the heap is mostly what lives as long as the app: modules, the
    widgets, the themes and the store's month cache (tens of thousands of dicts). A full
    (gen 2) collection scanned them all, ~90 ms in the middle of a keypress: the slowest day
    switch. Frozen, they are skipped; records the cache drops are still freed by reference
    counting (they hold no cycles).

    Only once per process (``run_app`` sets it as the app's ``after_first_paint``): an object frozen
    and later part of cyclic garbage is never collected, so freezing after every load leaked
    ~12 MB per twenty day switches, and test processes running many apps must not freeze.
    """
    gc.freeze()


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
        app.after_first_paint = freeze_heap
        app.run()
    else:
        runner(app)
    return app.return_value
