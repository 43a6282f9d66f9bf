"""``chipwire label``: correct an item's themes from the shell, list corrections, export them.

``chipwire label ID +enforcement -export-controls`` says what the person thinks the item is
about; chipwire keeps it for good (db/corrections.json) and applies it to the item, its story
and near-identical items (see ``core.corrections``). ``--export`` writes every correction as a
labelled JSON Lines set, the format ``chipwire eval`` and ``briefing.evaluate.load_rows`` read,
so the tagger can be measured against the person's own judgement.
"""

from __future__ import annotations

import argparse
import difflib
import json
from pathlib import Path
from typing import Any

from briefing.titles import display_title
from tui.cli.context import CliError, Context, write_output

_FLAGS_AFTER_ID = ("--json", "--clear")
"""Flags recognised among the changes: argparse hands everything after ID over verbatim."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "label",
        help="correct an item's themes (+THEME adds, -THEME rejects); list or export corrections",
        description="Correct the themes of a stored item: +THEME adds (or confirms) a theme, -THEME "
        "rejects one. chipwire remembers corrections for good and applies them to the same story "
        "and to near-identical items from other feeds. Without changes it shows the item's themes.",
    )
    p.add_argument("id", nargs="?", metavar="ID", help="the item id (as in `chipwire items --json`)")
    p.add_argument("changes", nargs=argparse.REMAINDER, metavar="+THEME|-THEME",
                   help="themes to add (+) or reject (-)")
    p.add_argument("--clear", action="store_true", help="forget the item's correction first")
    p.add_argument("--list", action="store_true", help="list the stored corrections")
    p.add_argument("--export", action="store_true",
                   help='write the corrections as labelled JSON Lines {"title","summary","themes"}')
    p.add_argument("-o", "--output", metavar="FILE", help="with --export: write to FILE instead of stdout")
    p.add_argument("--force", action="store_true", help="with -o: overwrite an existing FILE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def parse_changes(changes: list[str], known: list[str]) -> tuple[list[str], list[str], set[str]]:
    """(added, rejected, flags) from ``+id``/``-id`` words; unknown ids name the closest known ones."""
    added: list[str] = []
    rejected: list[str] = []
    flags: set[str] = set()
    for word in changes:
        if word in _FLAGS_AFTER_ID:
            flags.add(word)
            continue
        if word == "--":
            continue
        sign, theme = word[:1], word[1:]
        if sign not in "+-" or not theme or theme.startswith("-"):
            raise CliError(f"expected +THEME or -THEME, got {word!r}")
        if theme not in known:
            close = difflib.get_close_matches(theme, known, n=3, cutoff=0.4)
            hint = f"closest: {', '.join(close)}" if close else f"known: {', '.join(known)}"
            raise CliError(f"unknown theme {theme!r} ({hint})")
        (added if sign == "+" else rejected).append(theme)
    if set(added) & set(rejected):
        raise CliError(f"a theme cannot be both added and rejected: {', '.join(sorted(set(added) & set(rejected)))}")
    return added, rejected, flags


def run(args: argparse.Namespace, ctx: Context) -> int:
    from store import StoreError

    try:
        if args.export:
            return _export(args, ctx)
        if args.list:
            return _list(args, ctx)
        if not args.id:
            raise CliError("give an item ID (with +THEME/-THEME), or --list, or --export")
        return _label(args, ctx)
    except StoreError as exc:
        raise CliError(str(exc), code=3) from None


def _label(args: argparse.Namespace, ctx: Context) -> int:
    from briefing.corrections import with_sources
    from core.corrections import UnknownItem, relabel

    themes = ctx.themes()
    added, rejected, flags = parse_changes(list(args.changes), [t.id for t in themes.themes])
    as_json = args.json or "--json" in flags
    clear = args.clear or "--clear" in flags
    if not (added or rejected or clear):
        return _show(args.id, ctx, as_json)
    store = ctx.open_store()
    try:
        result = relabel(store, themes, args.id, add=added, reject=rejected, clear=clear, now=ctx.now())
    except UnknownItem:
        raise CliError(f"no stored item has the id {args.id!r} (ids are in `chipwire items --json`)") from None
    item = result.item or {"id": args.id, "themes": []}
    if as_json:
        ctx.json_out({
            "id": args.id, "title": item.get("title"), "themes": with_sources(item.get("themes") or []),
            "correction": result.correction.to_json() if result.correction else None, "spread": result.spread,
        })
        return 0
    _print_item(item, ctx)
    if result.spread:
        print(f"  also applied to {result.spread} other item{'s' if result.spread != 1 else ''} "
              "(same story or near-identical)", file=ctx.out)
    return 0


def _show(item_id: str, ctx: Context, as_json: bool) -> int:
    """No changes given: the item's themes as they stand, and its correction."""
    from briefing.corrections import with_sources

    store = ctx.open_store(readonly=True) if ctx.paths.db_dir.exists() else None
    item = store.get(item_id) if store is not None else None
    if item is None:
        raise CliError(f"no stored item has the id {item_id!r} (ids are in `chipwire items --json`)")
    if as_json:
        ctx.json_out({"id": item_id, "title": item.get("title"), "themes": with_sources(item.get("themes") or []),
                      "correction": (store.corrections() if store else {}).get(item_id)})
        return 0
    _print_item(item, ctx)
    return 0


def _print_item(item: dict[str, Any], ctx: Context) -> None:
    print(display_title(item), file=ctx.out)
    themes = item.get("themes") or []
    words = [t["id"] + (" (yours)" if t.get("source") == "user" else "") for t in themes]
    print(f"  themes: {', '.join(words) if words else '(none: Other)'}", file=ctx.out)
    note = item.get("correction")
    if isinstance(note, dict) and note.get("rejected"):
        print(f"  rejected: {', '.join(note['rejected'])}", file=ctx.out)


def _list(args: argparse.Namespace, ctx: Context) -> int:
    from core.corrections import load_book

    if not ctx.paths.db_dir.exists():
        corrections = []
    else:
        corrections = sorted(load_book(ctx.open_store(readonly=True)).by_id.values(), key=lambda c: (c.when, c.item_id))
    if args.json:
        ctx.json_out([c.to_json() for c in corrections])
        return 0
    for c in corrections:
        marks = [f"+{t}" for t in c.added] + [f"={t}" for t in c.confirmed] + [f"-{t}" for t in c.rejected]
        title = display_title({"title": c.title, "summary": c.summary}, limit=80)
        print(f"{c.when[:16].replace('T', ' ')}  {c.item_id}  {' '.join(marks)}  {title}", file=ctx.out)
    if not corrections:
        print("no corrections yet (chipwire label ID +THEME -THEME)", file=ctx.err)
    return 0


def _export(args: argparse.Namespace, ctx: Context) -> int:
    from core.corrections import labelled_rows

    rows = labelled_rows(ctx.open_store(readonly=True)) if ctx.paths.db_dir.exists() else []
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.output:
        write_output(Path(args.output).expanduser(), text, force=args.force)
        print(f"wrote {len(rows)} labelled item{'s' if len(rows) != 1 else ''} to {args.output}", file=ctx.err)
    else:
        ctx.out.write(text)
    return 0
