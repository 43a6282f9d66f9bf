"""Archive search latency: ``/`` without a date token on a 50,000-item store.

Run: ``.venv/bin/python tests/perf/bench_search.py [--items 50000] [--dir DIR]``

Builds (or reuses, with ``--dir``) an archive of synthetic items spread over a year, then
measures through ``Services.views`` — exactly what the briefing's load worker iterates — the
time to the first view on screen and to the complete search, for queries of different
selectivity, on a freshly opened store (cold: months not parsed yet) and again (warm), and a
typed query (one search per keystroke, as the live filter runs). Target: first results
<= 0.3 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.session import Services, ViewRequest  # noqa: E402
from store import Store  # noqa: E402
from bench_store import build_archive  # noqa: E402  (beside this script)
from store.home import HomePaths  # noqa: E402

END = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
QUERIES = {
    "few matches": "item 4999",
    "many matches (limit)": "word13",
    "theme token": "+gray-market squeeze",
    "no match (whole walk)": "zzyzx",
}


def run(services: Services, text: str) -> tuple[float, float, int, int]:
    """(seconds to first view, seconds to complete, views yielded, matches shown)."""
    request = ViewRequest(day=END.date(), query=text)
    t0 = time.perf_counter()
    first = None
    count = 0
    view = None
    for view in services.views(request):
        count += 1
        if first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    assert view is not None and view.archive
    return first or total, total, count, view.shown


def open_services(home: Path) -> tuple[Services, Store]:
    paths = HomePaths(home)
    store = Store.open(paths.db_dir)
    services = Services(paths, clock=lambda: END, store=store)
    # What the app has done before anyone can type: themes loaded, the modules imported.
    # "Cold" below means no month of the archive parsed yet.
    services.themes
    import briefing.model, briefing.query, core.search  # noqa: E401, F401

    return services, store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--dir", type=Path, help="keep the archive here (built once)")
    args = parser.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="chipwire-search-"))
    home = base / "home"
    paths = HomePaths(home)
    paths.ensure()
    with Store.open(paths.db_dir) as probe:
        stored = probe.total_items()
    if stored != args.items:
        t0 = time.perf_counter()
        build_archive(paths.db_dir, args.items, end=END)
        print(f"built {args.items} items in {time.perf_counter() - t0:.1f} s ({paths.db_dir})")
    print(f"archive: {args.items} items, {len(list(paths.db_dir.glob('items-*.json')))} month files")
    print(f"{'query':<24} {'':>5} {'first':>8} {'complete':>9} {'views':>6} {'shown':>6}")
    for label, text in QUERIES.items():
        services, store = open_services(home)  # cold: a fresh process's first search
        try:
            for phase in ("cold", "warm"):
                first, total, views, shown = run(services, text)
                print(f"{label:<24} {phase:>5} {first * 1000:7.0f}ms {total * 1000:8.0f}ms {views:6d} {shown:6d}")
        finally:
            store.close()
    services, store = open_services(home)
    try:
        typed = "export"
        firsts = [run(services, typed[: n + 1])[0] for n in range(len(typed))]
        print(f"typed {typed!r} one search per key: first results median {statistics.median(firsts) * 1000:.0f} ms,"
              f" max {max(firsts) * 1000:.0f} ms")
    finally:
        store.close()


if __name__ == "__main__":
    main()
