"""The TUI's integration paths: one refresh at a time, welcome -> demo, remappable screen keys,
hidden items, stale tags re-tagged at start, and "Go to date…".

Real parts throughout: a store built through the store API, a real feeds.toml, the loopback
feed server for refreshes, the real sample feeds for the demo.
"""

from __future__ import annotations

import argparse
import asyncio
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from snapshot_apps.data import NOW, build_home

from store.home import HomePaths
from tui.app import make_app
from tui.screens.briefing import BriefingScreen
from tui.widgets.analysis_pane import AnalysisPane
from tui.widgets.header_bar import HeaderBar
from tui.widgets.story_list import StoryList
from pilot_helpers import settle


def make(paths: HomePaths, **kwargs):
    app = make_app(paths, now=NOW, opener=lambda url: None, **kwargs)
    app.animation_level = "none"
    return app


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def list_text(app) -> str:
    stories = app.screen.query_one(StoryList)
    return "\n".join(stories.render_line(y).text for y in range(stories.size.height))


def header(app) -> str:
    return str(app.screen.query_one(HeaderBar).render())


# -- 1. one refresh at a time -----------------------------------------------------------------


def test_services_refuse_a_second_refresh_and_pass_only_through(tmp_path: Path, faultserver) -> None:
    from feeds.subscriptions import Subscription, save_subscriptions
    from core.session import RefreshBusy, Services

    faultserver.latency = 1.0
    paths = build_home(tmp_path / "home")
    slow, other = faultserver.feed_url(0), faultserver.feed_url(1)
    save_subscriptions(paths.feeds_file, [Subscription(url=slow, title="Slow"), Subscription(url=other, title="Other")])
    services = Services(paths, clock=lambda: NOW)
    reports = []
    first = threading.Thread(target=lambda: reports.append(services.refresh(force=True, only=[slow])))
    first.start()
    try:
        deadline = time.monotonic() + 5
        while not services.refresh_running and time.monotonic() < deadline:
            time.sleep(0.01)
        assert services.refresh_running
        with pytest.raises(RefreshBusy, match="a refresh is already running"):
            services.refresh(force=True)
    finally:
        first.join(15)
        services.close()
    assert not services.refresh_running
    assert [o.url for o in reports[0].outcomes] == [slow]  # only= reached the pipeline
    assert {r.path for r in faultserver.requests} == {"/" + slow.split("/", 3)[3]}


async def test_feeds_screen_refresh_is_refused_while_the_briefing_refreshes(tmp_path: Path, faultserver):
    from feeds.subscriptions import Subscription, save_subscriptions
    from tui.screens.feeds import FeedsScreen
    from core.session import REFRESH_BUSY

    faultserver.latency = 1.5
    paths = build_home(tmp_path / "home")
    save_subscriptions(paths.feeds_file, [Subscription(url=faultserver.feed_url(0), title="Loopback Wire")])
    app = make(paths)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        briefing = app.screen
        await pilot.press("r")
        await pilot.pause()
        assert briefing.refreshing and briefing.services.refresh_running
        await pilot.press("r")  # the same screen again
        await pilot.press("f")
        await pilot.pause(0.2)
        assert isinstance(app.screen, FeedsScreen)
        await pilot.press("r")  # the feeds screen's one-feed refresh
        await pilot.pause()
        assert notes(app).count(REFRESH_BUSY) == 2, notes(app)
        assert app.screen.refreshing is None
        await pilot.press("escape")
        deadline = time.monotonic() + 15
        while briefing.refreshing and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await settle(pilot)
        assert any("new item" in n for n in notes(app)), notes(app)
        assert not briefing.services.refresh_running


# -- 2. welcome -> demo -----------------------------------------------------------------------


def test_welcome_demo_opens_the_demo_home_and_removes_it(tmp_path: Path) -> None:
    """``chipwire`` on an empty home, ``d`` on the welcome: the demo app opens on sample data."""
    from tui.cli.app_cmd import run_app_command
    from tui.cli.context import Context
    from tui.screens.welcome import DEMO_RESULT, WelcomeScreen

    seen: list[dict] = []

    async def drive(app) -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            if not seen:  # the first app: the real (empty) home, welcome on top
                seen.append({"welcome": isinstance(app.screen, WelcomeScreen), "root": app.services.paths.root})
                await pilot.press("d")
                await pilot.pause()
            else:
                seen.append({"header": header(app), "root": app.services.paths.root,
                             "demo_file": (app.services.paths.root / "DEMO").exists(),
                             "rows": len(app.screen.view.items)})
                await pilot.press("q")
                await pilot.pause()

    def runner(app) -> None:
        asyncio.run(drive(app))

    home = HomePaths(tmp_path / "home")
    ctx = Context(paths=home, frozen_now=NOW)
    code = run_app_command(argparse.Namespace(demo=False), ctx, runner=runner)
    assert code == 0
    assert len(seen) == 2, seen
    assert seen[0] == {"welcome": True, "root": home.root}
    demo = seen[1]
    assert demo["root"] != home.root and demo["demo_file"] and "SAMPLE DATA" in demo["header"]
    assert demo["rows"] > 0
    assert not demo["root"].exists()  # the temporary demo home is gone
    assert DEMO_RESULT == "demo"


# -- 3. keys of every screen are remappable ---------------------------------------------------


async def test_feeds_screen_key_remapped_from_config(tmp_path: Path):
    from tui.keymap import BINDING_IDS
    from tui.dialogs.add_feed import AddFeedModal
    from tui.screens.feeds import FeedsScreen
    from tui.screens.help import HelpScreen
    from core.settings import load_settings

    assert {"feeds-add", "feeds-remove", "feeds-refresh", "feeds-back", "help-close", "welcome-demo"} <= BINDING_IDS
    paths = build_home(tmp_path / "home")
    paths.config_file.write_text('[keys]\nfeeds-add = "n"\nhelp-close = "c"\n', encoding="utf-8")
    assert load_settings(paths.config_file).keys == {"feeds-add": "n", "help-close": "c"}
    app = make(paths)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)
        await pilot.press("a")  # the default key is gone...
        await pilot.pause()
        assert isinstance(app.screen, FeedsScreen)
        await pilot.press("n")  # ...the remapped one adds
        await pilot.pause()
        assert isinstance(app.screen, AddFeedModal)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "n           Add" in app.screen.text or any(
            line.split() == ["n", "Add"] for line in app.screen.text.splitlines())
        await pilot.press("c")  # help closes with the remapped key
        await pilot.pause()
        assert isinstance(app.screen, FeedsScreen)


# -- 4. hidden items can be shown -------------------------------------------------------------


async def test_hidden_items_toggle_with_H(tmp_path: Path):
    paths = build_home(tmp_path / "home")
    paths.ignore_file.write_text('[[rule]]\nname = "gadget news"\ntitle = "phone"\n', encoding="utf-8")
    app = make(paths)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "1 hidden" in header(app) and "(shown)" not in header(app)
        assert "phone" not in list_text(app)
        assert screen.view.hidden == 1 and screen.view.hidden_by == {"a7": "gadget news"}
        await pilot.press("H")
        await settle(pilot)
        assert screen.request.show_hidden
        text = list_text(app)
        row = next(line for line in text.splitlines() if "phone" in line)
        assert "⊘ hidden" in row
        assert "1 hidden (shown)" in header(app)
        others = [line for line in text.splitlines() if "Huawei" in line]
        assert others and "hidden" not in others[0]
        stories = screen.query_one(StoryList)
        while stories.highlighted_item != "a7":
            await pilot.press("j")
        prompt = stories.highlighted_option.prompt
        assert any("dim" in str(span.style) for span in prompt.spans)
        await pilot.press("enter")
        await settle(pilot)
        body = str(screen.query_one(AnalysisPane).query_one("#analysis-body").render())
        assert "⊘ hidden: gadget news" in body
        await pilot.press("escape", "H")
        await settle(pilot)
        assert not screen.request.show_hidden and "phone" not in list_text(app)


# -- 5. stale tags are re-tagged at start -----------------------------------------------------


async def test_stale_tags_are_retagged_on_start(tmp_path: Path):
    from briefing.themes import load_builtin
    from store import Store

    paths = build_home(tmp_path / "home", themes_digest="tagged-by-older-themes")
    app = make(paths)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        retag = [n for n in notes(app) if n.startswith("themes changed: re-tagged")]
        assert len(retag) == 1, notes(app)
        count = int(retag[0].split()[3])
        assert 0 < count <= 14
        view = app.screen.view  # the view was rebuilt from the re-tagged items
        evidence = [e for item in view.items.values() for t in item["themes"] for e in t["evidence"]]
        assert evidence and not any(e.startswith("evidence for") for e in evidence)
    store = Store.open(paths.db_dir, readonly=True)
    try:
        assert store.meta("themes_digest") == load_builtin().digest
        assert not any(e.startswith("evidence for") for item in store.items() for t in item["themes"]
                       for e in t["evidence"])
    finally:
        store.close()
    app = make(paths)  # tags current now: no re-tag, no notice
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert not [n for n in notes(app) if "re-tagged" in n]


async def test_a_view_loaded_before_the_retag_finished_is_read_again(tmp_path: Path):
    """The first view is built from the old tags, and the re-tag lands before it is painted.

    Forces the order CI once hit by chance: the view load reads the store first, then waits
    until the re-tag worker has rewritten the items before handing its (stale) view back.
    """
    import threading

    paths = build_home(tmp_path / "home", themes_digest="tagged-by-older-themes")
    app = make(paths)
    services = app.services
    first_view_read = threading.Event()
    retag_done = threading.Event()
    build_view, retag_if_stale = services.build_view, services.retag_if_stale
    calls = []

    def slow_first_view(request):
        view = build_view(request)
        calls.append(view)
        if len(calls) == 1:
            first_view_read.set()
            assert retag_done.wait(10)
        return view

    def retag_after_first_view():
        assert first_view_read.wait(10)
        try:
            return retag_if_stale()
        finally:
            retag_done.set()

    services.build_view = slow_first_view
    services.retag_if_stale = retag_after_first_view
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        for _ in range(50):
            await settle(pilot)
            if len(calls) >= 2 and app.screen.view is calls[-1]:
                break
        stale = [e for item in calls[0].items.values() for t in item["themes"] for e in t["evidence"]]
        assert any(e.startswith("evidence for") for e in stale)  # the race really happened
        view = app.screen.view
        assert view is calls[-1] and len(calls) >= 2
        evidence = [e for item in view.items.values() for t in item["themes"] for e in t["evidence"]]
        assert evidence and not any(e.startswith("evidence for") for e in evidence)



# -- 7. go to a typed date ---------------------------------------------------------------------


async def test_go_to_a_typed_date(tmp_path: Path):
    from textual.widgets import Input

    from tui.dialogs.date_prompt import DatePrompt

    app = make(build_home(tmp_path / "home"))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen

        async def go(text: str) -> None:
            if not isinstance(app.screen, DatePrompt):
                screen.action_goto_date()
                await pilot.pause()
            app.screen.query_one(Input).value = text
            await pilot.press("enter")
            await settle(pilot)

        await go("[b]28 Nov[/b]")  # invalid: a plain-text notice, the dialog stays
        assert isinstance(app.screen, DatePrompt)
        assert any("Not a date: [b]28 Nov[/b]" in n for n in notes(app))
        assert all(not n.markup for n in app._notifications)
        await go("2025-11-27")  # a day with items
        assert app.screen is screen and str(screen.request.day) == "2025-11-27"
        assert "TSMC" in list_text(app)
        await go("2025-12-25")  # no items: the nearest earlier day, and a notice says so
        assert str(screen.request.day) == "2025-11-28"
        assert any("No items on 2025-12-25; showing 2025-11-28" in n for n in notes(app))
        await go("yesterday")  # the frozen now is 2025-11-29
        assert str(screen.request.day) == "2025-11-28"
        await go("2025-01-01")  # before everything: that day, empty, and a notice
        assert str(screen.request.day) == "2025-01-01" and "0 items" in header(app)
        assert any("No items on or before 2025-01-01" in n for n in notes(app))
        screen.action_goto_date()
        await pilot.pause()
        await pilot.press("escape")  # cancel: stays put
        await settle(pilot)
        assert app.screen is screen and str(screen.request.day) == "2025-01-01"


@pytest.mark.parametrize("text, expected", [
    ("2025-11-27", date(2025, 11, 27)), (" today ", date(2025, 11, 29)), ("Yesterday", date(2025, 11, 28)),
])
def test_parse_day(text, expected):
    from tui.dialogs.date_prompt import parse_day

    assert parse_day(text, date(2025, 11, 29)) == expected


@pytest.mark.parametrize("text", ["", "2025-13-01", "20251127", "2025-11-27T00:00", "tomorrow"])
def test_parse_day_rejects(text):
    from tui.dialogs.date_prompt import parse_day

    with pytest.raises(ValueError, match="Not a date"):
        parse_day(text, date(2025, 11, 29))
