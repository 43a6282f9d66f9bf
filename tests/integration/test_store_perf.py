"""Store costs that must stay bounded: healing counters must not keep the archive in memory."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

from store import Store

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)


def _item(n: int, month: int) -> dict:
    return {
        "id": f"id-{n}", "feed": "https://a.example/rss", "feed_title": "A", "title": f"T {n}",
        "link": f"https://a.example/{n}", "openable": True, "summary": "s", "author": "",
        "published": f"2025-{month:02d}-10T08:00:00Z", "published_estimated": False,
        "themes": [{"id": "gray-market", "score": 1.0, "evidence": ["x"]}] if n % 2 else [],
        "entities": [], "story": f"id-{n}",
    }


def test_healing_a_copied_store_counts_right_and_keeps_no_month_parsed(tmp_path: Path) -> None:
    db = tmp_path / "db"
    with Store.open(db) as s:
        s.upsert_items([_item(n, 1 + n % 4) for n in range(40)], now=NOW)
        s.commit()
        s.set_flags(["id-1", "id-2"], read=True)
        s.set_flags(["id-3"], starred=True)
        expected = s.day_counts()
    copy = tmp_path / "copy"
    shutil.copytree(db, copy)  # new inodes: every month's recorded sig is stale, so all are recounted
    with Store.open(copy) as c:
        assert c._months == {}  # counted and dropped, not cached (the archive is not held in memory)
        assert c.day_counts() == expected
        assert c.total_items() == 40
        assert len(c.items(start=datetime(2025, 3, 1).date(), end=datetime(2025, 3, 31).date())) == 10
        assert list(c._months) == ["2025-03"]  # a read loads just the month it needs


def test_prune_recount_keeps_counters_right(tmp_path: Path) -> None:
    with Store.open(tmp_path / "db") as s:
        s.upsert_items([_item(n, 1 + n % 4) for n in range(40)], now=NOW)
        s.commit()
        removed = s.prune(keep_days=130, now=NOW)  # cutoff 2025-02-05: January goes
        assert removed == 10
        assert sorted(s.day_counts()) == ["2025-02-10", "2025-03-10", "2025-04-10"]
        assert s.total_items() == 30


def test_upsert_copies_items_privately_and_normalises_like_json(tmp_path: Path) -> None:
    import pytest

    from store._atomic import dump_json
    from store._records import json_copy
    import json

    class Label(str):
        pass

    odd = {"a": (1, 2), 3: Label("x"), "n": [None, True, 1.5, {"k": "v"}]}
    assert json_copy(odd, dump_json, json.loads) == json.loads(dump_json(odd))  # tuple, int key, str subclass
    plain = {"a": [1, {"b": "c"}], "d": 2.5}
    copied = json_copy(plain, dump_json, json.loads)
    assert copied == plain and copied["a"] is not plain["a"] and copied["a"][1] is not plain["a"][1]
    with pytest.raises(TypeError):
        json_copy({"a": object()}, dump_json, json.loads)
    with Store.open(tmp_path / "db") as s:
        it = _item(1, 3)
        s.upsert_items([it], now=NOW)
        it["themes"][0]["id"] = "changed-after-upsert"  # the caller's dict is not the store's
        s.commit()
        assert s.get("id-1")["themes"][0]["id"] == "gray-market"
        with pytest.raises(ValueError, match="not JSON-serialisable"):
            s.upsert_items([{**_item(2, 3), "bad": {1, 2}}], now=NOW)
