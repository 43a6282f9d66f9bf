"""OPML import/export: the shapes real readers write, a round trip, and hostile files refused."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feeds.opml import OpmlError, read_opml, write_opml
from feeds.subscriptions import Subscription, load_subscriptions, save_subscriptions

# What `newsboat -e` writes: a flat list, no folders.
NEWSBOAT = """<?xml version="1.0"?>
<opml version="1.0">
  <head>
    <title>newsboat - Exported Feeds</title>
  </head>
  <body>
    <outline type="rss" xmlUrl="https://www.theregister.com/headlines.atom" htmlUrl="https://www.theregister.com/" title="The Register"/>
    <outline type="rss" xmlUrl="https://hnrss.org/newest?q=Nvidia&amp;points=20" htmlUrl="https://news.ycombinator.com/" title="Hacker News: Nvidia"/>
    <outline type="rss" xmlUrl="https://semianalysis.com/feed/" htmlUrl="" title=""/>
  </body>
</opml>
"""

# What Miniflux exports: one folder outline per category, feeds with title/text/xmlUrl/htmlUrl.
MINIFLUX = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
    <head>
        <title>Miniflux</title>
        <dateCreated>Mon, 02 Mar 2026 10:00:00 UTC</dateCreated>
    </head>
    <body>
        <outline text="Chips">
            <outline title="EE Times" text="EE Times" xmlUrl="https://www.eetimes.com/feed/" htmlUrl="https://www.eetimes.com/"></outline>
            <outline title="ServeTheHome" text="ServeTheHome" xmlUrl="https://www.servethehome.com/feed/" htmlUrl="https://www.servethehome.com/"></outline>
        </outline>
        <outline text="Policy">
            <outline title="DOJ" text="DOJ" xmlUrl="https://www.justice.gov/news/rss?type=press_release&amp;m=1" htmlUrl="https://www.justice.gov/"></outline>
        </outline>
    </body>
</opml>
"""

# Seen in the wild: nested folders, lower-case xmlurl, `url`, text-only titles, OPML 2.0 category
# attributes, link outlines that are not feeds, duplicates, and schemes that are not feeds.
WILD = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>mixed</title></head><body>
<outline text="Tech">
  <outline text="Chips">
    <outline text="SemiEngineering" xmlurl="https://semiengineering.com/feed/"/>
  </outline>
  <outline title="Titled" text="Texted" type="rss" url="https://a.example/rss"/>
</outline>
<outline text="Just a link" type="link" url="https://example.org/page.html"/>
<outline text="Tagged" xmlUrl="https://b.example/atom" category="/Policy/Export controls,/Other"/>
<outline text="dupe" xmlUrl="HTTPS://SemiEngineering.com:443/feed/"/>
<outline text="evil" xmlUrl="javascript:alert(1)"/>
<outline text="local" xmlUrl="/etc/passwd"/>
<outline text="   " xmlUrl="https://c.example/feed"/>
</body></opml>
"""


def write(tmp_path: Path, text: str, name: str = "subs.opml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_newsboat_export(tmp_path: Path) -> None:
    subs = read_opml(write(tmp_path, NEWSBOAT))
    assert subs == [
        Subscription("https://www.theregister.com/headlines.atom", "The Register"),
        Subscription("https://hnrss.org/newest?q=Nvidia&points=20", "Hacker News: Nvidia"),
        Subscription("https://semianalysis.com/feed/"),
    ]


def test_miniflux_export_keeps_folders_as_categories(tmp_path: Path) -> None:
    subs = read_opml(write(tmp_path, MINIFLUX))
    assert subs == [
        Subscription("https://www.eetimes.com/feed/", "EE Times", "Chips"),
        Subscription("https://www.servethehome.com/feed/", "ServeTheHome", "Chips"),
        Subscription("https://www.justice.gov/news/rss?type=press_release&m=1", "DOJ", "Policy"),
    ]


def test_shapes_seen_in_the_wild(tmp_path: Path) -> None:
    subs = read_opml(write(tmp_path, WILD))
    assert subs == [
        Subscription("https://semiengineering.com/feed/", "SemiEngineering", "Tech / Chips"),
        Subscription("https://a.example/rss", "Titled", "Tech"),
        Subscription("https://b.example/atom", "Tagged", "Policy / Export controls"),
        Subscription("https://c.example/feed", None, None),
    ]


def test_local_paths_only_when_allowed(tmp_path: Path) -> None:
    subs = read_opml(write(tmp_path, WILD), allow_local=True)
    assert Subscription("/etc/passwd", "local") in subs
    assert not any(s.url.startswith("javascript") for s in subs)


def test_untrusted_titles_are_cleaned(tmp_path: Path) -> None:
    # (XML 1.0 cannot carry ESC at all, even as &#27;: expat rejects it.)
    text = NEWSBOAT.replace('title="The Register"', 'title="The\tReg&#8238;is&#8203;ter [bold]x[/]"')
    subs = read_opml(write(tmp_path, text))
    assert subs[0].title == "The Register [bold]x[/]"  # bidi override, zero-width gone; markup stays text


def test_round_trip(tmp_path: Path) -> None:
    subs = [
        Subscription("https://a.example/feed?x=1&y=2", 'Quotes " & <angles> \'apos\''),
        Subscription("https://b.example/", None),
        Subscription("https://c.example/rss", "C", "Chips"),
        Subscription("https://d.example/rss", "D", "Chips"),
        Subscription("https://e.example/rss", "E", "Policy / Export controls"),
        Subscription("https://f.example/rss", "Ünïcødé 芯片", "Policy / Export controls"),
    ]
    text = write_opml(subs, title="my <list> & more", now=datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc))
    root = ET.fromstring(text.encode())
    assert root.tag == "opml" and root.get("version") == "2.0"
    assert root.findtext("head/title") == "my <list> & more"
    assert root.findtext("head/dateCreated") == "Mon, 02 Mar 2026 10:00:00 GMT"
    policy = [o for o in root.find("body") if o.get("text") == "Policy"][0]
    assert policy.find("outline").get("text") == "Export controls"  # nested, not "Policy / Export controls"
    feed = root.find("body/outline")
    assert feed.get("type") == "rss" and feed.get("xmlUrl") == "https://a.example/feed?x=1&y=2"
    back = read_opml(write(tmp_path, text))
    assert back == subs


def test_paused_feeds_and_minimum_intervals_survive_a_round_trip(tmp_path: Path) -> None:
    subs = [
        Subscription("https://a.example/rss", "A", enabled=False),
        Subscription("https://b.example/rss", "B", "Chips", min_interval=7200),
        Subscription("https://c.example/rss", "C", enabled=False, min_interval=0),  # 0: "no minimum"
        Subscription("https://d.example/rss", "D"),
    ]
    text = write_opml(subs)
    outlines = {o.get("xmlUrl"): o for o in ET.fromstring(text.encode()).iter("outline") if o.get("xmlUrl")}
    assert outlines["https://a.example/rss"].get("chipwireEnabled") == "false"
    assert outlines["https://b.example/rss"].get("chipwireMinInterval") == "7200"
    assert outlines["https://c.example/rss"].get("chipwireMinInterval") == "0"
    # Defaults are not spelled out: another reader's export and ours look alike.
    assert set(outlines["https://d.example/rss"].keys()) == {"type", "text", "title", "xmlUrl"}
    by_url = sorted(subs, key=lambda sub: sub.url)  # folders are written after the unfiled feeds
    assert sorted(read_opml(write(tmp_path, text)), key=lambda sub: sub.url) == by_url
    feeds = tmp_path / "feeds.toml"
    save_subscriptions(feeds, read_opml(write(tmp_path, text)))
    assert sorted(load_subscriptions(feeds), key=lambda sub: sub.url) == by_url


@pytest.mark.parametrize(
    ("attrs", "enabled", "interval"),
    [
        ('chipwireEnabled="no"', False, None),
        ('chipwireenabled="FALSE"', False, None),  # attribute names are matched ignoring case
        ('chipwireEnabled="yes please"', True, None),  # not a clear "false": the feed stays on
        ('chipwireMinInterval="2h"', True, 7200),  # the feeds.toml grammar is accepted too
        ('chipwireMinInterval="soon"', True, None),
        ('chipwireMinInterval="-5"', True, None),
        ('chipwireMinInterval="99999999999"', True, None),  # over a year: a typo, not a wish
    ],
)
def test_settings_attributes_are_read_leniently(tmp_path: Path, attrs: str, enabled: bool,
                                                interval: int | None) -> None:
    doc = f'<opml version="2.0"><body><outline text="x" xmlUrl="https://x.example/rss" {attrs}/></body></opml>'
    [sub] = read_opml(write(tmp_path, doc))
    assert (sub.enabled, sub.min_interval) == (enabled, interval)


def test_round_trip_through_feeds_toml(tmp_path: Path) -> None:
    subs = read_opml(write(tmp_path, MINIFLUX))
    feeds = tmp_path / "feeds.toml"
    save_subscriptions(feeds, subs)
    assert read_opml(write(tmp_path, write_opml(load_subscriptions(feeds)), "again.opml")) == subs


def test_control_characters_never_break_the_xml() -> None:
    text = write_opml([Subscription("https://a.example/", "bell\x07 nul\x00 ok")])
    root = ET.fromstring(text.encode())
    assert root.find("body/outline").get("title") == "bell nul ok"


# --------------------------------------------------------------------------- hostile files


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://a.example/"/></body></opml>
"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE opml [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/"/></body></opml>
"""

BARE_DOCTYPE = """<?xml version="1.0"?>

<!DOCTYPE opml SYSTEM "http://127.0.0.1:9/opml.dtd">
<opml version="2.0"><body/></opml>
"""


@pytest.mark.parametrize(("text", "line", "needle"), [
    (BILLION_LAUGHS, 2, "DOCTYPE"),
    (EXTERNAL, 2, "DOCTYPE"),
    (BARE_DOCTYPE, 3, "DOCTYPE"),
])
def test_doctype_and_entities_refused(tmp_path: Path, text: str, line: int, needle: str) -> None:
    path = write(tmp_path, text)
    started = time.perf_counter()
    with pytest.raises(OpmlError) as exc:
        read_opml(path)
    assert time.perf_counter() - started < 1
    message = str(exc.value)
    assert str(path) in message and f"line {line}:" in message and needle in message


def test_utf16_doctype_refused(tmp_path: Path) -> None:
    path = tmp_path / "u16.opml"
    path.write_bytes(EXTERNAL.replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>', 1).encode("utf-16"))
    with pytest.raises(OpmlError, match="DOCTYPE"):
        read_opml(path)


def test_too_large_refused(tmp_path: Path) -> None:
    path = write(tmp_path, MINIFLUX)
    with pytest.raises(OpmlError) as exc:
        read_opml(path, max_bytes=100)
    assert str(path) in str(exc.value) and "larger than 100 bytes" in str(exc.value)
    assert len(read_opml(path, max_bytes=len(MINIFLUX.encode()))) == 3


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIFLUX.replace('<outline text="Policy">', '<outline text="P&licy">'))
    with pytest.raises(OpmlError) as exc:
        read_opml(path)
    assert str(path) in str(exc.value) and "line 12:" in str(exc.value) and "not well-formed" in str(exc.value)


@pytest.mark.parametrize(("text", "needle"), [
    ("", "not well-formed"),
    ('<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "not an OPML file"),
    ("just some text", "not well-formed"),
])
def test_not_opml(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(OpmlError, match=needle):
        read_opml(path)


def test_empty_opml_is_no_feeds(tmp_path: Path) -> None:
    assert read_opml(write(tmp_path, '<opml version="1.0"><head/><body/></opml>')) == []


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=80, deadline=None)
@given(title=st.text(max_size=40), category=st.text(max_size=20), doc_title=st.text(max_size=20))
def test_written_opml_is_always_well_formed(title: str, category: str, doc_title: str) -> None:
    text = write_opml([Subscription("https://a.example/?a=1&b=<2>", title or None, category or None)], title=doc_title)
    root = ET.fromstring(text.encode("utf-8"))
    urls = [o.get("xmlUrl") for o in root.iter("outline") if o.get("xmlUrl")]
    assert urls == ["https://a.example/?a=1&b=<2>"]
