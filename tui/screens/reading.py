"""The briefing screen's reading loop: next/previous unread, numbered links, story order.

A mixin of :class:`tui.screens.briefing.BriefingScreen`, kept in its own module so the
screen's loading, flags and refresh code and the reading keys can change apart. It uses the
screen's view, request, ``open``/``load`` machinery and messages.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from textual import work

from core.session import ViewRequest
from tui.widgets.analysis_pane import AnalysisPane
from tui.widgets.story_list import StoryList

if TYPE_CHECKING:  # pragma: no cover
    from tui.screens.briefing import BriefingScreen as _Screen
else:
    _Screen = object


class ReadingLoop(_Screen):
    """``n``/``N``, ``1``-``9``/``L`` and ``O`` for the briefing screen (typed as the screen)."""

    def action_next_unread(self) -> None:
        """n: open the next unread item in briefing order, then on the next days with unread."""
        self._unread_step(1)

    def action_prev_unread(self) -> None:
        """N: the previous unread item, then on earlier days."""
        self._unread_step(-1)

    def _unread_step(self, direction: int) -> None:
        if self.view is None or self.request is None:
            return
        found = self._unread_in_view(direction)
        if found is not None:
            self._read_in_reader(found)
            return
        if self.view.searched is not None:  # a search names its own days: nothing beyond them
            self.notify("Nothing unread left in these results.", markup=False)
            return
        self._generation += 1
        self._unread_day_worker(self.request, direction, self._generation)

    def _unread_in_view(self, direction: int) -> str | None:
        """The next unread id in list order from the reader's item (exclusive) or the cursor
        (inclusive: from the list, ``n`` on an unread row opens that row)."""
        assert self.view is not None
        ids = self.view.item_ids()
        anchor = self.open_item or self.query_one(StoryList).highlighted_item
        if anchor in ids:
            start = ids.index(anchor) + (direction if self.open_item else 0)
        else:
            start = 0 if direction > 0 else len(ids) - 1
        index = start
        while 0 <= index < len(ids):
            if not self.view.items[ids[index]].get("read"):
                return ids[index]
            index += direction
        return None

    @work(thread=True, exit_on_error=False, group="view")
    def _unread_day_worker(self, request: ViewRequest, direction: int, generation: int) -> None:
        """Walk the days (or weeks) in ``direction`` to the first whose view shows an unread item.

        The store's day counts skip days with nothing unread without reading them; a day whose
        unread items the filters hide is built and passed over.
        """
        from tui.screens.briefing import LoadSkipped, Notice, ViewLoaded

        services = self.services
        day: date | None = request.day
        while True:
            day = services.step_day(day, direction, weekly=request.weekly) if day else None
            if day is None:
                self.post_message(Notice("Nothing unread left."))
                self.post_message(LoadSkipped(generation))
                return
            candidate = replace(request, day=day)
            if not services.unread_between(*candidate.range):
                continue
            view = services.build_view(candidate)
            unread = [i for i in view.item_ids() if not view.items[i].get("read")]
            if unread:
                target = unread[0] if direction > 0 else unread[-1]
                self.post_message(ViewLoaded(view, target, generation, open_after=target))
                self._prefetch_worker(candidate)
                return

    def _read_in_reader(self, item_id: str) -> None:
        """Cursor to the item, open it (marking it read), focus the reader."""
        self.query_one(StoryList).select_item(item_id)
        self.open(item_id)
        pane = self.query_one(AnalysisPane)
        if pane.display:
            pane.focus()

    def action_open_numbered_link(self, number: int) -> None:
        """1-9: open link ``number`` of the open item (else the item under the cursor)."""
        item = self.current_item()
        if item is None:
            return
        links = [link for link in item.get("links") or [] if isinstance(link, dict)]
        if not 1 <= number <= len(links):
            have = f"links 1–{len(links)}" if links else "no links"
            self.notify(f"No link {number}: this item has {have}.", severity="warning", markup=False)
            return
        self.open_url(str(links[number - 1].get("url") or ""))

    def action_pick_link(self) -> None:
        """L: type a link number (for 10 and up), then enter."""
        from tui.screens.link_prompt import LinkPrompt

        item = self.current_item()
        count = len((item or {}).get("links") or [])
        if not count:
            self.notify("This item has no links.", severity="warning", markup=False)
            return

        def chosen(number: int | None) -> None:
            if number is not None:
                self.action_open_numbered_link(number)

        self.app.push_screen(LinkPrompt(count), chosen)

    def action_toggle_order(self) -> None:
        """O: stories within a theme by relevance, or newest first (the header names which)."""
        if self.request is not None:
            latest = self.latest_request() or self.request
            self.reload(order="time" if latest.order == "relevance" else "relevance")
