"""Turning untrusted feed text and URLs into inert Markdown.

Everything a feed sends is untrusted: a title like ``[x](javascript:alert(1))``, ``<img
onerror=...>`` or ``# heading`` must come out of a digest as the literal characters, never as a
link, HTML or structure. CommonMark lets a backslash escape *any* ASCII punctuation character,
so escaping is safe to over-apply; we escape every character that can open or close an inline
construct anywhere in a line (emphasis, code, links, images, autolinks, raw HTML, entities,
GFM tables, strikethrough and the ``$`` math GitHub renders), and the characters that start a
block only when they lead the text. Newlines and runs of whitespace collapse to one space, so
feed text can never reach the start of a line where block syntax lives.

Only http and https URLs ever become link destinations; they are percent-encoded so they
contain no space, parenthesis, angle bracket or backslash, and ``&`` is escaped so an entity
reference inside a URL is not decoded by the Markdown reader.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit

#: Characters escaped wherever they appear: each can open or close an inline construct.
#: ``(``, ``)`` and ``!`` are left alone on purpose: they only mean something next to a
#: ``[`` or ``]``, which are always escaped, and "Wire (sample)" should read as written.
_INLINE_SPECIAL = frozenset("\\`*_{}[]#|<>&~$")
#: Characters that only matter at the start of a line (lists, block quotes, headings, rules).
_LEADING_SPECIAL = frozenset("-+.=>:")
#: A leading ordered-list marker like ``1.`` or ``12)``.
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])")
#: Characters a URL keeps verbatim; everything else is percent-encoded (``%`` is kept so
#: existing escapes are not double-encoded). Parentheses are deliberately absent.
_URL_SAFE = "-._~:/?#[]@!$&'*+,;=%"


def _drop_controls(text: str) -> str:
    """Remove control and format characters that survived cleaning (defence in depth)."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isspace() or unicodedata.category(ch)[0] != "C" else " " for ch in text
    )


def one_line(text: str, max_len: int | None = None) -> str:
    """Collapse all whitespace (including Unicode line separators) into single spaces.

    ``max_len`` truncates on a character boundary with an ellipsis, before any escaping, so
    a truncation can never leave a dangling backslash.
    """
    flat = " ".join(_drop_controls(text or "").split())
    if max_len is not None and len(flat) > max_len:
        flat = flat[: max_len - 1].rstrip() + "…"
    return flat


def escape(text: str, max_len: int | None = None, *, leading: bool = True) -> str:
    """Untrusted text as literal inline Markdown, on one line.

    Args:
        text: any string (titles, sources, evidence, user-supplied theme titles).
        max_len: optional cap on the *unescaped* length, with an ellipsis.
        leading: also escape a block marker at the start (``-``, ``>``, ``1.``...). On by
            default so the text is safe even where it might begin a line.
    """
    flat = one_line(text, max_len)
    if not flat:
        return ""
    out = ["\\" + ch if ch in _INLINE_SPECIAL else ch for ch in flat]
    marker = _ORDERED_MARKER.match(flat) if leading else None
    if marker:
        # "1. list" / "2) list": escape the delimiter so it is not an ordered-list marker.
        pos = marker.end(2) - 1
        out[pos] = "\\" + flat[pos]
    elif leading and flat[0] in _LEADING_SPECIAL:
        out[0] = "\\" + flat[0]
    return "".join(out)


def is_web_url(url: str) -> bool:
    """True only for http/https URLs with a host: the only links a digest makes clickable."""
    if not url or not url.strip():
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def link_destination(url: str) -> str:
    """A web URL made safe to put between ``(`` and ``)`` of a Markdown link.

    Raises:
        ValueError: for anything but an http/https URL (callers check :func:`is_web_url`).
    """
    if not is_web_url(url):
        raise ValueError(f"not an http(s) URL: {url[:80]!r}")
    encoded = quote(one_line(url), safe=_URL_SAFE)
    return encoded.replace("&", "\\&")


def link(text: str, url: str, max_len: int | None = None) -> str:
    """``[text](url)`` when ``url`` is http(s); otherwise the escaped text alone.

    Link text never nests another link: its brackets are escaped like everything else.
    """
    label = escape(text, max_len) or escape(url, 120) or "untitled"
    if not is_web_url(url):
        return label
    return f"[{label}]({link_destination(url)})"
