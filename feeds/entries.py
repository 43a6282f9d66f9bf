"""Build the normalised entry dict shared by the XML and JSON Feed readers.

Both readers extract raw strings their own way, then call :func:`make_entry`, so the rules
for ids, links, dates and dropping empty entries live in one place.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from feeds.clean import AUTHOR_MAX, LINK_MAX, TITLE_MAX, clean_line, safe_link

__all__ = [
    "EARLIEST",
    "ENTRY_KEYS",
    "derive_id",
    "iso_utc",
    "normalise_published",
    "make_entry",
]

ENTRY_KEYS = ("id", "title", "link", "openable", "summary", "author", "published",
              "published_estimated")
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
"""Dates before this are broken clocks or epoch zero (1970), not news."""
_FUTURE_SLACK = timedelta(days=1)


def iso_utc(dt: datetime) -> str:
    """Format as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC (naive datetimes are taken as UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_published(published: datetime | None, now: datetime) -> tuple[str, bool]:
    """Return ``(iso, estimated)``: the entry's date, or ``now`` if it is missing or absurd.

    Absurd means before 1990 or more than a day ahead of ``now``: a feed dated 2999 would
    otherwise sit at the top of every list forever.
    """
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    if published is not None:
        if published.tzinfo is None:
            published = published.replace(tzinfo=timezone.utc)
        if EARLIEST <= published <= now + _FUTURE_SLACK:
            return iso_utc(published), False
    return iso_utc(now), True


def derive_id(
    raw_id: str | None, link: str, feed_url: str, title: str, summary: str = ""
) -> str:
    """The entry's stable id: its guid, else its absolute link, else a hash of feed + title.

    The hash fallback is deterministic so refetching the same feed yields the same ids
    (and so no duplicates); including the feed URL keeps equal titles in different feeds
    apart. An entry with no title either (RSS 0.92 allows description-only items) hashes its
    summary instead, so such items do not all collapse into one id.
    """
    gid = clean_line(raw_id, LINK_MAX) if raw_id else ""
    if gid:
        return gid
    if link:
        return link
    key = title or summary
    digest = hashlib.sha1(f"{feed_url}\n{key}".encode("utf-8", "surrogatepass")).hexdigest()
    return "sha1:" + digest


def make_entry(
    *,
    raw_id: str | None,
    title: str,
    link: str | None,
    summary: str,
    author: str | None,
    published: datetime | None,
    base: str | None,
    feed_url: str,
    now: datetime,
    links: list[dict] | None = None,
) -> dict | None:
    """Assemble one entry dict, or None when it has no title, link, id or summary.

    ``title`` must already be plain text (HTML titles converted by the caller) and
    ``summary`` already cleaned; ``raw_id``, ``link`` and ``author`` are cleaned here.
    ``links`` are the summary's numbered links (``[n]`` in its text), only set when there are
    some: a record stored before links were kept then still compares equal to its refetch.
    Broken feeds nest empty ``<item/>`` elements; keeping them would store blank rows. An
    item with only a description is kept: RSS 0.92 allows it, and it carries real news.
    """
    title = clean_line(title, TITLE_MAX)
    abs_link, openable = safe_link(link, base)
    gid = clean_line(raw_id, LINK_MAX) if raw_id else ""
    if not (title or abs_link or gid or summary):
        return None
    iso, estimated = normalise_published(published, now)
    entry = {
        "id": derive_id(gid, abs_link, feed_url, title, summary),
        "title": title,
        "link": abs_link,
        "openable": openable,
        "summary": summary,
        "author": clean_line(author, AUTHOR_MAX),
        "published": iso,
        "published_estimated": estimated,
    }
    if links:
        entry["links"] = links
    return entry
