"""Full text of items: fetch the article page on request (``F``) or during refresh, and cache it.

``feeds.fulltext`` does the HTTP and the extraction; the store keeps the text in a file of its
own per item; this module decides when to fetch and what to say. During a refresh only feeds
marked ``full_text = true`` in feeds.toml are fetched, politely: one page at a time per host,
at most ``MAX_PER_REFRESH`` pages per refresh (newest first; the rest wait for ``F`` or the next
refresh), never an item whose text is already cached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover - typing only
    from core.session import Services
    from feeds.subscriptions import Subscription
    from store import Store

#: Article pages fetched by one refresh at most (a new full-text feed may bring hundreds).
MAX_PER_REFRESH = 30


@dataclass(frozen=True)
class FullText:
    """What ``F`` got: the text (``cached`` when it came from the store) or a one-line error."""

    item_id: str
    text: str | None = None
    error: str | None = None
    cached: bool = False
    source: str | None = None


def _settings(settings: Any) -> Any:
    from core.refresh import fetch_settings_from

    return fetch_settings_from(settings)


def cached_full_text(services: "Services", item_id: str) -> FullText | None:
    """The stored full text of an item, or None (a cheap file read; call from a worker)."""
    with services.lock:
        record = services.store.full_text(item_id)
    if record is None:
        return None
    return FullText(item_id, record["text"], cached=True, source=record.get("url"))


def get_full_text(services: "Services", item: dict, *, refetch: bool = False) -> FullText:
    """The item's article text: from the store, else fetched, extracted and stored.

    The download runs without the services lock (the store stays usable meanwhile).
    """
    item_id = item["id"]
    if not refetch:
        cached = cached_full_text(services, item_id)
        if cached is not None:
            return cached
    if services.demo:  # fictional items: their example.com links hold a stranger's page, not an article
        return FullText(item_id, error="No full text in the demo: its sample items are fictional and have "
                                       "no article pages.")
    link = str(item.get("link") or "")
    if not link:
        return FullText(item_id, error="This item has no link to fetch.")
    if item.get("openable") is False:
        return FullText(item_id, error=f"Refused to fetch a non-web link: {link[:80]}")
    from feeds.fulltext import fetch_article

    article = fetch_article(link, _settings(services.settings))
    if not article.ok:
        return FullText(item_id, error=f"No full text ({article.error_kind}): {article.error}")
    with services.lock:
        services.store.set_full_text(item_id, article.text, url=article.final_url, fetched=services.clock())
    return FullText(item_id, article.text, source=article.final_url)


def _not_cached(store: "Store", item_id: str) -> bool:
    from store import StoreError

    try:
        return store.full_text(item_id) is None
    except StoreError:  # an unreadable cache file: leave it alone (it is never rewritten blindly)
        return False


def fetch_for_refresh(store: "Store", subs: Iterable["Subscription"], new_items: list[dict],
                      settings: Any, now: datetime) -> int:
    """After a refresh: fetch the articles of new items from ``full_text = true`` feeds.

    Returns how many texts were stored. Failures are skipped quietly (the item keeps its
    teaser, and ``F`` can try again and say why).
    """
    wanted = {s.url for s in subs if getattr(s, "full_text", False)}
    if not wanted:
        return 0
    from feeds.fulltext import fetch_articles
    import asyncio

    todo = [i for i in sorted(new_items, key=lambda i: str(i.get("published") or ""), reverse=True)
            if i.get("feed") in wanted and i.get("link") and i.get("openable", True)]
    todo = [i for i in todo if _not_cached(store, i["id"])][:MAX_PER_REFRESH]
    if not todo:
        return 0
    from store import StoreError

    polite = replace(settings, per_host=1)  # one page at a time per site
    articles = asyncio.run(fetch_articles([i["link"] for i in todo], polite))
    stored = 0
    for item, article in zip(todo, articles):
        if not article.ok:
            continue
        try:
            store.set_full_text(item["id"], article.text, url=article.final_url, fetched=now)
        except StoreError:  # e.g. another writer holds the lock: the items are stored; F can retry
            break
        stored += 1
    return stored
