"""Store benchmark: refresh and starring costs against archive size.

Run: ``python tests/perf/bench_store.py [--items 50000] [--dir DIR]``. Importable: ``bench_store()`` returns
the figures as a dict (the project benchmark calls it). Builds the archive directly through the
Store (one commit per month), so building is not what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout, like the other benches

from store import Store  # noqa: E402

THEMES = ["compute-bottleneck", "export-controls", "compliant-chips", "gray-market", "enforcement"]


def make_item(n: int, published: datetime, *, prefix: str = "item", feed_count: int = 40) -> dict:
    """A realistic item: ~1 KB summary, one or two themes, a couple of entities."""
    words = " ".join(f"word{(n * 7 + k) % 997}" for k in range(150))
    return {
        "id": f"https://example.com/{prefix}/{n}",
        "feed": f"https://feed{n % feed_count}.example.com/rss",
        "feed_title": f"Feed {n % feed_count}",
        "title": f"Item {n}: accelerators, export controls and the compute squeeze",
        "link": f"https://example.com/{prefix}/{n}",
        "openable": True,
        "summary": words[:1000],
        "author": "Reporter",
        "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "published_estimated": False,
        "themes": [{"id": THEMES[n % len(THEMES)], "score": 0.8, "evidence": ["H20"]}] if n % 3 else [],
        "entities": [{"name": "Nvidia", "kind": "company"}],
        "story": f"https://example.com/{prefix}/{n}",
    }


def build_archive(db_dir: Path, count: int, *, end: datetime) -> None:
    """``count`` items spread evenly over the 365 days before ``end``."""
    step = timedelta(days=365) / max(count, 1)
    by_month: dict[str, list[dict]] = {}
    for n in range(count):
        item = make_item(n, end - step * (n + 1))
        by_month.setdefault(item["published"][:7], []).append(item)
    with Store.open(db_dir) as store:
        for items in by_month.values():
            store.upsert_items(items, now=end)
            store.commit()


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_store(archive_sizes: tuple[int, ...] = (5000, 50000), refresh_new: int = 500, base: Path | None = None) -> dict:
    """Measure refresh (cold open + upsert + commit) and starring for each archive size.

    Returns ``{size: {"refresh_cold_s", "refresh_warm_s", "star_median_ms", "day_items_ms", ...}}``.
    """
    now = datetime(2025, 6, 15, 12, 0, tzinfo=timezone.utc)
    results: dict = {"loadavg_1m": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory(dir=base) as tmp:
        for size in archive_sizes:
            db_dir = Path(tmp) / f"db{size}"
            t_build = _time(lambda: build_archive(db_dir, size, end=now))
            fig: dict = {"build_s": round(t_build, 2)}
            # A refresh in a fresh process: open, upsert 500 new items over the last 2 months, commit.
            colds, cold_cpu = [], []
            for rep in range(3):
                fresh = [make_item(n, now - timedelta(days=(n % 40) + 0.5), prefix=f"new{rep}") for n in range(refresh_new)]

                def refresh(items=fresh) -> None:
                    with Store.open(db_dir) as store:
                        with store.writer():
                            store.upsert_items(items, now=now)
                            store.set_meta("last_refresh", "2025-06-15T12:00:00Z")
                            store.commit()

                c0 = time.process_time()
                colds.append(_time(refresh))
                cold_cpu.append(time.process_time() - c0)
            fig["refresh_cold_s"] = round(statistics.median(colds), 3)
            fig["refresh_cold_cpu_s"] = round(statistics.median(cold_cpu), 3)
            fig["refresh_cold_all_s"] = [round(t, 3) for t in colds]
            fig["refresh_months"] = sorted({i["published"][:7] for i in fresh})
            store = Store.open(db_dir)
            store.items(start=(now - timedelta(days=60)).date())  # warm the two months
            again = [make_item(n, now - timedelta(days=(n % 40) + 0.5), prefix="warm") for n in range(refresh_new)]

            def warm_refresh() -> None:
                store.upsert_items(again, now=now)
                store.commit()

            fig["refresh_warm_s"] = round(_time(warm_refresh), 3)
            day = (now - timedelta(days=3)).date()
            store.items(start=day, end=day)
            fig["day_items_ms"] = round(_time(lambda: store.items(start=day, end=day)) * 1000, 2)
            ids = [i["id"] for i in store.items(start=day, end=day)]
            stars, cpu = [], []
            for k in range(30):
                c0 = time.process_time()
                stars.append(_time(lambda k=k: store.set_flags([ids[k % len(ids)]], starred=bool(k % 2 == 0))))
                cpu.append(time.process_time() - c0)
            fig["star_median_ms"] = round(statistics.median(stars) * 1000, 2)
            fig["star_cpu_median_ms"] = round(statistics.median(cpu) * 1000, 2)
            fig["day_counts_ms"] = round(_time(store.day_counts) * 1000, 2)
            fig["total_items"] = store.total_items()
            fig["db_mb"] = round(sum(p.stat().st_size for p in db_dir.iterdir()) / 1e6, 1)
            store.close()
            results[size] = fig
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="*", default=[5000, 50000])
    parser.add_argument("--dir", type=Path, default=None, help="where to build temp archives")
    args = parser.parse_args()
    print(json.dumps(bench_store(tuple(args.items), base=args.dir), indent=2))


if __name__ == "__main__":
    main()
