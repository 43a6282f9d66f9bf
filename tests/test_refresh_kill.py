"""A refresh killed or stopped at any moment leaves no process and no lock behind.

Real processes only: ``python -m tui.cli refresh`` against a FaultServer on 127.0.0.1 (100
feeds, a little latency so the run lasts a couple of seconds), ended by SIGKILL, SIGTERM or a
Ctrl-C to its process group at several moments. After each: no process still has ``db/.lock``
open (``/proc/*/fd``), no process of the run is left (each run is tagged by an environment
variable, which children inherit), nothing committed before is lost, and the next refresh
takes the lock at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from faultserver import FaultServer
from feeds.subscriptions import Subscription, save_subscriptions
from store import Store
from store.home import HomePaths

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc (Linux)")

ROOT = Path(__file__).resolve().parent.parent
FEEDS = 100
ITEMS = 20
#: The FaultServer's feeds are dated just before this (inside the retention window).
NOW = "2025-12-01T00:00:00Z"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with FaultServer(latency=0.12, items=ITEMS) as srv:
        yield srv


def make_home(tmp_path: Path, server: FaultServer, feeds: range) -> HomePaths:
    paths = HomePaths(tmp_path / "home")
    paths.ensure()
    # Few connections at once, so 100 feeds x 120 ms latency take about three seconds.
    paths.config_file.write_text("[fetch]\nconnect_timeout = 2.0\nread_timeout = 2.0\ndeadline = 5.0\n"
                                 "concurrency = 4\nper_host = 4\n", encoding="utf-8")
    save_subscriptions(paths.feeds_file, [Subscription(server.feed_url(i)) for i in feeds])
    return paths


def start(paths: HomePaths, tag: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, CHIPWIRE_HOME=str(paths.root), CHIPWIRE_TEST_RUN=tag, CHIPWIRE_NOW=NOW)
    return subprocess.Popen([sys.executable, "-m", "tui.cli", "refresh", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def processes_tagged(tag: str) -> list[int]:
    """Pids of live processes whose environment carries this run's tag (children inherit it)."""
    needle = f"CHIPWIRE_TEST_RUN={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_bytes().rsplit(b")", 1)[-1].split()[0]
        except OSError:
            continue
        if needle in environ.split(b"\0") and state != b"Z":
            found.append(int(entry.name))
    return found


def lock_holders(paths: HomePaths) -> list[int]:
    target = os.path.realpath(paths.db_dir / ".lock")
    holders = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) == target:
                    holders.append(int(entry.name))
                    break
        except OSError:
            continue
    return holders


def assert_nothing_left(paths: HomePaths, tag: str) -> None:
    """Within a couple of seconds (the parent-watch interval), every process of the run is gone."""
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        left, holders = processes_tagged(tag), lock_holders(paths)
        if not left and not holders:
            return
        time.sleep(0.05)
    cmdlines = {p: Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ")[:120] for p in left
                if Path(f"/proc/{p}").exists()}
    for pid in left:  # do not leak them into the rest of the suite
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    raise AssertionError(f"left behind: processes {cmdlines}, lock held by {holders}")


def stored(paths: HomePaths) -> int:
    store = Store.open(paths.db_dir, readonly=True)
    try:
        return store.total_items()
    finally:
        store.close()


def wait_until_running(proc: subprocess.Popen, delay: float) -> None:
    time.sleep(delay)
    assert proc.poll() is None, f"the refresh ended before the signal: {proc.communicate()}"


def killed(proc: subprocess.Popen) -> None:
    """SIGKILL the refresh; wait for its pid only (a leftover child would hold its pipes)."""
    proc.kill()
    proc.wait(timeout=10)
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()


def wait_for_children(proc: subprocess.Popen, tag: str, count: int = 2, limit: float = 10.0) -> None:
    """Until the run has ``count`` processes (the refresh and its parse worker(s))."""
    deadline = time.monotonic() + limit
    while len(processes_tagged(tag)) < count:
        assert proc.poll() is None, f"the refresh ended before its workers were seen: {proc.communicate()}"
        assert time.monotonic() < deadline, "no parse worker appeared next to the refresh"
        time.sleep(0.02)


def next_refresh_starts_at_once(paths: HomePaths, tag: str) -> None:
    """The next refresh takes the lock at once (a stale one would mean exit 3 after a 2 s wait)."""
    started = time.monotonic()
    proc = start(paths, tag, "--feed", paths_first_feed(paths))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"being written" not in err
    assert time.monotonic() - started < 15


def paths_first_feed(paths: HomePaths) -> str:
    from feeds.subscriptions import load_subscriptions

    return load_subscriptions(paths.feeds_file)[0].url


@pytest.mark.parametrize("delay", [0.4, 1.2, 2.0])
def test_sigkill_of_a_cold_refresh_leaves_nothing(tmp_path: Path, server: FaultServer, delay: float) -> None:
    paths = make_home(tmp_path, server, range(FEEDS))
    # Something committed first: the first feed.
    first = start(paths, "seed", "--feed", server.feed_url(0))
    first.communicate(timeout=60)
    before = stored(paths)
    assert before == ITEMS
    tag = uuid.uuid4().hex
    proc = start(paths, tag, "--force")
    wait_for_children(proc, tag)
    wait_until_running(proc, delay)
    killed(proc)
    assert_nothing_left(paths, tag)
    assert stored(paths) >= before
    next_refresh_starts_at_once(paths, uuid.uuid4().hex)


def test_sigkill_of_an_everyday_refresh_kills_the_standby_worker(tmp_path: Path, server: FaultServer) -> None:
    paths = make_home(tmp_path, server, range(FEEDS))
    seed = start(paths, "seed")
    seed.communicate(timeout=120)
    before = stored(paths)
    assert before == FEEDS * ITEMS
    tag = uuid.uuid4().hex
    proc = start(paths, tag, "--force")  # every feed has validators: 304s, one standby worker
    wait_for_children(proc, tag)
    time.sleep(0.2)
    killed(proc)
    assert_nothing_left(paths, tag)
    assert stored(paths) == before
    next_refresh_starts_at_once(paths, uuid.uuid4().hex)


@pytest.mark.parametrize(("how", "delay"), [("SIGTERM", 0.6), ("SIGTERM", 1.8), ("SIGINT-group", 1.2)])
def test_a_stopped_refresh_stores_what_it_parsed(tmp_path: Path, server: FaultServer, how: str,
                                                 delay: float) -> None:
    paths = make_home(tmp_path, server, range(FEEDS))
    tag = uuid.uuid4().hex
    proc = start(paths, tag)
    wait_until_running(proc, delay)
    if how == "SIGTERM":
        proc.send_signal(signal.SIGTERM)  # what cron's timeout and systemd send to the refresh
        expected = 143
    else:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        expected = 130
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == expected, (out.decode(), err.decode())
    assert b"Traceback" not in err, err.decode()
    lines = out.decode().strip().splitlines()
    assert lines[-1].startswith("interrupted: stored "), out.decode()
    new = int(lines[-1].split()[2])
    assert stored(paths) == new  # what it said it stored is there, and nothing else
    assert_nothing_left(paths, tag)
    # The feeds cut short were not marked fetched: the next refresh brings the rest.
    rest = start(paths, uuid.uuid4().hex)
    out, err = rest.communicate(timeout=120)
    assert rest.returncode == 0, err.decode()
    assert stored(paths) == FEEDS * ITEMS


def test_sigkill_of_the_apps_refresh_leaves_nothing(tmp_path: Path, server: FaultServer) -> None:
    """The app refreshes in a thread of a process with threads: forkserver workers, not fork."""
    paths = make_home(tmp_path, server, range(FEEDS))
    script = textwrap.dedent(f"""
        import threading
        from pathlib import Path
        threading.Thread(target=threading.Event().wait, daemon=True).start()  # an app has threads
        from core.refresh import refresh
        from core.settings import load_settings
        from store.home import HomePaths
        paths = HomePaths(Path({str(paths.root)!r}))
        settings = load_settings(paths.config_file)
        from core.refresh import from_iso
        kwargs = {{"settings": settings, "now": from_iso({NOW!r})}}
        worker = threading.Thread(target=refresh, args=(paths,), kwargs=kwargs)
        worker.start()
        worker.join()
    """)
    tag = uuid.uuid4().hex
    env = dict(os.environ, CHIPWIRE_TEST_RUN=tag)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    wait_for_children(proc, tag, count=3)  # the forkserver and at least one worker
    time.sleep(0.5)
    killed(proc)
    assert_nothing_left(paths, tag)
    next_refresh_starts_at_once(paths, uuid.uuid4().hex)
