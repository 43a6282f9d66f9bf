"""One pure function per way a fetch can end: (outcome, new feed state) from what happened.

Nothing here touches the store or the network: the caller passes the feed's previous state and
gets the state to store back, so each rule (what a 304 keeps, when a failure is retried, what
"unchanged" means) reads in one place and is testable alone.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.refresh.model import FeedOutcome, iso
from core.refresh.plan import schedule

if TYPE_CHECKING:  # pragma: no cover
    from feeds.fetch import FetchResult
    from feeds.subscriptions import Subscription
    from core.settings import Settings

Result = tuple[FeedOutcome, dict]


def base_state(previous: dict | None, now: datetime) -> dict:
    """A copy of the feed's stored state, stamped with this attempt."""
    state = dict(previous or {})
    state["last_attempt"] = iso(now)
    return state


def digest(body: bytes) -> str:
    """The content hash that tells an unchanged body from a changed one."""
    return hashlib.sha256(body).hexdigest()


def is_unchanged(body_digest: str, previous: dict | None) -> bool:
    """Same bytes as the last good fetch (a failed last attempt always reparses)."""
    prev = previous or {}
    return body_digest == prev.get("content_hash") and prev.get("status") != "error"


def failure(res: "FetchResult", kind: str, message: str, title: str, previous: dict | None,
            sub: "Subscription", settings: "Settings", now: datetime) -> Result:
    """A feed that could not be fetched or parsed; Retry-After, if sent, sets the next fetch."""
    state = base_state(previous, now)
    state.update(
        status="error", error_kind=kind, message=message, http_status=res.http_status,
        consecutive_failures=int(state.get("consecutive_failures", 0)) + 1,
    )
    next_fetch, reason = (None, None)
    if res.retry_after:
        next_fetch, reason = schedule(sub, settings, now, ttl=None, max_age=None, retry_after=res.retry_after)
    state["next_fetch"], state["next_reason"] = next_fetch, reason
    outcome = FeedOutcome(res.url, title, "error", message, error_kind=kind, http_status=res.http_status,
                          elapsed=res.elapsed)
    return outcome, state


def _kept(res: "FetchResult", status: str, message: str, title: str, previous: dict | None,
          sub: "Subscription", settings: "Settings", now: datetime) -> Result:
    """A fetch that brought nothing new (304, or the same bytes): keep items, refresh schedule."""
    state = base_state(previous, now)
    next_fetch, reason = schedule(sub, settings, now, ttl=state.get("ttl"), max_age=res.max_age, retry_after=None)
    # A 304 may carry a new validator (RFC 9110 15.4.5): keep it, or the next request sends
    # the stale one and the server may answer with the full body again.
    state.update(status=status, error_kind=None, message=message, http_status=res.http_status,
                 consecutive_failures=0, last_success=iso(now), etag=res.etag or state.get("etag"),
                 last_modified=res.last_modified or state.get("last_modified"),
                 next_fetch=next_fetch, next_reason=reason)
    outcome = FeedOutcome(res.url, title, status, message, http_status=res.http_status,
                          elapsed=res.elapsed, moved_to=res.moved_to)
    return outcome, state


def not_modified(res: "FetchResult", title: str, previous: dict | None, sub: "Subscription",
                 settings: "Settings", now: datetime) -> Result:
    """The server answered 304."""
    return _kept(res, "not-modified", "not modified (304)", title, previous, sub, settings, now)


def unchanged(res: "FetchResult", title: str, previous: dict | None, sub: "Subscription",
              settings: "Settings", now: datetime) -> Result:
    """The server sent the same bytes as last time: nothing to parse."""
    return _kept(res, "unchanged", "same content as last time", title, previous, sub, settings, now)


def owned_entries(entries: list[dict], url: str, feed_title: str, claimed: set[str],
                  cutoff: str) -> tuple[int, list[dict], int]:
    """(distinct entries, entries this feed stores, entries older than retention) of one document.

    Duplicate guids inside one document keep the first; a guid already ``claimed`` by an
    earlier feed of this run stays with it (cross-posting is stored once). Retention applies at
    the door: an entry older than the window would be pruned at once, then come back as "new"
    next time (and reach the new-items hook again). Adds this feed's ids to ``claimed``.
    """
    seen: set[str] = set()
    distinct: list[dict] = []
    for entry in entries:
        if entry["id"] in seen:
            continue
        seen.add(entry["id"])
        entry["feed"] = url
        entry["feed_title"] = feed_title
        distinct.append(entry)
    owned = [e for e in distinct if e["id"] not in claimed]
    claimed.update(e["id"] for e in owned)
    kept = [e for e in owned if e["published"] >= cutoff]
    return len(distinct), kept, len(owned) - len(kept)


def parsed_ok(res: "FetchResult", body_digest: str, parsed: Any, entries: int, too_old: int,
              sub: "Subscription", previous: dict | None, settings: "Settings", now: datetime) -> Result:
    """A body parsed fine: the outcome (new/updated counted after the store write) and state."""
    feed_title = sub.title or parsed.title or res.url
    state = base_state(previous, now)
    next_fetch, reason = schedule(sub, settings, now, ttl=parsed.ttl_seconds, max_age=res.max_age,
                                  retry_after=None)
    message = f"{entries} entries"
    if too_old:
        message += f", {too_old} older than the {settings.store.retention_days}-day retention"
    state.update(
        status="ok", error_kind=None, message=message, warning=parsed.warning, http_status=res.http_status,
        consecutive_failures=0, last_success=iso(now), etag=res.etag, last_modified=res.last_modified,
        content_hash=body_digest, title=parsed.title or state.get("title"), ttl=parsed.ttl_seconds,
        next_fetch=next_fetch, next_reason=reason, entries=entries,
    )
    outcome = FeedOutcome(res.url, feed_title, "ok", message, http_status=res.http_status, entries=entries,
                          warning=parsed.warning, moved_to=res.moved_to, elapsed=res.elapsed)
    return outcome, state


def counted_message(outcome: FeedOutcome, too_old: int) -> str:
    """The line of a stored feed once the store said which of its items were new or updated."""
    message = f"{outcome.entries} entries, {outcome.new} new"
    if outcome.updated:
        message += f", {outcome.updated} updated"
    if too_old:
        message += f", {too_old} older than the retention"
    return message
