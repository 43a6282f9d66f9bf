"""Reading the caching headers that tell us when to come back: Retry-After, Cache-Control, Expires.

Pure functions on header strings, so the scheduling inputs are tested without a server.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

#: Ignore absurd values: a year is already more than any feed should be left alone.
_MAX_SECONDS = 366 * 24 * 3600.0


def _http_date(value: str) -> float | None:
    """Seconds since the epoch for an HTTP-date, or None when it is not one."""
    try:
        dt = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if dt is None:
        return None
    if dt.tzinfo is None:  # HTTP-dates are GMT even when the zone is missing
        from datetime import timezone

        dt = dt.replace(tzinfo=timezone.utc)
    try:
        return dt.timestamp()
    except (OverflowError, OSError, ValueError):
        return None


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (past dates give 0)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), _MAX_SECONDS)
    when = _http_date(value)
    if when is None:
        return None
    now = time.time() if now is None else now
    return min(max(0.0, when - now), _MAX_SECONDS)


def max_age(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Freshness lifetime in seconds from Cache-Control max-age, else Expires minus Date.

    ``no-cache``/``no-store`` give 0 (fine to poll again at the user's own interval); no usable
    header gives None (the caller falls back to the feed's ttl or its own default).
    """
    cc = headers.get("cache-control", "")
    directives: dict[str, str] = {}
    for part in cc.split(","):
        name, _, arg = part.strip().partition("=")
        if name:
            directives[name.strip().lower()] = arg.strip().strip('"')
    if "max-age" in directives:
        try:
            return min(max(0.0, float(int(directives["max-age"]))), _MAX_SECONDS)
        except ValueError:
            pass
    if "no-store" in directives or "no-cache" in directives:
        return 0.0
    expires = headers.get("expires")
    if expires:
        when = _http_date(expires)
        if when is None:
            return 0.0  # RFC 9111: an invalid Expires (e.g. "0") means already expired
        base = _http_date(headers.get("date", "")) or (time.time() if now is None else now)
        return min(max(0.0, when - base), _MAX_SECONDS)
    return None
