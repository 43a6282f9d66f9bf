"""Noticing what other chipwire processes write while the app is open.

A cron ``chipwire refresh``, ``chipwire label`` or a hand edit of ``ignore.toml``,
``themes.toml`` or ``feeds.toml`` changes what the briefing should show; the
app only re-reads those when asked. :class:`OutsideWatcher` is polled every few seconds from a
thread worker (never on the event loop): it compares the config files' identities (inode, size,
mtime) and the store's count of commits made by other writers with what it saw last time, and
says what changed so the face can reload the view in place.

Cheap by design: one ``stat`` per watched file and one for the store's state.json when nothing
changed, so polling costs nothing noticeable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from core.session import Services

#: How often the face polls (seconds): "within a few seconds" at the cost of a few stats.
POLL_SECONDS = 2.0

Sig = tuple[int, int, int] | None


def _sig(path: Path) -> Sig:
    """The file's identity (inode, size, mtime ns), or None when it does not exist."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass
class OutsideChange:
    """What changed since the last poll.

    Attributes:
        store: another writer committed to the store (items, flags, labels...).
        new_items: how many more items the store holds than when last counted (0 if fewer).
        files: names of the config files that changed (``ignore.toml``...), in a fixed order.
    """

    store: bool = False
    new_items: int = 0
    files: list[str] = field(default_factory=list)

    def notice(self) -> str | None:
        """What to tell the person, or None when a quiet reload is enough."""
        parts = []
        if self.new_items:
            parts.append(f"{self.new_items} new item{'s' if self.new_items != 1 else ''} (background refresh)")
        if self.files:
            parts.append(f"{', '.join(self.files)} changed; view reloaded")
        return "; ".join(parts) or None


class OutsideWatcher:
    """Remembers what the app last saw of the store and the config files."""

    def __init__(self, services: "Services") -> None:
        self.services = services
        self._files: dict[str, Sig] | None = None
        self._outside: int | None = None
        self._total: int | None = None

    def _watched(self) -> dict[str, Path]:
        paths = self.services.paths
        return {
            "feeds.toml": paths.feeds_file,
            "themes.toml": paths.themes_file,
            "ignore.toml": paths.ignore_file,
        }

    @property
    def started(self) -> bool:
        """True once :meth:`baseline` ran (the first view build takes it)."""
        return self._files is not None

    def baseline(self) -> None:
        """Take the current state as seen (at start-up, before the first view is built)."""
        self._files = {name: _sig(path) for name, path in self._watched().items()}
        with self.services.lock:
            store = self.services.store
            self._outside = store.outside_writes()
            self._total = store.total_items()

    def take_new_items(self) -> int:
        """Items stored since last counted (by anyone), and count them as seen.

        The app's own refresh uses this too, so its notice counts what is new to the view —
        including what a cron refresh stored a moment before — not only its own fetch.
        """
        with self.services.lock:
            total = self.services.store.total_items()
        previous = self._total if self._total is not None else total
        self._total = total
        return max(0, total - previous)

    def check(self) -> OutsideChange | None:
        """Poll once (call from a thread); None when nothing changed or a refresh of ours runs.

        A change drops the caches it makes stale (items, ignore rules, themes) so the next view
        build reads fresh data; changed themes re-tag the stored items, as at start-up.
        """
        services = self.services
        if self._files is None:
            self.baseline()
            return None
        if services.refresh_running:
            return None  # our own writes; the refresh's end reloads and counts
        files = {name: _sig(path) for name, path in self._watched().items()}
        changed = [name for name, sig in files.items() if self._files.get(name) != sig]
        self._files = files
        with services.lock:
            outside = services.store.outside_writes()
        store_changed = outside != self._outside
        self._outside = outside
        if not changed and not store_changed:
            return None
        services.forget_config(changed)
        if "themes.toml" in changed:
            services.retag_if_stale()
        services.invalidate()
        return OutsideChange(store=store_changed, new_items=self.take_new_items(), files=changed)
