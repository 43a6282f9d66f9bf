"""The headless CLI end to end, in real processes, on real homes and real local feed files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_ITEM_FIELDS = {"id", "feed", "feed_title", "title", "link", "openable", "summary", "published",
                        "fetched", "read", "starred", "themes", "entities", "story"}

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Test wire</title><link>https://example.com/</link>
<description>t</description>
{items}
</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://example.com/{stem}/{n}</link><guid>urn:test:{stem}:{n}</guid>
<pubDate>{date}</pubDate><description>{summary}</description></item>"""


def write_feed(path: Path, items: list[tuple[str, str]], date: str = "Fri, 20 Nov 2026 10:00:00 GMT") -> Path:
    body = "\n".join(ITEM.format(title=t, summary=s, n=i, date=date, stem=path.stem) for i, (t, s) in enumerate(items))
    path.write_text(RSS.format(items=body), encoding="utf-8")
    return path


def cli(home: Path, *args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, CHIPWIRE_HOME=str(home), CHIPWIRE_NOW="2026-11-20T12:00:00Z")
    full_env.pop("CHIPWIRE_CONFIG", None)
    if env:
        full_env.update(env)
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          input=stdin, env=full_env, timeout=120)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    # An empty subscription list so the curated (internet) defaults are never fetched here.
    (h / "feeds.toml").write_text("# test home\n", encoding="utf-8")
    return h


def test_version() -> None:
    out = subprocess.run([sys.executable, "-m", "tui.cli", "--version"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0
    assert out.stdout.startswith("chipwire ")


def test_the_console_script_freezes_what_the_command_made_before_exit(home: Path) -> None:
    """``chipwire`` is ``tui.cli:run``: the command's code, then gc.freeze() so the interpreter's
    last collection need not walk every object a refresh made (~50 ms) on the way out."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts["chipwire"] == "tui.cli:run"
    probe = ("import gc, sys\nfrom tui.cli import run\ncode = run(['--home', sys.argv[1], 'items', '--json'])\n"
             "print(code, gc.get_freeze_count() > 0)")
    out = subprocess.run([sys.executable, "-c", probe, str(home)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[-1] == "0 True"


@pytest.mark.parametrize(
    "args",
    [["--help"], ["refresh", "--help"], ["items", "--help"], ["feeds", "--help"], ["feeds", "add", "--help"],
     ["feeds", "list", "--help"], ["feeds", "remove", "--help"], ["feeds", "import", "--help"],
     ["feeds", "export", "--help"], ["retag", "--help"], ["store", "--help"]],
)
def test_help_on_every_subcommand(args: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "tui.cli", *args], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "usage: chipwire" in out.stdout


def test_add_refresh_items_json(home: Path, tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "wire.xml", [
        ("US widens export controls on AI accelerators", "<p>The Commerce Department's BIS added rules.</p>"),
        ("Broker charged with smuggling Nvidia GPUs to China", "<p>Prosecutors said the DOJ case involved H100 chips.</p>"),
    ])
    assert cli(home, "feeds", "add", str(feed), "--title", "My wire").returncode == 0
    listed = json.loads(cli(home, "feeds", "list", "--json").stdout)
    assert [f["url"] for f in listed] == [str(feed.resolve())]
    assert listed[0]["status"] == "never"

    r = cli(home, "refresh", "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["new"] == 2 and report["failed"] == 0
    assert report["feeds"][0]["status"] == "ok"

    items = json.loads(cli(home, "items", "--json").stdout)
    assert len(items) == 2
    for item in items:
        assert REQUIRED_ITEM_FIELDS <= item.keys()
        assert item["feed_title"] == "My wire"
        assert item["published"] == "2026-11-20T10:00:00Z"
        assert item["read"] is False and item["starred"] is False
        assert item["openable"] is True
    themes = {t["id"] for i in items for t in i["themes"]}
    assert "export-controls" in themes

    # Second refresh: the file is unchanged, nothing is parsed or added.
    again = json.loads(cli(home, "refresh", "--json").stdout)
    assert again["new"] == 0
    assert again["feeds"][0]["status"] in {"unchanged", "not-modified"}

    listed = json.loads(cli(home, "feeds", "list", "--json").stdout)
    assert listed[0]["items"] == 2 and listed[0]["last_success"] == "2026-11-20T12:00:00Z"


def test_one_failing_feed_gives_exit_1_and_keeps_the_rest(home: Path, tmp_path: Path) -> None:
    good = write_feed(tmp_path / "good.xml", [("TSMC adds capacity for AI chips", "Advanced packaging.")])
    html = tmp_path / "page.xml"
    html.write_text("<!doctype html><html><body><p>Not a feed</p></body></html>", encoding="utf-8")
    assert cli(home, "feeds", "add", str(good)).returncode == 0
    assert cli(home, "feeds", "add", str(html)).returncode == 0
    r = cli(home, "refresh", "--json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    status = {Path(f["url"]).name: f for f in report["feeds"]}
    assert status["good.xml"]["status"] == "ok"
    assert status["page.xml"]["status"] == "error"
    assert status["page.xml"]["error_kind"] == "not-a-feed"
    items = json.loads(cli(home, "items", "--json").stdout)
    assert [i["title"] for i in items] == ["TSMC adds capacity for AI chips"]
    states = {Path(f["url"]).name: f for f in json.loads(cli(home, "feeds", "list", "--json").stdout)}
    assert states["page.xml"]["consecutive_failures"] == 1


def test_broken_feeds_toml_names_file_and_line_and_is_not_overwritten(home: Path) -> None:
    broken = '[[feed]]\nurl = "https://example.com/feed"\ntitle = "unterminated\n'
    (home / "feeds.toml").write_text(broken, encoding="utf-8")
    for args in (["refresh"], ["feeds", "list"]):
        r = cli(home, *args)
        assert r.returncode == 2
        assert "feeds.toml" in r.stderr and "line 3" in r.stderr
        assert "Traceback" not in r.stderr
    assert (home / "feeds.toml").read_text(encoding="utf-8") == broken


def test_broken_config_toml_names_file_and_line(home: Path) -> None:
    (home / "config.toml").write_text("[fetch]\nconcurency = 4\n", encoding="utf-8")
    r = cli(home, "refresh")
    assert r.returncode == 2
    assert "config.toml" in r.stderr and "line 2" in r.stderr and "concurrency" in r.stderr
    assert "Traceback" not in r.stderr


def test_hostile_feed_text_is_cleaned_end_to_end(home: Path, tmp_path: Path) -> None:
    feed = tmp_path / "hostile.xml"
    write_feed(feed, [
        ("[bold]x[/] &#27;[31mred&#27;[0m \u202eevil", "<script>alert(1)</script><p>ok &#27;]52;c;aGVsbG8=&#7; done</p>"),
    ])
    text = feed.read_text(encoding="utf-8").replace("https://example.com/hostile/0", "javascript:alert(1)")
    feed.write_text(text, encoding="utf-8")
    cli(home, "feeds", "add", str(feed))
    assert cli(home, "refresh").returncode == 0
    (item,) = json.loads(cli(home, "items", "--json").stdout)
    assert "\x1b" not in item["title"] + item["summary"]
    assert "\u202e" not in item["title"]
    assert "\x07" not in item["summary"]
    assert item["title"].startswith("[bold]x[/]")  # markup-looking text is kept literally
    assert "alert(1)" not in item["summary"]
    assert item["openable"] is False


def test_new_items_hook_gets_json_on_stdin(home: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "hook-out.json"
    script = tmp_path / "hook.py"
    script.write_text(textwrap.dedent(f"""
        import sys, pathlib
        pathlib.Path({str(out_file)!r}).write_text(sys.stdin.read(), encoding="utf-8")
    """), encoding="utf-8")
    (home / "config.toml").write_text(f'[hook]\nnew_items = [{json.dumps(sys.executable)}, {json.dumps(str(script))}]\n',
                                      encoding="utf-8")
    feed = write_feed(tmp_path / "f.xml", [("Title with $(rm -rf ~) and `id`", "s")])
    cli(home, "feeds", "add", str(feed))
    r = cli(home, "refresh")
    assert r.returncode == 0, r.stderr
    sent = json.loads(out_file.read_text(encoding="utf-8"))
    assert [i["title"] for i in sent] == ["Title with $(rm -rf ~) and `id`"]
    # Nothing new on the next refresh: the hook is not run again.
    out_file.unlink()
    cli(home, "refresh", "--force")
    assert not out_file.exists()


def test_items_filters(home: Path, tmp_path: Path) -> None:
    a = write_feed(tmp_path / "a.xml", [("Huawei Ascend 910C volumes rise", "SMIC 7nm output.")],
                   date="Thu, 19 Nov 2026 08:00:00 GMT")
    b = write_feed(tmp_path / "b.xml", [("Weather: sunny weekend ahead", "Nothing about chips.")],
                   date="Fri, 20 Nov 2026 08:00:00 GMT")
    cli(home, "feeds", "add", str(a))
    cli(home, "feeds", "add", str(b))
    assert cli(home, "refresh").returncode == 0
    day = json.loads(cli(home, "items", "--day", "2026-11-19", "--json").stdout)
    assert [i["title"] for i in day] == ["Huawei Ascend 910C volumes rise"]
    by_feed = json.loads(cli(home, "items", "--feed", str(b.resolve()), "--json").stdout)
    assert [i["title"] for i in by_feed] == ["Weather: sunny weekend ahead"]
    search = json.loads(cli(home, "items", "--search", "SUNNY", "--json").stdout)
    assert len(search) == 1
    ent = json.loads(cli(home, "items", "--entity", "smic", "--json").stdout)
    assert [i["title"] for i in ent] == ["Huawei Ascend 910C volumes rise"]
    assert {"name": "SMIC", "kind": "company"} in ent[0]["entities"]
    assert json.loads(cli(home, "items", "--entity", "TSMC", "--json").stdout) == []
    theme = json.loads(cli(home, "items", "--theme", "domestic-alternatives", "--json").stdout)
    assert [i["title"] for i in theme] == ["Huawei Ascend 910C volumes rise"]
    bad = cli(home, "items", "--theme", "gray-markets")
    assert bad.returncode == 2 and "gray-market" in bad.stderr
    bad_day = cli(home, "items", "--day", "2026-13-01")
    assert bad_day.returncode == 2 and "Traceback" not in bad_day.stderr


def test_feeds_remove_and_opml_round_trip(home: Path, tmp_path: Path) -> None:
    f1 = write_feed(tmp_path / "one.xml", [("x", "y")])
    cli(home, "feeds", "add", str(f1))
    cli(home, "feeds", "add", "https://example.org/feed.xml", "--title", "Example & Co")
    opml = tmp_path / "subs.opml"
    assert cli(home, "feeds", "export", "-o", str(opml)).returncode == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "feeds.toml").write_text("", encoding="utf-8")
    # By default an OPML file cannot make chipwire read local files.
    r = cli(other, "feeds", "import", str(opml))
    assert r.returncode == 0, r.stderr
    urls = [f["url"] for f in json.loads(cli(other, "feeds", "list", "--json").stdout)]
    assert urls == ["https://example.org/feed.xml"]
    r = cli(other, "feeds", "import", "--allow-local", str(opml))
    assert r.returncode == 0, r.stderr
    urls = [f["url"] for f in json.loads(cli(other, "feeds", "list", "--json").stdout)]
    assert urls == ["https://example.org/feed.xml", str(f1.resolve())]
    titles = [f["title"] for f in json.loads(cli(other, "feeds", "list", "--json").stdout)]
    assert titles[0] == "Example & Co"
    again = cli(other, "feeds", "import", "--allow-local", str(opml))
    assert "imported 0 feeds" in again.stdout
    assert cli(home, "feeds", "remove", "https://example.org/feed.xml").returncode == 0
    assert cli(home, "feeds", "remove", "https://example.org/feed.xml").returncode == 2
    bad = cli(home, "feeds", "add", "javascript:alert(1)")
    assert bad.returncode == 2


def test_feeds_export_names_each_feed_as_feeds_list_does(home: Path, tmp_path: Path) -> None:
    """A feed added without --title is known by the title its refresh stored; the OPML another
    reader imports must carry that name, not the bare URL, and an override still wins."""
    f1 = write_feed(tmp_path / "one.xml", [("Foundry adds a packaging line", "y")])
    f2 = write_feed(tmp_path / "two.xml", [("Lead times ease", "z")])
    cli(home, "feeds", "add", str(f1))
    cli(home, "feeds", "add", str(f2), "--title", "My name & mine")
    assert cli(home, "refresh").returncode == 0
    listed = {f["url"]: f["title"] for f in json.loads(cli(home, "feeds", "list", "--json").stdout)}
    assert listed[str(f1.resolve())] == "Test wire"
    out = cli(home, "feeds", "export")
    assert out.returncode == 0, out.stderr
    import xml.etree.ElementTree as ET

    outlines = {o.get("xmlUrl"): o for o in ET.fromstring(out.stdout).iter("outline") if o.get("xmlUrl")}
    assert outlines[str(f1.resolve())].get("text") == "Test wire"
    assert outlines[str(f1.resolve())].get("title") == "Test wire"
    assert outlines[str(f2.resolve())].get("title") == "My name & mine"


def test_feeds_export_writes_safely_and_says_why_it_cannot(home: Path, tmp_path: Path) -> None:
    cli(home, "feeds", "add", "https://example.org/feed.xml")
    missing = cli(home, "feeds", "export", "-o", str(tmp_path / "no-such-folder" / "subs.opml"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    assert missing.stderr.strip() == f"chipwire: error: cannot write {tmp_path / 'no-such-folder' / 'subs.opml'}: " \
                                     f"folder {tmp_path / 'no-such-folder'} does not exist"
    mine = tmp_path / "mine.opml"
    mine.write_text("my own notes", encoding="utf-8")
    refused = cli(home, "feeds", "export", "-o", str(mine))
    assert refused.returncode == 2 and "already exists" in refused.stderr
    assert mine.read_text(encoding="utf-8") == "my own notes"
    old_umask = os.umask(0o022)
    try:
        assert cli(home, "feeds", "export", "-o", str(mine), "--force").returncode == 0
    finally:
        os.umask(old_umask)
    assert "https://example.org/feed.xml" in mine.read_text(encoding="utf-8")
    assert mine.stat().st_mode & 0o777 == 0o644  # meant for sharing: the umask's permissions
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp file left


def test_feeds_add_says_what_is_wrong_with_a_local_path(home: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for source, why in [(tmp_path, "a folder, not a feed file"), (fifo, "not a regular file"),
                        (tmp_path / "gone.xml", "no such file")]:
        r = cli(home, "feeds", "add", str(source))
        assert r.returncode == 2 and r.stderr.startswith(f"chipwire: error: {source}: {why}"), r.stderr
    assert json.loads(cli(home, "feeds", "list", "--json").stdout) == []


def test_a_file_system_refusal_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "home"
    not_a_folder.write_text("", encoding="utf-8")
    r = cli(not_a_folder, "feeds", "add", "https://example.org/feed.xml")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == f"chipwire: error: {not_a_folder / 'db'}: Not a directory"


def test_second_writer_gets_a_clear_message(home: Path, tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "f.xml", [("x", "y")])
    cli(home, "feeds", "add", str(feed))
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from store import Store
            s = Store.open(__import__('pathlib').Path({str(home / 'db')!r}))
            with s.writer():
                print('locked', flush=True)
                time.sleep(30)
        """)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        r = cli(home, "refresh")
        assert r.returncode == 3
        assert str(holder.pid) in r.stderr
        assert "Traceback" not in r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_corrupt_store_file_is_named_kept_and_recovered_on_request(home: Path, tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "f.xml", [("TSMC adds capacity", "x"), ("SMIC output rises", "y")])
    cli(home, "feeds", "add", str(feed))
    assert cli(home, "refresh").returncode == 0
    (month,) = sorted((home / "db").glob("items-*.json"))
    month.write_text('{"broken', encoding="utf-8")
    r = cli(home, "refresh", "--force")
    assert r.returncode == 3
    assert month.name in r.stderr and "chipwire store quarantine" in r.stderr
    assert "Traceback" not in r.stderr
    assert month.read_text(encoding="utf-8") == '{"broken'  # never overwritten
    q = cli(home, "store", "quarantine", str(month))
    assert q.returncode == 0, q.stderr
    assert list((home / "db").glob(month.name + ".corrupt-*"))
    # The feed's validators and schedule are forgotten, so a plain refresh restores the items.
    r = cli(home, "refresh", "--json")
    assert r.returncode == 0
    assert json.loads(r.stdout)["new"] == 2
    assert len(json.loads(cli(home, "items", "--json").stdout)) == 2
