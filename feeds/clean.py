"""Make untrusted feed text safe to show in a terminal and to store.

Feed text reaches a terminal, and a terminal obeys what it is sent: ANSI escape sequences can
recolour the screen, retitle the window or write to the clipboard (OSC 52); bidi overrides and
zero-width characters make text read differently from what it is. Everything a feed supplies
(titles, summaries, authors, feed titles) passes through here *after* the parser has decoded
entities, because ``&#27;`` only becomes a raw ESC once decoded.

Cleaning removes characters; it never escapes or interprets markup. ``[bold]x[/]`` stays
literally ``[bold]x[/]``: it is the UI's job never to treat feed text as markup.

Public API: :func:`clean_line`, :func:`clean_text`, :func:`html_to_text`,
:func:`html_to_text_links`, :func:`safe_link`.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

__all__ = [
    "TITLE_MAX",
    "SUMMARY_MAX",
    "AUTHOR_MAX",
    "LINK_MAX",
    "clean_line",
    "clean_text",
    "html_to_text",
    "html_to_text_links",
    "safe_link",
]

TITLE_MAX = 500
SUMMARY_MAX = 20_000
AUTHOR_MAX = 200
LINK_MAX = 2_000
"""Links longer than this are junk or an attack; real article URLs are far shorter."""

_ELLIPSIS = "…"

# Escape sequences, 7-bit (ESC-introduced) and 8-bit (C1-introduced) forms, per ECMA-48.
# String-type sequences (OSC, DCS, SOS, PM, APC) run to a terminator: BEL, ST (ESC \ or U+009C).
# An unterminated one loses only its introducer: swallowing the rest of a summary because of a
# stray ESC ] would hide real text, and once the ESC is gone the remainder is inert.
_STRING_SEQ = re.compile(
    r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
)
_CSI_SEQ = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]")
# Remaining two-or-more byte ESC forms: nF (intermediates then final), Fp, Fe, Fs.
_OTHER_ESC = re.compile(r"\x1b[ -/]*[0-~]?")

# C0 controls except \t and \n (\r is normalised before this runs), DEL.
_C0_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Bidi embeddings/overrides/isolates and marks, Arabic letter mark; zero-width characters and
# the invisible operators; byte-order marks; lone surrogates (from JSON "\ud800", they make
# later UTF-8 encoding fail).
_INVISIBLE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
    "\u200b-\u200d\u2060-\u2064\ufeff\ufff9-\ufffb"
    "\ud800-\udfff]"
)


def _c1_to_cp1252(match: re.Match[str]) -> str:
    """Map a C1 control to the cp1252 character it almost always stands for, or drop it.

    Feeds written in Windows-1252 but labelled Latin-1 deliver curly quotes and dashes as
    U+0080..U+009F; they are control characters to a terminal but text to the author.
    """
    try:
        return match.group().encode("latin-1").decode("cp1252")
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D have no cp1252 character
        return ""


_C1 = re.compile(r"[\x80-\x9f]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029]")  # not U+0085: in feeds it is cp1252 "…"
_TRAILING_WS = re.compile(r"[ \t]+\n")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_ANY_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                         r"\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\ud800-\udfff]")


def _strip_unsafe(s: str) -> str:
    """Remove escape sequences, controls (except \\t, \\n), bidi and zero-width characters."""
    if not _ANY_UNSAFE.search(s):
        return s  # the common case: nothing to do, skip six regex passes
    s = _STRING_SEQ.sub("", s)
    s = _CSI_SEQ.sub("", s)
    s = _OTHER_ESC.sub("", s)
    s = _C0_TEXT.sub("", s)
    s = _C1.sub(_c1_to_cp1252, s)
    return _INVISIBLE.sub("", s)


def _truncate(s: str, max_len: int) -> str:
    """Cut to ``max_len`` characters, marking the cut with an ellipsis."""
    if len(s) <= max_len:
        return s
    if max_len <= 1:
        return s[:max_len]
    return s[: max_len - 1].rstrip() + _ELLIPSIS


def clean_line(s: str | None, max_len: int) -> str:
    """Clean text that must stay on one line (titles, authors, feed titles).

    Every run of whitespace, newlines and tabs included, becomes one space, so a title can
    never break a list row. Idempotent; the result is at most ``max_len`` characters.
    """
    if not s or max_len <= 0:
        return ""
    s = _strip_unsafe(s)
    s = " ".join(s.split())  # str.split() also splits on \r, U+2028, U+00A0 and friends
    return _truncate(s, max_len)


def clean_text(s: str | None, max_len: int) -> str:
    """Clean multi-line text (summaries): keeps ``\\n`` and ``\\t``, nothing else invisible.

    Line endings become ``\\n``, trailing blanks go, and more than one blank line collapses
    to one, so paragraphs stay separated by exactly ``"\\n\\n"``. Idempotent; the result is at
    most ``max_len`` characters.
    """
    if not s or max_len <= 0:
        return ""
    # Each pass is guarded by a cheap substring test: most summaries need none of them.
    if "\r" in s or "\u2028" in s or "\u2029" in s:
        s = _NEWLINES.sub("\n", s)
    s = _strip_unsafe(s)
    if " \n" in s or "\t\n" in s:
        s = _TRAILING_WS.sub("\n", s)
    if "\n\n\n" in s:
        s = _MANY_NEWLINES.sub("\n\n", s)
    s = s.strip()
    s = _truncate(s, max_len)
    # A cut can leave "\n\n" + "…" fine, but never trailing whitespace: _truncate rstrips.
    return s


def html_to_text(html: str | None, max_len: int) -> str:
    """Render untrusted HTML as readable plain text of at most ``max_len`` characters.

    Paragraphs and other blocks are separated by ``"\\n\\n"``, ``<br>`` and list items start
    new lines, tags vanish, entities are decoded, and scripts and styles are dropped. The
    input is cut to a multiple of ``max_len`` first so a megabyte of nested junk costs
    bounded time.
    """
    if not html or max_len <= 0:
        return ""
    from feeds.htmltext import html_to_plain

    return clean_text(html_to_plain(html, max_chars=max_len), max_len)


def html_to_text_links(html: str | None, max_len: int, base: str | None) -> tuple[str, list[dict]]:
    """:func:`html_to_text` with the links kept as data: ``(text, links)``.

    Each link's text is followed by ``[n]`` in the text and ``links[n-1]`` is
    ``{"text": ..., "url": ...}``. Only http(s) links (resolved against ``base`` like item links)
    are numbered; ``javascript:``, ``data:``, ``file:`` and other hrefs are dropped and their
    text stays plain, so nothing in the list is unsafe to hand to a browser. Links whose marker
    the length cap cut off are dropped with it.
    """
    if not html or max_len <= 0:
        return "", []
    from feeds.htmltext import html_to_plain_links

    resolved: dict[str, str | None] = {}  # a summary often repeats an href (urljoin is ~20 µs)

    def resolve(href: str) -> str | None:
        if href not in resolved:
            link, openable = safe_link(href, base)
            resolved[href] = link if openable else None
        return resolved[href]

    raw, pairs = html_to_plain_links(html, max_chars=max_len, resolve=resolve)
    text = clean_text(raw, max_len)
    links = []
    for number, (label, url) in enumerate(pairs, start=1):
        if f"[{number}]" not in text:
            break  # numbered in order of appearance: the cut took this one and all after it
        links.append({"text": clean_line(label, TITLE_MAX), "url": url})
    return text, links


_URL_INSIGNIFICANT = re.compile(r"[\t\n\r]")


def safe_link(href: str | None, base: str | None) -> tuple[str, bool]:
    """Resolve ``href`` against ``base`` and say whether it is safe to open in a browser.

    Returns ``(absolute_link, openable)``. Only http(s) URLs with a host are openable;
    ``javascript:``, ``data:``, ``file:`` and anything else are returned as text so the user
    can still see them, but the UI must not open them. Tabs and newlines are removed
    first, as browsers do, so ``java\\tscript:`` cannot hide its scheme.
    """
    if not href:
        return "", False
    link = _URL_INSIGNIFICANT.sub("", href)
    link = "%20".join(_strip_unsafe(link).split())  # browsers encode interior spaces too
    if not link:
        return "", False
    if len(link) > LINK_MAX:
        return _truncate(link, LINK_MAX), False
    try:
        parts = urlsplit(link)
        if not parts.scheme and base:
            base_parts = urlsplit(base)
            if base_parts.scheme in ("http", "https", "file") and (
                base_parts.netloc or base_parts.scheme == "file"
            ):
                link = urljoin(base, link)
                parts = urlsplit(link)
        scheme = parts.scheme.lower()
        openable = scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. "http://[::1" — an unbalanced IPv6 bracket
        return link, False
    return link, openable
