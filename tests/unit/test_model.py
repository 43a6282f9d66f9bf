"""The briefing model: grouping, story collapsing, badges, Other, hidden and unread filters."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from briefing.ignore import load_ignore_rules, parse_ignore_rules
from briefing.model import (
    OTHER,
    build_briefing,
    daily_counts,
    days_with_items,
    next_day,
    prev_day,
    pulse,
    week_range,
)
from briefing.query import parse_query

THEMES = {
    "compute-bottleneck": "Compute is the bottleneck",
    "export-controls": "Export controls",
    "compliant-chips": "Throttled, rule-compliant chips",
    "frontier-demand": "The appetite of frontier training",
    "domestic-alternatives": "Domestic alternatives",
    "gray-market": "The gray market",
    "enforcement": "Enforcement",
    "fragmentation": "Two parallel tracks",
    "supplier-concentration": "Single-supplier risk",
    "compute-geopolitics": "Compute as leverage",
}
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
DAY = date(2026, 11, 20)


def item(item_id: str, title: str, *, themes: list[tuple[str, float]] | None = None,
         published: str = "2026-11-20T09:00:00Z", feed: str = "https://a.example/rss",
         story: str | None = None, read: bool = False, starred: bool = False,
         summary: str = "") -> dict:
    """An item record as the store returns it."""
    return {
        "id": item_id, "feed": feed, "feed_title": feed.split("/")[2], "title": title,
        "link": f"https://news.example/{item_id}", "openable": True, "summary": summary,
        "author": "", "published": published, "published_estimated": False,
        "fetched": published, "updated": published, "read": read, "starred": starred,
        "themes": [{"id": t, "score": s, "evidence": []} for t, s in (themes or [])],
        "entities": [], "story": story or item_id,
    }


def build(items: list[dict], **kw: object):  # type: ignore[no-untyped-def]
    args: dict = {"theme_titles": THEMES, "start": DAY, "end": DAY, "now": NOW}
    args.update(kw)
    return build_briefing(items, **args)


def sample() -> list[dict]:
    return [
        item("ec1", "US tightens AI chip export rules", themes=[("export-controls", 0.9),
                                                                 ("compute-geopolitics", 0.5)],
             published="2026-11-20T08:00:00Z", story="ec1"),
        item("ec2", "U.S. tightens export rules on AI chips - Reuters",
             themes=[("export-controls", 0.95)], published="2026-11-20T09:00:00Z",
             feed="https://reuters.example/rss", story="ec1", read=True),
        item("ec3", "Export rule text annotated", themes=[("export-controls", 0.4)],
             published="2026-11-20T10:00:00Z", feed="https://c.example/rss", story="ec1"),
        item("gm1", "Smuggled GPUs seized in Singapore",
             themes=[("gray-market", 0.8), ("enforcement", 0.6)], published="2026-11-20T11:00:00Z"),
        item("en1", "DOJ charges broker", themes=[("enforcement", 0.7), ("gray-market", 0.3)],
             published="2026-11-20T12:00:00Z", read=True),
        item("ot1", "Apple ships a new laptop", published="2026-11-20T13:00:00Z"),
        item("old", "Yesterday's export story", themes=[("export-controls", 0.99)],
             published="2026-11-19T23:59:59Z"),
        item("tmr", "Tomorrow's export story", themes=[("export-controls", 0.99)],
             published="2026-11-21T00:00:00Z"),
    ]


def test_groups_follow_theme_order_then_other_and_skip_empty() -> None:
    b = build(sample())
    assert [g.theme for g in b.groups] == ["export-controls", "gray-market", "enforcement", None]
    assert [g.title for g in b.groups][-1] == "Other"
    assert b.groups[0].title == "Export controls"
    assert b.start == b.end == DAY


def test_same_story_collapses_with_best_scored_lead_and_others_oldest_first() -> None:
    b = build(sample())
    (row,) = b.groups[0].rows
    assert row.story == "ec1"
    assert row.lead["id"] == "ec2"  # highest export-controls score
    assert [o["id"] for o in row.others] == ["ec1", "ec3"]
    assert row.theme == "export-controls" and row.score == 0.95
    assert row.badges == []  # the lead's own other themes only
    assert [i["id"] for i in row.items] == ["ec2", "ec1", "ec3"]


def test_best_theme_decides_group_and_other_themes_become_badges() -> None:
    b = build(sample())
    gray, enforcement = b.groups[1], b.groups[2]
    assert [(r.lead["id"], r.badges) for r in gray.rows] == [("gm1", ["enforcement"])]
    assert [(r.lead["id"], r.badges) for r in enforcement.rows] == [("en1", ["gray-market"])]
    other = b.groups[-1]
    assert other.theme is None and [r.lead["id"] for r in other.rows] == ["ot1"]
    assert other.rows[0].score == 0.0 and other.rows[0].theme is None


def test_counts_cover_only_the_days_in_range() -> None:
    b = build(sample())
    assert b.total_items == 6  # old and tmr are outside the UTC day
    assert b.unread == 4
    assert b.feeds == 3
    assert b.hidden == 0
    assert len(b.rows()) == 4
    week = build(sample(), start=date(2026, 11, 16), end=date(2026, 11, 22))
    assert week.total_items == 8


def test_tags_of_unconfigured_themes_are_ignored() -> None:
    it = item("x", "Retired theme item", themes=[("old-theme", 0.99), ("enforcement", 0.2)])
    b = build([it])
    assert [(g.theme, g.rows[0].badges) for g in b.groups] == [("enforcement", [])]
    b = build([item("y", "Only retired", themes=[("old-theme", 0.9)])])
    assert b.groups[0].theme is None


def test_unread_only_drops_read_items_before_collapsing() -> None:
    b = build(sample(), unread_only=True)
    row = b.groups[0].rows[0]
    assert row.lead["id"] == "ec1"  # ec2 is read, so the next best unread leads
    assert [o["id"] for o in row.others] == ["ec3"]
    assert "enforcement" not in [g.theme for g in b.groups]
    assert b.total_items == b.unread == 4


def test_theme_filter_shows_every_item_carrying_the_theme_in_one_group() -> None:
    b = build(sample(), theme_filter="enforcement")
    assert [g.theme for g in b.groups] == ["enforcement"]
    rows = b.groups[0].rows
    assert [(r.lead["id"], r.score, r.badges) for r in rows] == [
        ("en1", 0.7, ["gray-market"]), ("gm1", 0.6, ["gray-market"])]
    other = build(sample(), theme_filter=OTHER)
    assert [(g.theme, [r.lead["id"] for r in g.rows]) for g in other.groups] == [(None, ["ot1"])]


def test_query_filters_items() -> None:
    q = parse_query("+gray singapore", list(THEMES))
    b = build(sample(), query=q)
    assert [r.lead["id"] for r in b.rows()] == ["gm1"]
    assert build(sample(), query=parse_query("", list(THEMES))).total_items == 6


def test_ignore_rules_hide_unless_show_hidden(tmp_path: Path) -> None:
    path = tmp_path / "ignore.toml"
    path.write_text('[[rule]]\nname = "laptops"\ntitle = "laptop"\n\n'
                    '[[rule]]\nfeed = "reuters"\n', encoding="utf-8")
    rules, warning = load_ignore_rules(path)
    assert warning is None
    b = build(sample(), ignore=rules)
    assert b.hidden == 2
    assert b.hidden_by == {"ot1": "laptops", "ec2": "rule 2 (feed~'reuters')"}
    assert None not in [g.theme for g in b.groups]
    assert b.groups[0].rows[0].lead["id"] == "ec1"  # ec2 hidden, so not the lead
    assert b.total_items == 4
    shown = build(sample(), ignore=rules, show_hidden=True)
    assert shown.hidden == 2 and shown.total_items == 6
    assert shown.groups[-1].theme is None


def test_relevance_and_time_order() -> None:
    items = [
        item("a", "A", themes=[("enforcement", 0.5)], published="2026-11-20T01:00:00Z"),
        item("b", "B", themes=[("enforcement", 0.9)], published="2026-11-20T02:00:00Z"),
        item("c", "C", themes=[("enforcement", 0.5)], published="2026-11-20T03:00:00Z"),
        item("d", "D", themes=[("enforcement", 0.5)], published="2026-11-20T00:30:00Z",
             story="s-d"),
        item("d2", "D again", themes=[("enforcement", 0.4)], published="2026-11-20T00:40:00Z",
             story="s-d", feed="https://b.example/rss"),
    ]
    by_relevance = [r.story for r in build(items).rows()]
    assert by_relevance == ["b", "s-d", "c", "a"]  # score, then sources, then newest
    by_time = [r.story for r in build(items, order="time").rows()]
    assert by_time == ["c", "b", "a", "s-d"]
    with pytest.raises(ValueError, match="order must be one of"):
        build(items, order="random")


def test_output_does_not_depend_on_input_order() -> None:
    items = sample()
    expected = build(items)
    rng = random.Random(3)
    for _ in range(5):
        rng.shuffle(items)
        got = build(items)
        assert [(g.theme, [(r.story, r.lead["id"], [o["id"] for o in r.others]) for r in g.rows])
                for g in got.groups] == [
            (g.theme, [(r.story, r.lead["id"], [o["id"] for o in r.others]) for r in g.rows])
            for g in expected.groups]


def test_empty_input() -> None:
    b = build([])
    assert b.groups == [] and b.rows() == []
    assert (b.total_items, b.unread, b.feeds, b.hidden) == (0, 0, 0, 0)


def test_week_range_is_iso_monday_to_sunday() -> None:
    assert week_range(date(2026, 11, 20)) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week_range(date(2026, 11, 16)) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week_range(date(2026, 11, 22)) == (date(2026, 11, 16), date(2026, 11, 22))
    assert week_range(date(2027, 1, 1)) == (date(2026, 12, 28), date(2027, 1, 3))


COUNTS = {
    "2026-11-18": {"total": 4, "unread": 4, "other": 1, "export-controls": 3},
    "2026-11-19": {"total": 2, "unread": 0, "gray-market": 2},
    "2026-11-20": {"total": 5, "unread": 1, "export-controls": 1, "gray-market": 4},
    "2026-11-25": {"total": 0},
    "garbage": {"total": 3},
}


def test_daily_counts_oldest_first_with_zeros_and_total() -> None:
    got = daily_counts(COUNTS, ["export-controls", "gray-market", OTHER], date(2026, 11, 20),
                       days=4)
    assert got == {
        "export-controls": [0, 3, 0, 1],
        "gray-market": [0, 0, 2, 4],
        "other": [0, 1, 0, 0],
        "total": [0, 4, 2, 5],
    }
    assert len(daily_counts(COUNTS, list(THEMES), date(2026, 11, 20))["enforcement"]) == 30


def test_pulse_compares_with_the_previous_equal_range() -> None:
    got = pulse(COUNTS, ["export-controls", "gray-market", "enforcement"],
                date(2026, 11, 19), date(2026, 11, 20))
    assert got == [
        {"theme": "export-controls", "count": 1, "previous": 3, "change": -2,
         "change_pct": -66.7},
        {"theme": "gray-market", "count": 6, "previous": 0, "change": 6, "change_pct": None},
        {"theme": "enforcement", "count": 0, "previous": 0, "change": 0, "change_pct": None},
    ]
    with pytest.raises(ValueError):
        pulse(COUNTS, ["x"], date(2026, 11, 20), date(2026, 11, 19))


def test_day_navigation() -> None:
    days = days_with_items(COUNTS)
    assert days == [date(2026, 11, 18), date(2026, 11, 19), date(2026, 11, 20)]
    assert prev_day(days, date(2026, 11, 20)) == date(2026, 11, 19)
    assert prev_day(days, date(2026, 11, 18)) is None
    assert next_day(days, date(2026, 11, 18)) == date(2026, 11, 19)
    assert next_day(days, date(2026, 11, 20)) is None
    assert prev_day(days, date(2026, 11, 24)) == date(2026, 11, 20)  # skips empty days
    assert prev_day(days, date(2026, 11, 24), weekly=True) == date(2026, 11, 20)
    assert prev_day(days, date(2026, 11, 20), weekly=True) is None  # same ISO week
    assert next_day(days, date(2026, 11, 10), weekly=True) == date(2026, 11, 18)


def _many(n: int, days: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    ids = list(THEMES)
    out = []
    for k in range(n):
        when = datetime(2026, 11, 16, tzinfo=timezone.utc) + timedelta(
            seconds=rng.randrange(days * 86400))
        tags = [(t, round(rng.random(), 2)) for t in rng.sample(ids, rng.randint(0, 3))]
        tags.sort(key=lambda t: -t[1])
        out.append(item(f"i{k}", f"Headline {k}", themes=tags,
                        published=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        feed=f"https://f{rng.randint(1, 30)}.example/rss",
                        story=f"i{k - rng.randint(0, 2)}" if rng.random() < 0.2 else None,
                        read=rng.random() < 0.3))
    return out


