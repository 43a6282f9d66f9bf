"""The store's view of its files: parsed months and flags (cached), state, recent ids, meta.

Split from ``_store.py`` so the public Store reads as its API and its write paths, while this
base class owns "what is on disk and is my copy still current": sigs, lazy loading, LRU of
parsed months, healing counters after a crash, and following renamed feeds.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ._atomic import atomic_write_json, check_schema, file_sig, read_json
from ._errors import SCHEMA_VERSION, UNTOUCHED, StoreError
from ._month import FlagsMonth, ItemsMonth, flags_path, items_path
from ._records import count_month

STATE_FILE = "state.json"
META_FILE = "meta.json"
RECENT_FILE = "recent.json"
UNREAD_FEEDS = "feeds_unread"
"""Key of a month's per-feed unread counts in state.json (months counted before it are recounted)."""
MONTH_CACHE = 24
"""Items months kept parsed in memory (least recently used beyond that are dropped)."""

_MONTH_FILE = re.compile(r"^items-(\d{4}-\d{2})\.json$")


def empty_state() -> dict[str, Any]:
    return {"_meta": {"schema": SCHEMA_VERSION}, "feeds": {}, "aliases": {}, "months": {}}


def sig_list(sig: tuple | None) -> list | None:
    """Sigs as stored in state.json (JSON has no tuples)."""
    return list(sig) if sig is not None else None


class DiskCache:
    """Caches of the store files, each remembered with the sig of the version it came from."""

    def __init__(self, db_dir: Path) -> None:
        self.db_dir = Path(db_dir)
        self._state: dict[str, Any] = empty_state()
        self._state_sig: tuple | None = None
        self._recent: dict[str, Any] | None = None
        self._meta: dict[str, Any] | None = None
        self._meta_sig: tuple | None = None
        self._months: OrderedDict[str, ItemsMonth] = OrderedDict()
        self._flags_cache: dict[str, FlagsMonth] = {}
        #: How many times a state.json written by someone else (another process, or another
        #: Store object) was picked up: every write ends by replacing state.json, so a version
        #: we did not write ourselves is another writer's commit (see ``Store.outside_writes``).
        self._outside_writes = 0
        self._state_loaded = False
        #: The last state load recounted some month (a crash, a copy, an older chipwire's counters).
        self._healed = False

    def _resolve(self, url: str) -> str:
        aliases = self._state["aliases"]
        for _ in range(16):
            nxt = aliases.get(url)
            if nxt is None or nxt == url:
                break
            url = nxt
        return url

    def _aliased(self, doc: dict) -> dict:
        resolved = self._resolve(doc.get("feed", ""))
        return doc if resolved == doc.get("feed", "") else {**doc, "feed": resolved}

    def _disk_months(self) -> list[str]:
        """Months that have an items file, ascending (from the directory, not from state)."""
        try:
            names = [p.name for p in self.db_dir.iterdir()]
        except FileNotFoundError:
            return []
        return sorted(m.group(1) for m in map(_MONTH_FILE.match, names) if m)

    def _month(self, m: str, *, fresh: bool = False) -> ItemsMonth:
        cached = self._months.get(m)
        if cached is not None and (not fresh or cached.sig == file_sig(cached.path)):
            self._months.move_to_end(m)
            return cached
        month = ItemsMonth(items_path(self.db_dir, m), m)
        self._months[m] = month
        while len(self._months) > MONTH_CACHE:
            self._months.popitem(last=False)
        return month

    def _flags(self, m: str, *, fresh: bool = False) -> FlagsMonth:
        """Flags of a month. ``fresh`` always re-reads: it is small, and mtime granularity is coarse."""
        cached = self._flags_cache.get(m)
        if cached is not None and not fresh:
            return cached
        fm = FlagsMonth(flags_path(self.db_dir, m), m)
        self._flags_cache[m] = fm
        return fm

    def _recount(self, m: str) -> None:
        """Count a month from its files. A month not already cached is read, counted and dropped.

        Why not cache it: healing (after a crash, a copy or a restore) may recount every month,
        and keeping them all parsed would hold the whole archive in memory for the rest of the
        process; a later read loads only the months it needs.
        """
        cached = self._months.get(m)
        if cached is not None and cached.sig == file_sig(cached.path):
            im = cached
        else:
            self._months.pop(m, None)
            im = ItemsMonth(items_path(self.db_dir, m), m)
        fm = self._flags(m)
        if fm.sig != file_sig(fm.path):
            fm = self._flags(m, fresh=True)
        if not im.exists:
            self._state["months"].pop(m, None)
            return
        days, feeds, unread = count_month(im.by_id.values(), fm.flags)
        self._state["months"][m] = {
            "items_sig": sig_list(im.sig),
            "flags_sig": sig_list(fm.sig),
            "days": days,
            "feeds": feeds,
            UNREAD_FEEDS: unread,
        }

    def _consistent(self, m: str, im: ItemsMonth, fm: FlagsMonth) -> dict | None:
        """The month's counters if they match its files exactly (so deltas are valid), else None.

        A month with no items file gets fresh empty counters.
        """
        entry = self._state["months"].get(m)
        if entry is None:
            if im.exists:
                return None
            entry = {"items_sig": None, "flags_sig": sig_list(fm.sig), "days": {}, "feeds": {}, UNREAD_FEEDS: {}}
        if entry.get("items_sig") != sig_list(im.sig) or entry.get("flags_sig") != sig_list(fm.sig):
            return None
        if not isinstance(entry.get(UNREAD_FEEDS), dict):
            return None  # counted by an older chipwire: recount once to gain per-feed unread
        return entry

    def _load_state(self) -> None:
        """(Re)read state.json and heal counters of months whose files changed behind it."""
        path = self.db_dir / STATE_FILE
        data, sig = read_json(path)
        if data is None:
            data = empty_state()
        else:
            meta = data.get("_meta")
            check_schema(path, meta.get("schema") if isinstance(meta, dict) else None)
            for key, value in empty_state().items():
                if not isinstance(data.get(key), dict):
                    data[key] = value
        if self._state_loaded and sig != self._state_sig:
            self._outside_writes += 1
        self._state_loaded = True
        self._state = data
        self._state_sig = sig
        months = self._state["months"]
        self._healed = False
        on_disk = self._disk_months()
        for m in list(months):
            if m not in on_disk:
                del months[m]
        for m in on_disk:
            entry = months.get(m)
            if (
                entry is None
                or not isinstance(entry.get(UNREAD_FEEDS), dict)
                or entry.get("items_sig") != sig_list(file_sig(items_path(self.db_dir, m)))
                or entry.get("flags_sig") != sig_list(file_sig(flags_path(self.db_dir, m)))
            ):
                self._recount(m)
                self._healed = True

    def _sync(self) -> None:
        """Before a read: pick up another process's commits (one stat when nothing changed)."""
        if file_sig(self.db_dir / STATE_FILE) == self._state_sig:
            return
        self._load_state()
        self._drop_stale_caches()

    def _drop_stale_caches(self) -> None:
        """Forget cached files another process has replaced since we read them."""
        for m, im in list(self._months.items()):
            if im.sig != file_sig(im.path):
                del self._months[m]
        for m, fm in list(self._flags_cache.items()):
            if fm.sig != file_sig(fm.path):
                del self._flags_cache[m]
        self._recent = None

    def _write_state(self) -> None:
        self._state_sig = atomic_write_json(self.db_dir / STATE_FILE, self._state)

    def _read_recent(self) -> dict[str, Any]:
        path = self.db_dir / RECENT_FILE
        data, _ = read_json(path)
        if data is None:
            return {"_meta": {"schema": SCHEMA_VERSION}, "feeds": {}}
        meta = data.get("_meta")
        check_schema(path, meta.get("schema") if isinstance(meta, dict) else None)
        if not isinstance(data.get("feeds"), dict):
            data["feeds"] = {}
        return data

    def _recent_hint(self, feed: str, item_id: str) -> str | None:
        if self._recent is None:
            self._recent = self._read_recent()
        entry = self._recent["feeds"].get(self._resolve(feed)) or self._recent["feeds"].get(feed)
        if not entry:
            return None
        return entry.get("last", {}).get(item_id) or entry.get("prev", {}).get(item_id)

    def _read_meta(self) -> dict[str, Any]:
        """meta.json's values, re-read only when another process replaced the file."""
        path = self.db_dir / META_FILE
        sig = file_sig(path)
        if self._meta is None or sig != self._meta_sig:
            data, sig = read_json(path)
            if data is None:
                data = {"_meta": {"schema": SCHEMA_VERSION}, "meta": {}}
            check_schema(path, data["_meta"].get("schema") if isinstance(data.get("_meta"), dict) else None)
            if not isinstance(data.get("meta"), dict):
                raise StoreError(path, f"has no meta object. {UNTOUCHED}")
            self._meta, self._meta_sig = data, sig
        return self._meta["meta"]

    def _locate(self, item_id: str) -> str | None:
        """Month holding a committed item: memory first, then recent.json hints, then every month."""
        for m in reversed(self._months):
            if item_id in self._months[m].by_id:
                return m
        if self._recent is None:
            self._recent = self._read_recent()
        tried = set(self._months)
        for entry in self._recent["feeds"].values():
            hint = entry.get("last", {}).get(item_id) or entry.get("prev", {}).get(item_id)
            if hint and hint not in tried:
                tried.add(hint)
                if item_id in self._month(hint).by_id:
                    return hint
        for m in reversed(self._disk_months()):
            if m not in tried and item_id in self._month(m).by_id:
                return m
        return None
