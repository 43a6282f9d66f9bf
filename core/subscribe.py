"""Subscribing: add, remove and list the feeds in ``feeds.toml``, for the CLI and the feeds screen alike.

Both faces used to carry their own copy of these rules (the feeds screen even imported the
CLI to reuse one). Here they are once: what a subscribable source is, how an add or a remove
goes, and the per-feed rows (subscription + last fetch state + item count) both faces list.
Errors come out as :class:`SubscribeError` with a one-line message; the CLI turns it into
exit 2, the screen into a notification.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
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
