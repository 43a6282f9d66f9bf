"""The refresh pipeline: subscriptions -> fetch -> parse/clean -> tag -> stories -> store.

This is the one place that glues ``feeds``, ``briefing`` and ``store`` together; the CLI's
``chipwire refresh`` and the app's ``r`` key both call :func:`refresh`. It imports no Textual,
so it runs the same in a terminal, in a worker thread of the app and in tests.

The rooms: :mod:`~core.refresh.plan` (what is due, when next: pure),
:mod:`~core.refresh.outcome` (one pure rule per way a fetch ends), :mod:`~core.refresh.parsing`
(pool / standby worker / thread, GC policy, isolated retry), :mod:`~core.refresh.run` (one run's
state, batch commits, stopping), :mod:`~core.refresh.storing` (stories, re-tagging, moves,
retention), :mod:`~core.refresh.hook` (the contained new-items hook).

Cost model: network waits are overlapped with asyncio (one shared httpx client in
``feeds.fetch``); bodies are parsed while other feeds still download (see ``parsing``); the
store is written once at the end of an ordinary refresh (one atomic write per touched file), and
in batches of a few thousand items or seconds for a big list (bounded memory, durable progress).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from core.refresh.hook import HOOK_TIMEOUT, run_new_items_hook
from core.refresh.model import FeedOutcome, RefreshReport, from_iso, iso
from core.refresh.parsing import POOL_MIN_BODIES, no_cyclic_gc, parse_and_tag, tag_entries
from core.refresh.plan import fetch_settings_from
from core.refresh.run import Progress, RefreshRun
from core.refresh.storing import assign_item_stories, ensure_tags_current, retag_all
from store.home import HomePaths

if TYPE_CHECKING:  # pragma: no cover
    from core.refresh.parsing import ProcessPoolFactory
    from briefing.themes import ThemeSet
    from store import Store
    from core.settings import Settings

__all__ = [
    "FeedOutcome", "HOOK_TIMEOUT", "POOL_MIN_BODIES", "RefreshReport", "assign_item_stories",
    "ensure_tags_current", "fetch_settings_from", "from_iso", "iso", "parse_and_tag", "refresh",
    "retag_all", "run_new_items_hook", "tag_entries",
]


def refresh(
    paths: HomePaths,
    *,
    settings: "Settings",
    force: bool = False,
    now: datetime | None = None,
    on_progress: Progress | None = None,
    store: "Store | None" = None,
    themes: "ThemeSet | None" = None,
    only: list[str] | None = None,
    stop: threading.Event | None = None,
    process_pool: "ProcessPoolFactory | None" = None,
) -> RefreshReport:
    """Run one refresh of every enabled, due subscription and store the results.

    Args:
        paths: the chipwire home.
        settings: loaded ``config.toml`` settings.
        force: ignore each feed's schedule (ttl, Cache-Control, Retry-After, minimum interval).
        now: the time to use (tests freeze it).
        on_progress: called after each feed ends, with (done, total, outcome); may be called
            from the thread that runs this function.
        store: an already open store (the app keeps one); opened and closed here otherwise.
        themes: the theme set to tag with; loaded from the home otherwise.
        only: refresh just these feed URLs.
        stop: set it (e.g. from a SIGINT/SIGTERM handler) to end the refresh early: no new
            fetches, what was parsed is stored, ``report.interrupted`` is set, no hook runs.
        process_pool: builds the parse workers' pool (``ProcessPoolExecutor``'s signature);
            tests pass one that fails or counts, to check what the refresh does about it.

    Raises:
        feeds.subscriptions.ConfigError: broken ``feeds.toml`` (nothing is fetched or written).
        store.StoreError / StoreLocked: store unusable or another writer is active.
    """
    from feeds.subscriptions import load_subscriptions

    started = time.perf_counter()
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    paths.ensure()
    subs = load_subscriptions(paths.feeds_file)
    if only:
        wanted = set(only)
        subs = [s for s in subs if s.url in wanted]
    own_store = store is None
    if store is None:
        from store import Store

        store = Store.open(paths.db_dir)
    try:
        with store.writer(), no_cyclic_gc():
            report = _refresh_locked(paths, settings, subs, store, force=force, now=now,
                                     on_progress=on_progress, themes=themes, stop=stop,
                                     process_pool=process_pool)
        if report.new_items and not report.interrupted and any(s.full_text for s in subs):
            from core.fulltext import fetch_for_refresh  # feeds.toml `full_text = true`

            fetch_for_refresh(store, subs, report.new_items, fetch_settings_from(settings), now)
    finally:
        if own_store:
            store.close()
    report.elapsed = time.perf_counter() - started
    if report.new_ids and settings.hook.new_items and not report.interrupted:
        report.hook_error = run_new_items_hook(list(settings.hook.new_items), paths, report.new_items,
                                               stop=stop)
    return report


def _refresh_locked(paths: HomePaths, settings: "Settings", subs: list, store: "Store", *, force: bool,
                    now: datetime, on_progress: Progress | None, themes: "ThemeSet | None",
                    stop: threading.Event | None, process_pool: "ProcessPoolFactory | None") -> RefreshReport:
    from core.refresh.plan import plan

    themes_file = str(paths.themes_file) if paths.themes_file.exists() else None
    run = RefreshRun(paths, settings, store, subs, now, on_progress=on_progress, stop=stop,
                     themes_file=themes_file,
                     # The hook and feeds.toml's `full_text = true` need the new items themselves.
                     keep_new_items=bool(settings.hook.new_items) or any(s.full_text for s in subs),
                     process_pool=process_pool)
    run.report.retagged = _retag_if_themes_changed(store, themes, themes_file)
    run.fetch(plan(subs, run.states, now, force=force))
    return run.close()


def _retag_if_themes_changed(store: "Store", themes: "ThemeSet | None", themes_file: str | None) -> int:
    """Re-tag the archive when the theme set in force is not the one its tags came from."""
    if themes is None and themes_file is None:
        from briefing.themes import builtin_digest

        # The built-in themes are in force: when the stored tags came from them, the parent
        # needs no theme set at all (~50 ms of parsing saved on every refresh).
        if store.meta("themes_digest") == builtin_digest():
            return 0
        from briefing.themes import load_builtin

        themes = load_builtin()
    elif themes is None:
        from briefing.themes import load_themes

        themes, _warning = load_themes(Path(themes_file))
    return ensure_tags_current(store, themes)
