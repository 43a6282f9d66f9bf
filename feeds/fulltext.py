"""An item's article page: fetched like a feed, the article extracted, cleaned to plain text.

Many feeds carry a teaser only. ``fetch_article`` downloads the item's link through the same
HTTP path as feeds (``feeds._http.fetch_http`` on the same kind of client): http/https only,
every redirect hop checked (a page cannot send us to ``file:``), the decoded body capped, and
connect/read/overall timeouts. The article is then extracted with trafilatura — chosen over
readability-lxml for its better precision and recall on article benchmarks, its active
maintenance, and because it returns the article as simple HTML (paragraphs, lists, links) that
goes through the same ``feeds.clean.html_to_text`` as summaries, so full text reads like
every other text in the app.

Hostile pages get the feed treatment: a page over the cap fails at the cap (gzip bombs
included), DTD entity declarations are expanded only within ``feeds.entityguard``'s bounds
(a "billion laughs" page fails as ``entity-bomb``), non-HTML answers are refused, and the
extracted text is capped. Nothing here touches the store: ``core.fulltext`` caches results.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from feeds._fetch_types import FetchRequest, FetchSettings, one_line

__all__ = ["ARTICLE_MAX_BYTES", "FULL_TEXT_MAX", "Article", "extract_article", "fetch_article", "fetch_articles"]

#: Cap on a decoded article page (feeds get 10 MiB; a page bigger than this is not an article).
ARTICLE_MAX_BYTES = 4 * 1024 * 1024
#: Longest full text kept, in characters (a long feature is ~60,000).
FULL_TEXT_MAX = 200_000
#: Shortest extraction that counts as an article (shorter is a paywall stub or an error page).
MIN_CHARS = 80

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9._:-]{1,40})", re.I)


@dataclass(frozen=True)
class Article:
    """One page's outcome: ``text`` when it worked, else ``error_kind`` and a one-line ``error``.

    ``final_url`` is where redirects ended (the address the text came from).
    """

    url: str
    text: str = ""
    final_url: str | None = None
    error_kind: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_kind is None


def article_settings(base: FetchSettings | None = None) -> FetchSettings:
    """The feed limits (timeouts, redirects, User-Agent) with the article page cap."""
    from dataclasses import replace

    base = base or FetchSettings()
    return replace(base, max_bytes=min(base.max_bytes, ARTICLE_MAX_BYTES))


def _decode(body: bytes, content_type: str) -> str:
    """Bytes to text: the header's charset, else a <meta charset>, else UTF-8 (bad bytes replaced)."""
    match = _CHARSET.search(content_type) or _META_CHARSET.search(body[:4096])
    name = match.group(1) if match else "utf-8"
    if isinstance(name, bytes):
        name = name.decode("ascii", "replace")
    try:
        return body.decode(name, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def extract_article(html: str, url: str | None = None) -> str:
    """The article in ``html`` as cleaned plain text ("" when nothing article-like is there).

    Raises:
        FeedParseError: ``entity-bomb`` for a page whose DTD would expand without bound.
    """
    from feeds.clean import html_to_text
    from feeds.entityguard import guard_entities

    if "<!ENTITY" in html[:65536]:  # only a DTD can declare entities; expand within bounds
        html, _ = guard_entities(html)
    import trafilatura

    extracted = trafilatura.extract(
        html, url=url, output_format="html", include_links=True, include_tables=True,
        include_images=False, include_comments=False, with_metadata=False,
    )
    if not extracted:
        return ""
    return html_to_text(extracted, FULL_TEXT_MAX)


def _from_result(result: "object", url: str) -> Article:
    from feeds.parsed import FeedParseError

    if result.status != "ok" or result.body is None:  # type: ignore[attr-defined]
        return Article(url, error_kind=result.error_kind or "http",  # type: ignore[attr-defined]
                       error=result.error_message or "no page")  # type: ignore[attr-defined]
    ctype = result.headers.get("content-type", "").lower()  # type: ignore[attr-defined]
    if ctype and not ctype.split(";", 1)[0].strip() in _HTML_TYPES:
        return Article(url, error_kind="not-html", error=one_line(f"not a web page ({ctype[:60]})"))
    final = result.final_url or url  # type: ignore[attr-defined]
    try:
        text = extract_article(_decode(result.body, ctype), final)  # type: ignore[attr-defined]
    except FeedParseError as exc:
        return Article(url, final_url=final, error_kind=exc.kind, error=one_line(str(exc)))
    except (RecursionError, MemoryError, ValueError) as exc:  # a page lxml or the extractor chokes on
        return Article(url, final_url=final, error_kind="extract",
                       error=one_line(f"could not extract the article: {type(exc).__name__}"))
    if len(text) < MIN_CHARS:
        return Article(url, final_url=final, error_kind="no-article", error="no article text found on the page")
    return Article(url, text=text, final_url=final)


async def fetch_articles(urls: list[str], settings: FetchSettings | None = None) -> list[Article]:
    """Fetch and extract several pages (politely: the feed per-host limit applies); in order."""
    from feeds import _http
    from feeds.fetch import fetch_all

    settings = article_settings(settings)
    out: list[Article | None] = [None] * len(urls)
    wanted: list[tuple[int, str]] = []
    for i, url in enumerate(urls):
        problem = _http.check_url(url)  # no local files, no javascript:, data: ... ever
        if problem:
            out[i] = Article(url, error_kind="bad-url", error=problem)
        else:
            wanted.append((i, url))
    results = await fetch_all([FetchRequest(url) for _, url in wanted], settings)
    for (i, url), result in zip(wanted, results):
        # Extraction is CPU work; a thread keeps the loop (and the other downloads) moving.
        out[i] = await asyncio.to_thread(_from_result, result, url)
    return [a for a in out if a is not None]


def fetch_article(url: str, settings: FetchSettings | None = None) -> Article:
    """Fetch and extract one page (call from a thread: it runs its own event loop)."""
    return asyncio.run(fetch_articles([url], settings))[0]
