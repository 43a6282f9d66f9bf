"""core.demo: the demo home is the sample feeds, re-dated to end today, subscribed by path.

Every check reads real files written into a temporary folder; the dates are verified by
parsing them back with the standard library, not by re-running the code under test.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from core.demo import (
    DEMO_CATEGORY,
    DEMO_MARKER,
    SAMPLE_FIRST_DAY,
    SAMPLE_LAST_DAY,
    prepare_demo_home,
    sample_files,
    shift_feed_dates,
)

ATOM = "{http://www.w3.org/2005/Atom}"
REPO = Path(__file__).resolve().parents[1]


def item_dates(path: Path) -> dict[str, datetime]:
    """``{item id: published}`` of one feed file, parsed with the standard library only."""
    root = ET.fromstring(path.read_bytes())
    if root.tag == "rss":
        return {
            item.findtext("guid"): parsedate_to_datetime(item.findtext("pubDate"))
            for item in root.iter("item")
        }
    return {
        entry.findtext(f"{ATOM}id"): datetime.fromisoformat(entry.findtext(f"{ATOM}published"))
        for entry in root.iter(f"{ATOM}entry")
    }


def all_dates(folder: Path) -> dict[str, datetime]:
    out: dict[str, datetime] = {}
    for path in sorted(folder.glob("*.xml")):
        out.update(item_dates(path))
    return out


def rfc822_values(text: str) -> list[str]:
    return re.findall(r"<(?:pubDate|lastBuildDate)>([^<]+)</", text)


@pytest.fixture(scope="module")
def originals() -> dict[str, datetime]:
    dates: dict[str, datetime] = {}
    for path in sample_files():
        dates.update(item_dates(path))
    return dates


# --------------------------------------------------------------------------- the home


def test_prepare_writes_samples_subscriptions_and_marker(tmp_path: Path) -> None:
    from feeds.subscriptions import load_subscriptions

    prepare_demo_home(tmp_path, today=date(2030, 6, 15))
    names = sorted(p.name for p in sample_files())
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == names
    assert (tmp_path / DEMO_MARKER).is_file()
    assert "SAMPLE DATA" in (tmp_path / DEMO_MARKER).read_text("utf-8")

    subs = load_subscriptions(tmp_path / "feeds.toml", create=False)
    assert [Path(s.url).name for s in subs] == names
    for sub in subs:
        path = Path(sub.url)
        assert path.is_absolute() and path.is_file() and path.parent == tmp_path / "samples"
        assert sub.title and sub.title.endswith("(sample)")
        assert sub.category == DEMO_CATEGORY and sub.enabled
    # The title in feeds.toml is the feed's own title.
    first = ET.fromstring(Path(subs[0].url).read_bytes())
    own = first.findtext(f"{ATOM}title") or first.findtext("channel/title")
    assert subs[0].title == own


def test_relative_root_is_subscribed_by_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from feeds.subscriptions import load_subscriptions

    monkeypatch.chdir(tmp_path)
    prepare_demo_home(Path("home"))
    subs = load_subscriptions(tmp_path / "home" / "feeds.toml", create=False)
    assert all(Path(s.url).is_absolute() and Path(s.url).is_file() for s in subs)


def test_no_today_keeps_the_files_byte_for_byte(tmp_path: Path) -> None:
    prepare_demo_home(tmp_path, today=None)
    for path in sample_files():
        assert (tmp_path / "samples" / path.name).read_bytes() == path.read_bytes()


def test_today_equal_to_last_sample_day_changes_nothing(tmp_path: Path) -> None:
    prepare_demo_home(tmp_path, today=SAMPLE_LAST_DAY)
    for path in sample_files():
        assert (tmp_path / "samples" / path.name).read_bytes() == path.read_bytes()


@pytest.mark.parametrize(
    "today",
    [
        date(2030, 6, 15),  # forward, years away
        date(2028, 3, 5),  # the two weeks span 29 February of a leap year
        date(2024, 1, 2),  # backwards, across a year end
    ],
)
def test_shift_moves_every_item_by_whole_days(tmp_path: Path, originals: dict[str, datetime], today: date) -> None:
    prepare_demo_home(tmp_path, today=today)
    shifted = all_dates(tmp_path / "samples")
    assert shifted.keys() == originals.keys()
    delta = timedelta(days=(today - SAMPLE_LAST_DAY).days)
    wrong = [i for i in originals if shifted[i] - originals[i] != delta or shifted[i].utcoffset() != originals[i].utcoffset()]
    assert wrong == []
    utc_days = sorted({d.astimezone(timezone.utc).date() for d in shifted.values()})
    assert utc_days[-1] == today
    assert utc_days[0] == today - (SAMPLE_LAST_DAY - SAMPLE_FIRST_DAY)


@pytest.mark.parametrize("today", [date(2030, 6, 15), date(2028, 3, 5), date(2024, 1, 2)])
def test_shifted_weekday_names_are_right(tmp_path: Path, today: date) -> None:
    prepare_demo_home(tmp_path, today=today)
    values = [v for p in (tmp_path / "samples").glob("*.xml") for v in rfc822_values(p.read_text("utf-8"))]
    assert len(values) > 80
    bad = [v for v in values if v[:3] != parsedate_to_datetime(v).strftime("%a")]
    assert bad == []


def test_shifted_files_still_parse_cleanly(tmp_path: Path) -> None:
    import feedparser

    prepare_demo_home(tmp_path, today=date(2028, 3, 5))
    for path in sorted((tmp_path / "samples").glob("*.xml")):
        parsed = feedparser.parse(io.BytesIO(path.read_bytes()))
        assert not parsed.bozo, path.name
        assert all(e.get("published_parsed") for e in parsed.entries)


def test_prepare_is_deterministic(tmp_path: Path) -> None:
    today = date(2029, 2, 1)
    prepare_demo_home(tmp_path / "a", today=today)
    prepare_demo_home(tmp_path / "b", today=today)
    for path in sample_files():
        assert (tmp_path / "a" / "samples" / path.name).read_bytes() == (tmp_path / "b" / "samples" / path.name).read_bytes()
    before = (tmp_path / "a" / "feeds.toml").read_bytes()
    prepare_demo_home(tmp_path / "a", today=today)
    assert (tmp_path / "a" / "feeds.toml").read_bytes() == before


# --------------------------------------------------------------------------- shift_feed_dates


def test_shift_rewrites_only_dates() -> None:
    text = (
        "<rss><channel><title>Due Mon, 09 Nov 2026</title><lastBuildDate>Sat, 21 Nov 2026 12:30:00 GMT</lastBuildDate>"
        "<item><description>2026-11-09T10:00:00Z</description>"
        "<pubDate> Sun, 08 Nov 2026 23:30:00 -0500 </pubDate><dc:date>2026-11-08T10:00:00.250+08:00</dc:date></item>"
        "</channel></rss>"
    )
    out = shift_feed_dates(text, 3)
    assert "<title>Due Mon, 09 Nov 2026</title>" in out
    assert "<description>2026-11-09T10:00:00Z</description>" in out
    assert "<lastBuildDate>Tue, 24 Nov 2026 12:30:00 GMT</lastBuildDate>" in out
    assert "<pubDate> Wed, 11 Nov 2026 23:30:00 -0500 </pubDate>" in out
    assert "<dc:date>2026-11-11T10:00:00.250+08:00</dc:date>" in out


def test_shift_backwards_across_month_and_year() -> None:
    out = shift_feed_dates("<updated>2026-01-02T00:00:00Z</updated><pubDate>Fri, 02 Jan 2026 00:00:00 +0000</pubDate>", -3)
    assert out == "<updated>2025-12-30T00:00:00Z</updated><pubDate>Tue, 30 Dec 2025 00:00:00 +0000</pubDate>"


def test_shift_zero_is_identity() -> None:
    text = "<pubDate>not a date at all</pubDate>"
    assert shift_feed_dates(text, 0) == text


def test_shift_refuses_unreadable_dates() -> None:
    with pytest.raises(ValueError):
        shift_feed_dates("<pubDate>sometime last week</pubDate>", 1)


# --------------------------------------------------------------------------- packaging and layers


def test_demo_module_does_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys, pathlib, datetime\n"
        "from core.demo import prepare_demo_home\n"
        f"prepare_demo_home(pathlib.Path({str(tmp_path)!r}), today=datetime.date(2030, 1, 1))\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'tinydb', 'httpx', 'feedparser'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)
    assert (tmp_path / "feeds.toml").is_file()


def test_samples_load_from_a_zipped_install(tmp_path: Path) -> None:
    """Through importlib.resources only: works where the package is not plain files at all."""
    archive = tmp_path / "chipwire.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for package in ("feeds", "core"):
            for path in sorted((REPO / package).rglob("*")):
                if path.is_file() and "__pycache__" not in path.parts:
                    zf.write(path, path.relative_to(REPO).as_posix())
    home = tmp_path / "home"
    code = (
        "import sys, pathlib, datetime\n"
        f"sys.path.insert(0, {str(archive)!r})\n"
        "import core.demo\n"
        f"assert core.demo.__file__.startswith({str(archive)!r}), core.demo.__file__\n"
        f"core.demo.prepare_demo_home(pathlib.Path({str(home)!r}), today=datetime.date(2030, 1, 1))\n"
        "try:\n"
        "    core.demo.sample_files()\n"
        "except RuntimeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('sample_files() should say there are no plain paths')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    subprocess.run([sys.executable, "-I", "-c", code], check=True, cwd=tmp_path, env=env)
    assert sorted(p.name for p in (home / "samples").iterdir()) == sorted(p.name for p in sample_files())
    assert max(d.astimezone(timezone.utc).date() for d in all_dates(home / "samples").values()) == date(2030, 1, 1)


# --------------------------------------------------------------------------- the tagger on the samples


def test_every_theme_tags_sample_items_and_many_stay_untagged() -> None:
    """The samples must exercise all ten themes and the "Other" group (tagger negatives)."""
    import feedparser

    from briefing.tagger import Tagger
    from briefing.themes import THEME_IDS, load_builtin
    from feeds.clean import clean_line, html_to_text

    tagger = Tagger(load_builtin())
    counts = dict.fromkeys(THEME_IDS, 0)
    untagged = 0
    for path in sample_files():
        for entry in feedparser.parse(io.BytesIO(path.read_bytes())).entries:
            title = clean_line(entry.get("title"), 500)
            summary = html_to_text(entry.get("summary"), 20_000)
            themes = tagger.tag(title, summary)
            untagged += not themes
            for theme in themes:
                counts[theme["id"]] += 1
    assert {k: v for k, v in counts.items() if v < 5} == {}
    assert untagged >= 15, untagged


# --------------------------------------------------------------------------- through the real pipeline


def test_demo_home_refreshes_cleanly_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """What ``chipwire --demo`` does before opening the app: every sample feed ingests (exit 0)."""
    pytest.importorskip("tui.cli.refresh_cmd")
    from tui.cli import main

    prepare_demo_home(tmp_path, today=date(2030, 6, 15))
    monkeypatch.setenv("CHIPWIRE_NOW", "2030-06-15T20:00:00Z")
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    try:
        code = main(["--home", str(tmp_path), "refresh"])
    except ModuleNotFoundError as exc:  # another engineer's module of the pipeline not written yet
        if (exc.name or "").split(".")[0] in ("feeds", "briefing", "store", "core", "tui"):
            pytest.skip(f"pipeline incomplete: {exc.name} is missing")
        raise
    assert code == 0, capsys.readouterr()


def test_demo_follow_up_of_a_case_inherits_the_story_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The week-in-review of the sample smuggling case names no chip, so the tagger alone
    leaves it untagged; a refresh files it with the case's earlier reports, saying why."""
    import json

    from tui.cli import main

    prepare_demo_home(tmp_path, today=date(2030, 6, 15))
    monkeypatch.setenv("CHIPWIRE_NOW", "2030-06-15T20:00:00Z")
    monkeypatch.delenv("CHIPWIRE_CONFIG", raising=False)
    assert main(["--home", str(tmp_path), "refresh"]) == 0
    capsys.readouterr()
    assert main(["--home", str(tmp_path), "items", "--search", "Week in review", "--limit", "500", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    rows = rows if isinstance(rows, list) else rows["items"]
    (review,) = [r for r in rows if r["title"].startswith("Week in review: Harbor Peak")]
    by_id = {t["id"]: t for t in review["themes"]}
    assert {"gray-market", "enforcement"} <= set(by_id)
    assert by_id["gray-market"]["source"] == "story"
    assert by_id["gray-market"]["evidence"][0].startswith('same story as "')
