"""``feeds import`` says which outlines it dropped and why: the reader, and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from feeds.opml import Dropped, read_opml

ROOT = Path(__file__).resolve().parents[2]

OPML = """<?xml version="1.0" encoding="utf-8"?>
<opml version="2.0"><head><title>mixed</title></head><body>
<outline text="good" xmlUrl="https://a.example/rss"/>
<outline text="evil" xmlUrl="javascript:alert(1)"/>
<outline text="inline" xmlUrl="data:text/xml,&lt;rss/&gt;"/>
<outline text="old" xmlUrl="ftp://files.example/feed.xml"/>
<outline text="local" xmlUrl="/etc/passwd"/>
<outline text="dupe" xmlUrl="HTTPS://A.example:443/rss"/>
<outline text="spaces" xmlUrl="https://b.example/a b"/>
<outline text="escape" xmlUrl="gopher://x.example/&#x9b;31mred"/>
<outline text="folder only"/>
</body></opml>
"""


def test_reader_reports_each_dropped_outline_with_line_and_reason(tmp_path: Path) -> None:
    path = tmp_path / "subs.opml"
    path.write_text(OPML, encoding="utf-8")
    dropped: list[Dropped] = []
    subs = read_opml(path, dropped=dropped)
    assert [s.url for s in subs] == ["https://a.example/rss"]
    got = [(d.line, d.reason.split(" (")[0]) for d in dropped]
    assert got == [
        (4, "javascript: URLs cannot be subscribed"),
        (5, "data: URLs cannot be subscribed"),
        (6, "ftp: URLs cannot be subscribed"),
        (7, "a local file"),
        (8, "a duplicate of line 3"),
        (9, "the URL contains spaces"),
        (10, "gopher: URLs cannot be subscribed"),
    ]
    assert all("\x9b" not in d.url and "\x1b" not in d.url for d in dropped)
    # Without the collector the result is the same list: nothing else changes.
    assert read_opml(path) == subs


def test_cli_import_names_what_it_skipped(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "feeds.toml").write_text("", encoding="utf-8")
    opml = tmp_path / "subs.opml"
    opml.write_text(OPML, encoding="utf-8")
    env = dict(os.environ, CHIPWIRE_HOME=str(home))
    env.pop("CHIPWIRE_CONFIG", None)
    done = subprocess.run([sys.executable, "-m", "tui.cli", "feeds", "import", str(opml)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "imported 1 feeds (0 already subscribed, 7 skipped)"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 7
    assert lines[0] == (f"chipwire: warning: {opml} line 4: skipped javascript:alert(1): "
                        "javascript: URLs cannot be subscribed (only http(s) feeds)")
    assert lines[3].startswith(f"chipwire: warning: {opml} line 7: skipped /etc/passwd: a local file")
    assert "\x9b" not in done.stderr and "\x1b" not in done.stderr
