"""Where fetched bodies are parsed and tagged: a process pool, one standby worker, or a thread.

Cost model: feedparser is roughly 0.2 ms per item, the CPU cost of a refresh, so bodies are
parsed *while other feeds are still downloading*: in a small process pool when many bodies are
expected (feeds never fetched before), else (the everyday refresh: most feeds answer 304) in
one standby worker where fork is safe, or in one thread of this process (the app).

Workers never outlive the refresh: each one ignores SIGINT (the parent decides what Ctrl-C
means and shuts them down), asks the kernel for SIGKILL when its parent dies
(``PR_SET_PDEATHSIG``, Linux) and, everywhere, watches ``os.getppid()`` from a daemon thread.
A forked worker does not hold the store's writer lock either: ``store._lock`` closes the lock
fd in every forked child.
"""

from __future__ import annotations

import gc
import io
import os
import signal
import sys
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from core.refresh.model import from_iso

if TYPE_CHECKING:  # pragma: no cover
    from concurrent.futures import ProcessPoolExecutor  # imported when a pool starts: ~15 ms

#: Below this many bodies to parse, a process pool costs more than it saves.
POOL_MIN_BODIES = 6
#: How often a worker checks that its parent is still there (where PR_SET_PDEATHSIG is missing).
PARENT_WATCH_SECONDS = 0.5

Output = tuple[str, Any]
#: What builds the parse pool: ``ProcessPoolExecutor`` itself unless a caller (a test) injects
#: another with its signature (max_workers, mp_context, initializer, initargs).
ProcessPoolFactory = Callable[..., "ProcessPoolExecutor"]

# --------------------------------------------------------------------------------------------
# Parse + tag: runs in worker processes (or inline), so it is a plain module-level function.

_TAGGER: Any = None
_TAGGER_KEY: str | None = None
_TAGGER_LOCK = threading.Lock()


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
) -> Output:
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


def _parse_job(job: tuple) -> Output:
    return parse_and_tag(*job)


# --------------------------------------------------------------------------------------------
# Worker processes: start-up, and never outliving the parent.


def _guard_worker(owner: int) -> None:
    """First thing in every worker: ignore Ctrl-C, and die with the refresh process ``owner``.

    Ctrl-C reaches the whole foreground process group; a worker that took it would print a
    KeyboardInterrupt traceback and break the pool under the parent's clean stop. The parent
    shuts its workers down itself; if it is killed instead, the kernel sends SIGKILL to a
    forked worker (Linux). A forkserver worker's parent is the forkserver, which in turn
    stays up while its children hold the fd it waits on — so each worker also watches the
    refresh process itself from a daemon thread, and that covers systems without
    ``PR_SET_PDEATHSIG`` as well.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    _ask_kernel_for_death_signal()
    born = _start_time(owner)
    if parent == 1 or os.getppid() != parent or born is None:  # gone before we could ask
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_WATCH_SECONDS)
            if os.getppid() != parent or _start_time(owner) != born:
                os._exit(1)

    threading.Thread(target=watch, name="chipwire-parent-watch", daemon=True).start()


def _start_time(pid: int) -> str | None:
    """A token that changes when ``pid`` is reused: its start time (Linux), else just liveness."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[-1].split()
        return None if fields[0] == b"Z" else fields[19].decode()
    except FileNotFoundError:
        return None
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except OSError:
        pass
    return "alive"


def _ask_kernel_for_death_signal() -> None:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)`` where it exists; nothing elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # the watch thread still covers it


def _init_worker(themes_file: str | None) -> None:
    """Make sure the worker has a tagger (a forked one may inherit it).

    A forked worker inherits the parent's paused cyclic GC (see ``no_cyclic_gc``); it parses
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


def _pool_worker_init(themes_file: str | None, owner: int) -> None:
    _guard_worker(owner)
    _init_worker(themes_file)


def _standby_worker_init(themes_file: str | None, owner: int) -> None:
    _guard_worker(owner)
    _init_standby_worker(themes_file)


def _pool_context() -> Any:
    """Fork is cheapest (workers inherit imported modules), but only safe single-threaded."""
    import multiprocessing

    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn" if os.name != "posix" else "forkserver")


def _noop(_: int) -> None:
    """Warm-up task: makes the pool start its workers before the event loop runs."""


def _pool_ever_worked(warm: list[Any]) -> bool:
    """Did any warm-up task complete? If not, the pool never had a live worker."""
    return any(f.done() and not f.cancelled() and f.exception() is None for f in warm)


def _start_pool(workers: int, themes_file: str | None, *, standby: bool = False,
                process_pool: ProcessPoolFactory | None = None) -> tuple["ProcessPoolExecutor | None", list[Any]]:
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
    if process_pool is None:
        from concurrent.futures import ProcessPoolExecutor as process_pool

    context = _pool_context()
    if standby and context.get_start_method() != "fork":
        return None, []
    if context.get_start_method() == "fork" and not standby:
        _warm_parent(themes_file)
    pool: ProcessPoolExecutor | None = None
    try:
        with _stderr_children_can_inherit():
            pool = process_pool(max_workers=workers, mp_context=context,
                                initializer=_standby_worker_init if standby else _pool_worker_init,
                                initargs=(themes_file, os.getpid()))
            # With fork, the first submit forks every worker right here, in this thread, before
            # the event loop starts threads, each with the tagger built above.
            warm = [pool.submit(_noop, i) for i in range(workers)]
    except Exception:  # no processes here (limits, sandbox, odd stdio): parsing inline still works
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        return None, []
    return pool, warm


def _warm_parent(themes_file: str | None) -> None:
    """Build what forked workers inherit: parser imports, the tagger and the entity table."""
    import feeds.parse  # noqa: F401  (warm import inherited by forked workers)
    from briefing.entities import builtin_table

    try:
        _get_tagger(themes_file)
        builtin_table()
    except Exception:  # noqa: BLE001 - each worker then tries for itself, as without fork
        pass


def _parse_isolated(jobs: list[tuple], themes_file: str | None,
                    process_pool: ProcessPoolFactory | None = None) -> list[Output]:
    """Parse bodies whose pool worker died, one at a time in a one-worker pool.

    A worker killed mid-parse (out of memory on one hostile body, a crash in a C parser) breaks
    the whole pool and fails every job still queued, most of them innocent. Re-running them one
    by one makes the culprit the only job in flight when a worker dies again: that feed alone
    fails, and a fresh worker takes the rest. Never inline: the same body could kill the
    refresh process itself. Costs a worker start, and only after a crash.
    """
    out: list[Output] = []
    pool: ProcessPoolExecutor | None = None
    try:
        for job in jobs:
            if pool is None:
                pool, _warm = _start_pool(1, themes_file, process_pool=process_pool)
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


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
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


_no_cyclic_gc = no_cyclic_gc  # the name the perf tests know


# --------------------------------------------------------------------------------------------
# One refresh's parsers: choose the strategy, take bodies as they arrive, hand outputs back.


class Parsers:
    """The parse strategy of one refresh, keyed by feed URL.

    ``submit`` as bodies arrive, ``take_done`` to collect what is finished while fetching goes
    on (so outputs can be committed in batches), ``finish`` for the rest once fetching ended.
    """

    def __init__(self, themes_file: str | None, pool: "ProcessPoolExecutor | None" = None,
                 warm: list[Any] | None = None, *, process_pool: ProcessPoolFactory | None = None) -> None:
        self.themes_file = themes_file
        self.process_pool = process_pool
        self.pool = pool
        self.warm = warm or []
        self.thread: ThreadPoolExecutor | None = None
        self.jobs: dict[str, tuple] = {}
        self.futures: dict[str, Future] = {}
        self.in_pool: set[str] = set()

    @classmethod
    def start(cls, expected_bodies: int, any_requests: bool, themes_file: str | None, *,
              process_pool: ProcessPoolFactory | None = None) -> "Parsers":
        """Pick the strategy before the event loop runs (a fork must happen single-threaded).

        Only feeds fetched without a validator are sure to send a body; those with an ETag or
        Last-Modified mostly answer 304, and a warm refresh must not pay for a full pool (and a
        tagger built in this process) it never uses. The everyday refresh forks one standby
        worker (~10 ms to the parent): it builds its tagger on the other core while the first
        requests wait on the network, and parses what changed there, where a parse thread in
        this process would fight the event loop for the GIL. Without any pool (the app, whose
        threads rule out fork; one core) one thread of this process parses each body as it
        arrives.
        """
        cpus = os.cpu_count() or 1
        if expected_bodies >= POOL_MIN_BODIES and cpus > 1:
            return cls(themes_file, *_start_pool(min(expected_bodies, cpus), themes_file, process_pool=process_pool),
                       process_pool=process_pool)
        if any_requests and cpus > 1:
            return cls(themes_file, *_start_pool(1, themes_file, standby=True, process_pool=process_pool),
                       process_pool=process_pool)
        return cls(themes_file, process_pool=process_pool)

    def submit(self, url: str, job: tuple) -> None:
        """Queue one body (its job tuple is kept until the output is taken, for a retry)."""
        self.jobs[url] = job
        if self.pool is not None:
            try:
                self.futures[url] = self.pool.submit(_parse_job, job)
                self.in_pool.add(url)
            except Exception:  # the pool broke before this body: it is parsed in finish()
                pass
            return
        if self.thread is None:
            self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chipwire-parse")
        self.futures[url] = self.thread.submit(_parse_job, job)

    def waiting(self) -> int:
        """Bodies submitted whose output has not been taken yet."""
        return len(self.jobs)

    def take_done(self) -> list[tuple[str, Output]]:
        """Outputs finished so far; failed futures stay for ``finish`` to sort out."""
        out: list[tuple[str, Output]] = []
        for url, fut in list(self.futures.items()):
            if fut.done() and not fut.cancelled() and fut.exception() is None:
                out.append((url, fut.result()))
                del self.futures[url]
                del self.jobs[url]
        return out

    def wait_some(self, timeout: float) -> bool:
        """Wait until a submitted parse ends (or ``timeout``); False once none is running."""
        from concurrent.futures import FIRST_COMPLETED, wait

        running = [f for f in self.futures.values() if not f.done()]
        if not running:
            return False
        wait(running, timeout=timeout, return_when=FIRST_COMPLETED)
        return True

    def finish(self, *, stopping: bool) -> list[tuple[str, Output]]:
        """Every output not taken yet, then shut the parsers down.

        A pool job whose worker died is re-run alone (``_parse_isolated``); a body the pool
        never took is parsed here. ``stopping`` (SIGINT/SIGTERM): queued jobs are cancelled,
        running ones finish, and bodies not parsed by then are dropped, not retried.
        """
        try:
            if stopping:
                for fut in self.futures.values():
                    fut.cancel()
            out, orphans = self._collect(stopping)
        finally:
            self.close()
        if orphans and not stopping:
            redone = _parse_isolated([self.jobs[u] for u in orphans], self.themes_file, self.process_pool)
            out.extend(zip(orphans, redone))
        self.jobs.clear()
        return out

    def _collect(self, stopping: bool) -> tuple[list[tuple[str, Output]], list[str]]:
        out: list[tuple[str, Output]] = []
        orphans: list[str] = []
        for url, job in list(self.jobs.items()):
            fut = self.futures.get(url)
            if fut is None:
                if not stopping:
                    out.append((url, _parse_job(job)))
                continue
            if fut.cancelled():
                continue
            if url not in self.in_pool:
                out.append((url, fut.result()))  # a parser bug raises here, as inline
                continue
            try:
                out.append((url, fut.result()))
            except Exception:
                if stopping:
                    continue
                if not _pool_ever_worked(self.warm):  # no worker ever started: not this feed's fault
                    out.append((url, _parse_job(job)))
                else:  # a dead worker fails every queued job: re-run them one by one
                    orphans.append(url)
        return out, orphans

    def close(self) -> None:
        """Shut the pool and the thread down (waits for running jobs; no process is left)."""
        pool, self.pool = self.pool, None
        thread, self.thread = self.thread, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if thread is not None:
            thread.shutdown(wait=True, cancel_futures=True)
