"""The refresh's writes beyond new items: story ids, re-tagging, moved feeds, retention."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.refresh.model import from_iso, iso
from store.home import HomePaths

if TYPE_CHECKING:  # pragma: no cover
    from briefing.themes import ThemeSet
    from store import Store
    from core.settings import Settings


def assign_item_stories(store: "Store", items: list[dict]) -> list[dict]:
    """Give each incoming item a story id, joining stories already stored within the window.

    A stored item keeps its story id; a new item that matches a stored one takes that id, so a
    story's id is stable as more sources report it — and across the batches of one big refresh,
    since each batch is matched against what the earlier ones stored. Returns the stored items
    it compared against (the caller lets untagged items inherit their story's themes from them).
    """
    from briefing.stories import assign_stories

    days = [from_iso(i.get("published")) for i in items]
    days = [d for d in days if d]
    existing: list[dict] = []
    if days:
        start = (min(days) - timedelta(hours=72)).date()
        end = (max(days) + timedelta(hours=72)).date()
        existing = store.items(start=start, end=end)
    incoming_ids = {i["id"] for i in items}
    pool = [i for i in existing if i["id"] not in incoming_ids] + items
    mapping = assign_stories(pool)
    # Prefer a story id already stored for any member of the group.
    stored_story = {i["id"]: i.get("story") or i["id"] for i in existing}
    group_best: dict[str, str] = {}
    for item_id, story in mapping.items():
        if item_id in stored_story:
            current = group_best.get(story)
            candidate = stored_story[item_id]
            if current is None or candidate < current:
                group_best[story] = candidate
    for item in items:
        story = mapping.get(item["id"], item["id"])
        item["story"] = group_best.get(story, story)
    return [i for i in existing if i["id"] not in incoming_ids]


def ensure_tags_current(store: "Store", themes: "ThemeSet") -> int:
    """Re-tag every stored item in one batch when the themes file changed since the last tagging.

    Returns the number of items whose tags changed. Never leaves stored tags silently stale.
    """
    if store.meta("themes_digest") == themes.digest:
        return 0
    changed = retag_all(store, themes) if store.total_items() else 0
    store.set_meta("themes_digest", themes.digest)
    store.commit()
    return changed


def retag_all(store: "Store", themes: "ThemeSet") -> int:
    """Recompute ``themes`` and ``entities`` of every stored item (month by month), corrections kept."""
    from core.corrections import load_book, retagger

    return store.rewrite_items(retagger(themes, load_book(store)))


def move_feed(paths: HomePaths, store: "Store", old: str, new: str) -> None:
    """Follow a 301/308: update feeds.toml (text edit, comments kept) and the store."""
    from feeds.subscriptions import ConfigError, update_url

    try:
        moved = update_url(paths.feeds_file, old, new)
    except ConfigError:  # the file changed under us, or the new URL is already subscribed
        return
    if moved:
        store.rename_feed(old, new)


def maybe_prune(store: "Store", settings: "Settings", now: datetime) -> None:
    """Apply the retention setting at most once a day (starred items are kept forever)."""
    last = from_iso(store.meta("last_prune"))
    if last and now - last < timedelta(days=1):
        return
    store.prune(keep_days=settings.store.retention_days, now=now)
    store.set_meta("last_prune", iso(now))
    store.commit()
