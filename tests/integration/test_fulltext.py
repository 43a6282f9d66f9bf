"""Full text: article pages served by a loopback server — good, huge, hostile, redirected to
file: — fetched and extracted by feeds.fulltext, cached by the store, shown by F in the app,
and fetched during refresh for feeds marked ``full_text = true``."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feeds.fulltext import ARTICLE_MAX_BYTES, fetch_article

HTML = "text/html; charset=utf-8"
PARAS = [
    "The foundry said on Tuesday that its third advanced packaging line would start volume "
    "production next quarter, doubling the output of interposers for accelerator modules.",
    "Analysts expect the extra capacity to ease lead times, which stretched to nine months this "
    "year, although substrate supply remains the tighter constraint for most customers.",
    "A spokesperson declined to name the customers but said orders were booked into next year.",
]


def article_page(title: str = "Packaging line three", extra: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAS)
    return (
        "<!DOCTYPE html><html><head><title>Wire</title><script>var tracking = 1;</script></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/about'>About</a> | <a href='/subscribe'>Subscribe</a></nav>"
        f"<article><h1>{title}</h1>{extra}{body}<ul><li>Line one: 2024</li><li>Line two: 2025</li></ul></article>"
        "<footer>Copyright the wire. All rights reserved. Cookie settings.</footer></body></html>"
    ).encode()


def test_a_good_page_becomes_clean_plain_text_with_paragraphs(faultserver) -> None:
    url = faultserver.register_feed("/a/good", article_page(extra="<p>\x1b[31mred\x1b[0m [bold]not markup[/bold]</p>"),
                                    content_type=HTML)
    article = fetch_article(url)
    assert article.ok, article.error
    text = article.text
    assert PARAS[0] in text and PARAS[2] in text
    assert "\n\n" in text  # paragraphs kept
    assert "tracking" not in text and "Cookie settings" not in text  # boilerplate gone
    assert "\x1b" not in text  # escape sequences stripped like any feed text
    assert "[bold]not markup[/bold]" in text  # kept as text: the TUI never parses it


def test_hostile_pages_fail_with_a_reason(faultserver) -> None:
    huge = b"<html><body><article>" + b"<p>" + b"wafer " * (ARTICLE_MAX_BYTES // 6 + 10) + b"</p></article></body></html>"
    bomb = (b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'.encode() for p, c in zip("abcdefg", "bcdefgh"))
            + b"]><html><body><p>&h;</p></body></html>")
    cases = {
        "too-large": faultserver.register_feed("/a/huge", huge, content_type=HTML),
        "entity-bomb": faultserver.register_feed("/a/bomb", bomb, content_type=HTML),
        "bad-redirect-scheme": faultserver.fault_url("to-file"),
        "not-html": faultserver.register_feed("/a/pdf", b"%PDF-1.4 binary", content_type="application/pdf"),
        "no-article": faultserver.register_feed("/a/empty", b"<html><body><nav>Home</nav></body></html>",
                                                content_type=HTML),
        "http": faultserver.fault_url("status/404"),
    }
    for kind, url in cases.items():
        started = time.monotonic()
        article = fetch_article(url)
        assert not article.ok and article.error_kind == kind, (kind, article)
        assert "\n" not in (article.error or "")
        assert time.monotonic() - started < 15
    for link in ("javascript:alert(1)", "file:///etc/passwd", "/etc/passwd", "data:text/html,<p>x</p>"):
        article = fetch_article(link)
        assert article.error_kind == "bad-url", link
    gzip_bomb = fetch_article(faultserver.fault_url("gzip-bomb"))
    assert gzip_bomb.error_kind == "too-large"


def test_the_store_caches_full_text_apart_from_items_and_prune_drops_it(tmp_path: Path) -> None:
    from store import Store

    now = datetime(2025, 11, 28, 9, tzinfo=timezone.utc)
    store = Store.open(tmp_path / "db")
    store.upsert_items([{"id": "i1", "feed": "http://127.0.0.1/f", "title": "T", "link": "http://127.0.0.1/1",
                         "published": "2020-01-02T09:00:00Z", "summary": "teaser"}], now=now)
    store.commit()
    assert store.full_text("i1") is None
    store.set_full_text("i1", "the whole article", url="http://127.0.0.1/1", fetched=now)
    assert store.full_text("i1")["text"] == "the whole article"
    assert "whole article" not in (tmp_path / "db" / "items-2020-01.json").read_text(encoding="utf-8")
    assert store.get("i1")["summary"] == "teaser"
    store.prune(keep_days=30, now=now)
    assert store.full_text("i1") is None
    store.close()


def _home_with_article(tmp_path: Path, faultserver, *, full_text: bool):
    from feeds.subscriptions import Subscription, save_subscriptions
    from store.home import HomePaths

    page = faultserver.register_feed("/a/story", article_page(), content_type=HTML)
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Teasers</title><item>'
            f"<title>Packaging line three</title><guid>t1</guid><link>{page}</link>"
            f"<description>Only a teaser.</description><pubDate>Fri, 28 Nov 2025 09:00:00 GMT</pubDate>"
            f"</item></channel></rss>").encode()
    url = faultserver.register_feed("/teasers.xml", feed)
    paths = HomePaths(tmp_path / "home")
    paths.ensure()
    save_subscriptions(paths.feeds_file, [Subscription(url=url, title="Teasers", full_text=full_text)])
    paths.config_file.write_text("[store]\nretention_days = 3650\n", encoding="utf-8")
    return paths, page


def test_refresh_fetches_full_text_for_marked_feeds_only(tmp_path: Path, faultserver) -> None:
    from core.refresh import refresh
    from core.settings import load_settings
    from feeds.subscriptions import load_subscriptions
    from store import Store

    paths, page = _home_with_article(tmp_path, faultserver, full_text=True)
    assert load_subscriptions(paths.feeds_file)[0].full_text
    assert "full_text = true" in paths.feeds_file.read_text(encoding="utf-8")
    settings = load_settings(paths.config_file)
    now = datetime(2025, 11, 29, 7, tzinfo=timezone.utc)
    refresh(paths, settings=settings, force=True, now=now)
    with Store.open(paths.db_dir) as store:
        [item] = store.items()
        assert item["summary"] == "Only a teaser."
        assert PARAS[1] in store.full_text(item["id"])["text"]
    assert len(faultserver.requests_for("/a/story")) == 1

    other, _ = _home_with_article(tmp_path / "plain", faultserver, full_text=False)
    faultserver.clear_log()
    refresh(other, settings=settings, force=True, now=now)
    assert not faultserver.requests_for("/a/story")


async def test_F_shows_the_article_in_the_app_once_fetched(tmp_path: Path, faultserver) -> None:
    from core.refresh import refresh
    from core.settings import load_settings
    from tui.app import make_app
    from tui.widgets.analysis_pane import AnalysisPane

    paths, page = _home_with_article(tmp_path, faultserver, full_text=False)
    await asyncio.to_thread(refresh, paths, settings=load_settings(paths.config_file), force=True,
                            now=datetime(2025, 11, 29, 7, tzinfo=timezone.utc))
    app = make_app(paths, now=datetime(2025, 11, 29, 7, 30, tzinfo=timezone.utc), opener=lambda url: None)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        pane = screen.query_one(AnalysisPane)
        body = lambda: str(pane.query_one("#analysis-body").render())  # noqa: E731
        await pilot.press("enter")
        await pilot.pause()
        assert "Only a teaser." in body()
        await pilot.press("F")
        deadline = time.monotonic() + 15
        while PARAS[0][:40] not in body() and time.monotonic() < deadline:
            await pilot.pause(0.05)
        assert PARAS[0][:40] in body()
        assert any("Full text:" in str(n.message) for n in app._notifications)
        requests = len(faultserver.requests_for("/a/story"))
        await pilot.press("F")  # cached: no second download
        await pilot.pause()
        assert len(faultserver.requests_for("/a/story")) == requests


async def test_F_on_hostile_links_says_why_and_keeps_the_teaser(tmp_path: Path, faultserver) -> None:
    """A link that redirects to file:, a javascript: link and a huge page: a one-line warning
    each, nothing cached, the feed's summary still shown."""
    from snapshot_apps.data import NOW, build_home, item
    from tui.app import make_app
    from tui.widgets.analysis_pane import AnalysisPane

    d28 = datetime(2025, 11, 28, tzinfo=timezone.utc)
    huge = faultserver.register_feed("/a/huge", b"<html><body>" + b"<p>chip</p>" * (ARTICLE_MAX_BYTES // 10),
                                     content_type=HTML)
    paths = build_home(tmp_path / "home", items=[
        item("h1", d28.replace(hour=9), "Redirects to a local file", link=faultserver.fault_url("to-file")),
        item("h2", d28.replace(hour=8), "Script link", link="javascript:alert(1)"),
        item("h3", d28.replace(hour=7), "Enormous page", link=huge),
    ])
    app = make_app(paths, now=NOW, opener=lambda url: None)
    async with app.run_test(size=(140, 40), notifications=True) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        pane = screen.query_one(AnalysisPane)
        expected = {"h1": "bad-redirect-scheme", "h2": "non-web link", "h3": "too-large"}
        for n, (item_id, reason) in enumerate(expected.items()):
            if n:
                await pilot.press("j")
            await pilot.press("enter")
            await pilot.pause()
            assert screen.open_item == item_id
            await pilot.press("F")
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and not any(reason in str(x.message) for x in app._notifications):
                await pilot.pause(0.05)
            warnings = [str(x.message) for x in app._notifications if reason in str(x.message)]
            assert warnings and all("\n" not in w for w in warnings), [str(x.message) for x in app._notifications]
            assert "First paragraph of the summary." in str(pane.query_one("#analysis-body").render())
            await pilot.press("escape")
        assert all(app.services.store.full_text(i) is None for i in expected)


def test_F_in_the_demo_fetches_nothing_and_says_why_in_one_line(tmp_path: Path, faultserver) -> None:
    """The demo's sample items are fictional: their links (example.com…) have no article, and
    on a networked machine F must not go and fetch a stranger's page as if it were one."""
    from core.demo import DEMO_MARKER
    from core.refresh import refresh
    from core.session import Services
    from core.settings import load_settings

    paths, _page = _home_with_article(tmp_path, faultserver, full_text=False)
    refresh(paths, settings=load_settings(paths.config_file), force=True,
            now=datetime(2025, 11, 29, 7, tzinfo=timezone.utc))
    (paths.root / DEMO_MARKER).write_text("demo\n", encoding="utf-8")
    faultserver.clear_log()
    services = Services(paths)
    try:
        [item] = services.store.items()
        result = services.full_text(item)
    finally:
        services.close()
    assert not faultserver.requests_for("/a/story")
    assert result.text is None and result.error and "\n" not in result.error
    assert "demo" in result.error
