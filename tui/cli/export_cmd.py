"""``chipwire export``: write a Markdown digest of a day, a week or a range.

The digest itself is :func:`briefing.digest.build_digest` (shared with the TUI's ``e`` key);
this module only turns arguments into a range and filters, writes the file without ever
clobbering one by accident, and records the export so ``--since-last`` can skip what an
earlier digest already contained.
"""

from __future__ import annotations

import argparse
import difflib
from datetime import date, timedelta, tzinfo
from pathlib import Path
from typing import IO

from tui.cli.context import CliError, Context, write_output
from core.digest_file import digest_file_name
from tui.cli.items_cmd import add_range_arguments, parse_day, resolve_range

SINCE_LAST_NOTE = "Only items that no earlier digest contained."


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a Markdown digest (default: today)",
        description="Write a Markdown digest of a UTC day (default today), an ISO week or a range: "
        "a theme pulse table, then one section per theme with the most relevant stories first. "
        "Items hidden by ignore rules are left out. The file is never overwritten unless --force.",
    )
    add_range_arguments(p)
    p.add_argument("--week", nargs="?", const="today", metavar="D",
                   help="the ISO week (Monday to Sunday) containing D (default: this week)")
    p.add_argument("--theme", metavar="ID", action="append",
                   help="only items carrying this theme ('other' = untagged); repeatable (any of them)")
    p.add_argument("--unread", action="store_true", help="only unread items")
    p.add_argument("--starred", action="store_true", help="only starred items")
    p.add_argument("--min-score", type=float, metavar="X", help="only items whose best theme score is at least X")
    p.add_argument("--tagged-only", action="store_true", help="leave out untagged items (the Other section)")
    p.add_argument("--query", metavar="Q", help="filter with the app's query language, e.g. '+gray-market =ledger'")
    p.add_argument("--since-last", action="store_true",
                   help="only items that no earlier export contained (every export is remembered)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="file to write ('-' for stdout; a folder gets the default name); "
                   "default: chipwire-digest-<range>.md in the current folder")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.add_argument("--tz", metavar="ZONE", default=None,
                   help="time zone for item times: an IANA name such as Europe/Berlin, 'local' for this "
                   "machine's, or UTC (default: [export] tz in config.toml, else UTC; the range's days "
                   "are UTC days either way)")
    p.set_defaults(func=run)


def parse_tz(name: str) -> tzinfo:
    """``--tz`` (or ``[export] tz``): an IANA zone name, ``local`` or ``UTC``.

    Raises:
        CliError: an unknown zone, with the closest known names.
    """
    from core.zones import parse_zone

    try:
        return parse_zone(name)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _resolve(args: argparse.Namespace, today: date) -> tuple[date, date, bool]:
    """The inclusive (start, end) days and whether the range is an ISO week."""
    if args.week is not None:
        if args.day or args.start or args.end:
            raise CliError("use either --week or --day/--from/--to, not both")
        from briefing.model import week_range

        monday, sunday = week_range(parse_day(args.week, today))
        return monday, sunday, True
    start, end = resolve_range(args, today)
    if start is None and end is None:
        return today, today, False
    end = end or max(today, start)  # type: ignore[type-var]
    start = start or end
    if end < start:
        raise CliError(f"--to {end} is before --from {start}")
    if (end - start) > timedelta(days=366):
        raise CliError("a digest covers at most 367 days; narrow --from/--to")
    return start, end, False


def _check_themes(wanted: list[str], known: tuple[str, ...]) -> None:
    known = (*known, "other")
    for theme in wanted:
        if theme not in known:
            close = difflib.get_close_matches(theme, known, n=1)
            hint = f" — did you mean {close[0]!r}?" if close else f" (known: {', '.join(known)})"
            raise CliError(f"unknown theme {theme!r}{hint}")


def _target(output: str | None, label: str) -> Path | None:
    """The file to write, or None for stdout."""
    name = digest_file_name(label)
    if output == "-":
        return None
    if output is None:
        return Path.cwd() / name
    path = Path(output).expanduser()
    return path / name if path.is_dir() else path


def _to_stdout(out: IO[str], text: str) -> None:
    """UTF-8 bytes whatever the locale: a digest piped to a file must equal the written one."""
    buffer = getattr(out, "buffer", None)
    out.flush()
    if buffer is None:
        out.write(text)
        out.flush()
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def run(args: argparse.Namespace, ctx: Context) -> int:
    now = ctx.now()
    tz = parse_tz(args.tz or ctx.settings().export.tz)  # before any work: a bad zone is a usage error
    start, end, week = _resolve(args, now.date())
    themes = ctx.themes()
    wanted = list(dict.fromkeys(args.theme or []))
    _check_themes(wanted, themes.ids)
    query = None
    if args.query:
        from briefing.query import QueryError, parse_query

        try:
            query = parse_query(args.query, list(themes.ids))
        except QueryError as exc:
            raise CliError(f"bad query: {exc}") from None
    from briefing.digest import build_digest, exported_ids, range_label, record_export
    from briefing.ignore import load_ignore_rules

    target = _target(args.output, range_label(start, end, week=week))
    if target is not None and target.exists() and not args.force:  # fail before any work
        raise CliError(f"{target} already exists; use --force to overwrite it or -o to choose another file")
    rules, warning = load_ignore_rules(ctx.paths.ignore_file)
    if warning:
        ctx.warn(warning)
    if not ctx.paths.db_dir.exists():  # a wrong --home should not silently make an empty store
        raise CliError(f"nothing is stored in {ctx.paths.root} yet; run 'chipwire refresh' first")
    store = ctx.open_store()
    digest = build_digest(
        store,
        themes,
        start=start,
        end=end,
        now=now,
        theme_ids=wanted or None,
        unread=args.unread,
        starred=args.starred,
        min_score=args.min_score,
        tagged_only=args.tagged_only,
        query=query,
        ignore=rules,
        exclude_ids=exported_ids(store) if args.since_last else (),
        week=week,
        tz=tz,
        note=SINCE_LAST_NOTE if args.since_last else None,
    )
    if target is None:
        _to_stdout(ctx.out, digest.text)
    else:
        write_output(target, digest.text, force=args.force)
    from store import StoreError

    try:
        record_export(store, digest, at=now, file=str(target) if target is not None else "-")
    except StoreError as exc:
        ctx.warn(f"the digest was written but not recorded for --since-last: {exc}")
        return 1
    where = str(target) if target is not None else "stdout"
    count = len(digest.item_ids)
    if args.since_last and not count:
        print(f"no new items since the last export; wrote {where}", file=ctx.err)
    else:
        print(f"wrote {where} ({digest.stories} stories, {count} items)", file=ctx.err)
    return 0
