"""One month of the archive: its TinyDB items file and its small flags file.

Why per month: a refresh touches the one or two months its items were published in, and starring
touches one small flags file, so the cost of either never grows with the whole archive.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._atomic import AtomicJSONStorage, Sig, atomic_write_json, check_schema, fsync_dir, read_json
from ._errors import SCHEMA_VERSION, UNTOUCHED, StoreError

ITEMS_TABLE = "items"
META_TABLE = "_meta"


def _remove(path: Path) -> None:
    """Unlink a store file and make the removal durable (fsync of the folder); returns no sig."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    fsync_dir(path.parent)
    return None


def items_path(db_dir: Path, month: str) -> Path:
    return db_dir / f"items-{month}.json"


def flags_path(db_dir: Path, month: str) -> Path:
    return db_dir / f"flags-{month}.json"


def _batching_middleware():
    """CachingMiddleware that only writes on an explicit flush: one write per file per commit."""
    from tinydb.middlewares import CachingMiddleware

    class _Batching(CachingMiddleware):
        WRITE_CACHE_SIZE = 1 << 62

    return _Batching(AtomicJSONStorage)


class ItemsMonth:
    """The committed items of one month, as a TinyDB database plus an id index over its cache.

    The index points at TinyDB's cached documents (no copies), so a loaded month costs its
    parsed JSON once. ``by_day`` is built on first use for fast day views.
    """

    def __init__(self, path: Path, month: str) -> None:
        from tinydb import TinyDB

        self.path = path
        self.month = month
        self._db = TinyDB(str(path), storage=_batching_middleware())
        self._db.storage.storage.last_key = ITEMS_TABLE
        data = self._db.storage.read()
        self.sig: Sig | None = self._db.storage.storage.sig
        self._validate(data)
        self.by_id: dict[str, dict] = {}
        self._doc_ids: dict[str, int] = {}
        self._by_day: dict[str, list[dict]] | None = None
        self._reindex()

    def _validate(self, data: dict | None) -> None:
        if data is None:
            return
        meta = data.get(META_TABLE)
        if not isinstance(meta, dict) or not meta:
            raise StoreError(self.path, f"has no _meta table with a schema version. {UNTOUCHED}")
        first = next(iter(meta.values()))
        check_schema(self.path, first.get("schema") if isinstance(first, dict) else None)
        table = data.get(ITEMS_TABLE, {})
        if not isinstance(table, dict):
            raise StoreError(self.path, f"has an items table that is not an object. {UNTOUCHED}")
        for doc in table.values():
            if not (isinstance(doc, dict) and isinstance(doc.get("id"), str) and isinstance(doc.get("published"), str)):
                raise StoreError(self.path, f"holds an item without id/published. {UNTOUCHED}")

    def _reindex(self) -> None:
        data = self._db.storage.read() or {}
        self.by_id = {}
        self._doc_ids = {}
        for key, doc in data.get(ITEMS_TABLE, {}).items():
            self.by_id[doc["id"]] = doc
            self._doc_ids[doc["id"]] = int(key)
        self._by_day = None

    @property
    def exists(self) -> bool:
        return self.sig is not None

    def by_day(self) -> dict[str, list[dict]]:
        """day -> that day's docs, newest first (ties broken by id for a stable order)."""
        if self._by_day is None:
            index: dict[str, list[dict]] = {}
            for doc in self.by_id.values():
                index.setdefault(doc["published"][:10], []).append(doc)
            for docs in index.values():
                docs.sort(key=lambda d: (d["published"], d["id"]), reverse=True)
            self._by_day = index
        return self._by_day

    def apply(self, puts: Mapping[str, dict], deletes: set[str]) -> Sig | None:
        """Apply a batch through TinyDB and write the file once. Returns the new sig.

        Updates replace a document's fields in place (one TinyDB operation for the whole batch),
        so doc ids stay stable. An emptied month is deleted rather than written.
        """
        meta = self._db.table(META_TABLE)
        if len(meta) == 0:
            # Before the items table, so "items" stays the file's last key (see the append path).
            meta.insert({"schema": SCHEMA_VERSION, "month": self.month})
            meta_changed = True
        else:
            meta_changed = False
        table = self._db.table(ITEMS_TABLE)
        removed = [self._doc_ids[i] for i in deletes if i in self._doc_ids and i not in puts]
        replace = {i: rec for i, rec in puts.items() if i in self._doc_ids}
        insert = [rec for i, rec in puts.items() if i not in self._doc_ids]
        if removed:
            table.remove(doc_ids=removed)
        if replace:
            def _replace(doc: dict) -> None:
                new = replace[doc["id"]]
                doc.clear()
                doc.update(new)

            table.update(_replace, doc_ids=[self._doc_ids[i] for i in replace])
        new_ids = table.insert_multiple(insert) if insert else []
        # Index by delta: replaced docs were mutated in place, so only removals and inserts move.
        rows = (self._db.storage.read() or {}).get(ITEMS_TABLE, {})
        for item_id in deletes:
            if item_id not in puts and item_id in self.by_id:
                del self.by_id[item_id]
                del self._doc_ids[item_id]
        for doc_id in new_ids:
            doc = rows[str(doc_id)]
            self.by_id[doc["id"]] = doc
            self._doc_ids[doc["id"]] = doc_id
        self._by_day = None
        if not self.by_id:
            return self.delete()
        storage = self._db.storage.storage
        if new_ids and not (removed or replace or meta_changed):
            storage.append_table, storage.append_keys = ITEMS_TABLE, [str(i) for i in new_ids]
        self._db.storage.flush()
        self.sig = self._db.storage.storage.sig
        return self.sig

    def delete(self) -> None:
        """Remove the month's file (atomic unlink); used when retention empties a month."""
        self.sig = _remove(self.path)


class FlagsMonth:
    """read/starred flags of one month: ``{id: [read, starred]}``, only non-default entries.

    Plain JSON rather than TinyDB: it is a single small mapping rewritten whole on each change.
    """

    def __init__(self, path: Path, month: str) -> None:
        self.path = path
        self.month = month
        data, self.sig = read_json(path)
        self.flags: dict[str, list[int]] = {}
        if data is not None:
            meta = data.get("_meta")
            check_schema(path, meta.get("schema") if isinstance(meta, dict) else None)
            flags = data.get("flags")
            if not isinstance(flags, dict):
                raise StoreError(path, f"has no flags object. {UNTOUCHED}")
            self.flags = flags

    def get(self, item_id: str) -> tuple[bool, bool]:
        flag = self.flags.get(item_id)
        return (bool(flag[0]), bool(flag[1])) if flag else (False, False)

    def set(self, item_id: str, read: bool, starred: bool) -> bool:
        """Set both flags; returns whether anything changed."""
        if self.get(item_id) == (read, starred):
            return False
        if read or starred:
            self.flags[item_id] = [int(read), int(starred)]
        else:
            self.flags.pop(item_id, None)
        return True

    def write(self) -> Sig | None:
        if not self.flags:
            self.sig = _remove(self.path)
            return None
        payload: dict[str, Any] = {"_meta": {"schema": SCHEMA_VERSION, "month": self.month}, "flags": self.flags}
        self.sig = atomic_write_json(self.path, payload)
        return self.sig
