"""Pure functions over item records: merging an incoming item into a stored one, and counting.

Kept free of I/O so the upsert rules (what is "updated", which fields survive) read in one place.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

FLAG_FIELDS = ("read", "starred")
"""Stored in the small per-month flags file, never in the items file."""

VOLATILE_FIELDS = ("fetched", "updated", "read", "starred")
"""Excluded from the content comparison: changing them is not a content change."""

_PUBLISHED = re.compile(r"^\d{4}-\d{2}-\d{2}T")


def iso(moment: datetime) -> str:
    """ISO 8601 UTC with a Z, second precision (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_item(item: Mapping[str, Any]) -> None:
    """Reject records the store cannot file: it needs an id and a published date for the month."""
    item_id = item.get("id")
    if not isinstance(item_id, str) or not item_id:
        raise ValueError(f"item without a usable id: {item_id!r}")
    published = item.get("published")
    if not isinstance(published, str) or not _PUBLISHED.match(published):
        raise ValueError(f"item {item_id!r} has no ISO published time: {published!r}")


def month_of(record: Mapping[str, Any]) -> str:
    return record["published"][:7]


def content_equal(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two records carry the same content (fetched/updated/flags ignored).

    A direct comparison rather than a stored hash: it is exact, and cheaper than serialising.
    """
    keys = (set(a) | set(b)).difference(VOLATILE_FIELDS)
    return all(a.get(k) == b.get(k) for k in keys)


def merge(existing: Mapping[str, Any] | None, incoming: Mapping[str, Any], now_iso: str) -> tuple[dict, str]:
    """The record to store for ``incoming`` and whether it is "new", "updated" or "unchanged".

    Rules: the first-seen ``fetched`` time survives updates; ``updated`` moves to ``now_iso`` only
    when content changed; flags are not part of the record (they live in the flags file). An
    undated entry (``published_estimated``) keeps the date it was first given, otherwise every
    refetch of an undated feed would "change" it and move it to today.
    """
    record = {k: v for k, v in incoming.items() if k not in FLAG_FIELDS}
    if existing is None:
        record["fetched"] = incoming.get("fetched") or now_iso
        record["updated"] = incoming.get("updated") or record["fetched"]
        record.setdefault("story", record["id"])
        return record, "new"
    if incoming.get("published_estimated") and existing.get("published"):
        record["published"] = existing["published"]
        record["published_estimated"] = bool(existing.get("published_estimated"))
    record["fetched"] = existing.get("fetched") or incoming.get("fetched") or now_iso
    record.setdefault("story", existing.get("story", record["id"]))
    if content_equal(record, existing):
        record["updated"] = existing.get("updated") or record["fetched"]
        return record, "unchanged"
    record["updated"] = now_iso
    return record, "updated"


def theme_ids(record: Mapping[str, Any]) -> set[str]:
    """Distinct theme ids an item carries (an item counts once per theme)."""
    out = set()
    for theme in record.get("themes") or ():
        if isinstance(theme, Mapping) and isinstance(theme.get("id"), str):
            out.add(theme["id"])
    return out


def tally(days: dict, feeds: dict, doc: Mapping[str, Any], flag: list | None, sign: int,
          unread_feeds: dict | None = None) -> None:
    """Add (sign=1) or remove (sign=-1) one item's contribution to a month's counters.

    Days and feeds whose total drops to zero are removed, so a delta-maintained month equals a
    freshly counted one exactly. ``unread_feeds`` (per-feed unread counts) is kept the same way.
    """
    if unread_feeds is not None and not (flag and flag[0]):
        _bump(unread_feeds, doc.get("feed", ""), sign)
    day = doc["published"][:10]
    counts = days.get(day)
    if counts is None:
        counts = days[day] = {"total": 0, "unread": 0, "starred": 0, "other": 0}
    counts["total"] += sign
    if not (flag and flag[0]):
        counts["unread"] += sign
    if flag and flag[1]:
        counts["starred"] += sign
    ids = theme_ids(doc)
    if ids:
        for theme in ids:
            value = counts.get(theme, 0) + sign
            if value:
                counts[theme] = value
            else:
                counts.pop(theme, None)
    else:
        counts["other"] += sign
    if counts["total"] <= 0:
        del days[day]
    feed = doc.get("feed", "")
    value = feeds.get(feed, 0) + sign
    if value > 0:
        feeds[feed] = value
    else:
        feeds.pop(feed, None)


def _bump(counts: dict, key: str, sign: int) -> None:
    value = counts.get(key, 0) + sign
    if value > 0:
        counts[key] = value
    else:
        counts.pop(key, None)


def tally_flags(days: dict, doc: Mapping[str, Any], old: tuple[bool, bool], new: tuple[bool, bool],
                unread_feeds: dict | None = None) -> None:
    """Move one item's unread/starred counts when its flags change."""
    counts = days[doc["published"][:10]]
    counts["unread"] += int(old[0]) - int(new[0])
    counts["starred"] += int(new[1]) - int(old[1])
    if unread_feeds is not None and old[0] != new[0]:
        _bump(unread_feeds, doc.get("feed", ""), int(old[0]) - int(new[0]))


def count_month(docs: Iterable[Mapping[str, Any]], flags: Mapping[str, list]) -> tuple[dict, dict, dict]:
    """Per-day counters, per-feed totals and per-feed unread counts for one month's items
    (kept in state.json).

    Used when the recorded counters cannot be trusted (after a crash, or another writer's change
    we did not see); normal commits adjust counters by delta (``tally``) so they cost O(changes).
    """
    days: dict[str, dict[str, int]] = {}
    feeds: dict[str, int] = {}
    unread: dict[str, int] = {}
    for doc in docs:
        tally(days, feeds, doc, flags.get(doc["id"]), 1, unread)
    return days, feeds, unread


class _NotPlain(Exception):
    """A value the fast copy does not handle; the JSON round trip decides instead."""


def _copy_plain(value: Any) -> Any:
    # Exact types only: a str/int subclass, a tuple or a non-str key takes the JSON path,
    # which normalises it (or rejects it) exactly as before.
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None:
        return value
    if t is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            out[key] = _copy_plain(item)
        return out
    if t is list:
        return [_copy_plain(item) for item in value]
    raise _NotPlain


def json_copy(item: Any, dump: Any, load: Any) -> Any:
    """A private deep copy of ``item`` equal to ``load(dump(item))``, without serialising.

    Why: the store must own what it buffers, and a value JSON cannot hold must fail at upsert
    rather than mid-commit. The JSON round trip did both but cost ~25 µs per item (a fifth of
    a 5,000-item refresh's store time); plain dicts/lists/scalars — every item the pipeline
    makes — are copied directly (~8 µs), and anything else still goes through ``dump``/``load``
    so its result and errors are unchanged.
    """
    try:
        return _copy_plain(item)
    except (_NotPlain, RecursionError):
        return load(dump(item))

