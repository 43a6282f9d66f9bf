"""The story list: the view's items grouped under theme headings, one line per story.

An ``OptionList`` renders through the Line API (only visible lines are painted), so a day or a
week of rows is cheap; nothing is mounted per item. Every prompt is a ``rich.text.Text`` built
from parts and the list is created with ``markup=False``: feed titles such as
``[@click=app.quit]x[/]`` show literally and run nothing.

Row ids: ``h:<theme>`` headings (disabled, so the cursor skips them), ``i:<id>`` story leads,
``c:<id>`` the other sources of an expanded story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone, tzinfo
from typing import Sequence

from rich.text import Text
from textual import _widget_navigation
from textual.geometry import Size
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from briefing.titles import display_title
from briefing.model import OTHER, StoryRow, ThemeGroup


@dataclass(frozen=True)
class RowClock:
    """How rows write their times: in ``zone``; a row not on ``day`` (any row when ``day`` is
    None, a week or a search) also gets its date, and ``width`` keeps the titles aligned."""

    zone: tzinfo = timezone.utc
    day: date | None = None
    width: int = 5

    def when(self, item: dict) -> datetime | None:
        """The item's time in the zone, or None when it has no readable time."""
        try:
            return datetime.fromisoformat((item.get("published") or "").replace("Z", "+00:00")).astimezone(self.zone)
        except ValueError:
            return None

    def needs_date(self, item: dict) -> bool:
        """Would this row be misread without its date (not on the day the header names)?"""
        when = self.when(item)
        return when is not None and (self.day is None or when.date() != self.day)

    def text(self, item: dict) -> str:
        """``06:45``, or ``Mon 30 Nov 06:45`` off the day, padded to :attr:`width`."""
        when = self.when(item)
        if when is None:
            return " " * self.width
        stamp = when.strftime("%a %d %b %H:%M") if self.needs_date(item) else when.strftime("%H:%M")
        return stamp.rjust(self.width)


def _time(item: dict, multi_day: bool, clock: RowClock | None = None) -> str:
    """The row's time column (without a clock: dated, in UTC)."""
    return (clock or RowClock(width=16)).text(item)


def _marks(item: dict) -> Text:
    """Unread and starred as symbols, so they read without colour."""
    text = Text()
    text.append("●" if not item.get("read") else " ", style="bold")
    text.append("★" if item.get("starred") else " ", style="bold")
    return text


def story_text(story: StoryRow, *, expanded: bool, multi_day: bool, hidden_by: str | None = None,
               clock: RowClock | None = None) -> Text:
    """One story line: marks, time, title, source, theme badges, "+N sources".

    A row an ignore rule hides (shown because the person pressed ``H``) is dimmed and says so
    in words, so it reads as hidden without colour.
    """
    lead = story.lead
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append_text(_marks(lead))
    text.append(f" {_time(lead, multi_day, clock)} ", style="dim")
    if story.others:
        # Before the title: a long title must not ellipsise away the fact that there is more.
        arrow = "▾" if expanded else "▸"
        text.append(f"{arrow}+{len(story.others)} ", style="bold")
    title = display_title(lead)
    text.append(title, style="" if lead.get("read") else "bold")
    text.append(" · ", style="dim")
    text.append(lead.get("feed_title") or lead.get("feed") or "", style="italic dim")
    if story.others:
        text.append(f" +{len(story.others)} source{'s' if len(story.others) != 1 else ''}", style="dim")
    for badge in story.badges:
        text.append(" ")
        text.append(f"[{badge}]", style="dim")
    if hidden_by is not None:
        text.stylize("dim")
        text.append(" ⊘ hidden", style="italic")
    return text


def source_text(item: dict, *, multi_day: bool, hidden_by: str | None = None,
                clock: RowClock | None = None) -> Text:
    """A secondary source of an expanded story, indented under its lead (dimmed when hidden)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append("    └ ")
    text.append_text(_marks(item))
    text.append(f" {_time(item, multi_day, clock)} ", style="dim")
    text.append(item.get("feed_title") or item.get("feed") or "", style="italic")
    text.append(": ", style="dim")
    text.append(display_title(item))
    if hidden_by is not None:
        text.stylize("dim")
        text.append(" ⊘ hidden", style="italic")
    return text


def heading_text(group: ThemeGroup) -> Text:
    """A theme heading with its story count."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"━ {group.title} ", style="bold")
    text.append(f"({len(group.rows)})", style="dim")
    return text


class StoryList(OptionList):
    """The grouped list; posts :class:`Highlighted`, :class:`Opened` and keeps expansion state."""

    @dataclass
    class Highlighted(Message):
        """The cursor is on this item id (``None`` when the list is empty)."""

        item_id: str | None
        theme: str | None

    @dataclass
    class Opened(Message):
        """Open this item in the analysis pane."""

        item_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self._groups: list[ThemeGroup] = []
        self._stories: dict[str, StoryRow] = {}
        self._theme_of: dict[str, str] = {}
        self.expanded: set[str] = set()
        self._multi_day = False
        self._clock = RowClock()
        #: Item id -> ignore rule name, for rows shown although a rule hides them.
        self.hidden_by: dict[str, str] = {}

    # -- data in --------------------------------------------------------------------------

    def show(self, groups: Sequence[ThemeGroup], *, multi_day: bool = False, keep: str | None = None,
             hidden_by: dict[str, str] | None = None, zone: tzinfo = timezone.utc,
             day: date | None = None) -> None:
        """Replace the rows, keeping the cursor on item ``keep`` (or the same item as before).

        ``hidden_by`` names the ignore rule of each hidden item the view still shows (dimmed).
        Times are written in ``zone``; rows not on ``day`` (the single day the header names;
        None for a week or a search) carry their date too.
        """
        keep = keep if keep is not None else self.highlighted_item
        self.hidden_by = dict(hidden_by or {})
        self._groups = list(groups)
        self._multi_day = multi_day
        self._stories = {}
        self._theme_of = {}
        clock = RowClock(zone, None if multi_day else day)
        dated = False
        for group in self._groups:
            for story in group.rows:
                self._stories[story.lead["id"]] = story
                for item in (story.lead, *story.others):
                    self._theme_of[item["id"]] = group.theme or OTHER
                    dated = dated or clock.needs_date(item)
        self._clock = RowClock(zone, clock.day, len("Mon 30 Nov 06:45") if dated else 5)
        self._rebuild(keep)

    def _rebuild(self, keep: str | None) -> None:
        options: list[Option] = []
        for group in self._groups:
            options.append(Option(heading_text(group), id=f"h:{group.theme or OTHER}", disabled=True))
            for story in group.rows:
                lead_id = story.lead["id"]
                is_open = lead_id in self.expanded
                options.append(Option(self._story_text(story), id=f"i:{lead_id}"))
                if is_open:
                    for other in story.others:
                        options.append(Option(self._source_text(other), id=f"c:{other['id']}"))
        with self.prevent(OptionList.OptionHighlighted):
            self.set_options(options)
            target = None
            if keep is not None:
                target = self._index_of(keep)
                if target is None:  # a child of a collapsed story: land on its lead
                    for story in self._stories.values():
                        if any(o["id"] == keep for o in story.others):
                            target = self._index_of(story.lead["id"])
                            break
            if target is None:
                target = _widget_navigation.find_first_enabled(self.options)
            self.highlighted = target
        self._announce()

    def _update_lines(self) -> None:
        """Map options to lines without measuring every prompt: each row here is one line.

        ``OptionList`` measures the height of every option whenever options change, which
        converts each ``Text`` prompt to Content and wraps it: most of the cost of a day
        switch (150 rows: 20-40 ms on a loaded 2-core machine). Our prompts are single-line
        ``no_wrap`` Text (titles are cleaned to one line) and there are no dividers, so every
        option is exactly one line; rendering still happens lazily, for visible rows only, and
        only this widget repaints.
        Overrides a private hook of Textual, which is pinned exactly (8.2.8) for this reason;
        ``test_story_list_maps_one_line_per_option`` guards it.
        """
        if not self.scrollable_content_region:
            return
        cache = self._line_cache
        lines = cache.lines
        for index in range(lines[-1][0] + 1 if lines else 0, len(self.options)):
            cache.index_to_line[index] = len(lines)
            cache.heights[index] = 1
            lines.append((index, 0))
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        virtual_size = Size(width, len(lines))
        if virtual_size != self.virtual_size:
            # ``virtual_size`` is a layout reactive: assigning it reflows and repaints the
            # whole screen (~60 ms at 160x48), though only this list's scroll range changed.
            # Set it quietly and update the scrollbars; when a scrollbar appears or goes, its
            # own reactive still asks for the layout that then is needed.
            self.set_reactive(OptionList.virtual_size, virtual_size)
            self._scroll_update(virtual_size)
            self.refresh()

    def _story_text(self, story: StoryRow) -> Text:
        lead_id = story.lead["id"]
        return story_text(story, expanded=lead_id in self.expanded, multi_day=self._multi_day,
                          hidden_by=self.hidden_by.get(lead_id), clock=self._clock)

    def _source_text(self, item: dict) -> Text:
        return source_text(item, multi_day=self._multi_day, hidden_by=self.hidden_by.get(item["id"]),
                           clock=self._clock)

    def _index_of(self, item_id: str) -> int | None:
        for prefix in ("i:", "c:"):
            try:
                return self.get_option_index(prefix + item_id)
            except OptionDoesNotExist:
                continue
        return None

    def refresh_items(self, items: list[dict]) -> None:
        """Repaint the rows of several items after their flags changed (one pass, no rebuild)."""
        changed = {item["id"]: item for item in items}
        for story in self._stories.values():
            lead = changed.get(story.lead["id"])
            if lead is not None:
                story.lead = lead
                self.replace_option_prompt(f"i:{lead['id']}", self._story_text(story))
            for index, other in enumerate(story.others):
                item = changed.get(other["id"])
                if item is not None:
                    story.others[index] = item
                    if story.lead["id"] in self.expanded:
                        self.replace_option_prompt(f"c:{item['id']}", self._source_text(item))

    def refresh_item(self, item: dict) -> None:
        """Repaint the row(s) of one item after its flags changed (no full rebuild)."""
        self.refresh_items([item])

    # -- state out ------------------------------------------------------------------------

    @property
    def highlighted_item(self) -> str | None:
        """The item id under the cursor, or None."""
        option = self.highlighted_option
        if option is None or option.id is None or option.id.startswith("h:"):
            return None
        return option.id[2:]

    @property
    def highlighted_story(self) -> StoryRow | None:
        """The story whose lead is under the cursor (None on a secondary source)."""
        option = self.highlighted_option
        if option is None or option.id is None or not option.id.startswith("i:"):
            return None
        return self._stories.get(option.id[2:])

    def _announce(self) -> None:
        item_id = self.highlighted_item
        self.post_message(self.Highlighted(item_id, self._theme_of.get(item_id) if item_id else None))

    def _on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._announce()

    def _on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        story = self.highlighted_story
        if story is not None and story.others and story.lead["id"] not in self.expanded:
            self.toggle_expand()
            return
        item_id = self.highlighted_item
        if item_id is not None:
            self.post_message(self.Opened(item_id))

    # -- actions --------------------------------------------------------------------------

    def toggle_expand(self) -> None:
        """Show or hide the other sources of the story under the cursor."""
        story = self.highlighted_story
        if story is None:
            item_id = self.highlighted_item
            for candidate in self._stories.values():  # on a child row: collapse its story
                if any(o["id"] == item_id for o in candidate.others):
                    story = candidate
                    break
        if story is None or not story.others:
            return
        lead_id = story.lead["id"]
        if lead_id in self.expanded:
            self.expanded.discard(lead_id)
        else:
            self.expanded.add(lead_id)
        self._rebuild(lead_id)

    def widest_row(self) -> int:
        """Cells the longest row needs (the screen gives the list that much when it can)."""
        widths = [option.prompt.cell_len for option in self.options if isinstance(option.prompt, Text)]
        return max(widths, default=0) + self._get_left_gutter_width() + 1  # + the scrollbar

    def select_item(self, item_id: str) -> bool:
        """Put the cursor on ``item_id``, expanding its story when it is a hidden other source.

        For ``n``/``N``: the unread item they open may be a second source of a collapsed story,
        and the cursor must show where the reader is.
        """
        if self._index_of(item_id) is None:
            for story in self._stories.values():
                if any(o["id"] == item_id for o in story.others):
                    self.expanded.add(story.lead["id"])
                    self._rebuild(item_id)
                    break
        index = self._index_of(item_id)
        if index is None:
            return False
        self.highlighted = index
        return True

    def action_cursor_down(self) -> None:
        """Next row, stopping at the bottom (no wrap: holding j must not jump to the top)."""
        target = _widget_navigation.find_next_enabled_no_wrap(self.options, self.highlighted, 1)
        if target is not None:
            self.highlighted = target

    def action_cursor_up(self) -> None:
        """Previous row, stopping at the top."""
        target = _widget_navigation.find_next_enabled_no_wrap(self.options, self.highlighted, -1)
        if target is not None:
            self.highlighted = target
