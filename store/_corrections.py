"""``db/corrections.json``: the person's theme corrections, kept forever.

Why a file of its own: corrections must outlive everything that rewrites items — retention
(``prune``), re-tagging, a month file quarantined after a crash. Nothing but :meth:`save_correction`
writes this file, and nothing ever deletes it. It is small (one entry per corrected item),
written atomically like every store file, under the writer lock, at once (not at ``commit``):
a judgement the person made must not wait for, or be lost with, a refresh's batch.

Layout: ``{"_meta": {"schema": 1}, "corrections": {item_id: {...}}}``; the entries' shape is
``briefing.corrections.Correction.to_json`` (the store keeps them as plain JSON objects).
"""

from __future__ import annotations

from typing import Any

from ._atomic import atomic_write_json, check_schema, file_sig, read_json
from ._errors import SCHEMA_VERSION, UNTOUCHED, StoreError

CORRECTIONS_FILE = "corrections.json"


class CorrectionsFile:
    """Mixed into ``Store``: reads and writes the corrections file (needs ``db_dir``, ``_writing``)."""

    _corrections_cache: tuple[Any, dict[str, dict]] | None = None

    def _read_corrections(self) -> dict[str, dict]:
        path = self.db_dir / CORRECTIONS_FILE  # type: ignore[attr-defined]
        sig = file_sig(path)
        cached = self._corrections_cache
        if cached is not None and sig is not None and cached[0] == sig:
            return cached[1]
        data, sig = read_json(path)
        if data is None:
            return {}
        meta = data.get("_meta")
        check_schema(path, meta.get("schema") if isinstance(meta, dict) else None)
        entries = data.get("corrections")
        if not isinstance(entries, dict):
            raise StoreError(path, f"has no corrections object. {UNTOUCHED}")
        self._corrections_cache = (sig, entries)
        return entries

    def corrections(self) -> dict[str, dict]:
        """Every stored correction: ``{item_id: entry}`` (a fresh copy; raises StoreError if corrupt)."""
        with self._mutex:  # type: ignore[attr-defined]
            return {k: dict(v) for k, v in self._read_corrections().items() if isinstance(v, dict)}

    def save_correction(self, item_id: str, entry: dict | None) -> None:
        """Store (or, with ``None``, forget) one item's correction, durably and at once.

        Re-reads the file under the writer lock first, so corrections made by another process
        (the app while the shell labels) are never overwritten.
        """
        self._check_writable()  # type: ignore[attr-defined]
        if entry is not None:
            from ._atomic import dump_json

            dump_json(entry)  # a value JSON cannot hold fails here, before anything is written
        with self._mutex, self._writing():  # type: ignore[attr-defined]
            self._corrections_cache = None
            entries = dict(self._read_corrections())
            if entry is None:
                if entries.pop(item_id, None) is None:
                    return
            else:
                entries[item_id] = entry
            path = self.db_dir / CORRECTIONS_FILE  # type: ignore[attr-defined]
            sig = atomic_write_json(path, {"_meta": {"schema": SCHEMA_VERSION}, "corrections": entries})
            self._corrections_cache = (sig, entries)
