"""``chipwire export`` on a real home seeded with the digest fixtures and a frozen clock.

Most tests call ``tui.cli.main`` in-process (fast); one runs the real console entry in a
subprocess to prove the bytes on stdout are the UTF-8 digest, unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from digest_fixtures import NOW_ENV, seed_store
from tui.cli import main

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
MD = MarkdownIt("commonmark").enable("table")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    seed_store(h / "db")
    (h / "feeds.toml").write_text("# test home\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("CHIPWIRE_HOME", str(h))
    monkeypatch.setenv("CHIPWIRE_NOW", NOW_ENV)
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    return h


def export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["export", *args])
    out, err = capsys.readouterr()
    return code, out, err


def stories(text: str) -> int:
    """Stories listed under the theme sections (bullets; "The day in five" is a numbered list)."""
    count, kind = 0, ""
    for token in MD.parse(text):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            kind = token.type
        elif token.type == "list_item_open" and token.level == 1 and kind == "bullet_list_open":
            count += 1
    return count


def sent_log(home: Path) -> list[dict]:
    from store import Store

    store = Store.open(home / "db", readonly=True)
    try:
        return (store.meta("exports") or {}).get("log", [])
    finally:
        store.close()


def golden_text(name: str) -> str:
    """A golden digest with the installed version in its footer (goldens use 9.9.9)."""
    from core.version import __version__

    return (GOLDEN / name).read_text(encoding="utf-8").replace("chipwire 9.9.9 on", f"chipwire {__version__} on")


def test_default_file_is_todays_digest_in_the_current_folder(home: Path, capsys) -> None:
    code, out, err = export(capsys)
    path = Path.cwd() / "chipwire-digest-2026-11-20.md"
    assert code == 0 and out == ""
    assert str(path) in err
    assert path.read_text(encoding="utf-8") == golden_text("day-2026-11-20.md")


def test_dash_writes_stdout_and_no_file(home: Path, capsys) -> None:
    code, out, err = export(capsys, "--day", "2026-11-20", "-o", "-")
    assert code == 0
    assert out == golden_text("day-2026-11-20.md")
    assert list(Path.cwd().iterdir()) == []
    assert "stdout" in err


def test_refuses_to_overwrite_without_force(home: Path, capsys) -> None:
    target = Path.cwd() / "chipwire-digest-2026-11-20.md"
    target.write_text("my notes\n", encoding="utf-8")
    code, _, err = export(capsys)
    assert code == 2
    assert "already exists" in err and "--force" in err and "Traceback" not in err
    assert target.read_text(encoding="utf-8") == "my notes\n"
    code, _, _ = export(capsys, "--force")
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("# chipwire digest: 2026-11-20\n")
    assert not [p for p in Path.cwd().iterdir() if p.name.startswith(".chipwire-digest-")]


def test_output_to_a_folder_or_a_named_file(home: Path, capsys, tmp_path: Path) -> None:
    folder = tmp_path / "digests"
    folder.mkdir()
    assert export(capsys, "-o", str(folder))[0] == 0
    assert (folder / "chipwire-digest-2026-11-20.md").is_file()
    assert export(capsys, "-o", "notes.md")[0] == 0
    assert (Path.cwd() / "notes.md").is_file()
    code, _, err = export(capsys, "-o", str(tmp_path / "missing" / "x.md"))
    assert code == 2 and "does not exist" in err


def test_since_last_counts_only_digests_written_to_a_file(home: Path, capsys) -> None:
    code, first, err = export(capsys, "--since-last", "-o", "-")
    assert code == 0 and stories(first) == 20 and "a preview, not recorded as sent" in err
    assert export(capsys, "--since-last", "-o", "-")[1] == first  # a preview uses nothing up
    code, _, err = export(capsys, "--since-last", "--all")
    assert code == 0 and "chipwire-digest-2026-11-20.md (24 stories" in err and "preview" not in err
    code, second, err = export(capsys, "--since-last", "-o", "-")
    assert code == 0 and stories(second) == 0
    assert "nothing new since the last sent digest" in err
    assert "Nothing new since the last digest" in second and "| Theme |" not in second  # no table of zeros
    # a wider range brings only the items no digest has listed yet
    code, week, _ = export(capsys, "--week", "--since-last", "-o", "-")
    assert code == 0
    assert "Summit ends with no chip truce" in week and "Cloud providers ration H200" not in week


def test_a_preview_then_a_since_last_export_keeps_every_new_item(home: Path, capsys) -> None:
    code, preview, _ = export(capsys, "--query", "H20", "-o", "-")
    assert code == 0 and "Orders for throttled H20 parts" in preview
    code, out, err = export(capsys, "--query", "H20", "--dry-run")
    assert code == 0 and out == "" and list(Path.cwd().iterdir()) == [] and sent_log(home) == []
    assert "dry run: would write " + str(Path.cwd() / "chipwire-digest-2026-11-20.md") in err
    code, _, _ = export(capsys, "--since-last", "--all", "-o", "sent.md")
    assert code == 0
    assert "Orders for throttled H20 parts" in (Path.cwd() / "sent.md").read_text(encoding="utf-8")
    assert [e["file"] for e in sent_log(home)] == [str(Path.cwd() / "sent.md")]


def test_record_makes_a_preview_count_as_sent(home: Path, capsys) -> None:
    code, _, err = export(capsys, "--theme", "enforcement", "-o", "-", "--record")
    assert code == 0 and "preview" not in err
    code, out, _ = export(capsys, "--since-last", "-o", "-")
    assert code == 0
    assert "Broker in fictional port" not in out  # it was in the recorded enforcement digest
    assert "BIS proposes lower performance threshold" in out
    log = sent_log(home)
    assert [entry["range"] for entry in log] == ["2026-11-20"]
    assert log[0]["file"] == "-" and log[0]["at"] == NOW_ENV


def test_a_preview_needs_no_writer_lock(home: Path, capsys) -> None:
    """Another process (a refresh) holds the writer lock: a stdout preview still works."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time\n"
         "fd = open(sys.argv[1], 'a'); fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
         str(home / "db" / ".lock")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, out, err = export(capsys, "-o", "-")
        assert code == 0, err
        assert out == golden_text("day-2026-11-20.md")
    finally:
        holder.kill()
        holder.wait(timeout=10)


@pytest.mark.parametrize("args", [
    ("--week", "--per-theme", "1", "--tagged-only"),
    ("--day", "2026-11-20", "--per-theme", "1"),
    ("--day", "2026-11-20", "--per-theme", "1", "--query", "+enforcement", "--unread"),
    ("--week", "--per-theme", "1", "--theme", "gray-market", "--theme", "export-controls"),
])
def test_each_more_line_s_command_lists_the_stories_left_out(home: Path, capsys, args: tuple[str, ...]) -> None:
    import json
    import re

    code, capped, _ = export(capsys, *args, "-o", "-")
    assert code == 0
    commands = re.findall(r"^and \d+ more stor(?:y|ies) — `chipwire items --query '([^']+)'`$", capped, re.M)
    assert commands, capped
    listed: set[str] = set()
    for query in commands:
        code = main(["items", "--json", "--query", query])
        out, _ = capsys.readouterr()
        assert code == 0
        listed |= {item["id"] for item in json.loads(out)}
    # the same request, capped and not, through the core both faces use
    left_out = set(build_uncapped(home, args).item_ids) - set(build_uncapped(home, args, capped=True).item_ids)
    assert left_out and left_out <= listed


def build_uncapped(home: Path, args: tuple[str, ...], *, capped: bool = False):
    """The digest ``chipwire export ARGS`` builds, without its per-theme cap unless ``capped``."""
    import argparse
    from dataclasses import replace

    from core.export import build
    from store import Store
    from store.home import HomePaths
    from tui.cli import export_cmd
    from tui.cli.context import Context

    parser = argparse.ArgumentParser()
    export_cmd.register(parser.add_subparsers())
    ctx = Context(paths=HomePaths(home))
    request = export_cmd._request(parser.parse_args(["export", *args]), ctx, ctx.now())
    if not capped:
        request = replace(request, options=replace(request.options, per_theme=None))
    store = Store.open(home / "db", readonly=True)
    try:
        return build(store, ctx.themes(), request, now=ctx.now(), version="t")
    finally:
        store.close()


def test_week_names_the_iso_week(home: Path, capsys) -> None:
    code, _, err = export(capsys, "--week")
    assert code == 0
    text = (Path.cwd() / "chipwire-digest-2026-W47.md").read_text(encoding="utf-8")
    assert text.startswith("# chipwire digest: week 2026-W47 (2026-11-16 to 2026-11-22)\n")
    code, out, _ = export(capsys, "--week", "2026-11-10", "-o", "-")
    assert code == 0 and out.startswith("# chipwire digest: week 2026-W46 (2026-11-09 to 2026-11-15)\n")
    assert "Weekend read: the two-stack future" in out


def test_range_file_name(home: Path, capsys) -> None:
    assert export(capsys, "--from", "2026-11-16", "--to", "2026-11-20")[0] == 0
    assert (Path.cwd() / "chipwire-digest-2026-11-16_2026-11-20.md").is_file()
    code, _, err = export(capsys, "--week", "--day", "2026-11-20")
    assert code == 2 and "not both" in err
    code, _, err = export(capsys, "--from", "2026-11-20", "--to", "2026-11-19")
    assert code == 2 and "before" in err


def test_theme_filter_and_bad_theme(home: Path, capsys) -> None:
    code, out, _ = export(capsys, "--theme", "gray-market", "-o", "-")
    assert code == 0
    headings = [l for l in out.splitlines() if l.startswith("## ")]
    assert headings == ["## Theme pulse", "## The gray market · 3 stories"]
    code, out, err = export(capsys, "--theme", "grey-market")
    assert code == 2
    assert "unknown theme 'grey-market'" in err and "did you mean 'gray-market'" in err
    assert list(Path.cwd().iterdir()) == []


def test_ignore_rules_hide_items(home: Path, capsys) -> None:
    (home / "ignore.toml").write_text('[[rule]]\nname = "evil"\nfeed = "evil.example"\n', encoding="utf-8")
    code, out, _ = export(capsys, "-o", "-")
    assert code == 0
    assert "Evil" not in out and "18 hidden by ignore rules" in out


def test_real_process_writes_utf8_bytes(home: Path) -> None:
    env = dict(os.environ, PYTHONIOENCODING="ascii")  # the digest must not depend on the locale
    proc = subprocess.run([sys.executable, "-m", "tui.cli", "export", "-o", "-"], capture_output=True, env=env,
                          cwd=Path.cwd(), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode("utf-8") == golden_text("day-2026-11-20.md")


def test_other_selects_untagged_items(home: Path, capsys) -> None:
    code, out, _ = export(capsys, "--theme", "other", "-o", "-")
    assert code == 0
    assert [l for l in out.splitlines() if l.startswith("## ")] == ["## The day in five", "## Theme pulse", "## Other · 10 stories"]
    assert "| Other | " in out and "Startup shows liquid cooling plate" in out


def test_an_empty_home_is_an_error_not_a_new_store(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CHIPWIRE_NOW", NOW_ENV)
    code = main(["--home", str(tmp_path / "nowhere"), "export"])
    assert code == 2 and "run 'chipwire refresh' first" in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()
    assert list(tmp_path.iterdir()) == []


def test_the_app_and_the_cli_name_digests_alike_and_never_reuse_a_name(tmp_path: Path) -> None:
    from tui.cli.context import write_output
    from core.digest_file import write_new

    first = write_new(tmp_path, "2026-11-20", "a\n")
    second = write_new(tmp_path, "2026-11-20", "b\n")
    assert (first.name, second.name) == ("chipwire-digest-2026-11-20.md", "chipwire-digest-2026-11-20-2.md")
    assert (first.read_text(), second.read_text()) == ("a\n", "b\n")
    with pytest.raises(Exception, match="already exists"):
        write_output(first, "c\n")
    assert first.read_text() == "a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, second.name])  # no temp files left


def test_tz_shows_item_times_in_that_zone_and_keeps_utc_days(home: Path, capsys) -> None:
    """Asia/Taipei is UTC+8 all year: every time moves by 8 h, the items and days stay."""
    import re
    from datetime import datetime, timedelta

    code, utc, _ = export(capsys, "--day", "2026-11-20", "-o", "-")
    assert code == 0
    code, taipei, err = export(capsys, "--day", "2026-11-20", "-o", "-", "--tz", "Asia/Taipei")
    assert code == 0, err
    stamp = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d) (UTC|CST)")

    def item_times(text: str, zone: str) -> list[datetime]:  # bullets only: the footer stays UTC
        bullets = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("- "))
        return [datetime.strptime(t, "%Y-%m-%d %H:%M") for t, z in stamp.findall(bullets) if z == zone]

    utc_times, local_times = item_times(utc, "UTC"), item_times(taipei, "CST")
    assert utc_times and len(local_times) == len(utc_times)
    assert [t + timedelta(hours=8) for t in utc_times] == local_times
    assert stories(taipei) == stories(utc)
    assert taipei.splitlines()[0] == utc.splitlines()[0]  # same range title: UTC days


def test_unknown_tz_is_a_usage_error_with_suggestions(home: Path, capsys) -> None:
    code, out, err = export(capsys, "--tz", "Europe/Berln", "-o", "-")
    assert code == 2 and out == ""
    assert "unknown time zone 'Europe/Berln'" in err and "Europe/Berlin" in err and "Traceback" not in err
    code, out, _ = export(capsys, "--tz", "local", "-o", "-")
    assert code == 0 and out.startswith("# chipwire digest")


def test_the_config_zone_is_the_default_and_tz_overrides_it(home: Path, capsys) -> None:
    (home / "config.toml").write_text('[export]\ntz = "Asia/Taipei"\n', encoding="utf-8")
    code, taipei, _ = export(capsys, "--day", "2026-11-20", "-o", "-")
    assert code == 0 and " CST" in taipei
    code, utc, _ = export(capsys, "--day", "2026-11-20", "-o", "-", "--tz", "UTC")
    assert code == 0 and " CST" not in utc
    assert utc == golden_text("day-2026-11-20.md")


def test_digests_get_the_umask_s_usual_permissions(tmp_path: Path) -> None:
    """A digest is meant to be shared: not the 0600 of a private temp file."""
    import os

    from core.digest_file import write_new

    old = os.umask(0o022)
    try:
        path = write_new(tmp_path, "2026-11-20", "a\n")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_a_digest_written_while_the_store_is_locked_exits_3_and_says_it_was_not_recorded(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The exit code is a contract: a locked store is 3 (a cron job retries on it), never 1,
    which means "some feeds failed". The file is still written; the log is not touched."""
    root = Path(__file__).resolve().parents[1]
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from store import Store\n"
         f"s = Store.open({str(home / 'db')!r})\nwith s.writer():\n    print('held', flush=True); time.sleep(60)"],
        cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        code, _out, err = export(capsys, "--day", "2026-11-20", "-o", "sent.md")
    finally:
        holder.kill()
        holder.wait()
    assert code == 3, err
    assert "not recorded" in err and "another chipwire process" in err
    assert Path("sent.md").read_text(encoding="utf-8").startswith("# chipwire digest: 2026-11-20")
    assert sent_log(home) == []
