"""Subscribing: add, remove and list the feeds in ``feeds.toml``, for the CLI and the feeds screen alike.

Both faces used to carry their own copy of these rules (the feeds screen even imported the
CLI to reuse one). Here they are once: what a subscribable source is, how an add or a remove
goes, and the per-feed rows (subscription + last fetch state + item count) both faces list.
Errors come out as :class:`SubscribeError` with a one-line message; the CLI turns it into
exit 2, the screen into a notification.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from feeds.opml import Dropped
    from feeds.subscriptions import Subscription
    from store.home import HomePaths


class SubscribeError(Exception):
    """A source or a feeds.toml change that cannot be made; the message is one line for a person."""


class AlreadySubscribed(SubscribeError):
    """The source is in feeds.toml already (nothing was written)."""


def normalise_source(source: str) -> str:
    """http(s) URLs stay as given; anything else must be an existing local feed file (made absolute).

    Raises:
        SubscribeError: another scheme (``javascript:``, ``ftp:``…), or a path that is not a
            regular file (missing, a folder, a pipe).
    """
    source = source.strip()
    if not source:
        raise SubscribeError("give an http(s) URL or the path of a local feed file")
    lowered = source.lower()
    if lowered.startswith(("http://", "https://")):
        return source
    if lowered.startswith("file://"):
        source = source[7:]
    elif "://" in source or lowered.startswith(("javascript:", "data:", "ftp:")):
        raise SubscribeError(f"{source!r}: only http(s) URLs and local feed files can be subscribed")
    path = Path(source).expanduser()
    if not path.is_file():
        if path.is_dir():
            why = "a folder, not a feed file"
        elif path.exists():
            why = "not a regular file (a pipe or device cannot be re-read on every refresh)"
        else:
            why = "no such file"
        raise SubscribeError(f"{source}: {why} (give an http(s) URL or the path of a feed file)")
    return str(path.resolve())


def load_sources(paths: "HomePaths", *, read_only: bool = False) -> list["Subscription"]:
    """The subscriptions in feeds.toml (created with the default list on first use).

    ``read_only`` never creates the file: a missing one reads as the curated defaults, so
    listing and exporting work on a read-only home.
    """
    from feeds.subscriptions import ConfigError, load_subscriptions, read_subscriptions

    try:
        if read_only:
            return read_subscriptions(paths.feeds_file)
        return load_subscriptions(paths.feeds_file)
    except ConfigError as exc:
        raise SubscribeError(str(exc)) from None


def add_source(paths: "HomePaths", url: str, title: str | None = None, category: str | None = None) -> "Subscription":
    """Subscribe to an already normalised source, keeping the person's comments in feeds.toml.

    Raises:
        AlreadySubscribed: the source is there already.
        SubscribeError: feeds.toml is broken (never touched then) or cannot be written.
    """
    from feeds.subscriptions import ConfigError, SubscriptionExists, add_subscription

    paths.ensure()
    load_sources(paths)  # creates the default file on first use, and refuses to touch a broken one
    try:
        return add_subscription(paths.feeds_file, url, title=title, category=category)
    except SubscriptionExists:
        raise AlreadySubscribed(f"already subscribed: {url}") from None
    except ConfigError as exc:
        raise SubscribeError(str(exc)) from None


def remove_source(paths: "HomePaths", url: str) -> str | None:
    """Unsubscribe (stored items are kept); returns the URL removed, or None when it was not there.

    A local path is matched as the absolute path it was subscribed under.
    """
    from feeds.subscriptions import ConfigError, remove_subscription

    load_sources(paths)
    if not url.lower().startswith(("http://", "https://")) and Path(url).expanduser().exists():
        url = str(Path(url).expanduser().resolve())
    try:
        return url if remove_subscription(paths.feeds_file, url) else None
    except ConfigError as exc:
        raise SubscribeError(str(exc)) from None


@dataclass(frozen=True)
class Imported:
    """What an OPML import did: feeds added, ones already subscribed, outlines left out (and why)."""

    added: int
    already: int
    dropped: list["Dropped"]


def import_opml(paths: "HomePaths", file: Path, *, allow_local: bool = False) -> Imported:
    """Subscribe to every feed of an OPML file that is not subscribed yet (comments in feeds.toml kept).

    Raises:
        SubscribeError: the file is refused (DOCTYPE, entities, not OPML) or unreadable, or
            feeds.toml is broken or cannot be written.
    """
    from feeds.opml import Dropped, OpmlError, read_opml
    from feeds.subscriptions import ConfigError, normalise_url, save_subscriptions

    dropped: list[Dropped] = []
    try:
        incoming = read_opml(Path(file), allow_local=allow_local, dropped=dropped)
    except OpmlError as exc:
        raise SubscribeError(str(exc)) from None
    except OSError as exc:
        raise SubscribeError(f"{file}: {exc.strerror or exc}") from None
    paths.ensure()
    subs = load_sources(paths)
    known = {normalise_url(s.url) for s in subs}
    added = 0
    for sub in incoming:
        if normalise_url(sub.url) in known:
            continue
        known.add(normalise_url(sub.url))
        subs.append(sub)
        added += 1
    try:
        save_subscriptions(paths.feeds_file, subs)
    except ConfigError as exc:
        raise SubscribeError(str(exc)) from None
    return Imported(added=added, already=len(incoming) - added, dropped=dropped)


def export_opml(paths: "HomePaths", feed_states: Mapping[str, dict] | None = None) -> str:
    """feeds.toml as OPML 2.0 (never creates feeds.toml: a missing one exports the defaults).

    Feeds without a title override are named by the title their feed last gave
    (``feed_states``, the store's), so the reader that imports the file shows names, not URLs.
    """
    from dataclasses import replace

    from feeds.opml import write_opml

    subs = load_sources(paths, read_only=True)
    if feed_states:
        subs = [s if s.title else replace(s, title=feed_states.get(s.url, {}).get("title") or None) for s in subs]
    return write_opml(subs)
