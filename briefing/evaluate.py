"""Measure the tagger against a labelled set (micro-averaged precision, recall and F1).

Shared by the quality test, the benchmark script and the README so all three print the same
figures. Rows are ``{"title", "summary", "themes": [ids]}`` as in ``tagging/*.jsonl``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping

from briefing.tagger import Tagger


def load_rows(path: Path) -> list[dict[str, Any]]:
    """Read a JSON Lines labelled set (blank lines ignored)."""
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                rows.append(json.loads(line))
    return rows


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def evaluate(tagger: Tagger, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Compare the tagger's themes with the labels.

    Returns:
        ``{"micro": {precision, recall, f1, tp, fp, fn}, "per_theme": {id: {...}},
        "errors": [{"title", "expected", "got"}], "rows": n}``.
    """
    ids = [t.id for t in tagger.themeset.themes]
    counts = {tid: [0, 0, 0] for tid in ids}
    errors = []
    n = 0
    for row in rows:
        n += 1
        expected = set(row.get("themes", []))
        got = {t["id"] for t in tagger.tag(row.get("title", ""), row.get("summary", ""))}
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
        "errors": errors,
        "rows": n,
    }


def format_report(result: Mapping[str, Any]) -> str:
    """A plain-text table of per-theme and micro-averaged figures."""
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
    return "\n".join(lines)
