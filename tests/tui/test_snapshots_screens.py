"""Snapshot tests of the feeds and help screens at 80x24 and 160x48.

(The welcome screen is an overlay on the briefing screen, so a snapshot of it would change
with every briefing-screen change; its Pilot tests cover it.)

Fixed data (``snapshot_apps/screens_app.py``), a frozen clock, no animation, workers waited
for. The home lives at a fixed path because the feeds screen shows where feeds.toml is.

Regenerate after an intended visual change with ``pytest tests/test_snapshots_screens.py
--snapshot-update`` and look at the SVGs before committing them.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from snapshot_apps.screens_app import ERROR_URL, make_screens_app
from pilot_helpers import settle as _settle

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def fixed_root(request) -> Path:
    """A home path that is the same on every run (it is printed on screen)."""
    root = Path(tempfile.gettempdir()) / "chipwire-snap" / request.node.name.replace("[", "-").rstrip("]")
    shutil.rmtree(root, ignore_errors=True)
    yield root
    shutil.rmtree(root, ignore_errors=True)


async def _feeds_on_error(pilot) -> None:
    """Open the feeds screen and put the cursor on the failing feed (its error in the detail)."""
    from textual.widgets import DataTable

    await _settle(pilot)
    await pilot.press("f")
    await _settle(pilot)
    screen = pilot.app.screen
    screen.query_one(DataTable).move_cursor(row=list(screen.rows).index(ERROR_URL), animate=False)
    await _settle(pilot)


async def _help(pilot) -> None:
    await _settle(pilot)
    await pilot.press("question_mark")
    await _settle(pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_feeds_screen(snap_compare, fixed_root: Path, size) -> None:
    assert snap_compare(make_screens_app(fixed_root / "home"), terminal_size=size, run_before=_feeds_on_error)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_help_screen(snap_compare, fixed_root: Path, size) -> None:
    app = make_screens_app(fixed_root / "home", keymap_overrides={"star": "x"})
    assert snap_compare(app, terminal_size=size, run_before=_help)
