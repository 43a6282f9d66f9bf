"""``chipwire`` with no command: open the briefing app (or ``--demo`` on bundled sample feeds)."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from store.home import HomePaths
from tui.cli.context import CliError, Context


def seed_demo_home(root: Path, ctx: Context) -> HomePaths:
    """Write the sample subscriptions into ``root`` and ingest them through the real pipeline."""
    from core.demo import prepare_demo_home
    from core.refresh import refresh

    prepare_demo_home(root, today=ctx.now().date())
    paths = HomePaths(root)
    demo_ctx = Context(paths=paths, out=ctx.out, err=ctx.err, frozen_now=ctx.now())
    report = refresh(paths, settings=demo_ctx.settings(), force=True, now=demo_ctx.now(), themes=demo_ctx.themes())
    if report.failed:
        names = ", ".join(o.title for o in report.failed)
        raise CliError(f"the bundled sample feeds did not ingest ({names}); please report this", code=1)
    return paths


def run_app_command(
    args: argparse.Namespace,
    ctx: Context,
    *,
    runner: Callable[[Any], object] | None = None,
) -> int:
    """Open the app; with ``--demo`` (or the welcome screen's "open the demo"), on a temporary home.

    The demo home is seeded through the real pipeline and removed when the app exits. The
    welcome screen cannot swap homes under an open store, so it exits the app with
    :data:`~tui.screens.welcome.DEMO_RESULT` and the demo starts here, as if ``--demo`` had
    been given.

    Args:
        runner: runs each built app instead of ``app.run()`` (in-process tests drive it with Pilot).
    """
    from tui.app import run_app
    from tui.screens.welcome import DEMO_RESULT

    if not args.demo:
        result = run_app(ctx.paths, ctx.settings(), demo=False, runner=runner)
        if result != DEMO_RESULT:
            return 0
    tmp = Path(tempfile.mkdtemp(prefix="chipwire-demo-"))
    written: list[Path] = []
    try:
        with _removed_if_killed(tmp):
            paths = seed_demo_home(tmp, ctx)
            run_app(paths, Context(paths=paths).settings(), demo=True, runner=runner)
            written = _demo_digests(paths)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if written:  # the demo's `e` writes to the current folder: say so as the home goes
        names = ", ".join(str(p) for p in written)
        print(f"chipwire: the demo's digests are kept: {names}; the demo home {tmp} has been removed.",
              file=ctx.err)
    return 0


@contextmanager
def _removed_if_killed(tmp: Path) -> Iterator[None]:
    """Remove the demo home on SIGHUP (the terminal window closed) or SIGTERM as well.

    Those signals end Python without running ``finally``, which left a chipwire-demo-* folder
    in the temporary directory per demo. The handler removes it, then lets the signal do what
    it did before (the previous handler, or the default: the process ends by the signal).
    """
    if threading.current_thread() is not threading.main_thread():  # signals are main-thread only
        yield
        return
    wanted = [sig for sig in (getattr(signal, "SIGHUP", None), signal.SIGTERM) if sig is not None]
    previous = {sig: signal.getsignal(sig) for sig in wanted}

    def remove_then_resend(signum: int, _frame: object) -> None:
        shutil.rmtree(tmp, ignore_errors=True)
        signal.signal(signum, previous[signum] if previous[signum] is not None else signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for sig in wanted:
        signal.signal(sig, remove_then_resend)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _demo_digests(paths: HomePaths) -> list[Path]:
    """Digest files the demo session wrote (from its since-last log), before the home is removed."""
    from core.export import sent_files
    from store import Store, StoreError

    if not paths.db_dir.exists():
        return []
    try:
        store = Store.open(paths.db_dir, readonly=True)
    except StoreError:
        return []
    try:
        return [p for p in sent_files(store) if p.exists()]
    finally:
        store.close()
