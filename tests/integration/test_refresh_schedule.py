"""When the refresh pipeline fetches a feed again: ttl, Cache-Control, Retry-After, min_interval.

The clock is moved with ``refresh(now=...)``; the fault server's request log proves whether a
skipped feed was really left alone (no request at all), and ``force=True`` proves the schedule is
the only thing holding it back.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from faultserver import FEED_EPOCH, FaultServer

from feeds.subscriptions import Subscription, save_subscriptions
from store import Store
from store.home import HomePaths
from core.refresh import FeedOutcome, RefreshReport, iso, refresh
from core.settings import FetchConfig, Settings

NOW = datetime.fromtimestamp(FEED_EPOCH, timezone.utc).replace(minute=0, second=0) + timedelta(hours=2)


def settings(**fetch: object) -> Settings:
    config = dict(connect_timeout=1, read_timeout=1, deadline=2, concurrency=32, per_host=32)
    config.update(fetch)
    return Settings(fetch=FetchConfig(**config))  # type: ignore[arg-type]


def home(tmp_path: Path, subs: list[Subscription]) -> HomePaths:
    paths = HomePaths(tmp_path / "home").ensure()
    save_subscriptions(paths.feeds_file, subs)
    return paths


def rss(extra: str = "", guid: str = "s1") -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Scheduled</title>'
            f"<link>http://example.com/</link><description>d</description>{extra}"
            f"<item><title>Nvidia H20 exports resume</title><guid>urn:sched:{guid}</guid>"
            f"<pubDate>Fri, 28 Nov 2025 01:00:00 GMT</pubDate></item></channel></rss>").encode()


def one(report: RefreshReport, url: str) -> FeedOutcome:
    (outcome,) = [o for o in report.outcomes if o.url == url]
    return outcome


def state(paths: HomePaths, url: str) -> dict:
    return Store.open(paths.db_dir, readonly=True).feed_states()[url]


def next_fetch_in(paths: HomePaths, url: str, now: datetime = NOW) -> timedelta | None:
    value = state(paths, url).get("next_fetch")
    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00")) - now


def hits(server: FaultServer, url: str) -> int:
    return len(server.requests_for(url.split(str(server.port), 1)[1]))


def test_feed_ttl_skips_until_due_and_force_fetches(tmp_path: Path, faultserver: FaultServer) -> None:
    url = faultserver.register_feed("/ttl.xml", rss("<ttl>60</ttl>"))
    plain = faultserver.feed_url(1)  # no ttl, no Cache-Control: due on every refresh
    paths = home(tmp_path, [Subscription(url), Subscription(plain)])
    assert one(refresh(paths, settings=settings(), now=NOW), url).status == "ok"
    assert next_fetch_in(paths, url) == timedelta(hours=1)
    assert state(paths, url)["next_reason"] == "feed ttl"
    assert next_fetch_in(paths, plain) is None

    faultserver.clear_log()
    report = refresh(paths, settings=settings(), now=NOW + timedelta(minutes=10))
    skipped = one(report, url)
    assert skipped.status == "skipped" and "not due" in skipped.message and "feed ttl" in skipped.message
    assert iso(NOW + timedelta(hours=1)) in skipped.message
    assert report.exit_code == 0  # a skip is not a failure
    assert hits(faultserver, url) == 0
    assert one(report, plain).status == "not-modified" and hits(faultserver, plain) == 1
    # A skipped feed's stored state is left as it was (its last attempt stays the real one).
    assert state(paths, url)["last_attempt"] == iso(NOW) and state(paths, url)["status"] == "ok"

    forced = refresh(paths, settings=settings(), now=NOW + timedelta(minutes=20), force=True)
    assert one(forced, url).status == "not-modified" and hits(faultserver, url) == 1
    # The 304 keeps the feed's ttl: next due an hour after this fetch.
    assert next_fetch_in(paths, url, NOW + timedelta(minutes=20)) == timedelta(hours=1)

    faultserver.clear_log()
    due = refresh(paths, settings=settings(), now=NOW + timedelta(minutes=81))
    assert one(due, url).status == "not-modified" and hits(faultserver, url) == 1


def test_retry_after_holds_the_feed_back(tmp_path: Path, faultserver: FaultServer) -> None:
    # The fault server's 429 asks for 120 s, its 503 for 30 s.
    too_many = faultserver.fault_url("429")
    busy = faultserver.fault_url("503")
    paths = home(tmp_path, [Subscription(too_many), Subscription(busy)])
    first = refresh(paths, settings=settings(), now=NOW)
    assert [o.http_status for o in first.outcomes] == [429, 503]
    assert next_fetch_in(paths, too_many) == timedelta(seconds=120)
    assert state(paths, too_many)["next_reason"] == "Retry-After"

    faultserver.clear_log()
    report = refresh(paths, settings=settings(), now=NOW + timedelta(seconds=60))
    o = one(report, too_many)
    assert o.status == "skipped" and "Retry-After" in o.message
    assert hits(faultserver, too_many) == 0
    assert report.exit_code == 1 and len(report.failed) == 1  # the 503 alone: a skip is not a failure
    # 30 s have passed: the 503 is asked again, fails again, and the failures are counted.
    assert one(report, busy).status == "error" and hits(faultserver, busy) == 1
    assert state(paths, busy)["consecutive_failures"] == 2
    assert state(paths, too_many)["consecutive_failures"] == 1  # a skip is not another failure

    report = refresh(paths, settings=settings(), now=NOW + timedelta(seconds=121))
    assert one(report, too_many).status == "error" and hits(faultserver, too_many) == 1
    assert state(paths, too_many)["consecutive_failures"] == 2


def test_error_without_retry_after_is_due_next_time(tmp_path: Path, faultserver: FaultServer) -> None:
    url = faultserver.fault_url("status/500")
    paths = home(tmp_path, [Subscription(url)])
    refresh(paths, settings=settings(), now=NOW)
    report = refresh(paths, settings=settings(), now=NOW + timedelta(seconds=1))
    assert one(report, url).status == "error" and hits(faultserver, url) == 2


def test_cache_control_max_age_and_expires(tmp_path: Path, faultserver: FaultServer) -> None:
    max_age = faultserver.fault_url("max-age")  # Cache-Control: max-age=900
    expires = faultserver.fault_url("expires")  # Expires one hour after Date
    mine = faultserver.register_feed("/cc.xml", rss(guid="cc"), cache_control="public, max-age=600")
    paths = home(tmp_path, [Subscription(max_age), Subscription(expires), Subscription(mine)])
    refresh(paths, settings=settings(), now=NOW)
    assert next_fetch_in(paths, max_age) == timedelta(seconds=900)
    assert next_fetch_in(paths, expires) == timedelta(hours=1)
    assert next_fetch_in(paths, mine) == timedelta(seconds=600)
    assert {state(paths, u)["next_reason"] for u in (max_age, expires, mine)} == {"Cache-Control"}

    faultserver.clear_log()
    report = refresh(paths, settings=settings(), now=NOW + timedelta(minutes=12))
    assert [o.status for o in report.outcomes] == ["skipped", "skipped", "not-modified"]
    assert "Cache-Control" in one(report, max_age).message
    assert hits(faultserver, max_age) == hits(faultserver, expires) == 0
    # The 304 repeats Cache-Control, so the feed is held back another 10 minutes.
    assert next_fetch_in(paths, mine, NOW + timedelta(minutes=12)) == timedelta(seconds=600)

    report = refresh(paths, settings=settings(), now=NOW + timedelta(minutes=16))
    assert [o.status for o in report.outcomes] == ["not-modified", "skipped", "skipped"]


def test_min_interval_from_feeds_toml_and_default_interval(tmp_path: Path, faultserver: FaultServer) -> None:
    slow = faultserver.feed_url(2)
    fast = faultserver.feed_url(3)
    paths = home(tmp_path, [Subscription(slow, min_interval=1800), Subscription(fast)])
    refresh(paths, settings=settings(), now=NOW)
    assert next_fetch_in(paths, slow) == timedelta(minutes=30)
    assert state(paths, slow)["next_reason"] == "minimum interval"
    assert next_fetch_in(paths, fast) is None

    report = refresh(paths, settings=settings(), now=NOW + timedelta(minutes=10))
    assert [o.status for o in report.outcomes] == ["skipped", "not-modified"]
    assert "minimum interval" in one(report, slow).message

    # A configured default applies to feeds without their own min_interval; the feed's own wins.
    report = refresh(paths, settings=settings(default_interval=3600), now=NOW + timedelta(minutes=31))
    assert [o.status for o in report.outcomes] == ["not-modified", "not-modified"]
    assert next_fetch_in(paths, fast, NOW + timedelta(minutes=31)) == timedelta(hours=1)
    assert next_fetch_in(paths, slow, NOW + timedelta(minutes=31)) == timedelta(minutes=30)


def test_longest_wait_wins(tmp_path: Path, faultserver: FaultServer) -> None:
    """ttl (1 h) beats a shorter min_interval (10 min): the schedule takes the most polite wait."""
    url = faultserver.register_feed("/both.xml", rss("<ttl>60</ttl>", guid="both"), cache_control="max-age=300")
    paths = home(tmp_path, [Subscription(url, min_interval=600)])
    refresh(paths, settings=settings(), now=NOW)
    assert next_fetch_in(paths, url) == timedelta(hours=1)
    assert state(paths, url)["next_reason"] == "feed ttl"


def test_disabled_feed_is_skipped_even_when_forced(tmp_path: Path, faultserver: FaultServer) -> None:
    off = faultserver.feed_url(4)
    on = faultserver.feed_url(5)
    paths = home(tmp_path, [Subscription(off, enabled=False), Subscription(on)])
    for force in (False, True):
        report = refresh(paths, settings=settings(), now=NOW, force=force)
        o = one(report, off)
        assert o.status == "skipped" and "disabled" in o.message
        assert report.exit_code == 0
    assert hits(faultserver, off) == 0 and hits(faultserver, on) == 2
    store = Store.open(paths.db_dir, readonly=True)
    assert off not in store.feed_states() and off not in store.feed_item_counts()
