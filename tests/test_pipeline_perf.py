"""The refresh pipeline's performance devices must not leak into the rest of the process."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from core.refresh.parsing import _init_worker, _no_cyclic_gc


def test_gc_pause_restores_what_it_found() -> None:
    assert gc.isenabled()
    with _no_cyclic_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with _no_cyclic_gc():
            raise RuntimeError("a failed refresh")
    assert gc.isenabled()
    gc.disable()
    try:
        with _no_cyclic_gc():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_worker_initializer_turns_collection_back_on() -> None:
    gc.disable()
    try:
        _init_worker(None)  # what a forked worker runs first (it inherited the paused GC)
        assert gc.isenabled()
    finally:
        gc.enable()


def _in_fresh_process(probe: str) -> str:
    """Run ``probe`` in a new single-threaded interpreter (only there does a pool fork); its stdout."""
    out = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[1],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_forked_workers_inherit_the_parents_tagger() -> None:
    """With fork, the tagger and entity table are built once, before the fork, not per worker.
    Run in a fresh single-threaded process: only there does the pool fork. Object ids survive a
    fork, so a worker that built its own tagger would report another one."""
    probe = (
        "import core.refresh.parsing as P\n"
        "from briefing.entities import builtin_table\n"
        "def ids(_):\n"
        "    return id(P._TAGGER), id(builtin_table())\n"
        "pool, warm = P._start_pool(2, None)\n"
        "assert pool is not None\n"
        "got = {pool.submit(ids, n).result() for n in range(4)}\n"
        "pool.shutdown()\n"
        "print(got == {(id(P._TAGGER), id(builtin_table()))}, P._pool_context().get_start_method())\n"
    )
    inherited, method = _in_fresh_process(probe).split()
    if method != "fork":
        pytest.skip("no fork start method here: each worker builds its own tagger")
    assert inherited == "True"


def test_what_survives_the_pause_is_moved_to_the_oldest_generation() -> None:
    """Else the first collection after a refresh walks every object it allocated (~50 ms)."""
    with _no_cyclic_gc():
        kept = [{"n": [n]} for n in range(50_000)]  # a list inside: dicts of plain ints are not tracked
    assert gc.get_count()[0] < 1_000  # the youngest generation is not holding the refresh's objects
    oldest = {id(o) for o in gc.get_objects(generation=2)}
    assert id(kept) in oldest and id(kept[25_000]) in oldest


def test_objects_frozen_on_purpose_stay_frozen() -> None:
    marker = [{"frozen": True}]
    gc.freeze()
    try:
        before = gc.get_freeze_count()
        with _no_cyclic_gc():
            _ = [{"n": n} for n in range(1_000)]
        assert gc.get_freeze_count() == before and id(marker) not in {id(o) for o in gc.get_objects()}
    finally:
        gc.unfreeze()


def test_a_standby_worker_builds_its_own_tagger_and_only_where_fork_is_safe() -> None:
    """The everyday refresh forks one worker without building anything in the parent first; the
    worker builds its tagger by itself, unasked; in a process with threads (the app) there is
    no standby pool (fork is unsafe there)."""
    probe = (
        "import threading, time\n"
        "import core.refresh.parsing as P\n"
        "def has_tagger(_):\n"  # without asking for one: the worker's own background build
        "    for _ in range(200):\n"
        "        if P._TAGGER is not None:\n"
        "            return True\n"
        "        time.sleep(0.05)\n"
        "    return False\n"
        "pool, warm = P._start_pool(1, None, standby=True)\n"
        "method = P._pool_context().get_start_method()\n"
        "if pool is None:\n"
        "    print('no-fork', method)\n"
        "    raise SystemExit(0)\n"
        "worker_has = pool.submit(has_tagger, 0).result()\n"
        "pool.shutdown()\n"
        "threading.Thread(target=time.sleep, args=(2,), daemon=True).start()\n"
        "with_threads = P._start_pool(1, None, standby=True)\n"
        "print(P._TAGGER is None, worker_has, with_threads == (None, []))\n"
    )
    printed = _in_fresh_process(probe)
    if printed.startswith("no-fork"):
        pytest.skip("no fork start method here: no standby pool")
    assert printed.split() == ["True", "True", "True"]
