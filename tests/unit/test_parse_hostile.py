"""parse_feed against hostile feeds: exactly what comes out of each trick.

The fixtures live in tests/feeds_hostile/ (hand-written; see each test). The external-entity
and gzip-bomb cases are built at test time because they need a real temp file / 1 MiB of
compressed zeros.
"""

from __future__ import annotations

import gzip
import re
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

import pytest

from feeds.parse import FeedParseError, parse_feed

HOSTILE = Path(__file__).resolve().parents[1] / "feeds_hostile"
NOW = datetime(2025, 11, 28, 12, 0, tzinfo=timezone.utc)
URL = "https://hostile.example/feed.xml"
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def parse(name: str, **kw):  # type: ignore[no-untyped-def]
    return parse_feed((HOSTILE / name).read_bytes(), url=URL, now=NOW, **kw)


def assert_all_text_safe(feed) -> None:  # type: ignore[no-untyped-def]
    assert not UNSAFE.search(feed.title)
    for e in feed.entries:
        for key in ("id", "title", "link", "author"):
            assert not UNSAFE.search(e[key]), (key, e[key])
            assert "\n" not in e[key] and "\t" not in e[key]
        assert not UNSAFE.search(e["summary"])


def test_markup_looking_text_is_kept_literally() -> None:
    feed = parse("markup_titles.xml")
    assert feed.title == "[bold red]Feed[/] [@click=app.quit]x[/]"
    [e] = feed.entries
    assert e["title"] == "[bold]x[/] [@click=app.quit]quit[/] [link=file:///etc/passwd]y[/link]"
    # The description is HTML whose text is "**bold** [red]r[/red] # heading <b>".
    assert e["summary"] == "**bold** [red]r[/red] # heading <b>"
    assert e["published"] == "2025-11-25T10:00:00Z" and not e["published_estimated"]


def test_raw_and_referenced_escape_sequences_are_removed() -> None:
    feed = parse("escapes.xml")
    assert feed.title == "Esc feed"
    raw, ref, eight = feed.entries
    assert raw["title"] == "Raw red title"
    assert raw["summary"] == "raw  clip"  # OSC 52 clipboard write removed whole
    # &#27; only becomes ESC after entity decoding; cleaning runs after decoding.
    assert ref["title"] == "Ref red title"
    assert ref["summary"] == "osc ]52;c;ZWNobyBoaQ== clip"
    # feedparser maps C1 characters to their cp1252 look-alikes before we see them, so the
    # 8-bit CSI/OSC introducers arrive as printable "›"/"œ" (inert), U+009D is dropped.
    assert eight["title"] == "Eight-bit ›31mcsi and 52;c;aGk=œ osc"
    assert eight["author"] == "Mallory"
    # Raw ESC is not legal XML: feedparser fell back to its lenient parser and said so.
    assert feed.warning is not None and "SAXParseException" in feed.warning
    assert_all_text_safe(feed)


def test_eight_bit_c1_in_well_formed_xml() -> None:
    feed = parse("eight_bit_c1.xml")
    [e] = feed.entries
    assert e["title"] == "Eight-bit ›31mcsi and 52;c;aGk=œ osc and q#0œ dcs"
    assert e["summary"] == "it’s fine"
    assert feed.warning is None
    assert_all_text_safe(feed)


def test_bidi_overrides_and_zero_width_characters_removed() -> None:
    feed = parse("bidi.xml")
    [e] = feed.entries
    assert e["title"] == "invoicegpj.exe and isolate zwjx"
    assert e["summary"] == "safetxet"
    assert feed.kind == "atom"
    assert_all_text_safe(feed)


def test_dangerous_links_are_kept_as_text_but_not_openable() -> None:
    feed = parse("links.xml")
    by_id = {e["id"]: e for e in feed.entries}
    assert by_id["l1"]["link"] == "javascript:alert(document.cookie)"
    # feedparser rewrites file:/// to file:// on the way; what matters is the scheme.
    assert by_id["l2"]["link"].startswith("file:")
    assert by_id["l3"]["link"] == "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
    assert by_id["l4"]["link"] == "https://hostile.example/story/4"
    assert by_id["l5"]["link"] == "javascript:alert(1)"  # the tab cannot hide the scheme
    assert [by_id[k]["openable"] for k in ("l1", "l2", "l3", "l4", "l5")] == [
        False, False, False, True, False,
    ]


def test_billion_laughs_is_refused_fast() -> None:
    start = time.process_time()
    with pytest.raises(FeedParseError) as info:
        parse("billion_laughs.xml")
    assert info.value.kind == "entity-bomb"
    assert time.process_time() - start < 0.5


def test_big_entity_referenced_2000_times_is_refused_fast() -> None:
    # 60 KB on disk; expanded it would be a 100-million-character title.
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(FeedParseError) as info:
            parse("big_entity.xml")
        elapsed = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind == "entity-bomb"
    assert elapsed < 0.5
    assert peak < 5_000_000


def test_small_flat_entities_are_expanded() -> None:
    feed = parse("small_entity.xml")
    assert feed.title == "Chipwire & Co"
    [e] = feed.entries
    assert e["title"] == "By Chipwire & Co"  # &nbsp; -> U+00A0 -> collapsed to a space


@pytest.mark.parametrize("form", ["SYSTEM", "PUBLIC"])
def test_external_entity_is_never_resolved(tmp_path: Path, form: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-42")
    ext = f'SYSTEM "{secret.as_uri()}"' if form == "SYSTEM" else f'PUBLIC "-//x//y" "{secret.as_uri()}"'
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY xxe {ext}>\n]>\n'
        '<rss version="2.0"><channel><title>X &xxe;</title><item><title>Leak: &xxe;</title>'
        "<link>https://hostile.example/x</link><description>&xxe;</description></item>"
        "</channel></rss>"
    ).encode()
    feed = parse_feed(doc, url=URL, now=NOW)
    [e] = feed.entries
    assert "TOPSECRET" not in repr(feed)
    assert e["title"] == "Leak: &xxe;"  # the unresolved reference stays visible text
    assert feed.warning is not None and "external entities ignored: xxe" in feed.warning


def test_external_parameter_entity_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.dtd"
    secret.write_text('<!ENTITY leak "TOPSECRET">')
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY % pe SYSTEM "{secret.as_uri()}">'
        "\n%pe;\n]>\n<rss version=\"2.0\"><channel><title>&leak;</title></channel></rss>"
    ).encode()
    with pytest.raises(FeedParseError) as info:
        parse_feed(doc, url=URL, now=NOW)
    assert info.value.kind == "entity-bomb"


def test_100k_character_title_is_capped() -> None:
    start = time.process_time()
    feed = parse("long_title.xml")
    assert time.process_time() - start < 2.0
    [e] = feed.entries
    assert len(e["title"]) == 500 and e["title"].endswith("…")
    assert e["title"].startswith("H20 H20 ")
    assert len(e["author"]) == 200
    assert len(e["summary"]) == 20_000 and e["summary"].endswith("…")


def test_wrong_declared_encoding_is_read_as_utf8() -> None:
    feed = parse("wrong_declared_encoding.xml")
    assert feed.title == "Déjà vu — Überblick"
    assert feed.entries[0]["title"] == "Huawei’s Ascend 910C: “sovereign” chips"
    assert feed.warning == "declared ISO-8859-1 but the bytes are UTF-8"


def test_gbk_characters_under_a_gb2312_label() -> None:
    # U+9555 exists in GBK but not GB2312; decoding with the label alone would fail.
    feed = parse("gbk_labelled_gb2312.xml")
    assert feed.title == "\u9555"
    assert feed.entries[0]["title"] == "寒武纪 \u9555"


def test_bomless_utf16be() -> None:
    feed = parse("utf16be_nobom.xml")
    assert feed.entries[0]["title"] == "Ascend 910B — 国产"
    assert feed.warning == "detected BOM-less utf-16-be"


def test_duplicate_guids_are_both_kept() -> None:
    # Dedup by id is the store's job; the parser reports what the feed says.
    feed = parse("duplicate_guids.xml")
    assert [(e["id"], e["title"]) for e in feed.entries] == [
        ("same-guid", "First telling"),
        ("same-guid", "Second telling"),
    ]
    assert feed.warning == "1 entries repeat an earlier id"


def test_absurd_dates_fall_back_to_now() -> None:
    feed = parse("absurd_dates.xml")
    got = {e["title"]: (e["published"], e["published_estimated"]) for e in feed.entries}
    assert got == {
        "epoch": ("2025-11-28T12:00:00Z", True),
        "far future": ("2025-11-28T12:00:00Z", True),
        "tomorrow-ish": ("2025-11-28T20:00:00Z", False),  # within a day of now: trusted
        "garbage": ("2025-11-28T12:00:00Z", True),
        "offset": ("2025-11-26T04:00:00Z", False),  # +05:30 converted to UTC
        "missing": ("2025-11-28T12:00:00Z", True),
    }


def test_empty_nested_items_are_dropped() -> None:
    feed = parse("empty_nested_items.xml")
    assert [(e["title"], e["summary"]) for e in feed.entries] == [
        ("Real", ""),
        ("", "Only a description survives"),
    ]
    assert feed.entries[1]["id"].startswith("sha1:")
    assert feed.warning == "2 entries without title, link, id or summary dropped"


def test_gzip_bomb_fails_fast_with_bounded_memory() -> None:
    # 1,024 concatenated gzip members of 1 MiB of zeros each: 1 GiB decoded, ~1 MiB on the
    # wire (a valid multi-member gzip stream, built without compressing a gigabyte).
    bomb = gzip.compress(b"\0" * (1 << 20), compresslevel=9) * 1024
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(FeedParseError) as info:
            parse_feed(bomb, url=URL, now=NOW, max_bytes=2_000_000)
        elapsed = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.value.kind == "too-large"
    assert elapsed < 1.0
    assert peak < 6_000_000


def test_gzipped_feed_is_decompressed() -> None:
    body = gzip.compress((HOSTILE / "duplicate_guids.xml").read_bytes())
    feed = parse_feed(body, url=URL, now=NOW)
    assert [e["title"] for e in feed.entries] == ["First telling", "Second telling"]


# --- fuzzing: whatever the bytes, only FeedParseError escapes, and the record holds ----------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_field = st.lists(
    st.sampled_from(list("ab <>&;#x1b[]/\"'=:\x1b\x9b\u202e\u200b\n\t") + [
        "&#27;", "&amp;", "<![CDATA[", "]]>", "<p>", "</p>", "javascript:", "é", "\ud7ff"]),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_field, link=_field, guid=_field, date=_field, desc=_field)
def test_fuzzed_rss_fields(title: str, link: str, guid: str, date: str, desc: str) -> None:
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>{title}</title><link>{link}</link><guid>{guid}</guid>"
            f"<pubDate>{date}</pubDate><description>{desc}</description></item>"
            "</channel></rss>").encode("utf-8", "surrogatepass")
    try:
        feed = parse_feed(body, url=URL, now=NOW)
    except FeedParseError:
        return
    assert_all_text_safe(feed)
    for e in feed.entries:
        assert e["id"] and len(e["title"]) <= 500
        assert e["openable"] == e["link"].lower().startswith(("http://", "https://"))


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_only_raise_feed_parse_error(body: bytes) -> None:
    for candidate in (body, b"<rss>" + body, b'{"items": [' + body):
        try:
            parse_feed(candidate, url=URL, now=NOW)
        except FeedParseError:
            pass
