"""A refresh started inside the Textual app must be able to start its parse pool.

Textual replaces ``sys.stderr`` with a capture object whose ``fileno()`` is -1, and the app has
threads, so the pool uses ``forkserver``. multiprocessing's resource tracker hands
``sys.stderr.fileno()`` to its child process, which fails with "bad value(s) in fds_to_keep":
the app's first refresh of the default feeds failed outright. Reproduced in a fresh process (so
no resource tracker is running yet) with exactly those conditions, without a terminal.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_refresh_with_a_textual_like_stderr_and_threads_uses_the_pool(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, threading, time
        from pathlib import Path

        class Capture:  # what Textual installs as sys.stderr while the app runs
            def write(self, text): return len(text)
            def flush(self): pass
            def fileno(self): return -1

        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()  # an app has threads: forkserver
        sys.stderr = Capture()

        import core.refresh as pipeline
        from feeds.subscriptions import Subscription, save_subscriptions
        from store.home import HomePaths
        from core.settings import Settings

        from concurrent.futures import ProcessPoolExecutor

        used = []
        def counting_pool(**kwargs):  # the injected pool factory: records that a pool started
            pool = ProcessPoolExecutor(**kwargs)
            used.append(True)
            return pool

        paths = HomePaths(Path({str(tmp_path / "home")!r}))
        paths.ensure()
        samples = sorted(Path({str(ROOT / "feeds" / "samples")!r}).glob("*.xml"))
        save_subscriptions(paths.feeds_file, [Subscription(str(p)) for p in samples])
        try:
            report = pipeline.refresh(paths, settings=Settings(), process_pool=counting_pool)
        except Exception as exc:  # shown in the assertion message (stderr is the capture)
            print("RAISED", type(exc).__name__, exc)
            raise SystemExit(1)
        stop.set()
        print("POOL", used, "NEW", len(report.new_ids), "FAILED", [o.message for o in report.failed])
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = proc.stdout.strip().splitlines()[-1]
    assert line.startswith("POOL [True] NEW 175 FAILED []"), line
