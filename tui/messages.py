"""The messages screens and their workers send: the "messages up" half of the app's data flow.

Workers run off the event loop and report back only through these; screens react in their
``on_*`` handlers. One module, so what can arrive at a screen is readable in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:  # pragma: no cover - typing only
    from core.view import BriefingView
    from tui.screens.feeds import FeedsData


# -- the briefing screen ---------------------------------------------------------------------


@dataclass
class ViewLoaded(Message):
    """A view finished building in a worker (``generation`` drops stale, overtaken loads)."""

    view: BriefingView
    keep: str | None
    generation: int
    #: A later part of a streamed archive search: keep the cursor where it is now.
    follow: bool = False
    #: ``n``/``N`` found their unread item on another day: open it in the reader once painted.
    open_after: str | None = None


@dataclass
class LoadSkipped(Message):
    """A load ended without a new view (no earlier/later day): the screen is settled again."""

    generation: int


@dataclass
class RefreshProgress(Message):
    """One feed finished during a refresh; floods collapse (only the latest matters)."""

    done: int
    total: int
    title: str

    def can_replace(self, message: Message) -> bool:  # noqa: D102 - Textual hook
        return isinstance(message, RefreshProgress)


@dataclass
class RefreshDone(Message):
    """The refresh worker finished; ``report`` is the pipeline's RefreshReport."""

    report: Any
    #: Items stored since the view was last counted, by anyone (a cron refresh included).
    new_to_view: int | None = None


@dataclass
class Retagged(Message):
    """The start-up check re-tagged stored items because the themes changed."""

    count: int


@dataclass
class OutsideChanged(Message):
    """The watcher saw another process's writes (store or config files): reload in place."""

    change: Any


@dataclass
class FullTextLoaded(Message):
    """A full-text worker finished: ``result`` is a ``core.fulltext.FullText`` (or None: not cached)."""

    result: Any
    asked: bool


@dataclass
class Notice(Message):
    """A worker wants to tell the person something (plain text, never markup)."""

    text: str
    severity: str = "information"


# -- the feeds screen ------------------------------------------------------------------------


@dataclass
class FeedsLoaded(Message):
    """The worker read feeds.toml and the store."""

    data: FeedsData
    select: str | None = None


@dataclass
class FeedsNotice(Message):
    """A worker has something to tell the person (plain text, never markup)."""

    text: str
    severity: str = "information"


@dataclass
class ShowFeedItems(Message):
    """enter on a feed: the briefing shows that feed's items (a ``=feed`` search)."""

    query: str


# -- theme corrections -----------------------------------------------------------------------


class Labelled(Message):
    """A correction was stored (or failed: ``error``); the view should show the new tags."""

    def __init__(self, verb: str, theme: str, spread: int, error: str | None = None) -> None:
        super().__init__()
        self.verb = verb
        self.theme = theme
        self.spread = spread
        self.error = error
