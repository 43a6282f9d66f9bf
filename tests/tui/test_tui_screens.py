"""Pilot tests of the feeds, help and welcome screens on a real store and a real feeds.toml.

The home (``snapshot_apps/screens_app.py``) holds a healthy feed, a failing one with an HTTP
status and a message full of markup, one whose stored title is hostile markup, a disabled feed
and a never-fetched one. Refreshes go through the real pipeline against the loopback server.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rich.text import Text
from textual.widgets import DataTable, Input, Static

from snapshot_apps.data import HOSTILE_TITLE, NOW
from snapshot_apps.screens_app import (
    DISABLED_URL, ERROR_MESSAGE, ERROR_URL, HOSTILE_URL, NEVER_URL, OK_URL, build_screens_home,
)

from feeds.subscriptions import load_subscriptions
from store.home import HomePaths
from tui.app import make_app
from tui.screens.briefing import BriefingScreen
from tui.dialogs.add_feed import AddFeedModal
from tui.dialogs.confirm import ConfirmModal
from tui.screens.feeds import FeedsScreen
from tui.screens.help import HelpScreen
from tui.screens.welcome import DEMO_RESULT, WelcomeScreen
from pilot_helpers import settle


@pytest.fixture
def home(tmp_path: Path) -> HomePaths:
    return build_screens_home(tmp_path / "home")


def make(paths: HomePaths, **kwargs):
    app = make_app(paths, now=NOW, opener=lambda url: None, **kwargs)
    app.animation_level = "none"
    return app


async def open_feeds(pilot) -> FeedsScreen:
    await settle(pilot)
    await pilot.press("f")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FeedsScreen)
    return screen


async def select(pilot, screen: FeedsScreen, url: str) -> None:
    """Put the cursor on a feed's row (the j/k keys have their own test)."""
    screen.query_one(DataTable).move_cursor(row=list(screen.rows).index(url), animate=False)
    await pilot.pause()
    assert screen.selected_url == url


def detail(screen: FeedsScreen) -> str:
    return str(screen.query_one("#feeds-detail", Static).render())


def notifications(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def urls(paths: HomePaths) -> list[str]:
    return [s.url for s in load_subscriptions(paths.feeds_file)]


# -- feeds screen ------------------------------------------------------------------------------


async def test_feeds_screen_rows_details_hostile_text_and_remove(home):
    app = make(home)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_feeds(pilot)
        table = screen.query_one(DataTable)
        assert [k.value for k in table.rows] == [OK_URL, ERROR_URL, HOSTILE_URL, NEVER_URL, DISABLED_URL]
        cells = {url: [c.plain for c in table.get_row(url)] for url in screen.rows}
        assert cells[OK_URL][0] == "● ok" and cells[OK_URL][2] == "13 / 13"  # the fixed items' feed
        assert cells[OK_URL][3] == "2h ago · 29 Nov 05:30"
        assert cells[ERROR_URL][0] == "✗ error" and cells[ERROR_URL][4] == "4"
        assert cells[NEVER_URL][0] == "○ never" and cells[NEVER_URL][3] == "never"
        assert cells[DISABLED_URL][0] == "– disabled"
        assert cells[HOSTILE_URL][2] == "1 / 1"
        header = str(screen.query_one("#feeds-header", Static).render())
        assert "5 subscriptions, 1 failing" in header
        assert "minimum interval" in detail(screen) and "in 1h · 29 Nov 08:30" in detail(screen)

        # j moves to the failing feed; its detail has kind, HTTP status and the whole message.
        await pilot.press("j")
        assert screen.selected_url == ERROR_URL
        text = detail(screen)
        assert "error (http, HTTP 403), 4 failures in a row" in text
        assert ERROR_MESSAGE in text  # whole, with its brackets, not parsed
        assert ERROR_URL in text
        assert "Last ok   4d ago · 25 Nov 06:00" in text

        # The hostile title is text: literal in the cell and the detail, and clicks run nothing.
        await pilot.press("j")
        assert screen.selected_url == HOSTILE_URL
        title_cell = table.get_row(HOSTILE_URL)[1]
        assert isinstance(title_cell, Text) and HOSTILE_TITLE.startswith(title_cell.plain.rstrip("…"))
        assert len(title_cell.plain) > 30  # cut to the width, never parsed
        assert detail(screen).startswith(HOSTILE_TITLE)
        rendered = "\n".join(table.render_line(y).text for y in range(table.size.height))
        assert "[@click=app.quit]" in rendered
        row_y = table.region.y + 1 + list(screen.rows).index(HOSTILE_URL)
        for x in range(16, 56, 5):  # across the title cell, where "y" would be a link
            await pilot.click(offset=(x, row_y))
        detail_region = screen.query_one("#feeds-detail").region
        for x in range(0, 40, 8):
            await pilot.click(offset=(detail_region.x + x, detail_region.y))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert isinstance(app.screen, FeedsScreen)
        await pilot.press("k")
        assert screen.selected_url == ERROR_URL

        # d asks first; n keeps the feed, delete + y removes it and the cursor stays in place.
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("n")
        await settle(pilot)
        assert ERROR_URL in urls(home)
        await pilot.press("delete")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert ERROR_URL not in screen.rows
        assert screen.selected_url == HOSTILE_URL
    assert urls(home) == [OK_URL, HOSTILE_URL, NEVER_URL, DISABLED_URL]
    assert home.feeds_file.read_text(encoding="utf-8").startswith("# test subscriptions")


async def test_feed_rows_count_unread_and_enter_shows_the_feeds_items(home):
    """unread / total per feed; m on the briefing moves it; enter searches the archive for
    that feed's items, newest first across days, and escape brings the day back."""
    app = make(home)
    async with app.run_test(size=(140, 36)) as pilot:
        screen = await open_feeds(pilot)
        table = screen.query_one(DataTable)
        before = table.get_row(OK_URL)[2].plain
        unread, total = (int(n) for n in before.split(" / "))
        assert total == 13 and 0 < unread <= 13
        await pilot.press("escape")
        await settle(pilot)
        briefing = app.screen
        assert isinstance(briefing, BriefingScreen)
        item = briefing.current_item()
        assert item is not None and item["feed"] == OK_URL and not item.get("read")
        await pilot.press("m")
        await settle(pilot)
        screen = await open_feeds(pilot)
        assert screen.query_one(DataTable).get_row(OK_URL)[2].plain == f"{unread - 1} / 13"
        assert "12" in detail(screen) or "unread" in detail(screen)
        await select(pilot, screen, OK_URL)
        await pilot.press("enter")
        await settle(pilot)
        briefing = app.screen
        assert isinstance(briefing, BriefingScreen)
        view = briefing.view
        assert view.archive and view.request.query.startswith("=")
        assert {i["feed"] for i in view.items.values()} == {OK_URL}
        assert len(view.items) == 13  # all three days, not only the one on screen
        days = {i["published"][:10] for i in view.items.values()}
        assert len(days) == 3
        await pilot.press("escape")
        await settle(pilot)
        assert briefing.request.query == "" and not briefing.view.archive


async def test_add_feed_validates_and_persists_to_feeds_toml(home, tmp_path: Path, monkeypatch):
    feed = tmp_path / "local.xml"
    feed.write_text("<rss version='2.0'><channel><title>L</title></channel></rss>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = home.feeds_file.read_text(encoding="utf-8")
    app = make(home)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_feeds(pilot)

        async def add(source: str) -> None:
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, AddFeedModal)
            app.screen.query_one(Input).value = source
            await pilot.press("enter")
            await settle(pilot)

        for source, message in [
            ("javascript:alert(1)", "only http(s) URLs and local feed files"),
            ("/nowhere/[@click=app.quit]x.xml", "no such file"),
            ("https://WIRE.example:443/feed", "Already subscribed"),
        ]:
            await add(source)
            shown = notifications(app)
            assert any(message in m for m in shown), (source, shown)
            assert app.is_running and app.screen is screen
        assert all(not n.markup for n in app._notifications)
        assert home.feeds_file.read_text(encoding="utf-8") == before

        await pilot.press("a")  # escape cancels
        await pilot.pause()
        await pilot.press("h", "t", "escape")
        await settle(pilot)
        assert app.screen is screen
        assert home.feeds_file.read_text(encoding="utf-8") == before

        await add("https://added.example/feed.xml")
        assert app.screen is screen and screen.selected_url == "https://added.example/feed.xml"
        assert screen.query_one(DataTable).row_count == 6
        await add("local.xml")  # relative to the current folder, stored absolute
        assert screen.selected_url == str(feed.resolve())
    assert urls(home)[-2:] == ["https://added.example/feed.xml", str(feed.resolve())]
    assert home.feeds_file.read_text(encoding="utf-8").startswith(before)  # comments kept byte for byte


async def test_refresh_fetches_only_the_selected_feed(tmp_path: Path, faultserver):
    from feeds.subscriptions import add_subscription

    paths = build_screens_home(tmp_path / "home")
    live = faultserver.feed_url(0)
    add_subscription(paths.feeds_file, live, title="Loopback Wire")
    app = make(paths)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_feeds(pilot)
        await select(pilot, screen, live)
        assert screen.selected.status == "never"
        await pilot.press("r")
        deadline = time.monotonic() + 15
        while (screen.refreshing or screen.selected.status == "never") and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await settle(pilot)
        row = screen.rows[live]
        assert row.status == "ok" and row.items > 0, notifications(app)
        assert screen.selected_url == live
        assert any("Loopback Wire" in m and "new" in m for m in notifications(app))
        # Nothing else was fetched: every other feed's state is as it was.
        assert {r.path for r in faultserver.requests} == {urlsplit(live).path}
        assert screen.rows[ERROR_URL].last_attempt == "2025-11-29T07:00:00Z"
        assert screen.rows[NEVER_URL].status == "never"


async def test_feeds_screen_keys_back_no_stacking_and_broken_toml(home):
    app = make(home)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)  # no welcome: this home is not new
        screen = await open_feeds(pilot)
        await pilot.press("f")  # the app's feeds key does not push a second feeds screen
        await pilot.pause()
        assert app.screen is screen and len(app.screen_stack) == 2
        await pilot.press("ctrl+p", *"add a")  # the palette offers the feeds screen's actions
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AddFeedModal)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("q")  # back, not quit
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen) and app.is_running
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)

        # A broken feeds.toml is shown (file and line), not repaired.
        broken = "[[feed]]\nurl = 12\n"
        home.feeds_file.write_text(broken, encoding="utf-8")
        screen = await open_feeds(pilot)
        assert screen.query_one(DataTable).row_count == 0
        text = detail(screen)
        assert "feeds.toml could not be read" in text and "line 2" in text
    assert home.feeds_file.read_text(encoding="utf-8") == broken


# -- help screen -------------------------------------------------------------------------------


def help_lines(app) -> dict[str, str]:
    """Description -> keys, from the help screen's plain text (two-space separated columns)."""
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    found: dict[str, str] = {}
    for line in screen.text.splitlines():
        parts = [p.strip() for p in line.strip().split("  ") if p.strip()]
        if len(parts) >= 2:
            found.setdefault(parts[-1], " ".join(parts[:-1]))
    return found


async def test_help_lists_remapped_keys_scrolls_and_closes(home):
    home.config_file.write_text('[keys]\nstar = "x"\nfeeds = "F"\n', encoding="utf-8")
    app = make(home, keymap_overrides={"prev-day": "p"})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        keys = help_lines(app)
        assert keys["Star / unstar item"] == "x"
        assert keys["Previous day with items"] == "p"
        assert keys["Feeds"] == "F"
        assert keys["Next day with items"] == "]"
        assert keys["Help"] == "?"
        assert keys["Add"] == "a"  # the feeds screen's own keys
        assert "Feeds screen (F)" in app.screen.text
        text = app.screen.text
        for token in ("+theme", "@7d", "@2026-11-01..2026-11-20", "=source", "!regex", "export-controls"):
            assert token in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        await pilot.press("x")  # and the remap really is live
        await settle(pilot)
        assert app.screen.current_item()["starred"]

        # At 80x24 help cannot show it all: it scrolls, and q closes it.
        await pilot.resize_terminal(80, 24)
        await pilot.press("question_mark")
        await pilot.pause()
        body = app.screen.query_one("#help-body")
        assert body.max_scroll_y > 0
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("g", "j", "j")
        await pilot.pause()
        assert body.scroll_y == 2
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen) and app.is_running


# -- welcome screen ----------------------------------------------------------------------------


async def test_welcome_later_closes_it_and_d_exits_for_the_demo(tmp_path: Path):
    paths = HomePaths(tmp_path / "home")
    app = make(paths, first_run=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        text = str(app.screen.query_one("#welcome-text", Static).render())
        assert "export controls" in text and "ten themes" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BriefingScreen)
        app.push_screen(WelcomeScreen(app.services))  # again, to take the demo this time
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
    assert app.return_value == DEMO_RESULT and not app.is_running


async def test_welcome_refresh_runs_the_briefing_refresh(tmp_path: Path, faultserver):
    from feeds.subscriptions import Subscription, save_subscriptions

    paths = HomePaths(tmp_path / "home")
    paths.ensure()
    save_subscriptions(paths.feeds_file, [Subscription(url=faultserver.feed_url(1), title="Loopback Wire")])
    app = make(paths, first_run=True)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("r")
        await pilot.pause()
        briefing = app.screen
        assert isinstance(briefing, BriefingScreen)
        deadline = time.monotonic() + 15
        while briefing.refreshing and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await settle(pilot)
        assert any("new item" in m for m in notifications(app)), notifications(app)
        assert briefing.services.store.total_items() > 0


# -- pure helpers (no app) ---------------------------------------------------------------------


@pytest.mark.parametrize("seconds, expected", [
    (0, "just now"), (59, "just now"), (60, "1m ago"), (3599, "59m ago"), (3600, "1h ago"),
    (86399, "23h ago"), (86400, "1d ago"), (-1800, "in 30m"), (-30, "in <1m"), (-2 * 86400, "in 2d"),
])
def test_relative_time(seconds, expected):
    from datetime import timedelta

    from tui.screens.feeds import relative_time

    assert relative_time(NOW - timedelta(seconds=seconds), NOW) == expected


def test_when_text_and_truncate():
    from tui.screens.feeds import truncate, when_text

    assert when_text(None, NOW) == "never"
    assert when_text("not a time", NOW, never="-") == "-"
    assert when_text("2025-11-29T05:30:00Z", NOW) == "2h ago · 29 Nov 05:30"
    assert truncate("abcdef", 6) == "abcdef" and truncate("abcdefg", 6) == "abcde…"


def test_detail_text_is_plain_text_for_every_row_shape():
    from tui.screens.feeds import FeedRow, detail_text

    assert "Press a to add one" in detail_text(None, NOW).plain
    row = FeedRow(url="https://x.example/[b]", title="[@click=app.quit]t[/]", enabled=False, status="ok")
    text = detail_text(row, NOW)
    assert text.plain.startswith("[@click=app.quit]t[/]") and "https://x.example/[b]" in text.plain
    assert "disabled in feeds.toml" in text.plain
    assert not any("@click" in str(span.style) for span in text.spans)
