"""Parse untrusted feed bytes into a :class:`ParsedFeed` of normalised, cleaned entries.

The pipeline, each step bounded in time and memory:

1. gunzip (``.gz`` files, double-encoded responses) with a decoded-size cap;
2. decide the encoding from the bytes (``feeds.sniff``) and decode once;
3. sniff the format from the content: JSON Feed goes to ``feeds.jsonfeed``, binary and plain
   text are refused;
4. defuse DTD entities (``feeds.entityguard``);
5. hand feedparser UTF-8 bytes in a ``BytesIO`` (never a str it could take for a URL or path)
   for RSS 0.9x/1.0/2.0 and Atom;
6. normalise each entry (``feeds.entries``), cleaning all text (``feeds.clean``).

``parse_feed`` is a module-level function on picklable inputs and outputs so the caller can
run it in a process pool. feedparser's ``bozo`` flag is advisory: whatever parsed is kept
and the problem goes into ``ParsedFeed.warning``.
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from feeds.clean import (
    SUMMARY_MAX,
    TITLE_MAX,
    clean_line,
    clean_text,
    html_to_text,
    html_to_text_links,
    safe_link,
)
from feeds.entries import make_entry
from feeds.fastrss import read_simple_rss
from feeds.parsed import ERROR_KINDS, FeedParseError, ParsedFeed
from feeds.sniff import (
    DEFAULT_MAX_BYTES,
    decode_body,
    gunzip_bounded,
    header_charset,
    sniff_format,
    to_utf8_xml,
)

__all__ = ["ParsedFeed", "FeedParseError", "ERROR_KINDS", "parse_feed"]

_WARNING_MAX = 500
# feedparser's FeedParserDict.get() maps legacy keys and warns (e.g. updated -> published);
# the plain dict lookup is exact, silent and several times faster.
_get = dict.get
_HTML_TYPES = ("text/html", "application/xhtml+xml")
# Publisher-requested refresh intervals are clamped: a ttl of 0 must not make us hammer a
# server, and a year-long one must not silence a feed.
_TTL_MIN, _TTL_MAX = 60, 7 * 24 * 3600
_SY_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 7 * 86400, "monthly": 30 * 86400,
               "yearly": 365 * 86400}


def parse_feed(
    body: bytes,
    *,
    url: str,
    headers: Mapping[str, str] | None = None,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ParsedFeed:
    """Parse feed bytes fetched from ``url`` (an http(s) URL or a local path).

    Args:
        body: the response body as received (gzip-compressed bodies are accepted).
        url: where the bytes came from: base for relative links and part of fallback ids.
        headers: HTTP response headers; only the Content-Type charset is consulted, and only
            when the bytes do not contradict it.
        now: the fetch time, used for entries without a usable date (pass a fixed clock in
            tests).
        max_bytes: cap on the decoded document size.

    Raises:
        FeedParseError: when nothing usable came out; ``kind`` is one of ``ERROR_KINDS``.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if not body or not body.strip():
        raise FeedParseError("empty", "the response body is empty")
    if body[:2] == b"\x1f\x8b":
        body = gunzip_bounded(body, max_bytes)
        if not body.strip():
            raise FeedParseError("empty", "the decompressed body is empty")
    if len(body) > max_bytes:
        raise FeedParseError("too-large", f"feed exceeds {max_bytes:,} bytes")

    text, _encoding, enc_note = decode_body(body, header_charset(headers))
    fmt = sniff_format(text)
    if fmt == "empty":
        raise FeedParseError("empty", "the document has only whitespace")
    if fmt == "binary":
        raise FeedParseError("not-a-feed", "binary data, not a feed")
    if fmt == "text":
        raise FeedParseError("not-a-feed", "plain text, neither XML nor JSON")
    if fmt == "json":
        from feeds.jsonfeed import parse_json_feed

        return parse_json_feed(text, url=url, now=now)

    from feeds.entityguard import guard_entities

    text, entity_note = guard_entities(text)
    data = to_utf8_xml(text)
    del text, body
    # Plain RSS 2.0 is read by our expat fast path (same result, ~10x less CPU); anything
    # it is not sure about goes to feedparser.
    parsed = read_simple_rss(data)
    if parsed is None:
        parsed = _run_feedparser(data)
    del data

    version = _get(parsed, "version") or ""
    raw_entries = _get(parsed, "entries") or []
    feed_meta = _get(parsed, "feed") or {}
    notes = [n for n in (enc_note, entity_note) if n]
    if _get(parsed, "bozo"):
        exc = _get(parsed, "bozo_exception")
        notes.append(f"{type(exc).__name__}: {exc}" if exc is not None else "not well-formed")

    if not raw_entries and not version:
        if fmt == "html":
            raise FeedParseError("not-a-feed", "an HTML page, not a feed")
        if _get(parsed, "bozo"):
            raise FeedParseError(
                "malformed", clean_line("; ".join(notes), _WARNING_MAX) or "not well-formed XML"
            )
        raise FeedParseError("not-a-feed", "XML, but not RSS, RDF or Atom")

    base = url  # feedparser has already applied xml:base
    entries: list[dict] = []
    dropped = 0
    for raw in raw_entries:
        entry = _entry(raw, base=base, url=url, now=now)
        if entry is None:
            dropped += 1
        else:
            entries.append(entry)
    if dropped:
        notes.append(f"{dropped} entries without title, link, id or summary dropped")
    dupes = len(entries) - len({e["id"] for e in entries})
    if dupes:
        notes.append(f"{dupes} entries repeat an earlier id")

    title = _text_of(feed_meta, "title", TITLE_MAX, line=True)
    if not entries and not title and _get(parsed, "bozo"):
        # A broken document that yielded neither an entry nor a title: nothing usable.
        raise FeedParseError("malformed", clean_line("; ".join(notes), _WARNING_MAX))
    feed_link, _ = safe_link(_get(feed_meta, "link"), url)
    return ParsedFeed(
        title=title,
        link=feed_link,
        entries=entries,
        ttl_seconds=_ttl(feed_meta),
        warning=clean_line("; ".join(notes), _WARNING_MAX) or None,
        kind=_kind(version, _root_hint(parsed)),
    )


def _run_feedparser(data: bytes) -> Any:
    """Run feedparser on normalised UTF-8 bytes.

    The Content-Type we pass is our own (the bytes are now UTF-8 whatever the server said).
    We do not pass Content-Location: with a base URL feedparser runs urljoin on every
    element (a third of its time on the 50-item bench feed) and resolves non-URL guids into
    URLs; ``safe_link`` resolves the links we keep against the feed URL instead, and
    xml:base is still applied by feedparser. Sanitising and resolving URIs inside HTML
    content are off too: we reduce that HTML to plain text anyway.
    """
    import feedparser

    response_headers = {"content-type": "application/xml; charset=utf-8"}
    return feedparser.parse(
        io.BytesIO(data),
        response_headers=response_headers,
        sanitize_html=False,
        resolve_relative_uris=False,
    )


def _root_hint(parsed: Any) -> str:
    """Namespace-free root hint from feedparser's result (used only when version is empty)."""
    ns = _get(parsed, "namespaces") or {}
    if "http://www.w3.org/2005/Atom" in ns.values():
        return "feed"
    return ""


def _kind(version: str, root: str) -> str:
    """Map feedparser's version string to "rss", "atom" or "rdf"."""
    if version.startswith("atom") or (not version and root == "feed"):
        return "atom"
    if version in ("rss090", "rss10"):
        return "rdf"
    return "rss"


def _text_of(obj: Mapping[str, Any], key: str, max_len: int, *, line: bool) -> str:
    """Clean ``obj[key]``, converting HTML to text when feedparser says it is HTML."""
    value = _get(obj, key)
    if not isinstance(value, str) or not value:
        return ""
    detail = _get(obj, key + "_detail") or {}
    if _get(detail, "type") in _HTML_TYPES and ("<" in value or "&" in value):
        value = html_to_text(value, max_len)
    return clean_line(value, max_len) if line else clean_text(value, max_len)


def _summary(raw: Mapping[str, Any], base: str) -> tuple[str, list[dict]]:
    """The longer of ``content`` (content:encoded, Atom content) and ``summary``, as text,
    with its links numbered (relative hrefs resolved against ``base``)."""
    best_value, best_type = "", "text/plain"
    for part in _get(raw, "content") or []:
        value = _get(part, "value") or ""
        if isinstance(value, str) and len(value) > len(best_value):
            best_value, best_type = value, _get(part, "type") or "text/html"
    summary = _get(raw, "summary")
    if isinstance(summary, str) and len(summary) > len(best_value):
        best_value = summary
        best_type = _get(_get(raw, "summary_detail") or {}, "type") or "text/html"
    if not best_value:
        return "", []
    if best_type in _HTML_TYPES:
        return html_to_text_links(best_value, SUMMARY_MAX, base)
    return clean_text(best_value, SUMMARY_MAX), []


def _published(raw: Mapping[str, Any]) -> datetime | None:
    """The entry's date from feedparser's parsed tuples, else from a few formats it misses.

    ``2020/1/10 14:33:00`` is checked first: feedparser *mis*-reads it (as 1 November).
    """
    for key in ("published", "updated"):
        value = _get(raw, key)
        if isinstance(value, str) and value[:4].isdigit() and value[4:5] == "/":
            dt = _fallback_date(value)
            if dt is not None:
                return dt
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        st = _get(raw, key)
        if st:
            try:
                return datetime.fromtimestamp(calendar.timegm(st), tz=timezone.utc)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
    for key in ("published", "updated"):
        value = _get(raw, key)
        if isinstance(value, str) and value:
            dt = _fallback_date(value)
            if dt is not None:
                return dt
    return None


_SLASH_DATE = re.compile(
    r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$"
)
# Month abbreviations of the languages seen in real feeds (it, pt, es, fr, de) that differ
# from English; RFC 822 parsers only know the English ones.
_MONTHS = {
    "gen": "Jan", "ene": "Jan", "janv": "Jan", "fev": "Feb", "févr": "Feb", "fevr": "Feb",
    "mars": "Mar", "mär": "Mar", "abr": "Apr", "avr": "Apr", "mag": "May", "mai": "May",
    "giu": "Jun", "juin": "Jun", "lug": "Jul", "juil": "Jul", "ago": "Aug", "août": "Aug",
    "set": "Sep", "sept": "Sep", "ott": "Oct", "out": "Oct", "okt": "Oct", "dic": "Dec",
    "dez": "Dec", "déc": "Dec",
}
_RFC822ISH = re.compile(
    r"^\s*(?:[^\W\d]{2,12}\.?,?\s+)?(\d{1,2})\s+([^\W\d]{3,5})\.?\s+(\d{2,4})\s+"
    r"(\d{1,2}):?(\d{2})(?::(\d{2}))?\s*(.*)$"
)


def _fallback_date(value: str) -> datetime | None:
    """Dates feedparser misses or misreads; a missing zone means UTC.

    ``2020/1/10 14:33:00`` (Chinese forum software), RFC 822 with Italian/Portuguese/...
    day and month names (``mer, 16 nov 2022``, ``Seg, 24 Set 2018``), and times without a
    colon (``03 Apr 02 1500 GMT``).
    """
    from email.utils import parsedate_to_datetime

    value = value[:80]
    m = _SLASH_DATE.match(value)
    if m:
        y, mo, d, h, mi, sec = (int(g) if g else 0 for g in m.groups())
        try:
            return datetime(y, mo, d, h, mi, sec, tzinfo=timezone.utc)
        except ValueError:
            return None
    m = _RFC822ISH.match(value)
    if not m:
        return None
    day, month, year, hour, minute, second, zone = m.groups()
    month = _MONTHS.get(month.lower(), month.title())
    text = f"{day} {month} {year} {hour}:{minute}:{second or '00'} {zone or '+0000'}"
    try:
        dt = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _link_base(link: str | None, base: str) -> str:
    """What relative hrefs in an entry's content resolve against: the entry's own web page
    when it has one (content is written for that page), else the feed's base. A feed read
    from a local file still gets openable links when its items live on the web."""
    absolute, openable = safe_link(link, base)
    return absolute if openable else base


def _entry(raw: Mapping[str, Any], *, base: str, url: str, now: datetime) -> dict | None:
    """Normalise one feedparser entry (None if it has no title, link or id)."""
    title = _get(raw, "title")
    if isinstance(title, str) and title:
        title = _text_of(raw, "title", TITLE_MAX, line=True)
    else:
        title = ""
    link = _get(raw, "link") if isinstance(_get(raw, "link"), str) else None
    summary, links = _summary(raw, _link_base(link, base))
    return make_entry(
        raw_id=_get(raw, "id") if isinstance(_get(raw, "id"), str) else None,
        title=title,
        link=link,
        summary=summary,
        links=links,
        author=_get(raw, "author") if isinstance(_get(raw, "author"), str) else None,
        published=_published(raw),
        base=base,
        feed_url=url,
        now=now,
    )


def _ttl(feed_meta: Mapping[str, Any]) -> int | None:
    """Seconds between fetches the publisher asks for: RSS ``<ttl>`` (minutes) or
    ``sy:updatePeriod`` / ``sy:updateFrequency``, clamped to a sane range."""
    seconds: float | None = None
    ttl = _get(feed_meta, "ttl")
    if isinstance(ttl, str) and ttl.strip().isdigit():
        seconds = int(ttl.strip()) * 60
    else:
        period = _get(feed_meta, "sy_updateperiod")
        if isinstance(period, str) and period.strip().lower() in _SY_PERIODS:
            freq_text = _get(feed_meta, "sy_updatefrequency") or "1"
            try:
                freq = max(1, int(str(freq_text).strip()))
            except ValueError:
                freq = 1
            seconds = _SY_PERIODS[period.strip().lower()] / freq
    if seconds is None:
        return None
    return int(min(max(seconds, _TTL_MIN), _TTL_MAX))
