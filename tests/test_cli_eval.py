"""``chipwire eval``: figures from a labelled set, and a clear error for a malformed one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tui.cli import main

# In-house rows: one the tagger gets right, one off-topic item that must stay untagged, and
# one labelled with a theme the text does not support (a deliberate miss).
ROWS = [
    {"title": "Broker charged with smuggling Nvidia H100 GPUs to China through Malaysia",
     "summary": "Prosecutors say the accelerators were relabelled as game consoles.",
     "themes": ["gray-market", "enforcement"]},
    {"title": "City council approves new bicycle lanes downtown", "summary": "Work starts in spring.",
     "themes": []},
    {"title": "Regional bakery opens a second shop", "summary": "The owners plan a third next year.",
     "themes": ["fragmentation"]},
]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("CHIPWIRE_HOME", str(h))
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    return h


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_eval_prints_figures_untagged_rate_and_confusions(home, tmp_path, capsys):
    path = write(tmp_path, [json.dumps(r) for r in ROWS])
    assert main(["eval", str(path)]) == 0
    out = capsys.readouterr().out
    assert "micro" in out and "gray-market" in out
    assert "untagged items wrongly tagged: 0 of 1" in out
    assert "fragmentation" in out.split("worst confusions")[1]


def test_eval_json_counts(home, tmp_path, capsys):
    path = write(tmp_path, [json.dumps(r) for r in ROWS])
    assert main(["eval", str(path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["rows"] == 3
    assert result["per_theme"]["gray-market"]["tp"] == 1
    assert result["per_theme"]["enforcement"]["tp"] == 1
    assert result["per_theme"]["fragmentation"]["fn"] == 1
    assert result["micro"]["fp"] == 0
    assert result["untagged"] == {"rows": 1, "wrongly_tagged": 0, "rate": 0.0}
    assert {"expected": "fragmentation", "got": None, "count": 1} in result["confusions"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ('{"title": "x", "themes": [', "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"title": 5, "themes": []}', "'title' must be a string"),
        ('{"title": "x", "themes": "gray-market"}', "'themes' must be a list"),
        ('{"title": "x", "themes": ["grey-market"]}', "unknown theme 'grey-market'"),
    ],
)
def test_malformed_line_is_exit_2_naming_file_and_line(home, tmp_path, capsys, bad, message):
    path = write(tmp_path, [json.dumps(ROWS[0]), "", bad])
    assert main(["eval", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path} line 3: " in err and message in err
    assert "Traceback" not in err


def test_missing_file_is_exit_2(home, tmp_path, capsys):
    assert main(["eval", str(tmp_path / "absent.jsonl")]) == 2
    assert "absent.jsonl" in capsys.readouterr().err
