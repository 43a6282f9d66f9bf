"""Markdown digests: golden files, CommonMark structure, inert feed text, the since-last memory.

Digests are built from a real store seeded with :mod:`digest_fixtures` and a frozen clock.
Golden files are compared byte for byte; regenerate them only on purpose with
``CHIPWIRE_UPDATE_GOLDEN=1 pytest tests/test_digest.py`` and read the diff before committing.
"""

from __future__ import annotations

import os
import random
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

import core.export as export_module
from briefing.digest import Digest, DigestOptions, PulseRow, first_sentence, lede, pulse_rows, range_label, sparkline
from core.export import ExportRequest, build, export_log, exported_ids, record
from briefing.ignore import parse_ignore_rules
from briefing.mdescape import escape, is_web_url, link, one_line
from briefing.model import week_range
from briefing.themes import load_builtin
from digest_fixtures import DAY, NOW, all_items, hostile_items, plain_items, seed_store
from store import Store

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("CHIPWIRE_UPDATE_GOLDEN") == "1"
VERSION = "9.9.9"
MD = MarkdownIt("commonmark").enable("table")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("digest") / "db"
    seed_store(path)
    return path


@pytest.fixture
def store(db: Path):
    s = Store.open(db, readonly=True)
    yield s
    s.close()


def digest_of(store, *, ignore=None, **request) -> Digest:
    """A digest of the fixture store; layout options (``per_theme``...) and request fields mix."""
    request.setdefault("start", DAY)
    request.setdefault("end", DAY)
    request["theme_ids"] = tuple(request.get("theme_ids") or ())
    layout = {k: request.pop(k) for k in ("per_theme", "evidence", "stars", "front_matter") if k in request}
    return build(store, load_builtin(), ExportRequest(options=DigestOptions(**layout), **request), now=NOW,
                 ignore=ignore, version=VERSION)


# --------------------------------------------------------------------------------------------
# Structure checks shared by every digest


def walk(tokens):
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


def check_structure(text: str, *, h2: list[str], stories: int, pulse: int | None = None) -> None:
    """Assert what every digest must be, whatever its options (see the module docstring).

    ``h2`` lists the section headings without their counts; each section's count must be the
    number of stories listed under it, and each "and N more" line must carry the command.
    """
    assert text.endswith("\n") and not text.endswith("\n\n")
    text.encode("utf-8")  # no lone surrogates
    tokens = MD.parse(text)
    kinds = {t.type for t in walk(tokens)}
    assert not kinds & {"html_inline", "html_block"}, "raw HTML reached the digest"
    headings = [(t.tag, tokens[i + 1].content) for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert [tag for tag, _ in headings].count("h1") == 1 and headings[0][0] == "h1"
    assert headings[0][1].startswith("chipwire digest: ")
    assert [content.split(" · ")[0] for tag, content in headings if tag == "h2"] == h2
    assert {tag for tag, _ in headings} <= {"h1", "h2"}
    # one top-level bullet per listed story; each section's heading counts its bullets
    per_section: dict[str, int] = {}
    section, kind = "", ""
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            section = tokens[i + 1].content
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            kind = token.type
        elif token.type == "list_item_open" and token.level == 1 and kind == "bullet_list_open":
            per_section[section] = per_section.get(section, 0) + 1
    assert sum(per_section.values()) == stories
    for heading, count in per_section.items():
        assert heading.endswith(f" · {count} {'story' if count == 1 else 'stories'}"), (heading, count)
    for token in walk(tokens):
        if token.type == "link_open":
            assert re.match(r"^https?://[^/\s]", token.attrGet("href"), re.I), token.attrGet("href")
        if token.type == "code_inline":  # only the scope's query and the "more" commands
            assert token.content.startswith("chipwire items --query ") or token.content.startswith(("@", "+", "-")) \
                or "@" in token.content, token.content
        assert token.type not in ("image", "code_block", "fence", "em_open", "strong_open", "s_open")
    for line in text.splitlines():
        if line.startswith("and ") and " more " in line:
            assert re.fullmatch(r"and \d+ more stor(y|ies) — `chipwire items --query '[^`']+'`", line), line
    # the pulse table: header + one row per theme, every row with the same number of cells
    rows, cells = [], []
    for token in tokens:
        if token.type == "tr_open":
            cells = []
        elif token.type in ("th_open", "td_open"):
            cells.append(token)
        elif token.type == "tr_close":
            rows.append(len(cells))
    if pulse is not None:
        assert rows == [4] * (pulse + 1)
        assert sum(1 for t in tokens if t.type == "table_open") == 1
    else:
        assert set(rows) <= {4}


def theme_titles(*ids: str) -> list[str]:
    themes = load_builtin()
    return [themes.title_of(i) for i in ids]


# --------------------------------------------------------------------------------------------
# Golden digests


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"missing golden {path}; run with CHIPWIRE_UPDATE_GOLDEN=1"
    assert text.encode("utf-8") == path.read_bytes(), f"{name} differs from its golden file"


DAY_SECTIONS = ["compute-bottleneck", "export-controls", "compliant-chips", "domestic-alternatives", "gray-market",
                "enforcement"]


def test_day_digest_matches_golden_and_is_well_formed(store) -> None:
    digest = digest_of(store)
    golden("day-2026-11-20.md", digest.text)
    check_structure(digest.text, h2=["The day in five", "Theme pulse", *theme_titles(*DAY_SECTIONS), "Other"],
                    stories=digest.stories)
    day_items = [i for i in all_items() if i["published"].startswith("2026-11-20")]
    # the H200 story collapses three reports into one row; Other has 14 stories, 10 listed
    assert digest.stories == 20 and digest.more == 4
    assert digest.stories + digest.more == len(day_items) - 2
    assert set(digest.item_ids) < {i["id"] for i in day_items}
    assert "and 4 more stories — `chipwire items --query '-compute-bottleneck" in digest.text


def test_filtered_day_states_its_scope_and_counts_within_the_filter(store) -> None:
    from briefing.query import parse_query

    query = parse_query("+enforcement", list(load_builtin().ids))
    digest = digest_of(store, query=query, unread=True)
    golden("day-2026-11-20-enforcement-unread.md", digest.text)
    check_structure(digest.text, h2=["Theme pulse", *theme_titles("gray-market", "enforcement")],
                    stories=digest.stories)
    assert "· unread items carrying Enforcement · query: `+enforcement @2026-11-20 ?` · times in UTC." in digest.text
    # the pulse counts the three enforcement items, not the day's 26; silent themes have no row
    assert "| Enforcement | 3 | new |" in digest.text and "| The gray market | 1 | new |" in digest.text
    assert "| Export controls |" not in digest.text
    assert digest.text.count("\n- ") == digest.stories == 3


def test_week_digest_is_capped_per_theme_with_the_rest_one_command_away(store) -> None:
    start, end = week_range(DAY)
    digest = digest_of(store, start=start, end=end, week=True, tagged_only=True, per_theme=2)
    golden("week-2026-W47-capped.md", digest.text)
    assert digest.text.startswith("# chipwire digest: week 2026-W47 (2026-11-16 to 2026-11-22)\n")
    h2 = ["The week in five", "Theme pulse", *theme_titles(*DAY_SECTIONS, "compute-geopolitics")]
    check_structure(digest.text, h2=h2, stories=digest.stories)
    assert "## Other" not in digest.text
    assert digest.label == "2026-W47"
    assert "and 1 more story — `chipwire items --query '+gray-market @2026-11-16..2026-11-22'`" in digest.text
    assert "and 1 more story — `chipwire items --query '+export-controls @2026-11-16..2026-11-22'`" in digest.text
    five = digest.text.split("## The week in five")[1].split("\n## ")[0]
    assert five.count("\n1. ") == 1 and len(re.findall(r"^\d\. ", five, re.M)) == 5
    assert five.index("Cloud providers ration H200") < five.index("\n2. ")  # three sources: first


def test_theme_filter_files_items_under_the_chosen_themes(store) -> None:
    digest = digest_of(store, start=date(2026, 11, 13), end=DAY, theme_ids=["gray-market", "enforcement"])
    golden("range-gray-enforcement.md", digest.text)
    check_structure(digest.text, h2=["The period in five", "Theme pulse", *theme_titles("gray-market", "enforcement")],
                    stories=digest.stories, pulse=2)
    # the Entity List item's best theme is export-controls, but it carries gray-market: it is
    # filed there and still names its best theme
    section = digest.text.split("## The gray market")[1].split("\n## ")[0]
    assert "Entity List adds three fictional shell firms" in section
    assert "also: export-controls" in section
    assert "items carrying any of The gray market or Enforcement" in digest.text


# --------------------------------------------------------------------------------------------
# Inert feed text


def test_no_hostile_text_becomes_structure(store) -> None:
    text = digest_of(store).text
    html = MD.render(text)
    assert not any(h.lower().startswith(("javascript", "data", "vbscript", "file")) for h in _hrefs(html))
    assert "<script>" not in html and "<img " not in html and "<div>" not in html
    # the literal characters survive as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "# heading injected" in html and "[x](javascript:alert(1)) click me" in html
    # a 2,000-character title is cut, a title's newlines do not break the bullet
    longest = max(len(line) for line in text.splitlines())
    assert longest < 1200
    assert "line one \\# line two - three four five" in text
    # hostile summaries become plain ledes: no heading, link, HTML or list from a lede either
    assert "# lede heading [click](javascript:alert(1)) &lt;script&gt;alert(1)&lt;/script&gt; smuggled text." in html
    assert "&lt;img src=x onerror=alert(1)&gt; **bold** `code` | pipe |" in html
    assert "1. list item - bullet &gt; quote &lt;div&gt;block&lt;/div&gt;" in html
    assert "<h1>lede" not in html and "<ol" not in html.split("</ol>", 1)[-1]


def _hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


HOSTILE = [i["title"] for i in hostile_items()] + [
    "\\", "\\\\*", "*", "_a_", "<!-- c -->", "<?php ?>", "<![CDATA[x]]>", "&#0;", "&nbsp;", "[a]: https://x",
    "![img](https://x/i.png)", "<https://x>", "~~~", "---", "===", "+ x", "2) x", "123456789. x",
    "# x #", "x  ", "a\\\nb", "  lead", "$$x$$", "{#id}", "| --- |", "\u2028", "\x00\x07",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_renders_as_the_literal_text(text: str) -> None:
    assert_literal(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc")), max_size=60))
def test_escape_is_literal_for_any_text(text: str) -> None:
    assert_literal(text)


def assert_literal(text: str) -> None:
    """``- <escaped>`` parses to one list item whose inline content is exactly the text."""
    expected = one_line(text)
    tokens = MD.parse(f"- x {escape(text)} y\n")
    assert [t.type for t in tokens] == [
        "bullet_list_open", "list_item_open", "paragraph_open", "inline", "paragraph_close",
        "list_item_close", "bullet_list_close",
    ]
    inline = tokens[3]
    assert {c.type for c in inline.children} <= {"text"}, [c.type for c in inline.children]
    # markdown-it replaces NUL with U+FFFD as CommonMark requires; nothing else may change
    assert "".join(c.content for c in inline.children) == f"x {expected} y".replace("\x00", "\ufffd").strip()


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/a", True), ("HTTP://EXAMPLE.COM", True), ("https://", False),
        ("javascript:alert(1)", False), (" javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<b>", False), ("vbscript:x", False), ("file:///etc/passwd", False),
        ("//example.com/x", False), ("/relative", False), ("", False), ("mailto:a@b.c", False),
        ("https://exa mple.com", True),
    ],
)
def test_only_web_urls_become_links(url: str, ok: bool) -> None:
    tokens = list(walk(MD.parse(f"- {link('Title (x)', url)}\n")))
    hrefs = [t.attrGet("href") for t in tokens if t.type == "link_open"]
    assert is_web_url(url) is ok
    assert len(hrefs) == (1 if ok else 0)
    text = "".join(t.content for t in tokens if t.type == "text")
    assert text == "Title (x)"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=40))
def test_any_url_path_stays_one_link(path: str) -> None:
    url = "https://example.com/" + path
    tokens = list(walk(MD.parse(f"- {link('t', url)} tail\n")))
    links = [t for t in tokens if t.type == "link_open"]
    assert len(links) == 1
    assert links[0].attrGet("href").startswith("https://example.com/")
    assert "".join(t.content for t in tokens if t.type == "text") == "t tail"


# --------------------------------------------------------------------------------------------
# Determinism, options and the pulse


def test_same_store_in_any_order_gives_the_same_bytes(tmp_path: Path, store) -> None:
    items = all_items()
    random.Random(7).shuffle(items)
    seed_store(tmp_path / "db", items)
    other = Store.open(tmp_path / "db", readonly=True)
    try:
        assert digest_of(other).text == digest_of(store).text
    finally:
        other.close()


def test_filters_combine(store) -> None:
    starred = digest_of(store, starred=True)
    assert starred.item_ids == ("w-h200-allocation",)
    unread = digest_of(store, unread=True)
    assert "l-h20-orders" not in unread.item_ids and "w-broker" in unread.item_ids
    scored = digest_of(store, min_score=6.0)
    assert set(scored.item_ids) == {"w-h200-allocation", "l-h200-allocation", "d-bis-rule", "l-h20-orders", "w-broker"}
    assert "## Other" not in scored.text
    rules, warning = parse_ignore_rules('[[rule]]\nname = "evil"\nfeed = "evil.example.net"\n')
    assert warning is None
    ignored = digest_of(store, ignore=rules)
    assert not any(i.startswith("x-") for i in ignored.item_ids)
    assert "hidden by ignore rules" in ignored.text
    assert "Evil" not in ignored.text


def test_since_last_leaves_out_what_a_sent_digest_listed(tmp_path: Path) -> None:
    seed_store(tmp_path / "db")
    store = Store.open(tmp_path / "db")
    try:
        sent = digest_of(store)
        record(store, sent, at=NOW, file="chipwire-digest-2026-11-20.md")
        again = digest_of(store, since_last=True, per_theme=None)
        # the four stories the sent digest left to its "more" line are still new
        assert not set(again.item_ids) & set(sent.item_ids) and again.stories == 4
        start, end = week_range(DAY)
        week = digest_of(store, start=start, end=end, week=True, since_last=True)
        golden("since-last-2026-W47.md", week.text)
        check_structure(week.text, h2=["The week in five", "Theme pulse",
                                       *theme_titles("compute-bottleneck", "export-controls", "domestic-alternatives",
                                                     "compute-geopolitics"), "Other"], stories=week.stories)
        assert "only items no earlier digest contained (last sent 2026-11-20 12:00 UTC)" in week.text
        record(store, week, at=NOW, file="w.md")
        record(store, again, at=NOW, file="d.md")
        empty = digest_of(store, since_last=True)
        check_structure(empty.text, h2=[], stories=0)
        assert "Nothing new since the last digest" in empty.text
        assert "| Theme |" not in empty.text and "0 items" not in empty.text  # no table of zeros
    finally:
        store.close()


def test_times_are_local_to_the_given_zone_and_named(store) -> None:
    tokyo = timezone(timedelta(hours=9))
    text = digest_of(store, tz=tokyo).text
    assert "2026-11-20 17:15 UTC+09:00" in text  # the starred H200 story, 08:15 UTC
    assert "2026-11-20 08:15 UTC ·" in digest_of(store).text


def test_empty_range_still_gives_a_valid_digest(store) -> None:
    digest = digest_of(store, start=date(2030, 1, 1), end=date(2030, 1, 1))
    check_structure(digest.text, h2=["Theme pulse"], stories=0, pulse=0)
    assert "No items match" in digest.text and digest.item_ids == ()


def test_pulse_rows_and_sparklines() -> None:
    counts = {"2026-11-18": {"a": 2}, "2026-11-19": {"a": 1, "b": 4}, "2026-11-20": {"a": 4}}
    rows = pulse_rows(counts, ["a", "b", "c"], DAY, DAY)
    assert rows[0] == PulseRow("a", 4, 1, (0, 0, 0, 0, 2, 1, 4))
    assert [r.change for r in rows] == ["+3", "\u22124", "±0"]
    assert PulseRow("d", 2, 0, ()).change == "new"
    week = pulse_rows(counts, ["a"], date(2026, 11, 19), DAY)
    assert week[0].count == 5 and week[0].previous == 2 and week[0].spark == (1, 4)
    assert sparkline([0, 1, 2, 4]) == "▁▃▅█"
    assert sparkline([0, 0]) == "▁▁"
    assert len(sparkline(list(range(90)))) <= 31


def test_helpers() -> None:
    assert first_sentence("One claim. Then more. And more.") == "One claim."
    assert first_sentence("U.S. rules bite hard. More.") == "U.S. rules bite hard."
    assert first_sentence("No full stop") == "No full stop"
    assert first_sentence("Rules bite, e.g. for H20 parts. Next.") == "Rules bite, e.g. for H20 parts."
    assert first_sentence("Is it? Yes.") == "Is it?"
    assert range_label(DAY, DAY) == "2026-11-20"
    assert range_label(date(2026, 11, 16), DAY) == "2026-11-16_2026-11-20"
    assert range_label(*week_range(DAY), week=True) == "2026-W47"
    assert range_label(*week_range(date(2027, 1, 1)), week=True) == "2026-W53"


# --------------------------------------------------------------------------------------------
# The since-last memory


def test_record_export_remembers_ids_bounded_by_age_and_count(tmp_path: Path, monkeypatch) -> None:
    store = Store.open(tmp_path / "db")
    try:
        at = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
        old = Digest("x\n", ("old",), {"old": "2025-10-01"}, 1, "2025-10-01")
        recent = Digest("x\n", ("new", "newer"), {"new": "2026-11-19", "newer": "2026-11-20"}, 2, "2026-11-20")
        record(store, old, at=datetime(2025, 10, 1, tzinfo=timezone.utc), file="a.md")
        assert "old" in exported_ids(store) and "new" not in exported_ids(store)
        record(store, recent, at=at, file="-")
        memory = exported_ids(store)
        assert "new" in memory and "newer" in memory and len(memory) == 2  # "old" is past retention
        assert sorted(store.meta("exports")["seen"]) == ["2026-11-19", "2026-11-20"]
        assert export_log(store)[-1] == {"at": "2026-11-20T12:00:00Z", "range": "2026-11-20", "file": "-", "count": 2}
        monkeypatch.setattr(export_module, "LOG_LIMIT", 3)
        for n in range(5):
            record(store, Digest("x\n", (), {}, 0, f"r{n}"), at=at, file="-")
        log = export_log(store)
        assert [e["range"] for e in log] == ["r2", "r3", "r4"]
    finally:
        store.close()
    reopened = Store.open(tmp_path / "db", readonly=True)
    try:
        assert len(exported_ids(reopened)) == 2 and "newer" in exported_ids(reopened)  # committed
    finally:
        reopened.close()


def test_a_corrupt_memory_is_treated_as_empty(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "db")
    try:
        store.set_meta("exports", ["not", "a", "dict"])
        store.commit()
        assert len(exported_ids(store)) == 0 and export_log(store) == []
        record(store, Digest("x\n", ("a",), {"a": "2026-11-20"}, 1, "d"), at=NOW, file="-")
        assert "a" in exported_ids(store) and "b" not in exported_ids(store)
    finally:
        store.close()


def test_plain_items_are_all_exported_once_over_the_fortnight(tmp_path: Path) -> None:
    seed_store(tmp_path / "db", plain_items())
    store = Store.open(tmp_path / "db")
    try:
        seen: set[str] = set()
        for offset in range(14, -1, -1):
            day = DAY - timedelta(days=offset)
            digest = digest_of(store, start=day - timedelta(days=1), end=day, since_last=True, per_theme=None)
            assert not seen & set(digest.item_ids)
            seen |= set(digest.item_ids)
            record(store, digest, at=NOW, file="-")
        assert seen == {i["id"] for i in plain_items()}
    finally:
        store.close()


# --------------------------------------------------------------------------------------------
# Optional parts: evidence, stars, front matter; ledes


def test_evidence_and_stars_only_when_asked(store) -> None:
    plain = digest_of(store)
    assert "evidence:" not in plain.text and "★" not in plain.text
    marked = digest_of(store, evidence=True, stars=True)
    assert "- ★ [Cloud providers ration H200 allocation" in marked.text
    assert "evidence: “H200”, “allocation”, “lead times”" in marked.text
    check_structure(marked.text, h2=["The day in five", "Theme pulse", *theme_titles(*DAY_SECTIONS), "Other"],
                    stories=marked.stories)


def test_front_matter_is_yaml_a_notes_vault_can_file(store) -> None:
    import json

    from mdit_py_plugins.front_matter import front_matter_plugin

    digest = digest_of(store, front_matter=True, unread=True)
    tokens = MarkdownIt("commonmark").enable("table").use(front_matter_plugin).parse(digest.text)
    assert tokens[0].type == "front_matter"
    fields = dict(line.split(": ", 1) for line in tokens[0].content.splitlines())
    assert fields["start"] == fields["end"] == "2026-11-20"
    # every other value is a JSON scalar or list, which YAML reads the same way
    values = {k: json.loads(v) for k, v in fields.items() if k not in ("start", "end")}
    assert values["filter"] == "unread items" and values["query"] == "@2026-11-20 ?"
    assert values["items"] == digest.matched and values["listed"] == digest.stories
    assert values["themes"][:2] == ["compute-bottleneck", "export-controls"] and values["since_last"] is False
    assert digest.text.split("---\n", 2)[2].lstrip("\n") == digest_of(store, unread=True).text


@pytest.mark.parametrize(("summary", "expected"), [
    ("One claim. Then more.", "One claim."),
    ("The U.S. rules bite. More.", "The U.S. rules bite."),
    ("Same title. The real lede here.", "The real lede here."),
    ("Same title continues without a stop", "Same title continues without a stop"),
    ("word " * 80, " ".join(["word"] * 39) + "…"),  # 199 characters at most, never half a word
    ("Ships rose. The post Ships rose appeared first on Wire.", "Ships rose."),
    ("Text [\u2026]", "Text"),
    ("", ""),
])
def test_lede_is_one_clean_sentence_cut_at_a_word(summary: str, expected: str) -> None:
    got = lede({"title": "Same title", "summary": summary})
    assert got == expected and len(got) <= 200


def test_the_app_s_search_is_stated_in_words_and_as_a_dated_query(store) -> None:
    """``/+gray-market @2w =wire`` in the app: the scope names it; the query gets real days."""
    from briefing.query import parse_query

    query = parse_query("+gray-market @2w =wire broker", list(load_builtin().ids))
    digest = digest_of(store, start=date(2026, 11, 7), end=DAY, query=query)
    assert ("items carrying The gray market, containing “broker”, from sources matching “wire”, "
            "published in the last 2 weeks") in digest.text
    assert "query: `broker +gray-market @2026-11-06..2026-11-20 =wire`" not in digest.text  # clipped to the range
    assert "query: `broker +gray-market @2026-11-07..2026-11-20 =wire`" in digest.text
    assert digest.item_ids == ("w-broker",)
    assert "| The gray market | 1 |" in digest.text and "| Enforcement | 1 |" in digest.text
