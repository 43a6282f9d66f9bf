"""Time zone names as a person types them: an IANA name, ``local`` or ``UTC``.

Shared by ``chipwire export --tz``, ``[export] tz`` in ``config.toml`` and the app's ``e`` key,
so a zone that works in one works in all. Days stay UTC days everywhere; a zone only changes
how item times are written.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timezone, tzinfo


def parse_zone(name: str) -> tzinfo:
    """The zone ``name`` names.

    Raises:
        ValueError: an unknown zone; the message suggests the closest known names.
    """
    text = str(name).strip()
    if text.lower() == "utc":
        return timezone.utc
    if text.lower() == "local":
        return datetime.now().astimezone().tzinfo or timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        close = difflib.get_close_matches(text, sorted(available_timezones()), n=3)
        hint = f" — did you mean {', '.join(close)}?" if close else " (use an IANA name like Asia/Taipei, 'local' or UTC)"
        raise ValueError(f"unknown time zone {name!r}{hint}") from None
