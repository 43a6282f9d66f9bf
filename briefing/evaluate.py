"""Measure the tagger against a labelled set (micro-averaged precision, recall and F1).

Shared by ``chipwire eval``, the quality tests, the benchmark script and the README so all
print the same figures. Rows are ``{"title", "summary", "themes": [ids]}`` as in
``tagging/*.jsonl``; other keys (``url``, ``why``...) are ignored.

Besides P/R/F1 the result says how often an item that should stay untagged gets a theme
(the near misses and off-topic items a reader sees filed under a thesis) and which
confusions are most common, so an error analysis starts from kinds, not single items.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping

from briefing.tagger import Tagger


class LabelError(ValueError):
    """A malformed line in a labelled set; ``line`` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


def parse_rows(lines: Iterable[str], known: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Labelled rows from JSON Lines text (blank lines ignored).

    Raises :class:`LabelError` naming the line for anything that is not an object with a
    string ``title``, an optional string ``summary`` and a list of theme-id strings; with
    ``known``, an id outside it is an error too (a typo would silently count as a miss).
    """
    ids = set(known) if known is not None else None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise LabelError(number, f"not valid JSON ({detail})") from None
        if not isinstance(row, dict):
            raise LabelError(number, "expected a JSON object")
        if not isinstance(row.get("title"), str) or not isinstance(row.get("summary", ""), str):
            raise LabelError(number, "'title' must be a string, and 'summary' a string when given")
        themes = row.get("themes")
        if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
            raise LabelError(number, "'themes' must be a list of theme ids")
        if ids is not None:
            unknown = [t for t in themes if t not in ids]
            if unknown:
                raise LabelError(number, f"unknown theme {unknown[0]!r}")
        rows.append(row)
    return rows


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines labelled set (for tests and benchmarks; the CLI reads the file itself)."""
    with Path(path).open(encoding="utf-8") as handle:
        return parse_rows(handle)


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def evaluate(tagger: Tagger, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Compare the tagger's themes with the labels.

    Returns:
        ``{"micro": {precision, recall, f1, tp, fp, fn}, "per_theme": {id: {...}},
        "untagged": {"rows", "wrongly_tagged", "rate"}, "confusions": [{"expected", "got",
        "count"}], "errors": [{"title", "expected", "got"}], "rows": n}``. A confusion pairs a
        missed theme with a wrongly given one on the same item; ``None`` on either side means
        a plain miss or a plain extra.
    """
    ids = [t.id for t in tagger.themeset.themes]
    counts = {tid: [0, 0, 0] for tid in ids}
    errors = []
    confusions: Counter[tuple[str | None, str | None]] = Counter()
    untagged = wrongly = 0
    n = 0
    for row in rows:
        n += 1
        expected = set(row.get("themes", []))
        got = {t["id"] for t in tagger.tag(row.get("title", ""), row.get("summary", ""))}
        if not expected:
            untagged += 1
            wrongly += bool(got)
        missed, extra = sorted(expected - got), sorted(got - expected)
        for miss in missed or [None]:
            for wrong in extra or [None]:
                if miss or wrong:
                    confusions[(miss, wrong)] += 1
        for tid in expected | got:
            c = counts.setdefault(tid, [0, 0, 0])
            if tid in expected and tid in got:
                c[0] += 1
            elif tid in got:
                c[1] += 1
            else:
                c[2] += 1
        if expected != got:
            errors.append({"title": row.get("title", ""), "expected": sorted(expected), "got": sorted(got)})
    tp = sum(c[0] for c in counts.values())
    fp = sum(c[1] for c in counts.values())
    fn = sum(c[2] for c in counts.values())
    return {
        "micro": _prf(tp, fp, fn),
        "per_theme": {tid: _prf(*c) for tid, c in counts.items()},
        "untagged": {"rows": untagged, "wrongly_tagged": wrongly, "rate": wrongly / untagged if untagged else 0.0},
        "confusions": [
            {"expected": miss, "got": wrong, "count": count}
            for (miss, wrong), count in sorted(confusions.items(), key=lambda kv: (-kv[1], str(kv[0])))
        ],
        "errors": errors,
        "rows": n,
    }


def format_report(result: Mapping[str, Any], confusions: int = 0) -> str:
    """A plain-text table of per-theme and micro-averaged figures.

    With ``confusions`` > 0, also the untagged-items line and that many worst confusions.
    """
    lines = [f"{'theme':26} {'P':>6} {'R':>6} {'F1':>6} {'tp':>4} {'fp':>4} {'fn':>4}"]
    for tid, m in result["per_theme"].items():
        lines.append(
            f"{tid:26} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['tp']:4d} {m['fp']:4d} {m['fn']:4d}"
        )
    m = result["micro"]
    lines.append(
        f"{'micro':26} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['tp']:4d} {m['fp']:4d} {m['fn']:4d}"
        f"   ({result['rows']} rows)"
    )
    if confusions:
        u = result.get("untagged", {"rows": 0, "wrongly_tagged": 0, "rate": 0.0})
        lines.append(f"untagged items wrongly tagged: {u['wrongly_tagged']} of {u['rows']} ({u['rate']:.1%})")
        worst = result.get("confusions", [])[:confusions]
        if worst:
            lines.append("worst confusions (labelled -> tagged):")
            for c in worst:
                lines.append(f"  {c['count']:3d}  {c['expected'] or '(none)':24} -> {c['got'] or '(none)'}")
    return "\n".join(lines)
