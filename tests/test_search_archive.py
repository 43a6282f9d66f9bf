"""Archive search in core: ``/`` without dates walks every stored month, newest first, and
streams ever fuller views so the first results do not wait for the oldest month."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from core.session import Services, ViewRequest
from store import Store
from store.home import HomePaths

NOW = datetime(2025, 11, 29, 7, 30, tzinfo=timezone.utc)


def item(n: int, when: datetime, title: str) -> dict:
    return {"id": f"urn:t:{n}", "feed": "http://127.0.0.1/feed", "feed_title": "Loopback",
            "title": title, "link": f"http://127.0.0.1/{n}", "summary": "",
            "published": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "themes": []}


@pytest.fixture()
def services(tmp_path: Path):
    paths = HomePaths(tmp_path / "home")
    paths.ensure()
    store = Store.open(paths.db_dir)
    start = datetime(2025, 6, 1, 9, tzinfo=timezone.utc)
    items = [item(n, start + timedelta(days=3 * n), "Wafer fab note" if n % 2 else "Packaging line note")
             for n in range(60)]  # every third day from June to November
    with store.writer():
        store.upsert_items(items, now=NOW)
        store.commit()
    svc = Services(paths, clock=lambda: NOW, store=store)
    yield svc
    svc.close()
    store.close()


def test_a_query_without_dates_streams_every_month_newest_first(services: Services) -> None:
    request = ViewRequest(day=date(2025, 11, 28), query="wafer")
    views = list(services.views(request))
    assert len(views) >= 2, "one view only: the search did not stream"
    assert not views[0].complete and views[-1].complete
    first, final = views[0], views[-1]
    assert first.shown and first.shown < final.shown
    assert final.shown == 30 and all(v.archive for v in views)
    published = [s.lead["published"] for g in final.groups for s in g.rows]
    assert published == sorted(published, reverse=True)
    assert min(published)[:7] == "2025-06"
    assert final.span[1] == date(2025, 11, 25)  # the newest stored day (60th item: 25 Nov)


def test_a_date_token_narrows_and_a_plain_view_is_one_view(services: Services) -> None:
    [view] = list(services.views(ViewRequest(day=date(2025, 11, 28), query="wafer @2025-11-01..")))
    assert not view.archive and view.searched == (date(2025, 11, 1), date(2025, 11, 29))
    assert all(i["published"] >= "2025-11-01" for i in view.items.values())
    [plain] = list(services.views(ViewRequest(day=date(2025, 11, 25))))
    assert not plain.archive and plain.total == 1


def test_the_walk_stops_at_the_limit_with_the_newest(services: Services, monkeypatch) -> None:
    import core.search

    monkeypatch.setattr(core.search, "LIMIT", 5)
    final = list(services.views(ViewRequest(day=date(2025, 11, 28), query="note")))[-1]
    assert final.limited and final.complete and final.shown == 5
    assert min(i["published"] for i in final.items.values()) >= "2025-11-01"
