"""Pilot tests of the briefing screen on a real store built from fixed items and a frozen clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from snapshot_apps.data import HOSTILE_TITLE, NOW, build_home

from tui.app import make_app
from tui.screens.briefing import BriefingScreen
from tui.widgets.analysis_pane import AnalysisPane
from tui.widgets.header_bar import HeaderBar
from tui.widgets.story_list import StoryList
from tui.widgets.theme_column import ThemeColumn
from pilot_helpers import settle


class Recorder(list):
    """The injected link opener: records URLs instead of starting a browser."""

    def __call__(self, url: str) -> None:
        self.append(url)


@pytest.fixture
def home(tmp_path: Path):
    return build_home(tmp_path / "home")


def make(home, **kwargs):
    opener = kwargs.pop("opener", Recorder())
    app = make_app(home, now=NOW, opener=opener, **kwargs)
    return app, opener


def screen_of(app) -> BriefingScreen:
    screen = app.screen
    assert isinstance(screen, BriefingScreen)
    return screen


def list_text(app) -> str:
    """The story list as the person sees it (every rendered line's plain text)."""
    stories = app.screen.query_one(StoryList)
    return "\n".join(stories.render_line(y).text for y in range(stories.size.height))


async def cursor_to(pilot, item_id: str, *, limit: int = 20) -> None:
    """Press j until the story list's cursor is on ``item_id`` (fails after ``limit`` rows)."""
    stories = pilot.app.screen.query_one(StoryList)
    for _ in range(limit):
        if stories.highlighted_item == item_id:
            return
        await pilot.press("j")
    assert stories.highlighted_item == item_id


def header_text(app) -> str:
    return str(app.screen.query_one(HeaderBar).render())


async def test_first_paint_cursor_keys_and_story_expansion(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert str(screen.request.day) == "2025-11-28"  # today is empty: the latest day with items
        head = header_text(app)
        assert "28 Nov 2025" in head and "8 items" in head and "8 unread" in head
        text = list_text(app)
        lines = text.splitlines()
        heading = next(i for i, line in enumerate(lines) if line.startswith("━ Export controls (1)"))
        assert "Commerce Department tightens H20 licence rules" in lines[heading + 1]  # filed under its theme
        assert "Other" in text  # the untagged item has its own heading
        assert "TSMC" not in text  # another day's item
        assert "+1" in text  # the two-feed story is one row
        stories = screen.query_one(StoryList)
        assert stories.highlighted_item is not None

        # j k g G move the cursor, without wrapping at the bottom.
        first = stories.highlighted_item
        await pilot.press("j")
        second = stories.highlighted_item
        assert second != first
        await pilot.press("k")
        assert stories.highlighted_item == first
        await pilot.press("G")
        last = stories.highlighted_item
        assert last not in (first, second)
        await pilot.press("j")
        assert stories.highlighted_item == last
        await pilot.press("g")
        assert stories.highlighted_item == first

        # A story reported by two feeds expands to show the other source.
        while stories.highlighted_item not in ("a1", "a2"):
            await pilot.press("j")
        lead = stories.highlighted_item
        other = ({"a1", "a2"} - {lead}).pop()
        ids = lambda: [o.id for o in stories.options]  # noqa: E731
        assert f"c:{other}" not in ids()
        assert "+1" in str(stories.highlighted_option.prompt)
        await pilot.press("l")
        assert [i for i in ids() if i.startswith("c:")] == [f"c:{other}"]
        await pilot.press("j")  # the child row is a row like any other
        assert stories.highlighted_item == other
        await pilot.press("space")  # collapsing from the child lands on the lead
        assert not [i for i in ids() if i.startswith("c:")]
        assert stories.highlighted_item == lead
        await pilot.press("enter")  # enter on a collapsed multi-source story expands it
        assert [i for i in ids() if i.startswith("c:")]


async def test_brackets_week_and_search(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-27"
        assert "TSMC" in list_text(app)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-26"
        await pilot.press("left_square_bracket")  # nothing earlier: stays
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-26"
        await pilot.press("right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-28"

        # / filters live; escape clears it.
        await pilot.press("slash")
        await pilot.press(*"huawei")
        await settle(pilot)
        text = list_text(app)
        assert "Huawei" in text and "Singapore" not in text
        await pilot.press("escape")
        await settle(pilot)
        assert screen.request.query == ""
        assert "Singapore" in list_text(app)

        await pilot.press("w")
        await settle(pilot)
        text = list_text(app)
        assert "TSMC" in text and "Entity List" in text and "Huawei" in text
        assert "Week" in header_text(app)


async def test_theme_filter_from_the_picker_and_the_column(home):
    from tui.screens.theme_picker import ThemePicker

    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("t")  # t opens the picker: All, the ten themes with counts, Other
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, ThemePicker)
        assert [c.id for c in picker.choices][:2] == ["__all__", "compute-bottleneck"]
        assert picker.choices[-1].id == "other" and picker.highlighted == "__all__"
        counts = {c.id: c.count for c in picker.choices}
        assert counts["gray-market"] == 1 and counts["export-controls"] == 2 and counts["__all__"] == 8
        await pilot.press("j", "escape")  # escape cancels: no filter
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen) and screen_of(app).request.theme is None
        await pilot.press("t")
        await pilot.pause()
        while app.screen.highlighted != "gray-market":
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).request.theme == "gray-market"
        text = list_text(app)
        assert "Singapore broker" in text
        assert "Huawei" not in text
        assert isinstance(app.focused, StoryList)
        await pilot.press("t")  # the current filter is marked and under the cursor
        await pilot.pause()
        assert app.screen.highlighted == "gray-market"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")  # escape drops the filter
        await settle(pilot)
        assert screen_of(app).request.theme is None
        assert "Huawei" in list_text(app)

        # The column still filters: tab into it, move, enter.
        await pilot.press("shift+tab")
        column = app.screen.query_one(ThemeColumn)
        assert app.focused is column
        while column.highlighted != "gray-market":
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot)
        assert screen_of(app).request.theme == "gray-market"


async def test_flags_open_and_unread_only_persist(home):
    """s and m on the cursor's item, enter on another (marks it read), then u hides read items."""
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        stories = app.screen.query_one(StoryList)
        target = stories.highlighted_item
        await pilot.press("s", "m")
        await settle(pilot)
        assert "7 unread" in header_text(app)
        while stories.highlighted_item != "a5":
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot)
        pane = app.screen.query_one(AnalysisPane)
        assert pane.item_id == "a5"
        body = str(pane.query_one("#analysis-body").render())
        assert "Huawei ships Ascend 910C" in body and "evidence for domestic-alternatives" in body
        assert "Nvidia" in body
        assert "6 unread" in header_text(app)
        await pilot.press("escape")
        assert pane.item_id is None
        await pilot.press("u")
        await settle(pilot)
        assert "Huawei" not in list_text(app)
        assert "unread only" in header_text(app)
    from store import Store

    store = Store.open(home.db_dir, readonly=True)
    try:
        saved = store.get(target)
        assert saved["starred"] is True and saved["read"] is True
        assert store.get("a5")["read"] is True
        assert store.get("a6")["read"] is False
    finally:
        store.close()


async def test_links_open_only_on_the_web_and_hostile_text_is_inert(home):
    app, opened = make(home)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        assert "[@click=app.quit]y[/]" in list_text(app)
        stories = app.screen.query_one(StoryList)
        while stories.highlighted_item != "a5":
            await pilot.press("j")
        await pilot.press("o")
        await settle(pilot)
        assert opened == ["https://wire.example/a5"]
        await pilot.press("g")
        while stories.highlighted_item != "a4":
            await pilot.press("j")
        await pilot.press("o")  # javascript: is refused
        await settle(pilot)
        assert opened == ["https://wire.example/a5"]
        assert any("Refused" in str(n.message) for n in app._notifications)
        assert all(not n.markup for n in app._notifications)

        # Click on the would-be link text: a parsed [@click] would quit the app.
        row = stories.highlighted - stories.scroll_offset.y
        line = stories.render_line(row).text
        start = line.index("[@click")
        for x in range(start, start + len("[@click=app.quit]y[/]"), 4):
            await pilot.click(StoryList, offset=(x, row))
        await pilot.pause()
        assert app.is_running and app.return_code is None
        await pilot.press("enter")
        await settle(pilot)
        body = str(app.screen.query_one(AnalysisPane).query_one("#analysis-body").render())
        assert HOSTILE_TITLE in body
        assert "javascript:alert(1)" in body


async def test_narrow_terminal_folds_the_analysis_pane(home):
    app, _ = make(home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(AnalysisPane)
        assert app.screen.has_class("-narrow")
        assert not pane.display
        await pilot.press("a")
        await pilot.pause()
        assert pane.display and pane.region.width > 0
        await pilot.press("escape")
        await pilot.pause()
        assert not pane.display
        await pilot.press("enter")  # opening an item brings the pane up as an overlay
        await settle(pilot)
        if pane.item_id is None:  # the first row is a two-source story: enter expanded it
            await pilot.press("enter")
            await settle(pilot)
        assert pane.item_id is not None and pane.display
        await pilot.press("escape")
        await pilot.pause()
        assert not pane.display
        await pilot.resize_terminal(160, 48)  # wide: the pane is a column, and a hides it
        await pilot.pause()
        assert app.screen.has_class("-wide") and pane.display
        await pilot.press("a")
        await pilot.pause()
        assert not pane.display


async def test_keys_remap_through_the_keymap(home):
    app, _ = make(home, keymap_overrides={"star": "x", "down": "n"})
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        stories = app.screen.query_one(StoryList)
        first = stories.highlighted_item
        await pilot.press("n")
        assert stories.highlighted_item != first
        target = stories.highlighted_item
        await pilot.press("x")
        await settle(pilot)
        assert screen_of(app).view.items[target]["starred"] is True


async def test_demo_home_says_sample_data(tmp_path):
    paths = build_home(tmp_path / "demo", demo=True)
    app, _ = make(paths)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "SAMPLE DATA" in header_text(app)
        from tui.screens.feeds import FeedsScreen

        await pilot.press("f")  # the feeds screen is pushed from the home screen...
        await settle(pilot)
        assert isinstance(app.screen, FeedsScreen)
        app.pop_screen()  # ...and coming back reloads the briefing
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen) and "SAMPLE DATA" in header_text(app)


def test_services_is_textual_free():
    """The facade every screen uses must stay importable (and benchmarkable) without Textual."""
    import subprocess
    import sys

    code = "import sys, core.session, tui.keymap; print(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_palette_offers_every_key_action(home):
    from tui.commands import ChipwireCommands
    from tui.keymap import KEY_SPECS, PALETTE_SCOPES

    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        provider = ChipwireCommands(app.screen)
        names = [name for name, _cb, _help in provider._commands()]
        # The nine digit keys are one palette entry: "Open a numbered link of the item…" (L).
        actions = {spec.action for spec in KEY_SPECS if spec.scope in PALETTE_SCOPES
                   and not spec.action.startswith("open_numbered_link(")}
        assert len([n for n in names if not n.startswith(("Filter", "Go to", "Export range"))]) >= len(actions) - 6
        assert "Show hidden items" in names and "Go to date…" in names
        assert "Add" not in names and "Refresh feed" not in names  # feeds-screen keys stay there
        assert "Go to date 2025-11-27" in names
        assert any(n.startswith("Export range") for n in names)
        assert "Filter: all themes" in names
        await pilot.press("e")  # export the view: the same digest as `chipwire export`
        await settle(pilot)
    files = sorted(home.exports_dir.glob("*.md"))
    assert [f.name for f in files] == ["chipwire-digest-2025-11-28.md"]  # named as `chipwire export` names it
    text = files[0].read_text(encoding="utf-8")
    assert "Huawei ships Ascend 910C" in text and "TSMC" not in text


async def test_empty_home_paints_an_empty_briefing(tmp_path):
    paths = build_home(tmp_path / "empty", items=[])
    app, _ = make(paths)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "0 items" in header_text(app)
        await pilot.press("j", "k", "enter", "s", "o", "left_square_bracket")
        await settle(pilot)
        assert app.is_running


async def test_story_list_maps_one_line_per_option(tmp_path):
    """StoryList skips OptionList's per-prompt measuring (day-switch speed): the rows, scroll
    range and scrollbar must still be right when a long day follows a short one and back."""
    from datetime import timedelta

    from snapshot_apps.data import fixed_items, item

    day = NOW.replace(hour=0, minute=0) - timedelta(days=5)
    many = [item(f"m{n:02d}", day + timedelta(minutes=n), f"Long day story {n:02d}", themes=["export-controls"])
            for n in range(60)]
    app, _ = make(build_home(tmp_path / "home", items=fixed_items() + many))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        stories = app.screen.query_one(StoryList)
        assert not stories.show_vertical_scrollbar  # 8 items fit
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert str(screen_of(app).request.day) == str(day.date())
        assert stories.option_count == 61  # one heading + 60 stories
        assert stories.virtual_size.height == stories.option_count
        assert stories.show_vertical_scrollbar
        await pilot.press("G")
        await pilot.pause()
        assert stories.highlighted_item == "m00"  # oldest last
        assert "Long day story 00" in list_text(app)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert stories.virtual_size.height == stories.option_count < 10
        assert not stories.show_vertical_scrollbar
        assert "TSMC" not in list_text(app) and "Cluster of 100,000" in list_text(app)


async def test_the_theme_pane_count_follows_the_day_when_the_theme_stays(tmp_path):
    """Same theme under the cursor on both days: its "N items in view" must still change."""
    from datetime import datetime, timedelta, timezone

    from snapshot_apps.data import item

    d28 = datetime(2025, 11, 28, tzinfo=timezone.utc)
    items = [
        item("x1", d28 + timedelta(hours=9), "BIS tightens licence rules", themes=["export-controls"]),
        item("x2", d28 + timedelta(hours=8), "Entity List grows again", themes=["export-controls"]),
        item("y1", d28 - timedelta(hours=14), "Export rule comment period opens", themes=["export-controls"]),
    ]
    app, _ = make(build_home(tmp_path / "h", items=items))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        pane = app.screen.query_one(AnalysisPane)
        body = lambda: str(pane.query_one("#analysis-body").render())  # noqa: E731
        assert pane.theme_id == "export-controls" and "2 items in view" in body()
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert str(screen_of(app).request.day) == "2025-11-27"
        assert pane.theme_id == "export-controls" and "1 item in view" in body(), body()[:80]


async def test_a_date_token_in_the_search_sets_the_days_searched(home):
    """As in elfeed: `/@2025-11-26..2025-11-28 +gray-market` searches those days, not just the
    day on screen; escape brings the day back; `e` exports what the search shows."""
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert str(screen.request.day) == "2025-11-28"
        await pilot.press("slash")
        await pilot.press(*"+gray-market @2025-11-28")
        await settle(pilot)
        text = list_text(app)
        assert "Singapore broker" in text and "Smuggling ring" not in text  # the 28th's only
        await pilot.press(*["backspace"] * len("@2025-11-28"))
        await pilot.press(*"@2025-11-26..2025-11-28")
        await settle(pilot)
        text = list_text(app)
        assert "Singapore broker" in text and "Smuggling ring" in text  # 28th and 26th
        assert "Huawei" not in text
        assert screen.view.span == (screen.view.request.day.replace(day=26), screen.view.request.day)
        assert "26 Nov" in header_text(app) and "28 Nov" in header_text(app)
        assert "Week" not in header_text(app)  # a searched range, not the weekly briefing
        assert "dates from the query" in header_text(app)
        await pilot.press("enter")  # leave the search box with the filter in place
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert "Smuggling ring" not in list_text(app) and "Huawei" in list_text(app)
    [digest] = sorted(home.exports_dir.glob("*.md"))
    assert digest.name == "chipwire-digest-2025-11-26_2025-11-28.md"
    body = digest.read_text(encoding="utf-8")
    assert "Smuggling ring" in body and "Singapore broker" in body and "Huawei" not in body


async def test_mark_all_read_marks_what_the_view_shows(home):
    """A under a search marks only the matches; A again on the plain day marks the rest."""
    from store import Store

    app, _ = make(home)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        assert "8 unread" in header_text(app)
        await pilot.press("slash", *"+export-controls @2025-11-28", "enter")
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        shown = set(screen_of(app).view.items)
        assert shown == {"a1", "a2"}  # the story and its other source
        assert "6 unread" in header_text(app)
        assert any("Marked 2 items read" in str(n.message) for n in app._notifications)
        await pilot.press("escape")
        await settle(pilot)
        assert "6 unread" in header_text(app)
        await pilot.press("A")
        await settle(pilot)
        assert "0 unread" in header_text(app)
        await pilot.press("A")
        await settle(pilot)
        assert any("Nothing unread in view" in str(n.message) for n in app._notifications)
    store = Store.open(home.db_dir, readonly=True)
    try:
        day = [store.get(f"a{n}") for n in range(1, 9)]
        assert all(item["read"] for item in day)
        assert store.get("b1")["read"] is False  # another day: untouched
    finally:
        store.close()


async def test_the_export_key_writes_item_times_in_the_configured_zone(home):
    (home.root / "config.toml").write_text('[export]\ntz = "Asia/Taipei"\n', encoding="utf-8")
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
    [digest] = sorted(home.exports_dir.glob("*.md"))
    body = digest.read_text(encoding="utf-8")
    assert "2025-11-28 16:00 CST" in body  # a3, published 08:00 UTC (only leads show a time now)


async def test_open_says_so_when_no_browser_could_be_started(home):
    calls: list[str] = []

    def no_browser(url: str) -> bool:  # webbrowser.open on a machine without one
        calls.append(url)
        return False

    app, _ = make(home, opener=no_browser)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "a3")
        await pilot.press("o")
        await settle(pilot)
        notes = [str(n.message) for n in app._notifications]
    assert calls and calls[0].startswith("https://")
    assert any("No browser could be started" in n and "c copies the link" in n for n in notes), notes


def test_a_browser_needs_the_terminal_only_without_a_display(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys
    import webbrowser

    from tui.opener import browser_needs_terminal

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(webbrowser, "get", lambda using=None: object())  # some browser exists
    assert browser_needs_terminal({}) is True  # no display: it can only be w3m, lynx...
    assert browser_needs_terminal({"DISPLAY": ":0"}) is False
    assert browser_needs_terminal({"WAYLAND_DISPLAY": "wayland-0"}) is False

    def none(using=None):
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(webbrowser, "get", none)
    assert browser_needs_terminal({}) is False  # nothing to start: open() will say so
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(webbrowser, "get", lambda using=None: object())
    assert browser_needs_terminal({}) is False


async def test_a_console_browser_borrows_the_terminal_or_falls_back(home):
    """With a terminal browser the app suspends around it; where it cannot (this headless
    test driver), the link is still opened from a worker."""
    from tui.opener import LinkOpener

    app, opener = make(home)
    app.opener = LinkOpener(opener, lambda: True)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "a3")
        await pilot.press("o")
        await settle(pilot)
    assert opener == ["https://wire.example/a3"]


async def test_a_search_without_dates_covers_everything_stored(home):
    """newsboat's `/` finds every stored match; so does ours: newest first, the header says so,
    a date token narrows it again, and escape brings the day back."""
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert str(screen.request.day) == "2025-11-28"
        await pilot.press("slash", *"+gray-market")
        await settle(pilot)
        text = list_text(app)
        assert "Singapore broker" in text and "Smuggling ring" in text  # the 28th and the 26th
        assert text.index("Singapore broker") < text.index("Smuggling ring")  # newest first
        assert "Huawei" not in text
        assert "all stored" in header_text(app)
        assert screen.view.archive and screen.view.complete
        assert "Wed" in text  # rows carry their day (26 Nov 2025 was a Wednesday)
        await pilot.press(*" @2025-11-28")
        await settle(pilot)
        assert "Smuggling ring" not in list_text(app)
        assert "all stored" not in header_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.request.query == "" and "Huawei" in list_text(app)
        assert "Smuggling ring" not in list_text(app)
