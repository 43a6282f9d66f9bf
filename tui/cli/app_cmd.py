"""``chipwire`` with no command: open the briefing app (or ``--demo`` on bundled sample feeds)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from store.home import HomePaths
from tui.cli.context import CliError, Context


def seed_demo_home(root: Path, ctx: Context) -> HomePaths:
    """Write the sample subscriptions into ``root`` and ingest them through the real pipeline."""
    from tui.demo import prepare_demo_home
    from tui.pipeline import refresh

    prepare_demo_home(root, today=ctx.now().date())
    paths = HomePaths(root)
    demo_ctx = Context(paths=paths, out=ctx.out, err=ctx.err, frozen_now=ctx.now())
    report = refresh(paths, settings=demo_ctx.settings(), force=True, now=demo_ctx.now(), themes=demo_ctx.themes())
    if report.failed:
        names = ", ".join(o.title for o in report.failed)
        raise CliError(f"the bundled sample feeds did not ingest ({names}); please report this", code=1)
    return paths


def run_app_command(args: argparse.Namespace, ctx: Context) -> int:
    """Open the app; with ``--demo``, on a temporary home that is removed afterwards."""
    from tui.app import run_app

    if args.demo:
        tmp = Path(tempfile.mkdtemp(prefix="chipwire-demo-"))
        try:
            paths = seed_demo_home(tmp, ctx)
            run_app(paths, Context(paths=paths).settings(), demo=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return 0
    run_app(ctx.paths, ctx.settings(), demo=False)
    return 0
