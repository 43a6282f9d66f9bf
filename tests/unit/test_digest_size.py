"""A busy week stays a digest a person reads in five minutes: <= 150 bullets, <= 120 KB.

1,200 invented items from 30 feeds in a real store (see ``digest_fixtures.week_of_news``);
the figures themselves are printed by ``tests/perf/bench_digest.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from briefing.digest import DigestOptions
from briefing.model import week_range
from briefing.themes import load_builtin
from core.export import ExportRequest, build
from digest_fixtures import NOW, seed_store, week_of_news
from store import Store

MD = MarkdownIt("commonmark").enable("table")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("week") / "db"
    seed_store(path, week_of_news())
    s = Store.open(path, readonly=True)
    yield s
    s.close()


def bullets(text: str) -> int:
    return sum(1 for t in MD.parse(text) if t.type == "list_item_open")


def test_a_week_of_1200_items_fits_in_150_bullets_and_120_kb(store) -> None:
    start, end = week_range(NOW.date())
    digest = build(store, load_builtin(), ExportRequest(start=start, end=end, week=True), now=NOW, version="t")
    size = len(digest.text.encode("utf-8"))
    assert digest.matched == 1200
    assert bullets(digest.text) <= 150 and size <= 120 * 1024, (bullets(digest.text), size)
    # every section is full and says how many more there are
    assert digest.text.count("\nand ") == 11 and digest.stories == 110
    everything = build(store, load_builtin(), ExportRequest(start=start, end=end, week=True,
                                                            options=DigestOptions(per_theme=None)), now=NOW, version="t")
    assert everything.stories == digest.stories + digest.more  # --all lists what the cap left out
