"""The Store: chipwire's only TinyDB user. Durable (atomic files), bounded (per-month files),
batched (one write per touched file per commit) and safe across threads and processes.

Layout of ``db/`` (see docs/ARCHITECTURE.md):

- ``items-YYYY-MM.json``: TinyDB file with the items whose ``published`` falls in that month.
- ``flags-YYYY-MM.json``: ``{id: [read, starred]}`` for that month, so starring rewrites a small file.
- ``state.json``: feed states, feed aliases (renames), and per-month counters: per-day counts
  and per-feed totals, each stamped with the sigs of the items/flags files they were counted from.
- ``meta.json``: meta values (schema, last refresh, themes digest, export memory...).
- ``recent.json``: per feed, the ids of its last two fetches -> month (see ``upsert_items``).
- ``corrections.json``: the person's theme corrections, never pruned (see ``_corrections.py``).
- ``.lock``: the writer lock (fcntl.flock, holder's pid inside).

Consistency model: each file is replaced atomically, and a commit writes items -> flags -> meta ->
recent -> state. The counters in ``state.json`` are derived from the month files; when a crash
leaves a month's files different from the sigs recorded with its counters, the month is
recounted on the next open ("healing"). A crash between files can at worst lose the feed states
of that refresh (the feeds are simply fetched again). Reads show committed data only.

Every file carries a schema version. A file that is not valid JSON or has a newer schema raises
StoreError naming it, and is never written; ``quarantine(path)`` moves it aside on request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from ._atomic import atomic_write_json, clean_temp_files, dump_json
from ._atomic import file_sig
from ._cache import META_FILE, RECENT_FILE, STATE_FILE, UNREAD_FEEDS, DiskCache, sig_list
from ._corrections import CorrectionsFile
from ._errors import StoreError, StoreLocked
from ._fulltext import drop_fulltexts, read_fulltext, write_fulltext
from ._lock import WriterLock
from ._month import FlagsMonth, ItemsMonth, flags_path, items_path
from ._records import FLAG_FIELDS, check_item, iso, json_copy, merge, month_of, tally, tally_flags, theme_ids

LOCK_FILE = ".lock"
RECENT_PER_FETCH = 500
"""Ids remembered per feed per fetch (two fetches kept): bounds recent.json whatever a feed sends."""


@dataclass
class UpsertResult:
    """What one ``upsert_items`` call did, for refresh summaries and hooks."""

    new: list[str] = field(default_factory=list)
    """Ids inserted."""
    updated: list[str] = field(default_factory=list)
    """Ids whose content changed (title/summary/link/themes/...)."""
    unchanged: int = 0


class Store(CorrectionsFile, DiskCache):
    """Per-month TinyDB archive of items with flags, feed states, counters and meta.

    Thread-safe (one RLock guards all in-memory state; the TUI calls in from worker threads).
    Any read may raise StoreError when the file it needs is corrupt or from a newer chipwire;
    that file is then never written. Writes other than ``set_flags``/``prune``/``rewrite_items``
    are buffered until ``commit()``; reads show committed data only.
    """

    def __init__(self, db_dir: Path, *, readonly: bool) -> None:
        """Use ``Store.open``; this only sets fields."""
        super().__init__(db_dir)
        self.readonly = readonly
        self._mutex = threading.RLock()
        self._lock = WriterLock(self.db_dir / LOCK_FILE)
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
        if store._healed and not readonly:
            store._keep_healed_counters()
        return store

    @classmethod
    def open_read_only(cls, db_dir: Path) -> "Store":
        """Open for reading only: takes no lock, creates nothing, never writes.

        For commands that only read (``items``, ``feeds list``, ``store info``, an export to
        stdout): they work on a read-only home (a backup, another user's data) and never wait
        for a refresh holding the writer lock. Reads see committed data only: every file is
        replaced by an atomic rename, and another process's commit is picked up on the next
        read. A missing ``db_dir`` reads as an empty store. Any write raises StoreError.
        """
        return cls.open(db_dir, readonly=True)
    def _keep_healed_counters(self) -> None:
        """Save counters just recounted on open, so the next open does not recount them again.

        Without this, a store whose counters an older chipwire wrote (no per-feed unread counts)
        recounted every month on each open — ~1 s per 50,000 items for every CLI command — until
        something wrote. Only when nobody holds the writer lock and state.json is still the
        version we read; otherwise the next write saves them anyway.
        """
        try:
            with WriterLock(self.db_dir / LOCK_FILE, timeout=0).hold():
                if file_sig(self.db_dir / STATE_FILE) == self._state_sig:
                    self._write_state()
        except (StoreLocked, OSError):
            pass

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

    def upsert_items(self, items: Iterable[dict], *, now: datetime, owned: bool = False) -> UpsertResult:
        """Buffer items for the next commit; the same ``id`` is stored once.

        An update replaces content fields but keeps flags and the first-seen ``fetched``; ``updated``
        becomes ``now`` only when content changed. New items get ``fetched = now`` and unset flags
        unless given. Finding the stored copy: the month of ``published``, then months already in
        memory, then the feed's recent-ids map (its last two fetches, <= 500 ids each, in
        recent.json). Trade-off: an item whose date moves to another month *and* that has dropped
        out of its feed's last two fetches is not found and is stored again in the new month;
        looking everywhere would make each refresh load the whole archive.

        ``owned=True`` hands the dicts over instead of copying them: for a caller that built
        them from JSON types only (the refresh pipeline, from the parser) and never touches them
        again. The copy is a third of storing a 5,000-item refresh; a caller that breaks the
        promise gets its error at commit (which writes nothing) rather than here.
        """
        self._check_writable()
        now_iso = iso(now)
        result = UpsertResult()
        batch = []
        for incoming in items:
            check_item(incoming)
            if owned:
                batch.append(incoming)
                continue
            try:  # a private deep copy, and a non-JSON value fails here rather than mid-commit
                batch.append(json_copy(incoming, dump_json, json.loads))
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

    def release_caches(self) -> None:
        """Forget the parsed month files kept in memory; later reads load them from disk again.

        Why: a refresh of a big list commits in batches, and every month it wrote stayed parsed
        here (up to two years of them), so its peak memory grew with the list. Releasing after
        each batch bounds it. Buffered, uncommitted changes are untouched (nothing is lost).
        """
        with self._mutex:
            if not self._has_pending():
                self._months.clear()

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
                        tally(entry["days"], entry["feeds"], old, fm.flags.get(item_id), -1, entry[UNREAD_FEEDS])
                for item_id, record in final.items():
                    tally(entry["days"], entry["feeds"], record, fm.flags.get(item_id), 1, entry[UNREAD_FEEDS])
            im.apply(final, dels)
            if entry is None:
                recount.add(m)
            elif im.exists:
                entry["items_sig"] = sig_list(im.sig)
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
                    tally_flags(entry["days"], doc, old, new, entry[UNREAD_FEEDS])
            entry["flags_sig"] = sig_list(sig)
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
                        tally_flags(entry["days"], doc, old, new, entry[UNREAD_FEEDS])
                    entry["flags_sig"] = sig_list(sig)
                if state_dirty:
                    self._write_state()
        return changed

    def prune(self, *, keep_days: int, now: datetime) -> int:
        """Drop unstarred items published more than ``keep_days`` days before ``now``; returns how many.

        Starred items are kept forever. Only months that can hold old items are loaded.
        """
        self._check_writable()
        try:
            cutoff = (now.date() - timedelta(days=keep_days)).isoformat()
        except OverflowError:  # a cutoff before year 1: nothing is that old
            return 0
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
                drop_fulltexts(self.db_dir, doomed)
                cleared = [fm.set(i, False, False) for i in doomed]  # a list: every flag must go
                if any(cleared):
                    fm.write()
                removed += len(doomed)
                self._recount(m)
            self._write_state()
        return removed

    def rewrite_items(self, fn: Callable[[dict], dict | None], *, months: Iterable[str] | None = None) -> int:
        """Rewrite stored items month by month (e.g. retagging); returns how many changed.

        ``months`` ("YYYY-MM") limits the months read, for a change that can only touch a few
        (a correction spreads within days of its item).

        ``fn`` gets a private copy of each item (flags merged) and returns the new item, or None
        to leave it. ``id``, ``published``, ``fetched`` and flags cannot be changed this way, and
        ``updated`` is left as ``fn`` returns it (retagging is not a content change of the feed).
        One atomic write per changed month; the writer lock is held throughout.
        """
        self._check_writable()
        changed = 0
        only = None if months is None else set(months)
        with self._mutex, self._writing():
            for m in self._disk_months():
                if only is not None and m not in only:
                    continue
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

    def feed_unread_counts(self) -> dict[str, int]:
        """Unread items per feed URL (renamed feeds under their new URL); no item scan.

        Kept in state.json beside the totals, by delta on every commit and flag change, so the
        feeds screen can show unread / total for a 50,000-item archive instantly.
        """
        with self._mutex:
            self._sync()
            totals: dict[str, int] = {}
            for entry in self._state["months"].values():
                for url, n in (entry.get(UNREAD_FEEDS) or {}).items():
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

    def full_text(self, item_id: str) -> dict | None:
        """An item's cached article ({"text", "url", "fetched"}), or None when not fetched yet.

        Kept in its own file per item (``db/fulltext/``), so items and months stay small.
        """
        with self._mutex:
            return read_fulltext(self.db_dir, item_id)

    def set_full_text(self, item_id: str, text: str, *, url: str | None, fetched: datetime) -> None:
        """Cache an item's article text now (one atomic file write under the writer lock)."""
        self._check_writable()
        if not isinstance(text, str):
            raise ValueError("full text must be a string")
        with self._mutex, self._lock.hold():
            write_fulltext(self.db_dir, item_id, text, url=url, fetched=iso(fetched))

    def outside_writes(self) -> int:
        """How many commits by other writers this Store has seen since it was opened (monotonic).

        One stat of state.json when nothing changed, so an app can poll it every few seconds to
        notice a cron ``chipwire refresh`` or ``chipwire label``: each write ends by replacing
        state.json, and a version this object did not write itself is someone else's. Several
        outside commits between two polls count as one or more; only "it grew" is meaningful.
        """
        with self._mutex:
            self._sync()
            return self._outside_writes

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
            for reader in (self._read_recent, self._read_meta, self._read_corrections):
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

    def _write_meta(self) -> None:
        """Under the lock: fresh read, apply the buffered values, one atomic write."""
        self._meta = None
        values = self._read_meta()
        values.update(self._pending_meta)
        self._meta_sig = atomic_write_json(self.db_dir / META_FILE, self._meta)
        self._pending_meta = {}

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
