#!/usr/bin/env python3
"""How big a busy week's digest is, and how long it takes to build: figures, not asserts.

    python tests/perf/bench_digest.py                 # 1,200 items, 30 feeds, one ISO week
    python tests/perf/bench_digest.py --items 3000

Seeds a real store in a temporary folder with ``digest_fixtures.week_of_news`` (invented
items), builds the week's digest with the default cap and with ``--all``, and prints the
bullets (Markdown list items, the opening five included), the size in KB and the build time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ for digest_fixtures

from markdown_it import MarkdownIt  # noqa: E402

from briefing.digest import DigestOptions  # noqa: E402
from briefing.model import week_range  # noqa: E402
from briefing.themes import load_builtin  # noqa: E402
from core.export import ExportRequest, build  # noqa: E402
from digest_fixtures import NOW, seed_store, week_of_news  # noqa: E402
from store import Store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1200)
    parser.add_argument("--feeds", type=int, default=30)
    args = parser.parse_args()
    md = MarkdownIt("commonmark").enable("table")
    start, end = week_range(NOW.date())
    with tempfile.TemporaryDirectory() as tmp:
        seed_store(Path(tmp) / "db", week_of_news(start, args.items, args.feeds))
        store = Store.open(Path(tmp) / "db", readonly=True)
        themes = load_builtin()
        for name, per_theme in (("default (10 a theme)", 10), ("--all", None)):
            request = ExportRequest(start=start, end=end, week=True, options=DigestOptions(per_theme=per_theme))
            began = time.perf_counter()
            digest = build(store, themes, request, now=NOW, version="bench")
            took = time.perf_counter() - began
            bullets = sum(1 for t in md.parse(digest.text) if t.type == "list_item_open")
            size = len(digest.text.encode("utf-8")) / 1024
            print(f"{name:22} {digest.matched} items -> {bullets} bullets ({digest.stories} stories listed, "
                  f"{digest.more} behind 'more' lines), {size:.1f} KB, built in {took * 1000:.0f} ms")
        store.close()


if __name__ == "__main__":
    main()
