"""``chipwire refresh``: fetch every due feed, store new items, print one line per feed."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tui.cli.context import CliError, Context

if TYPE_CHECKING:  # pragma: no cover
    from core.refresh import FeedOutcome, RefreshReport

STATUS_MARK = {"ok": "ok", "not-modified": "304", "unchanged": "same", "skipped": "skip", "error": "FAIL"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "refresh",
        help="fetch due feeds and store new items",
        description="Fetch every enabled, due feed concurrently, parse, tag and store new items. "
        "Exit status: 0 when every feed is ok or unchanged, 1 when some failed (the rest are stored), "
        "2 on usage or config errors, 3 when the store is locked or corrupt, 130/143 when stopped by "
        "SIGINT/SIGTERM (what was parsed by then is stored).",
    )
    p.add_argument("--json", action="store_true", help="print a JSON report instead of one line per feed")
    p.add_argument("--force", action="store_true", help="ignore each feed's schedule (ttl, Cache-Control, Retry-After)")
    p.add_argument("--feed", action="append", metavar="URL", help="refresh only this feed (repeatable)")
    p.set_defaults(func=run)


def _summary_line(o: "FeedOutcome") -> str:
    """One readable line per feed; feed text is cleaned by the parser, so plain print is safe."""
    mark = STATUS_MARK.get(o.status, o.status)
    detail = o.message
    if o.status == "error" and o.http_status and str(o.http_status) not in detail:
        detail = f"HTTP {o.http_status}: {detail}"
    if o.warning:
        detail += f" (warning: {o.warning[:120]})"
    if o.moved_to:
        detail += f" (moved permanently to {o.moved_to}; feeds.toml updated)"
    return f"{mark:>4}  {o.title[:60]}  {detail}"


def report_json(report: "RefreshReport") -> dict:
    """The ``refresh --json`` document (a contract: extend, never rename fields)."""
    return {
        "feeds": [o.to_json() for o in report.outcomes],
        "new": len(report.new_ids),
        "updated": len(report.updated_ids),
        "failed": len(report.failed),
        "retagged": report.retagged,
        "hook_error": report.hook_error,
        "elapsed": round(report.elapsed, 3),
        "exit_code": report.exit_code,
        "interrupted": report.interrupted,
    }


class _Stop:
    """The first SIGINT/SIGTERM asks the refresh to stop; a second one ends the process."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None

    @property
    def exit_code(self) -> int:
        return 128 + int(self.signum or signal.SIGINT)


@contextmanager
def _stop_on_signals() -> Iterator[_Stop]:
    """Turn SIGINT/SIGTERM into a clean stop for the length of the refresh.

    Why: cron's ``timeout``, systemd and a closed terminal send SIGTERM, Ctrl-C sends SIGINT;
    either used to kill the refresh mid-write with worker tracebacks. Now the refresh stops
    fetching, stores what it parsed, and the command exits 130/143. Handlers can only be set
    from the main thread; elsewhere (an embedding caller) signals keep their usual meaning.
    """
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, _frame: object) -> None:
        stop.signum = signum
        stop.event.set()
        for sig, old in previous.items():  # a second signal is not ignored
            signal.signal(sig, old if old is not None else signal.SIG_DFL)

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from feeds.subscriptions import ConfigError
    from store import StoreError, StoreLocked
    from core.refresh import refresh

    settings = ctx.settings()
    # The user's themes are loaded here so a broken file is reported; with none, the refresh
    # itself decides whether the built-in set must be parsed at all (see pipeline.refresh).
    themes = ctx.themes() if ctx.paths.themes_file.exists() else None
    progress = None
    task = None
    if not args.json and ctx.err.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(
            TextColumn("refreshing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=Console(file=ctx.err), transient=True,
        )

    def on_progress(done: int, total: int, outcome: "FeedOutcome") -> None:
        if progress is not None and task is not None:
            progress.update(task, completed=done, total=total)

    try:
        with _stop_on_signals() as stop:
            if progress is not None:
                with progress:
                    task = progress.add_task("refresh", total=None)
                    report = refresh(ctx.paths, settings=settings, force=args.force, now=ctx.now(),
                                     on_progress=on_progress, themes=themes, only=args.feed, stop=stop.event)
            else:
                report = refresh(ctx.paths, settings=settings, force=args.force, now=ctx.now(),
                                 on_progress=on_progress, themes=themes, only=args.feed, stop=stop.event)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    except StoreLocked as exc:
        raise CliError(str(exc), code=3) from None
    except StoreError as exc:
        raise CliError(str(exc), code=3) from None

    if report.interrupted:
        return _interrupted(args, ctx, report, stop)
    if args.feed and not report.outcomes:
        raise CliError("no subscription matches --feed " + ", ".join(args.feed) + " (see `chipwire feeds list`)")
    if args.json:
        ctx.json_out(report_json(report))
    else:
        for outcome in report.outcomes:
            print(_summary_line(outcome), file=ctx.out)
        failed = len(report.failed)
        line = f"{len(report.outcomes)} feeds, {len(report.new_ids)} new items"
        if report.updated_ids:
            line += f", {len(report.updated_ids)} updated"
        if failed:
            line += f", {failed} failed"
        if report.retagged:
            line += f"; themes changed, {report.retagged} items re-tagged"
        line += f" in {report.elapsed:.2f} s"
        print(line, file=ctx.out)
    if report.hook_error:
        ctx.warn(report.hook_error)
    return report.exit_code


def _interrupted(args: argparse.Namespace, ctx: Context, report: "RefreshReport", stop: _Stop) -> int:
    """One line (or the JSON report) for a refresh stopped by a signal; exit 128 + signal."""
    if args.json:
        ctx.json_out(report_json(report))
    print(f"interrupted: stored {len(report.new_ids)} new items from {report.stored_feeds} feeds",
          file=ctx.err if args.json else ctx.out)
    return stop.exit_code
