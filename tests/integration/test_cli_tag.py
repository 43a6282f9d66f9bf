"""``chipwire tag`` and ``chipwire themes``: in-process on real homes, plus one real process."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from briefing.themes import THEME_IDS, theme_file_text
from tui.cli import main

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-20T12:00:00Z"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("CHIPWIRE_HOME", str(h))
    monkeypatch.setenv("CHIPWIRE_NOW", NOW)
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    return h


def run(monkeypatch, capsys, *argv: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tag_adds_themes_and_entities(home, monkeypatch, capsys):
    lines = [
        {"title": "Broker charged with smuggling H100 GPUs to China via Malaysia", "summary": "", "extra": 1},
        {"title": "Kimchi pancakes for beginners", "summary": "Crisp edges."},
    ]
    code, out, err = run(monkeypatch, capsys, "tag", stdin="".join(json.dumps(l) + "\n" for l in lines))
    assert code == 0, err
    rows = [json.loads(l) for l in out.splitlines()]
    assert len(rows) == 2
    assert rows[0]["extra"] == 1 and rows[0]["title"] == lines[0]["title"]
    assert {"gray-market", "enforcement"} <= {t["id"] for t in rows[0]["themes"]}
    assert {"name": "H100", "kind": "chip"} in rows[0]["entities"]
    assert rows[1]["themes"] == [] and rows[1]["entities"] == []


def test_tag_bad_lines_reported_and_exit_1(home, monkeypatch, capsys):
    stdin = '{"title": "GPU shortage deepens", "summary": ""}\nnot json\n[1, 2]\n\n{"title": 5}\n{"title": "ok"}\n'
    code, out, err = run(monkeypatch, capsys, "tag", stdin=stdin)
    assert code == 1
    assert "line 2" in err and "line 3" in err and "line 5" in err
    assert "line 1" not in err and "line 6" not in err
    assert len(out.splitlines()) == 2, "good lines are still written"
    assert "Traceback" not in err


def test_tag_uses_user_themes_file(home, monkeypatch, capsys):
    (home / "themes.toml").write_text(
        theme_file_text()
        + '\n[[theme]]\nid = "photonics"\ntitle = "Optics"\nrules = [{ weight = 4, any = ["silicon photonics"] }]\n',
        encoding="utf-8",
    )
    code, out, _ = run(monkeypatch, capsys, "tag", stdin='{"title": "Silicon photonics deal", "summary": ""}\n')
    assert code == 0
    assert [t["id"] for t in json.loads(out)["themes"]] == ["photonics"]


def test_broken_user_themes_warns_and_falls_back(home, monkeypatch, capsys):
    (home / "themes.toml").write_text("[[theme]\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "tag", stdin='{"title": "GPU shortage", "summary": ""}\n')
    assert code == 0
    assert "themes.toml line 1:" in err and "built-in" in err
    assert json.loads(out)["themes"][0]["id"] == "compute-bottleneck"


def test_themes_init_refuses_then_forces(home, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "themes", "init")
    target = home / "themes.toml"
    assert code == 0 and out.strip() == str(target)
    assert target.read_text(encoding="utf-8") == theme_file_text()
    target.write_text("# mine\n", encoding="utf-8")
    code, out, err = run(monkeypatch, capsys, "themes", "init")
    assert code == 2 and "--force" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "# mine\n"
    code, _, _ = run(monkeypatch, capsys, "themes", "init", "--force")
    assert code == 0 and target.read_text(encoding="utf-8") == theme_file_text()


def test_themes_show(home, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "themes", "show", "enforcement")
    assert code == 0
    assert out.startswith("Enforcement [enforcement]")
    assert "What to watch:" in out and "Chip Security Act" in out
    code, _, err = run(monkeypatch, capsys, "themes", "show", "enforcment")
    assert code == 2 and "did you mean 'enforcement'" in err


def _seed_store(home: Path) -> None:
    from store import Store

    def item(n: int, published: str, themes: list[str]) -> dict:
        return {
            "id": f"urn:t:{n}", "feed": "/tmp/f.xml", "feed_title": "F", "title": f"t{n}", "link": "",
            "openable": False, "summary": "", "author": "", "published": published,
            "published_estimated": False, "read": False, "starred": False,
            "themes": [{"id": t, "score": 4.0, "evidence": []} for t in themes], "entities": [],
            "story": f"urn:t:{n}",
        }

    items = [
        item(1, "2026-11-19T10:00:00Z", ["gray-market", "enforcement"]),   # within 7 days
        item(2, "2026-11-14T10:00:00Z", ["gray-market"]),                  # day 7 (inclusive)
        item(3, "2026-11-01T10:00:00Z", ["gray-market"]),                  # within 30 days only
        item(4, "2026-09-01T10:00:00Z", ["gray-market"]),                  # older
    ]
    store = Store.open(home / "db")
    with store.writer():
        store.upsert_items(items, now=datetime(2026, 11, 20, 12, tzinfo=timezone.utc))
        store.commit()
    store.close()


def test_themes_list_counts_windows(home, monkeypatch, capsys):
    from store.home import HomePaths

    assert HomePaths(home).db_dir == home / "db"
    _seed_store(home)
    code, out, err = run(monkeypatch, capsys, "themes", "list", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert [r["id"] for r in rows] == list(THEME_IDS)
    by_id = {r["id"]: r for r in rows}
    assert by_id["gray-market"]["items_7d"] == 2
    assert by_id["gray-market"]["items_30d"] == 3
    assert by_id["enforcement"]["items_7d"] == 1
    assert by_id["export-controls"]["items_30d"] == 0
    assert set(rows[0]) == {"id", "title", "items_7d", "items_30d", "source"}
    code, out, _ = run(monkeypatch, capsys, "themes", "list")
    assert code == 0 and "gray-market" in out and "The gray market" in out


def test_themes_list_without_store(home, monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "themes", "list", "--json")
    assert code == 0
    assert all(r["items_7d"] == 0 and r["source"] == "<built-in>" for r in json.loads(out))


def test_tag_in_a_real_process(tmp_path):
    env = dict(os.environ, CHIPWIRE_HOME=str(tmp_path), CHIPWIRE_NOW=NOW)
    proc = subprocess.run(
        [sys.executable, "-m", "tui.cli", "tag"], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env,
        input='{"title": "Dutch widen ASML export licence rules", "summary": ""}\nbad\n',
    )
    assert proc.returncode == 1
    assert "line 2" in proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["themes"][0]["id"] == "export-controls"
