"""``chipwire tag``: tag JSON Lines from stdin with themes and entities (for scripts and checks)."""

from __future__ import annotations

import argparse
import json
import sys

from tui.cli.context import Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "tag",
        help="tag JSON Lines read on stdin",
        description='Read JSON Lines {"title": ..., "summary": ...} on stdin and write each object back '
        'with "themes" and "entities" added. Bad lines are reported on stderr and skipped '
        "(exit code 1).",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from briefing.entities import extract_entities
    from briefing.tagger import Tagger

    tagger = Tagger(ctx.themes())
    stdin = getattr(ctx, "stdin", None) or sys.stdin
    failures = 0
    for number, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            failures += 1
            detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            print(f"chipwire: line {number}: not valid JSON ({detail})", file=ctx.err)
            continue
        if not isinstance(obj, dict):
            failures += 1
            print(f"chipwire: line {number}: expected a JSON object", file=ctx.err)
            continue
        title, summary = obj.get("title", ""), obj.get("summary", "")
        if not isinstance(title, str) or not isinstance(summary, str):
            failures += 1
            print(f"chipwire: line {number}: 'title' and 'summary' must be strings", file=ctx.err)
            continue
        obj["themes"] = tagger.tag(title, summary)
        obj["entities"] = extract_entities(title, summary)
        ctx.out.write(json.dumps(obj, ensure_ascii=False) + "\n")
    return 1 if failures else 0
