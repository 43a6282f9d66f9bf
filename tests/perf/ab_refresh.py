#!/usr/bin/env python3
"""A/B the ingest benchmark between two source trees, interleaved, to judge one change.

    git worktree add /tmp/base HEAD~1
    python tests/perf/ab_refresh.py /tmp/base . --rounds 6            # cold, warm and +500
    python tests/perf/ab_refresh.py /tmp/base . --only cold,inc

Why a separate script: this machine's speed drifts by a quarter between identical runs (the
same cold refresh took 2.77 to 3.36 s of user CPU in five back-to-back runs), so two
``bench_refresh.py`` runs minutes apart cannot show a 5-10 % change. Here both trees face the
same server in alternating order (A B, B A, ...), and the medians of wall and CPU time are
compared. It prints figures, it does not assert.

Each tree runs as ``python -m tui.cli refresh`` with the tree first on ``sys.path``, so the
trees must have the same dependencies installed in this interpreter (an editable install of
either is fine).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_refresh as bench  # noqa: E402  (the same server, feeds and seeded archive)


def run_refresh(tree: Path, home: Path, *args: str) -> tuple[float, float]:
    """One ``refresh`` process of ``tree`` on ``home``: (wall s, CPU s of it and its workers)."""
    env = dict(os.environ, CHIPWIRE_HOME=str(home), PYTHONPATH=str(tree))
    env.pop("CHIPWIRE_NOW", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "refresh", *args], cwd=tree, env=env,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{tree}: refresh failed with exit code {proc.returncode}\n{proc.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path, help="source tree A (e.g. a worktree of the base commit)")
    ap.add_argument("b", type=Path, help="source tree B (e.g. this checkout)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--only", default="cold,warm,inc,morning",
                    help="comma-separated: cold, warm, inc (+500 into --archive), morning (every feed seen "
                         "before, 10 publish: +500 into the archive and the earlier fetches)")
    ap.add_argument("--feeds", type=int, default=100)
    ap.add_argument("--items", type=int, default=50)
    ap.add_argument("--latency-ms", type=int, default=100)
    ap.add_argument("--hosts", type=int, default=25)
    ap.add_argument("--archive", type=int, default=50000)
    args = ap.parse_args()
    figures = [f for f in args.only.split(",") if f]
    unknown = set(figures) - {"cold", "warm", "inc", "morning"}
    if unknown:
        ap.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    trees = {"A": args.a.resolve(), "B": args.b.resolve()}
    for name, tree in trees.items():
        if not (tree / "tui" / "cli" / "__init__.py").exists():
            ap.error(f"{name}: {tree} is not a chipwire source tree")

    for tree in trees.values():
        bench.compile_sources(tree)  # both as installed: no module compiled again per process
    server = bench.ServerProcess(args)
    urls = [server.url(i) for i in range(args.feeds)]
    tmp = Path(tempfile.mkdtemp(prefix="ab-chipwire-"))
    wall: dict[tuple[str, str], list[float]] = {(t, f): [] for t in trees for f in figures}
    cpu: dict[tuple[str, str], list[float]] = {(t, f): [] for t in trees for f in figures}
    try:
        big = tmp / "big"
        incremental = max(1, 500 // args.items)
        if "inc" in figures or "morning" in figures:
            bench.write_subscriptions(big, urls[:incremental])
            bench.seed_store(big, args.archive, datetime.now(timezone.utc))
        if "morning" in figures:
            for name, tree in trees.items():
                home = tmp / f"morning-{name}"
                shutil.copytree(big, home)
                bench.write_subscriptions(home, urls)
                bench.heal_copied_store(home)
                run_refresh(tree, home)  # untimed: every feed fetched once, validators stored
        for n in range(args.rounds):
            order = list(trees.items()) if n % 2 == 0 else list(reversed(trees.items()))
            for name, tree in order:
                home = tmp / f"home-{name}"
                if "cold" in figures or "warm" in figures:
                    shutil.rmtree(home, ignore_errors=True)
                    bench.write_subscriptions(home, urls)
                    w, c = run_refresh(tree, home)  # cold; also primes the warm pass
                if "cold" in figures:
                    wall[(name, "cold")].append(w)
                    cpu[(name, "cold")].append(c)
                if "warm" in figures:
                    w, c = run_refresh(tree, home, "--force")
                    wall[(name, "warm")].append(w)
                    cpu[(name, "warm")].append(c)
                if "inc" in figures:
                    run_home = tmp / f"inc-{name}"
                    shutil.rmtree(run_home, ignore_errors=True)
                    shutil.copytree(big, run_home)
                    bench.heal_copied_store(run_home)
                    w, c = run_refresh(tree, run_home)
                    wall[(name, "inc")].append(w)
                    cpu[(name, "inc")].append(c)
            if "morning" in figures:
                # One publication per round, seen by both trees' homes (each has older validators).
                for i in range(incremental):
                    server.bump(i)
                for name, tree in order:
                    w, c = run_refresh(tree, tmp / f"morning-{name}")
                    wall[(name, "morning")].append(w)
                    cpu[(name, "morning")].append(c)
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"{args.rounds} interleaved rounds; load average at end {bench._load()}")  # noqa: SLF001
    for figure in figures:
        for name, tree in trees.items():
            w, c = wall[(name, figure)], cpu[(name, figure)]
            print(f"{figure:5} {name} {str(tree):40} wall median {statistics.median(w):.3f} s (min {min(w):.3f}),"
                  f" CPU median {statistics.median(c):.2f} s   [{' '.join(f'{x:.2f}' for x in w)}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
