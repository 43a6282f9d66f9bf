"""``chipwire themes``: list the themes with recent counts, copy the file to edit, show a thesis."""

from __future__ import annotations

import argparse
from datetime import timedelta

from tui.cli.context import CliError, Context, write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "themes",
        help="list, show or copy the analysis themes",
        description="The ten themes of the analysis the briefing is read against (plus any you add).",
    )
    tsub = p.add_subparsers(dest="themes_command", metavar="ACTION", required=True)

    ls = tsub.add_parser("list", help="themes with how many stored items carry each (7 and 30 days)")
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    ls.set_defaults(func=run_list)

    init = tsub.add_parser("init", help="copy the built-in themes.toml into the home to edit it")
    init.add_argument("--force", action="store_true", help="overwrite an existing themes.toml")
    init.set_defaults(func=run_init)

    show = tsub.add_parser("show", help="print a theme's thesis and what to watch")
    show.add_argument("id", metavar="ID")
    show.set_defaults(func=run_show)


def run(args: argparse.Namespace, ctx: Context) -> int:
    """Dispatch (argparse sets ``func`` per action; kept for the module convention)."""
    return int(args.func(args, ctx))


def _window_counts(day_counts: dict[str, dict[str, int]], theme_id: str, first_day: str, last_day: str) -> int:
    return sum(c.get(theme_id, 0) for day, c in day_counts.items() if first_day <= day <= last_day)


def run_list(args: argparse.Namespace, ctx: Context) -> int:
    themes = ctx.themes()
    day_counts: dict[str, dict[str, int]] = {}
    if ctx.paths.db_dir.exists():
        day_counts = ctx.open_store(readonly=True).day_counts()
    today = ctx.now().date()
    last = today.isoformat()
    first7 = (today - timedelta(days=6)).isoformat()
    first30 = (today - timedelta(days=29)).isoformat()
    source = str(themes.source)
    rows = [
        {
            "id": t.id,
            "title": t.title,
            "items_7d": _window_counts(day_counts, t.id, first7, last),
            "items_30d": _window_counts(day_counts, t.id, first30, last),
            "source": source,
        }
        for t in themes.themes
    ]
    if args.json:
        ctx.json_out(rows)
        return 0
    width = max((len(r["id"]) for r in rows), default=2)
    print(f"{'ID':{width}}  {'7d':>5}  {'30d':>5}  TITLE", file=ctx.out)
    for r in rows:
        print(f"{r['id']:{width}}  {r['items_7d']:>5}  {r['items_30d']:>5}  {r['title']}", file=ctx.out)
    print(f"(themes from {source})", file=ctx.out)
    return 0


def run_init(args: argparse.Namespace, ctx: Context) -> int:
    from briefing.themes import theme_file_text

    target = ctx.paths.themes_file
    if target.exists() and not args.force:
        raise CliError(f"{target} already exists; use --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"cannot create {target.parent}: {exc.strerror or exc}") from None
    write_output(target, theme_file_text(), force=args.force)
    print(target, file=ctx.out)
    return 0


def run_show(args: argparse.Namespace, ctx: Context) -> int:
    themes = ctx.themes()
    theme = themes.by_id(args.id)
    if theme is None:
        import difflib

        close = difflib.get_close_matches(args.id, list(themes.ids), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(themes.ids)})"
        raise CliError(f"unknown theme {args.id!r}{hint}")
    out = ctx.out
    print(f"{theme.title} [{theme.id}]", file=out)
    print("", file=out)
    import textwrap

    print(textwrap.fill(theme.thesis, width=78), file=out)
    if theme.watch:
        print("", file=out)
        print("What to watch:", file=out)
        for signal in theme.watch:
            print(textwrap.fill(signal, width=78, initial_indent="  - ", subsequent_indent="    "), file=out)
    return 0
