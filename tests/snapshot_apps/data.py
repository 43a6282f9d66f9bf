"""Fixed items and a frozen clock for TUI tests: a small home built through the store API.

The data is deliberately awkward: a hostile title full of markup, a ``javascript:`` link, a
story reported by two feeds, an untagged item, items on three days with a gap before them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

#: The frozen "now" of every TUI test: the day after the latest items, so the app has to
#: fall back to the latest day with items.
NOW = datetime(2025, 11, 29, 7, 30, tzinfo=timezone.utc)
HOSTILE_TITLE = "[bold]x[/] [@click=app.quit]y[/] [link=file:///etc/passwd]z[/link]"

THEMES = [
    "compute-bottleneck", "export-controls", "compliant-chips", "frontier-demand", "domestic-alternatives",
    "gray-market", "enforcement", "fragmentation", "supplier-concentration", "compute-geopolitics",
]


def iso(dt: datetime) -> str:
    """The store's time format."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def item(
    id: str, when: datetime, title: str, *, themes: list[str] = (), feed: str = "https://wire.example/feed",
    feed_title: str = "Example Wire", link: str | None = None, story: str | None = None,
    summary: str = "First paragraph of the summary.\n\nSecond paragraph.",
) -> dict:
    """One item record as the pipeline stores it."""
    link = f"https://wire.example/{id}" if link is None else link
    return {
        "id": id,
        "feed": feed,
        "feed_title": feed_title,
        "title": title,
        "link": link,
        "openable": link.startswith(("http://", "https://")),
        "summary": summary,
        "author": "",
        "published": iso(when),
        "published_estimated": False,
        "fetched": iso(when + timedelta(minutes=5)),
        "updated": iso(when + timedelta(minutes=5)),
        "read": False,
        "starred": False,
        "themes": [
            {"id": t, "score": round(0.9 - 0.2 * n, 2), "evidence": [f"evidence for {t}"]} for n, t in enumerate(themes)
        ],
        "entities": [{"name": "Nvidia", "kind": "company"}, {"name": "BIS", "kind": "agency"}],
        "story": story or id,
    }


def fixed_items() -> list[dict]:
    """Fourteen items on 2025-11-26, -27 and -28 (UTC)."""
    d28 = datetime(2025, 11, 28, tzinfo=timezone.utc)
    d27 = d28 - timedelta(days=1)
    d26 = d28 - timedelta(days=2)
    return [
        item("a1", d28 + timedelta(hours=9), "BIS tightens licence rules for H20 shipments",
             themes=["export-controls", "compliant-chips"], story="s-bis"),
        item("a2", d28 + timedelta(hours=8, minutes=30), "Commerce Department tightens H20 licence rules",
             themes=["export-controls"], feed="https://other.example/rss", feed_title="Other Daily", story="s-bis"),
        item("a3", d28 + timedelta(hours=8), "Singapore broker charged with diverting GPUs",
             themes=["gray-market", "enforcement"]),
        item("a4", d28 + timedelta(hours=7), HOSTILE_TITLE, themes=["compute-bottleneck"],
             link="javascript:alert(1)"),
        item("a5", d28 + timedelta(hours=6), "Huawei ships Ascend 910C in volume", themes=["domestic-alternatives"]),
        item("a6", d28 + timedelta(hours=5), "Hyperscaler capex hits new record", themes=["frontier-demand"]),
        item("a7", d28 + timedelta(hours=4), "A new phone with a bigger battery", themes=[]),
        item("a8", d28 + timedelta(hours=3), "GPU lead times stretch to nine months", themes=["compute-bottleneck"]),
        item("b1", d27 + timedelta(hours=10), "TSMC reports record quarter", themes=["supplier-concentration"]),
        item("b2", d27 + timedelta(hours=9), "Trade truce talks include chip tariffs", themes=["compute-geopolitics"]),
        item("b3", d27 + timedelta(hours=8), "Models tuned for CANN gain ground", themes=["fragmentation"]),
        item("c1", d26 + timedelta(hours=10), "Cluster of 100,000 GPUs comes online", themes=["frontier-demand"]),
        item("c2", d26 + timedelta(hours=9), "Smuggling ring used front companies", themes=["gray-market"]),
        item("c3", d26 + timedelta(hours=8), "Entity List adds twelve firms", themes=["export-controls"]),
    ]


#: An article with paragraphs, a list and numbered links, as the feed layer stores one.
READER_SUMMARY = (
    "Prosecutors say the broker [1] shipped servers through two front companies; the "
    "indictment [2] lists the routes.\n\n"
    "• Singapore to Kuala Lumpur [3]\n• Kuala Lumpur to Shenzhen\n\n"
    "The company denies wrongdoing. A court date [4] is set for January."
)
READER_LINKS = [
    {"text": "the broker", "url": "https://wire.example/people/broker"},
    {"text": "indictment", "url": "https://court.example/case/123.pdf"},
    {"text": "Singapore to Kuala Lumpur", "url": "https://maps.example/route?a=sg&b=kl"},
    {"text": "A court date", "url": "http://court.example/calendar"},
]


def reader_items() -> list[dict]:
    """The fixed items, with a3 carrying :data:`READER_SUMMARY` and its links."""
    items = fixed_items()
    for record in items:
        if record["id"] == "a3":
            record["summary"] = READER_SUMMARY
            record["links"] = [dict(link) for link in READER_LINKS]
    return items


def build_home(root: Path, items: list[dict] | None = None, *, demo: bool = False,
               themes_digest: str | None = None):
    """Create a home under ``root`` and store ``items`` through the store API; returns HomePaths.

    ``themes_digest`` is the digest the items count as tagged with (the built-in themes' when
    None); give another to have the app find the tags stale.
    """
    from store import Store
    from store.home import HomePaths

    paths = HomePaths(root)
    paths.ensure()
    from briefing.themes import load_builtin

    store = Store.open(paths.db_dir)
    try:
        with store.writer():
            store.upsert_items(items if items is not None else fixed_items(), now=NOW)
            # The fixed tags count as the built-in themes' own, so the app's start-up check
            # (themes changed -> re-tag) leaves them alone; a test that wants the re-tag
            # passes ``themes_digest``.
            store.set_meta("themes_digest", themes_digest if themes_digest is not None else load_builtin().digest)
            store.commit()
    finally:
        store.close()
    if demo:
        (paths.root / "DEMO").write_text("sample data\n", encoding="utf-8")
    return paths
