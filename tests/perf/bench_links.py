"""Cost of keeping links: ``html_to_text`` vs ``html_to_text_links`` on a summary with links.

Run: ``.venv/bin/python tests/perf/bench_links.py`` — prints µs per summary, interleaved
rounds (the machine is shared: the best of several rounds is the figure to compare).
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from feeds.clean import html_to_text, html_to_text_links  # noqa: E402

HTML = ('<p>Diverted chips travel through third countries where controls are weaker, using '
        '<a href="/a">brokers</a>, front companies and <a href="https://x.example/b">misdeclared shipments</a>.</p>'
        '<ul><li>one <a href="/c">c</a></li><li>two</li></ul><p>More text &amp; more.</p>') * 3


def main(rounds: int = 5, number: int = 3000) -> None:
    plain, linked = [], []
    for _ in range(rounds):
        plain.append(timeit.timeit(lambda: html_to_text(HTML, 20000), number=number) / number * 1e6)
        linked.append(timeit.timeit(lambda: html_to_text_links(HTML, 20000, "https://site.example/s"),
                                    number=number) / number * 1e6)
    print(f"html_to_text        best {min(plain):7.1f} µs/summary")
    print(f"html_to_text_links  best {min(linked):7.1f} µs/summary  (9 links; x{min(linked) / min(plain):.2f})")


if __name__ == "__main__":
    main()
