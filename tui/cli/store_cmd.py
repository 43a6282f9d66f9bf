"""``chipwire store``: check the store, and move a corrupt file aside on explicit request."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.cli.context import CliError, Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("store", help="inspect or repair the item store")
    ssub = p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    info = ssub.add_parser("info", help="where the store is, how many items, schema version")
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=run_info)
    q = ssub.add_parser(
        "quarantine",
        help="move a corrupt or newer-version store file aside (with a timestamp) so chipwire can start again",
    )
    q.add_argument("file", metavar="FILE", help="the file named in the error message")
    q.set_defaults(func=run_quarantine)


def run_info(args: argparse.Namespace, ctx: Context) -> int:
    store = ctx.open_store(readonly=True)
    from store import SCHEMA_VERSION

    info = {
        "home": str(ctx.paths.root),
        "db": str(ctx.paths.db_dir),
        "schema_version": SCHEMA_VERSION,
        "items": store.total_items(),
        "days": len(store.days()),
        "feeds": len(store.feed_states()),
        "last_refresh": store.last_refresh(),
    }
    if args.json:
        ctx.json_out(info)
    else:
        for k, v in info.items():
            print(f"{k:>15}: {v}", file=ctx.out)
    return 0


def run_quarantine(args: argparse.Namespace, ctx: Context) -> int:
    from store import quarantine

    path = Path(args.file).expanduser().resolve()
    db = ctx.paths.db_dir.resolve()
    if path.parent != db:
        raise CliError(f"{path} is not a file of this home's store ({db})")
    if not path.exists():
        raise CliError(f"{path}: no such file")
    moved = quarantine(path)
    print(f"moved {path.name} aside to {moved}", file=ctx.out)
    forget_validators(ctx)
    return 0


def forget_validators(ctx: Context) -> None:
    """Make the next refresh download and parse every feed again.

    Items that lived in the moved file are gone from the store, but each feed's ETag,
    Last-Modified and content hash still say "you have this": without forgetting them the next
    refresh would answer 304 / "unchanged" and never bring those items back.
    """
    from store import StoreError

    try:
        store = ctx.open_store()
        with store.writer():
            for url, state in store.feed_states().items():
                state = {k: v for k, v in state.items() if k not in {"etag", "last_modified", "content_hash", "next_fetch", "next_reason"}}
                store.set_feed_state(url, state)
            store.commit()
    except StoreError as exc:
        ctx.warn(f"could not reset the feeds' cache validators ({exc}); use `chipwire refresh --force`")
        return
    print("the next refresh downloads every feed again to restore what it can", file=ctx.out)
