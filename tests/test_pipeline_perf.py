"""The refresh pipeline's performance devices must not leak into the rest of the process."""

from __future__ import annotations

import gc

import pytest

from tui.pipeline import _init_worker, _no_cyclic_gc


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
