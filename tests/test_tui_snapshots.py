"""Snapshot tests of the briefing screen at 80x24 and 160x48 on fixed data and a frozen clock.

Regenerate after an intended visual change with ``pytest tests/test_tui_snapshots.py
--snapshot-update`` and look at the report before committing the new SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from snapshot_apps.briefing_app import make_snapshot_app
from pilot_helpers import settle as _settle
from snapshot_apps.data import reader_items

SIZES = [(80, 24), (160, 48)]


def _open(item_id: str):
    """run_before: move the cursor to ``item_id`` and open it."""

    async def run(pilot) -> None:
        from tui.widgets.story_list import StoryList

        await _settle(pilot)
        stories = pilot.app.screen.query_one(StoryList)
        for _ in range(40):
            if stories.highlighted_item == item_id:
                break
            await pilot.press("j")
        assert stories.highlighted_item == item_id
        await pilot.press("enter")
        await _settle(pilot)

    return run


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_briefing_screen(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(make_snapshot_app(tmp_path / "home"), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_open_item(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(make_snapshot_app(tmp_path / "home"), terminal_size=size, run_before=_open("a3"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_reader_with_numbered_links(snap_compare, tmp_path: Path, size) -> None:
    """An item read with n: paragraphs, a list, [n] marks and the link list, focus in the reader."""

    async def run(pilot) -> None:
        from tui.widgets.story_list import StoryList

        await _settle(pilot)
        stories = pilot.app.screen.query_one(StoryList)
        for _ in range(40):
            if stories.highlighted_item == "a3":
                break
            await pilot.press("j")
        await pilot.press("n")  # the cursor's row is unread: n reads it
        await _settle(pilot)
        assert pilot.app.screen.open_item == "a3"

    assert snap_compare(make_snapshot_app(tmp_path / "home", reader_items()), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_hostile_item(snap_compare, tmp_path: Path, size) -> None:
    assert snap_compare(make_snapshot_app(tmp_path / "home"), terminal_size=size, run_before=_open("a4"))


async def _picker(pilot) -> None:
    """run_before: open the t theme picker with the cursor on a theme with items."""
    await _settle(pilot)
    await pilot.press("t")
    await _settle(pilot)
    await pilot.press("j", "j")
    await pilot.pause()


def test_theme_picker(snap_compare, tmp_path: Path) -> None:
    assert snap_compare(make_snapshot_app(tmp_path / "home"), terminal_size=(80, 24), run_before=_picker)
