"""core.subscribe: the one set of rules both faces use to add, remove and list feeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.subscribe import AlreadySubscribed, SubscribeError, add_source, load_sources, normalise_source, remove_source
from store.home import HomePaths


@pytest.mark.parametrize("source", ["javascript:alert(1)", "data:text/xml,<rss/>", "ftp://example.org/f.xml",
                                    "gopher://example.org/", "  "])
def test_only_http_and_local_files_are_sources(source: str) -> None:
    with pytest.raises(SubscribeError) as exc:
        normalise_source(source)
    assert "\n" not in str(exc.value)


def test_local_paths_become_absolute_and_must_be_regular_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = tmp_path / "f.xml"
    feed.write_text("<rss/>", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert normalise_source("f.xml") == str(feed.resolve())
    assert normalise_source(f"file://{feed}") == str(feed.resolve())
    assert normalise_source("https://example.org/feed") == "https://example.org/feed"
    with pytest.raises(SubscribeError, match="a folder"):
        normalise_source(str(tmp_path))


def test_add_then_remove_keeps_the_persons_comments(tmp_path: Path) -> None:
    paths = HomePaths(tmp_path / "home")
    paths.ensure()
    paths.feeds_file.write_text("# my feeds, curated by hand\n", encoding="utf-8")
    sub = add_source(paths, "https://example.org/a.xml", title="A", category="policy")
    assert (sub.url, sub.title, sub.category) == ("https://example.org/a.xml", "A", "policy")
    with pytest.raises(AlreadySubscribed):
        add_source(paths, "https://example.org/a.xml")
    assert [s.url for s in load_sources(paths)] == ["https://example.org/a.xml"]
    assert remove_source(paths, "https://example.org/a.xml") == "https://example.org/a.xml"
    assert remove_source(paths, "https://example.org/a.xml") is None
    assert load_sources(paths) == []
    assert paths.feeds_file.read_text(encoding="utf-8").startswith("# my feeds, curated by hand\n")


def test_a_broken_feeds_file_is_reported_and_never_touched(tmp_path: Path) -> None:
    paths = HomePaths(tmp_path / "home")
    paths.ensure()
    paths.feeds_file.write_text("[[feed]]\nurl = \n", encoding="utf-8")
    before = paths.feeds_file.read_bytes()
    with pytest.raises(SubscribeError) as exc:
        add_source(paths, "https://example.org/a.xml")
    assert "line 2" in str(exc.value)
    assert paths.feeds_file.read_bytes() == before
