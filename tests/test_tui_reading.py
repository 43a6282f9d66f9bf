"""The reading loop: n/N through the unread, the item pane as a pager, numbered links, back
one level at a time, quick day steps, times in the person's zone, the sort toggle."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from snapshot_apps.data import NOW, build_home, fixed_items, item
from test_tui_briefing import Recorder, header_text, list_text, make, screen_of, settle

from tui.widgets.analysis_pane import AnalysisPane
from tui.widgets.search_bar import SearchBar
from tui.widgets.story_list import StoryList

D28 = datetime(2025, 11, 28, tzinfo=timezone.utc)
LONG = "\n\n".join(f"Paragraph {n} of a long article about export licences and chips." for n in range(80))
LINKS = [{"text": "the rule", "url": "https://gov.example/rule"},
         {"text": "the filing", "url": "http://court.example/filing"},
         {"text": "sneaky", "url": "javascript:alert(1)"}]


@pytest.fixture
def home(tmp_path: Path):
    return build_home(tmp_path / "home")


def list_order(app) -> list[str]:
    """Every item id of the view in the order the list shows them (leads, then other sources)."""
    return screen_of(app).view.item_ids()


def pane_text(app) -> str:
    return str(app.screen.query_one("#analysis-body").render())


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_n_reads_the_unread_in_list_order_then_says_nothing_is_left(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        order = list_order(app)
        assert len(order) == 8
        seen = []
        for _ in order:
            await pilot.press("n")
            await settle(pilot)
            seen.append(screen.open_item)
            assert isinstance(app.focused, AnalysisPane)  # the reader has the keys
            assert screen.query_one(StoryList).highlighted_item == screen.open_item
        assert seen == order  # across theme groups, other sources of a story included
        assert screen.view.unread == 0 and "0 unread" in header_text(app)
        await pilot.press("n")  # the 28th is the last day: nothing later has unread
        await settle(pilot)
        assert screen.open_item == order[-1]
        assert any("Nothing unread left" in text for text in notices(app))


async def test_n_skips_read_items_and_goes_on_to_the_next_day(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-27"
        first, second, third = list_order(app)
        await pilot.press("j")  # cursor on the second row, then mark it read: n must skip it
        await pilot.press("m")
        await pilot.press("k")
        await pilot.press("n")
        await settle(pilot)
        assert screen.open_item == first
        await pilot.press("n")
        await settle(pilot)
        assert screen.open_item == third
        await pilot.press("n")  # nothing unread left on the 27th: the 28th's first unread
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-28"
        assert screen.open_item == list_order(app)[0]
        assert screen.view.items[screen.open_item]["read"] is True
        assert isinstance(app.focused, AnalysisPane)


async def test_N_goes_back_and_on_to_earlier_days(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        order = list_order(app)
        await pilot.press("n", "n")
        await settle(pilot)
        assert screen.open_item == order[1]
        await pilot.press("N")  # order[0] is read now: nothing unread before on this day
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-27"
        assert screen.open_item == list_order(app)[-1]  # the earlier day's last unread


async def test_n_in_unread_only_view_and_A_still_mark_all(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("u")
        await settle(pilot)
        assert screen.request.unread_only
        await pilot.press("n")
        await settle(pilot)
        opened = screen.open_item
        assert screen.view.items[opened]["read"] is True
        await pilot.press("escape", "A")
        await settle(pilot)
        assert screen.view.unread == 0
        await pilot.press("n")
        await settle(pilot)
        assert screen.open_item is None


def reading_home(root: Path) -> object:
    """The fixed items plus one long article with links (a9) to read and page through."""
    long = item("a9", D28 + timedelta(hours=10), "Long read on licences", themes=["export-controls"],
                summary=LONG.replace("Paragraph 1 ", "Paragraph 1 the rule [1] the filing [2] ", 1))
    long["links"] = LINKS
    return build_home(root, fixed_items() + [long])


async def open_a9(pilot) -> None:
    await settle(pilot)
    stories = pilot.app.screen.query_one(StoryList)
    for _ in range(20):
        if stories.highlighted_item == "a9":
            break
        await pilot.press("j")
    await pilot.press("enter")
    await settle(pilot)
    assert screen_of(pilot.app).open_item == "a9"


async def test_the_reader_pages_with_space_b_pgdn_pgup_and_moves_with_j_k_g_G(tmp_path):
    app, _ = make(reading_home(tmp_path / "home"))
    async with app.run_test(size=(160, 48)) as pilot:
        await open_a9(pilot)
        pane = app.screen.query_one(AnalysisPane)
        await pilot.press("tab")
        assert isinstance(app.focused, AnalysisPane)
        height = pane.scrollable_content_region.height
        await pilot.press("space")
        await pilot.pause()
        assert pane.scroll_y >= height - 2
        await pilot.press("space")
        await pilot.pause()
        two_pages = pane.scroll_y
        assert two_pages >= 2 * (height - 2)
        await pilot.press("b")
        await pilot.pause()
        assert 0 < pane.scroll_y < two_pages
        await pilot.press("pageup")
        await pilot.pause()
        assert pane.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert pane.scroll_y > 0
        await pilot.press("G")
        await pilot.pause()
        assert pane.scroll_y == pane.max_scroll_y > 0
        await pilot.press("g")
        await pilot.pause()
        assert pane.scroll_y == 0
        await pilot.press("j", "j")
        await pilot.pause()
        assert pane.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert pane.scroll_y == 1
        assert screen_of(app).open_item == "a9"  # space paged; it did not expand a story


async def test_the_reader_numbers_links_and_digits_open_them(tmp_path):
    recorder = Recorder()
    app, _ = make(reading_home(tmp_path / "home"), opener=recorder)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_a9(pilot)
        text = pane_text(app)
        assert "the rule [1] the filing [2]" in text
        assert "Links" in text and "[1] the rule" in text and "https://gov.example/rule" in text
        await pilot.press("1")
        await settle(pilot)
        assert recorder == ["https://gov.example/rule"]
        await pilot.press("tab", "2")  # from the focused reader too
        await settle(pilot)
        assert recorder[-1] == "http://court.example/filing"
        await pilot.press("3")  # a javascript: link that slipped into the record: refused
        await settle(pilot)
        assert len(recorder) == 2
        assert any("Refused" in n for n in notices(app))
        await pilot.press("7")
        await settle(pilot)
        assert len(recorder) == 2 and any("No link 7" in n for n in notices(app))


async def test_L_then_a_number_opens_that_link(tmp_path):
    recorder = Recorder()
    app, _ = make(reading_home(tmp_path / "home"), opener=recorder)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await open_a9(pilot)
        await pilot.press("L")
        await pilot.pause()
        await pilot.press("9", "enter")  # out of range: the prompt says so and stays
        await pilot.pause()
        assert any("Not a link number" in n for n in notices(app))
        await pilot.press("backspace", "2", "enter")
        await settle(pilot)
        assert recorder == ["http://court.example/filing"]
        await pilot.press("L", "escape")
        await settle(pilot)
        assert recorder == ["http://court.example/filing"]


async def test_back_goes_back_one_level_reader_list_results_day(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("slash")
        await pilot.press(*"H20")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        results = list_order(app)
        assert results and screen.request.query == "H20"
        await pilot.press("enter")  # opens (or expands) the first result; enter again opens
        await settle(pilot)
        if screen.open_item is None:
            await pilot.press("enter")
            await settle(pilot)
        assert screen.open_item is not None
        await pilot.press("tab")
        await pilot.press("escape")  # reader -> list: the item closes, the search stays
        await settle(pilot)
        assert screen.open_item is None
        assert isinstance(app.focused, StoryList)
        assert screen.request.query == "H20" and list_order(app) == results
        assert screen.query_one(SearchBar).display
        await pilot.press("escape")  # results -> day
        await settle(pilot)
        assert screen.request.query == "" and len(list_order(app)) == 8
        assert not screen.query_one(SearchBar).display


async def test_escape_in_the_search_input_is_the_search_own_escape(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("slash", *"H20")
        await settle(pilot)
        assert screen.request.query == "H20"
        await pilot.press("escape")
        await settle(pilot)
        assert screen.request.query == ""


def many_days_home(root: Path):
    """One item a day on seven consecutive days."""
    items = [item(f"d{n}", D28 - timedelta(days=n) + timedelta(hours=9), f"Day {n} story",
                  themes=["export-controls"]) for n in range(7)]
    return build_home(root, items)


def slow_views(app, seconds: float = 0.3) -> None:
    """Views take ``seconds`` to build (a cold month file on a slow disk), so keys typed in a
    burst arrive while a load is still on its way — the case where presses used to be lost."""
    import time

    build = app.services.build_view

    def slow(request):
        time.sleep(seconds)
        return build(request)

    app.services.build_view = slow


async def test_quick_day_keys_all_count(tmp_path):
    app, _ = make(many_days_home(tmp_path / "home"))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        slow_views(app)
        screen = screen_of(app)
        assert str(screen.request.day) == "2025-11-28"
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-25"
        await pilot.press("right_square_bracket", "left_square_bracket", "left_square_bracket",
                          "right_square_bracket", "right_square_bracket")
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-26"
        await pilot.press(*["left_square_bracket"] * 10)  # past the first day: stops there
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-22"


async def test_a_filter_typed_while_day_steps_load_keeps_both(tmp_path):
    app, _ = make(many_days_home(tmp_path / "home"))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        slow_views(app)
        screen = screen_of(app)
        await pilot.press("left_square_bracket", "left_square_bracket", "u")
        await settle(pilot)
        assert str(screen.request.day) == "2025-11-26" and screen.request.unread_only


def sort_home(root: Path):
    """Two export-control stories: an older, more relevant one and a newer, weaker one."""
    items = [
        item("old", D28 + timedelta(hours=6), "Older but central", themes=["export-controls"]),
        item("new", D28 + timedelta(hours=11), "Newer and marginal", themes=["compute-bottleneck", "export-controls"]),
        item("top", D28 + timedelta(hours=8), "Another central one", themes=["export-controls"]),
    ]
    items[1]["themes"] = [{"id": "export-controls", "score": 0.3, "evidence": ["x"]}]
    return build_home(root, items)


async def test_O_toggles_relevance_and_newest_and_the_header_says_which(tmp_path):
    app, _ = make(sort_home(tmp_path / "home"))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert "by relevance" in header_text(app)
        assert list_order(app)[-1] == "new"  # the weakest last
        await pilot.press("O")
        await settle(pilot)
        assert "newest first" in header_text(app)
        assert list_order(app) == ["new", "top", "old"]
        await pilot.press("O")
        await settle(pilot)
        assert "by relevance" in header_text(app) and list_order(app)[-1] == "new"
        assert screen.request.order == "relevance"


async def test_times_follow_the_zone_and_rows_off_the_day_carry_their_date(home):
    late = item("late", D28 + timedelta(hours=23, minutes=30), "Late story", themes=["export-controls"])
    paths = build_home(home.root.parent / "zoned", fixed_items() + [late])
    paths.config_file.write_text('[app]\ntz = "Asia/Taipei"\n', encoding="utf-8")
    app, _ = make(paths)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        head = header_text(app)
        assert "by relevance  ·  CST" in head
        text = list_text(app)
        assert " 16:00 Singapore broker" in text  # a3: 08:00 UTC is 16:00 in Taipei, on the day shown
        assert "Sat 29 Nov 07:30" in text  # late: 23:30 UTC is the next day in Taipei
        await pilot.press("w")  # a week: every row is dated
        await settle(pilot)
        assert "Fri 28 Nov 16:00 Singapore broker" in list_text(app) and "Thu 27 Nov" in list_text(app)


async def test_times_default_to_the_local_zone(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        assert "by relevance  ·  UTC" in header_text(app)  # the tests pin TZ=UTC (conftest)
        assert "●  08:00 Singapore broker" in list_text(app)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert "UTC" in pane_text(app)


async def test_the_footer_lists_the_everyday_keys_when_wide(home):
    from textual.widgets._footer import FooterKey

    for width, wide in ((160, True), (120, True), (100, False)):
        app, _ = make(home)
        async with app.run_test(size=(width, 40)) as pilot:
            await settle(pilot)
            keys = {key.action for key in app.screen.query(FooterKey)}
            assert {"search", "refresh"} <= keys
            everyday = {"next_unread", "toggle_unread", "toggle_read", "export", "feeds", "open_link"}
            assert (everyday <= keys) is wide and (not keys & everyday) is (not wide)


async def test_help_explains_the_row_marks(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        text = app.screen.text
        assert "+N" in text and "▸" in text
        assert "Open next unread item" in text and "Page down" in text and "open link 1–9" in text


async def test_next_unread_is_remappable_by_id(home):
    home.config_file.write_text('[keys]\nnext-unread = "x"\n', encoding="utf-8")
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("n")
        await settle(pilot)
        assert screen.open_item is None  # n is no longer bound
        await pilot.press("x")
        await settle(pilot)
        assert screen.open_item == list_order(app)[0]


async def test_hostile_link_text_in_the_reader_is_shown_literally(tmp_path):
    items = fixed_items()
    items[0]["summary"] = "See [1] and [9]."
    items[0]["links"] = [{"text": "[@click=app.quit]x[/] [bold]y", "url": "https://ok.example/"}]
    app, _ = make(build_home(tmp_path / "home", items))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        if screen_of(app).open_item != items[0]["id"]:
            screen_of(app).open(items[0]["id"])
            await settle(pilot)
        text = pane_text(app)
        assert "[1] [@click=app.quit]x[/] [bold]y" in text
        assert "See [1] and [9]." in text  # a number without a link stays plain text
        assert app.is_running


async def test_toggles_typed_faster_than_a_load_all_count(home):
    app, _ = make(home)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        slow_views(app)
        screen = screen_of(app)
        await pilot.press("u", "w", "O")
        await settle(pilot)
        assert screen.request.unread_only and screen.request.weekly and screen.request.order == "time"
        await pilot.press("u", "u", "w")
        await settle(pilot)
        assert screen.request.unread_only and not screen.request.weekly
