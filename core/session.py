"""The app's non-UI facade: home paths, settings, the store, themes and briefing building.

Every screen talks to the data through one :class:`Services` object instead of reaching for
``store`` and ``briefing`` directly, so that

- the Textual layer stays thin and testable (this module imports no Textual and can be unit
  tested, benchmarked and reused by other screens);
- all store access goes through one lock: TinyDB is not thread-safe, and the app reads from
  thread workers while the refresh worker writes (STYLE habit 13, single writer);
- the expensive things (loading a month file, building a day's briefing) are cached here and
  invalidated in one place when flags change or a refresh lands.

The view the screens show is a :class:`~core.view.BriefingView` (see :mod:`core.view`),
safe to hand across threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.query import Query
    from briefing.themes import ThemeSet
    from store.home import HomePaths
    from store import Store
    from core.settings import Settings

from core.view import OTHER, BriefingView, ViewRequest, arrange  # noqa: F401 (re-exported for the screens)

Clock = Callable[[], datetime]

#: How many loaded day ranges stay cached; day switching back and forth is then instant.
CACHE_RANGES = 8
#: What a second refresh started while one runs is told (screens show it as a notice).
REFRESH_BUSY = "Not started: a refresh is already running."


class RefreshBusy(RuntimeError):
    """A refresh was asked for while another one runs in this process (two writers, one store)."""


def utc_now() -> datetime:
    """The real clock, in UTC without microseconds (the store's resolution)."""
    return datetime.now(timezone.utc).replace(microsecond=0)


class Services:
    """Paths, settings, the open store, themes, and the briefing queries the screens need.

    Thread-safe: every store call holds :attr:`lock`. Create with :meth:`open` or pass an open
    store (tests, benchmarks). Call :meth:`close` when the app exits.
    """

    def __init__(
        self,
        paths: "HomePaths",
        settings: "Settings | None" = None,
        *,
        clock: Clock | None = None,
        store: "Store | None" = None,
        themes: "ThemeSet | None" = None,
    ) -> None:
        self.paths = paths
        self._settings = settings
        self.clock: Clock = clock or utc_now
        self._store = store
        self._own_store = store is None
        self._themes = themes
        self.theme_warning: str | None = None
        self.lock = threading.RLock()
        #: Guards only the in-memory caches, so cached days stay browsable while a refresh
        #: holds :attr:`lock` for its whole write.
        self._cache_lock = threading.RLock()
        self._cache: OrderedDict[tuple[date, date], list[dict]] = OrderedDict()
        self._day_counts: dict[str, dict[str, int]] | None = None
        self._ignore: Any = None
        #: Held for a whole refresh or re-tag; never waited on (a second refresh is refused).
        self._refresh_lock = threading.Lock()
        self._watcher: Any = None

    # -- basics ---------------------------------------------------------------------------

    @property
    def settings(self) -> "Settings":
        """Settings in force (defaults when there is no config.toml)."""
        if self._settings is None:
            from core.settings import load_settings

            self._settings = load_settings(self.paths.config_file)
        return self._settings

    @property
    def demo(self) -> bool:
        """True when the home was seeded with the bundled sample feeds (header says so)."""
        return (self.paths.root / "DEMO").exists()

    @property
    def store(self) -> "Store":
        """The open store; opened on first use (off the event loop: call from a worker)."""
        with self.lock:
            if self._store is None:
                from store import Store

                self.paths.ensure()
                self._store = Store.open(self.paths.db_dir)
            return self._store

    @property
    def themes(self) -> "ThemeSet":
        """The theme set: the user's themes.toml when valid, else the built-in one."""
        if self._themes is None:
            from briefing.themes import load_themes

            user = self.paths.themes_file if self.paths.themes_file.exists() else None
            self._themes, self.theme_warning = load_themes(user)
        return self._themes

    @property
    def theme_ids(self) -> list[str]:
        """The theme ids in essay order (the ten contract ids unless the user edited them)."""
        return [t.id for t in self.themes.themes]

    def theme_titles(self) -> dict[str, str]:
        """Theme id -> short title, with ``other`` for untagged items."""
        titles = {t.id: t.title for t in self.themes.themes}
        titles[OTHER] = "Other"
        return titles

    def theme(self, theme_id: str) -> Any | None:
        """The Theme with this id, or None (e.g. for ``other``)."""
        for theme in self.themes.themes:
            if theme.id == theme_id:
                return theme
        return None

    def ignore_rules(self) -> Any:
        """The ignore.toml rules (hide, never delete); a broken file warns once and hides nothing."""
        if self._ignore is None:
            from briefing.ignore import load_ignore_rules

            path = getattr(self.paths, "ignore_file", None)
            if path is None:
                return None
            self._ignore, warning = load_ignore_rules(path)
            if warning and not self.theme_warning:
                self.theme_warning = warning
        return self._ignore

    def close(self) -> None:
        """Close the store if this object opened it (releases the writer lock)."""
        with self.lock:
            if self._store is not None and self._own_store:
                self._store.close()
            self._store = None

    # -- days -----------------------------------------------------------------------------

    def today(self) -> date:
        """Today's UTC date by the injected clock."""
        return self.clock().astimezone(timezone.utc).date()

    def day_counts(self) -> dict[str, dict[str, int]]:
        """Per-day counts from the store (cached until :meth:`invalidate`)."""
        with self._cache_lock:
            if self._day_counts is not None:
                return self._day_counts
        with self.lock:
            counts = self.store.day_counts()
        with self._cache_lock:
            self._day_counts = counts
        return counts

    def days_with_items(self) -> list[date]:
        """Days that have items, oldest first."""
        days = []
        for key, counts in self.day_counts().items():
            if counts.get("total", 0) > 0:
                try:
                    days.append(date.fromisoformat(key))
                except ValueError:
                    continue
        return sorted(days)

    def default_day(self) -> date:
        """Today when it has items, else the latest day with items, else today."""
        today = self.today()
        days = self.days_with_items()
        if not days or today in days:
            return today
        past = [d for d in days if d <= today]
        return past[-1] if past else days[-1]

    def step_day(self, day: date, direction: int, *, weekly: bool = False) -> date | None:
        """The previous (-1) or next (+1) day with items, skipping the current week when weekly."""
        days = self.days_with_items()
        if weekly:
            start, end = ViewRequest(day, weekly=True).range
        else:
            start = end = day
        if direction < 0:
            earlier = [d for d in days if d < start]
            return earlier[-1] if earlier else None
        later = [d for d in days if d > end]
        return later[0] if later else None

    def last_refresh(self) -> str | None:
        """ISO time of the last refresh, or None if the feeds were never refreshed."""
        with self.lock:
            try:
                return self.store.last_refresh()
            except AttributeError:
                return self.store.meta("last_refresh")

    def warm(self, days_around: int = 0) -> None:
        """Open the store and load themes, day counts and the default day's items into caches.

        Called from a background thread as soon as the app is built, so the slow parts of the
        first paint (reading a month file, compiling the themes) overlap Textual's own start-up.
        Errors are left for the view worker to meet and report.
        """
        try:
            self.themes
            day = self.default_day()
            self.items_in(day, day)
            if days_around:
                self.prefetch(day, days_around)
        except Exception:  # noqa: BLE001 - the view worker reports the same failure properly
            return

    def prefetch(self, day: date, count: int = 1, *, weekly: bool = False) -> None:
        """Load the neighbouring days with items into the cache so ``[``/``]`` are instant."""
        for direction in (-1, 1):
            current: date | None = day
            for _ in range(count):
                current = self.step_day(current, direction, weekly=weekly) if current else None
                if current is None:
                    break
                start, end = ViewRequest(current, weekly=weekly).range
                self.items_in(start, end)

    # -- items ----------------------------------------------------------------------------

    def export_zone(self) -> "tzinfo":
        """``[export] tz`` (validated when config.toml was read; UTC if it stopped resolving)."""
        from core.zones import parse_zone

        name = getattr(getattr(self.settings, "export", None), "tz", "UTC")
        try:
            return parse_zone(name)
        except ValueError:
            return timezone.utc

    def display_zone(self) -> "tzinfo":
        """``[app] tz``: the zone the app shows item times in (local by default)."""
        from core.zones import parse_zone

        name = getattr(getattr(self.settings, "app", None), "tz", "local")
        try:
            return parse_zone(name)
        except ValueError:
            return timezone.utc

    def unread_between(self, start: date, end: date) -> int:
        """Unread items stored on the days ``start``..``end`` (the store's day counts; no item reads)."""
        total = 0
        for key, counts in self.day_counts().items():
            if start.isoformat() <= key <= end.isoformat():
                total += int(counts.get("unread", 0) or 0)
        return total

    @staticmethod
    def searched_range(query: "Query | None", now: datetime) -> tuple[date, date] | None:
        """The days a ``/`` query's date tokens ask for, or None when it names none.

        As in elfeed, ``@2w`` or ``@2026-11-01..2026-11-20`` sets the window searched, so
        ``/@2w +gray-market`` finds a fortnight of gray-market news instead of filtering the
        day on screen. An open end is today; an open start is 30 days before the end. A range
        that cannot match (start after end) is kept as asked and shows nothing.
        """
        if query is None:
            return None
        first, last = query.date_range(now)
        if first is None and last is None:
            return None
        end = last or now.astimezone(timezone.utc).date()
        start = first or end - timedelta(days=30)
        return start, end

    def items_in(self, start: date, end: date) -> list[dict]:
        """All items published in the inclusive day range, newest first (cached)."""
        key = (start, end)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        with self.lock:
            items = self.store.items(start=start, end=end)
        with self._cache_lock:
            self._cache[key] = items
            while len(self._cache) > CACHE_RANGES:
                self._cache.popitem(last=False)
        return items

    def get(self, item_id: str) -> dict | None:
        """One item by id (from the cache when it is loaded, else the store)."""
        with self._cache_lock:
            for items in self._cache.values():
                for item in items:
                    if item["id"] == item_id:
                        return item
        with self.lock:
            return self.store.get(item_id)

    def set_flags(self, ids: Iterable[str], *, read: bool | None = None, starred: bool | None = None) -> None:
        """Persist read/starred flags and update cached copies so the view stays in step."""
        ids = list(ids)
        if not ids:
            return
        with self.lock:
            self.store.set_flags(ids, read=read, starred=starred)
        with self._cache_lock:
            wanted = set(ids)
            for items in self._cache.values():
                for item in items:
                    if item["id"] in wanted:
                        if read is not None:
                            item["read"] = read
                        if starred is not None:
                            item["starred"] = starred
            self._day_counts = None

    def label(self, item_id: str, *, add: Iterable[str] = (), reject: Iterable[str] = (),
              confirm: Iterable[str] = ()) -> tuple[dict | None, int]:
        """Record the person's theme correction of one item (a worker call: it writes the store).

        Re-tags what the correction reaches (its story, near-identical items) and drops the
        caches so the next view shows it. Returns (the item as stored now, how many others changed).
        """
        from core.corrections import relabel

        with self.lock:
            tagger = getattr(self, "_label_tagger", None)
            if tagger is None or tagger.themeset is not self.themes:
                from briefing.tagger import Tagger

                tagger = self._label_tagger = Tagger(self.themes)
            result = relabel(self.store, tagger, item_id, add=list(add), reject=list(reject),
                             confirm=list(confirm), now=self.clock())
        self.invalidate()
        return result.item, result.spread

    def invalidate(self) -> None:
        """Forget cached items and counts (after a refresh wrote new items)."""
        with self._cache_lock:
            self._cache.clear()
            self._day_counts = None

    # -- the view -------------------------------------------------------------------------

    def archive_query(self, request: ViewRequest) -> "Query | None":
        """The parsed query when the request is an archive search (a valid, non-empty ``/``
        query naming no dates), else None (the day or week, or the dates the query names)."""
        if not request.query.strip():
            return None
        from briefing.query import QueryError, parse_query

        try:
            query = parse_query(request.query, self.theme_ids)
        except QueryError:
            return None
        if query.is_empty or query.date_range(self.clock()) != (None, None):
            return None
        return query

    def views(self, request: ViewRequest) -> Iterator[BriefingView]:
        """The view for a request — or, for an archive search, a stream of ever fuller views
        (newest month first; see :mod:`core.search`). Iterate in a thread worker."""
        query = self.archive_query(request)
        if query is None:
            yield self.build_view(request)
            return
        from core.search import archive_views

        yield from archive_views(self, request, query, self.clock())

    def build_view(self, request: ViewRequest) -> BriefingView:
        """Load the items of the request's range and arrange them as the briefing screen shows them.

        Runs in a thread worker. A bad ``/`` query is not an error: the view comes back
        unfiltered with ``query_error`` set, so typing never blanks the screen mid-word.
        """
        query = None
        query_error = None
        if request.query.strip():
            from briefing.query import QueryError, parse_query

            try:
                query = parse_query(request.query, self.theme_ids)
            except QueryError as exc:
                query_error = str(exc)
        now = self.clock()
        searched = self.searched_range(query, now)
        start, end = searched or request.range
        items = self.items_in(start, end)
        return self.arrange(request, items, start, end, query=query, query_error=query_error,
                             now=now, searched=searched)

    def arrange(self, request: ViewRequest, items: list[dict], start: date, end: date, **kwargs: Any) -> BriefingView:
        """Group ``items`` into the view the screen paints (see :func:`core.view.arrange`)."""
        return arrange(self, request, items, start, end, **kwargs)

    # -- full text ------------------------------------------------------------------------

    def full_text(self, item: dict, *, cached_only: bool = False) -> Any:
        """The item's article text (``core.fulltext.FullText``): cached, else fetched and
        stored; with ``cached_only`` None when not cached. Network I/O: call from a worker."""
        from core.fulltext import cached_full_text, get_full_text

        if cached_only:
            return cached_full_text(self, item["id"])
        return get_full_text(self, item)

    # -- other processes' writes ----------------------------------------------------------

    @property
    def watcher(self) -> Any:
        """The :class:`core.watch.OutsideWatcher` polled by the face (created on first use)."""
        with self._cache_lock:
            if self._watcher is None:
                from core.watch import OutsideWatcher

                self._watcher = OutsideWatcher(self)
            return self._watcher

    def outside_changes(self) -> Any:
        """Poll for other processes' writes (a thread call); an ``OutsideChange`` or None."""
        return self.watcher.check()

    def forget_config(self, names: Iterable[str]) -> None:
        """Drop what was read from these config files (``themes.toml``, ``ignore.toml``) so the
        next use reads them again; other names (``feeds.toml``) have nothing cached here."""
        names = set(names)
        if "themes.toml" in names:
            self._themes = None
            self.theme_warning = None
        if "ignore.toml" in names:
            self._ignore = None

    # -- refresh and export ---------------------------------------------------------------

    @property
    def refresh_running(self) -> bool:
        """True while a refresh (all feeds or some) holds the refresh lock in this process."""
        return self._refresh_lock.locked()

    def refresh(
        self,
        *,
        force: bool = False,
        on_progress: Callable[[int, int, Any], None] | None = None,
        only: list[str] | None = None,
    ) -> Any:
        """Run the refresh pipeline on our open store (call from a thread worker).

        The pipeline writes through our store object so there is one writer in the process;
        the store's own mutex serialises its reads and writes, so the screen stays browsable
        (cached days instantly, others as soon as the store answers) while the refresh runs.

        Two refreshes never overlap: the briefing's ``r``, the auto-refresh timer and the feeds
        screen's one-feed refresh all come through here, and the second one is refused at once
        (rather than queued behind a slow network) with :class:`RefreshBusy`.

        Args:
            force: ignore each feed's schedule.
            on_progress: ``(done, total, outcome)`` after each feed (from the worker thread).
            only: refresh just these feed URLs (the feeds screen's one-feed refresh).

        Raises:
            RefreshBusy: another refresh is running in this process.
        """
        from core.refresh import refresh

        if not self._refresh_lock.acquire(blocking=False):
            raise RefreshBusy(REFRESH_BUSY)
        try:
            store = self.store
            try:
                return refresh(
                    self.paths,
                    settings=self.settings,
                    force=force,
                    now=self.clock(),
                    on_progress=on_progress,
                    store=store,
                    themes=self.themes,
                    only=list(only) if only else None,
                )
            finally:
                self.invalidate()
        finally:
            self._refresh_lock.release()

    def retag_if_stale(self) -> int:
        """Re-tag every stored item when the themes changed since they were tagged (a worker call).

        The digest check is a cheap meta read; only a stale store takes the writer lock and
        rewrites items, in one batch, under :attr:`lock` and the refresh lock (so neither a
        refresh nor a view read sees half-tagged months). Returns how many items changed.
        """
        themes = self.themes
        with self.lock:
            if self.store.meta("themes_digest") == themes.digest:
                return 0
        from core.refresh import ensure_tags_current

        with self._refresh_lock, self.lock:
            store = self.store
            with store.writer():
                changed = ensure_tags_current(store, themes)
        if changed:
            self.invalidate()
        return changed

    def resolve_day(self, day: date) -> tuple[date, str | None]:
        """The day to show for a typed date: itself when it has items, else the nearest earlier.

        Returns ``(day, note)``; ``note`` says what happened when the answer is not the day asked
        for (or when nothing is stored that early), so the screen can tell the person.
        """
        days = self.days_with_items()
        if day in days or not days:
            return day, None if day in days else f"No items stored; showing {day.isoformat()}."
        earlier = [d for d in days if d < day]
        if earlier:
            return earlier[-1], f"No items on {day.isoformat()}; showing {earlier[-1].isoformat()}, the nearest earlier day."
        return day, f"No items on or before {day.isoformat()} (the first is {days[0].isoformat()})."

    def export(self, view: BriefingView, *, start: date | None = None, end: date | None = None) -> Path:
        """Write the Markdown digest of the view (or of ``start..end``) and remember it as sent.

        The digest is :func:`core.export.build`, like ``chipwire export``'s; the view's theme
        filter, unread-only and query carry over when exporting the view itself. It goes to
        the exports folder (the current folder in a demo, whose home is removed on quit),
        under a numbered sibling name rather than over an earlier digest.
        """
        from core import export

        req = view.request
        whole_view = start is None or end is None
        if whole_view:
            start, end = view.span  # the query's dates when it names some
        assert start is not None and end is not None
        query = None
        if whole_view and req.query.strip():
            from briefing.query import QueryError, parse_query

            try:
                query = parse_query(req.query, self.theme_ids)
            except QueryError:
                query = None
        request = export.ExportRequest(
            start=start, end=end, week=whole_view and req.weekly and view.searched is None,
            theme_ids=(req.theme,) if whole_view and req.theme else (),
            unread=whole_view and req.unread_only, query=query, tz=self.export_zone(),
        )
        with self.lock:
            digest = export.build(self.store, self.themes, request, now=self.clock(), ignore=self.ignore_rules())
        folder = export.export_folder(self.paths.exports_dir, demo=self.demo)
        path = export.write_to_folder(folder, digest)
        with self.lock:
            export.record(self.store, digest, at=self.clock(), file=str(path))
        return path
