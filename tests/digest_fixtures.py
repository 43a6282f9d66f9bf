"""Fixed sample items for the digest tests, including hostile ones.

Everything here is fictional and fixed (no clock reads), so golden digests are byte-stable.
The clock the tests freeze is :data:`NOW` (Friday 2026-11-20, ISO week 47). Items spread over
2026-11-06 .. 2026-11-20 so the pulse has a previous range and the sparklines a shape.

Hostile items carry the injections a digest must render inert: Markdown structure and HTML in
titles, ``javascript:``/``data:`` links, pipes and backticks, a 2,000-character title and
newlines inside a title.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)
NOW_ENV = "2026-11-20T12:00:00Z"
DAY = date(2026, 11, 20)

WIRE = ("https://wire.example.com/feed.xml", "Compute Wire (fixture)")
LEDGER = ("https://ledger.example.org/rss", "Chip Ledger (fixture)")
DESK = ("/srv/feeds/policy-desk.xml", "Policy Desk (fixture)")
EVIL = ("https://evil.example.net/feed", "Evil <b>Feed</b> | [x](javascript:alert(1)) # ")


def tag(theme: str, score: float, *evidence: str) -> dict:
    return {"id": theme, "score": score, "evidence": list(evidence)}


def item(
    item_id: str,
    title: str,
    published: str,
    *,
    feed: tuple[str, str] = WIRE,
    link: str | None = None,
    themes: list[dict] | None = None,
    story: str | None = None,
    starred: bool = False,
    read: bool = False,
    summary: str = "",
    estimated: bool = False,
) -> dict:
    """One item record in the shape of docs/ARCHITECTURE.md."""
    url = f"https://{feed[0].split('/')[2] if feed[0].startswith('http') else 'desk.example.com'}/{item_id}" if link is None else link
    return {
        "id": item_id,
        "feed": feed[0],
        "feed_title": feed[1],
        "title": title,
        "link": url,
        "openable": url.startswith(("http://", "https://")),
        "summary": summary,
        "author": "",
        "published": published,
        "published_estimated": estimated,
        "themes": themes or [],
        "entities": [],
        "story": story or item_id,
        "starred": starred,
        "read": read,
    }


def plain_items() -> list[dict]:
    """Ordinary items: stories across feeds, several themes, starred and read ones."""
    return [
        # 2026-11-20: the day the golden day digest covers
        item("w-h200-allocation", "Cloud providers ration H200 allocation as lead times stretch to 40 weeks",
             "2026-11-20T08:15:00Z", themes=[tag("compute-bottleneck", 8.5, "H200", "allocation", "lead times"),
                                            tag("frontier-demand", 3.5, "cluster")], starred=True,
             summary="Three large cloud providers told customers this week that new H200 capacity is allocated "
                     "through March. Smaller labs say the wait pushes back their next training run."),
        item("l-h200-allocation", "H200 allocation squeeze: clouds ration GPUs, 40-week lead times",
             "2026-11-20T10:40:00Z", feed=LEDGER, themes=[tag("compute-bottleneck", 7.0, "H200", "allocation")],
             story="w-h200-allocation"),
        item("d-h200-allocation", "Clouds ration H200s",
             "2026-11-20T11:05:00Z", feed=DESK, link="file:///srv/feeds/policy-desk.xml#h200",
             themes=[tag("compute-bottleneck", 5.0, "H200")], story="w-h200-allocation"),
        item("d-bis-rule", "BIS proposes lower performance threshold for licence reviews",
             "2026-11-20T09:30:00Z", feed=DESK, link="https://desk.example.com/bis-rule?id=7&ref=feed",
             themes=[tag("export-controls", 9.0, "BIS", "performance threshold", "licence"),
                     tag("compliant-chips", 4.0, "H20"), tag("compute-geopolitics", 3.1, "trade")],
             summary="The Bureau of Industry and Security proposed lowering the performance line at which a "
                     "licence review starts. Comments are due in 30 days."),
        item("l-h20-orders", "Orders for throttled H20 parts slow as buyers wait for B30A",
             "2026-11-20T07:00:00Z", feed=LEDGER, themes=[tag("compliant-chips", 7.5, "H20", "B30A")], read=True,
             summary="Distributors describe " + "a long wait and rising inventories and cautious buyers " * 6
                     + "with no full stop anywhere in it"),
        item("w-broker", "Broker in fictional port charged over diverted accelerators",
             "2026-11-20T06:45:00Z", themes=[tag("gray-market", 6.0, "diverted", "broker"),
                                            tag("enforcement", 5.5, "charged")],
             summary="Prosecutors in the fictional port say a broker relabelled server boards as networking gear "
                     "before shipping them on. The case names two front companies."),
        item("l-cooling", "Startup shows liquid cooling plate for dense racks",
             "2026-11-20T05:00:00Z", feed=LEDGER, summary="General technology news."),
        item("w-estimated", "Undated note on domestic accelerator yields",
             "2026-11-20T04:00:00Z", themes=[tag("domestic-alternatives", 4.5, "Ascend")], estimated=True),
        # earlier days: previous range for the pulse, the rest of week 47 and the week before
        item("w-1119-gpu", "GPU rental prices climb again", "2026-11-19T09:00:00Z",
             themes=[tag("compute-bottleneck", 6.0, "GPU", "capacity")],
             summary="GPU rental prices climb again. Hourly rates for rented accelerators rose for a third week."),
        item("l-1118-ascend", "Ascend 910C volumes rise at a fictional fab", "2026-11-18T12:00:00Z", feed=LEDGER,
             themes=[tag("domestic-alternatives", 7.0, "Ascend 910C")],
             summary="Shipments of the part rose at a fictional fab, suppliers said. The post Ascend 910C volumes "
                     "rise appeared first on Chip Ledger (fixture)."),
        item("d-1117-entity", "Entity List adds three fictional shell firms", "2026-11-17T15:30:00Z", feed=DESK,
             link="https://desk.example.com/entity",
             themes=[tag("export-controls", 8.0, "Entity List"), tag("gray-market", 4.0, "shell")],
             summary="The U.S. Commerce Department added three fictional shell firms to the Entity List on "
                     "Tuesday. More names may follow."),
        item("w-1116-summit", "Summit ends with no chip truce", "2026-11-16T10:00:00Z",
             themes=[tag("compute-geopolitics", 6.5, "summit", "truce")]),
        item("w-1115-weekend", "Weekend read: the two-stack future", "2026-11-15T10:00:00Z",
             themes=[tag("fragmentation", 6.0, "two stacks")]),
        item("l-1113-gpu", "Allocation queues for B200 lengthen", "2026-11-13T10:00:00Z", feed=LEDGER,
             themes=[tag("compute-bottleneck", 6.2, "B200", "allocation")]),
        item("d-1110-nvidia", "Custom silicon chips away at a dominant supplier", "2026-11-10T10:00:00Z", feed=DESK,
             link="https://desk.example.com/custom",
             themes=[tag("supplier-concentration", 5.0, "custom silicon")]),
        item("w-1106-old", "An older compute story", "2026-11-06T10:00:00Z",
             themes=[tag("compute-bottleneck", 4.0, "compute")]),
    ]


LONG_TITLE = ("Export rules " + "very " * 400 + "long")[:2000]


def hostile_items() -> list[dict]:
    """Items whose text tries to become Markdown or HTML structure (all on 2026-11-20)."""
    t = "2026-11-20T03:{:02d}:00Z"
    return [
        item("x-heading", "# heading injected", t.format(1), feed=EVIL, link="javascript:alert(1)",
             themes=[tag("gray-market", 5.0, "smuggled")],
             summary="# lede heading\n\n[click](javascript:alert(1)) <script>alert(1)</script> smuggled text."),
        item("x-link", "[x](javascript:alert(1)) click me", t.format(2), feed=EVIL,
             link="data:text/html,<script>alert(1)</script>", themes=[tag("gray-market", 4.9, "](javascript:x)")],
             summary="<img src=x onerror=alert(1)> **bold** `code` | pipe | <https://evil.example.net/auto>"),
        item("x-script", "<script>alert(1)</script>", t.format(3), feed=EVIL),
        item("x-img", "<img src=x onerror=alert(1)> & &amp; &#x3C;", t.format(4), feed=EVIL,
             themes=[tag("enforcement", 4.0, "<b>fine</b>")], summary="javascript:alert(1)"),
        item("x-pipes", "a | b | c || d", t.format(5), feed=EVIL, link="https://evil.example.net/a b(c)<d>\"e\"|"),
        item("x-ticks", "`code` and ``` fence ~~~ ~~strike~~", t.format(6), feed=EVIL),
        item("x-bold", "**bold** __under__ _it_ *it* $x$", t.format(7), feed=EVIL),
        item("x-quote", "> quote", t.format(8), feed=EVIL),
        item("x-list", "1. list", t.format(9), feed=EVIL, themes=[tag("enforcement", 4.2, "1. list")],
             summary="1. list item\n- bullet\n> quote\n<div>block</div>"),
        item("x-dash", "- dash + plus", t.format(10), feed=EVIL),
        item("x-long", LONG_TITLE, t.format(11), feed=EVIL, themes=[tag("export-controls", 3.5, "export rules")]),
        item("x-newlines", "line one\n\n# line two\n- three\r\n\tfour\u2028five", t.format(12), feed=EVIL),
        item("x-entity", "&lt;script&gt; &copy; \\* backslash \\", t.format(13), feed=EVIL, link="https://evil.example.net/?q=&lt;x&gt;"),
        item("x-empty", "", t.format(14), feed=EVIL, link="https://evil.example.net/untitled"),
        item("x-autolink", "<https://evil.example.net> <mailto:a@b.c> www.evil.example.net", t.format(15), feed=EVIL,
             link="HTTPS://EVIL.example.net/UPPER"),
        item("x-vbscript", "vbscript link", t.format(16), feed=EVIL, link="vbscript:msgbox(1)"),
        item("x-html-block", "<div>\n<p>block</p>\n</div>", t.format(17), feed=EVIL),
        item("x-table", "| a | b |\n|---|---|\n| 1 | 2 |", t.format(18), feed=EVIL),
    ]


def all_items() -> list[dict]:
    return plain_items() + hostile_items()


def seed_store(db_dir: Path, items: list[dict] | None = None) -> None:
    """Write the items into a real store at ``db_dir`` (flags included) and close it."""
    from store import Store

    store = Store.open(db_dir)
    try:
        store.upsert_items(items if items is not None else all_items(), now=NOW)
        store.commit()
    finally:
        store.close()


# --------------------------------------------------------------------------------------------
# A busy week of invented news, for the digest's size promise (<= 150 bullets, <= 120 KB)

WEEK_THEMES = ("compute-bottleneck", "export-controls", "compliant-chips", "frontier-demand",
               "domestic-alternatives", "gray-market", "enforcement", "fragmentation",
               "supplier-concentration", "compute-geopolitics")
_SUBJECTS = ("A fictional cloud", "Lab Nine", "The trade ministry", "A port authority", "Foundry K",
             "A rental marketplace", "Vendor Q", "An accelerator start-up", "A regional regulator", "Broker X")
_VERBS = ("reports", "denies", "confirms", "delays", "expands", "questions", "announces", "halts")
_OBJECTS = ("accelerator allocation", "licence reviews", "throttled parts", "cluster build-outs",
            "domestic chip yields", "diverted shipments", "customs penalties", "parallel software stacks",
            "single-foundry exposure", "summit chip talks")


def week_of_news(monday: date = date(2026, 11, 16), count: int = 1200, feeds: int = 30) -> list[dict]:
    """``count`` invented items over the ISO week starting ``monday`` from ``feeds`` feeds.

    Deterministic (a seeded generator, no clock); every tenth story is told by three feeds, a
    fifth of the items carry no theme, the rest one to three themes. Titles run to ~120
    characters and summaries to ~500, so caps and lede cuts are exercised as a real week would.
    """
    import random

    rng = random.Random(20261116)
    out: list[dict] = []
    for n in range(count):
        feed_no = n % feeds
        feed = (f"https://feed{feed_no:02d}.example.com/rss", f"Wire {feed_no:02d} (fixture)")
        day = monday.toordinal() + rng.randrange(7)
        moment = datetime.fromordinal(day).replace(hour=rng.randrange(24), minute=rng.randrange(60))
        story_no = n // 3 if n % 10 < 3 else 10_000 + n
        subject, verb, obj = _SUBJECTS[story_no % 10], _VERBS[story_no % 8], _OBJECTS[story_no % 10]
        title = f"{subject} {verb} {obj} in week story {story_no}" + " amid wider questions" * rng.randrange(4)
        summary = " ".join(
            f"{subject} {verb} {obj}, according to people familiar with story {story_no}, sentence {k}."
            for k in range(1 + rng.randrange(5))
        )
        picked = [] if rng.random() < 0.2 else rng.sample(WEEK_THEMES, 1 + rng.randrange(3))
        tags = [tag(t, round(3 + rng.random() * 6, 2), obj.split()[0], subject.split()[-1]) for t in picked]
        out.append(item(f"wk-{n:04d}", title, moment.strftime("%Y-%m-%dT%H:%M:00Z"), feed=feed,
                        themes=tags, story=f"story-{story_no}", summary=summary, read=rng.random() < 0.3))
    return out
