"""The query language: every token, its errors, and the canonical form."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from briefing.query import MAX_REGEX_LEN, QueryError, parse_query

THEME_IDS = [
    "compute-bottleneck", "export-controls", "compliant-chips", "frontier-demand",
    "domestic-alternatives", "gray-market", "enforcement", "fragmentation",
    "supplier-concentration", "compute-geopolitics",
]
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def item(**over: object) -> dict:
    """A realistic item record; override any field."""
    base: dict = {
        "id": "https://reuters.example/a1",
        "feed": "https://www.reuters.example/technology/rss",
        "feed_title": "Reuters Technology",
        "title": "Singapore charges three men over Nvidia server smuggling",
        "link": "https://reuters.example/a1",
        "openable": True,
        "summary": "Prosecutors say the servers were diverted to Malaysia.\n\nThe case "
                   "follows a US request for information.",
        "author": "",
        "published": "2026-11-19T08:30:00Z",
        "published_estimated": False,
        "read": False,
        "starred": False,
        "themes": [
            {"id": "gray-market", "score": 0.9, "evidence": ["diverted"]},
            {"id": "enforcement", "score": 0.7, "evidence": ["charges"]},
        ],
        "entities": [{"name": "Nvidia", "kind": "company"}, {"name": "Singapore", "kind": "place"}],
        "story": "https://reuters.example/a1",
    }
    base.update(over)
    return base


def q(text: str):  # type: ignore[no-untyped-def]
    return parse_query(text, THEME_IDS)


def test_empty_query_matches_everything() -> None:
    for text in ("", "   ", '""'):
        query = q(text)
        assert query.is_empty
        assert query.matches(item(), NOW)
        assert query.date_range(NOW) == (None, None)
        assert str(query) == ""


def test_words_match_title_summary_feed_title_and_entities_all_required() -> None:
    assert q("SMUGGLING").matches(item(), NOW)  # title, case-insensitive
    assert q("malaysia").matches(item(), NOW)  # summary
    assert q("reuters").matches(item(), NOW)  # feed title
    it = item(title="Three men charged", summary="")
    assert q("nvidia").matches(it, NOW)  # entity name only
    assert q("charged three").matches(it, NOW)
    assert not q("charged huawei").matches(it, NOW)  # every word must match
    assert not q("q".join("xy")).matches(item(), NOW)


def test_quoted_phrase_is_one_word_and_may_start_with_a_prefix_char() -> None:
    assert q('"nvidia server"').matches(item(), NOW)
    assert not q('"server nvidia"').matches(item(), NOW)
    assert q('"+1 rating"').words == ("+1 rating",)
    assert q('"+1 rating"').matches(item(title="Analyst gives +1 rating"), NOW)
    # A half-typed phrase in the live filter still filters.
    assert q('"nvidia ser').words == ("nvidia ser",)


def test_plus_and_minus_themes_by_id_or_unique_prefix() -> None:
    assert q("+gray").include_themes == ("gray-market",)
    assert q("+gray-market").matches(item(), NOW)
    assert q("+enf").matches(item(), NOW)  # a non-best theme counts too
    assert not q("+export").matches(item(), NOW)
    assert not q("-enforcement").matches(item(), NOW)
    assert q("-export").matches(item(), NOW)
    assert not q("+gray").matches(item(themes=[]), NOW)


def test_unknown_or_ambiguous_theme_errors_suggest_a_fix() -> None:
    with pytest.raises(QueryError, match=r"unknown theme 'grey'; did you mean gray-market\?"):
        q("+grey")
    with pytest.raises(QueryError, match="did you mean enforcement"):
        q("-enforcment")
    with pytest.raises(QueryError, match="ambiguous: compute-bottleneck, compliant-chips"):
        q("+c")
    with pytest.raises(QueryError, match="themes are compute-bottleneck"):
        q("+zzz")
    with pytest.raises(QueryError, match=r"'\+' needs something"):
        q("nvidia +")


@pytest.mark.parametrize(("token", "published", "ok"), [
    ("@7d", "2026-11-13T12:00:00Z", True),  # exactly 7 days ago
    ("@7d", "2026-11-13T11:59:59Z", False),
    ("@2w", "2026-11-07T00:00:00Z", True),
    ("@2w", "2026-11-06T00:00:00Z", False),
    ("@1m", "2026-10-22T00:00:00Z", True),  # a month is 30 days
    ("@1m", "2026-10-20T00:00:00Z", False),
    ("@6h", "2026-11-20T07:00:00Z", True),
    ("@6h", "2026-11-20T05:00:00Z", False),
])
def test_relative_age(token: str, published: str, ok: bool) -> None:
    assert q(token).matches(item(published=published), NOW) is ok


def test_absolute_days_are_utc_and_inclusive() -> None:
    one_day = q("@2026-11-19")
    assert one_day.matches(item(published="2026-11-19T00:00:00Z"), NOW)
    assert one_day.matches(item(published="2026-11-19T23:59:59Z"), NOW)
    assert not one_day.matches(item(published="2026-11-20T00:00:00Z"), NOW)
    span = q("@2026-11-01..2026-11-19")
    assert span.matches(item(published="2026-11-01T00:00:00Z"), NOW)
    assert span.matches(item(published="2026-11-19T23:00:00Z"), NOW)
    assert not span.matches(item(published="2026-10-31T23:59:59Z"), NOW)
    assert q("@2026-11-19..").matches(item(), NOW)
    assert not q("@2026-11-20..").matches(item(), NOW)
    assert q("@..2026-11-19").matches(item(), NOW)
    assert not q("@..2026-11-18").matches(item(), NOW)


def test_date_range_for_the_store_intersects_all_date_tokens() -> None:
    assert q("@7d").date_range(NOW) == (date(2026, 11, 13), None)
    assert q("@2026-11-01..2026-11-30 @7d").date_range(NOW) == (date(2026, 11, 13),
                                                               date(2026, 11, 30))
    assert q("@2026-11-03").date_range(NOW) == (date(2026, 11, 3), date(2026, 11, 3))
    assert q("@..2026-11-05").date_range(NOW) == (None, date(2026, 11, 5))
    assert q("nvidia +gray").date_range(NOW) == (None, None)


@pytest.mark.parametrize(("text", "message"), [
    ("@2026-13-01", "bad date in '@2026-13-01': month must be in 1..12"),
    ("@yesterday", "bad date token '@yesterday': use @7d"),
    ("@2026-11-05..2026-11-01", "ends before it starts"),
    ("@..", "empty date range"),
    ("@2026-1-5", "use YYYY-MM-DD"),
])
def test_bad_dates(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message.replace("(", r"\(").replace(".", r"\.")):
        q(text)


def test_source_matches_feed_title_or_url_and_alternatives_are_ored() -> None:
    assert q("=reuters").matches(item(), NOW)
    assert q("=www.reuters.example/tech").matches(item(), NOW)
    assert not q("=scmp").matches(item(), NOW)
    assert q("=scmp =REUTERS").matches(item(), NOW)
    assert q('="reuters technology"').matches(item(), NOW)
    # Entity names and titles are not sources.
    assert not q("=singapore").matches(item(), NOW)


def test_regex_excludes_title_or_summary_matches() -> None:
    assert not q("!smuggl(ing|ed)").matches(item(), NOW)
    assert not q("!DIVERTED").matches(item(), NOW)  # summary, case-insensitive
    assert q("!rumou?r").matches(item(), NOW)
    # The feed title is not searched by !regex.
    assert q("!Reuters").matches(item(), NOW)


@pytest.mark.parametrize(("pattern", "message"), [
    ("!(", r"bad regex '\(': missing \), unterminated subpattern"),
    ("![a-", "bad regex '\\[a-'"),
    ("!(a+)+b", "repeats a repetition"),
    ("!(\\w*\\s)*x", "repeats a repetition"),
    ("!" + "a" * (MAX_REGEX_LEN + 1), f"regex 'a{{40}}...' is longer than {MAX_REGEX_LEN} "),
])
def test_bad_or_risky_regex_is_refused_by_name(pattern: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        q(pattern)


def test_starred_and_unread() -> None:
    assert not q("*").matches(item(), NOW)
    assert q("*").matches(item(starred=True), NOW)
    assert q("?").matches(item(), NOW)
    assert not q("?").matches(item(read=True), NOW)
    assert q("* ?").starred and q("* ?").unread


def test_canonical_form_round_trips() -> None:
    text = ('Nvidia  "Entity List" +gray -enf @7d @2026-11-01..2026-11-20 @2026-11-03 '
            '=Reuters !rumou?r ? * +gray-market')
    query = q(text)
    canonical = str(query)
    assert canonical == ('nvidia "entity list" +gray-market -enforcement @7d '
                         '@2026-11-01..2026-11-20 @2026-11-03 =reuters !rumou?r * ?')
    assert q(canonical) == query
    assert str(q(canonical)) == canonical
    assert str(q('!"rumour mill" ="Financial Times" @2026-11-01..')) == (
        '@2026-11-01.. ="financial times" !"rumour mill"')


def test_untrusted_item_text_is_only_data() -> None:
    hostile = item(title="[bold red]x[/] $(rm -rf ~) {__import__('os')}", summary="")
    assert q("__import__").matches(hostile, NOW)
    assert q("[bold").matches(hostile, NOW)
    # A pattern made of the same characters is just a regex, compiled, never evaluated.
    assert not q(r"!\$\(rm").matches(hostile, NOW)


def test_filtering_ten_thousand_items_with_every_token() -> None:
    # Speed is measured by the benchmarks, not asserted here; this checks every token kind
    # together on a large batch of long items.
    items = [item(id=str(n), title=f"Headline {n} about Nvidia chips", summary="x " * 400)
             for n in range(10_000)]
    query = q("nvidia +gray -export @7d =reuters !rumou?r ?")
    hits = sum(query.matches(it, NOW) for it in items)
    assert hits == 10_000


# -- properties -----------------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_TOKEN = st.one_of(
    st.text(alphabet="abcxyzé0123 ", min_size=1, max_size=12).map(lambda s: f'"{s}"'),
    st.sampled_from(["nvidia", "H20", "Entity", "smic"]),
    st.sampled_from(THEME_IDS).map(lambda t: "+" + t),
    st.sampled_from(["+gray", "+exp", "+compute-b", "+Enforcement"]),
    st.sampled_from(["-enf", "-gray-market", "-frontier"]),
    st.sampled_from(["@7d", "@2W", "@12h", "@2026-11-01", "@2026-11-01..", "@..2026-11-30",
                     "@2026-11-01..2026-11-19"]),
    st.sampled_from(["=reuters", '="financial times"', "=SCMP"]),
    st.sampled_from(["!rumou?r", '!"sponsored content"', r"!\bh20\b", "!^ad:"]),
    st.sampled_from(["*", "?"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TOKEN, max_size=8))
def test_canonical_form_is_a_fixed_point(tokens: list[str]) -> None:
    query = q(" ".join(tokens))
    canonical = str(query)
    assert q(canonical) == query
    assert str(q(canonical)) == canonical


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_or_raises_query_error(text: str) -> None:
    try:
        query = q(text)
    except QueryError as exc:
        assert str(exc)
        return
    query.matches(item(), NOW)
    query.date_range(NOW)
