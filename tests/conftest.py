"""Shared fixtures. Keep this file small: one fixture per need, the machinery in its own module."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from faultserver import FaultServer

# The app shows times in the local zone by default: pin it, so snapshots and Pilot tests read
# the same on every machine. Tests of other zones name them in [app] tz.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture
def faultserver() -> Iterator[FaultServer]:
    """A started loopback FaultServer (127.0.0.1, random port), stopped after the test.

    Tune it per test by attribute: ``latency``, ``items``, ``slow_seconds``, ``trickle_interval``.
    """
    with FaultServer() as server:
        yield server
