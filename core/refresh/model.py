"""What a refresh reports: one :class:`FeedOutcome` per feed, one :class:`RefreshReport` per run.

Plain data and the store's time format, so every part of the refresh (and the faces) can share
them without importing the machinery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def iso(dt: datetime) -> str:
    """Format an aware datetime as the store's ISO 8601 UTC form."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(text: str | None) -> datetime | None:
    """Parse the store's ISO 8601 form back; ``None`` for missing or unreadable values."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class FeedOutcome:
    """How one feed ended a refresh; stored per feed and printed one line per feed."""

    url: str
    title: str
    status: str  # "ok" | "not-modified" | "unchanged" | "skipped" | "error"
    message: str = ""
    error_kind: str | None = None
    http_status: int | None = None
    new: int = 0
    updated: int = 0
    entries: int = 0
    warning: str | None = None
    moved_to: str | None = None
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        """True when the feed could not be read this time."""
        return self.status == "error"

    def to_json(self) -> dict[str, Any]:
        """The ``refresh --json`` record of this feed (a CLI contract: extend, don't rename)."""
        return {
            "url": self.url,
            "title": self.title,
            "status": self.status,
            "message": self.message,
            "error_kind": self.error_kind,
            "http_status": self.http_status,
            "new": self.new,
            "updated": self.updated,
            "entries": self.entries,
            "warning": self.warning,
            "moved_to": self.moved_to,
            "elapsed": round(self.elapsed, 3),
        }


@dataclass
class RefreshReport:
    """Everything a caller needs to summarise a refresh."""

    outcomes: list[FeedOutcome] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    hook_error: str | None = None
    retagged: int = 0
    new_items: list[dict] = field(default_factory=list)
    #: Set when a stop was requested (SIGINT/SIGTERM): what was parsed by then is stored, the
    #: feeds not finished are "skipped" and keep their old state, and the hook does not run.
    interrupted: bool = False
    #: How many store commits the run made (one for an ordinary refresh, more for big lists).
    commits: int = 0

    @property
    def failed(self) -> list[FeedOutcome]:
        """Outcomes of feeds that could not be read."""
        return [o for o in self.outcomes if o.failed]

    @property
    def stored_feeds(self) -> int:
        """Feeds that brought at least one new item."""
        return sum(1 for o in self.outcomes if o.new)

    @property
    def exit_code(self) -> int:
        """0 when every feed is ok, unchanged or skipped; 1 when some failed."""
        return 1 if self.failed else 0
