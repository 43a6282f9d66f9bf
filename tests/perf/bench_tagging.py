#!/usr/bin/env python3
"""Tagging benchmark: how fast the tagger and the entity extractor are, and how good the tagger is.

Run from the repository root with the project installed:

    python tests/perf/bench_tagging.py             # 20,000 items per throughput figure
    python tests/perf/bench_tagging.py -n 50000 --json

It prints figures, it does not assert. The README and ``tests/perf/bench_refresh.py`` quote it;
import :func:`measure` to get the same figures as a dict.

What is measured, and why this way:

- throughput is CPU time of this process (``time.process_time``), so a busy shared machine
  does not make the figure look worse than the code is; one core, no pool;
- two workloads: the labelled dev rows repeated (real headlines and summaries, ~80 + ~300
  characters) and synthetic rows from the ingest benchmark's vocabulary (dense with theme
  words, so every item is tagged: the worst case for scoring and evidence);
- build cost is measured in a *fresh interpreter* (the ``re`` module caches compiled
  patterns per process, so a second build in one process would look free): importing the
  tagger, loading the built-in themes and constructing the :class:`~briefing.tagger.Tagger`;
- quality is micro-averaged precision, recall and F1 on the dev set (``evaluate``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

DEV = Path(os.environ.get("CHIPWIRE_TAGGING_DEV", ROOT.parent / "shared" / "tagging" / "dev.jsonl"))

# The ingest benchmark's vocabulary (tests/perf/bench_refresh.py), repeated here so this script
# does not depend on that one's imports.
SUBJ = ["Nvidia", "Huawei", "SMIC", "TSMC", "AMD", "Commerce Department", "BIS", "a Singapore broker",
        "Malaysian data centre", "DeepSeek", "Alibaba Cloud"]
VERB = ["faces new export controls on", "ships throttled", "is investigated over smuggled",
        "unveils domestic rival to", "stockpiles", "reports gray-market demand for", "wins licence for",
        "cuts prices of", "benchmarks", "is sanctioned for"]
OBJ = ["H100 accelerators", "H20 chips", "A800 GPUs", "Ascend 910C", "HBM memory", "B200 clusters",
       "advanced lithography tools", "AI training clusters"]

_BUILD_PROBE = r"""
import json, time
t0 = time.process_time()
from briefing.tagger import Tagger
from briefing.themes import load_builtin
t1 = time.process_time()
themes = load_builtin()
t2 = time.process_time()
tagger = Tagger(themes)
t3 = time.process_time()
tagger.tag("Warm-up", "")
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "build": t3 - t2}))
"""


def synthetic_rows(n: int, seed: int = 3) -> list[tuple[str, str]]:
    """Rows shaped like the ingest benchmark's items: a ~60-char title, a ~300-char summary."""
    rnd = random.Random(seed)
    return [
        (f"{rnd.choice(SUBJ)} {rnd.choice(VERB)} {rnd.choice(OBJ)}",
         " ".join(rnd.choice(SUBJ + OBJ + VERB) for _ in range(20)))
        for _ in range(n)
    ]


def dev_rows(n: int) -> list[tuple[str, str]]:
    """The labelled dev rows, repeated to ``n`` (empty when the set is not available)."""
    if not DEV.is_file():
        return []
    from briefing.evaluate import load_rows

    rows = [(r.get("title", ""), r.get("summary", "")) for r in load_rows(DEV)]
    return [rows[i % len(rows)] for i in range(n)]


def _rate(fn, rows: list[tuple[str, str]], repeat: int = 3) -> float:
    """Best-of-``repeat`` items per CPU second of ``fn(title, summary)`` over ``rows``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        for title, summary in rows:
            fn(title, summary)
        best = min(best, time.process_time() - start)
    return len(rows) / best if best > 0 else float("inf")


def build_cost(runs: int = 5) -> dict[str, float]:
    """Median CPU seconds, in fresh interpreters, of import, themes load and Tagger build."""
    samples: list[dict[str, float]] = []
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _BUILD_PROBE], capture_output=True, text=True,
                             check=True, cwd=ROOT, env=env)
        samples.append(json.loads(out.stdout))
    return {key: statistics.median(s[key] for s in samples) for key in samples[0]}


def measure(n: int = 20000) -> dict[str, Any]:
    """All figures as a dict (rates in items per CPU second; times in seconds).

    Keys: ``tag_dev_per_s``, ``tag_synthetic_per_s``, ``entities_dev_per_s``,
    ``entities_synthetic_per_s``, ``build_s`` (themes load + Tagger construction, cold),
    ``import_s``, ``load_s``, ``tagger_s``, ``dev`` (micro P/R/F1 and row count, or ``None``).
    """
    from briefing.entities import builtin_table, extract_entities
    from briefing.evaluate import evaluate, load_rows
    from briefing.tagger import Tagger
    from briefing.themes import load_builtin

    tagger = Tagger(load_builtin())
    builtin_table()
    synthetic = synthetic_rows(n)
    real = dev_rows(n)
    out: dict[str, Any] = {"n": n}
    out["tag_synthetic_per_s"] = _rate(tagger.tag, synthetic)
    out["tag_dev_per_s"] = _rate(tagger.tag, real) if real else None
    out["entities_synthetic_per_s"] = _rate(extract_entities, synthetic)
    out["entities_dev_per_s"] = _rate(extract_entities, real) if real else None
    cost = build_cost()
    out["import_s"], out["load_s"], out["tagger_s"] = cost["import"], cost["load"], cost["build"]
    out["build_s"] = cost["load"] + cost["build"]
    if DEV.is_file():
        micro = evaluate(tagger, load_rows(DEV))
        out["dev"] = {k: micro["micro"][k] for k in ("precision", "recall", "f1")} | {"rows": micro["rows"]}
    else:
        out["dev"] = None
    return out


def format_figures(fig: dict[str, Any]) -> str:
    """The figures as the few lines the README quotes."""
    rate = lambda v: "n/a (no dev set)" if v is None else f"{v:,.0f} items/s"  # noqa: E731
    lines = [
        f"Tagger.tag          dev rows {rate(fig['tag_dev_per_s'])}; synthetic {rate(fig['tag_synthetic_per_s'])}"
        f"  (one core, CPU time, n={fig['n']:,})",
        f"extract_entities    dev rows {rate(fig['entities_dev_per_s'])}; synthetic {rate(fig['entities_synthetic_per_s'])}",
        f"Tagger build        {fig['build_s'] * 1000:.0f} ms cold (themes load {fig['load_s'] * 1000:.0f} ms"
        f" + Tagger() {fig['tagger_s'] * 1000:.0f} ms; imports {fig['import_s'] * 1000:.0f} ms)",
    ]
    dev = fig["dev"]
    if dev:
        lines.append(f"dev set             P {dev['precision']:.3f}  R {dev['recall']:.3f}  F1 {dev['f1']:.3f}"
                     f"  ({dev['rows']} rows)")
    else:
        lines.append(f"dev set             not found at {DEV} (set CHIPWIRE_TAGGING_DEV)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20000, help="items per throughput figure")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.n)
    print(json.dumps(figures, indent=2) if args.json else format_figures(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
