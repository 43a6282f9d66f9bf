"""The bundled sample feeds: well-formed, on the fixed dates, fictional where it matters.

The demo, the README's offline first command and the snapshot tests all stand on these files,
so their shape is checked here with plain XML parsing (independent of chipwire's own parser)
and with feedparser, which is what the pipeline uses.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from core.demo import SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY, sample_files

ATOM = "{http://www.w3.org/2005/Atom}"
LINK = re.compile(r"^https://example\.(?:com|org|net)/\S+$")

#: Words that describe wrongdoing or the state acting on it.
WRONGDOING = re.compile(
    r"smuggl|charged|charges|arrest|indict|\bfined?\b|\bfines\b|penalt|settle|divert|diversion|"
    r"front compan|shell compan|falsif|misdeclar|relabel|\bprobe|investigat|prosecut|seiz|alleg",
    re.I,
)
#: Real companies that may appear only in neutral news in the samples.
REAL_COMPANIES = re.compile(
    r"\b(?:Nvidia|AMD|Huawei|SMIC|TSMC|ASML|Tokyo Electron|Cambricon|Hygon|Moore Threads|Biren|"
    r"CXMT|DeepSeek|Google|Amazon|Microsoft|Meta|Baidu|Alibaba|Tencent|Intel|Samsung|SK Hynix|Micron)\b"
)


@dataclass(frozen=True)
class Sample:
    """One item as read straight from the XML (no chipwire code involved)."""

    file: str
    id: str
    title: str
    link: str
    published: datetime
    text: str  # title and summary with tags stripped, for content checks


def _text(node: ET.Element | None) -> str:
    return "".join(node.itertext()) if node is not None else ""


def _read(path: Path) -> tuple[str, str, list[Sample]]:
    """(kind, feed title, items) of one sample file."""
    root = ET.fromstring(path.read_bytes())
    samples: list[Sample] = []
    if root.tag == "rss":
        channel = root.find("channel")
        assert channel is not None
        title = _text(channel.find("title"))
        for item in channel.findall("item"):
            body = re.sub(r"<[^>]+>", " ", _text(item.find("description")))
            samples.append(
                Sample(
                    file=path.name,
                    id=_text(item.find("guid")),
                    title=_text(item.find("title")),
                    link=_text(item.find("link")),
                    published=parsedate_to_datetime(_text(item.find("pubDate"))),
                    text=f"{_text(item.find('title'))} {body}",
                )
            )
        return "rss", title, samples
    assert root.tag == f"{ATOM}feed", root.tag
    title = _text(root.find(f"{ATOM}title"))
    for entry in root.findall(f"{ATOM}entry"):
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        body_node = entry.find(f"{ATOM}summary")
        if body_node is None:
            body_node = entry.find(f"{ATOM}content")
        body = re.sub(r"<[^>]+>", " ", _text(body_node))
        samples.append(
            Sample(
                file=path.name,
                id=_text(entry.find(f"{ATOM}id")),
                title=_text(entry.find(f"{ATOM}title")),
                link=link.get("href", "") if link is not None else "",
                published=datetime.fromisoformat(_text(entry.find(f"{ATOM}published"))),
                text=f"{_text(entry.find(f'{ATOM}title'))} {body}",
            )
        )
    return "atom", title, samples


@pytest.fixture(scope="module")
def feeds() -> dict[str, tuple[str, str, list[Sample]]]:
    return {path.name: _read(path) for path in sample_files()}


@pytest.fixture(scope="module")
def items(feeds: dict[str, tuple[str, str, list[Sample]]]) -> list[Sample]:
    return [item for _, _, samples in feeds.values() for item in samples]


def test_six_to_eight_feeds_in_both_formats(feeds: dict[str, tuple[str, str, list[Sample]]]) -> None:
    kinds = Counter(kind for kind, _, _ in feeds.values())
    assert 6 <= len(feeds) <= 8
    assert kinds["rss"] >= 2 and kinds["atom"] >= 2, kinds


def test_feed_titles_say_sample(feeds: dict[str, tuple[str, str, list[Sample]]]) -> None:
    for name, (_, title, _) in feeds.items():
        assert title.endswith("(sample)"), (name, title)


def test_enough_items_with_unique_ids_titles_and_example_links(items: list[Sample]) -> None:
    assert len(items) >= 160
    ids = Counter(item.id for item in items)
    assert all(ids), "an item has no id"
    assert [i for i, n in ids.items() if n > 1] == []
    assert all(item.title.strip() for item in items)
    bad = [item.link for item in items if not LINK.match(item.link)]
    assert bad == []


def test_two_weeks_every_day_has_items(items: list[Sample]) -> None:
    per_day = Counter(item.published.astimezone(timezone.utc).date() for item in items)
    span = (SAMPLE_LAST_DAY - SAMPLE_FIRST_DAY).days + 1
    assert 14 <= span <= 16
    days = [SAMPLE_FIRST_DAY + timedelta(days=n) for n in range(span)]
    assert set(per_day) == set(days), sorted(per_day)
    counts = [per_day[d] for d in days]
    assert all(3 <= n <= 20 for n in counts), counts
    assert len(set(counts)) > 5, "the days should be uneven so sparklines have a shape"


def test_dates_are_the_documented_range() -> None:
    assert (SAMPLE_FIRST_DAY, SAMPLE_LAST_DAY) == (date(2026, 11, 8), date(2026, 11, 21))


def test_rfc822_weekdays_are_right() -> None:
    for path in sample_files():
        for value in re.findall(r"<(?:pubDate|lastBuildDate)>([^<]+)<", path.read_text("utf-8")):
            assert value[:3] == parsedate_to_datetime(value).strftime("%a"), (path.name, value)


def test_feedparser_reads_every_file_cleanly(feeds: dict[str, tuple[str, str, list[Sample]]]) -> None:
    import feedparser

    for path in sample_files():
        parsed = feedparser.parse(io.BytesIO(path.read_bytes()))
        assert not parsed.bozo, (path.name, parsed.get("bozo_exception"))
        assert len(parsed.entries) == len(feeds[path.name][2])
        for entry in parsed.entries:
            assert entry.get("published_parsed"), (path.name, entry.get("title"))
            assert entry.get("summary"), (path.name, entry.get("title"))


def test_some_feeds_use_html_paragraphs_and_some_plain_text() -> None:
    texts = {path.name: path.read_text("utf-8") for path in sample_files()}
    html = [name for name, text in texts.items() if "<p>" in text or "&lt;p&gt;" in text]
    assert html and len(html) < len(texts)


def test_wrongdoing_never_names_a_real_company(items: list[Sample]) -> None:
    """Content rule: smuggling, charges and fines involve only fictional firms and people."""
    offenders = [
        (item.title, REAL_COMPANIES.findall(item.text))
        for item in items
        if WRONGDOING.search(item.text) and REAL_COMPANIES.search(item.text)
    ]
    assert offenders == []


def test_wrongdoing_in_the_samples_is_detected_by_the_guard(items: list[Sample]) -> None:
    """The guard above must see the enforcement stories at all, or it proves nothing."""
    assert sum(1 for item in items if WRONGDOING.search(item.text)) >= 30


def test_stories_are_reported_by_several_feeds(items: list[Sample]) -> None:
    """About fifteen events are covered by two or three feeds, so story grouping shows "+N"."""
    from briefing.stories import assign_stories

    records = [
        {
            "id": item.id,
            "feed": item.file,
            "title": item.title,
            "link": item.link,
            "published": item.published.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for item in items
    ]
    stories = Counter(assign_stories(records).values())
    sizes = sorted(n for n in stories.values() if n > 1)
    assert len(sizes) >= 12, sizes
    assert max(sizes) >= 3


def test_gray_market_and_enforcement_heat_up_in_week_two(items: list[Sample]) -> None:
    """Crude keyword count: enough to show the sparkline story is in the data."""
    signal = re.compile(r"smuggl|divert|diversion|transshipment|gray.market|front compan|arrest|charged|indict", re.I)
    middle = SAMPLE_FIRST_DAY + timedelta(days=7)
    first = sum(1 for i in items if signal.search(i.text) and i.published.astimezone(timezone.utc).date() < middle)
    second = sum(1 for i in items if signal.search(i.text) and i.published.astimezone(timezone.utc).date() >= middle)
    assert second >= 2 * first > 0, (first, second)
