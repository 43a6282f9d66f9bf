"""``chipwire label`` end to end: real processes, a loopback feed server, a real store.

The person rejects a theme and adds one; the correction holds through ``retag`` and through a
re-tag on refresh, a near-identical item from a second feed takes it (with evidence naming the
corrected item), ``--export`` writes a set ``briefing.evaluate.load_rows`` reads, and
``--clear`` gives the tagger its say back everywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.evaluate import load_rows
from tests.faultserver import FaultServer

ROOT = Path(__file__).resolve().parents[1]

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{name}</title><link>https://example.com/</link><description>t</description>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://example.com/{guid}</link><guid>urn:{guid}</guid>
<pubDate>{date}</pubDate><description>{summary}</description></item>"""

CASE = "Broker charged with smuggling accelerator boards to a Penang shell company"
# The tagger reads the tightened rules as rule news (export-controls); the person disagrees.
# (A bare mention of the controls in a smuggling case no longer tags export-controls at all.)
CASE_TEXT = ("Prosecutors said falsified end-user papers were used, a year after Washington tightened "
             "export controls on accelerator boards.")
OTHER = "Foundry opens second packaging line in Arizona"


def rss(name: str, items: list[tuple[str, str, str, str]]) -> bytes:
    body = "\n".join(ITEM.format(guid=g, title=t, summary=s, date=d) for g, t, s, d in items)
    return RSS.format(name=name, items=body).encode("utf-8")


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, CHIPWIRE_HOME=str(home), CHIPWIRE_NOW="2026-11-24T12:00:00Z")
    env.pop("CHIPWIRE_CONFIG", None)
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=120)


def items_by_id(home: Path) -> dict[str, dict]:
    r = cli(home, "items", "--json")
    assert r.returncode == 0, r.stderr
    return {i["id"]: i for i in json.loads(r.stdout)}


def theme_ids(item: dict) -> list[str]:
    return [t["id"] for t in item["themes"]]


@pytest.fixture
def server():
    with FaultServer() as s:
        yield s


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    (h / "feeds.toml").write_text("# test home\n", encoding="utf-8")
    return h


def test_a_correction_holds_through_retag_and_refresh_and_spreads_to_a_second_feed(
        home: Path, server: FaultServer, tmp_path: Path) -> None:
    one = server.register_feed("/one.xml", rss("One", [
        ("one/1", CASE, CASE_TEXT, "Fri, 20 Nov 2026 10:00:00 GMT"),
        ("one/2", OTHER, "A new line for advanced packaging.", "Fri, 20 Nov 2026 11:00:00 GMT"),
    ]))
    assert cli(home, "feeds", "add", one, "--title", "One").returncode == 0
    assert cli(home, "refresh").returncode == 0
    before = items_by_id(home)["urn:one/1"]
    assert "export-controls" in theme_ids(before)  # the tagger's reading, which the person rejects
    assert {t["source"] for t in before["themes"]} == {"rule"}

    r = cli(home, "label", "urn:one/1", "-export-controls", "+compute-geopolitics", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["correction"]["rejected"] == ["export-controls"]
    after = items_by_id(home)["urn:one/1"]
    assert "export-controls" not in theme_ids(after)
    added = next(t for t in after["themes"] if t["id"] == "compute-geopolitics")
    assert added["source"] == "user" and added["evidence"][0] == "you added this theme"
    assert all(t["source"] == "rule" for t in after["themes"] if t["id"] != "compute-geopolitics")

    # A full re-tag recomputes every tag: the correction is applied again, not lost.
    assert cli(home, "retag").returncode == 0
    assert items_by_id(home)["urn:one/1"]["themes"] == after["themes"]

    # The feed edits the item: a refresh re-tags it, and the correction still holds.
    server.register_feed("/one.xml", rss("One", [
        ("one/1", CASE, CASE_TEXT + " The export controls case continues.", "Fri, 20 Nov 2026 10:00:00 GMT"),
    ]))
    assert cli(home, "refresh", "--force").returncode == 0
    edited = items_by_id(home)["urn:one/1"]
    assert "continues" in edited["summary"]
    assert "export-controls" not in theme_ids(edited) and "compute-geopolitics" in theme_ids(edited)

    # Four days later another feed re-posts it (past the story window, within the spread window).
    two = server.register_feed("/two.xml", rss("Two", [
        ("two/1", CASE + " - Two Wire", CASE_TEXT, "Tue, 24 Nov 2026 09:00:00 GMT"),
        ("two/2", "Regulators ease rules for export controls on older chips", "Export controls are eased.",
         "Tue, 24 Nov 2026 09:30:00 GMT"),
    ]))
    assert cli(home, "feeds", "add", two, "--title", "Two").returncode == 0
    assert cli(home, "refresh").returncode == 0
    stored = items_by_id(home)
    repost = stored["urn:two/1"]
    assert repost["story"] != stored["urn:one/1"]["story"]  # matched by its text, not by story
    assert "export-controls" not in theme_ids(repost)
    spread = next(t for t in repost["themes"] if t["id"] == "compute-geopolitics")
    assert spread["source"] == "user"
    assert spread["evidence"][0] == f"as you corrected \u201c{CASE}\u201d"
    assert repost["correction"]["item"] == "urn:one/1"
    assert "export-controls" in theme_ids(stored["urn:two/2"])  # other news keeps the tagger's tags

    # The corrections as a labelled set: what `chipwire eval` (load_rows) reads.
    out = tmp_path / "mine.jsonl"
    r = cli(home, "label", "--export", "-o", str(out))
    assert r.returncode == 0, r.stderr
    rows = load_rows(out)
    assert len(rows) == 1 and rows[0]["title"] == CASE
    assert "compute-geopolitics" in rows[0]["themes"] and "export-controls" not in rows[0]["themes"]
    assert rows[0]["themes"] == theme_ids(edited)
    assert cli(home, "label", "--export", "-o", str(out)).returncode == 2  # never overwrites unasked

    listed = cli(home, "label", "--list", "--json")
    assert [c["id"] for c in json.loads(listed.stdout)] == ["urn:one/1"]

    # Clearing gives the tagger its say back, on the item and where the correction had spread.
    assert cli(home, "label", "urn:one/1", "--clear").returncode == 0
    cleared = items_by_id(home)
    assert "export-controls" in theme_ids(cleared["urn:one/1"])
    assert "compute-geopolitics" not in theme_ids(cleared["urn:two/1"])
    assert "correction" not in cleared["urn:two/1"]


def test_unknown_theme_and_unknown_item_are_usage_errors(home: Path, server: FaultServer) -> None:
    one = server.register_feed("/one.xml", rss("One", [("one/1", CASE, CASE_TEXT, "Fri, 20 Nov 2026 10:00:00 GMT")]))
    assert cli(home, "feeds", "add", one).returncode == 0
    assert cli(home, "refresh").returncode == 0
    shown = cli(home, "label", "urn:one/1")  # no changes: show the themes, store nothing
    assert shown.returncode == 0 and shown.stdout.startswith(CASE) and "themes:" in shown.stdout
    r = cli(home, "label", "urn:one/1", "+gray")
    assert r.returncode == 2 and "unknown theme 'gray'" in r.stderr and "gray-market" in r.stderr
    assert r.stderr.count("\n") == 1
    r = cli(home, "label", "urn:nope", "-enforcement")
    assert r.returncode == 2 and "urn:nope" in r.stderr
    r = cli(home, "label", "urn:one/1", "enforcement")
    assert r.returncode == 2 and "+THEME or -THEME" in r.stderr
    assert not (home / "db" / "corrections.json").exists()  # nothing was stored by a refused command
    assert cli(home, "label", "--list").stdout == ""
