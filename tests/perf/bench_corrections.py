#!/usr/bin/env python3
"""Cost of applying the person's corrections to a refresh's items (the parent's extra work).

Run from the repository root with the project installed:

    python tests/perf/bench_corrections.py                # 5,000 items; 0, 100, 1,000 corrections
    python tests/perf/bench_corrections.py --items 20000

It prints figures, it does not assert. Items are synthetic headlines, every one published within
the spread window of every correction (the time filter removes nothing), and 1 % of them
re-posts of a corrected item (which must match). Two vocabularies:

- "news": 3,000 words drawn Zipf-like (a few very common, most rare, as in headlines), a model
  number in a third of the titles;
- "worst": 34 words and a number in every title, so every item shares words with most
  corrections: the matcher's worst case.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime, timedelta, timezone

from briefing.corrections import CorrectionBook, amend

SMALL = ("chip export rule broker court fab wafer cluster license shipment tariff probe memory "
         "packaging supplier foundry accelerator board server datacenter cloud model training "
         "Arden Boreal Calder Dunmore Elstree Fenwick Galloway Harrow Inver Jarrow Kestrel").split()
LARGE = [f"w{n}x" for n in range(3000)]
WEIGHTS = [1 / (n + 1) for n in range(3000)]


def headline(rng: random.Random, kind: str) -> str:
    if kind == "worst":
        return f"{' '.join(rng.sample(SMALL, rng.randint(6, 10)))} {rng.randint(1, 999)}"
    words = " ".join(dict.fromkeys(rng.choices(LARGE, WEIGHTS, k=rng.randint(6, 12))))
    return f"{words} m{rng.randint(1, 99)}" if rng.random() < 0.33 else words


def items(n: int, rng: random.Random, start: datetime, kind: str) -> list[dict]:
    return [{"id": f"i{i}", "title": headline(rng, kind), "story": f"s{rng.random()}", "feed": "f",
             "published": (start + timedelta(minutes=i % 600)).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "themes": [{"id": "export-controls", "score": 5.0, "evidence": ["x"]}]} for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    args = parser.parse_args()
    start = datetime(2026, 11, 20, tzinfo=timezone.utc)
    for kind in ("news", "worst"):
        for count in (0, 100, 1000):
            corrected = items(count, random.Random(7), start, kind)
            book = CorrectionBook([amend(None, {**c, "id": f"c{k}"}, reject=["export-controls"], when="w")
                                   for k, c in enumerate(corrected)])
            best = float("inf")
            for _ in range(3):
                batch = items(args.items, random.Random(11), start, kind)
                for n, c in enumerate(corrected[: len(batch) // 100]):  # 1 % are re-posts
                    batch[n * 100]["title"] = c["title"] + " - Other Wire"
                t0 = time.perf_counter()
                changed = book.correct_items(batch)
                best = min(best, time.perf_counter() - t0)
            per = best / args.items * 1e6
            print(f"{kind:>5}: {count:>5} corrections, {args.items} items: {best * 1000:8.1f} ms "
                  f"({per:6.1f} µs/item), {changed} matched")


if __name__ == "__main__":
    main()
