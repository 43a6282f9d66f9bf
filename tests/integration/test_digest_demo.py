"""The app's ``e`` in a demo: the digest outlives the temporary demo home, and the person is told.

Runs ``chipwire --demo`` in-process (the real seeding pipeline, the real app driven by Pilot),
presses ``e`` and quits, then checks what is left on disk and what was said on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import io
from pathlib import Path

import pytest

from snapshot_apps.data import NOW
from store.home import HomePaths


async def settle(pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()


def test_the_demo_s_export_key_writes_to_the_current_folder_and_says_so_on_quit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.cli.app_cmd import run_app_command
    from tui.cli.context import Context

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    roots: list[Path] = []

    async def drive(app) -> None:
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await settle(pilot)
            roots.append(app.services.paths.root)
            await pilot.press("e")
            await settle(pilot)
            await pilot.press("q")
            await pilot.pause()

    err = io.StringIO()
    ctx = Context(paths=HomePaths(tmp_path / "home"), err=err, frozen_now=NOW)
    code = run_app_command(argparse.Namespace(demo=True), ctx, runner=lambda app: asyncio.run(drive(app)))
    assert code == 0
    [digest] = sorted(work.glob("chipwire-digest-*.md"))
    assert digest.name == f"chipwire-digest-{NOW.date().isoformat()}.md"
    assert digest.read_text(encoding="utf-8").startswith(f"# chipwire digest: {NOW.date().isoformat()}\n")
    [root] = roots
    assert not root.exists()  # the demo home is gone; the digest is not
    message = err.getvalue()
    assert str(digest) in message and f"the demo home {root} has been removed" in message
