"""Pilot tests of the correction keys: - rejects, + adds, = confirms a theme of the open item."""

from __future__ import annotations

from pathlib import Path

import pytest

from snapshot_apps.data import NOW, build_home
from store import Store
from tui.app import make_app
from tui.screens.briefing import BriefingScreen
from tui.dialogs.label_picker import LabelPicker
from tui.widgets.analysis_pane import AnalysisPane
from tui.widgets.story_list import StoryList


@pytest.fixture
def home(tmp_path: Path):
    return build_home(tmp_path / "home")


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_item(pilot, item_id: str) -> None:
    stories = pilot.app.screen.query_one(StoryList)
    await pilot.press("g")
    for _ in range(20):
        if stories.highlighted_item == item_id:
            break
        await pilot.press("j")
    assert stories.highlighted_item == item_id
    await pilot.press("enter")
    await settle(pilot)


def stored(home, item_id: str) -> tuple[dict, dict]:
    store = Store.open(home.db_dir, readonly=True)
    try:
        return store.get(item_id), store.corrections()
    finally:
        store.close()


def view_item(app, item_id: str) -> dict:
    screen = app.screen
    assert isinstance(screen, BriefingScreen)
    return screen.view.items[item_id]


def pane_text(app) -> str:
    return str(app.screen.query_one(AnalysisPane).query_one("#analysis-body").render())


async def test_reject_picks_among_the_items_themes_and_is_remembered(home):
    app = make_app(home, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        await open_item(pilot, "a3")  # gray-market, enforcement
        await pilot.press("minus")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, LabelPicker)
        assert [c.id for c in picker.choices] == ["gray-market", "enforcement"]
        await pilot.press("enter")  # the first: gray-market
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)
        assert "gray-market" not in [t["id"] for t in view_item(app, "a3")["themes"]]
        assert app.screen.open_item == "a3"
        notes = [str(n.message) for n in app._notifications]
    item, corrections = stored(home, "a3")
    assert "gray-market" not in [t["id"] for t in item["themes"]]
    assert corrections["a3"]["rejected"] == ["gray-market"]
    assert any("Rejected" in n and "remember" in n for n in notes), notes


async def test_add_offers_the_missing_themes_and_marks_the_new_one_as_yours(home):
    app = make_app(home, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await open_item(pilot, "a5")  # domestic-alternatives only
        await pilot.press("plus")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, LabelPicker)
        offered = [c.id for c in picker.choices]
        assert "domestic-alternatives" not in offered and len(offered) == 9
        await pilot.press("j", "enter")  # the second offered theme
        await settle(pilot)
        themes = view_item(app, "a5")["themes"]
        assert themes[0]["id"] == offered[1] and themes[0]["source"] == "user"
        assert "you added this theme" in pane_text(app)
    _item, corrections = stored(home, "a5")
    assert corrections["a5"]["added"] == [offered[1]]


async def test_confirm_with_one_theme_needs_no_picker_and_escape_cancels_a_picker(home):
    app = make_app(home, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await open_item(pilot, "a3")
        await pilot.press("plus")
        await settle(pilot)
        assert isinstance(app.screen, LabelPicker)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)
        assert stored(home, "a3")[1] == {}  # cancelled: nothing stored
        await pilot.press("escape")  # close the item; the cursor's item is corrected too
        await settle(pilot)
        await open_item(pilot, "a5")
        await pilot.press("equals_sign")
        await settle(pilot)
        assert isinstance(app.screen, BriefingScreen)
    item, corrections = stored(home, "a5")
    confirmed = corrections["a5"]["confirmed"]
    assert len(confirmed) == 1 and confirmed[0] in [t["id"] for t in item["themes"]]
    mark = next(t for t in item["themes"] if t["id"] == confirmed[0])
    assert mark["source"] == "user" and mark["evidence"][0] == "you confirmed this theme"
