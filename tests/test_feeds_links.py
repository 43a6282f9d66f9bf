"""Links in summaries are kept as data: ``text [n]`` in the summary, ``links[n-1]`` the URL."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from feeds.clean import SUMMARY_MAX, html_to_text_links
from feeds.parse import parse_feed

NOW = datetime(2025, 11, 27, 12, 0, tzinfo=timezone.utc)
BASE = "https://news.example/feed"


def test_links_are_numbered_in_order_and_resolved() -> None:
    text, links = html_to_text_links(
        '<p>The <a href="/rule">new rule</a> bars exports; see <a href="https://gov.example/x">the notice</a>.</p>',
        SUMMARY_MAX, BASE)
    assert text == "The new rule [1] bars exports; see the notice [2]."
    assert links == [{"text": "new rule", "url": "https://news.example/rule"},
                     {"text": "the notice", "url": "https://gov.example/x"}]


def test_a_repeated_url_keeps_its_number_and_lists_stay_lists() -> None:
    text, links = html_to_text_links(
        '<p>Intro <a href="https://a.example/">A</a>.</p><ul><li>one <a href="https://a.example/">again</a></li>'
        '<li>two <a href="https://b.example/">B</a></li></ul>', SUMMARY_MAX, BASE)
    assert text == "Intro A [1].\n\n• one again [1]\n• two B [2]"
    assert [link["url"] for link in links] == ["https://a.example/", "https://b.example/"]


def test_hostile_and_unusable_links_get_no_number() -> None:
    text, links = html_to_text_links(
        '<a href="javascript:alert(1)">click</a> <a href="java\tscript:alert(1)">tab</a> '
        '<a href="data:text/html,x">data</a> <a href="file:///etc/passwd">file</a> '
        '<a href="mailto:a@b">mail</a> <a>no href</a><a href="https://ok.example/"><img src="x"></a> '
        '<a href="https://ok.example/">fine</a>', SUMMARY_MAX, BASE)
    assert text == "click tab data file mail no href fine [1]"
    assert links == [{"text": "fine", "url": "https://ok.example/"}]


def test_link_text_is_cleaned_and_markup_stays_text() -> None:
    text, links = html_to_text_links(
        '<a href="https://x.example/">[bold]red[/] \x1b[31mesc</a>', SUMMARY_MAX, BASE)
    assert links[0]["text"] == "[bold]red[/] esc"
    assert "\x1b" not in text and text.endswith("[1]")


def test_links_cut_off_by_the_length_cap_are_dropped() -> None:
    html = "".join(f'<p>{"word " * 30}<a href="https://x.example/{n}">l{n}</a></p>' for n in range(50))
    text, links = html_to_text_links(html, 2000, BASE)
    assert len(text) <= 2000
    assert 0 < len(links) < 50
    assert f"[{len(links)}]" in text and f"[{len(links) + 1}]" not in text


def test_an_anchor_around_a_block_marks_the_text() -> None:
    text, _ = html_to_text_links('<a href="https://x.example/"><p>Block</p></a><p>next</p>', SUMMARY_MAX, BASE)
    assert text == "Block [1]\n\nnext"


RSS = b"""<?xml version="1.0"?>
<rss version="2.0"><channel><title>T</title><link>https://news.example/</link>
<item><guid>urn:1</guid><title>Linked</title>
<description>&lt;p&gt;Read &lt;a href="/a"&gt;the filing&lt;/a&gt; and &lt;a href="javascript:x()"&gt;this&lt;/a&gt;.&lt;/p&gt;</description>
<pubDate>Wed, 26 Nov 2025 15:04:05 GMT</pubDate></item>
<item><guid>urn:2</guid><title>Plain</title><description>No links here.</description>
<pubDate>Wed, 26 Nov 2025 15:04:05 GMT</pubDate></item>
</channel></rss>"""


def test_rss_entries_carry_links_only_when_they_have_some() -> None:
    linked, plain = parse_feed(RSS, url=BASE, now=NOW).entries
    assert linked["summary"] == "Read the filing [1] and this."
    assert linked["links"] == [{"text": "the filing", "url": "https://news.example/a"}]
    assert "links" not in plain  # records stored before links were kept still compare equal


def test_json_feed_html_content_keeps_links() -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J",
                       "home_page_url": "https://j.example/",
                       "items": [{"id": "1", "title": "x", "content_html": '<p><a href="p/2">Part two</a></p>',
                                  "date_published": "2025-11-26T15:00:00Z"}]}).encode()
    (entry,) = parse_feed(body, url="https://j.example/feed.json", now=NOW).entries
    assert entry["summary"] == "Part two [1]"
    assert entry["links"] == [{"text": "Part two", "url": "https://j.example/p/2"}]


def test_items_json_prints_links_for_every_item(tmp_path) -> None:
    """End to end: a refreshed local feed's links reach ``items --json``; items without any say []."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    home = tmp_path / "home"
    home.mkdir()
    (home / "feeds.toml").write_text("# test home\n", encoding="utf-8")
    feed = tmp_path / "wire.xml"
    feed.write_bytes(RSS.replace(b"Wed, 26 Nov 2025", b"Fri, 20 Nov 2026")
                     .replace(b'href="/a"', b'href="https://news.example/a"'))
    env = dict(os.environ, CHIPWIRE_HOME=str(home), CHIPWIRE_NOW="2026-11-20T18:00:00Z")
    env.pop("CHIPWIRE_CONFIG", None)

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=root, capture_output=True,
                              text=True, env=env, timeout=120)

    assert cli("feeds", "add", str(feed)).returncode == 0
    assert cli("refresh").returncode == 0
    items = {i["id"]: i for i in json.loads(cli("items", "--json", "--day", "2026-11-20").stdout)}
    assert items["urn:1"]["links"] == [{"text": "the filing", "url": "https://news.example/a"}]
    assert items["urn:1"]["summary"] == "Read the filing [1] and this."
    assert items["urn:2"]["links"] == []


def test_relative_links_resolve_against_the_item_page_even_in_a_local_feed() -> None:
    body = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><guid>urn:9</guid><title>t</title><link>https://site.example/news/story.html</link>
<description>&lt;a href="../maps/r"&gt;map&lt;/a&gt; &lt;a href="/x"&gt;x&lt;/a&gt;</description></item>
<item><guid>urn:10</guid><title>u</title><description>&lt;a href="/y"&gt;y&lt;/a&gt;</description></item>
</channel></rss>"""
    with_page, without = parse_feed(body, url="/home/me/feeds/local.xml", now=NOW).entries
    assert with_page["links"] == [{"text": "map", "url": "https://site.example/maps/r"},
                                  {"text": "x", "url": "https://site.example/x"}]
    # No web page and a local feed: a relative href would be a file: URL, never opened.
    assert without["summary"] == "y" and "links" not in without
