"""What every Pilot test needs: wait until the app is quiet.

One copy instead of one per test file: a screen's worker often starts another worker when its
message is handled (a view load after a refresh, a flag write after a toggle), so "quiet" means
two rounds of pause + wait-for-workers, then one more pause for the last messages.
"""

from __future__ import annotations

from typing import Any


async def settle(pilot: Any, rounds: int = 2) -> None:
    """Let workers finish and their messages be handled (``rounds`` times: workers start workers)."""
    for _ in range(rounds):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()
