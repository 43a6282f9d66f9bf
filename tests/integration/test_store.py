"""Store semantics against real files: upserts, flags, filters, counters, errors, locking, retention."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from store import SCHEMA_VERSION, Store, StoreError, StoreLocked, quarantine

NOW = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)
ROOT = Path(__file__).resolve().parents[2]


def item(n: int | str, published: str = "2025-06-10T08:00:00Z", **extra) -> dict:
    base = {
        "id": f"id-{n}",
        "feed": extra.pop("feed", "https://a.example/rss"),
        "feed_title": "A",
        "title": f"Title {n}",
        "link": f"https://a.example/{n}",
        "openable": True,
        "summary": f"Summary of {n}",
        "author": "",
        "published": published,
        "published_estimated": False,
        "themes": [],
        "entities": [],
        "story": f"id-{n}",
    }
    base.update(extra)
    return base


def theme(tid: str) -> dict:
    return {"id": tid, "score": 1.0, "evidence": ["x"]}


def recount(store: Store) -> dict[str, dict[str, int]]:
    """day_counts computed the slow way, from items(): the counters must always agree with it."""
    out: dict[str, dict[str, int]] = {}
    for it in store.items():
        c = out.setdefault(it["published"][:10], {"total": 0, "unread": 0, "starred": 0, "other": 0})
        c["total"] += 1
        c["unread"] += not it["read"]
        c["starred"] += it["starred"]
        ids = {t["id"] for t in it["themes"]}
        for t in ids:
            c[t] = c.get(t, 0) + 1
        if not ids:
            c["other"] += 1
    return dict(sorted(out.items()))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "db"


@pytest.fixture
def store(db: Path):
    s = Store.open(db)
    yield s
    s.close()


def test_upsert_new_updated_unchanged_and_flags_survive(store: Store) -> None:
    r = store.upsert_items([item(1), item(2, themes=[theme("export-controls")])], now=NOW)
    assert (r.new, r.updated, r.unchanged) == (["id-1", "id-2"], [], 0)
    store.commit()
    assert store.set_flags(["id-1"], read=True, starred=True) == 1
    later = datetime(2025, 6, 16, 9, 30, tzinfo=timezone.utc)
    r = store.upsert_items([item(1, title="Changed"), item(2, themes=[theme("export-controls")])], now=later)
    assert (r.new, r.updated, r.unchanged) == ([], ["id-1"], 1)
    store.commit()
    one = store.get("id-1")
    assert one["title"] == "Changed"
    assert one["read"] is True and one["starred"] is True
    assert one["fetched"] == "2025-06-15T12:00:00Z"
    assert one["updated"] == "2025-06-16T09:30:00Z"
    assert store.get("id-2")["updated"] == "2025-06-15T12:00:00Z"
    assert store.total_items() == 2
    assert len(store.items()) == 2


def test_same_id_twice_in_one_batch_is_stored_once(store: Store) -> None:
    store.upsert_items([item(1), item(1, title="second")], now=NOW)
    store.commit()
    assert [i["title"] for i in store.items()] == ["second"]
    assert store.total_items() == 1


def test_new_items_take_given_flags_and_reads_show_committed_only(store: Store) -> None:
    store.upsert_items([item(1, starred=True), item(2)], now=NOW)
    assert store.items() == []  # buffered until commit
    store.commit()
    assert {i["id"]: i["starred"] for i in store.items()} == {"id-1": True, "id-2": False}
    assert store.day_counts() == recount(store)


def test_undated_item_keeps_its_first_seen_date(store: Store) -> None:
    store.upsert_items([item(1, published="2025-05-31T23:00:00Z", published_estimated=True)], now=NOW)
    store.commit()
    r = store.upsert_items([item(1, published="2025-06-15T12:00:00Z", published_estimated=True)], now=NOW)
    assert r.unchanged == 1
    store.commit()
    assert store.get("id-1")["published"] == "2025-05-31T23:00:00Z"


def test_item_whose_date_moves_month_is_moved_with_its_flags(store: Store, db: Path) -> None:
    store.upsert_items([item(1, published="2025-05-20T10:00:00Z")], now=NOW)
    store.commit()
    store.set_flags(["id-1"], starred=True)
    r = store.upsert_items([item(1, published="2025-06-02T10:00:00Z")], now=NOW)
    assert r.updated == ["id-1"]
    store.commit()
    found = store.items()
    assert [(i["id"], i["published"][:10], i["starred"]) for i in found] == [("id-1", "2025-06-02", True)]
    assert not (db / "items-2025-05.json").exists()
    assert store.day_counts() == recount(store)


def test_items_filters_and_order(store: Store) -> None:
    store.upsert_items(
        [
            item(1, "2025-06-01T10:00:00Z", themes=[theme("export-controls"), theme("enforcement")], title="BIS rule"),
            item(2, "2025-06-03T10:00:00Z", feed="https://b.example/rss", summary="Smuggled GPUs via Singapore"),
            item(3, "2025-05-28T10:00:00Z", themes=[theme("gray-market")]),
            item(4, "2025-06-03T11:00:00Z"),
        ],
        now=NOW,
    )
    store.commit()
    store.set_flags(["id-1"], starred=True)
    store.set_flags(["id-4", "id-3"], read=True)
    ids = lambda **kw: [i["id"] for i in store.items(**kw)]  # noqa: E731
    assert ids() == ["id-4", "id-2", "id-1", "id-3"]
    assert ids(start=date(2025, 6, 1), end=date(2025, 6, 2)) == ["id-1"]
    assert ids(start=date(2025, 6, 3)) == ["id-4", "id-2"]
    assert ids(end=date(2025, 5, 31)) == ["id-3"]
    assert ids(feed="https://b.example/rss") == ["id-2"]
    assert ids(theme="enforcement") == ["id-1"]
    assert ids(theme="other") == ["id-4", "id-2"]
    assert ids(text="smuggled gpus") == ["id-2"]
    assert ids(text="bis RULE") == ["id-1"]
    assert ids(starred=True) == ["id-1"]
    assert ids(unread=True) == ["id-2", "id-1"]
    assert ids(unread=False) == ["id-4", "id-3"]
    assert ids(limit=2) == ["id-4", "id-2"]
    counts = store.day_counts()
    assert counts["2025-06-01"] == {"total": 1, "unread": 1, "starred": 1, "other": 0, "export-controls": 1, "enforcement": 1}
    assert counts == recount(store)
    assert store.days() == ["2025-05-28", "2025-06-01", "2025-06-03"]
    assert store.feed_item_counts() == {"https://a.example/rss": 3, "https://b.example/rss": 1}


def test_flags_unknown_ids_and_noop(store: Store) -> None:
    store.upsert_items([item(1)], now=NOW)
    store.commit()
    assert store.set_flags(["nope"], read=True) == 0
    assert store.set_flags(["id-1"], read=False) == 0
    assert store.set_flags(["id-1"], read=True) == 1
    assert store.set_flags(["id-1"], read=True) == 0


def test_feed_state_meta_and_rename(store: Store, db: Path) -> None:
    store.upsert_items([item(1, feed="http://old.example/rss")], now=NOW)
    store.set_feed_state("http://old.example/rss", {"etag": "x"})
    store.set_feed_state("http://gone.example/rss", {"etag": "y"})
    store.set_meta("last_refresh", "2025-06-15T12:00:00Z")
    assert store.feed_states() == {}
    store.commit()
    assert store.last_refresh() == "2025-06-15T12:00:00Z"
    store.upsert_items([item(9, feed="http://gone.example/rss")], now=NOW)
    store.commit()
    assert "http://gone.example/rss" in json.loads((db / "recent.json").read_text())["feeds"]
    store.remove_feed_state("http://gone.example/rss")
    store.rename_feed("http://old.example/rss", "https://new.example/rss")
    store.commit()
    recent = json.loads((db / "recent.json").read_text())["feeds"]
    assert set(recent) == {"https://new.example/rss"}
    assert store.feed_states() == {"https://new.example/rss": {"etag": "x"}}
    assert [i["feed"] for i in store.items(feed="https://new.example/rss")] == ["https://new.example/rss"]
    assert store.feed_item_counts() == {"https://new.example/rss": 1, "http://gone.example/rss": 1}
    r = store.upsert_items([item(1, feed="https://new.example/rss")], now=NOW)
    assert r.unchanged == 1  # the rename alone is not a content change
    reopened = Store.open(db, readonly=True)
    assert reopened.meta("last_refresh") == "2025-06-15T12:00:00Z"
    assert reopened.meta("missing", 7) == 7


def test_counters_survive_prune_and_rewrite(store: Store) -> None:
    old = [item(n, f"2024-0{m}-1{n % 9}T10:00:00Z", themes=[theme("gray-market")] if n % 2 else []) for m in (1, 2) for n in range(m * 10, m * 10 + 5)]
    recent = [item(n, f"2025-06-0{n % 9 + 1}T10:00:00Z") for n in range(100, 110)]
    store.upsert_items(old + recent, now=NOW)
    store.commit()
    store.set_flags(["id-10", "id-101"], starred=True)
    store.set_flags(["id-11"], read=True)

    def retag(it: dict) -> dict | None:
        if it["themes"]:
            return None
        return {**it, "themes": [theme("compute-bottleneck")], "read": True}

    assert store.rewrite_items(retag) == 16  # 6 old + 10 recent untagged items
    assert store.get("id-10")["themes"] == [theme("compute-bottleneck")]
    assert store.get("id-100")["read"] is False  # flags cannot be changed by rewrite
    assert store.day_counts() == recount(store)
    removed = store.prune(keep_days=365, now=NOW)
    assert removed == 9  # ten old items, one starred
    assert store.get("id-10")["starred"] is True
    assert store.get("id-11") is None
    assert store.total_items() == 11
    assert store.day_counts() == recount(store)
    assert store.rewrite_items(lambda it: None) == 0


def test_reopen_sees_everything_and_readonly_refuses_writes(store: Store, db: Path) -> None:
    store.upsert_items([item(1), item(2, "2025-04-01T00:00:00Z")], now=NOW)
    store.commit()
    store.set_flags(["id-2"], read=True)
    ro = Store.open(db, readonly=True)
    assert ro.day_counts() == store.day_counts() == recount(ro)
    with pytest.raises(StoreError):
        ro.upsert_items([item(3)], now=NOW)
    with pytest.raises(StoreError):
        ro.set_flags(["id-1"], read=True)


def test_other_process_commits_are_seen_and_never_clobbered(db: Path) -> None:
    a = Store.open(db)
    b = Store.open(db)
    a.upsert_items([item(1)], now=NOW)
    a.commit()
    assert [i["id"] for i in b.items()] == ["id-1"]  # b loads the month now
    b.upsert_items([item(2)], now=NOW)
    a.upsert_items([item(3)], now=NOW)
    a.set_meta("who", "a")
    a.commit()
    b.set_meta("other", "b")
    b.commit()  # b's cached month is stale: it must re-read it, not overwrite a's item 3
    a.set_flags(["id-2"], starred=True)
    fresh = Store.open(db, readonly=True)
    assert sorted(i["id"] for i in fresh.items()) == ["id-1", "id-2", "id-3"]
    assert fresh.get("id-2")["starred"] is True
    assert (fresh.meta("who"), fresh.meta("other")) == ("a", "b")
    assert (a.meta("other"), b.meta("who")) == ("b", "a")  # each sees the other's meta
    assert fresh.day_counts() == recount(fresh)
    assert sorted(i["id"] for i in b.items()) == ["id-1", "id-2", "id-3"]


def test_owned_items_are_stored_without_a_copy_and_a_broken_promise_writes_nothing(store: Store, db: Path) -> None:
    """``owned=True`` (the refresh pipeline's path) stores the same thing as a copying upsert."""
    copied = [item(1, themes=[{"id": "gray-market", "score": 4.0, "evidence": ["smuggled"]}])]
    owned = [item(2, themes=[{"id": "gray-market", "score": 4.0, "evidence": ["smuggled"]}])]
    store.upsert_items(copied, now=NOW)
    result = store.upsert_items(owned, now=NOW, owned=True)
    assert result.new == ["id-2"]
    store.commit()
    stored = {i["id"]: i for i in store.items()}
    one, two = stored["id-1"], stored["id-2"]
    assert sorted(one) == sorted(two)
    assert [two[k] for k in ("themes", "fetched", "updated", "published")] == [
        one[k] for k in ("themes", "fetched", "updated", "published")]
    before = (db / "items-2025-06.json").read_bytes()
    store.upsert_items([item(3, extra={1, 2})], now=NOW, owned=True)  # a set: not JSON
    with pytest.raises(TypeError):
        store.commit()
    assert (db / "items-2025-06.json").read_bytes() == before
    assert sorted(i["id"] for i in store.items()) == ["id-1", "id-2"]


def test_rejects_items_without_id_or_date(store: Store) -> None:
    with pytest.raises(ValueError):
        store.upsert_items([item(1, id="")], now=NOW)
    with pytest.raises(ValueError):
        store.upsert_items([item(1, published="yesterday")], now=NOW)


# ---------------------------------------------------------------- bad files


def _seed(db: Path) -> None:
    with Store.open(db) as s:
        s.upsert_items([item(1), item(2, "2025-05-01T00:00:00Z")], now=NOW)
        s.set_feed_state("https://a.example/rss", {"etag": "e"})
        s.set_meta("last_refresh", "2025-06-15T12:00:00Z")
        s.commit()
        s.set_flags(["id-1"], starred=True)


@pytest.mark.parametrize(
    "name,content",
    [
        ("items-2025-06.json", b'{"_meta": {"1": {"schema": 1}}, "items": {"1": {"id": "x", '),
        ("items-2025-06.json", json.dumps({"_meta": {"1": {"schema": SCHEMA_VERSION + 1}}, "items": {}}).encode()),
        ("flags-2025-06.json", b"not json at all"),
        ("flags-2025-06.json", json.dumps({"_meta": {"schema": SCHEMA_VERSION + 1}, "flags": {}}).encode()),
        ("state.json", b"\x00\x01garbage"),
        ("state.json", json.dumps({"_meta": {"schema": SCHEMA_VERSION + 1}}).encode()),
        ("state.json", b""),
        ("recent.json", b'{"_meta": {"schema": 1}, "feeds": {"x": '),
        ("meta.json", b"[1, 2]"),
        ("meta.json", json.dumps({"_meta": {"schema": SCHEMA_VERSION + 1}, "meta": {}}).encode()),
    ],
)
def test_bad_files_raise_and_are_never_overwritten(db: Path, name: str, content: bytes) -> None:
    _seed(db)
    bad = db / name
    bad.write_bytes(content)
    with pytest.raises(StoreError) as info:
        s = Store.open(db)
        s.items()
        s.meta("last_refresh")
        s.upsert_items([item(5)], now=NOW)
        s.commit()
        s.set_flags(["id-1"], read=True)
    assert info.value.path == bad
    assert name in str(info.value)
    assert bad.read_bytes() == content
    moved = quarantine(bad)
    assert not bad.exists() and moved.read_bytes() == content and moved.parent == db
    with Store.open(db) as s:  # usable again; the quarantined file's data is gone, the rest stays
        s.upsert_items([item(6)], now=NOW)
        s.commit()
        assert "id-6" in {i["id"] for i in s.items()}
        assert s.day_counts() == recount(s)


def test_leftover_temp_files_are_ignored_and_cleaned(db: Path) -> None:
    _seed(db)
    junk = db / ".items-2025-06.json.999.abcd.tmp"
    junk.write_bytes(b'{"half')
    with Store.open(db) as s:
        assert len(s.items()) == 2
    assert not junk.exists()


# ---------------------------------------------------------------- locking


def test_second_process_gets_store_locked_naming_the_pid(db: Path) -> None:
    _seed(db)
    code = textwrap.dedent(
        f"""
        import sys, datetime
        sys.path.insert(0, {str(ROOT)!r})
        from store import Store, StoreLocked
        s = Store.open({str(db)!r})
        s.upsert_items([{{"id": "z", "feed": "f", "published": "2025-06-01T00:00:00Z"}}], now=datetime.datetime(2025, 6, 1))
        try:
            s.commit()
        except StoreLocked as exc:
            print("LOCKED", exc.pid, exc)
        else:
            print("COMMITTED")
        """
    )
    with Store.open(db) as s, s.writer():
        with s.writer():  # re-entrant within the process
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
        s.set_flags(["id-2"], read=True)  # the holder itself can still write
    assert out.stdout.startswith(f"LOCKED {os.getpid()} "), out.stdout + out.stderr
    assert f"pid {os.getpid()}" in out.stdout
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.stdout.strip() == "COMMITTED", out.stderr


def test_store_module_does_not_import_tinydb_until_used() -> None:
    code = "import sys, store, store.home; print('tinydb' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_append_only_commits_produce_the_same_file_content(store: Store, db: Path) -> None:
    """The insert fast path (old bytes + new documents) must equal a full serialisation."""
    store.upsert_items([item(1), item(2)], now=NOW)
    store.commit()
    path = db / "items-2025-06.json"
    first = path.read_bytes()
    store.upsert_items([item(3, summary="caf\u00e9 \u202e \ud800"), item(4)], now=NOW)
    store.commit()
    second = path.read_bytes()
    assert second.startswith(first[:-2])  # the fast path was taken
    data = json.loads(second)
    assert list(data) == ["_meta", "items"]
    assert [d["id"] for d in data["items"].values()] == ["id-1", "id-2", "id-3", "id-4"]
    assert json.dumps(data, separators=(",", ":")).encode() == second
    store.upsert_items([item(2, title="changed")], now=NOW)  # an update: full rewrite
    store.commit()
    # A file whose items table is not last (e.g. written by plain TinyDB) gets a full write once,
    # which moves the table last; the next append takes the fast path again.
    data = json.loads(path.read_bytes())
    path.write_text(json.dumps({"items": data["items"], "_meta": data["_meta"]}))
    reordered = Store.open(db)
    reordered.upsert_items([item(5)], now=NOW)
    reordered.commit()
    assert list(json.loads(path.read_bytes())) == ["_meta", "items"]
    third = path.read_bytes()
    reordered.upsert_items([item(6)], now=NOW)
    reordered.commit()
    assert path.read_bytes().startswith(third[:-2])
    reordered.close()
    with Store.open(db, readonly=True) as fresh:
        assert [i["id"] for i in fresh.items()] == ["id-6", "id-5", "id-4", "id-3", "id-2", "id-1"]
        assert fresh.get("id-3")["summary"] == "caf\u00e9 \u202e \ud800"
        assert fresh.get("id-2")["title"] == "changed"


# ---------------------------------------------------------------- randomised model check


@pytest.mark.parametrize("seed", range(6))
def test_random_operations_match_a_simple_model(db: Path, seed: int) -> None:
    """Upserts, flags, prune and reopen in random order: items and counters match a plain dict."""
    import random

    rng = random.Random(seed)
    committed: dict[str, dict] = {}
    pending: dict[str, dict] = {}
    store = Store.open(db)
    months = ["2024-11", "2025-05", "2025-06"]
    for step in range(60):
        op = rng.random()
        if op < 0.4:
            batch = []
            for _ in range(rng.randint(1, 8)):
                n = rng.randint(0, 25)
                pub = f"{rng.choice(months)}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
                themes = [theme(t) for t in rng.sample(["export-controls", "gray-market", "enforcement"], rng.randint(0, 2))]
                batch.append(item(n, pub, title=f"t{rng.randint(0, 2)}", themes=themes, starred=rng.random() < 0.2))
            store.upsert_items(batch, now=NOW)
            for it in batch:
                prev = pending.get(it["id"])
                flags = {"read": prev["read"], "starred": prev["starred"]} if prev else {"read": False, "starred": it["starred"]}
                pending[it["id"]] = {**it, **flags}
        elif op < 0.55:
            store.commit()
            committed = {k: dict(v) for k, v in pending.items()}
        elif op < 0.8:
            ids = rng.sample(sorted(pending) or ["none"], min(len(pending), rng.randint(1, 3)))
            kw = rng.choice([{"read": True}, {"read": False}, {"starred": True}, {"starred": False}, {"read": True, "starred": True}])
            changed = store.set_flags(ids, **kw)
            expected = 0
            for i in ids:
                if i in pending:
                    before = (pending[i]["read"], pending[i]["starred"])
                    pending[i].update(kw)
                    expected += before != (pending[i]["read"], pending[i]["starred"])
                    if i in committed:
                        committed[i].update(kw)
            assert changed == expected
        elif op < 0.9 and not store._has_pending():
            cut = rng.choice([200, 300, 400])
            removed = store.prune(keep_days=cut, now=NOW)
            limit = (NOW.date() - __import__("datetime").timedelta(days=cut)).isoformat()
            doomed = [i for i, r in committed.items() if r["published"][:10] < limit and not r["starred"]]
            assert removed == len(doomed)
            for i in doomed:
                del committed[i]
                del pending[i]
        elif not store._has_pending():
            store.close()
            store = Store.open(db, readonly=rng.random() < 0.3) if False else Store.open(db)
        got = {i["id"]: i for i in store.items()}
        assert sorted(got) == sorted(committed), step
        for i, rec in committed.items():
            assert (got[i]["title"], got[i]["published"], got[i]["read"], got[i]["starred"], got[i]["themes"]) == (
                rec["title"], rec["published"], rec["read"], rec["starred"], rec["themes"]), (step, i)
        assert store.day_counts() == recount(store), step
        assert store.total_items() == len(committed)
    store.close()


def test_threads_reading_starring_and_committing_together(store: Store) -> None:
    import threading

    errors: list[BaseException] = []

    def guard(fn):
        def run() -> None:
            try:
                fn()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
        return run

    def writer() -> None:
        with store.writer():
            for b in range(15):
                store.upsert_items([item(f"{b}-{j}", f"2025-06-{j % 20 + 1:02d}T10:00:00Z") for j in range(10)], now=NOW)
                store.commit()

    def starrer() -> None:
        for _ in range(40):
            ids = [i["id"] for i in store.items(limit=5)]
            store.set_flags(ids, starred=True)

    def reader() -> None:
        for _ in range(40):
            store.items(start=date(2025, 6, 3), end=date(2025, 6, 3))
            store.day_counts()

    threads = [threading.Thread(target=guard(f)) for f in (writer, starrer, reader, reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert store.total_items() == 150
    assert store.day_counts() == recount(store)


def test_a_failed_commit_leaves_memory_and_disk_as_they_were(store: Store, db: Path) -> None:
    import resource
    import signal

    store.upsert_items([item(1)], now=NOW)
    store.commit()
    before = (db / "items-2025-06.json").read_bytes()
    with pytest.raises(ValueError):
        store.upsert_items([item(2), item(3, extra=object())], now=NOW)
    store.upsert_items([item(4, summary="x" * 5000)], now=NOW)
    # A file-size limit makes the write fail half-way even for root (like a full disk would).
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (3000, hard))
    try:
        with pytest.raises(OSError):
            store.commit()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert (db / "items-2025-06.json").read_bytes() == before
    assert not list(db.glob(".*.tmp"))
    assert [i["id"] for i in store.items()] == ["id-1"]  # nothing half-applied shows in memory
    store.commit()  # the buffered item is still there and lands now
    assert sorted(i["id"] for i in store.items()) == ["id-1", "id-4"]
    assert store.day_counts() == recount(store)
    assert store.items(limit=0) == []


def test_lock_wait_times_out_then_recovers_and_a_waiter_gets_it_when_freed(tmp_path: Path) -> None:
    import threading

    from store._lock import WriterLock

    path = tmp_path / ".lock"
    holder, waiter = WriterLock(path, timeout=0.2), WriterLock(path, timeout=0.2)
    holder.acquire()
    with pytest.raises(StoreLocked) as info:
        waiter.acquire()
    assert info.value.pid == os.getpid()
    assert not waiter.held
    holder.release()
    waiter.acquire()  # the abandoned wait let go of its late grab
    waiter.release()
    holder.acquire()
    threading.Timer(0.1, holder.release).start()
    waiter.timeout = 5
    waiter.acquire()  # woken when the holder lets go, well before the timeout
    assert waiter.held
    waiter.release()


def test_prune_with_an_absurd_retention_keeps_everything(store: Store) -> None:
    """A retention reaching before year 1 (timedelta overflow) prunes nothing instead of crashing."""
    store.upsert_items([item(1, "2001-01-01T00:00:00Z"), item(2)], now=NOW)
    store.commit()
    for days in (800000, 10**12):
        assert store.prune(keep_days=days, now=NOW) == 0
    assert store.get("id-1") is not None and store.get("id-2") is not None
def test_outside_writes_counts_other_writers_commits_not_our_own(tmp_path: Path) -> None:
    """The open app polls this to notice a cron refresh: its own writes must not count."""
    from store import Store

    ours = Store.open(tmp_path / "db")
    other = Store.open(tmp_path / "db")
    now = datetime(2025, 11, 28, 9, tzinfo=timezone.utc)
    record = {"id": "w1", "feed": "http://127.0.0.1/f", "title": "Wafer", "link": "http://127.0.0.1/w1",
              "published": "2025-11-28T09:00:00Z", "summary": ""}
    assert ours.outside_writes() == 0
    ours.upsert_items([record], now=now)
    ours.commit()
    ours.set_flags(["w1"], read=True)
    assert ours.outside_writes() == 0
    other.set_flags(["w1"], starred=True)
    assert ours.outside_writes() == 1
    assert ours.outside_writes() == 1  # seen once, not again
    other.upsert_items([{**record, "id": "w2", "link": "http://127.0.0.1/w2"}], now=now)
    other.commit()
    assert ours.outside_writes() == 2
    assert ours.total_items() == 2


def test_feed_unread_counts_follow_commits_flags_moves_and_a_recount(tmp_path: Path) -> None:
    """The feeds screen's unread / total: kept by delta, equal to a fresh count, no item scan."""
    from store import Store

    now = datetime(2025, 11, 28, 9, tzinfo=timezone.utc)

    def rec(n: int, feed: str, published: str) -> dict:
        return {"id": f"u{n}", "feed": feed, "title": f"Note {n}", "link": f"http://127.0.0.1/u{n}",
                "published": published, "summary": ""}

    a, b = "http://127.0.0.1/a.xml", "http://127.0.0.1/b.xml"
    store = Store.open(tmp_path / "db")
    store.upsert_items([rec(1, a, "2025-11-28T09:00:00Z"), rec(2, a, "2025-10-02T09:00:00Z"),
                        rec(3, b, "2025-11-27T09:00:00Z")], now=now)
    store.commit()
    assert store.feed_unread_counts() == {a: 2, b: 1}
    store.set_flags(["u1", "u3"], read=True)
    assert store.feed_unread_counts() == {a: 1}
    store.upsert_items([{**rec(2, a, "2025-11-20T09:00:00Z"), "title": "Moved"}], now=now)  # changes month
    store.commit()
    store.set_flags(["u1"], read=False)
    assert store.feed_unread_counts() == {a: 2}
    assert store.feed_item_counts() == {a: 2, b: 1}
    store.rename_feed(a, "http://127.0.0.1/a2.xml")
    store.commit()
    assert store.feed_unread_counts() == {"http://127.0.0.1/a2.xml": 2}
    store.close()
    # A state.json from before per-feed unread counts: the months are recounted on open.
    state_file = tmp_path / "db" / "state.json"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    for entry in state["months"].values():
        entry.pop("feeds_unread")
    state_file.write_text(json.dumps(state), encoding="utf-8")
    before = state_file.read_bytes()
    with Store.open(tmp_path / "db", readonly=True) as reader:
        assert reader.feed_unread_counts() == {"http://127.0.0.1/a2.xml": 2}
    assert state_file.read_bytes() == before
    with Store.open(tmp_path / "db") as again:
        assert again.feed_unread_counts() == {"http://127.0.0.1/a2.xml": 2}
    # ... and saved, so the next open does not recount (a read-only open never writes).
    saved = json.loads(state_file.read_text(encoding="utf-8"))
    assert all("feeds_unread" in entry for entry in saved["months"].values())
