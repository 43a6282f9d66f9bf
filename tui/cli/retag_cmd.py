"""``chipwire retag``: recompute themes and entities of every stored item in one batch."""

from __future__ import annotations

import argparse

from tui.cli.context import CliError, Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "retag",
        help="re-tag every stored item with the current themes",
        description="Re-tag all stored items with the themes in force (the home's themes.toml when "
        "present). chipwire also does this by itself when the themes file changed.",
    )
    p.add_argument("--json", action="store_true", help="print {\"retagged\": N, \"themes_digest\": ...}")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from store import StoreError
    from core.refresh import retag_all

    themes = ctx.themes()
    store = ctx.open_store()
    try:
        with store.writer():
            changed = retag_all(store, themes)
            store.set_meta("themes_digest", themes.digest)
            store.commit()
    except StoreError as exc:
        raise CliError(str(exc), code=3) from None
    if args.json:
        ctx.json_out({"retagged": changed, "themes_digest": themes.digest, "source": str(themes.source)})
    else:
        print(f"re-tagged: {changed} items changed (themes from {themes.source})", file=ctx.out)
    return 0
