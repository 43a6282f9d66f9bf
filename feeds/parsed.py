"""What parsing a feed yields: a :class:`ParsedFeed`, or a :class:`FeedParseError`.

Kept apart from ``feeds.parse`` so the JSON Feed reader and the byte sniffers can raise the
same error without importing the parser (and feedparser) they sit beside. Both types are
plain and picklable because parsing may run in a process pool.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ParsedFeed", "FeedParseError", "ERROR_KINDS"]

ERROR_KINDS = ("not-a-feed", "empty", "entity-bomb", "too-large", "malformed")


@dataclass
class ParsedFeed:
    """A feed's own metadata plus its normalised entries.

    Attributes:
        title: the feed's cleaned title ("" if it has none).
        link: the feed's home page, absolute ("" if none).
        entries: dicts with exactly ``id, title, link, openable, summary, author, published,
            published_estimated`` (see the item record in docs/ARCHITECTURE.md).
        ttl_seconds: how long the publisher asks us to wait between fetches, from RSS
            ``<ttl>`` or ``sy:updatePeriod``/``sy:updateFrequency``; None if not given.
        warning: a cleaned, one-line note when the feed was broken but still yielded
            something (feedparser's "bozo" problems, repaired encodings, stripped DTDs).
        kind: "rss", "atom", "rdf" or "json".
    """

    title: str
    link: str
    entries: list[dict] = field(default_factory=list)
    ttl_seconds: int | None = None
    warning: str | None = None
    kind: str = "rss"


class FeedParseError(Exception):
    """Nothing usable came out of the bytes; ``kind`` says why in one word for the UI/CLI.

    Kinds: "not-a-feed" (an HTML page, binary data), "empty", "entity-bomb" (a DTD that
    would expand without bound), "too-large" (over the decoded-size cap, e.g. a gzip bomb),
    "malformed" (looks like a feed but nothing parsed).
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(kind, message)
        self.kind = kind
        self.message = message

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"
