"""The ``chipwire`` command line: argparse, one module per command group.

Each command module exposes ``register(subparsers)`` and ``run(args, ctx) -> int``. ``main``
resolves the home, builds a :class:`~tui.cli.context.Context` and turns every expected failure
into a one-line message and an exit code (0 ok, 1 some feeds failed, 2 usage or config error,
3 store locked or corrupt) — never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from tui.cli.context import CliError, Context
from core.version import __version__

#: Command modules under ``tui.cli``, in the order ``--help`` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "refresh_cmd",
    "items_cmd",
    "feeds_cmd",
    "themes_cmd",
    "tag_cmd",
    "eval_cmd",
    "retag_cmd",
    "label_cmd",
    "export_cmd",
    "store_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every command module that is installed."""
    parser = argparse.ArgumentParser(
        prog="chipwire",
        description=(
            "chipwire: a terminal briefing reader for AI hardware, compute scarcity and chip "
            "export-control news, read against one analysis. Without a command it opens the "
            "briefing app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"chipwire {__version__}")
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="home folder for subscriptions, config and the store (default: $CHIPWIRE_HOME, "
        "else the platform's user data folder)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the app on a temporary home seeded with the bundled sample feeds",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"tui.cli.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not written yet
            if exc.name == f"tui.cli.{name}":
                continue
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``chipwire`` command line; returns the exit code (the console script is :func:`run`)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from store.home import HomePaths, resolve_home

    paths = HomePaths(resolve_home(args.home))
    ctx = Context(paths=paths)
    try:
        if args.command is None:
            from tui.cli.app_cmd import run_app_command

            return run_app_command(args, ctx)
        return int(args.func(args, ctx))
    except CliError as exc:
        print(f"chipwire: error: {exc}", file=ctx.err)
        return exc.code
    except KeyboardInterrupt:
        print("chipwire: interrupted", file=ctx.err)
        return 130
    except BrokenPipeError:  # `chipwire items | head`
        try:
            sys.stdout.close()
        except Exception:
            pass
        return 0
    except OSError as exc:
        # The file system said no somewhere no command foresaw (a home that is a file, a full
        # disk, a folder removed under us): one line naming the file, like every other error,
        # and the usage/config code, since the fix is the user's, not a feed's.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"chipwire: error: {where}{exc.strerror or exc}", file=ctx.err)
        return 2
    finally:
        ctx.close()


def run(argv: Sequence[str] | None = None) -> int:
    """The ``chipwire`` console script: :func:`main`, in a process that is about to end.

    Why not ``main`` itself: before exiting, the interpreter's last garbage collection walks
    every object the command made — ~50 ms after a refresh, to free memory the OS takes back
    anyway. Freezing them first skips that walk; atexit handlers and finalizers still run.
    In-process callers (the tests) use ``main``, whose objects must stay collectable.
    """
    import gc

    code = main(argv)
    gc.freeze()
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run())
