"""Refresh progress: feeds done / total while the refresh worker runs; hidden otherwise."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar


class RefreshBar(Horizontal):
    """A label and a ProgressBar; the screen calls :meth:`start`, :meth:`advance`, :meth:`finish`."""

    def compose(self) -> ComposeResult:
        yield Label("Refreshing feeds", id="refresh-label", markup=False)
        yield ProgressBar(total=None, show_eta=False, id="refresh-progress")

    def start(self) -> None:
        """Show the bar in its indeterminate state (the feed count is not known yet)."""
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one(Label).update(Text("Refreshing feeds…"))
        self.display = True

    def advance(self, done: int, total: int, title: str) -> None:
        """Show feeds done / total and the feed that just finished (untrusted: plain Text)."""
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)
        label = Text(f"Refreshing {done}/{total} ", no_wrap=True, overflow="ellipsis")
        label.append(title[:60], style="dim")
        self.query_one(Label).update(label)

    def finish(self) -> None:
        """Hide the bar again."""
        self.display = False
