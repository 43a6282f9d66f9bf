"""The value types of ``feeds.fetch``: settings in, one request per feed, one result per feed.

Kept apart from the fetching code so the HTTP and local-file halves can both build results
without importing each other (or ``httpx`` when only local files are read).
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _default_user_agent() -> str:
    """``chipwire/<version> (...)``: servers' operators can see who is polling and how to tell.

    Only for callers that build ``FetchSettings`` themselves: the refresh passes
    ``core.version.USER_AGENT`` (``feeds`` does not import ``tui``), which spares every
    ``chipwire`` start the package-metadata lookup here (~20-35 ms).
    """
    try:
        from importlib.metadata import version

        ver = version("chipwire")
    except Exception:  # not installed (running from a bare checkout)
        ver = "unknown"
    return f"chipwire/{ver} (terminal news briefing reader; RSS/Atom poller; python-httpx)"


@dataclass(frozen=True)
class FetchSettings:
    """Limits for one refresh; every field bounds what a hostile or broken server can cost us."""

    max_bytes: int = 10 * 1024 * 1024
    """Cap on the DECODED body: a gzip bomb stops here, not at its compressed size."""
    connect_timeout: float = 10.0
    """Seconds to establish a TCP/TLS connection."""
    read_timeout: float = 20.0
    """Seconds without receiving a single byte before we give up on a stalled server."""
    deadline: float = 45.0
    """Whole-request budget per feed (redirects and body included): a server trickling a byte a
    second defeats the read timeout, never this."""
    concurrency: int = 50
    """Feeds in flight at once, all hosts together. Politeness is ``per_host``'s job; this only
    bounds sockets and memory. At 16 (the first default) a 100-feed list needed seven round
    trips even when every feed answered 304; at 50 it needs two."""
    per_host: int = 3
    """Feeds in flight at once against one host (host:port), to stay polite."""
    max_redirects: int = 5
    """Redirect hops followed before giving up with "too-many-redirects"."""
    user_agent: str = field(default_factory=_default_user_agent)
    """Sent on every request; names chipwire and its version."""


@dataclass(frozen=True)
class FetchRequest:
    """One feed to fetch, with the validators remembered from last time (for a 304)."""

    url: str
    """http(s) URL, or a local path / ``file://`` URL. Also the key results are matched by."""
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchResult:
    """What happened to one feed. Errors are values here, never exceptions."""

    url: str
    status: str  # "ok" | "not-modified" | "error"
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    http_status: int | None = None
    final_url: str | None = None
    moved_to: str | None = None
    """Set only when every hop was 301/308 and the feed was fetched fine: update the stored URL."""
    etag: str | None = None
    last_modified: str | None = None
    retry_after: float | None = None
    max_age: float | None = None
    error_kind: str | None = None
    error_message: str | None = None
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """True for a fresh body and for 304 (nothing new, nothing wrong)."""
        return self.status != "error"


def one_line(text: object, limit: int = 200) -> str:
    """Make server-supplied text safe for a one-line message: no control characters, bounded."""
    s = "".join(ch if ch.isprintable() else " " for ch in str(text))
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"
