"""The Store: chipwire's only TinyDB user. Durable (atomic files), bounded (per-month files),
batched (one write per touched file per commit) and safe across threads and processes.

Layout of ``db/`` (see docs/ARCHITECTURE.md):

- ``items-YYYY-MM.json``: TinyDB file with the items whose ``published`` falls in that month.
- ``flags-YYYY-MM.json``: ``{id: [read, starred]}`` for that month, so starring rewrites a small file.
- ``state.json``: feed states, feed aliases (renames), and per-month counters: per-day counts
  and per-feed totals, each stamped with the sigs of the items/flags files they were counted from.
- ``meta.json``: meta values (schema, last refresh, themes digest, export memory...).
- ``recent.json``: per feed, the ids of its last two fetches -> month (see ``upsert_items``).
- ``.lock``: the writer lock (fcntl.flock, holder's pid inside).

Consistency model: each file is replaced atomically, and files are written in the order items ->
flags -> recent -> state. ``state.json`` is derived from the others except for feed states and
meta; when a crash leaves a month's files newer than the counters recorded for them (their sigs
differ), the month is recounted on the next open ("healing"). Reads show committed data only.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ._atomic import (
    atomic_write_json,
    dump_json,
    check_schema,
    clean_temp_files,
    file_sig,
    read_json,
)
from ._errors import SCHEMA_VERSION, StoreError, StoreLocked
from ._lock import WriterLock
from ._month import FlagsMonth, ItemsMonth, flags_path, items_path
from ._records import FLAG_FIELDS, check_item, count_month, iso, merge, month_of, tally, tally_flags, theme_ids

STATE_FILE = "state.json"
META_FILE = "meta.json"
RECENT_FILE = "recent.json"
LOCK_FILE = ".lock"
RECENT_PER_FETCH = 500
"""Ids remembered per feed per fetch (two fetches kept): bounds recent.json whatever a feed sends."""
MONTH_CACHE = 24
"""Items months kept parsed in memory (least recently used beyond that are dropped)."""

_MONTH_FILE = re.compile(r"^items-(\d{4}-\d{2})\.json$")


@dataclass
class UpsertResult:
    """What one ``upsert_items`` call did, for refresh summaries and hooks."""

    new: list[str] = field(default_factory=list)
    """Ids inserted."""
    updated: list[str] = field(default_factory=list)
    """Ids whose content changed (title/summary/link/themes/...)."""
    unchanged: int = 0


def _empty_state() -> dict[str, Any]:
    return {"_meta": {"schema": SCHEMA_VERSION}, "feeds": {}, "aliases": {}, "months": {}}


def _sig_list(sig: tuple | None) -> list | None:
    return list(sig) if sig is not None else None


class Store:
    """Per-month TinyDB archive of items with flags, feed states, counters and meta.

    Thread-safe (one RLock guards all in-memory state; the TUI calls in from worker threads).
    Any read may raise StoreError when the file it needs is corrupt or from a newer chipwire;
    that file is then never written. Writes other than ``set_flags``/``prune``/``rewrite_items``
    are buffered until ``commit()``; reads show committed data only.
    """

    def __init__(self, db_dir: Path, *, readonly: bool) -> None:
        """Use ``Store.open``; this only sets fields."""
        self.db_dir = Path(db_dir)
        self.readonly = readonly
        self._mutex = threading.RLock()
        self._lock = WriterLock(self.db_dir / LOCK_FILE)
        self._state: dict[str, Any] = _empty_state()
        self._state_sig: tuple | None = None
        self._recent: dict[str, Any] | None = None
        self._meta: dict[str, Any] | None = None
        self._meta_sig: tuple | None = None
        self._months: OrderedDict[str, ItemsMonth] = OrderedDict()
        self._flags_cache: dict[str, FlagsMonth] = {}
        self._closed = False
        self._reset_pending()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, db_dir: Path, *, readonly: bool = False) -> "Store":
        """Open (creating ``db_dir`` unless readonly). Raises StoreError if state.json is unusable.

        A writable open also removes temp files left by a killed writer, when nobody holds the lock.
        """
        db_dir = Path(db_dir).expanduser()
        if not readonly:
            db_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            try:
                with WriterLock(db_dir / LOCK_FILE, timeout=0).hold():
                    clean_temp_files(db_dir)
            except StoreLocked:
                pass  # the holder is writing right now; its temp files are live
        store = cls(db_dir, readonly=readonly)
        store._load_state()
        return store

    def close(self) -> None:
        """Drop caches. Uncommitted writes are discarded: commit() is always explicit."""
        with self._mutex:
            self._months.clear()
            self._flags_cache.clear()
            self._reset_pending()
            self._closed = True

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Hold the writer lock for one write; re-read state first; forget caches on failure.

        Why forget: a write that failed half-way (disk full, a corrupt file met mid-commit) may
        leave parsed months holding changes that never reached the disk.
        """
        with self._lock.hold():
            try:
                self._load_state()
                yield
            except BaseException:
                self._months.clear()
                self._flags_cache.clear()
                self._recent = None
                self._meta = None
                self._state_sig = None  # the next read re-reads state.json
                raise

    @contextmanager
    def writer(self) -> Iterator["Store"]:
        """Hold the writer lock for a whole refresh (re-entrant within this process).

        Raises StoreLocked (after ~2 s) when another process holds it.
        """
        self._check_writable()
        with self._lock.hold():
            yield self

    # ------------------------------------------------------------------ buffered writes

    def _reset_pending(self) -> None:
        self._pending_puts: dict[str, dict[str, dict]] = {}
        self._pending_dels: dict[str, set[str]] = {}
        self._pending_flags: dict[str, dict[str, tuple[bool, bool]]] = {}
        self._pending_moves: dict[str, tuple[str, str]] = {}
        self._pending_origin: dict[str, str] = {}
        self._pending_index: dict[str, str] = {}
        self._pending_recent: dict[str, dict[str, str]] = {}
        self._pending_state: list[Callable[[dict], None]] = []
        self._pending_meta: dict[str, Any] = {}
        self._pending_renames: list[tuple[str, str]] = []
        self._pending_forget: set[str] = set()

    def _has_pending(self) -> bool:
        return bool(
            self._pending_puts or self._pending_dels or self._pending_flags
            or self._pending_recent or self._pending_state or self._pending_forget or self._pending_meta
        )

    def upsert_items(self, items: Iterable[dict], *, now: datetime) -> UpsertResult:
        """Buffer items for the next commit; the same ``id`` is stored once.

        An update replaces content fields but keeps flags and the first-seen ``fetched``; ``updated``
        becomes ``now`` only when content changed. New items get ``fetched = now`` and unset flags
        unless given. Finding the stored copy: the month of ``published``, then months already in
        memory, then the feed's recent-ids map (its last two fetches, <= 500 ids each, in
        recent.json). Trade-off: an item whose date moves to another month *and* that has dropped
        out of its feed's last two fetches is not found and is stored again in the new month;
        looking everywhere would make each refresh load the whole archive.
        """
        self._check_writable()
        now_iso = iso(now)
        result = UpsertResult()
        batch = []
        for incoming in items:
            check_item(incoming)
            try:  # a private deep copy, and a non-JSON value fails here rather than mid-commit
                batch.append(json.loads(dump_json(incoming)))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"item {incoming['id']!r} is not JSON-serialisable: {exc}") from None
        with self._mutex:
            for incoming in batch:
                item_id = incoming["id"]
                existing, where = self._find_for_upsert(item_id, incoming.get("feed", ""), month_of(incoming))
                record, status = merge(existing, incoming, now_iso)
                target = month_of(record)
                self._remember_recent(record.get("feed", ""), item_id, target)
                if status == "unchanged":
                    result.unchanged += 1
                    continue
                (result.new if status == "new" and where is None else result.updated).append(item_id)
                self._buffer_put(item_id, record, target, where)
                if where is None and any(incoming.get(k) for k in FLAG_FIELDS):
                    self._pending_flags.setdefault(target, {})[item_id] = (
                        bool(incoming.get("read")),
                        bool(incoming.get("starred")),
                    )
        return result

    def _buffer_put(self, item_id: str, record: dict, target: str, where: tuple[str, str] | None) -> None:
        """Buffer a record for ``target``; if its committed copy lives in another month, move it."""
        if where is not None:
            kind, month = where
            if kind == "committed":
                self._pending_origin[item_id] = month
            elif month != target:
                del self._pending_puts[month][item_id]
                if not self._pending_puts[month]:
                    del self._pending_puts[month]
                flags = self._pending_flags.get(month, {}).pop(item_id, None)
                if flags is not None:
                    self._pending_flags.setdefault(target, {})[item_id] = flags
        origin = self._pending_origin.get(item_id)
        if origin is not None:
            if origin != target:
                self._pending_dels.setdefault(origin, set()).add(item_id)
                self._pending_moves[item_id] = (origin, target)
            else:
                self._pending_dels.get(origin, set()).discard(item_id)
                self._pending_moves.pop(item_id, None)
        self._pending_puts.setdefault(target, {})[item_id] = record
        self._pending_index[item_id] = target

    def _find_for_upsert(self, item_id: str, feed: str, month: str) -> tuple[dict | None, tuple[str, str] | None]:
        pending_month = self._pending_index.get(item_id)
        if pending_month is not None:
            return self._pending_puts[pending_month][item_id], ("pending", pending_month)
        doc = self._month(month).by_id.get(item_id)
        if doc is not None:
            return self._aliased(doc), ("committed", month)
        for m in [m for m in reversed(self._months) if m != month]:
            doc = self._months[m].by_id.get(item_id)
            if doc is not None:
                return self._aliased(doc), ("committed", m)
        hint = self._recent_hint(feed, item_id)
        if hint and hint != month and hint not in self._months and hint in self._state["months"]:
            doc = self._month(hint).by_id.get(item_id)
            if doc is not None:
                return self._aliased(doc), ("committed", hint)
        return None, None

    def set_feed_state(self, url: str, state: dict) -> None:
        """Replace that feed's state dict (etag, last_modified, errors...) at the next commit."""
        self._check_writable()
        value = json.loads(json.dumps(state))  # copy now, and fail now if not JSON-serialisable
        with self._mutex:
            self._pending_state.append(lambda s: s["feeds"].__setitem__(url, value))

    def remove_feed_state(self, url: str) -> None:
        """Forget a feed's state and recent ids at the next commit (its items stay).

        Dropping the recent ids keeps recent.json bounded by the feeds still subscribed.
        """
        self._check_writable()
        with self._mutex:
            self._pending_state.append(lambda s: s["feeds"].pop(url, None))
            self._pending_recent.pop(url, None)
            self._pending_forget.add(url)

    def rename_feed(self, old_url: str, new_url: str) -> None:
        """A feed moved (301/308): its state and recent ids move to ``new_url`` at the next commit.

        Stored items are not rewritten (that would touch the whole archive): an alias maps
        ``old_url`` to ``new_url`` and reads return the new URL in the items' ``feed`` field; the
        ``feed`` filter and ``feed_item_counts`` follow it too.
        """
        self._check_writable()
        if old_url == new_url:
            return

        def apply(s: dict) -> None:
            if old_url in s["feeds"]:
                s["feeds"][new_url] = s["feeds"].pop(old_url)
            aliases = s["aliases"]
            for key, value in list(aliases.items()):
                if value == old_url:
                    aliases[key] = new_url
            aliases.pop(new_url, None)
            aliases[old_url] = new_url

        with self._mutex:
            self._pending_state.append(apply)
            if old_url in self._pending_recent:
                self._pending_recent.setdefault(new_url, {}).update(self._pending_recent.pop(old_url))
            self._pending_renames.append((old_url, new_url))

    def set_meta(self, key: str, value: Any) -> None:
        """Set a meta value at the next commit (e.g. "last_refresh" = ISO time, themes hash).

        Meta lives in its own ``meta.json``, rewritten only by commits that set meta, so large
        values (e.g. the export memory) never make starring or refreshing slower.
        """
        self._check_writable()
        copied = json.loads(json.dumps(value))
        with self._mutex:
            self._pending_meta[key] = copied

    def commit(self) -> None:
        """Write everything buffered: one atomic write per touched file, under the writer lock.

        Files changed by another process since we read them are re-read first and the buffered
        changes re-applied on top, so another process's committed work is never clobbered.
        """
        self._check_writable()
        with self._mutex:
            if not self._has_pending():
                return
            with self._writing():
                self._commit_items_and_flags()
                if self._pending_meta:
                    self._write_meta()
                for op in self._pending_state:
                    op(self._state)
                if self._pending_recent or self._pending_renames or self._pending_forget:
                    self._write_recent(self._pending_renames)
                self._write_state()
                self._reset_pending()

    def _consistent(self, m: str, im: ItemsMonth, fm: FlagsMonth) -> dict | None:
        """The month's counters if they match its files exactly (so deltas are valid), else None.

        A month with no items file gets fresh empty counters.
        """
        entry = self._state["months"].get(m)
        if entry is None:
            if im.exists:
                return None
            entry = {"items_sig": None, "flags_sig": _sig_list(fm.sig), "days": {}, "feeds": {}}
        if entry.get("items_sig") != _sig_list(im.sig) or entry.get("flags_sig") != _sig_list(fm.sig):
            return None
        return entry

    def _commit_items_and_flags(self) -> None:
        """Write buffered items (one write per month), then flags, adjusting counters by delta."""
        months = self._state["months"]
        recount: set[str] = set()
        item_months = set(self._pending_puts) | set(self._pending_dels)
        for m in sorted(item_months):
            im = self._month(m, fresh=True)
            fm = self._flags(m, fresh=True)
            entry = self._consistent(m, im, fm)
            final: dict[str, dict] = {}
            for item_id, record in self._pending_puts.get(m, {}).items():
                existing = im.by_id.get(item_id)
                final[item_id] = record if existing is None else merge(self._aliased(existing), record, record["updated"])[0]
            dels = self._pending_dels.get(m, set())
            if entry is not None:
                for item_id in dels | set(final):
                    old = im.by_id.get(item_id)
                    if old is not None:
                        tally(entry["days"], entry["feeds"], old, fm.flags.get(item_id), -1)
                for item_id, record in final.items():
                    tally(entry["days"], entry["feeds"], record, fm.flags.get(item_id), 1)
            im.apply(final, dels)
            if entry is None:
                recount.add(m)
            elif im.exists:
                entry["items_sig"] = _sig_list(im.sig)
                months[m] = entry
            else:
                months.pop(m, None)
            self._pending_puts.pop(m, None)
            self._pending_dels.pop(m, None)
        flag_months = set(self._pending_flags)
        for orig, target in self._pending_moves.values():
            flag_months.update((orig, target))
        fms = {m: self._flags(m, fresh=m not in item_months) for m in flag_months}
        changes: dict[str, list[tuple[str, tuple[bool, bool], tuple[bool, bool]]]] = {}

        def set_flag(m: str, item_id: str, new: tuple[bool, bool]) -> None:
            old = fms[m].get(item_id)
            if fms[m].set(item_id, *new):
                changes.setdefault(m, []).append((item_id, old, new))

        for item_id, (orig, target) in self._pending_moves.items():
            if orig != target:
                carried = fms[orig].get(item_id)
                if any(carried):
                    set_flag(orig, item_id, (False, False))
                    set_flag(target, item_id, carried)
        for m, entries in self._pending_flags.items():
            for item_id, new in entries.items():
                set_flag(m, item_id, new)
        for m in sorted(changes):
            im = self._month(m)
            entry = None if m in recount else self._consistent(m, im, fms[m])
            sig = fms[m].write()
            if entry is None or not im.exists:
                recount.add(m)
                continue
            for item_id, old, new in changes[m]:
                doc = im.by_id.get(item_id)
                if doc is not None:
                    tally_flags(entry["days"], doc, old, new)
            entry["flags_sig"] = _sig_list(sig)
        for m in sorted(recount):
            self._recount(m)

    # ------------------------------------------------------------------ immediate writes

    def set_flags(self, ids: Iterable[str], *, read: bool | None = None, starred: bool | None = None) -> int:
        """Set read and/or starred now (one small flags file per month + state.json's counters).

        Returns how many items changed. Ids not (yet) committed but buffered get the flags at the
        next commit; unknown ids are ignored. Finding an id not in memory may load older months.
        """
        self._check_writable()
        if read is None and starred is None:
            return 0
        ids = list(dict.fromkeys(ids))
        read = None if read is None else bool(read)
        starred = None if starred is None else bool(starred)
        changed = 0
        with self._mutex:
            with self._writing():
                self._drop_stale_caches()
                by_month: dict[str, list[str]] = {}
                for item_id in ids:
                    m = self._locate(item_id)
                    if m is not None:
                        by_month.setdefault(m, []).append(item_id)
                    elif item_id in self._pending_index:
                        pm = self._pending_index[item_id]
                        old = self._pending_flags.get(pm, {}).get(item_id, (False, False))
                        new = (old[0] if read is None else read, old[1] if starred is None else starred)
                        if new != old:
                            self._pending_flags.setdefault(pm, {})[item_id] = new
                            changed += 1
                state_dirty = False
                for m, month_ids in by_month.items():
                    im = self._month(m, fresh=True)
                    fm = self._flags(m, fresh=True)
                    entry = self._consistent(m, im, fm)
                    deltas: list[tuple[dict, tuple[bool, bool], tuple[bool, bool]]] = []
                    for item_id in month_ids:
                        doc = im.by_id.get(item_id)
                        if doc is None:
                            continue
                        old_r, old_s = fm.get(item_id)
                        new_r = old_r if read is None else read
                        new_s = old_s if starred is None else starred
                        if fm.set(item_id, new_r, new_s):
                            deltas.append((doc, (old_r, old_s), (new_r, new_s)))
                    if not deltas:
                        continue
                    sig = fm.write()
                    changed += len(deltas)
                    state_dirty = True
                    if entry is None:
                        self._recount(m)
                        continue
                    for doc, old, new in deltas:
                        tally_flags(entry["days"], doc, old, new)
                    entry["flags_sig"] = _sig_list(sig)
                if state_dirty:
                    self._write_state()
        return changed

    def prune(self, *, keep_days: int, now: datetime) -> int:
        """Drop unstarred items published more than ``keep_days`` days before ``now``; returns how many.

        Starred items are kept forever. Only months that can hold old items are loaded.
        """
        self._check_writable()
        cutoff = (now.date() - timedelta(days=keep_days)).isoformat()
        removed = 0
        with self._mutex, self._writing():
            for m in self._disk_months():
                if m > cutoff[:7]:
                    continue
                im = self._month(m, fresh=True)
                fm = self._flags(m, fresh=True)
                doomed = {
                    i for i, doc in im.by_id.items()
                    if doc["published"][:10] < cutoff and not fm.get(i)[1]
                }
                if not doomed:
                    continue
                im.apply({}, doomed)
                cleared = [fm.set(i, False, False) for i in doomed]  # a list: every flag must go
                if any(cleared):
                    fm.write()
                removed += len(doomed)
                self._recount(m)
            self._write_state()
        return removed

    def rewrite_items(self, fn: Callable[[dict], dict | None]) -> int:
        """Rewrite stored items month by month (e.g. retagging); returns how many changed.

        ``fn`` gets a private copy of each item (flags merged) and returns the new item, or None
        to leave it. ``id``, ``published``, ``fetched`` and flags cannot be changed this way, and
        ``updated`` is left as ``fn`` returns it (retagging is not a content change of the feed).
        One atomic write per changed month; the writer lock is held throughout.
        """
        self._check_writable()
        changed = 0
        with self._mutex, self._writing():
            for m in self._disk_months():
                im = self._month(m, fresh=True)
                fm = self._flags(m, fresh=True)
                updates = {}
                for item_id, doc in im.by_id.items():
                    view = json.loads(json.dumps(self._view(doc, fm)))
                    out = fn(view)
                    if out is None:
                        continue
                    record = {k: v for k, v in out.items() if k not in FLAG_FIELDS}
                    for fixed in ("id", "published", "fetched"):
                        if fixed in doc:
                            record[fixed] = doc[fixed]
                    if record != doc:
                        updates[item_id] = record
                if updates:
                    im.apply(updates, set())
                    changed += len(updates)
                    self._recount(m)
            self._write_state()
        return changed

    # ------------------------------------------------------------------ reads

    def items(
        self,
        *,
        start: date | None = None,
        end: date | None = None,
        feed: str | None = None,
        theme: str | None = None,
        text: str | None = None,
        starred: bool | None = None,
        unread: bool | None = None,
        limit: int | None = None,
    ) -> list[dict]:
        """Committed items, newest ``published`` first, flags merged in.

        ``start``/``end`` are inclusive UTC days and limit the months loaded; ``theme`` "other"
        selects untagged items; ``text`` is a case-insensitive substring of title or summary.
        Returned dicts are fresh top-level copies (nested lists are shared: don't mutate them).
        """
        lo = start.isoformat() if start else None
        hi = end.isoformat() if end else None
        needle = text.casefold() if text else None
        wanted_feed = self._resolve(feed) if feed is not None else None
        out: list[dict] = []
        if limit is not None and limit <= 0:
            return out
        with self._mutex:
            self._sync()
            for m in sorted(self._state["months"], reverse=True):
                if (lo and m < lo[:7]) or (hi and m > hi[:7]):
                    continue
                im = self._month(m)
                fm = self._flags(m)
                by_day = im.by_day()
                for day in sorted(by_day, reverse=True):
                    if (lo and day < lo) or (hi and day > hi):
                        continue
                    for doc in by_day[day]:
                        if wanted_feed is not None and self._resolve(doc.get("feed", "")) != wanted_feed:
                            continue
                        if theme is not None:
                            ids = theme_ids(doc)
                            if not (theme in ids or (theme == "other" and not ids)):
                                continue
                        r, s = fm.get(doc["id"])
                        if starred is not None and s != starred:
                            continue
                        if unread is not None and (not r) != unread:
                            continue
                        if needle and needle not in (doc.get("title") or "").casefold() and needle not in (doc.get("summary") or "").casefold():
                            continue
                        out.append(self._view(doc, fm))
                        if limit is not None and len(out) >= limit:
                            return out
        return out

    def get(self, item_id: str) -> dict | None:
        """One committed item by id (may load older months when it is not in memory)."""
        with self._mutex:
            self._sync()
            m = self._locate(item_id)
            if m is None:
                return None
            return self._view(self._month(m).by_id[item_id], self._flags(m))

    def feed_states(self) -> dict[str, dict]:
        with self._mutex:
            self._sync()
            return json.loads(json.dumps(self._state["feeds"]))

    def feed_item_counts(self) -> dict[str, int]:
        """Stored items per feed URL (renamed feeds counted under their new URL); no item scan."""
        with self._mutex:
            self._sync()
            totals: dict[str, int] = {}
            for entry in self._state["months"].values():
                for url, n in entry["feeds"].items():
                    key = self._resolve(url)
                    totals[key] = totals.get(key, 0) + n
            return totals

    def day_counts(self) -> dict[str, dict[str, int]]:
        """"YYYY-MM-DD" -> {"total", "unread", "starred", "other", <theme id>...}; no item scan.

        An item counts once for every theme it carries; "other" counts untagged items. Theme keys
        appear only when non-zero, so read them with ``.get(theme, 0)``.
        """
        with self._mutex:
            self._sync()
            out: dict[str, dict[str, int]] = {}
            for entry in self._state["months"].values():
                for day, counts in entry["days"].items():
                    out[day] = dict(counts)
            return dict(sorted(out.items()))

    def days(self) -> list[str]:
        """Days that have items, ascending."""
        return [d for d, c in self.day_counts().items() if c.get("total")]

    def meta(self, key: str, default: Any = None) -> Any:
        with self._mutex:
            self._sync()
            meta = self._read_meta()
            if key not in meta:
                return default
            return json.loads(json.dumps(meta[key]))

    def last_refresh(self) -> str | None:
        """ISO time of the last refresh commit: the pipeline sets meta "last_refresh" before commit()."""
        return self.meta("last_refresh")

    def total_items(self) -> int:
        with self._mutex:
            self._sync()
            return sum(c["total"] for e in self._state["months"].values() for c in e["days"].values())

    def check(self) -> list[StoreError]:
        """Read every store file and report the unusable ones (for a `doctor` command); writes nothing."""
        problems: list[StoreError] = []
        with self._mutex:
            for m in self._disk_months():
                for loader in (lambda: ItemsMonth(items_path(self.db_dir, m), m), lambda: FlagsMonth(flags_path(self.db_dir, m), m)):
                    try:
                        loader()
                    except StoreError as exc:
                        problems.append(exc)
            for reader in (self._read_recent, self._read_meta):
                try:
                    reader()
                except StoreError as exc:
                    problems.append(exc)
        return problems

    # ------------------------------------------------------------------ internals

    def _check_writable(self) -> None:
        if self.readonly:
            raise StoreError(self.db_dir, "the store was opened read-only")
        if self._closed:
            raise StoreError(self.db_dir, "the store is closed")

    def _view(self, doc: dict, fm: FlagsMonth) -> dict:
        read, starred = fm.get(doc["id"])
        view = dict(doc)
        view["feed"] = self._resolve(view.get("feed", ""))
        view["read"] = read
        view["starred"] = starred
        return view

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
        im = self._month(m, fresh=True)
        fm = self._flags(m)
        if fm.sig != file_sig(fm.path):
            fm = self._flags(m, fresh=True)
        if not im.exists:
            self._state["months"].pop(m, None)
            return
        days, feeds = count_month(im.by_id.values(), fm.flags)
        self._state["months"][m] = {
            "items_sig": _sig_list(im.sig),
            "flags_sig": _sig_list(fm.sig),
            "days": days,
            "feeds": feeds,
        }

    def _load_state(self) -> None:
        """(Re)read state.json and heal counters of months whose files changed behind it."""
        path = self.db_dir / STATE_FILE
        data, sig = read_json(path)
        if data is None:
            data = _empty_state()
        else:
            meta = data.get("_meta")
            check_schema(path, meta.get("schema") if isinstance(meta, dict) else None)
            for key, value in _empty_state().items():
                if not isinstance(data.get(key), dict):
                    data[key] = value
        self._state = data
        self._state_sig = sig
        months = self._state["months"]
        on_disk = self._disk_months()
        for m in list(months):
            if m not in on_disk:
                del months[m]
        for m in on_disk:
            entry = months.get(m)
            if (
                entry is None
                or entry.get("items_sig") != _sig_list(file_sig(items_path(self.db_dir, m)))
                or entry.get("flags_sig") != _sig_list(file_sig(flags_path(self.db_dir, m)))
            ):
                self._recount(m)

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
                raise StoreError(path, "has no meta object; it was left untouched.")
            self._meta, self._meta_sig = data, sig
        return self._meta["meta"]

    def _write_meta(self) -> None:
        """Under the lock: fresh read, apply the buffered values, one atomic write."""
        self._meta = None
        values = self._read_meta()
        values.update(self._pending_meta)
        self._meta_sig = atomic_write_json(self.db_dir / META_FILE, self._meta)
        self._pending_meta = {}

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

    def _remember_recent(self, feed: str, item_id: str, month: str) -> None:
        ids = self._pending_recent.setdefault(feed, {})
        ids.pop(item_id, None)
        ids[item_id] = month

    def _write_recent(self, renames: list[tuple[str, str]]) -> None:
        """This commit's ids become each feed's "last" fetch; the previous "last" becomes "prev"."""
        data = self._read_recent()
        feeds = data["feeds"]
        for old, new in renames:
            if old in feeds:
                feeds[new] = feeds.pop(old)
        for url in self._pending_forget:
            feeds.pop(url, None)
        for feed, ids in self._pending_recent.items():
            key = self._resolve(feed)
            entry = feeds.get(key) or {}
            last = dict(list(ids.items())[-RECENT_PER_FETCH:])
            feeds[key] = {"last": last, "prev": entry.get("last", {})}
        atomic_write_json(self.db_dir / RECENT_FILE, data)
        self._recent = data

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
