"""The open app notices other processes' writes and reloads in place.

A real ``python -m tui.cli refresh`` (as cron runs it) stores items from a loopback feed server
while the app is open; a second Store writer stars an item; ignore.toml is edited by hand. Each
time the briefing updates within a few seconds without a key press, with the cursor and the
open item kept, and the person is told what came in.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

from snapshot_apps.data import NOW, build_home

from tui.app import make_app
from tui.screens.briefing import BriefingScreen
from tui.widgets.story_list import StoryList

ROOT = Path(__file__).resolve().parents[2]


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(pilot, condition, seconds: float = 12.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await pilot.pause(0.1)
    return condition()


def rss(entries: list[tuple[str, str]]) -> bytes:
    """An RSS feed of (guid, title) entries published on 2025-11-28 (the day the app shows)."""
    items = "".join(
        f"<item><title>{title}</title><guid>{guid}</guid><link>http://127.0.0.1/{guid}</link>"
        f"<pubDate>Fri, 28 Nov 2025 1{n}:00:00 GMT</pubDate></item>"
        for n, (guid, title) in enumerate(entries)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Cron Wire</title>{items}</channel></rss>'.encode()


def cron_home(tmp_path: Path, faultserver) -> tuple:
    from feeds.subscriptions import Subscription, save_subscriptions

    paths = build_home(tmp_path / "home")
    url = faultserver.register_feed("/cron.xml", rss([
        ("cron-1", "Foundry adds a third advanced packaging line"),
        ("cron-2", "Customs seizes a pallet of accelerator boards"),
        ("cron-3", "Cloud region opens with ten thousand GPUs"),
    ]))
    save_subscriptions(paths.feeds_file, [Subscription(url=url, title="Cron Wire")])
    # The fixtures are from 2025: keep them (and the new items) inside the retention window.
    paths.config_file.write_text("[store]\nretention_days = 3650\n", encoding="utf-8")
    return paths, url


def run_cli_refresh(home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "tui.cli", "--home", str(home), "refresh"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=ROOT)


async def test_a_cron_refresh_in_another_process_shows_up_without_a_key(tmp_path: Path, faultserver) -> None:
    paths, _ = cron_home(tmp_path, faultserver)
    app = make_app(paths, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BriefingScreen)
        assert str(screen.request.day) == "2025-11-28"
        before = screen.view.total
        stories = screen.query_one(StoryList)
        await pilot.press("j", "enter")
        await pilot.pause()
        kept, opened = stories.highlighted_item, screen.open_item
        assert kept and opened

        done = await asyncio.to_thread(run_cli_refresh, paths.root)
        assert done.returncode == 0, done.stderr

        assert await wait_until(pilot, lambda: screen.view.total == before + 3), "the view never updated"
        await settle(pilot)
        titles = {item["title"] for item in screen.view.items.values()}
        assert "Customs seizes a pallet of accelerator boards" in titles
        assert stories.highlighted_item == kept
        assert screen.open_item == opened
        messages = [str(n.message) for n in app._notifications]
        assert "3 new items (background refresh)" in messages, messages


async def test_the_apps_own_refresh_counts_what_cron_stored_just_before(tmp_path: Path, faultserver) -> None:
    """Cron stored three items a moment before r: the refresh stores none itself, yet they are new."""
    from store import Store

    paths, url = cron_home(tmp_path, faultserver)
    app = make_app(paths, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        screen._watching = True  # hold the poll back so the refresh meets the items first
        other = Store.open(paths.db_dir)
        try:
            with other.writer():
                other.upsert_items([
                    {"id": f"x{n}", "feed": url, "feed_title": "Cron Wire", "title": f"Wafer note {n}",
                     "link": f"http://127.0.0.1/x{n}", "published": f"2025-11-28T1{n}:00:00Z", "summary": "",
                     "themes": []}
                    for n in range(3)
                ], now=NOW)
                other.commit()
        finally:
            other.close()
        faultserver.register_feed("/cron.xml", rss([]))  # the app's own fetch finds nothing new
        await pilot.press("r")
        assert await wait_until(pilot, lambda: not screen.refreshing and any(
            "new item" in str(n.message) for n in app._notifications))
        summary = next(str(n.message) for n in app._notifications if "new item" in str(n.message))
        assert summary.startswith("3 new items"), summary


async def test_a_second_writer_and_an_ignore_edit_reload_the_view(tmp_path: Path) -> None:
    from store import Store

    paths = build_home(tmp_path / "home")
    app = make_app(paths, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.view.items["a5"].get("starred")
        other = Store.open(paths.db_dir)
        try:
            other.set_flags(["a5"], starred=True)  # e.g. another chipwire window
        finally:
            other.close()
        assert await wait_until(pilot, lambda: bool(screen.view.items["a5"].get("starred")))

        shown = screen.view.shown
        paths.ignore_file.write_text('[[rule]]\nname = "phones"\ntitle = "phone"\n', encoding="utf-8")
        assert await wait_until(pilot, lambda: screen.view.shown == shown - 1 and screen.view.hidden == 1)
        messages = [str(n.message) for n in app._notifications]
        assert any("ignore.toml changed" in m for m in messages), messages
