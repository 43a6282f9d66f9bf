"""Look at raw feed bytes before any parser does: decompress, decode, and guess the format.

feedparser guesses encodings well for honest feeds, but real feeds lie: UTF-16 without a BOM,
UTF-8 bytes under an ISO-8859-1 declaration, GBK characters under a gb2312 label. We decide
the encoding here, decode once, and hand feedparser clean UTF-8 with a matching declaration,
so it never has to guess. Everything here is bounded in memory and linear in time.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from feeds.parsed import FeedParseError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "gunzip_bounded",
    "header_charset",
    "decode_body",
    "to_utf8_xml",
    "sniff_format",
    "root_element",
]

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


def gunzip_bounded(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Decompress gzip bytes (all members) without ever holding more than ``max_bytes``.

    Feeds saved as ``.gz`` or served gzip-encoded twice arrive here still compressed. The one
    bounded gunzip is ``feeds._decode``'s (the HTTP path's), in its lenient whole-file mode;
    here its errors become the parser's "too-large" and "malformed".
    """
    from feeds._decode import DecodeError, TooLarge, gunzip_bounded as _gunzip

    try:
        return _gunzip(body, max_bytes)
    except TooLarge:
        raise FeedParseError("too-large", f"decompressed feed exceeds {max_bytes:,} bytes") from None
    except DecodeError as exc:
        raise FeedParseError("malformed", f"broken gzip data: {exc}") from None


_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:+-]+)""", re.I)
_XML_DECL_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:+-]{1,40})["']"""
)


def header_charset(headers: Mapping[str, str] | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header, if any (header names any case)."""
    if not headers:
        return None
    for name, value in headers.items():
        if name.lower() == "content-type" and value:
            m = _CHARSET_PARAM.search(value)
            return m.group(1) if m else None
    return None


# Labels that mean "a smaller sibling of a codec everyone actually writes": decoding with the
# superset reads the same bytes correctly and also the extra characters real feeds contain.
_SUPERSETS = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
_MULTIBYTE = {"gb18030", "big5hkscs", "cp932", "cp949", "euc_jp", "iso2022_jp", "euc_jis_2004"}


def _codec(label: str | None) -> str | None:
    """Normalise an encoding label to a Python codec name, or None if unknown or unsafe."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    name = _SUPERSETS.get(name, name)
    # A declared UTF-16/32 in a byte stream we already know is ASCII-compatible is a lie;
    # utf-7 and friends can smuggle markup past byte-level checks.
    if name.startswith(("utf-16", "utf-32", "utf-7")) or name in ("rot-13", "base64"):
        return None
    return name


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _wide_encoding(head: bytes) -> str | None:
    """Recognise BOM-less UTF-16/32 from where the zero bytes fall in ASCII-range text.

    An XML or JSON document starts with ASCII characters (``<``, ``{``, whitespace), so in
    UTF-16LE every odd byte of the head is zero, in UTF-16BE every even one, and UTF-32 has
    three zeros in four.
    """
    n = len(head) - len(head) % 4
    if n < 4:
        return None
    head = head[:n]
    zeros = [0, 0, 0, 0]
    for i in range(n):
        if head[i] == 0:
            zeros[i % 4] += 1
    quarter = n // 4
    hi = 0.9 * quarter
    if zeros[1] >= hi and zeros[2] >= hi and zeros[3] >= hi and zeros[0] < 0.5 * quarter:
        return "utf-32-le"
    if zeros[0] >= hi and zeros[1] >= hi and zeros[2] >= hi and zeros[3] < 0.5 * quarter:
        return "utf-32-be"
    if zeros[1] >= hi and zeros[3] >= hi and zeros[0] + zeros[2] < 0.5 * quarter:
        return "utf-16-le"
    if zeros[0] >= hi and zeros[2] >= hi and zeros[1] + zeros[3] < 0.5 * quarter:
        return "utf-16-be"
    return None


def decode_body(body: bytes, charset: str | None = None) -> tuple[str, str, str | None]:
    """Decode feed bytes to text, trusting the bytes over labels that contradict them.

    Order: a BOM; BOM-less UTF-16/32 by zero-byte pattern; pure ASCII; valid UTF-8 (even under
    a single-byte label — Latin-1 text is essentially never valid UTF-8, the reverse mistake
    is common); the HTTP charset, then the XML declaration, each only if the bytes decode
    strictly; a single-byte or UTF-8 label the bytes break is kept, its bad bytes read as
    windows-1252 (what feedparser does for Latin-1 under a utf-8 label); a broken multibyte label
    gets replacement characters; with no label, cp1252, then Latin-1, which cannot fail.

    Returns ``(text, codec_used, note)``; ``note`` explains a repair worth a warning.
    """
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(enc, errors="replace"), enc, None
    wide = _wide_encoding(body[:512])
    if wide:
        return body.decode(wide, errors="replace"), wide, f"detected BOM-less {wide}"
    if body.isascii():
        return body.decode("ascii"), "ascii", None

    m = _XML_DECL_ENCODING.match(body[:1024])
    declared_label = m.group(1).decode("ascii") if m else None
    labels = [lbl for lbl in (charset, declared_label) if lbl]
    candidates = [c for c in (_codec(lbl) for lbl in labels) if c]

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        note = None
        if candidates and candidates[0] not in ("utf-8",) and candidates[0] not in _MULTIBYTE:
            note = f"declared {labels[0]} but the bytes are UTF-8"
        if not candidates or candidates[0] not in _MULTIBYTE:
            return text, "utf-8", note
        # A multibyte label (gb18030, cp932, ...) on valid UTF-8: try the label first below.
    for enc in candidates:
        try:
            return body.decode(enc), enc, None
        except UnicodeDecodeError:
            continue
    try:
        text = body.decode("utf-8")
        return text, "utf-8", f"declared {labels[0]} but the bytes are UTF-8"
    except UnicodeDecodeError:
        pass
    if candidates and candidates[0] not in _MULTIBYTE:
        # A single-byte label or UTF-8 the bytes do not honour: by far the commonest case is
        # Latin-1/windows-1252 text under a utf-8 label. feedparser then reads windows-1252
        # ("Café", not "Caf\ufffd"); so do we, byte by byte, so that real UTF-8 in the
        # same body (a mixed feed) stays readable too.
        return body.decode(candidates[0], errors=_CP1252_BYTES), candidates[0], (
            f"declared {labels[0]} but some bytes are not; read those as windows-1252"
        )
    if candidates:
        # A multibyte label (GBK, Shift_JIS...) with a few damaged bytes: the label is probably
        # right, and no single-byte reading would keep the rest readable.
        return body.decode(candidates[0], errors="replace"), candidates[0], (
            f"invalid {candidates[0]} bytes replaced"
        )
    try:
        return body.decode("cp1252"), "cp1252", "no encoding declared; read as windows-1252"
    except UnicodeDecodeError:
        pass
    # Bytes cp1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are lead bytes in the CJK
    # double-byte encodings, so an undeclared Shift_JIS or GBK feed lands here.
    for enc in ("cp932", "gb18030"):
        try:
            return body.decode(enc), enc, f"no encoding declared; read as {enc}"
        except UnicodeDecodeError:
            continue
    return body.decode("latin-1"), "latin-1", "no encoding declared; read as latin-1"


def _cp1252_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read the offending bytes as windows-1252 (Latin-1 where it has none)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    return "".join(bytes((b,)).decode("cp1252", errors="ignore") or chr(b) for b in bad), exc.end


_CP1252_BYTES = "chipwire.cp1252-bytes"
codecs.register_error(_CP1252_BYTES, _cp1252_bytes)


_DECL_ENCODING_ATTR = re.compile(r"""(<\?xml\b[^>]{0,200}?)\s+encoding\s*=\s*["'][^"']*["']""")


def to_utf8_xml(text: str) -> bytes:
    """Re-encode decoded XML as UTF-8 and make its declaration agree.

    Leading whitespace before ``<?xml`` (common, and fatal to a strict parser) goes too, so
    feedparser's fast strict parser succeeds more often than its slow, lenient fallback.
    """
    text = text.lstrip("\ufeff \t\r\n")
    if text.startswith("<?xml"):
        text = _DECL_ENCODING_ATTR.sub(r"\1", text, count=1)
    return text.encode("utf-8", errors="replace")


_LEADING_JUNK = re.compile(r"\s*(?:(?:<\?[^>]{0,4000}\?>|<!--.{0,20000}?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)\s*)*", re.S | re.I)
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]{0,100})")


def root_element(text: str) -> str:
    """The local name of the document's first element, lowercased ("" if none is found)."""
    head = text[:65536]
    m = _LEADING_JUNK.match(head)
    pos = m.end() if m else 0
    r = _ROOT.match(head, pos)
    if not r:
        r = _ROOT.search(head, pos)
    if not r:
        return ""
    return r.group(1).rsplit(":", 1)[-1].lower()


_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def sniff_format(text: str) -> str:
    """Classify decoded text as "json", "xml", "html", "binary", "text" or "empty".

    Decides by content, never by file name or Content-Type: extensions and headers lie
    (an Atom feed saved as ``.rss``, feeds served as ``text/html``).
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        return "empty"
    head = stripped[:2048]
    if len(_BINARY_CONTROLS.findall(head)) > max(2, len(head) // 100):
        return "binary"
    if head.startswith("{"):
        return "json"
    if not head.startswith("<"):
        return "text"
    root = root_element(stripped)
    if root == "html":
        return "html"
    return "xml"
