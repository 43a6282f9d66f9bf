"""Opening a link: the system browser, and whether it needs this terminal.

The briefing screen gets a :class:`LinkOpener` from the app (attributes down) instead of
reaching up into the app for one; tests pass a recorder.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Callable

Opener = Callable[[str], object]


@dataclass(frozen=True)
class LinkOpener:
    """How links leave the app.

    Attributes:
        open: called with an http(s) URL (from a worker thread, or with the app suspended);
            returns False when no browser could be started.
        needs_terminal: whether ``open`` takes over this terminal (a console browser): then
            the app is suspended while it runs.
    """

    open: Opener
    needs_terminal: Callable[[], bool]

    @classmethod
    def for_opener(cls, opener: Opener | None) -> "LinkOpener":
        """The system browser when ``opener`` is None, else ``opener`` (never a console browser)."""
        if opener is None:
            return cls(browser_open, browser_needs_terminal)
        return cls(opener, lambda: False)


def browser_open(url: str) -> object:
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
