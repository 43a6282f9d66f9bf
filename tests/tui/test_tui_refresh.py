"""The app's refresh: the real pipeline in a thread worker against a loopback feed server.

Keys keep working while feeds download (the server answers slowly on purpose), the progress
bar shows feeds done/total, new items appear without moving the cursor off the selected item,
and a notification sums up new items and failures.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from snapshot_apps.data import NOW, build_home

from tui.app import make_app
from tui.screens.briefing import BriefingScreen
from tui.widgets.header_bar import HeaderBar
from tui.widgets.refresh_bar import RefreshBar
from tui.widgets.story_list import StoryList
from pilot_helpers import settle


async def test_refresh_runs_in_a_worker_and_keeps_the_cursor(tmp_path: Path, faultserver) -> None:
    from feeds.subscriptions import Subscription, save_subscriptions

    faultserver.latency = 2.0
    paths = build_home(tmp_path / "home")
    save_subscriptions(paths.feeds_file, [
        Subscription(url=faultserver.feed_url(0), title="Loopback Wire"),
        Subscription(url=faultserver.fault_url("status/500"), title="Broken Feed"),
    ])
    app = make_app(paths, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BriefingScreen)
        stories = screen.query_one(StoryList)
        await pilot.press("j", "j")
        kept = stories.highlighted_item
        assert kept is not None

        await pilot.press("r")
        await pilot.pause()
        assert screen.refreshing
        assert screen.query_one(RefreshBar).display
        # Navigation is live while the feeds download.
        moved = []
        for key in ("j", "k", "j", "k"):
            await pilot.press(key)
            moved.append(stories.highlighted_item)
        assert screen.refreshing, [str(n.message) for n in app._notifications] or "the refresh finished before the keys were tested; raise latency"
        assert len(set(moved)) == 2
        assert stories.highlighted_item == kept

        deadline = time.monotonic() + 15
        while screen.refreshing and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await settle(pilot)
        assert not screen.refreshing
        assert not screen.query_one(RefreshBar).display
        messages = [str(n.message) for n in app._notifications]
        summary = next(m for m in messages if "new item" in m)
        assert "1 feed failed" in summary and "Broken Feed" in summary
        assert not summary.startswith("0 new")
        assert stories.highlighted_item == kept
        assert "refreshed just now" in str(screen.query_one(HeaderBar).render())
        assert screen.services.store.total_items() > 14


def home_with_local_feed(tmp_path: Path, items: list[tuple[str, str, str]]):
    """An empty home (nothing stored yet) subscribed to one local RSS file of (guid, title, pubDate)."""
    from feeds.subscriptions import Subscription, save_subscriptions
    from store.home import HomePaths

    entries = "".join(f"<item><title>{title}</title><guid>{guid}</guid><pubDate>{date}</pubDate></item>"
                      for guid, title, date in items)
    feed = tmp_path / "wire.xml"
    feed.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{entries}</channel></rss>',
                    encoding="utf-8")
    paths = HomePaths(tmp_path / "home")
    paths.ensure()
    save_subscriptions(paths.feeds_file, [Subscription(url=str(feed), title="Wire")])
    return paths


async def past_the_welcome(pilot) -> BriefingScreen:
    """Settle, leave the first-run welcome ("later") if shown, and return the briefing screen."""
    await settle(pilot)
    while not isinstance(pilot.app.screen, BriefingScreen):
        await pilot.press("escape")
        await settle(pilot)
    return pilot.app.screen


async def test_first_refresh_of_an_empty_home_goes_to_the_day_with_the_news(tmp_path: Path) -> None:
    """Today is empty and the news landed on earlier days: after r the briefing shows them."""
    paths = home_with_local_feed(tmp_path, [
        ("w1", "BIS tightens H20 licence rules", "Wed, 26 Nov 2025 09:00:00 GMT"),
        ("w2", "Smuggling ring used front companies", "Tue, 25 Nov 2025 09:00:00 GMT"),
    ])
    app = make_app(paths, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        screen = await past_the_welcome(pilot)
        assert screen.view is not None and screen.view.total == 0
        await pilot.press("r")
        deadline = time.monotonic() + 15
        while (screen.refreshing or screen.view.total == 0) and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-26"
        assert screen.view.total == 1 and "BIS tightens" in str(app.screen.query_one(StoryList).render_line(1).text)


async def test_a_failing_new_items_hook_is_reported_in_the_app(tmp_path: Path) -> None:
    import sys

    paths = home_with_local_feed(tmp_path, [("w1", "BIS tightens H20 licence rules", "Fri, 28 Nov 2025 09:00:00 GMT")])
    script = tmp_path / "hook.py"
    script.write_text("import sys\nsys.stdin.read()\nsys.stderr.write('mailer is down\\n')\nsys.exit(3)\n",
                      encoding="utf-8")
    paths.config_file.write_text(f"[hook]\nnew_items = ['{sys.executable}', '{script}']\n", encoding="utf-8")
    app = make_app(paths, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        screen = await past_the_welcome(pilot)
        await pilot.press("r")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and (
                screen.refreshing or not any("hook" in str(n.message) for n in app._notifications)):
            await pilot.pause(0.05)
        messages = [str(n.message) for n in app._notifications]
    assert any("exited 3" in m and "mailer is down" in m for m in messages), messages
