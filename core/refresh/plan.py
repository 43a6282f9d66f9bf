"""What a refresh fetches and when each feed may be fetched again: pure functions, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.refresh.model import FeedOutcome, from_iso, iso

if TYPE_CHECKING:  # pragma: no cover
    from feeds.subscriptions import Subscription
    from core.settings import Settings

#: No server may push a feed's next fetch further out than this.
MAX_DELAY = 7 * 86400


def fetch_settings_from(settings: "Settings") -> Any:
    """Map the user's ``[fetch]`` config onto ``feeds.fetch.FetchSettings``."""
    from feeds.fetch import FetchSettings
    from core.version import USER_AGENT

    f = settings.fetch
    return FetchSettings(
        max_bytes=f.max_bytes,
        connect_timeout=f.connect_timeout,
        read_timeout=f.read_timeout,
        deadline=f.deadline,
        concurrency=f.concurrency,
        per_host=f.per_host,
        user_agent=USER_AGENT,
    )


def due(sub: "Subscription", state: dict, now: datetime) -> tuple[bool, str]:
    """Is this feed due? Returns (due, reason-if-not)."""
    next_fetch = from_iso(state.get("next_fetch"))
    if next_fetch and now < next_fetch:
        why = state.get("next_reason") or "schedule"
        return False, f"not due until {iso(next_fetch)} ({why}); --force fetches now"
    return True, ""


def schedule(
    sub: "Subscription", settings: "Settings", now: datetime, *, ttl: int | None, max_age: float | None,
    retry_after: float | None,
) -> tuple[str | None, str | None]:
    """When may this feed be fetched next, and why (min interval, <ttl>, Cache-Control, Retry-After)."""
    candidates: list[tuple[float, str]] = []
    default = getattr(settings.fetch, "default_interval", 0) or 0
    interval = sub.min_interval if sub.min_interval is not None else default
    if interval:
        candidates.append((float(interval), "minimum interval"))
    if ttl:
        candidates.append((float(ttl), "feed ttl"))
    if max_age:
        candidates.append((float(max_age), "Cache-Control"))
    if retry_after:
        candidates.append((float(retry_after), "Retry-After"))
    if not candidates:
        return None, None
    seconds, reason = max(candidates)
    seconds = min(seconds, MAX_DELAY)
    return iso(now + timedelta(seconds=seconds)), reason


@dataclass
class Plan:
    """The feeds to fetch (with their validators) and the outcomes of those left out."""

    requests: list[Any] = field(default_factory=list)
    by_url: dict[str, "Subscription"] = field(default_factory=dict)
    skipped: list[FeedOutcome] = field(default_factory=list)

    @property
    def expected_bodies(self) -> int:
        """Feeds sure to send a body: those without a validator (the rest mostly answer 304)."""
        return sum(1 for r in self.requests if not (r.etag or r.last_modified))


def plan(subs: list["Subscription"], states: dict[str, dict], now: datetime, *, force: bool) -> Plan:
    """Split subscriptions into requests (enabled and due, or ``force``) and skipped outcomes."""
    from feeds.fetch import FetchRequest

    out = Plan()
    for sub in subs:
        state = states.get(sub.url, {})
        title = sub.title or state.get("title") or sub.url
        if not sub.enabled:
            out.skipped.append(FeedOutcome(sub.url, title, "skipped", "disabled in feeds.toml"))
            continue
        if not force:
            is_due, why = due(sub, state, now)
            if not is_due:
                out.skipped.append(FeedOutcome(sub.url, title, "skipped", why))
                continue
        out.by_url[sub.url] = sub
        out.requests.append(FetchRequest(sub.url, etag=state.get("etag"), last_modified=state.get("last_modified")))
    return out
