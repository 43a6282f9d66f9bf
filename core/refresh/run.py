"""One refresh run: the state it carries from the first fetch to the last commit.

:class:`RefreshRun` replaces what used to be closures over five URL-keyed dicts: it takes each
fetch result as it arrives (``on_result``), classifies it with the pure rules of
:mod:`core.refresh.outcome`, hands changed bodies to the parsers, and stores parsed feeds in
batches (``flush``). Batches keep a big list's memory bounded and make a killed refresh keep
what it had committed; an ordinary refresh stays one commit, since it never reaches a limit.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from core.refresh import outcome as rules
from core.refresh.model import FeedOutcome, RefreshReport, iso
from core.refresh.parsing import Output, Parsers
from core.refresh.plan import Plan, fetch_settings_from
from core.refresh.storing import assign_item_stories, maybe_prune, move_feed
from store.home import HomePaths

if TYPE_CHECKING:  # pragma: no cover
    from core.refresh.parsing import ProcessPoolFactory
    from feeds.fetch import FetchResult
    from feeds.subscriptions import Subscription
    from store import Store
    from core.settings import Settings

#: Commit once this many parsed items wait in memory. Bounds a big list's peak memory, while
#: every batch rewrites the months it touches, so smaller batches cost more CPU. 1,000 feeds x
#: 40 items: 10,000 / 15 s gave 235 MiB, 18.5 s CPU, but only 26 % kept when killed at 60 % of
#: the run (one batch had landed); 5,000 / 10 s gave 213 MiB, 21.3 s CPU and 54 % kept.
BATCH_ITEMS = 5000
#: ... or once parsed items have waited this long (a killed refresh keeps what was committed).
BATCH_SECONDS = 10.0
#: How often the fetch loop looks for finished parses and a stop request.
TICK_SECONDS = 0.2

Progress = Callable[[int, int, FeedOutcome], None]


class RefreshRun:
    """The working state of one refresh under the writer lock."""

    def __init__(self, paths: HomePaths, settings: "Settings", store: "Store", subs: list["Subscription"],
                 now: datetime, *, on_progress: Progress | None, stop: threading.Event | None,
                 themes_file: str | None, keep_new_items: bool,
                 process_pool: "ProcessPoolFactory | None" = None) -> None:
        self.paths, self.settings, self.store, self.now = paths, settings, store, now
        self.process_pool = process_pool
        self.on_progress, self.stop, self.themes_file = on_progress, stop, themes_file
        self.keep_new_items = keep_new_items
        self.report = RefreshReport()
        self.states = store.feed_states()
        self.order = {sub.url: i for i, sub in enumerate(subs)}
        self.total = len(subs)
        self.done = 0
        self._lock = threading.Lock()
        self.fetch_settings = fetch_settings_from(settings)
        self.cutoff = iso(now - timedelta(days=settings.store.retention_days))
        self.by_url: dict[str, "Subscription"] = {}
        self.state_updates: dict[str, dict] = {}  # states not yet handed to the store
        self.claimed: set[str] = set()  # guids stored by a feed of this run (cross-posting)
        self.waiting: dict[str, tuple["FetchResult", str]] = {}  # fetched, parse pending
        self.buffer: list[tuple[str, Output]] = []  # parsed, not yet stored
        self.buffered_items = 0
        self.buffered_since = 0.0  # when the oldest buffered output arrived
        self.moves: dict[str, str] = {}
        self.parsers: Parsers | None = None

    # ---- bookkeeping ------------------------------------------------------------------------

    def finish(self, outcome: FeedOutcome, state: dict | None = None) -> None:
        """Record one feed's outcome (and the state to store), and tell the progress callback."""
        if state is not None:
            self.state_updates[outcome.url] = state
        with self._lock:
            self.done += 1
            self.report.outcomes.append(outcome)
            current = self.done
        if self.on_progress is not None:
            self.on_progress(current, self.total, outcome)

    def title_of(self, url: str) -> str:
        sub = self.by_url[url]
        return sub.title or self.states.get(url, {}).get("title") or url

    @property
    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    # ---- fetching -----------------------------------------------------------------------------

    def fetch(self, plan: Plan) -> None:
        """Fetch every planned request (stopping early if asked), parsing as bodies arrive."""
        self.by_url = plan.by_url
        for skipped in plan.skipped:
            self.finish(skipped)
        self.parsers = Parsers.start(plan.expected_bodies, bool(plan.requests), self.themes_file,
                                     process_pool=self.process_pool)
        try:
            if plan.requests and not self.stopping:
                asyncio.run(self._fetch_all(plan.requests))
            # Downloads often end before the parses: keep storing batches while they finish.
            while not self.stopping and self.parsers.wait_some(TICK_SECONDS):
                self.tick()
            outputs = self.parsers.finish(stopping=self.stopping)
        finally:
            self.parsers.close()
        self._buffer(outputs)

    async def _fetch_all(self, requests: list[Any]) -> None:
        """``fetch_all`` with a tick: collect finished parses, flush a batch, honour a stop."""
        from feeds.fetch import fetch_all

        task = asyncio.ensure_future(fetch_all(requests, self.fetch_settings, on_result=self.on_result))
        while True:
            done, _ = await asyncio.wait({task}, timeout=TICK_SECONDS)
            if done:
                task.result()
                return
            if self.stopping:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
                return
            self.tick()

    def on_result(self, res: "FetchResult") -> None:
        """One feed finished downloading: settle it now, or queue its body for parsing."""
        if self.stopping:
            return  # not stored: it is fetched again next time
        if res.moved_to and res.moved_to != res.url:
            self.moves[res.url] = res.moved_to
        sub, title, prev = self.by_url[res.url], self.title_of(res.url), self.states.get(res.url)
        if res.status == "error":
            kind, msg = res.error_kind or "error", res.error_message or "fetch failed"
            self.finish(*rules.failure(res, kind, msg, title, prev, sub, self.settings, self.now))
            return
        if res.status == "not-modified":
            self.finish(*rules.not_modified(res, title, prev, sub, self.settings, self.now))
            return
        body = res.body or b""
        body_digest = rules.digest(body)
        if rules.is_unchanged(body_digest, prev):
            self.finish(*rules.unchanged(res, title, prev, sub, self.settings, self.now))
            return
        job = (body, res.url, dict(res.headers), iso(self.now), self.fetch_settings.max_bytes, self.themes_file)
        res.body = None  # the job holds it until parsed; fetch_all's result list need not
        self.waiting[res.url] = (res, body_digest)
        assert self.parsers is not None
        self.parsers.submit(res.url, job)

    def tick(self) -> None:
        """While fetching: take finished parses, and store a batch once one is due."""
        if self.parsers is not None:
            self._buffer(self.parsers.take_done())
        if not self.buffer:
            return
        if self.buffered_items >= BATCH_ITEMS or time.monotonic() - self.buffered_since >= BATCH_SECONDS:
            self.flush()
            self.store.commit()
            self.store.release_caches()  # what was just written need not stay parsed here
            self.report.commits += 1

    def _buffer(self, outputs: list[tuple[str, Output]]) -> None:
        if outputs and not self.buffer:
            self.buffered_since = time.monotonic()
        for url, output in outputs:
            self.buffer.append((url, output))
            if output[0] == "ok":
                self.buffered_items += len(output[1].entries)

    # ---- storing ------------------------------------------------------------------------------

    def flush(self) -> None:
        """Hand the buffered feeds (in subscription order) and pending states to the store.

        Subscription order within a batch: when feeds share a guid (cross-posting), the first
        subscription owns the item, and it is stored (and counted new) once; across batches
        of a big run, the feed stored first keeps it.
        """
        self.buffer.sort(key=lambda p: self.order.get(p[0], len(self.order)))
        items: list[dict] = []
        stored: list[tuple[FeedOutcome, list[str], int]] = []
        for url, (kind, payload) in self.buffer:
            res, body_digest = self.waiting.pop(url)
            sub, prev = self.by_url[url], self.states.get(url)
            if kind == "error":
                err_kind, msg = payload
                self.finish(*rules.failure(res, err_kind, msg, self.title_of(url), prev, sub, self.settings,
                                           self.now))
                continue
            feed_title = sub.title or payload.title or url
            entries, owned, too_old = rules.owned_entries(payload.entries, url, feed_title, self.claimed,
                                                          self.cutoff)
            out, state = rules.parsed_ok(res, body_digest, payload, entries, too_old, sub, prev,
                                         self.settings, self.now)
            items.extend(owned)
            stored.append((out, [e["id"] for e in owned], too_old))
            self.finish(out, state)
        self.buffer, self.buffered_items = [], 0
        if items:
            self._store_items(items, stored)
        for url, state in self.state_updates.items():
            self.store.set_feed_state(url, state)
        self.state_updates = {}

    def _store_items(self, items: list[dict], stored: list[tuple[FeedOutcome, list[str], int]]) -> None:
        """Group into stories, upsert, and count each feed's new and updated items."""
        from briefing.inherit import inherit_story_themes
        from core.corrections import apply_stored_corrections

        nearby = assign_item_stories(self.store, items)
        inherit_story_themes(items, nearby)  # untagged follow-ups take their story's themes
        apply_stored_corrections(self.store, items)  # the person's word outranks the tagger
        # The parser built these from JSON types and nothing here touches them again: no copy.
        result = self.store.upsert_items(items, now=self.now, owned=True)
        new_set, upd_set = set(result.new), set(result.updated)
        self.report.new_ids.extend(result.new)
        self.report.updated_ids.extend(result.updated)
        if self.keep_new_items:
            self.report.new_items.extend(item for item in items if item["id"] in new_set)
        for out, ids, too_old in stored:
            if not ids:
                continue
            out.new = sum(1 for i in ids if i in new_set)
            out.updated = sum(1 for i in ids if i in upd_set)
            out.message = rules.counted_message(out, too_old)
            self.state_updates[out.url]["message"] = out.message

    def close(self) -> RefreshReport:
        """Store the last batch, follow permanent redirects, commit; prune if due."""
        self.flush()
        report = self.report
        if self.stopping:
            report.interrupted = True
            self._skip_unfinished()
        report.outcomes.sort(key=lambda o: self.order.get(o.url, len(self.order)))
        # Permanent redirects move the subscription (its state and items follow) — but only to
        # a feed: a 301 to a parked-domain page or other non-feed must not lose the old URL.
        settled = {o.url for o in report.outcomes if o.status not in ("error", "skipped")}
        for old, new in self.moves.items():
            if old in settled:
                move_feed(self.paths, self.store, old, new)
        self.store.set_meta("last_refresh", iso(self.now))
        self.store.commit()
        report.commits += 1
        if report.commits > 1:  # a big run: do not leave every month it wrote parsed in memory
            self.store.release_caches()
        if not report.interrupted:
            maybe_prune(self.store, self.settings, self.now)
        return report

    def _skip_unfinished(self) -> None:
        """Feeds a stop cut short keep their old state (fetched again next time)."""
        seen = {o.url for o in self.report.outcomes}
        for url in self.order:
            if url not in seen and url in self.by_url:
                self.finish(FeedOutcome(url, self.title_of(url), "skipped", "interrupted before it was stored"))
        self.waiting.clear()
