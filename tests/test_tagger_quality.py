"""Tagger quality on the labelled dev set: micro-averaged P/R/F1 must stay at or above 0.85.

The set lives outside the repo (shared/tagging/dev.jsonl); CHIPWIRE_TAGGING_DEV overrides the
path. A missing file fails the test rather than skipping it: a silent skip would hide a drop.
"""

from __future__ import annotations

import os

import pytest
from pathlib import Path

from briefing.evaluate import evaluate, format_report, load_rows
from briefing.tagger import Tagger
from briefing.themes import THEME_IDS, load_builtin

F1_FLOOR = 0.85


def dev_path() -> Path:
    env = os.environ.get("CHIPWIRE_TAGGING_DEV")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "tagging" / "dev.jsonl"


def test_dev_set_f1_at_least_floor(capsys):
    path = dev_path()
    if not path.is_file() and not os.environ.get("CHIPWIRE_TAGGING_DEV"):
        # A clone without ../shared beside it (a newcomer's machine); CI sets the variable,
        # so there the test can only pass or fail, never skip.
        pytest.skip(f"labelled dev set not present at {path}")
    assert path.is_file(), f"labelled dev set not found at {path} (set CHIPWIRE_TAGGING_DEV)"
    rows = load_rows(path)
    assert len(rows) >= 50, "dev set unexpectedly small"
    result = evaluate(Tagger(load_builtin()), rows)
    with capsys.disabled():
        print("\n" + format_report(result))
    assert set(THEME_IDS) <= set(result["per_theme"])
    assert result["micro"]["f1"] >= F1_FLOOR, format_report(result)


def test_evaluate_counts_exactly():
    """evaluate() itself: one true positive, one false positive, one false negative."""
    rows = [
        {"title": "Broker charged with smuggling Nvidia H100 GPUs to China via Malaysia", "summary": "",
         "themes": ["gray-market", "enforcement", "fragmentation"]},
    ]
    result = evaluate(Tagger(load_builtin()), rows)
    assert result["per_theme"]["gray-market"]["tp"] == 1
    assert result["per_theme"]["fragmentation"]["fn"] == 1
    assert result["micro"]["fn"] >= 1
    assert 0 < result["micro"]["recall"] < 1
