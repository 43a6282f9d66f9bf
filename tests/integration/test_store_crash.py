"""Crash safety: SIGKILL a writer at random moments; every reported commit must survive intact."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from store import Store

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import sys, datetime
    sys.path.insert(0, sys.argv[3])
    from store import Store
    db, batch = sys.argv[1], int(sys.argv[2])
    now = datetime.datetime(2025, 6, 15, 12, 0)
    store = Store.open(db)
    while True:
        items = []
        for j in range(25):
            month = (batch + j) % 3 + 4
            items.append({
                "id": f"b{batch}-{j}", "feed": f"https://f{j % 4}.example/rss", "title": f"t {batch} {j}",
                "summary": "x" * 400, "published": f"2025-0{month}-{j % 28 + 1:02d}T10:00:00Z",
                "themes": [{"id": "export-controls", "score": 1.0, "evidence": []}] if j % 2 else [],
            })
        # also touch older items so commits rewrite existing entries, not only append
        if batch:
            items.append({"id": f"b{batch - 1}-0", "feed": "https://f0.example/rss", "title": f"re {batch}",
                          "summary": "y", "themes": [], "published": f"2025-0{(batch - 1) % 3 + 4}-01T10:00:00Z"})
        store.upsert_items(items, now=now)
        store.set_feed_state("https://f0.example/rss", {"batch": batch})
        store.commit()
        print(f"C {batch}", flush=True)
        store.set_flags([f"b{batch}-1", f"b{batch}-2"], starred=True)
        print(f"F {batch}", flush=True)
        batch += 1
    """
)


def _recount(store: Store) -> dict:
    out: dict = {}
    for it in store.items():
        c = out.setdefault(it["published"][:10], {"total": 0, "unread": 0, "starred": 0, "other": 0})
        c["total"] += 1
        c["unread"] += not it["read"]
        c["starred"] += it["starred"]
        for t in {t["id"] for t in it["themes"]}:
            c[t] = c.get(t, 0) + 1
        if not it["themes"]:
            c["other"] += 1
    return dict(sorted(out.items()))


def test_sigkill_at_random_moments_never_loses_committed_work(tmp_path: Path) -> None:
    db = tmp_path / "db"
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    rng = random.Random(20250615)
    committed: set[int] = set()
    flagged: set[int] = set()
    next_batch = 0
    kills = 0
    deadline = time.monotonic() + 60
    while kills < 18 and time.monotonic() < deadline:
        proc = subprocess.Popen(
            [sys.executable, str(script), str(db), str(next_batch), str(ROOT)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        # Let it start and write a little, then kill it somewhere in its loop.
        time.sleep(rng.uniform(0.25, 0.7))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL, err
        kills += 1
        for line in out.splitlines():
            kind, number = line.split()
            (committed if kind == "C" else flagged).add(int(number))
        with Store.open(db) as store:  # writable: also cleans the killed writer's temp files
            assert store.check() == []
            stored = {i["id"]: i for i in store.items()}
            for batch in committed:
                for j in range(25):
                    assert f"b{batch}-{j}" in stored, (batch, j, kills)
            for batch in flagged:
                assert stored[f"b{batch}-1"]["starred"] and stored[f"b{batch}-2"]["starred"]
            assert store.day_counts() == _recount(store)
            assert store.total_items() == len(stored)
            if committed:
                assert store.feed_states()["https://f0.example/rss"]["batch"] >= max(committed)
        assert not list(db.glob(".*.tmp"))
        next_batch = max(committed | {next_batch - 1}) + 1
    assert kills >= 15
    assert len(committed) >= 10, "the writer never got far enough for the test to mean anything"


CONCURRENT = textwrap.dedent(
    """
    import sys, datetime
    sys.path.insert(0, sys.argv[3])
    from store import Store
    db, name = sys.argv[1], sys.argv[2]
    now = datetime.datetime(2025, 6, 15, 12, 0)
    store = Store.open(db)
    for batch in range(12):
        items = [{"id": f"{name}-{batch}-{j}", "feed": f"https://{name}.example/rss", "title": "t",
                  "summary": "s", "themes": [], "published": f"2025-0{4 + j % 3}-{j + 1:02d}T10:00:00Z"}
                 for j in range(10)]
        store.upsert_items(items, now=now)
        store.set_meta(name, batch)
        store.commit()
        store.set_flags([f"{name}-{batch}-0"], starred=True)
    print("done", flush=True)
    """
)


def test_two_processes_committing_at_once_lose_nothing(tmp_path: Path) -> None:
    db = tmp_path / "db"
    script = tmp_path / "concurrent.py"
    script.write_text(CONCURRENT)
    procs = [
        subprocess.Popen([sys.executable, str(script), str(db), name, str(ROOT)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("alpha", "beta", "gamma")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert out.strip() == "done", err
    with Store.open(db, readonly=True) as store:
        stored = {i["id"]: i for i in store.items()}
        assert len(stored) == 3 * 12 * 10
        assert all(stored[f"{n}-{b}-0"]["starred"] for n in ("alpha", "beta", "gamma") for b in range(12))
        assert [store.meta(n) for n in ("alpha", "beta", "gamma")] == [11, 11, 11]
        assert store.day_counts() == _recount(store)
        assert store.feed_item_counts() == {f"https://{n}.example/rss": 120 for n in ("alpha", "beta", "gamma")}
