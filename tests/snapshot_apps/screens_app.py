"""A home with awkward feed states for the feeds/help/welcome screen tests and snapshots.

``python tests/snapshot_apps/screens_app.py`` opens it in the terminal on a temporary home
(press ``f`` for the feeds screen, ``?`` for help).

The subscriptions cover every row shape the feeds screen must draw: a healthy feed, a feed
failing with an HTTP status and a long server message, a feed whose stored title is hostile
markup, a disabled feed and a feed never fetched.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``snapshot_apps`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from snapshot_apps.data import HOSTILE_TITLE, NOW, build_home  # noqa: E402

OK_URL = "https://wire.example/feed"
ERROR_URL = "https://broken.example/rss"
HOSTILE_URL = "https://other.example/rss"
NEVER_URL = "https://new.example/atom.xml"
DISABLED_URL = "https://paused.example/feed.json"
ERROR_MESSAGE = (
    "server answered 403 Forbidden: [b]access denied[/b] for this client; "
    "the body said \"[@click=app.quit]retry later[/]\" and nothing else useful"
)

FEEDS_TOML = f"""\
# test subscriptions
[[feed]]
url = "{OK_URL}"

[[feed]]
url = "{ERROR_URL}"
title = "Broken Wire"

[[feed]]
url = "{HOSTILE_URL}"

[[feed]]
url = "{NEVER_URL}"

[[feed]]
url = "{DISABLED_URL}"
title = "Paused Feed"
enabled = false
"""

FEED_STATES: dict[str, dict] = {
    OK_URL: {
        "status": "ok", "title": "Example Wire", "message": "", "http_status": 200,
        "last_success": "2025-11-29T05:30:00Z", "last_attempt": "2025-11-29T05:30:00Z",
        "consecutive_failures": 0, "next_fetch": "2025-11-29T08:30:00Z", "next_reason": "minimum interval",
    },
    ERROR_URL: {
        "status": "error", "title": "Broken Wire", "error_kind": "http", "message": ERROR_MESSAGE,
        "http_status": 403, "last_success": "2025-11-25T06:00:00Z", "last_attempt": "2025-11-29T07:00:00Z",
        "consecutive_failures": 4, "next_fetch": None,
    },
    HOSTILE_URL: {
        "status": "unchanged", "title": HOSTILE_TITLE, "message": "same content as last time",
        "http_status": 200, "last_success": "2025-11-28T23:10:00Z", "last_attempt": "2025-11-28T23:10:00Z",
        "consecutive_failures": 0,
    },
    DISABLED_URL: {
        "status": "ok", "title": "Paused Feed", "http_status": 200,
        "last_success": "2025-10-01T12:00:00Z", "last_attempt": "2025-10-01T12:00:00Z",
    },
}


def build_screens_home(root: Path):
    """The fixed items of ``data.py`` plus feeds.toml and stored states; returns HomePaths."""
    from store import Store

    paths = build_home(root)
    paths.feeds_file.write_text(FEEDS_TOML, encoding="utf-8")
    store = Store.open(paths.db_dir)
    try:
        with store.writer():
            for url, state in FEED_STATES.items():
                store.set_feed_state(url, state)
            store.commit()
    finally:
        store.close()
    return paths


def make_screens_app(root: Path, **kwargs):
    """The app on that home: frozen clock, recording opener, no animation."""
    from tui.app import make_app

    app = make_app(build_screens_home(root), now=NOW, opener=lambda url: None, **kwargs)
    app.animation_level = "none"
    return app


if __name__ == "__main__":
    make_screens_app(Path(tempfile.mkdtemp(prefix="chipwire-screens-"))).run()
