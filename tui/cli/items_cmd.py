"""``chipwire items``: list stored items, newest first, as text or JSON."""

from __future__ import annotations

import argparse
from datetime import date, timedelta

from briefing.titles import display_title
from tui.cli.context import CliError, Context

#: Fields every ``items --json`` object carries (a contract: extend, never rename or remove).
JSON_FIELDS = (
    "id", "feed", "feed_title", "title", "link", "openable", "summary", "author", "published",
    "published_estimated", "fetched", "updated", "read", "starred", "themes", "entities", "story", "links",
)


def parse_day(text: str, today: date) -> date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday``; a clear error otherwise."""
    if text == "today":
        return today
    if text == "yesterday":
        return today - timedelta(days=1)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"not a date: {text!r} (expected YYYY-MM-DD, 'today' or 'yesterday')") from None


def add_range_arguments(p: argparse.ArgumentParser) -> None:
    """--day / --from / --to, shared with ``export``."""
    p.add_argument("--day", metavar="D", help="one UTC day (YYYY-MM-DD, today, yesterday)")
    p.add_argument("--from", dest="start", metavar="D", help="first day of a range")
    p.add_argument("--to", dest="end", metavar="D", help="last day of a range (inclusive)")


def resolve_range(args: argparse.Namespace, today: date) -> tuple[date | None, date | None]:
    """Turn the range arguments into inclusive (start, end) days; (None, None) means all."""
    if args.day and (args.start or args.end):
        raise CliError("use either --day or --from/--to, not both")
    if args.day:
        d = parse_day(args.day, today)
        return d, d
    start = parse_day(args.start, today) if args.start else None
    end = parse_day(args.end, today) if args.end else None
    if start and end and end < start:
        raise CliError(f"--to {end} is before --from {start}")
    return start, end


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "items",
        help="list stored items, newest first",
        description="List stored items newest first. Filters combine. Items hidden by ignore rules "
        "are left out unless --show-hidden.",
    )
    add_range_arguments(p)
    p.add_argument("--feed", metavar="URL", help="only items of this feed")
    p.add_argument("--search", metavar="TEXT", help="case-insensitive text in title or summary")
    p.add_argument("--theme", metavar="ID", action="append", help="only items carrying this theme (repeatable)")
    p.add_argument("--entity", metavar="NAME", action="append",
                   help="only items naming this entity (chip, company, agency or place; repeatable, all must match)")
    p.add_argument("--query", metavar="Q", help="filter with the app's query language, e.g. '+gray-market @7d =scmp'")
    p.add_argument("--starred", action="store_true", help="only starred items")
    p.add_argument("--unread", action="store_true", help="only unread items")
    p.add_argument("--show-hidden", action="store_true", help="include items hidden by ignore rules")
    p.add_argument("--limit", type=int, metavar="N", help="at most N items")
    p.add_argument("--json", action="store_true", help="print a JSON array of item objects")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    now = ctx.now()
    start, end = resolve_range(args, now.date())
    themes = ctx.themes()
    theme_ids = [t.id for t in themes.themes]
    query = None
    if args.query:
        from briefing.query import QueryError, parse_query

        try:
            query = parse_query(args.query, theme_ids)
        except QueryError as exc:
            raise CliError(f"bad query: {exc}") from None
        q_start, q_end = query.date_range(now)
        start = max(filter(None, [start, q_start]), default=None)
        end = min(filter(None, [end, q_end]), default=None)
    for theme in args.theme or []:
        if theme not in theme_ids:
            import difflib

            close = difflib.get_close_matches(theme, theme_ids, n=1)
            hint = f" — did you mean {close[0]!r}?" if close else f" (known: {', '.join(theme_ids)})"
            raise CliError(f"unknown theme {theme!r}{hint}")
    if args.limit is not None and args.limit < 0:
        raise CliError("--limit must be 0 or more")

    if not ctx.paths.db_dir.exists():
        items: list[dict] = []
    else:
        store = ctx.open_store(readonly=True)
        items = store.items(
            start=start, end=end, feed=args.feed, theme=(args.theme or [None])[0], text=args.search,
            starred=True if args.starred else None, unread=True if args.unread else None,
        )
    if args.theme and len(args.theme) > 1:
        wanted = set(args.theme)
        items = [i for i in items if wanted <= {t["id"] for t in i.get("themes", [])}]
    for entity in args.entity or []:
        wanted = entity.casefold()
        items = [i for i in items if any(e.get("name", "").casefold() == wanted for e in i.get("entities", []))]
    if query is not None:
        items = [i for i in items if query.matches(i, now)]
    if not args.show_hidden:
        from briefing.ignore import load_ignore_rules

        rules, warning = load_ignore_rules(ctx.paths.ignore_file)
        if warning:
            ctx.warn(warning)
        items = [i for i in items if not rules.hides(i, now)]
    if args.limit is not None:
        items = items[: args.limit]

    if args.json:
        from briefing.corrections import with_sources

        for item in items:  # the stored tagger themes carry no source: "rule", next to the person's "user"
            item["themes"] = with_sources(item.get("themes") or [])
        ctx.json_out([{k: item.get(k) for k in JSON_FIELDS} | {"links": item.get("links") or []} | {k: v for k, v in item.items() if k not in JSON_FIELDS and not k.startswith("_")} for item in items])
        return 0
    for item in items:
        tags = ",".join(t["id"] for t in item.get("themes", [])[:3]) or "-"
        flags = ("*" if item.get("starred") else " ") + (" " if item.get("read") else "N")
        when = item.get("published", "")[:16].replace("T", " ")
        print(f"{when} {flags} {display_title(item)}  [{tags}]  — {item.get('feed_title', '')}", file=ctx.out)
    if not items:
        print("no items match", file=ctx.err)
    return 0
