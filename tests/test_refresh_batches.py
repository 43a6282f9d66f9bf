"""Big refreshes are stored in batches: same items, stories and counts as one commit, and a stop
keeps what was stored. Real loopback server, real store; the batch size is made small here."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import core.refresh.run as run_module
from core.refresh import RefreshReport, refresh
from faultserver import FaultServer
from feeds.subscriptions import Subscription
from store import Store
from test_refresh import NOW, by_url, fast_settings, make_home, rss

FEEDS = 30
PER_FEED = 10
STORIES = 40


def register(server: FaultServer) -> list[str]:
    """30 feeds whose items share headlines across feeds (cross-feed stories), plus a
    cross-posted guid and an entry older than the retention window in some of them."""
    urls = []
    for i in range(FEEDS):
        items = [(f"{i}-{j}", f"Nvidia H20 export licence case {(i * PER_FEED + j) % STORIES} reviewed by Commerce")
                 for j in range(PER_FEED)]
        if i % 7 == 0:
            items.append(("shared", "TSMC Arizona fab ships first wafers"))
        body = rss(items)
        if i % 5 == 0:
            old = ("<item><title>Old SMIC news</title><guid>urn:test:old-%d</guid>"
                   "<pubDate>Mon, 01 Jan 2001 00:00:00 GMT</pubDate></item>") % i
            body = body.replace(b"</channel>", old.encode() + b"</channel>")
        urls.append(server.register_feed(f"/batch/{i}.xml", body))
    return urls


def snapshot(paths) -> dict[str, tuple]:
    store = Store.open(paths.db_dir, readonly=True)
    try:
        return {i["id"]: (i["story"], i["feed"], tuple(i["themes"])) for i in store.items()}
    finally:
        store.close()


def story_groups(items: dict[str, tuple]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for item_id, (story, _feed, _themes) in items.items():
        groups.setdefault(story, set()).add(item_id)
    return {frozenset(g) for g in groups.values()}


def run(paths, connections: int = 3, **kw) -> RefreshReport:
    return refresh(paths, settings=fast_settings(concurrency=connections, per_host=connections), now=NOW, **kw)


def test_batches_store_what_one_commit_stores(tmp_path: Path, faultserver: FaultServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    faultserver.latency = 0.08  # ten rounds of three requests: the run spans several ticks
    urls = register(faultserver)
    single_home = make_home(tmp_path, [Subscription(u) for u in urls], "single")
    batched_home = make_home(tmp_path, [Subscription(u) for u in urls], "batched")

    single = run(single_home)
    assert single.commits == 1  # an ordinary refresh stays one commit
    monkeypatch.setattr(run_module, "BATCH_ITEMS", 25)
    monkeypatch.setattr(run_module, "TICK_SECONDS", 0.02)
    batched = run(batched_home)
    assert batched.commits > 2

    assert sorted(batched.new_ids) == sorted(single.new_ids)
    assert len(single.new_ids) == FEEDS * PER_FEED + 1  # the cross-posted guid once, no old ones
    one, many = snapshot(single_home), snapshot(batched_home)
    assert one.keys() == many.keys()
    assert story_groups(many) == story_groups(one)
    assert max(len(g) for g in story_groups(one)) > 2  # stories really span feeds (and batches)
    assert {k: v[2] for k, v in many.items()} == {k: v[2] for k, v in one.items()}
    a, b = by_url(single), by_url(batched)
    # A cross-posted guid is stored once and counted new once; in one commit the first
    # subscription owns it, across batches the feed whose batch was stored first does.
    assert one["urn:test:shared"][1] == urls[0]
    assert many["urn:test:shared"][1] in urls[::7]
    assert sum(o.new for o in batched.outcomes) == sum(o.new for o in single.outcomes)
    for url in urls:
        shared = 1 if many["urn:test:shared"][1] == url else 0
        assert (b[url].status, b[url].entries, b[url].new) == (a[url].status, a[url].entries, PER_FEED + shared)
        assert "older than the retention" in b[url].message or urls.index(url) % 5
    assert sum(1 for v in many.values() if v[0] is not None) == len(many)


def test_a_stop_keeps_every_stored_batch(tmp_path: Path, faultserver: FaultServer,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    faultserver.latency = 0.08
    urls = register(faultserver)
    paths = make_home(tmp_path, [Subscription(u) for u in urls])
    monkeypatch.setattr(run_module, "BATCH_ITEMS", 25)
    monkeypatch.setattr(run_module, "TICK_SECONDS", 0.02)
    stop = threading.Event()

    def on_progress(done: int, total: int, _outcome) -> None:
        if done >= 5:
            stop.set()

    report = run(paths, connections=1, on_progress=on_progress, stop=stop)  # one at a time: ~2.4 s
    assert report.interrupted
    stored = snapshot(paths)
    assert 0 < len(stored) < FEEDS * PER_FEED
    assert sorted(stored) == sorted(report.new_ids)
    skipped = [o for o in report.outcomes if o.status == "skipped"]
    assert skipped and all("interrupted" in o.message for o in skipped)
    rest = run(paths)  # the feeds cut short were left as they were: this run brings them
    assert not rest.interrupted
    assert len(snapshot(paths)) == FEEDS * PER_FEED + 1
