"""``chipwire feeds``: list, add, remove, import and export subscriptions (feeds.toml, OPML 2.0)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tui.cli.context import CliError, Context, write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feeds", help="manage subscriptions", description="Manage the subscriptions in feeds.toml.")
    fsub = p.add_subparsers(dest="feeds_command", metavar="ACTION", required=True)

    ls = fsub.add_parser("list", help="list subscriptions with their last refresh status")
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    ls.set_defaults(func=run_list)

    add = fsub.add_parser("add", help="subscribe to http(s) URLs or local feed files")
    add.add_argument("sources", metavar="URL_OR_PATH", nargs="+")
    add.add_argument("--title", help="title override (only with a single source)")
    add.add_argument("--category", help="category (OPML folder)")
    add.set_defaults(func=run_add)

    rm = fsub.add_parser("remove", help="unsubscribe (stored items are kept)")
    rm.add_argument("url", metavar="URL")
    rm.set_defaults(func=run_remove)

    imp = fsub.add_parser("import", help="import subscriptions from an OPML file (duplicates skipped)")
    imp.add_argument("file", metavar="FILE.opml")
    imp.add_argument("--allow-local", action="store_true",
                     help="also import local file paths (only for an OPML file you wrote yourself)")
    imp.set_defaults(func=run_import)

    exp = fsub.add_parser("export", help="export subscriptions as OPML 2.0")
    exp.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    exp.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    exp.set_defaults(func=run_export)


def _load(ctx: Context, *, read_only: bool = False):
    """feeds.toml's list; ``read_only`` (list, export) never creates the file (see load_sources)."""
    from core.subscribe import SubscribeError, load_sources

    try:
        return load_sources(ctx.paths, read_only=read_only)
    except SubscribeError as exc:
        raise CliError(str(exc)) from None


def normalise_source(source: str) -> str:
    """``core.subscribe.normalise_source`` with its error as the CLI's (exit 2)."""
    from core.subscribe import SubscribeError, normalise_source as normalise

    try:
        return normalise(source)
    except SubscribeError as exc:
        raise CliError(str(exc)) from None


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    subs = _load(ctx, read_only=True)
    states: dict[str, dict] = {}
    counts: dict[str, int] = {}
    if ctx.paths.db_dir.exists():
        store = ctx.open_store(readonly=True)
        states = store.feed_states()
        counts = store.feed_item_counts()
    rows = []
    for s in subs:
        st = states.get(s.url, {})
        rows.append({
            "url": s.url,
            "title": s.title or st.get("title") or s.url,
            "title_override": s.title,
            "category": s.category,
            "enabled": s.enabled,
            "min_interval": s.min_interval,
            "status": st.get("status", "never"),
            "error_kind": st.get("error_kind"),
            "message": st.get("message"),
            "http_status": st.get("http_status"),
            "last_attempt": st.get("last_attempt"),
            "last_success": st.get("last_success"),
            "consecutive_failures": st.get("consecutive_failures", 0),
            "next_fetch": st.get("next_fetch"),
            "items": counts.get(s.url, 0),
        })
    if args.json:
        ctx.json_out(rows)
        return 0
    for r in rows:
        state = r["status"] if r["enabled"] else "disabled"
        extra = f"  {r['message']}" if r["status"] == "error" and r["message"] else ""
        print(f"{state:>12}  {r['items']:>5}  {r['title'][:50]:<50}  {r['url']}{extra}", file=ctx.out)
    where = ctx.paths.feeds_file
    if where.exists():
        print(f"{len(rows)} subscriptions in {where}", file=ctx.err)
    else:
        print(f"{len(rows)} subscriptions: the defaults ({where} is written on the first refresh or add)",
              file=ctx.err)
    return 0


def run_add(args: argparse.Namespace, ctx: Context) -> int:
    from core.subscribe import AlreadySubscribed, SubscribeError, add_source

    if args.title and len(args.sources) > 1:
        raise CliError("--title needs a single URL_OR_PATH")
    sources = [normalise_source(s) for s in args.sources]  # validate all before writing any
    ctx.paths.ensure()
    _load(ctx)  # a broken feeds.toml is reported before anything is written
    code = 0
    for source in sources:
        try:
            sub = add_source(ctx.paths, source, title=args.title, category=args.category)
        except AlreadySubscribed as exc:
            if len(sources) == 1:
                raise CliError(str(exc)) from None
            ctx.warn(str(exc))
            code = 1
            continue
        except SubscribeError as exc:
            raise CliError(str(exc)) from None
        print(f"added {sub.url}" + (f" ({sub.title})" if sub.title else ""), file=ctx.out)
    return code


def run_remove(args: argparse.Namespace, ctx: Context) -> int:
    from core.subscribe import SubscribeError, remove_source

    try:
        removed = remove_source(ctx.paths, args.url)
    except SubscribeError as exc:
        raise CliError(str(exc)) from None
    if removed is None:
        raise CliError(f"not subscribed: {args.url} (see `chipwire feeds list`)")
    print(f"removed {removed} (its stored items are kept)", file=ctx.out)
    return 0


def run_import(args: argparse.Namespace, ctx: Context) -> int:
    from core.subscribe import SubscribeError, import_opml

    try:
        done = import_opml(ctx.paths, Path(args.file), allow_local=args.allow_local)
    except SubscribeError as exc:
        raise CliError(str(exc)) from None
    _say_dropped(ctx, args.file, done.dropped)
    print(f"imported {done.added} feeds ({done.already} already subscribed"
          + (f", {len(done.dropped)} skipped" if done.dropped else "") + ")", file=ctx.out)
    return 0


#: Skipped outlines named one by one; past this, a count (a hostile file may hold thousands).
_DROPPED_SHOWN = 20


def _say_dropped(ctx: Context, file: str, dropped: list) -> None:
    """One warning line per outline left out of an import: where, what, why."""
    for d in dropped[:_DROPPED_SHOWN]:
        ctx.warn(f"{file} line {d.line}: skipped {d.url}: {d.reason}")
    if len(dropped) > _DROPPED_SHOWN:
        ctx.warn(f"{file}: {len(dropped) - _DROPPED_SHOWN} more outlines skipped")


def run_export(args: argparse.Namespace, ctx: Context) -> int:
    from core.subscribe import SubscribeError, export_opml

    states = ctx.open_store(readonly=True).feed_states() if ctx.paths.db_dir.exists() else None
    try:
        text = export_opml(ctx.paths, states)
    except SubscribeError as exc:
        raise CliError(str(exc)) from None
    if not args.output or args.output == "-":
        ctx.out.write(text)
        return 0
    out = Path(args.output).expanduser()
    write_output(out, text, force=args.force)
    print(f"wrote {out}", file=ctx.err)
    return 0
