"""Read-only commands on a read-only home: they work, write nothing, and never wait for the lock.

How "read-only" is tested (the suite may run as root, whom permission bits do not stop, and a
read-only bind mount needs privileges a test should not use):

* as another user: when the suite runs as root and ``setpriv`` exists, each command runs as
  ``nobody`` against a home owned by root (mode 755/644), which ``nobody`` cannot write;
* for anyone: every file's inode, size and mtime is the same after the commands, no file or
  folder appeared (no lock file on a fresh home), and with a real chipwire process holding
  the writer lock each command still answers at once (the lock's own wait is 2 s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Store

ROOT = Path(__file__).resolve().parents[2]
FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Local chips</title><link>http://example.org/</link>
<item><title>Fab capacity expands</title><link>http://example.org/1</link><guid>g1</guid>
<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate><description>More wafers.</description></item>
</channel></rss>
"""
COMMANDS = [["items"], ["items", "--json"], ["feeds", "list"], ["feeds", "list", "--json"], ["feeds", "export"],
            ["store", "info"], ["themes", "list"]]


def env_for(home: Path) -> dict[str, str]:
    env = dict(os.environ, CHIPWIRE_HOME=str(home), CHIPWIRE_NOW="2026-11-20T12:00:00Z", HOME=str(home.parent))
    env.pop("CHIPWIRE_CONFIG", None)
    return env


def run(home: Path, *args: str, prefix: list[str] | None = None, python: str = sys.executable,
        extra: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*(prefix or []), python, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**env_for(home), **(extra or {})}, input=stdin, timeout=120)


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    return {str(p.relative_to(root)): (p.lstat().st_ino, p.lstat().st_size, p.lstat().st_mtime_ns)
            for p in [root, *root.rglob("*")]}


@pytest.fixture
def world() -> Iterator[Path]:
    """A folder ``nobody`` can traverse (pytest's tmp_path lives under a 0700 folder)."""
    top = Path(tempfile.mkdtemp(prefix="chipwire-ro-", dir="/tmp"))
    top.chmod(0o755)
    try:
        yield top
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def home(world: Path) -> Path:
    feed = world / "local.xml"
    feed.write_text(FEED, encoding="utf-8")
    home = world / "home"
    home.mkdir()
    (home / "feeds.toml").write_text(f'[[feed]]\nurl = "{feed}"\n', encoding="utf-8")
    done = run(home, "refresh")
    assert done.returncode == 0, done.stderr
    for p in [home, *home.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return home


def as_nobody() -> tuple[list[str], str, dict[str, str]] | None:
    """(prefix, python, env) to run chipwire as ``nobody``, or None where that is not possible."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or not setpriv:
        return None
    prefix = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    paths = os.pathsep.join([str(ROOT), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    for python in (sys.executable, "/usr/bin/python3"):
        probe = subprocess.run([*prefix, python, "-c", "import sys; print(sys.version_info[:2])"],
                               capture_output=True, text=True, env={"PYTHONPATH": paths}, timeout=30)
        if probe.returncode == 0 and probe.stdout.strip() == str(sys.version_info[:2]):
            return prefix, python, {"PYTHONPATH": paths}
    return None


def test_read_only_commands_as_another_user_on_a_home_they_cannot_write(home: Path) -> None:
    how = as_nobody()
    if how is None:
        pytest.skip("needs root and setpriv to run a command as nobody")
    prefix, python, extra = how
    probe = subprocess.run([*prefix, python, "-c", f"open({str(home / 'probe')!r}, 'w')"], capture_output=True,
                           env=extra, timeout=30)
    assert probe.returncode != 0, "nobody can write the home: the test would prove nothing"
    before = snapshot(home)
    for args in COMMANDS:
        done = run(home, *args, prefix=prefix, python=python, extra=extra)
        assert done.returncode == 0, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert "Fab capacity expands" in run(home, "items", prefix=prefix, python=python, extra=extra).stdout
    tagged = run(home, "tag", prefix=prefix, python=python, extra=extra, stdin='{"title": "GPU export controls"}\n')
    assert tagged.returncode == 0 and json.loads(tagged.stdout)["themes"]
    assert snapshot(home) == before


def test_read_only_commands_never_wait_for_the_writer_lock(home: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from store import Store\n"
         f"s = Store.open({str(home / 'db')!r})\nwith s.writer():\n    print('held', flush=True); time.sleep(60)"],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = snapshot(home)
        for args in COMMANDS:
            # A command that waited would give up after the lock's 2 s with exit 3, not 0.
            done = run(home, *args)
            assert done.returncode == 0, (args, done.stderr)
        assert snapshot(home) == before
        # A writer does wait and give up: proof the lock really was held meanwhile.
        started = time.monotonic()
        refresh = run(home, "refresh")
        assert refresh.returncode == 3 and time.monotonic() - started >= 1.5, refresh.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_fresh_home_stays_empty(world: Path) -> None:
    """No feeds.toml, no db: the read-only commands show the defaults and create nothing."""
    home = world / "fresh"
    home.mkdir()
    for args in COMMANDS:
        done = run(home, *args)
        assert done.returncode == 0, (args, done.stderr)
    assert list(home.iterdir()) == []
    listed = json.loads(run(home, "feeds", "list", "--json").stdout)
    assert listed and all(row["status"] == "never" for row in listed)
    assert "the defaults" in run(home, "feeds", "list").stderr


def test_open_read_only_takes_no_lock_and_refuses_writes(home: Path, world: Path) -> None:
    from store import StoreError

    (home / "db" / ".lock").unlink()
    before = snapshot(home)
    with Store.open_read_only(home / "db") as store:
        assert store.day_counts()
        with pytest.raises(StoreError, match="read-only"):
            store.set_flags(["x"], read=True)
    assert not (home / "db" / ".lock").exists()
    assert snapshot(home) == before
    with Store.open_read_only(world / "missing" / "db") as empty:
        assert empty.day_counts() == {}
    assert not (world / "missing").exists()
