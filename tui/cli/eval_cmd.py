"""``chipwire eval FILE.jsonl``: measure the tagger in force against a labelled set.

Thin by design: this module reads the file and prints; the measuring is
:func:`briefing.evaluate.evaluate`, shared with the quality tests and the benchmark.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tui.cli.context import CliError, Context

_WORST = 8


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="measure the tagger against a labelled JSON Lines set",
        description='Tag every {"title", "summary", "themes": [ids]} line of FILE with the themes in '
        "force and print micro and per-theme precision, recall and F1, how many untagged items got "
        "a theme, and the worst confusions. A malformed line is an error naming its line (exit 2).",
    )
    p.add_argument("file", metavar="FILE.jsonl", help="labelled set, one JSON object per line")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from briefing.evaluate import LabelError, evaluate, format_report, parse_rows
    from briefing.tagger import Tagger

    path = Path(args.file)
    themes = ctx.themes()
    try:
        with path.open(encoding="utf-8", errors="strict") as handle:
            rows = parse_rows(handle, known=themes.ids)
    except LabelError as exc:
        raise CliError(f"{path} line {exc.line}: {exc.message}") from None
    except UnicodeDecodeError as exc:
        raise CliError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise CliError(f"{path}: cannot read ({exc.strerror or exc})") from None
    result = evaluate(Tagger(themes), rows)
    if args.json:
        ctx.out.write(json.dumps({k: v for k, v in result.items()}, ensure_ascii=False) + "\n")
    else:
        ctx.out.write(f"{path}\n{format_report(result, confusions=_WORST)}\n")
    return 0
