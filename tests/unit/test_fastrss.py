"""The RSS 2.0 fast path yields exactly what feedparser yields, or steps aside.

Each check runs the same UTF-8 bytes through ``feeds.fastrss.read_simple_rss`` and through
feedparser (as ``feeds.parse`` calls it) and compares every field ``feeds.parse`` reads.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from feeds.entityguard import guard_entities
from feeds.fastrss import read_simple_rss
from feeds.parse import _run_feedparser
from feeds.sniff import decode_body, to_utf8_xml

ROOT = Path(__file__).resolve().parents[2]
_env = os.environ.get("CHIPWIRE_CORPUS")
CORPUS = Path(_env) if _env else ROOT.parent / "shared" / "realworld-feeds"
ENTRY_KEYS = ("title", "id", "link", "author", "summary", "published", "published_parsed", "updated",
              "updated_parsed", "created_parsed")
FEED_KEYS = ("title", "link", "ttl", "sy_updateperiod", "sy_updatefrequency")


def _view(parsed: dict) -> dict:
    """The fields feeds.parse reads, as plain values (dict.get, like feeds.parse)."""
    g = dict.get
    feed = g(parsed, "feed") or {}
    out = {"version": g(parsed, "version"), "bozo": bool(g(parsed, "bozo")),
           "feed": {k: g(feed, k) for k in FEED_KEYS},
           "feed_title_type": g(g(feed, "title_detail") or {}, "type"), "entries": []}
    for e in g(parsed, "entries") or []:
        row = {k: g(e, k) for k in ENTRY_KEYS}
        row["title_type"] = g(g(e, "title_detail") or {}, "type")
        row["summary_type"] = g(g(e, "summary_detail") or {}, "type")
        row["content"] = [(g(c, "type"), g(c, "value")) for c in g(e, "content") or []]
        out["entries"].append(row)
    return out


def _utf8(body: bytes) -> bytes:
    text, _enc, _note = decode_body(body, None)
    text, _note = guard_entities(text)
    return to_utf8_xml(text)


def _same_or_fallback(data: bytes) -> bool:
    """Assert equality when the fast path accepts; return whether it did."""
    fast = read_simple_rss(data)
    if fast is None:
        return False
    assert _view(fast) == _view(_run_feedparser(data))
    return True


def _files() -> list[Path]:
    roots = [ROOT / "tests" / "feeds_hostile", ROOT / "feeds" / "samples"]
    if CORPUS.is_dir():
        roots.append(CORPUS)
    return sorted(p for r in roots for p in r.rglob("*") if p.is_file() and p.suffix != ".md"
                  and p.name != "manifest.json")


def test_every_sample_and_corpus_feed_matches_feedparser() -> None:
    accepted = 0
    for path in _files():
        try:
            data = _utf8(path.read_bytes())
        except Exception:  # noqa: BLE001 - refused before parsing (entity bombs...): not ours
            continue
        accepted += _same_or_fallback(data)
    assert accepted >= 7  # at least the bundled samples take the fast path


def _rss(items: str, channel: str = "<title>T</title><link>http://x.example/</link>") -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>{channel}{items}</channel></rss>').encode()


QUIRKS = [
    # guid as link, unless isPermaLink="false"; a <link> always wins
    "<item><guid>http:////a.example/1</guid><title>a</title></item>",
    '<item><guid isPermaLink="false">urn:x:1</guid><title>a</title></item>',
    '<item><guid isPermaLink="True">http://a.example/2</guid><title>a</title></item>',
    "<item><link>http://a.example/l</link><guid>http://a.example/g</guid></item>",
    "<item><guid>http://a.example/g</guid><link>  http://a.example/l?a=1&amp;amp;b=2&amp;c;  </link></item>",
    "<item><link></link><guid>http://a.example/g</guid></item>",
    # titles that look like HTML, or nearly
    "<item><title>AT&amp;T &lt;b&gt;wins&lt;/b&gt;</title></item>",
    "<item><title>5 &lt; 6 &amp;amp; x</title></item>",
    "<item><title>&lt;script&gt;x&lt;/script&gt;</title></item>",
    "<item><title><![CDATA[ <i>cdata</i> ]]></title><description><![CDATA[<p>hi</p>]]></description></item>",
    # content without description, both orders, dates, authors, whitespace, C1 and mojibake
    "<item><content:encoded>&lt;p&gt;long body&lt;/p&gt;</content:encoded></item>",
    "<item><content:encoded>c</content:encoded><description>d is longer</description></item>",
    "<item><pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate><dc:date>2003-06-11T00:00:00Z</dc:date></item>",
    "<item><pubDate>garbage</pubDate><title> \n spaced \t </title></item>",
    "<item><dc:creator>jane@example.com (Jane)</dc:creator></item>",
    "<item><author>  Bob  </author><category domain='x'>c</category><comments>http://c/</comments></item>",
    "<item><title>\u0080\u0093 dash \u0099</title><description>Ã©tÃ©</description></item>",
    "<item><title></title><description></description></item>",
    "<item/>",
]


@pytest.mark.parametrize("item", QUIRKS)
def test_quirks_match_feedparser(item: str) -> None:
    data = _utf8(_rss(item))
    assert _same_or_fallback(data), "expected the fast path to accept this simple item"


@pytest.mark.parametrize("channel", [
    "<title>AT&amp;T &lt;b&gt;x&lt;/b&gt;</title><link>http://x.example/?a=1&amp;b;</link><ttl>5</ttl>",
    '<title>T</title><image><title>I</title><url>http://i/</url><link>http://l/</link></image>',
    '<sy:updatePeriod xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">hourly</sy:updatePeriod>'
    '<sy:updateFrequency xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">2</sy:updateFrequency>',
    '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self" href="http://x/"/><title>T</title>',
])
def test_channel_fields_match_feedparser(channel: str) -> None:
    assert _same_or_fallback(_utf8(_rss("<item><title>a</title></item>", channel)))


@pytest.mark.parametrize("doc", [
    _rss("<item><title>a</title><title>b</title></item>"),                 # repeated field
    _rss("<item><title>a<b>bold</b></title></item>"),                       # markup inside a text field
    _rss('<item><title type="html">a</title></item>'),                      # attribute that changes meaning
    _rss("<item><media:title xmlns:media='http://search.yahoo.com/mrss/'>m</media:title></item>"),
    _rss("<item><foo>x</foo></item>"),                                      # unknown element
    _rss("<item><author>a</author><dc:creator>b</dc:creator></item>"),      # two authors
    _rss('<item xml:base="http://b/"><link>x</link></item>'),
    _rss("<item><link>a</link>", ""),                                       # not well-formed
    b'<?xml version="1.0"?><rss version="0.91"><channel><title>t</title></channel></rss>',
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>',
    b'<?xml version="1.0"?><!DOCTYPE rss><rss version="2.0"><channel><title>t</title></channel></rss>',
    b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>a</title></item></channel><x/></rss>',
])
def test_anything_unusual_goes_to_feedparser(doc: bytes) -> None:
    assert read_simple_rss(doc) is None
