"""feeds.clean: untrusted text must come out inert, bounded and stable."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.clean import (
    AUTHOR_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    clean_line,
    clean_text,
    html_to_text,
    safe_link,
)
from feeds.entries import derive_id

# Everything a terminal could act on or that hides/reorders text.
FORBIDDEN_LINE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)
FORBIDDEN_TEXT = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
    "\ufeff\ud800-\udfff]"
)

# Text biased towards the dangerous alphabet so Hypothesis actually hits it.
_nasty_chars = st.sampled_from(
    list("\x1b\x9b\x9d\x90\x9c\x07\x00\r\n\t []@;:/&#<>\\ab")
    + ["\u202e", "\u2066", "\u200b", "\ufeff", "\u061c", "\u200f", "\x85", "\x92", "\u2028",
       "\ud800", "é", "中"]
)
nasty_text = st.lists(
    st.one_of(_nasty_chars, st.text(max_size=5), st.sampled_from(
        ["\x1b[31m", "\x1b]52;c;aGk=\x07", "\x1b]0;title\x1b\\", "\x9b2J", "\x1bP1;2|x\x9c",
         "\x1b(B", "\x9d8;;http://x\x07"])),
    max_size=60,
).map("".join)


# --- clean_line -----------------------------------------------------------------------------

def test_clean_line_collapses_whitespace_and_removes_escapes() -> None:
    raw = "  Nvidia\tH20\n\nexport\r\nrules \x1b[31mred\x1b[0m  "
    assert clean_line(raw, 100) == "Nvidia H20 export rules red"


def test_clean_line_removes_osc52_clipboard_write_both_forms() -> None:
    seven_bit = "a\x1b]52;c;ZWNobyBwd25lZA==\x07b"
    st_terminated = "a\x1b]52;c;ZWNobyBwd25lZA==\x1b\\b"
    eight_bit = "a\x9d52;c;ZWNobyBwd25lZA==\x9cb"
    assert clean_line(seven_bit, 50) == "ab"
    assert clean_line(st_terminated, 50) == "ab"
    assert clean_line(eight_bit, 50) == "ab"


def test_clean_line_unterminated_osc_loses_only_its_introducer() -> None:
    # The payload stays visible but inert: there is no ESC left to make it a sequence.
    assert clean_line("x\x1b]52;c;aGk= tail", 50) == "x52;c;aGk= tail"


def test_clean_line_8bit_csi_and_dcs() -> None:
    assert clean_line("a\x9b1;31mb", 50) == "ab"
    assert clean_line("a\x90q#0;2;0;0;0\x9cb", 50) == "ab"


def test_bidi_and_zero_width_removed() -> None:
    raw = "\u202egnp.exe\u202c \u2066x\u2069 a\u200bb\u200dc\ufeffd\u061ce\u200ff\u2060g"
    assert clean_line(raw, 100) == "gnp.exe x abcdefg"


def test_c1_controls_become_their_cp1252_characters() -> None:
    # Windows-1252 feeds mislabelled Latin-1 deliver quotes as C1 controls.
    assert clean_line("don\x92t \x93quote\x94 \x85", 50) == "don’t “quote” …"
    # Bytes with no cp1252 character are dropped.
    assert clean_line("a\x81b\x8dc", 50) == "abc"


def test_markup_looking_text_is_kept_literally() -> None:
    raw = "[bold]x[/] [@click=app.quit]quit[/] [link=file:///etc]y[/link] **md** <b>"
    assert clean_line(raw, 200) == raw


def test_clean_line_caps_length_with_ellipsis() -> None:
    out = clean_line("x" * 100_000, TITLE_MAX)
    assert len(out) == TITLE_MAX
    assert out.endswith("…")
    assert clean_line("abc", 0) == ""
    assert clean_line(None, 10) == ""


# --- clean_text -----------------------------------------------------------------------------

def test_clean_text_keeps_paragraphs_and_tabs() -> None:
    raw = "first\r\nline\t2   \n\n\n\n second para\u2028third\x1b[2J\x07"
    assert clean_text(raw, 1000) == "first\nline\t2\n\n second para\nthird"


def test_clean_text_removes_lone_surrogates() -> None:
    assert clean_text("a\ud800b\udfffc", 10) == "abc"


# --- properties ----------------------------------------------------------------------------

@settings(max_examples=400, deadline=None)
@given(nasty_text, st.integers(min_value=0, max_value=80))
def test_clean_line_properties(s: str, cap: int) -> None:
    out = clean_line(s, cap)
    assert not FORBIDDEN_LINE.search(out)
    assert len(out) <= cap
    assert "  " not in out and out == out.strip()
    assert clean_line(out, cap) == out


@settings(max_examples=400, deadline=None)
@given(nasty_text, st.integers(min_value=0, max_value=80))
def test_clean_text_properties(s: str, cap: int) -> None:
    out = clean_text(s, cap)
    assert not FORBIDDEN_TEXT.search(out)
    assert "\x1b" not in out and "\r" not in out
    assert len(out) <= cap
    assert "\n\n\n" not in out
    assert clean_text(out, cap) == out


@settings(max_examples=200, deadline=None)
@given(nasty_text)
def test_html_to_text_output_is_clean(s: str) -> None:
    out = html_to_text("<p>" + s + "</p><div>" + s + "</div>", 200)
    assert not FORBIDDEN_TEXT.search(out)
    assert len(out) <= 200
    assert "<p>" not in out


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), st.text(max_size=40), st.text(max_size=40))
def test_fallback_id_is_stable_and_distinct(feed: str, title: str, other: str) -> None:
    a = derive_id(None, "", "https://a.example/feed", title)
    assert a == derive_id(None, "", "https://a.example/feed", title)  # deterministic
    assert a.startswith("sha1:") and len(a) == 45
    if other != title:
        assert derive_id(None, "", "https://a.example/feed", other) != a
    if feed != "https://a.example/feed":
        assert derive_id(None, "", feed, title) != a


def test_id_prefers_guid_then_link() -> None:
    assert derive_id("urn:x:1", "https://e.com/a", "f", "t") == "urn:x:1"
    assert derive_id("  ", "https://e.com/a", "f", "t") == "https://e.com/a"
    assert derive_id("\x1b[31m", "", "f", "t").startswith("sha1:")


# --- html_to_text ---------------------------------------------------------------------------

def test_html_to_text_structure() -> None:
    html = (
        "<h2>Export  rules</h2><p>Nvidia&nbsp;H20 &amp; <b>A800</b>.</p>"
        "<p>Line one<br>line two</p><ul><li>BIS</li><li>DOJ</li></ul>"
        "<script>alert(1)</script><style>p{}</style><p>Tail &#8211; end</p>"
    )
    assert html_to_text(html, 1000) == (
        "Export rules\n\nNvidia\u00a0H20 & A800.\n\nLine one\nline two\n\n• BIS\n• DOJ"
        "\n\nTail – end"
    )


def test_html_to_text_escape_via_character_reference_is_removed() -> None:
    assert html_to_text("<p>&#27;[31mred&#27;]52;c;aGk=&#7;</p>", 100) == "[31mred]52;c;aGk="


def test_html_to_text_keeps_bracket_markup_and_stray_lt() -> None:
    assert html_to_text("<p>[bold]x[/] a < b</p>", 100) == "[bold]x[/] a < b"


def test_html_to_text_hides_comments_even_with_markup_inside() -> None:
    assert html_to_text("a <!-- <p>secret</p> --> b", 100) == "a b"


def test_html_to_text_caps_length() -> None:
    out = html_to_text("<p>" + "word " * 50_000 + "</p>", SUMMARY_MAX)
    assert len(out) <= SUMMARY_MAX and out.endswith("…")


@pytest.mark.parametrize(
    "junk",
    ["<a" * 200_000, "<!--" * 100_000, "</" * 200_000, "<![CDATA[" * 50_000, "<p>" * 100_000,
     "<div><span>" * 50_000, '<a b="' * 100_000, "&#" * 200_000],
    ids=["open-tags", "comments", "end-tags", "cdata", "paragraphs", "nesting", "quotes", "refs"],
)
def test_html_to_text_is_bounded_on_junk(junk: str) -> None:
    # html.parser alone took 50 s on 400 KB of "<a<a<a..."; the dangling-"<" escape fixes it.
    start = time.process_time()
    out = html_to_text(junk, SUMMARY_MAX)
    assert time.process_time() - start < 2.0
    assert len(out) <= SUMMARY_MAX


# --- safe_link ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("https://e.com/a", None, ("https://e.com/a", True)),
        ("/a?b=1", "https://e.com/feed/rss", ("https://e.com/a?b=1", True)),
        ("c.html", "https://e.com/feed/rss", ("https://e.com/feed/c.html", True)),
        ("javascript:alert(1)", "https://e.com/", ("javascript:alert(1)", False)),
        ("java\tscript:alert(1)", "https://e.com/", ("javascript:alert(1)", False)),
        (" JavaScript:alert(1)", "https://e.com/", ("JavaScript:alert(1)", False)),
        ("data:text/html,<b>x</b>", None, ("data:text/html,<b>x</b>", False)),
        ("file:///etc/passwd", None, ("file:///etc/passwd", False)),
        ("http:///nohost", None, ("http:///nohost", False)),
        ("http://[::1", None, ("http://[::1", False)),
        ("//cdn.e.com/x", "https://e.com/", ("https://cdn.e.com/x", True)),
        ("rel", "/local/path/feed.xml", ("rel", False)),
        ("https://e.com/a b", None, ("https://e.com/a%20b", True)),
        ("https://e.com/\x1b[31m\u202ex", None, ("https://e.com/x", True)),
        ("", "https://e.com/", ("", False)),
        (None, None, ("", False)),
    ],
)
def test_safe_link(href: str | None, base: str | None, expected: tuple[str, bool]) -> None:
    assert safe_link(href, base) == expected


def test_safe_link_caps_absurd_length() -> None:
    link, openable = safe_link("https://e.com/" + "a" * 10_000, None)
    assert len(link) <= 2000 and not openable


def test_caps_are_the_record_contract() -> None:
    assert (TITLE_MAX, SUMMARY_MAX, AUTHOR_MAX) == (500, 20_000, 200)
