"""``chipwire export``: write a Markdown digest of a day, a week or a range.

The digest itself is :func:`core.export.build` (shared with the app's ``e`` key); this module
only turns arguments into an :class:`~core.export.ExportRequest`, writes the file without ever
clobbering one by accident, and records a *sent* digest so ``--since-last`` can skip what it
listed. A stdout preview (``-o -``) or a ``--dry-run`` is not sent: it is not recorded (unless
``--record``) and opens the store read-only, so it needs no writer lock.
"""

from __future__ import annotations

import argparse
import difflib
from datetime import date, timedelta, tzinfo
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - typing only
    from datetime import datetime

    from briefing.digest import Digest
    from core.export import ExportRequest

from briefing.digest import PER_THEME
from core.digest_file import digest_file_name
from tui.cli.context import CliError, Context, write_output
from tui.cli.items_cmd import add_range_arguments, parse_day, resolve_range



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
                   help="only items that no earlier sent digest listed (a digest written to a file is sent; "
                   "previews are not, unless --record)")
    p.add_argument("--per-theme", type=int, metavar="N",
                   help=f"list at most N stories per theme section, most relevant first (default {PER_THEME}); "
                   "the rest get one 'and N more' line with the command that lists them")
    p.add_argument("--all", action="store_true", help="list every story (no per-theme cap)")
    p.add_argument("--evidence", action="store_true", help="show the tagger's evidence phrases on each story")
    p.add_argument("--stars", action="store_true", help="mark starred stories with ★ (off: a digest is for others)")
    p.add_argument("--front-matter", action="store_true",
                   help="start with YAML front matter (range, filter, counts, themes) for notes vaults")
    p.add_argument("--dry-run", action="store_true",
                   help="build the digest and say what it would write, but write nothing (a preview)")
    p.add_argument("--record", action="store_true",
                   help="count a preview (-o - or --dry-run) as sent, so --since-last skips what it listed")
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


def _request(args: argparse.Namespace, ctx: Context, now: "datetime") -> "ExportRequest":
    """The digest the arguments ask for; usage errors (zone, range, theme, query) raise CliError."""
    from briefing.digest import DigestOptions
    from core.export import ExportRequest

    tz = parse_tz(args.tz or ctx.settings().export.tz)  # before any work: a bad zone is a usage error
    start, end, week = _resolve(args, now.date())
    themes = ctx.themes()
    wanted = list(dict.fromkeys(args.theme or []))
    _check_themes(wanted, themes.ids)
    if args.per_theme is not None and (args.per_theme < 1 or args.all):
        raise CliError("--per-theme needs a number of 1 or more, and not with --all")
    query = None
    if args.query:
        from briefing.query import QueryError, parse_query

        try:
            query = parse_query(args.query, list(themes.ids))
        except QueryError as exc:
            raise CliError(f"bad query: {exc}") from None
    options = DigestOptions(
        per_theme=None if args.all else (args.per_theme or PER_THEME), evidence=args.evidence,
        stars=args.stars, front_matter=args.front_matter, tagged_only=args.tagged_only,
    )
    return ExportRequest(
        start=start, end=end, week=week, theme_ids=tuple(wanted), unread=args.unread, starred=args.starred,
        min_score=args.min_score, tagged_only=args.tagged_only, query=query, since_last=args.since_last,
        tz=tz, options=options,
    )


def run(args: argparse.Namespace, ctx: Context) -> int:
    from briefing.ignore import load_ignore_rules
    from core import export

    now = ctx.now()
    request = _request(args, ctx, now)
    target = _target(args.output, request.label)
    if not args.dry_run and target is not None and target.exists() and not args.force:  # fail before any work
        raise CliError(f"{target} already exists; use --force to overwrite it or -o to choose another file")
    rules, warning = load_ignore_rules(ctx.paths.ignore_file)
    if warning:
        ctx.warn(warning)
    if not ctx.paths.db_dir.exists():  # a wrong --home should not silently make an empty store
        raise CliError(f"nothing is stored in {ctx.paths.root} yet; run 'chipwire refresh' first")
    sent = args.record or (target is not None and not args.dry_run)  # written to a file, or asked to count
    # A preview only reads: a read-only store takes no writer lock (a refresh may hold it).
    store = ctx.open_store(readonly=not sent)
    digest = export.build(store, ctx.themes(), request, now=now, ignore=rules)
    where = str(target) if target is not None else "stdout"
    if args.dry_run:
        pass  # a preview of what would be written: nothing is
    elif target is not None:
        write_output(target, digest.text, force=args.force)
    else:
        _to_stdout(ctx.out, digest.text)
    if sent and digest.item_ids:
        from store import StoreError

        try:
            written = target is not None and not args.dry_run
            export.record(store, digest, at=now, file=str(target.absolute()) if written else "-")
        except StoreError as exc:
            ctx.warn(f"the digest was written but not recorded for --since-last: {exc}")
            return 3  # the contract's "store locked or corrupt"; 1 means some feeds failed
    print(_report(args, digest, where, sent, len(digest.text.encode("utf-8"))), file=ctx.err)
    return 0


def _report(args: argparse.Namespace, digest: "Digest", where: str, sent: bool, size: int) -> str:
    """The one stderr line: where it went, what it lists, and whether it counts as sent."""
    verb = "dry run: would write" if args.dry_run else "wrote"
    if args.since_last and not digest.item_ids:
        return f"nothing new since the last sent digest; {verb} {where}"
    more = f", {digest.more} more behind 'more' lines" if digest.more else ""
    text = f"{verb} {where} ({digest.stories} stories, {len(digest.item_ids)} items{more}, {size / 1024:.1f} KB)"
    if not sent:
        text += "; a preview, not recorded as sent (--record to count it)"
    return text
