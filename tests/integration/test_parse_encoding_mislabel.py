"""A body declared UTF-8 that is really Latin-1/windows-1252 reads as feedparser reads it.

"Café owner", not "Caf\ufffd owner": replacement characters only where no candidate decoding
fits. Tested on the parse function directly and on a body served by a real loopback server
(the Content-Type header says utf-8, the bytes say otherwise).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import feedparser
import pytest

from faultserver import FaultServer
from feeds.fetch import FetchRequest, FetchSettings, fetch_all
from feeds.parse import parse_feed
from feeds.sniff import decode_body

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)

TEMPLATE = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Caf\u00e9 news</title><link>http://example.org/</link>
<item><title>{title}</title><link>http://example.org/1</link><guid>g1</guid>
<description>Na\u00efve \u2018quotes\u2019 \u2013 \u20ac5</description></item>
</channel></rss>
"""


def latin1_body(title: str = "Caf\u00e9 owner opens a second shop") -> bytes:
    return TEMPLATE.format(title=title).encode("cp1252")


def test_parse_reads_mislabelled_cp1252_like_feedparser() -> None:
    body = latin1_body()
    parsed = parse_feed(body, url="http://example.org/feed", headers={"Content-Type": "application/rss+xml; charset=utf-8"},
                        now=NOW)
    fp = feedparser.parse(body, response_headers={"content-type": "application/rss+xml; charset=utf-8"})
    assert parsed.title == fp.feed.title == "Caf\u00e9 news"
    [entry] = parsed.entries
    assert entry["title"] == fp.entries[0].title == "Caf\u00e9 owner opens a second shop"
    assert "\ufffd" not in entry["summary"]
    assert "Na\u00efve \u2018quotes\u2019 \u2013 \u20ac5" in entry["summary"]


def test_real_utf8_beside_stray_latin1_bytes_stays_readable() -> None:
    body = TEMPLATE.format(title="Caf\u00e9 owner").encode("utf-8").replace(b"Na\xc3\xafve", b"Na\xefve")
    text, codec, note = decode_body(body, "utf-8")
    assert "Caf\u00e9 owner" in text and "Na\u00efve" in text and "\u20ac5" in text
    assert codec == "utf-8" and note and "windows-1252" in note


def test_damaged_multibyte_still_replaces_only_the_bad_bytes() -> None:
    """A GBK label that is right except for one broken byte: keep the Chinese, replace one."""
    good = "\u65b0\u95fb\u6807\u9898".encode("gb18030")
    text, codec, _note = decode_body(b"<rss>" + good + b"\xff</rss>", "gbk")
    assert codec == "gb18030" and "\u65b0\u95fb\u6807\u9898" in text and text.count("\ufffd") == 1


def test_loopback_body_declared_utf8_is_read_as_cp1252() -> None:
    with FaultServer() as srv:
        url = srv.register_feed("/latin1.xml", latin1_body(), content_type="application/rss+xml; charset=UTF-8")
        [result] = asyncio.run(fetch_all([FetchRequest(url)], FetchSettings()))
    assert result.status == "ok", result.error_message
    parsed = parse_feed(result.body, url=url, headers=result.headers, now=NOW)
    assert [e["title"] for e in parsed.entries] == ["Caf\u00e9 owner opens a second shop"]
    assert parsed.warning is None or "\ufffd" not in parsed.warning
