"""Full texts of items, one small file each under ``db/fulltext/``, apart from the months.

Why apart: an article is ten to a hundred times an item's summary; kept inside the month files
it would make every refresh, flag change and search rewrite or parse megabytes more. One file
per item (named by a hash of the id, so no feed can choose a path) is written once, read only
when that item is opened, and dropped when the item is pruned.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from ._atomic import atomic_write_json, check_schema, read_json
from ._errors import SCHEMA_VERSION

FULLTEXT_DIR = "fulltext"


def fulltext_path(db_dir: Path, item_id: str) -> Path:
    digest = hashlib.sha256(item_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return db_dir / FULLTEXT_DIR / f"{digest}.json"


def read_fulltext(db_dir: Path, item_id: str) -> dict[str, Any] | None:
    """The stored record ({"text", "url", "fetched"}) or None; StoreError for a bad file."""
    path = fulltext_path(db_dir, item_id)
    data, _ = read_json(path)
    if data is None:
        return None
    meta = data.get("_meta")
    check_schema(path, meta.get("schema") if isinstance(meta, dict) else None)
    if data.get("id") != item_id or not isinstance(data.get("text"), str):
        return None  # a hash collision or a hand-edited file: treat as not cached
    return {"text": data["text"], "url": data.get("url"), "fetched": data.get("fetched")}


def write_fulltext(db_dir: Path, item_id: str, text: str, *, url: str | None, fetched: str) -> None:
    path = fulltext_path(db_dir, item_id)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    atomic_write_json(path, {"_meta": {"schema": SCHEMA_VERSION}, "id": item_id, "text": text,
                             "url": url, "fetched": fetched})


def drop_fulltexts(db_dir: Path, item_ids: set[str]) -> None:
    """Forget the full texts of pruned items (missing files are fine)."""
    for item_id in item_ids:
        try:
            os.unlink(fulltext_path(db_dir, item_id))
        except FileNotFoundError:
            pass
