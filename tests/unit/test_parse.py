"""parse_feed on ordinary feeds: formats, the entry record, errors, ttl, picklability."""

from __future__ import annotations

import json
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feeds.entries import ENTRY_KEYS
from feeds.parse import FeedParseError, ParsedFeed, parse_feed

NOW = datetime(2025, 11, 28, 12, 0, tzinfo=timezone.utc)
URL = "https://news.example/feeds/main.xml"

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
  <title>Chip &amp; Policy Wire</title><link>/</link><ttl>45</ttl>
  <item>
    <title>BIS adds 12 firms to Entity List</title>
    <link>/2025/11/entity-list</link>
    <guid isPermaLink="false">urn:cw:1</guid>
    <pubDate>Wed, 26 Nov 2025 15:04:05 GMT</pubDate>
    <dc:creator>A. Writer</dc:creator>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>The Commerce Department&#8217;s BIS added firms.</p><p>Second paragraph.</p>]]></content:encoded>
  </item>
  <item>
    <title>No guid here</title>
    <link>https://news.example/2025/11/no-guid</link>
    <pubDate>Tue, 25 Nov 2025 08:00:00 +0100</pubDate>
    <description>&lt;p&gt;Long description wins when content is shorter.&lt;/p&gt;</description>
    <content:encoded>short</content:encoded>
  </item>
  <item>
    <title>Neither guid nor link</title>
  </item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/">
  <title type="html">Atom &lt;em&gt;Wire&lt;/em&gt;</title>
  <link rel="alternate" href="https://atom.example/"/>
  <id>urn:atom</id>
  <updated>2025-11-27T10:00:00Z</updated>
  <entry>
    <title type="html">H20 &amp;amp; &lt;b&gt;B30A&lt;/b&gt;</title>
    <link rel="alternate" href="posts/h20"/>
    <id>tag:atom.example,2025:h20</id>
    <updated>2025-11-27T10:00:00Z</updated>
    <published>2025-11-26T09:00:00+02:00</published>
    <author><name>Jo Analyst</name></author>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>One</p><ul><li>a</li><li>b</li></ul></div></content>
  </entry>
</feed>
"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/"
         xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
  <channel rdf:about="https://rdf.example/"><title>RDF Wire</title><link>https://rdf.example/</link>
    <description>d</description><sy:updatePeriod>daily</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>
  </channel>
  <item rdf:about="https://rdf.example/1"><title>SMIC 5nm</title><link>https://rdf.example/1</link><dc:date>2025-11-20</dc:date></item>
</rdf:RDF>
"""

JSONFEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "JSON &amp; Wire",
    "home_page_url": "https://json.example/",
    "authors": [{"name": "Feed Author"}],
    "items": [
        {"id": 17, "url": "/p/17", "title": "Huawei Ascend 950", "content_html": "<p>a</p><p>b</p>",
         "date_published": "2025-11-26T10:00:00-05:00"},
        {"id": "x2", "content_text": "line1\n\n\n\nline2", "date_published": "Wed, 26 Nov 2025 15:04:05 GMT",
         "authors": [{"name": "Item Author"}]},
        {"url": "javascript:alert(1)", "title": "\u202ebad\x1b[31m", "date_published": "1970-01-01T00:00:00Z"},
        {},
        "not an object",
    ],
}


def test_rss_entries_follow_the_record_contract() -> None:
    feed = parse_feed(RSS, url=URL, headers={"Content-Type": "application/rss+xml"}, now=NOW)
    assert isinstance(feed, ParsedFeed)
    assert (feed.title, feed.link, feed.kind, feed.ttl_seconds) == (
        "Chip & Policy Wire", "https://news.example/", "rss", 45 * 60)
    assert feed.warning is None
    first, second, third = feed.entries
    for e in feed.entries:
        assert tuple(e) == ENTRY_KEYS
    assert first == {
        "id": "urn:cw:1",
        "title": "BIS adds 12 firms to Entity List",
        "link": "https://news.example/2025/11/entity-list",
        "openable": True,
        "summary": "The Commerce Department’s BIS added firms.\n\nSecond paragraph.",
        "author": "A. Writer",
        "published": "2025-11-26T15:04:05Z",
        "published_estimated": False,
    }
    # No guid: the absolute link is the id; the longer description beats short content.
    assert second["id"] == "https://news.example/2025/11/no-guid"
    assert second["summary"] == "Long description wins when content is shorter."
    assert second["published"] == "2025-11-25T07:00:00Z"
    # No guid and no link: a deterministic hash of feed URL + title.
    assert third["id"].startswith("sha1:") and third["link"] == "" and not third["openable"]
    again = parse_feed(RSS, url=URL, now=NOW)
    assert again.entries[2]["id"] == third["id"]
    other_feed = parse_feed(RSS, url="https://mirror.example/feed", now=NOW)
    assert other_feed.entries[2]["id"] != third["id"]


def test_atom_html_titles_xml_base_and_xhtml_content() -> None:
    feed = parse_feed(ATOM, url="https://atom.example/feed.atom", now=NOW)
    assert (feed.title, feed.link, feed.kind) == ("Atom Wire", "https://atom.example/", "atom")
    [e] = feed.entries
    assert e["title"] == "H20 & B30A"
    assert e["link"] == "https://atom.example/blog/posts/h20"  # resolved against xml:base
    assert e["summary"] == "One\n\n• a\n• b"
    assert e["author"] == "Jo Analyst"
    assert e["published"] == "2025-11-26T07:00:00Z"


def test_rdf_with_syndication_module_ttl() -> None:
    feed = parse_feed(RDF, url="https://rdf.example/rss", now=NOW)
    assert feed.kind == "rdf"
    assert feed.ttl_seconds == 86400 // 4
    [e] = feed.entries
    assert (e["title"], e["published"], e["published_estimated"]) == (
        "SMIC 5nm", "2025-11-20T00:00:00Z", False)


def test_json_feed() -> None:
    body = json.dumps(JSONFEED).encode()
    feed = parse_feed(b"\xef\xbb\xbf \n" + body, url="https://json.example/feed.json", now=NOW)
    assert (feed.title, feed.link, feed.kind, feed.ttl_seconds) == (
        "JSON & Wire", "https://json.example/", "json", None)
    a, b, c = feed.entries
    assert a == {
        "id": "17", "title": "Huawei Ascend 950", "link": "https://json.example/p/17",
        "openable": True, "summary": "a\n\nb", "author": "Feed Author",
        "published": "2025-11-26T15:00:00Z", "published_estimated": False,
    }
    assert (b["summary"], b["author"], b["published"]) == (
        "line1\n\nline2", "Item Author", "2025-11-26T15:04:05Z")
    assert (c["title"], c["link"], c["openable"], c["published_estimated"]) == (
        "bad", "javascript:alert(1)", False, True)
    assert c["id"] == "javascript:alert(1)"
    assert feed.warning == "2 item(s) without title, link, id or summary dropped"


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty"),
        (b"  \n\t ", "empty"),
        (b"<!DOCTYPE html><html><head><title>Hi</title></head><body><p>x</p></body></html>",
         "not-a-feed"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" * 20, "not-a-feed"),
        (b"just some words, not a feed", "not-a-feed"),
        (b'{"version": "https://jsonfeed.org/version/1", "items": [{"id": "1", "tit', "malformed"),
        (b'{"hello": "world"}', "not-a-feed"),
        (b"[" * 100_000, "not-a-feed"),
        (b"{" + b'"a":[' * 50_000, "malformed"),
        (b"<urlset><url><loc>https://x/</loc></url></urlset>", "not-a-feed"),
        (b'<?xml version="1.0"?>\n<rss', "malformed"),
        (b'<rss version="2.0"><chan', "malformed"),
        (b"<feed><entry></feed>", "malformed"),
    ],
    ids=["empty", "whitespace", "html", "binary", "text", "truncated-json", "other-json",
         "json-array", "deep-json", "sitemap", "cut-xml", "cut-rss", "empty-entry"],
)
def test_errors_have_the_right_kind(body: bytes, kind: str) -> None:
    with pytest.raises(FeedParseError) as info:
        parse_feed(body, url=URL, now=NOW)
    assert info.value.kind == kind
    assert info.value.message


def test_broken_json_says_where() -> None:
    """A cut-off JSON Feed names the line and column, in words a reader can follow."""
    body = b'{"version": "https://jsonfeed.org/version/1.1",\n "items": [{"id": "1", "title": "cut \x01'
    with pytest.raises(FeedParseError) as info:
        parse_feed(body, url=URL, now=NOW)
    assert (info.value.kind, info.value.message) == (
        "malformed", "invalid JSON: Invalid control character at line 2, column 38")


def test_too_large_body() -> None:
    body = b"<rss><channel>" + b" " * 2000 + b"</channel></rss>"
    with pytest.raises(FeedParseError) as info:
        parse_feed(body, url=URL, now=NOW, max_bytes=1000)
    assert info.value.kind == "too-large"


def test_unterminated_item_still_counts() -> None:
    feed = parse_feed(b"<rss><channel><item><title>unterminated</title>", url=URL, now=NOW)
    assert [e["title"] for e in feed.entries] == ["unterminated"]
    assert feed.warning and "SAXParseException" in feed.warning


def test_broken_xml_keeps_what_parsed_and_warns() -> None:
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
            b"<item><title>kept &amp; fine</title><link>https://e.com/1</link></item>"
            b"<item><title>bad & amp</title><link>https://e.com/2</link></item>")
    feed = parse_feed(body, url=URL, now=NOW)
    assert [e["title"] for e in feed.entries] == ["kept & fine", "bad & amp"]
    assert feed.warning and "SAXParseException" in feed.warning


def test_header_charset_is_used_only_when_the_bytes_agree() -> None:
    latin1 = '<rss version="2.0"><channel><title>Café</title></channel></rss>'.encode("latin-1")
    assert parse_feed(latin1, url=URL, headers={"content-type": "text/xml; charset=ISO-8859-1"},
                      now=NOW).title == "Café"
    utf8 = '<rss version="2.0"><channel><title>Café</title></channel></rss>'.encode()
    # The header lies (Latin-1) but the bytes are valid UTF-8: the bytes win.
    assert parse_feed(utf8, url=URL, headers={"Content-Type": "text/xml; charset=iso-8859-1"},
                      now=NOW).title == "Café"


def test_url_like_body_is_never_fetched_or_opened(tmp_path: Path) -> None:
    # feedparser.parse("...") treats a str as a URL or path; we only ever hand it bytes.
    secret = tmp_path / "secret.xml"
    secret.write_text('<rss version="2.0"><channel><title>SECRET</title></channel></rss>')
    for body in (str(secret).encode(), secret.as_uri().encode(), b"http://127.0.0.1:9/x"):
        with pytest.raises(FeedParseError) as info:
            parse_feed(body, url=URL, now=NOW)
        assert info.value.kind == "not-a-feed"


def test_result_and_error_are_picklable() -> None:
    feed = parse_feed(RSS, url=URL, now=NOW)
    assert pickle.loads(pickle.dumps(feed)) == feed
    err = pickle.loads(pickle.dumps(FeedParseError("malformed", "x")))
    assert (err.kind, err.message) == ("malformed", "x")


def _parse_in_child(body: bytes) -> ParsedFeed:
    return parse_feed(body, url=URL, now=NOW)


@pytest.mark.skipif(os.cpu_count() is None, reason="no process pool")
def test_runs_in_a_process_pool() -> None:
    with ProcessPoolExecutor(max_workers=1) as pool:
        feed = pool.submit(_parse_in_child, RSS).result(timeout=60)
    assert feed == parse_feed(RSS, url=URL, now=NOW)


def test_naive_now_is_taken_as_utc() -> None:
    body = b'<rss version="2.0"><channel><item><title>x</title></item></channel></rss>'
    feed = parse_feed(body, url=URL, now=datetime(2025, 1, 2, 3, 4, 5))
    assert feed.entries[0]["published"] == "2025-01-02T03:04:05Z"


def test_ttl_is_clamped() -> None:
    def ttl(v: str) -> int | None:
        body = f'<rss version="2.0"><channel><title>t</title><ttl>{v}</ttl></channel></rss>'
        return parse_feed(body.encode(), url=URL, now=NOW).ttl_seconds

    assert ttl("0") == 60
    assert ttl("99999999") == 7 * 24 * 3600
    assert ttl("abc") is None


def test_slash_dates_feedparser_misses() -> None:
    body = ('<rss version="2.0"><channel><item><title>x</title>'
            "<pubDate>2020/1/10 14:33:00</pubDate></item></channel></rss>").encode()
    [e] = parse_feed(body, url=URL, now=NOW).entries
    assert (e["published"], e["published_estimated"]) == ("2020-01-10T14:33:00Z", False)


def test_local_path_feed_url() -> None:
    body = ('<rss version="2.0"><channel><item><title>x</title><link>rel/a.html</link>'
            "</item><item><title>y</title><link>https://e.com/y</link></item></channel></rss>")
    a, b = parse_feed(body.encode(), url="/home/me/feeds/local.xml", now=NOW).entries
    assert (a["link"], a["openable"]) == ("rel/a.html", False)
    assert (b["link"], b["openable"]) == ("https://e.com/y", True)


@pytest.mark.parametrize(
    ("raw", "iso"),
    [
        ("mer, 16 nov 2022 00:38:15 +0100", "2022-11-15T23:38:15Z"),  # Italian weekday
        ("Seg, 24 Set 2018 19:42:40 -0300", "2018-09-24T22:42:40Z"),  # Portuguese month
        ("03 Apr 02 1500 GMT", "2002-04-03T15:00:00Z"),  # no colon, 2-digit year
    ],
)
def test_foreign_and_odd_rfc822_dates(raw: str, iso: str) -> None:
    body = (f'<rss version="2.0"><channel><item><title>x</title><pubDate>{raw}</pubDate>'
            "</item></channel></rss>").encode()
    [e] = parse_feed(body, url=URL, now=NOW).entries
    assert (e["published"], e["published_estimated"]) == (iso, False)


def test_ambiguous_day_month_date_is_estimated_not_guessed() -> None:
    body = (b'<rss version="2.0"><channel><item><title>x</title>'
            b"<pubDate>08/02/2013 12:00:00</pubDate></item></channel></rss>")
    [e] = parse_feed(body, url=URL, now=NOW).entries
    assert (e["published"], e["published_estimated"]) == ("2025-11-28T12:00:00Z", True)
