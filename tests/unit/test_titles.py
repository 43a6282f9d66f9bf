"""Items without a title are named by the start of their summary, else their link."""

from __future__ import annotations

from briefing.titles import display_title


def test_title_summary_link_untitled_in_that_order() -> None:
    assert display_title({"title": "  BIS adds firms  ", "summary": "x"}) == "BIS adds firms"
    assert display_title({"title": "", "summary": "Short note\n\non chips."}) == "Short note on chips."
    long = "The Commerce Department said on Tuesday that it would add twelve companies to the Entity List, " \
           "citing diversion of accelerators."
    shown = display_title({"title": "", "summary": long})
    assert shown.endswith("…") and len(shown) <= 101 and long.startswith(shown[:-1])
    assert not shown[:-1].endswith(" ")  # cut at a word, not mid-word
    assert display_title({"title": "", "summary": "", "link": "https://x.example/a"}) == "https://x.example/a"
    assert display_title({}) == "(untitled)"


def test_every_view_names_an_untitled_item_the_same_way(tmp_path, capsys) -> None:
    """chipwire items and the digest show the summary's start, not an id or a URL."""
    from datetime import date, datetime, timezone

    from briefing.themes import load_builtin
    from core.export import ExportRequest, build
    from store import Store
    from tui.cli import main

    item = {"id": "sha1:abc", "feed": "https://w.example/rss", "feed_title": "Wire", "title": "",
            "link": "https://w.example/1", "openable": True, "summary": "Grateful Dead tapes found in a barn.",
            "author": "", "published": "2026-11-20T10:00:00Z", "published_estimated": False,
            "themes": [], "entities": [], "story": "sha1:abc"}
    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    with Store.open(tmp_path / "db") as store:
        store.upsert_items([item], now=now)
        store.commit()
        day = date(2026, 11, 20)
        digest = build(store, load_builtin(), ExportRequest(start=day, end=day), now=now)
    assert "- [Grateful Dead tapes found in a barn.](https://w.example/1)" in digest.text
    assert digest.text.count("Grateful Dead tapes") == 1  # no lede repeating the summary shown as title
    assert main(["--home", str(tmp_path), "items", "--day", "2026-11-20"]) == 0
    out = capsys.readouterr().out
    assert "Grateful Dead tapes found in a barn." in out and "sha1:abc" not in out
