"""What to call an item when its feed gave it no title.

RSS 2.0 lets an item carry only a description (Dave Winer's own feeds do), and such items
showed up as a bare id or URL. Every view of an item — the story list, the item pane, ``chipwire
items`` and the digest — names it the same way: its title, else the start of its summary, else
its link, else "(untitled)".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_SPACE = re.compile(r"\s+")

#: How much of a summary stands in for a missing title.
EXCERPT = 100


def display_title(item: Mapping[str, Any], *, limit: int = EXCERPT) -> str:
    """The item's title, or the first ``limit`` characters of its summary (cut at a word), or
    its link, or "(untitled)". Plain text: callers escape or style it as their medium needs."""
    title = str(item.get("title") or "").strip()
    if title:
        return title
    summary = _SPACE.sub(" ", str(item.get("summary") or "")).strip()
    if summary:
        if len(summary) <= limit:
            return summary
        cut = summary[:limit].rsplit(" ", 1)[0] or summary[:limit]
        return cut.rstrip(" ,;:.-") + "…"
    return str(item.get("link") or "").strip() or "(untitled)"
