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

GOLDEN = Path(__file__).parent / "golden"
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
    return sum(1 for t in MD.parse(text) if t.type == "list_item_open" and t.level == 1)


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


def test_since_last_exports_nothing_the_second_time(home: Path, capsys) -> None:
    code, first, _ = export(capsys, "--since-last", "-o", "-")
    assert code == 0 and stories(first) == 24
    code, second, err = export(capsys, "--since-last", "-o", "-")
    assert code == 0 and stories(second) == 0
    assert "no new items" in err
    assert "Only items that no earlier digest contained." in second
    # a wider range brings only the items no digest has listed yet
    code, week, _ = export(capsys, "--week", "--since-last", "-o", "-")
    assert code == 0
    assert "Summit ends with no chip truce" in week and "Cloud providers ration H200" not in week


def test_every_export_is_remembered_not_only_since_last(home: Path, capsys) -> None:
    assert export(capsys, "--theme", "enforcement", "-o", "-")[0] == 0
    code, out, _ = export(capsys, "--since-last", "-o", "-")
    assert code == 0
    assert "Broker in fictional port" not in out  # it was in the enforcement digest
    assert "BIS proposes lower performance threshold" in out
    from store import Store

    store = Store.open(home / "db", readonly=True)
    try:
        log = store.meta("exports")["log"]
    finally:
        store.close()
    assert [entry["range"] for entry in log] == ["2026-11-20", "2026-11-20"]
    assert log[0]["file"] == "-" and log[0]["at"] == NOW_ENV


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
    assert headings == ["## Theme pulse", "## The gray market"]
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
    assert [l for l in out.splitlines() if l.startswith("## ")] == ["## Theme pulse", "## Other"]
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
