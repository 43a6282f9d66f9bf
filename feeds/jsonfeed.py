"""Read JSON Feed 1.0 and 1.1 (https://jsonfeed.org), which feedparser does not handle.

Real JSON feeds bend the spec: items without ``id``, RFC 822 dates where RFC 3339 is
required, HTML entities in plain-text titles. We accept all of that, and treat every value
as untrusted: wrong types are ignored rather than trusted, and all text is cleaned.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

from feeds.clean import (
    SUMMARY_MAX,
    TITLE_MAX,
    clean_line,
    clean_text,
    html_to_text_links,
    safe_link,
)
from feeds.entries import make_entry
from feeds.parsed import FeedParseError, ParsedFeed

__all__ = ["JSONFEED_VERSION_PREFIX", "looks_like_json_feed", "parse_json_feed"]

JSONFEED_VERSION_PREFIX = "https://jsonfeed.org/version/"


def looks_like_json_feed(obj: Any) -> bool:
    """True for a JSON object with a JSON Feed ``version`` or, failing that, an ``items`` list."""
    if not isinstance(obj, dict):
        return False
    version = obj.get("version")
    if isinstance(version, str) and version.startswith(JSONFEED_VERSION_PREFIX):
        return True
    return isinstance(obj.get("items"), list)


def _str(value: Any) -> str:
    """A JSON string value, or "" for anything else (numbers become their text: some feeds
    use numeric ids)."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _parse_date(value: Any) -> datetime | None:
    """RFC 3339 as the spec says, else RFC 822 as some generators write; None if neither."""
    text = _str(value).strip()
    if not text or len(text) > 100:
        return None
    try:
        return datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _author(item: dict, feed: dict) -> str:
    """The item's author name: 1.1 ``authors`` list, 1.0 ``author`` object, else the feed's."""
    for source in (item, feed):
        authors = source.get("authors")
        if isinstance(authors, list):
            names = [_str(a.get("name")) for a in authors[:10] if isinstance(a, dict)]
            names = [n for n in names if n.strip()]
            if names:
                return ", ".join(names)
        author = source.get("author")
        if isinstance(author, dict) and _str(author.get("name")).strip():
            return _str(author.get("name"))
    return ""


def _summary(item: dict, base: str) -> tuple[str, list[dict]]:
    """The longest of ``content_html``, ``content_text`` and ``summary``, as plain text, with
    the links of HTML content numbered."""
    best, is_html = "", False
    for key, key_is_html in (("content_html", True), ("content_text", False), ("summary", False)):
        value = _str(item.get(key))
        if len(value) > len(best):
            best, is_html = value, key_is_html
    if is_html:
        return html_to_text_links(best, SUMMARY_MAX, base)
    return clean_text(best, SUMMARY_MAX), []


def _title(value: Any) -> str:
    """Plain-text title; entities are decoded because generators often double-escape them."""
    text = _str(value)[: TITLE_MAX * 20]
    return html.unescape(text) if "&" in text else text


def parse_json_feed(text: str, *, url: str, now: datetime) -> ParsedFeed:
    """Parse a JSON Feed document (already decoded) into a :class:`ParsedFeed`.

    Raises ``FeedParseError("malformed")`` for invalid JSON (e.g. a truncated download) and
    ``FeedParseError("not-a-feed")`` for JSON that is not a feed.
    """
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        # json's messages end in " at" ("Invalid control character at"): the place follows.
        raise FeedParseError("malformed", f"invalid JSON: {exc.msg.removesuffix(' at')} at line {exc.lineno}, "
                                          f"column {exc.colno}") from None
    except (RecursionError, ValueError) as exc:  # absurd nesting, 5000-digit numbers
        raise FeedParseError("malformed", f"unreadable JSON: {type(exc).__name__}") from None
    if not looks_like_json_feed(obj):
        raise FeedParseError("not-a-feed", "JSON document without a JSON Feed version or items")

    home, _ = safe_link(_str(obj.get("home_page_url")), url)
    base = home or url
    items = obj.get("items") if isinstance(obj.get("items"), list) else []
    entries: list[dict] = []
    dropped = 0
    for item in items:
        if not isinstance(item, dict):
            dropped += 1
            continue
        published = _parse_date(item.get("date_published")) or _parse_date(
            item.get("date_modified")
        )
        page, page_ok = safe_link(_str(item.get("url")) or _str(item.get("external_url")), base)
        summary, links = _summary(item, page if page_ok else base)
        entry = make_entry(
            raw_id=_str(item.get("id")),
            title=_title(item.get("title")),
            link=_str(item.get("url")) or _str(item.get("external_url")),
            summary=summary,
            links=links,
            author=_author(item, obj),
            published=published,
            base=base,
            feed_url=url,
            now=now,
        )
        if entry is None:
            dropped += 1
        else:
            entries.append(entry)
    warning = None
    if dropped:
        warning = f"{dropped} item(s) without title, link, id or summary dropped"
    return ParsedFeed(
        title=clean_line(_title(obj.get("title")), TITLE_MAX),
        link=home,
        entries=entries,
        ttl_seconds=None,
        warning=warning,
        kind="json",
    )
