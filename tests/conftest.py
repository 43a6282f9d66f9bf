"""Shared fixtures. Keep this file small: one fixture per need, the machinery in its own module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faultserver import FaultServer


@pytest.fixture
def faultserver() -> Iterator[FaultServer]:
    """A started loopback FaultServer (127.0.0.1, random port), stopped after the test.

    Tune it per test by attribute: ``latency``, ``items``, ``slow_seconds``, ``trickle_interval``.
    """
    with FaultServer() as server:
        yield server
