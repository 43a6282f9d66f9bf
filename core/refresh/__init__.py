"""The refresh pipeline: subscriptions -> fetch -> parse/clean -> tag -> stories -> store.

This is the one place that glues ``feeds``, ``briefing`` and ``store`` together; the CLI's
``chipwire refresh`` and the app's ``r`` key both call :func:`refresh`. It imports no Textual,
so it runs the same in a terminal, in a worker thread of the app and in tests.

Cost model (why it is shaped like this): network waits are overlapped with asyncio (one shared
httpx client in ``feeds.fetch``); parsing and tagging are the CPU cost (feedparser is roughly
0.2 ms per item), so bodies are parsed *while other feeds are still downloading*: in a small
process pool when many bodies are expected (feeds never fetched before), else (the everyday
refresh: most feeds answer 304) in one standby worker where fork is safe, or in one thread of
this process (the app); the store is written once at the end
(one atomic write per touched file), so a refresh costs the same whatever the archive size.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterator

from store.home import HomePaths

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import ProcessPoolExecutor  # imported when a pool starts: ~15 ms

    from briefing.themes import ThemeSet
    from feeds.fetch import FetchResult
    from feeds.subscriptions import Subscription
    from store import Store
    from core.settings import Settings

#: Below this many bodies to parse, a process pool costs more than it saves.
POOL_MIN_BODIES = 6
#: How long the new-items hook may run before it is stopped.
HOOK_TIMEOUT = 30.0


def iso(dt: datetime) -> str:
    """Format an aware datetime as the store's ISO 8601 UTC form."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def from_iso(text: str | None) -> datetime | None:
    """Parse the store's ISO 8601 form back; ``None`` for missing or unreadable values."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


@dataclass
class FeedOutcome:
    """How one feed ended a refresh; stored per feed and printed one line per feed."""

    url: str
    title: str
    status: str  # "ok" | "not-modified" | "unchanged" | "skipped" | "error"
    message: str = ""
    error_kind: str | None = None
    http_status: int | None = None
    new: int = 0
    updated: int = 0
    entries: int = 0
    warning: str | None = None
    moved_to: str | None = None
    elapsed: float = 0.0

    @property
    def failed(self) -> bool:
        """True when the feed could not be read this time."""
        return self.status == "error"

    def to_json(self) -> dict[str, Any]:
        """The ``refresh --json`` record of this feed (a CLI contract: extend, don't rename)."""
        return {
            "url": self.url,
            "title": self.title,
            "status": self.status,
            "message": self.message,
            "error_kind": self.error_kind,
            "http_status": self.http_status,
            "new": self.new,
            "updated": self.updated,
            "entries": self.entries,
            "warning": self.warning,
            "moved_to": self.moved_to,
            "elapsed": round(self.elapsed, 3),
        }


@dataclass
class RefreshReport:
    """Everything a caller needs to summarise a refresh."""

    outcomes: list[FeedOutcome] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    updated_ids: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    hook_error: str | None = None
    retagged: int = 0
    new_items: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> list[FeedOutcome]:
        """Outcomes of feeds that could not be read."""
        return [o for o in self.outcomes if o.failed]

    @property
    def exit_code(self) -> int:
        """0 when every feed is ok, unchanged or skipped; 1 when some failed."""
        return 1 if self.failed else 0


# --------------------------------------------------------------------------------------------
# Parse + tag: runs in worker processes (or inline), so it is a plain module-level function.

_TAGGER: Any = None
_TAGGER_KEY: str | None = None
_TAGGER_LOCK = threading.Lock()


def _init_worker(themes_file: str | None) -> None:
    """Process-pool initializer: make sure the worker has a tagger (a forked one may inherit it).

    A forked worker inherits the parent's paused cyclic GC (see ``_no_cyclic_gc``); it parses
    an unbounded number of bodies, so it turns collection back on.
    """
    gc.enable()
    _get_tagger(themes_file)


def _init_standby_worker(themes_file: str | None) -> None:
    """Initializer of the standby worker: build the tagger in a daemon thread, then be ready.

    So the build overlaps the first network round if a body comes, and a refresh where every
    feed answers 304 is not kept waiting: the worker takes its stop signal at once and exits,
    daemon thread and all, instead of finishing a tagger nobody will use.
    """
    gc.enable()

    def build() -> None:
        try:
            import feeds.parse  # noqa: F401  (what the first body needs next to the tagger)
            from briefing.entities import builtin_table

            _get_tagger(themes_file)
            builtin_table()
        except Exception:  # noqa: BLE001 - the first body's own build reports it properly
            pass

    threading.Thread(target=build, name="chipwire-tagger", daemon=True).start()


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector for one refresh, then restore it.

    Why: a cold refresh allocates ~100,000 small dicts and lists (5,000 items: received from
    the workers, grouped into stories, copied into the store) and keeps them all alive, so
    every collection walks a growing heap and finds nothing; that was ~0.2 s of a 5,000-item
    refresh (store upsert 0.36 -> 0.14 s). The refresh's own data has no reference cycles,
    so nothing accumulates; collection resumes at the end. Restores only what it changed, so
    a caller that had GC off keeps it off.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Everything allocated during the pause sits in the youngest generation, so the first
            # collection after re-enabling would walk all of it (~50 ms after a refresh into a
            # 50,000-item store). What survived a whole refresh is old by any measure: move it to
            # the oldest generation first (freeze + unfreeze splice lists: O(1)). Not when
            # someone froze objects on purpose: unfreeze would release theirs too.
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _get_tagger(themes_file: str | None) -> Any:
    """This process's tagger for ``themes_file`` (None: the built-in themes), built once.

    Locked: a standby worker builds it in a background thread (see ``_init_standby_worker``)
    and its first body must wait for that build rather than start a second one.
    """
    global _TAGGER, _TAGGER_KEY
    key = themes_file or "<builtin>"
    with _TAGGER_LOCK:
        if _TAGGER is None or _TAGGER_KEY != key:
            from briefing.tagger import Tagger
            from briefing.themes import load_themes

            themes, _warning = load_themes(Path(themes_file) if themes_file else None)
            _TAGGER = Tagger(themes)
            _TAGGER_KEY = key
        return _TAGGER


def parse_and_tag(
    body: bytes, url: str, headers: dict[str, str], now_iso: str, max_bytes: int, themes_file: str | None
) -> tuple[str, Any]:
    """Parse one fetched body and tag its entries; returns ("ok", ParsedFeed) or ("error", (kind, msg)).

    Errors are returned, not raised, so a hostile feed never kills a pool worker's result.
    """
    from feeds.parse import FeedParseError, parse_feed

    now = from_iso(now_iso) or datetime.now(timezone.utc)
    try:
        parsed = parse_feed(body, url=url, headers=headers, now=now, max_bytes=max_bytes)
    except FeedParseError as exc:
        return "error", (exc.kind, exc.message)
    except Exception as exc:  # a parser bug must not take the refresh down
        return "error", ("parser", f"{type(exc).__name__}: {exc}")
    tag_entries(parsed.entries, _get_tagger(themes_file))
    return "ok", parsed


def tag_entries(entries: list[dict], tagger: Any) -> None:
    """Add ``themes`` and ``entities`` to entries in place."""
    from briefing.entities import extract_entities

    for entry in entries:
        entry["themes"] = tagger.tag(entry.get("title", ""), entry.get("summary", ""))
        entry["entities"] = extract_entities(entry.get("title", ""), entry.get("summary", ""))


# --------------------------------------------------------------------------------------------


def fetch_settings_from(settings: "Settings") -> Any:
    """Map the user's ``[fetch]`` config onto ``feeds.fetch.FetchSettings``."""
    from feeds.fetch import FetchSettings
    from core.version import USER_AGENT

    f = settings.fetch
    return FetchSettings(
        max_bytes=f.max_bytes,
        connect_timeout=f.connect_timeout,
        read_timeout=f.read_timeout,
        deadline=f.deadline,
        concurrency=f.concurrency,
        per_host=f.per_host,
        user_agent=USER_AGENT,
    )


def _due(sub: "Subscription", state: dict, now: datetime) -> tuple[bool, str]:
    """Is this feed due? Returns (due, reason-if-not)."""
    next_fetch = from_iso(state.get("next_fetch"))
    if next_fetch and now < next_fetch:
        why = state.get("next_reason") or "schedule"
        return False, f"not due until {iso(next_fetch)} ({why}); --force fetches now"
    return True, ""


def _schedule(
    sub: "Subscription", settings: "Settings", now: datetime, *, ttl: int | None, max_age: float | None,
    retry_after: float | None,
) -> tuple[str | None, str | None]:
    """When may this feed be fetched next, and why (min interval, <ttl>, Cache-Control, Retry-After)."""
    candidates: list[tuple[float, str]] = []
    default = getattr(settings.fetch, "default_interval", 0) or 0
    interval = sub.min_interval if sub.min_interval is not None else default
    if interval:
        candidates.append((float(interval), "minimum interval"))
    if ttl:
        candidates.append((float(ttl), "feed ttl"))
    if max_age:
        candidates.append((float(max_age), "Cache-Control"))
    if retry_after:
        candidates.append((float(retry_after), "Retry-After"))
    if not candidates:
        return None, None
    # Never let a server push a feed out by more than a week.
    seconds, reason = max(candidates)
    seconds = min(seconds, 7 * 86400)
    return iso(now + timedelta(seconds=seconds)), reason


def _pool_context() -> Any:
    """Fork is cheapest (workers inherit imported modules), but only safe single-threaded."""
    import multiprocessing

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn" if os.name != "posix" else "forkserver")


def refresh(
    paths: HomePaths,
    *,
    settings: "Settings",
    force: bool = False,
    now: datetime | None = None,
    on_progress: Callable[[int, int, FeedOutcome], None] | None = None,
    store: "Store | None" = None,
    themes: "ThemeSet | None" = None,
    only: list[str] | None = None,
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
        with store.writer(), _no_cyclic_gc():
            report = _refresh_locked(paths, settings, subs, store, force=force, now=now,
                                     on_progress=on_progress, themes=themes)
        if report.new_items and any(s.full_text for s in subs):  # feeds.toml `full_text = true`
            from core.fulltext import fetch_for_refresh

            fetch_for_refresh(store, subs, report.new_items, fetch_settings_from(settings), now)
    finally:
        if own_store:
            store.close()
    report.elapsed = time.perf_counter() - started
    if report.new_ids and settings.hook.new_items:
        report.hook_error = run_new_items_hook(settings.hook.new_items, paths, report.new_items)
    return report


def _refresh_locked(
    paths: HomePaths,
    settings: "Settings",
    subs: list["Subscription"],
    store: "Store",
    *,
    force: bool,
    now: datetime,
    on_progress: Callable[[int, int, FeedOutcome], None] | None,
    themes: "ThemeSet | None",
) -> RefreshReport:
    from feeds.fetch import FetchRequest, fetch_all

    report = RefreshReport()
    themes_file = str(paths.themes_file) if paths.themes_file.exists() else None
    if themes is None and themes_file is None:
        from briefing.themes import builtin_digest

        # The built-in themes are in force: when the stored tags came from them, the parent
        # needs no theme set at all (~50 ms of parsing saved on every refresh).
        if store.meta("themes_digest") != builtin_digest():
            from briefing.themes import load_builtin

            themes = load_builtin()
    elif themes is None:
        from briefing.themes import load_themes

        themes, _warning = load_themes(Path(themes_file))
    if themes is not None:
        report.retagged = ensure_tags_current(store, themes)

    states = store.feed_states()
    total = len(subs)
    done = 0
    lock = threading.Lock()

    def finish(outcome: FeedOutcome) -> None:
        nonlocal done
        with lock:
            done += 1
            report.outcomes.append(outcome)
            current = done
        if on_progress is not None:
            on_progress(current, total, outcome)

    requests = []
    by_url: dict[str, "Subscription"] = {}
    for sub in subs:
        state = states.get(sub.url, {})
        title = sub.title or state.get("title") or sub.url
        if not sub.enabled:
            finish(FeedOutcome(sub.url, title, "skipped", "disabled in feeds.toml"))
            continue
        if not force:
            due, why = _due(sub, state, now)
            if not due:
                finish(FeedOutcome(sub.url, title, "skipped", why))
                continue
        by_url[sub.url] = sub
        requests.append(FetchRequest(sub.url, etag=state.get("etag"), last_modified=state.get("last_modified")))

    fetch_settings = fetch_settings_from(settings)
    parsed_items: list[dict] = []
    pending: list[tuple["FetchResult", Any]] = []
    state_updates: dict[str, dict] = {}

    def base_state(url: str) -> dict:
        state = dict(states.get(url, {}))
        state["last_attempt"] = iso(now)
        return state

    def record_failure(res: "FetchResult", kind: str, message: str, title: str, elapsed: float) -> None:
        state = base_state(res.url)
        state.update(
            status="error", error_kind=kind, message=message, http_status=res.http_status,
            consecutive_failures=int(state.get("consecutive_failures", 0)) + 1,
        )
        next_fetch, reason = (None, None)
        if res.retry_after:
            next_fetch, reason = _schedule(by_url[res.url], settings, now, ttl=None, max_age=None,
                                           retry_after=res.retry_after)
        state["next_fetch"], state["next_reason"] = next_fetch, reason
        state_updates[res.url] = state
        finish(FeedOutcome(res.url, title, "error", message, error_kind=kind, http_status=res.http_status,
                           elapsed=elapsed))

    def on_fetched(res: "FetchResult") -> None:
        sub = by_url[res.url]
        title = sub.title or states.get(res.url, {}).get("title") or res.url
        if res.status == "error":
            record_failure(res, res.error_kind or "error", res.error_message or "fetch failed", title, res.elapsed)
            return
        state = base_state(res.url)
        if res.status == "not-modified":
            next_fetch, reason = _schedule(sub, settings, now, ttl=state.get("ttl"), max_age=res.max_age,
                                           retry_after=None)
            # A 304 may carry a new validator (RFC 9110 15.4.5): keep it, or the next request
            # sends the stale one and the server may answer with the full body again.
            state.update(status="not-modified", error_kind=None, message="not modified (304)",
                         http_status=res.http_status, consecutive_failures=0, last_success=iso(now),
                         etag=res.etag or state.get("etag"),
                         last_modified=res.last_modified or state.get("last_modified"),
                         next_fetch=next_fetch, next_reason=reason)
            state_updates[res.url] = state
            finish(FeedOutcome(res.url, title, "not-modified", "not modified (304)", http_status=res.http_status,
                               elapsed=res.elapsed, moved_to=res.moved_to))
            return
        body = res.body or b""
        digest = hashlib.sha256(body).hexdigest()
        if digest == state.get("content_hash") and state.get("status") != "error":
            next_fetch, reason = _schedule(sub, settings, now, ttl=state.get("ttl"), max_age=res.max_age,
                                           retry_after=None)
            state.update(status="unchanged", error_kind=None, message="same content as last time",
                         http_status=res.http_status, consecutive_failures=0, last_success=iso(now),
                         etag=res.etag or state.get("etag"), last_modified=res.last_modified or state.get("last_modified"),
                         next_fetch=next_fetch, next_reason=reason)
            state_updates[res.url] = state
            finish(FeedOutcome(res.url, title, "unchanged", "same content as last time", http_status=res.http_status,
                               elapsed=res.elapsed, moved_to=res.moved_to))
            return
        pending.append((res, digest))

    # Parse + tag every changed body while other feeds are still downloading: in a process pool
    # when there is enough work to share across cores. The pool is started before the event loop
    # runs, so a fork happens while single-threaded (see _start_pool).
    now_iso = iso(now)
    pool: ProcessPoolExecutor | None = None
    warm: list[Any] = []
    # Only feeds fetched without a validator are sure to send a body; those with an ETag or
    # Last-Modified mostly answer 304, and a warm refresh must not pay for a full pool (and a
    # tagger built in this process) it never uses: a standby worker or a thread takes the few.
    expected_bodies = sum(1 for r in requests if not (r.etag or r.last_modified))
    cpus = os.cpu_count() or 1
    if expected_bodies >= POOL_MIN_BODIES and cpus > 1:
        pool, warm = _start_pool(min(expected_bodies, cpus), themes_file)
    elif requests and cpus > 1:
        # The everyday refresh: every feed has validators and most will answer 304. One forked
        # worker costs the parent ~10 ms; it builds its tagger on the other core while the
        # first requests wait on the network, and parses what changed there, where a parse
        # thread in this process would fight the event loop for the GIL. Only where fork is
        # safe (the CLI); elsewhere the parse thread below does the work.
        pool, warm = _start_pool(1, themes_file, standby=True)
    jobs: dict[str, tuple] = {}
    futures: dict[str, Any] = {}
    # Without any pool (the app, whose threads rule out fork; one core), each changed body is
    # parsed by one thread of this process as it arrives, while the other feeds are still
    # downloading — not one after another once the last has come in. Same code as inline.
    parser: ThreadPoolExecutor | None = None
    threaded: dict[str, Any] = {}

    def on_result(res: "FetchResult") -> None:
        nonlocal parser
        before = len(pending)
        on_fetched(res)
        if len(pending) > before:
            job = (res.body or b"", res.url, dict(res.headers), now_iso, fetch_settings.max_bytes, themes_file)
            jobs[res.url] = job
            if pool is not None:
                try:
                    futures[res.url] = pool.submit(_parse_job, job)
                except Exception:  # the pool broke before this body: it is parsed inline below
                    pass
            else:
                if parser is None:
                    parser = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chipwire-parse")
                threaded[res.url] = parser.submit(_parse_job, job)

    results: list["FetchResult"] = []
    try:
        if requests:
            results = asyncio.run(fetch_all(requests, fetch_settings, on_result=on_result))
        outputs: list[tuple[str, Any] | None] = []
        orphans: list[int] = []  # bodies whose worker died: a dead worker fails every queued job
        for res, _digest in pending:
            if res.url in futures:
                try:
                    outputs.append(futures[res.url].result())
                except Exception:
                    if not _pool_ever_worked(warm):  # no worker ever started: not this feed's fault
                        outputs.append(_parse_job(jobs[res.url]))
                    else:
                        orphans.append(len(outputs))
                        outputs.append(None)
            elif res.url in threaded:
                outputs.append(threaded[res.url].result())  # a parser bug raises here, as inline
            else:
                outputs.append(_parse_job(jobs[res.url]))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if parser is not None:
            parser.shutdown(wait=True, cancel_futures=True)
    if orphans:
        redone = _parse_isolated([jobs[pending[i][0].url] for i in orphans], themes_file)
        for i, output in zip(orphans, redone):
            outputs[i] = output

    # Subscription order, not download order: when feeds share a guid (cross-posting), the first
    # subscription owns the item on every run, and it is stored (and counted new) once.
    order = {sub.url: i for i, sub in enumerate(subs)}
    parsed_in_order = sorted(zip(pending, outputs), key=lambda p: order.get(p[0][0].url, len(order)))
    claimed: set[str] = set()
    # Retention applies at the door too: an entry older than the window would be pruned at
    # once, then come back as "new" on the next refresh (and reach the new-items hook again).
    cutoff = iso(now - timedelta(days=settings.store.retention_days))
    for (res, digest), (kind, payload) in parsed_in_order:
        sub = by_url[res.url]
        title = sub.title or states.get(res.url, {}).get("title") or res.url
        if kind == "error":
            err_kind, msg = payload
            record_failure(res, err_kind, msg, title, res.elapsed)
            continue
        parsed = payload
        feed_title = sub.title or parsed.title or res.url
        seen: set[str] = set()
        entries = []
        for entry in parsed.entries:
            if entry["id"] in seen:  # duplicate guids inside one document: keep the first
                continue
            seen.add(entry["id"])
            entry["feed"] = res.url
            entry["feed_title"] = feed_title
            entries.append(entry)
        owned = [e for e in entries if e["id"] not in claimed]
        claimed.update(e["id"] for e in owned)
        too_old = sum(1 for e in owned if e["published"] < cutoff)
        if too_old:
            owned = [e for e in owned if e["published"] >= cutoff]
        parsed_items.extend(owned)
        state = base_state(res.url)
        next_fetch, reason = _schedule(sub, settings, now, ttl=parsed.ttl_seconds, max_age=res.max_age,
                                       retry_after=None)
        message = f"{len(entries)} entries"
        state.update(
            status="ok", error_kind=None, message=message, warning=parsed.warning, http_status=res.http_status,
            consecutive_failures=0, last_success=iso(now), etag=res.etag, last_modified=res.last_modified,
            content_hash=digest, title=parsed.title or state.get("title"), ttl=parsed.ttl_seconds,
            next_fetch=next_fetch, next_reason=reason, entries=len(entries),
        )
        state_updates[res.url] = state
        outcome = FeedOutcome(res.url, feed_title, "ok", message, http_status=res.http_status, entries=len(entries),
                              warning=parsed.warning, moved_to=res.moved_to, elapsed=res.elapsed)
        outcome._ids = [e["id"] for e in owned]  # type: ignore[attr-defined]
        outcome._too_old = too_old  # type: ignore[attr-defined]
        if too_old:
            outcome.message += f", {too_old} older than the {settings.store.retention_days}-day retention"
            state["message"] = outcome.message
        finish(outcome)

    if parsed_items:
        from briefing.inherit import inherit_story_themes

        nearby = assign_item_stories(store, parsed_items)
        inherit_story_themes(parsed_items, nearby)  # untagged follow-ups take their story's themes
        from core.corrections import apply_stored_corrections  # the person's word outranks the tagger
        apply_stored_corrections(store, parsed_items)
        # The parser built these from JSON types and nothing here touches them again: no copy.
        result = store.upsert_items(parsed_items, now=now, owned=True)
        report.new_ids = list(result.new)
        report.updated_ids = list(result.updated)
        new_set, upd_set = set(result.new), set(result.updated)
        for outcome in report.outcomes:
            ids = getattr(outcome, "_ids", None)
            if ids:
                outcome.new = sum(1 for i in ids if i in new_set)
                outcome.updated = sum(1 for i in ids if i in upd_set)
                outcome.message = f"{outcome.entries} entries, {outcome.new} new"
                if outcome.updated:
                    outcome.message += f", {outcome.updated} updated"
                if getattr(outcome, "_too_old", 0):
                    outcome.message += f", {outcome._too_old} older than the retention"  # type: ignore[attr-defined]
                state_updates[outcome.url]["message"] = outcome.message
    new_set = set(report.new_ids)
    report.new_items = [item for item in parsed_items if item["id"] in new_set]
    report.outcomes.sort(key=lambda o: order.get(o.url, len(order)))

    for url, state in state_updates.items():
        store.set_feed_state(url, state)
    # Permanent redirects move the subscription (its state and items follow) — but only to a
    # feed: a 301 to a parked-domain page or other non-feed must not lose the old URL.
    failed = {o.url for o in report.outcomes if o.failed}
    for res in results:
        if res.moved_to and res.moved_to != res.url and res.url not in failed:
            _move_feed(paths, store, res.url, res.moved_to)
    store.set_meta("last_refresh", iso(now))
    store.commit()
    _maybe_prune(store, settings, now)
    return report


def _parse_job(job: tuple) -> tuple[str, Any]:
    return parse_and_tag(*job)


def _parse_isolated(jobs: list[tuple], themes_file: str | None) -> list[tuple[str, Any]]:
    """Parse bodies whose pool worker died, one at a time in a one-worker pool.

    A worker killed mid-parse (out of memory on one hostile body, a crash in a C parser) breaks
    the whole pool and fails every job still queued, most of them innocent. Re-running them one
    by one makes the culprit the only job in flight when a worker dies again: that feed alone
    fails, and a fresh worker takes the rest. Never inline: the same body could kill the
    refresh process itself. Costs a worker start, and only after a crash.
    """
    out: list[tuple[str, Any]] = []
    pool: ProcessPoolExecutor | None = None
    try:
        for job in jobs:
            if pool is None:
                pool, _warm = _start_pool(1, themes_file)
            if pool is None:  # no process could be started any more: do not gamble the refresh
                out.append(("error", ("parser", "parser process failed, and no new one could be started")))
                continue
            try:
                out.append(pool.submit(_parse_job, job).result())
            except Exception as exc:  # this body took the worker down with it
                out.append(("error", ("parser", f"the parser process died on this feed ({type(exc).__name__})")))
                pool.shutdown(wait=True, cancel_futures=True)
                pool = None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return out


def _noop(_: int) -> None:
    """Warm-up task: makes the pool start its workers before the event loop runs."""


def _pool_ever_worked(warm: list[Any]) -> bool:
    """Did any warm-up task complete? If not, the pool never had a live worker."""
    return any(f.done() and not f.cancelled() and f.exception() is None for f in warm)


def _start_pool(workers: int, themes_file: str | None, *,
                standby: bool = False) -> tuple[ProcessPoolExecutor | None, list[Any]]:
    """Start the parse pool before the event loop runs; (None, []) (parse inline) if it cannot start.

    With ``fork`` the workers must exist before asyncio starts threads: ProcessPoolExecutor
    forks all of them on the first submit, synchronously, and they inherit the parent's
    imports — and its tagger and entity table, built here just before the fork: once, instead
    of once per worker (a cold 100-feed refresh: 3.7 -> 3.3 s of CPU over all processes, the
    same wall time). With ``forkserver``/``spawn`` (the app, or any process with threads) each
    worker imports and builds its own in the initializer. The warm-up is only submitted, never
    waited for. Returns the pool and its warm-up futures.

    ``standby``: one worker for bodies that may not come at all — fork only ((None, [])
    otherwise), and nothing built in the parent first: the worker builds its own tagger in a
    background thread, on the other core, off the parent's critical path, and can still stop
    at once when no body came.
    """
    from concurrent.futures import ProcessPoolExecutor

    context = _pool_context()
    if standby and context.get_start_method() != "fork":
        return None, []
    if context.get_start_method() == "fork" and not standby:
        import feeds.parse  # noqa: F401  (warm import inherited by forked workers)
        from briefing.entities import builtin_table

        try:
            _get_tagger(themes_file)
            builtin_table()
        except Exception:  # noqa: BLE001 - each worker then tries for itself, as without fork
            pass
    pool: ProcessPoolExecutor | None = None
    try:
        with _stderr_children_can_inherit():
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                       initializer=_init_standby_worker if standby else _init_worker,
                                       initargs=(themes_file,))
            # With fork, the first submit forks every worker right here, in this thread, before
            # the event loop starts threads, each with the tagger built above.
            warm = [pool.submit(_noop, i) for i in range(workers)]
    except Exception:  # no processes here (limits, sandbox, odd stdio): parsing inline still works
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        return None, []
    return pool, warm


@contextmanager
def _stderr_children_can_inherit() -> Iterator[None]:
    """While a pool starts, make sure ``sys.stderr`` is not a stand-in whose ``fileno()`` is -1.

    Why: Textual installs such a stand-in while the app runs, and multiprocessing's resource
    tracker (started with the pool's first semaphore under forkserver/spawn) passes
    ``sys.stderr.fileno()`` to its child; -1 fails with "bad value(s) in fds_to_keep", and a
    refresh from the app failed outright. The tracker skips a stderr that *has* no file
    descriptor, so one without ``fileno`` stands in for the moment the pool starts; the app's
    own stderr is put back at once. Anything else keeps its stderr.
    """
    current = sys.stderr
    try:
        usable = current is not None and current.fileno() >= 0
    except Exception:  # no file descriptor at all: the tracker already copes with that
        usable = True
    if usable:
        yield
        return
    stand_in = sys.stderr = io.StringIO()
    try:
        yield
    finally:
        if sys.stderr is stand_in:  # unless someone else swapped it meanwhile
            sys.stderr = current


def _move_feed(paths: HomePaths, store: "Store", old: str, new: str) -> None:
    """Follow a 301/308: update feeds.toml (text edit, comments kept) and the store."""
    from feeds.subscriptions import update_url

    from feeds.subscriptions import ConfigError

    try:
        moved = update_url(paths.feeds_file, old, new)
    except ConfigError:  # the file changed under us, or the new URL is already subscribed
        return
    if moved:
        store.rename_feed(old, new)


def _maybe_prune(store: "Store", settings: "Settings", now: datetime) -> None:
    """Apply the retention setting at most once a day (starred items are kept forever)."""
    last = from_iso(store.meta("last_prune"))
    if last and now - last < timedelta(days=1):
        return
    store.prune(keep_days=settings.store.retention_days, now=now)
    store.set_meta("last_prune", iso(now))
    store.commit()


def assign_item_stories(store: "Store", items: list[dict]) -> list[dict]:
    """Give each incoming item a story id, joining stories already stored within the window.

    A stored item keeps its story id; a new item that matches a stored one takes that id, so a
    story's id is stable as more sources report it. Returns the stored items it compared
    against (the caller lets untagged items inherit their story's themes from them).
    """
    from briefing.stories import assign_stories

    days = [from_iso(i.get("published")) for i in items]
    days = [d for d in days if d]
    existing: list[dict] = []
    if days:
        start = (min(days) - timedelta(hours=72)).date()
        end = (max(days) + timedelta(hours=72)).date()
        existing = store.items(start=start, end=end)
    incoming_ids = {i["id"] for i in items}
    pool = [i for i in existing if i["id"] not in incoming_ids] + items
    mapping = assign_stories(pool)
    # Prefer a story id already stored for any member of the group.
    stored_story = {i["id"]: i.get("story") or i["id"] for i in existing}
    group_best: dict[str, str] = {}
    for item_id, story in mapping.items():
        if item_id in stored_story:
            current = group_best.get(story)
            candidate = stored_story[item_id]
            if current is None or candidate < current:
                group_best[story] = candidate
    for item in items:
        story = mapping.get(item["id"], item["id"])
        item["story"] = group_best.get(story, story)
    return [i for i in existing if i["id"] not in incoming_ids]


def ensure_tags_current(store: "Store", themes: "ThemeSet") -> int:
    """Re-tag every stored item in one batch when the themes file changed since the last tagging.

    Returns the number of items whose tags changed. Never leaves stored tags silently stale.
    """
    if store.meta("themes_digest") == themes.digest:
        return 0
    changed = retag_all(store, themes) if store.total_items() else 0
    store.set_meta("themes_digest", themes.digest)
    store.commit()
    return changed


def retag_all(store: "Store", themes: "ThemeSet") -> int:
    """Recompute ``themes`` and ``entities`` of every stored item (month by month), corrections kept."""
    from core.corrections import load_book, retagger

    return store.rewrite_items(retagger(themes, load_book(store)))


def run_new_items_hook(argv: list[str], paths: HomePaths, new_items: list[dict]) -> str | None:
    """Run the user's new-items command with the new items as JSON on stdin.

    The command is an argv list run without a shell, and feed text only ever travels on stdin,
    so nothing a feed says can reach a shell. Returns an error message, or None on success.
    """
    payload = json.dumps(new_items, ensure_ascii=False).encode("utf-8")
    env = dict(os.environ, CHIPWIRE_HOME=str(paths.root))
    try:
        proc = subprocess.run(argv, input=payload, capture_output=True, timeout=HOOK_TIMEOUT, env=env,
                              shell=False, check=False)
    except FileNotFoundError:
        return f"new-items hook {argv[0]!r} not found"
    except subprocess.TimeoutExpired:
        return f"new-items hook {argv[0]!r} ran longer than {HOOK_TIMEOUT:.0f} s and was stopped"
    except OSError as exc:
        return f"new-items hook {argv[0]!r} could not run: {exc}"
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"new-items hook {argv[0]!r} exited {proc.returncode}: {tail[0][:200]}"
    return None
