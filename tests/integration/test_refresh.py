"""The refresh pipeline end to end against the loopback fault server.

Real parts only: ``core.refresh.refresh`` fetching from a FaultServer on 127.0.0.1, parsing,
tagging and writing a real store in ``tmp_path``; the CLI runs as a real process. Timeouts are
small (1 s connect/read, 3 s deadline) so every fault costs at most a few seconds, and the
feeds are dated around the fault server's fixed epoch with ``now`` frozen just after it, so
retention never prunes what a test just stored.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from faultserver import FEED_EPOCH, FaultServer, make_rss

from feeds.subscriptions import Subscription, save_subscriptions
from store import Store, StoreLocked
from store.home import HomePaths
import core.refresh.parsing as parsing
from core.refresh import RefreshReport, iso, refresh
from core.settings import FetchConfig, Settings

ROOT = Path(__file__).resolve().parents[2]
#: Shortly after the fault server's feeds were "published": nothing is pruned, nothing is in the future.
NOW = datetime.fromtimestamp(FEED_EPOCH, timezone.utc).replace(minute=0, second=0) + timedelta(hours=2)
#: Long enough for a four-request redirect chain on a loaded 2-core machine while the server
#: streams bombs to other feeds (2 s was seen to flake), short enough to keep the file fast.
DEADLINE = 3.0
MAX_BYTES = 256 * 1024


def fast_settings(**fetch: object) -> Settings:
    """Small timeouts, a small body cap, and no per-host limit worth speaking of.

    Every feed here lives on one host (127.0.0.1:port); with the default politeness limit of 3
    the faults would queue behind each other and the refresh would take many deadlines.
    """
    config = dict(connect_timeout=1, read_timeout=1, deadline=DEADLINE, max_bytes=MAX_BYTES,
                  concurrency=64, per_host=64)
    config.update(fetch)
    return Settings(fetch=FetchConfig(**config))  # type: ignore[arg-type]


def make_home(tmp_path: Path, subs: list[Subscription], name: str = "home") -> HomePaths:
    paths = HomePaths(tmp_path / name).ensure()
    save_subscriptions(paths.feeds_file, subs)
    return paths


def read_store(paths: HomePaths) -> Store:
    return Store.open(paths.db_dir, readonly=True)


def by_url(report: RefreshReport) -> dict:
    return {o.url: o for o in report.outcomes}


def items_files(paths: HomePaths) -> dict[str, tuple[int, int, int]]:
    """(inode, mtime_ns, size) of every items month file: any rewrite changes at least one."""
    out = {}
    for p in sorted(paths.db_dir.glob("items-*.json")):
        st = p.stat()
        out[p.name] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def rss(items: list[tuple[str, str]], *, title: str = "Loopback wire", extra: str = "") -> bytes:
    """A small RSS document; ``items`` are (guid suffix, title) pairs, all dated before NOW."""
    date = "Fri, 28 Nov 2025 01:00:00 GMT"
    body = "".join(
        f"<item><title>{t}</title><link>http://example.com/{g}</link><guid>urn:test:{g}</guid>"
        f"<pubDate>{date}</pubDate><description>Nvidia H20 chips and export controls.</description></item>"
        for g, t in items
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.com/</link><description>d</description>{extra}{body}</channel></rss>").encode()


def cli(home: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, CHIPWIRE_HOME=str(home), CHIPWIRE_NOW=iso(NOW))
    full_env.pop("CHIPWIRE_CONFIG", None)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env=full_env, timeout=120)


def write_fast_config(paths: HomePaths, extra: str = "") -> None:
    paths.config_file.write_text(
        "[fetch]\nconnect_timeout = 1.0\nread_timeout = 1.0\ndeadline = 3.0\nmax_bytes = \"256KiB\"\n"
        "concurrency = 64\nper_host = 64\n" + extra,
        encoding="utf-8",
    )


# --------------------------------------------------------------------------- 1. every fault at once

#: fault endpoint -> (status, error_kind, http_status) expected in the report and in the store.
FAULT_OUTCOMES: dict[str, tuple[str, str | None, int | None]] = {
    "slow": ("error", "timeout", None),  # 30 s before a byte: the 1 s read timeout ends it
    "trickle": ("error", "deadline", None),  # a byte every 0.25 s beats the read timeout, not the deadline
    "stall": ("error", "timeout", None),  # half the promised body, then silence
    "status/500": ("error", "http", 500),
    "status/404": ("error", "http", 404),
    "429": ("error", "http", 429),
    "429-date": ("error", "http", 429),
    "503": ("error", "http", 503),
    "redirect/302/3": ("ok", None, 200),
    "redirect/301/3": ("ok", None, 200),
    "loop": ("error", "redirect-loop", 302),
    "loop-a": ("error", "redirect-loop", 302),
    "too-many": ("error", "too-many-redirects", 302),
    "no-location": ("error", "http", 302),
    "to-file": ("error", "bad-redirect-scheme", 302),
    "html": ("error", "not-a-feed", 200),
    "truncated": ("ok", None, 200),
    "gzip": ("ok", None, 200),
    "deflate-raw": ("ok", None, 200),
    "br": ("ok", None, 200),
    "gzip-bomb": ("error", "too-large", 200),
    "br-bomb": ("error", "too-large", 200),
    "corrupt-gzip": ("error", "decode", 200),
    "huge": ("error", "too-large", 200),
    "huge-chunked": ("error", "too-large", 200),
}


def test_one_refresh_with_good_feeds_and_every_fault(tmp_path: Path, faultserver: FaultServer) -> None:
    faultserver.trickle_interval = 0.25
    faultserver.warm_bombs()  # building the bombs is the server's cost, not the refresh's
    good = [faultserver.feed_url(i) for i in (1, 2, 3)]
    faults = {name: faultserver.fault_url(name) for name in FAULT_OUTCOMES}
    paths = make_home(tmp_path, [Subscription(u) for u in good + list(faults.values())])

    started = time.perf_counter()
    report = refresh(paths, settings=fast_settings(), now=NOW)
    wall = time.perf_counter() - started

    outcomes = by_url(report)
    assert set(outcomes) == set(good) | set(faults.values())
    for name, (status, kind, http_status) in FAULT_OUTCOMES.items():
        o = outcomes[faults[name]]
        assert (o.status, o.error_kind, o.http_status) == (status, kind, http_status), (name, o.message)
        assert o.message, name
        # No single feed may cost more than its deadline, whatever the server does.
        assert o.elapsed <= DEADLINE + 0.5, (name, o.elapsed)
    for url in good:
        assert (outcomes[url].status, outcomes[url].entries, outcomes[url].new) == ("ok", 20, 20)
    # The whole refresh is bounded by one deadline (feeds run side by side) plus CPU work (pool
    # start-up, tagger compile, parsing) that a loaded 2-core machine stretches; the faults
    # themselves would hold it for 30 s (slow), minutes (trickle) or 120 s (stall).
    assert wall < DEADLINE + 12, wall
    assert report.exit_code == 1
    assert len(report.failed) == sum(1 for s, _, _ in FAULT_OUTCOMES.values() if s == "error")

    # Retry-After in seconds and as an HTTP-date both become the next allowed fetch.
    assert "retry after 120 s" in outcomes[faults["429"]].message
    # Truncated XML: bozo is advisory; the entries that parsed whole are kept, with a warning.
    truncated = outcomes[faults["truncated"]]
    assert truncated.warning and 0 < truncated.entries < 20
    # A permanent redirect chain reports where the feed now lives.
    assert outcomes[faults["redirect/301/3"]].moved_to == faultserver.feed_url(0)
    assert outcomes[faults["redirect/302/3"]].moved_to is None

    store = read_store(paths)
    states = store.feed_states()
    for name, (status, kind, http_status) in FAULT_OUTCOMES.items():
        if status != "error":
            continue
        state = states[faults[name]]
        assert state["status"] == "error" and state["error_kind"] == kind and state["http_status"] == http_status, name
        assert state["consecutive_failures"] == 1, name
        assert state["last_attempt"] == iso(NOW), name
        assert "last_success" not in state, name
    retry_at = {name: datetime.fromisoformat(states[faults[name]]["next_fetch"].replace("Z", "+00:00")) - NOW
                for name in ("429", "429-date", "503")}
    assert retry_at["429"] == timedelta(seconds=120)
    assert timedelta(seconds=110) <= retry_at["429-date"] <= timedelta(seconds=121)
    assert retry_at["503"] == timedelta(seconds=30)
    assert states[faults["status/500"]]["next_fetch"] is None  # no Retry-After: due next time

    counts = store.feed_item_counts()
    for url in good:
        assert counts[url] == 20 and states[url]["status"] == "ok" and states[url]["consecutive_failures"] == 0
    # Every fault that ends in feed 0 delivers the same 20 guids: stored once, not once per feed.
    feed0 = {f"urn:bench:0:{j}" for j in range(20)}
    stored = {i["id"]: i for i in store.items()}
    assert feed0 <= set(stored)
    assert len(stored) == 3 * 20 + 20
    assert sum(counts.values()) == len(stored)
    # ...owned by the first subscription that carries them, whichever download finished first.
    assert counts[faults["redirect/302/3"]] == 20 and outcomes[faults["redirect/302/3"]].new == 20
    assert all(outcomes[faults[n]].new == 0 for n in ("gzip", "br", "deflate-raw", "truncated"))
    assert report.updated_ids == [] and len(report.new_ids) == len(set(report.new_ids)) == 80
    for url in good:
        assert all(t["id"] for i in stored.values() if i["feed"] == url for t in i["themes"])
    # Gzip, brotli and raw deflate bodies decode to the same titles the plain feed has.
    plain = make_rss(0, 20, faultserver.base_url).decode()
    assert all(stored[i]["title"] in plain for i in feed0)
    # Nothing from the refused bodies (HTML page, bombs, 60 MiB) slipped into the store.
    assert all(i["id"].startswith("urn:bench:") for i in stored.values())
    # The 301 chain moved its subscription (and its state) to the final URL.
    text = paths.feeds_file.read_text(encoding="utf-8")
    assert faults["redirect/301/3"] not in text and faultserver.feed_url(0) in text
    assert faults["redirect/302/3"] in text
    assert faults["redirect/301/3"] not in states and states[faultserver.feed_url(0)]["status"] == "ok"


def test_cli_refresh_json_exit_codes(tmp_path: Path, faultserver: FaultServer) -> None:
    good = faultserver.feed_url(1)
    bad = {faultserver.fault_url("status/500"): ("http", 500), faultserver.fault_url("to-file"): ("bad-redirect-scheme", 302),
           faultserver.fault_url("html"): ("not-a-feed", 200)}
    paths = make_home(tmp_path, [Subscription(good)] + [Subscription(u) for u in bad])
    write_fast_config(paths)

    r = cli(paths.root, "refresh", "--json")
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["exit_code"] == 1 and doc["failed"] == 3 and doc["new"] == 20
    feeds = {f["url"]: f for f in doc["feeds"]}
    assert feeds[good]["status"] == "ok" and feeds[good]["new"] == 20
    for url, (kind, code) in bad.items():
        assert (feeds[url]["status"], feeds[url]["error_kind"], feeds[url]["http_status"]) == ("error", kind, code)
    assert "Traceback" not in r.stderr
    # The real process tells the server who is polling, with the version, without looking up
    # package metadata at start-up (the CLI passes core.version's string down).
    from core.version import USER_AGENT, __version__

    [req] = faultserver.requests_for("/feed/1.xml")
    assert req.headers["user-agent"] == USER_AGENT and USER_AGENT.startswith(f"chipwire/{__version__} (")

    # Only the good feed: every feed fine -> exit 0 (the 304 is not a failure).
    r = cli(paths.root, "refresh", "--json", "--force", "--feed", good)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [(f["url"], f["status"], f["http_status"]) for f in doc["feeds"]] == [(good, "not-modified", 304)]
    assert doc["exit_code"] == 0 and doc["new"] == 0

    # The human-readable form says FAIL for the broken ones and still exits 1.
    r = cli(paths.root, "refresh")
    assert r.returncode == 1
    assert r.stdout.count("FAIL") == 3 and "3 failed" in r.stdout
    states = read_store(paths).feed_states()
    assert all(states[u]["consecutive_failures"] == 2 for u in bad)


# --------------------------------------------------------------------------- 2. conditional GET


def test_conditional_get_304_writes_no_items_file(tmp_path: Path, faultserver: FaultServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    etag_feed = faultserver.feed_url(4)  # strong ETag + Last-Modified
    lm_only = faultserver.register_feed("/lm-only.xml", rss([("lm1", "TSMC adds CoWoS capacity")]),
                                        etag=False, last_modified=float(FEED_EPOCH))
    paths = make_home(tmp_path, [Subscription(etag_feed), Subscription(lm_only)])
    first = refresh(paths, settings=fast_settings(), now=NOW)
    assert [o.status for o in first.outcomes] == ["ok", "ok"]
    before = items_files(paths)
    assert before

    parsed: list[str] = []
    real = parsing.parse_and_tag

    def spy(body, url, *args):  # type: ignore[no-untyped-def]
        parsed.append(url)
        return real(body, url, *args)

    monkeypatch.setattr(parsing, "parse_and_tag", spy)
    faultserver.clear_log()
    later = NOW + timedelta(hours=1)
    second = refresh(paths, settings=fast_settings(), now=later, force=True)
    outcomes = by_url(second)
    assert (outcomes[etag_feed].status, outcomes[etag_feed].http_status) == ("not-modified", 304)
    assert (outcomes[lm_only].status, outcomes[lm_only].http_status) == ("not-modified", 304)
    assert second.new_ids == [] and second.updated_ids == [] and parsed == []
    assert second.exit_code == 0
    assert items_files(paths) == before  # no item file rewritten; only state.json may change
    (req,) = faultserver.requests_for("/feed/4.xml")
    assert req.headers["if-none-match"].strip('"')
    (req,) = faultserver.requests_for("/lm-only.xml")
    assert "if-none-match" not in req.headers and req.headers["if-modified-since"]
    states = read_store(paths).feed_states()
    assert states[etag_feed]["status"] == "not-modified" and states[etag_feed]["last_success"] == iso(later)
    assert read_store(paths).feed_item_counts()[etag_feed] == 20


def test_a_304_that_brings_a_new_etag_is_remembered(tmp_path: Path, faultserver: FaultServer) -> None:
    """A 304 may carry validators; the next request must send the new ETag, not the old one."""
    body = rss([("e1", "Nvidia H20 shipments resume")])
    url = faultserver.register_feed("/validators.xml", body, etag=False, last_modified=float(FEED_EPOCH))
    paths = make_home(tmp_path, [Subscription(url)])
    assert refresh(paths, settings=fast_settings(), now=NOW).outcomes[0].status == "ok"
    assert read_store(paths).feed_states()[url].get("etag") is None
    # Same content; the server now also labels it with an ETag, sent along with the 304.
    faultserver.register_feed("/validators.xml", body, etag='"v2"', last_modified=float(FEED_EPOCH))
    second = refresh(paths, settings=fast_settings(), now=NOW + timedelta(hours=1), force=True)
    assert second.outcomes[0].status == "not-modified"
    assert read_store(paths).feed_states()[url]["etag"] == '"v2"'
    faultserver.clear_log()
    third = refresh(paths, settings=fast_settings(), now=NOW + timedelta(hours=2), force=True)
    assert third.outcomes[0].status == "not-modified"
    (req,) = faultserver.requests_for("/validators.xml")
    assert req.headers["if-none-match"] == '"v2"'


def test_same_body_without_validators_is_unchanged_and_not_parsed(tmp_path: Path, faultserver: FaultServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    url = faultserver.register_feed("/plain.xml", rss([("p1", "Huawei Ascend 910C ramps"), ("p2", "SMIC 5nm")]),
                                    etag=False, last_modified=False)
    paths = make_home(tmp_path, [Subscription(url)])
    assert refresh(paths, settings=fast_settings(), now=NOW).outcomes[0].status == "ok"
    before = items_files(paths)

    parsed: list[str] = []
    real = parsing.parse_and_tag
    monkeypatch.setattr(parsing, "parse_and_tag", lambda body, u, *a: parsed.append(u) or real(body, u, *a))
    faultserver.clear_log()
    report = refresh(paths, settings=fast_settings(), now=NOW + timedelta(minutes=5), force=True)
    (o,) = report.outcomes
    assert (o.status, o.http_status, o.entries, o.new) == ("unchanged", 200, 0, 0)
    (req,) = faultserver.requests_for("/plain.xml")
    assert "if-none-match" not in req.headers and "if-modified-since" not in req.headers  # a full GET
    assert parsed == []  # the content hash matched: the body was never parsed
    assert items_files(paths) == before

    # A changed body is parsed again; the spy proves it can see a parse.
    faultserver.register_feed("/plain.xml", rss([("p1", "Huawei Ascend 910C ramps"), ("p3", "CXMT HBM3")]),
                              etag=False, last_modified=False)
    report = refresh(paths, settings=fast_settings(), now=NOW + timedelta(minutes=10))
    assert report.outcomes[0].status == "ok" and report.new_ids == ["urn:test:p3"]
    assert parsed == [url]


# --------------------------------------------------------------------------- 3. updated entries


def test_updated_entry_keeps_read_and_starred(tmp_path: Path, faultserver: FaultServer) -> None:
    url = faultserver.register_feed("/upd.xml", rss([("u1", "Nvidia H20 sales paused"), ("u2", "BIS adds firms")]))
    paths = make_home(tmp_path, [Subscription(url)])
    refresh(paths, settings=fast_settings(), now=NOW)
    with Store.open(paths.db_dir) as store:
        assert store.set_flags(["urn:test:u1"], read=True, starred=True) == 1
    first = read_store(paths).get("urn:test:u1")
    assert first is not None

    faultserver.register_feed("/upd.xml", rss([("u1", "Nvidia H20 sales resume in China"), ("u2", "BIS adds firms")]))
    later = NOW + timedelta(hours=1)
    report = refresh(paths, settings=fast_settings(), now=later)
    (o,) = report.outcomes
    assert (o.status, o.new, o.updated) == ("ok", 0, 1)
    assert report.updated_ids == ["urn:test:u1"] and report.new_ids == []
    item = read_store(paths).get("urn:test:u1")
    assert item is not None
    assert item["title"] == "Nvidia H20 sales resume in China"
    assert item["read"] is True and item["starred"] is True
    assert item["fetched"] == first["fetched"] == iso(NOW) and item["updated"] == iso(later)
    untouched = read_store(paths).get("urn:test:u2")
    assert untouched is not None and untouched["updated"] == iso(NOW) and untouched["read"] is False


# --------------------------------------------------------------------------- 4. permanent moves

FEEDS_TOML = """\
# my subscriptions (hand-written; this comment must survive a move)

[[feed]]
# the one that moves
url = "{url}"   # trailing comment
title = "Moving wire"
min_interval = "1m"

[[feed]]
url = "{other}"
"""


@pytest.mark.parametrize("code", [301, 308])
def test_permanent_redirect_moves_subscription_state_and_items(tmp_path: Path, faultserver: FaultServer,
                                                               code: int) -> None:
    old = faultserver.fault_url(f"redirect/{code}/2")
    new = faultserver.feed_url(0)
    other = faultserver.feed_url(5)
    paths = HomePaths(tmp_path / "home").ensure()
    paths.feeds_file.write_text(FEEDS_TOML.format(url=old, other=other), encoding="utf-8")

    report = refresh(paths, settings=fast_settings(), now=NOW)
    o = by_url(report)[old]
    assert (o.status, o.moved_to, o.new) == ("ok", new, 20)
    text = paths.feeds_file.read_text(encoding="utf-8")
    assert text == FEEDS_TOML.format(url=new, other=other)  # one value changed, comments and keys kept
    store = read_store(paths)
    states = store.feed_states()
    assert old not in states and states[new]["status"] == "ok" and states[new]["etag"]
    counts = store.feed_item_counts()
    assert counts.get(new) == 20 and old not in counts
    assert {i["feed"] for i in store.items(feed=new)} == {new}

    # Next time the new URL is asked directly, with the validators moved along: a 304.
    faultserver.clear_log()
    again = refresh(paths, settings=fast_settings(), now=NOW + timedelta(hours=1))
    assert [(x.url, x.status) for x in again.outcomes] == [(new, "not-modified"), (other, "not-modified")]
    assert faultserver.requests_for(f"/fault/redirect/{code}/2") == []
    assert read_store(paths).feed_item_counts()[new] == 20


@pytest.mark.parametrize("fault", ["redirect/302/2", "redirect/307/1", "redirect-mixed"])
def test_temporary_redirect_does_not_move(tmp_path: Path, faultserver: FaultServer, fault: str) -> None:
    old = faultserver.fault_url(fault)
    other = faultserver.feed_url(5)
    paths = HomePaths(tmp_path / "home").ensure()
    original = FEEDS_TOML.format(url=old, other=other)
    paths.feeds_file.write_text(original, encoding="utf-8")
    report = refresh(paths, settings=fast_settings(), now=NOW)
    o = by_url(report)[old]
    assert (o.status, o.moved_to, o.new) == ("ok", None, 20)
    assert paths.feeds_file.read_text(encoding="utf-8") == original
    store = read_store(paths)
    assert store.feed_states()[old]["status"] == "ok"
    assert store.feed_item_counts()[old] == 20


def test_move_onto_an_existing_subscription_changes_nothing(tmp_path: Path, faultserver: FaultServer) -> None:
    """A 301 to a URL that is already its own subscription: feeds.toml is left alone, no crash."""
    old = faultserver.fault_url("redirect/301/1")
    new = faultserver.feed_url(0)
    paths = HomePaths(tmp_path / "home").ensure()
    original = FEEDS_TOML.format(url=old, other=new)
    paths.feeds_file.write_text(original, encoding="utf-8")
    report = refresh(paths, settings=fast_settings(), now=NOW)
    assert {o.url: o.status for o in report.outcomes} == {old: "ok", new: "ok"}
    assert paths.feeds_file.read_text(encoding="utf-8") == original
    assert set(read_store(paths).feed_states()) == {old, new}


# --------------------------------------------------------------------------- 6. pool vs inline


def test_process_pool_stores_the_same_items_as_inline(tmp_path: Path, faultserver: FaultServer,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    faultserver.items = 8
    urls = [faultserver.feed_url(i) for i in range(10, 18)]
    pooled = make_home(tmp_path, [Subscription(u) for u in urls], "pooled")
    inline = make_home(tmp_path, [Subscription(u) for u in urls], "inline")

    pools: list[int] = []
    real_pool = concurrent.futures.ProcessPoolExecutor  # the pipeline imports it when a pool starts

    class CountingPool(real_pool):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            pools.append(kwargs.get("max_workers", 0))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", CountingPool)
    report = refresh(pooled, settings=fast_settings(), now=NOW)
    if (os.cpu_count() or 1) > 1:
        assert pools, "8 bodies should have gone through the process pool"
    assert len(report.new_ids) == 8 * 8
    pools.clear()
    for url in urls:  # one feed per refresh: below the pool threshold, parsed inline
        refresh(inline, settings=fast_settings(), now=NOW, only=[url])
    assert pools == []

    def snapshot(paths: HomePaths) -> dict[str, tuple]:
        return {i["id"]: (i["feed"], i["title"], i["summary"], i["published"], json.dumps(i["themes"]),
                          json.dumps(i["entities"])) for i in read_store(paths).items()}

    a, b = snapshot(pooled), snapshot(inline)
    assert len(a) == 64 and a == b
    assert any(json.loads(v[4]) for v in a.values())  # the comparison includes real tags


def test_changed_feeds_are_parsed_while_others_still_download(tmp_path: Path, faultserver: FaultServer,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The everyday refresh: feeds known before (no pool is started for them). A changed body
    is parsed as soon as it arrives, off the event loop, not after the slowest feed is in."""
    import feeds.fetch

    changed = faultserver.register_feed("/changes.xml", items=3, seed=1)
    paths = make_home(tmp_path, [Subscription(changed), Subscription(faultserver.fault_url("slow"))])
    refresh(paths, settings=fast_settings(), now=NOW, only=[changed])  # its validators are stored
    faultserver.register_feed("/changes.xml", items=4, seed=2)  # ...and now it has news
    faultserver.slow_seconds = 0.6  # the other feed answers later (within the 1 s read timeout)

    events: list[tuple[str, str]] = []
    real_parse, real_fetch_all = parsing._parse_job, feeds.fetch.fetch_all

    def parse(job: tuple) -> tuple:
        out = real_parse(job)
        events.append(("parsed", threading.current_thread().name))
        return out

    async def fetch_all(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = await real_fetch_all(*args, **kwargs)
        events.append(("fetched", threading.current_thread().name))
        return out

    monkeypatch.setattr(parsing, "_parse_job", parse)
    monkeypatch.setattr(feeds.fetch, "fetch_all", fetch_all)
    report = refresh(paths, settings=fast_settings(), now=NOW)
    assert [(o.url, o.status) for o in report.outcomes][0] == (changed, "ok")
    assert len(report.new_ids) == 4 + 20  # the changed feed's news, and the slow feed's first fetch
    assert events[0][0] == "parsed" and events[0][1].startswith("chipwire-parse")
    assert ("fetched", threading.main_thread().name) in events


def test_the_cli_stores_news_from_feeds_it_knows(tmp_path: Path, faultserver: FaultServer) -> None:
    """The everyday refresh in a real process: every feed has validators (the CLI then forks one
    standby parse worker); two answer 304, one has news, and exactly its news is stored."""
    urls = [faultserver.register_feed(f"/known-{n}.xml", items=3, seed=40 + n) for n in range(3)]
    paths = make_home(tmp_path, [Subscription(u) for u in urls])
    write_fast_config(paths)
    first = cli(paths.root, "refresh", "--json")
    assert first.returncode == 0 and json.loads(first.stdout)["new"] == 9, first.stderr
    faultserver.register_feed("/known-1.xml", items=5, seed=50)  # new body, new ETag
    r = cli(paths.root, "refresh", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [(f["url"], f["status"], f["new"]) for f in doc["feeds"]] == [
        (urls[0], "not-modified", 0), (urls[1], "ok", 5), (urls[2], "not-modified", 0)]
    assert read_store(paths).feed_item_counts()[urls[1]] == 3 + 5


def test_a_pool_that_cannot_start_falls_back_to_inline(tmp_path: Path, faultserver: FaultServer,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """No processes to be had (RLIMIT_NPROC, a sandbox): the feeds are still parsed and stored."""
    import errno

    refused: list[int] = []

    def no_processes(**kwargs: object) -> None:
        refused.append(1)
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(parsing, "POOL_MIN_BODIES", 2)
    faultserver.items = 3
    urls = [faultserver.feed_url(i) for i in (20, 21)]
    paths = make_home(tmp_path, [Subscription(u) for u in urls])
    report = refresh(paths, settings=fast_settings(), now=NOW, process_pool=no_processes)
    assert [(o.status, o.new) for o in report.outcomes] == [("ok", 3), ("ok", 3)]
    assert read_store(paths).feed_item_counts() == {u: 3 for u in urls}
    assert refused  # the pool really was tried, and really could not start


def test_a_body_that_kills_its_worker_fails_alone(tmp_path: Path, faultserver: FaultServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker dying mid-parse breaks the pool and every queued job; only the culprit fails."""
    import multiprocessing

    real = parsing.parse_and_tag

    def fatal_for_poison(body, url, *args):  # type: ignore[no-untyped-def]
        if "poison" in url:
            os._exit(1)  # what the kernel's OOM killer does to a worker, as far as the pool can tell
        return real(body, url, *args)

    # Forked workers inherit this process's patched module (forkserver would import a clean one).
    monkeypatch.setattr(parsing, "_pool_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setattr(parsing, "parse_and_tag", fatal_for_poison)
    monkeypatch.setattr(parsing, "POOL_MIN_BODIES", 2)
    faultserver.items = 3
    good = [faultserver.feed_url(i) for i in (30, 31, 32)]
    poison = faultserver.register_feed("/poison.xml", rss([("x1", "Nvidia H20")]))
    paths = make_home(tmp_path, [Subscription(good[0]), Subscription(poison), *map(Subscription, good[1:])])
    report = refresh(paths, settings=fast_settings(), now=NOW)
    outcomes = by_url(report)
    assert outcomes[poison].status == "error" and outcomes[poison].error_kind == "parser"
    assert "died on this feed" in outcomes[poison].message
    assert [(outcomes[u].status, outcomes[u].new) for u in good] == [("ok", 3)] * 3
    assert read_store(paths).feed_item_counts() == {u: 3 for u in good}


# --------------------------------------------------------------------------- 7. concurrent writers


def test_pipeline_raises_store_locked_while_another_process_writes(tmp_path: Path, faultserver: FaultServer) -> None:
    paths = make_home(tmp_path, [Subscription(faultserver.feed_url(1))])
    Store.open(paths.db_dir).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import time
            from pathlib import Path
            from store import Store
            with Store.open(Path({str(paths.db_dir)!r})).writer():
                print("locked", flush=True)
                time.sleep(60)
        """)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreLocked) as caught:
            refresh(paths, settings=fast_settings(), now=NOW)
        assert caught.value.pid == holder.pid and str(holder.pid) in str(caught.value)
        # The app's way: its own open store, same answer.
        with Store.open(paths.db_dir) as mine:
            with pytest.raises(StoreLocked):
                refresh(paths, settings=fast_settings(), now=NOW, store=mine)
        assert faultserver.requests == []  # nothing was fetched for a refresh that could not write
    finally:
        holder.kill()
        holder.wait()
    # Once the other writer is gone, the same refresh goes through.
    report = refresh(paths, settings=fast_settings(), now=NOW)
    assert report.outcomes[0].status == "ok" and len(report.new_ids) == 20


# --------------------------------------------------------------------------- 8. a failing hook


def test_failing_hook_warns_but_exit_code_stays_0(tmp_path: Path, faultserver: FaultServer) -> None:
    url = faultserver.feed_url(6)
    paths = make_home(tmp_path, [Subscription(url)])
    hook = "import sys; sys.stdin.read(); print('hook went wrong', file=sys.stderr); sys.exit(3)"
    write_fast_config(paths, f"[hook]\nnew_items = [{json.dumps(sys.executable)}, \"-c\", {json.dumps(hook)}]\n")
    r = cli(paths.root, "refresh", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["new"] == 20 and doc["failed"] == 0
    assert "exited 3" in doc["hook_error"] and "hook went wrong" in doc["hook_error"]
    assert "exited 3" in r.stderr and "hook went wrong" in r.stderr
    assert "Traceback" not in r.stderr
    assert read_store(paths).feed_item_counts()[url] == 20


# --------------------------------------------------------------------------- shared guids


def test_an_item_carried_by_two_feeds_is_new_once_and_owned_by_the_first(tmp_path: Path,
                                                                           faultserver: FaultServer) -> None:
    """Cross-posted entries (one guid in two feeds) are one item: counted new once, not also
    'updated' by the second feed, and owned by the first subscription whatever order the
    downloads finish in (the first feed answers last here)."""
    first = faultserver.register_feed("/first.xml", rss([("shared", "TSMC Arizona fab ships"), ("a", "A only")]))
    second = faultserver.register_feed("/second.xml", rss([("shared", "TSMC Arizona fab ships"), ("b", "B only")]))
    paths = make_home(tmp_path, [Subscription(first + "?delay=0.3"), Subscription(second)])
    first += "?delay=0.3"
    report = refresh(paths, settings=fast_settings(), now=NOW)
    assert sorted(report.new_ids) == ["urn:test:a", "urn:test:b", "urn:test:shared"]
    assert report.updated_ids == []
    outcomes = by_url(report)
    assert (outcomes[first].entries, outcomes[first].new, outcomes[first].updated) == (2, 2, 0)
    assert (outcomes[second].entries, outcomes[second].new, outcomes[second].updated) == (2, 1, 0)
    assert read_store(paths).get("urn:test:shared")["feed"] == first
    assert read_store(paths).feed_item_counts() == {first: 2, second: 1}


def test_permanent_redirect_to_a_non_feed_does_not_move(tmp_path: Path, faultserver: FaultServer) -> None:
    """A 301 to a parked-domain page: the feed fails, and the subscription must stay where it was."""
    faultserver.register_feed("/feed/0.xml", b"<!doctype html><html><body>This domain is for sale</body></html>",
                              content_type="text/html; charset=utf-8")
    old = faultserver.fault_url("redirect/301/1")
    paths = HomePaths(tmp_path / "home").ensure()
    original = FEEDS_TOML.format(url=old, other=faultserver.feed_url(5))
    paths.feeds_file.write_text(original, encoding="utf-8")
    report = refresh(paths, settings=fast_settings(), now=NOW)
    o = by_url(report)[old]
    assert (o.status, o.error_kind) == ("error", "not-a-feed")
    assert paths.feeds_file.read_text(encoding="utf-8") == original
    assert read_store(paths).feed_states()[old]["consecutive_failures"] == 1
