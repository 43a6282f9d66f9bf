"""The home screen: a day's (or week's) briefing — themes, stories, and the analysis pane.

The screen owns the :class:`~core.session.ViewRequest` (day, weekly, unread-only, theme,
query) and every call into :class:`~core.session.Services`. Widgets get data pushed down
(``show(...)``) and report intent up with messages. Store reads, flag writes, exports and the
refresh pipeline all run in thread workers; their results come back as messages, so the event
loop never waits on disk or network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from tui import keymap
from tui.commands import ChipwireCommands
from core.session import REFRESH_BUSY, BriefingView, RefreshBusy, Services, ViewRequest
from tui.screens.reading import ReadingLoop
from tui.screens.theme_corrections import ThemeCorrections
from tui.widgets.analysis_pane import AnalysisPane, zone_label
from tui.widgets.briefing_footer import BriefingFooter
from tui.widgets.header_bar import HeaderBar, HeaderInfo
from tui.widgets.refresh_bar import RefreshBar
from tui.widgets.search_bar import SearchBar
from tui.widgets.story_list import StoryList
from tui.widgets.theme_column import ALL, ThemeColumn, ThemeEntryData

if TYPE_CHECKING:  # pragma: no cover
    from tui.opener import LinkOpener

#: Below this width the analysis pane folds away; ``a`` brings it up as an overlay.
WIDE = 110
#: The narrowest the pane gets beside the story list on a wide terminal (a readable column).
PANE_MIN = 48


@dataclass
class ViewLoaded(Message):
    """A view finished building in a worker (``generation`` drops stale, overtaken loads)."""

    view: BriefingView
    keep: str | None
    generation: int
    #: A later part of a streamed archive search: keep the cursor where it is now.
    follow: bool = False
    #: ``n``/``N`` found their unread item on another day: open it in the reader once painted.
    open_after: str | None = None


@dataclass
class LoadSkipped(Message):
    """A load ended without a new view (no earlier/later day): the screen is settled again."""

    generation: int


@dataclass
class RefreshProgress(Message):
    """One feed finished during a refresh; floods collapse (only the latest matters)."""

    done: int
    total: int
    title: str

    def can_replace(self, message: Message) -> bool:  # noqa: D102 - Textual hook
        return isinstance(message, RefreshProgress)


@dataclass
class RefreshDone(Message):
    """The refresh worker finished; ``report`` is the pipeline's RefreshReport."""

    report: Any
    #: Items stored since the view was last counted, by anyone (a cron refresh included).
    new_to_view: int | None = None


@dataclass
class Retagged(Message):
    """The start-up check re-tagged stored items because the themes changed."""

    count: int


@dataclass
class OutsideChanged(Message):
    """The watcher saw another process's writes (store or config files): reload in place."""

    change: Any


@dataclass
class FullTextLoaded(Message):
    """A full-text worker finished: ``result`` is a ``core.fulltext.FullText`` (or None: not cached)."""

    result: Any
    asked: bool


@dataclass
class Notice(Message):
    """A worker wants to tell the person something (plain text, never markup)."""

    text: str
    severity: str = "information"


def _is_web_link(link: str) -> bool:
    """Only http(s) URLs with a host may reach the browser (no javascript:, file:, data:...)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


class BriefingScreen(ThemeCorrections, ReadingLoop, Screen):
    """Theme column | story list | analysis pane, with header, refresh bar, search and footer."""

    BINDINGS = keymap.bindings("briefing")
    #: The palette's commands act on this screen, so the screen declares them (the app does not).
    COMMANDS = {ChipwireCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE, "-wide")]

    def __init__(self, services: Services, opener: LinkOpener, *,
                 after_first_paint: Callable[[], None] | None = None) -> None:
        """``opener`` opens links (``o``, the numbered links); ``after_first_paint`` runs once
        the first view is on screen (``run_app``'s GC policy)."""
        super().__init__(id="briefing")
        self.services = services
        self.opener = opener
        self._after_first_paint = after_first_paint
        self.request: ViewRequest | None = None
        self.view: BriefingView | None = None
        self.open_item: str | None = None
        self._generation = 0
        #: The generation of the view on screen (``_generation`` runs ahead while one loads).
        self._painted = 0
        #: A re-tag finished while a view was loading: that view may hold the old tags.
        self._reload_after_paint = False
        self.refreshing = False
        #: A poll for other processes' writes is running (polls never overlap).
        self._watching = False
        #: Item id -> article text fetched (F) or cached, shown instead of the feed's summary.
        self._full_texts: dict[str, str] = {}
        #: Day steps asked for while a step load is on its way: (request it started from,
        #: total steps). Each ``[``/``]`` adds one, so quick presses all count.
        self._steps: tuple[ViewRequest, int] | None = None
        self._zone = services.display_zone()
        #: The request of the load on its way (None once painted, or for the default day).
        self._wanted: ViewRequest | None = None
        #: The pane width :meth:`_fit_story_width` set (None: the CSS decides).
        self._pane_width: int | None = None
        self._widest_row = 0

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        refresh_bar = RefreshBar(id="refresh-bar")
        refresh_bar.display = False
        yield refresh_bar
        with Horizontal(id="body"):
            yield ThemeColumn(id="themes")
            yield StoryList(id="stories")
            yield AnalysisPane(id="analysis")
        search = SearchBar(id="search")
        search.display = False
        yield search
        yield BriefingFooter()

    def on_mount(self) -> None:
        self.query_one(StoryList).focus()
        self.load(None)
        self._retag_worker()
        interval = getattr(getattr(self.services.settings, "app", None), "auto_refresh", 0) or 0
        if interval > 0:
            self.set_interval(float(interval), self._auto_refresh, name="auto-refresh")
        from core.watch import POLL_SECONDS

        self.set_interval(POLL_SECONDS, self._poll_outside, name="watch-outside")

    def on_screen_resume(self) -> None:
        """Back from feeds/help: reload (a refresh or feed removal there may have changed items).

        Not when a load is already on its way (a dialog such as the theme picker just asked for
        one): reloading the painted request would overtake and undo it.
        """
        if self.request is not None and self._painted == self._generation:
            self.reload()

    # -- loading --------------------------------------------------------------------------

    def load(self, request: ViewRequest | None, *, keep: str | None = None, step: int = 0) -> None:
        """Build a view in a thread worker; ``None`` means the default day, ``step`` ±N days with items.

        Any new load overtakes pending day steps (``_step`` records its own after calling this).
        """
        self._steps = None
        self._wanted = request
        self._generation += 1
        self._load_worker(request, keep, step, self._generation)

    @work(thread=True, exit_on_error=False, group="view")
    def _load_worker(self, request: ViewRequest | None, keep: str | None, step: int, generation: int) -> None:
        services = self.services
        if not services.watcher.started:  # what is on disk now is what the first view shows
            services.watcher.baseline()
        if request is None:
            request = ViewRequest(day=services.default_day())
        if step:
            target = self._step_days(request.day, step, weekly=request.weekly)
            if target is None:
                self.post_message(Notice("No earlier day with items." if step < 0 else "No later day with items."))
                self.post_message(LoadSkipped(generation))
                return
            request = replace(request, day=target)
        follow = False
        for view in services.views(request):
            if generation != self._generation:
                return  # typed on: a newer load replaces this one (stop reading old months)
            self.post_message(ViewLoaded(view, keep, generation, follow))
            follow = True
        self._prefetch_worker(request)

    def _step_days(self, day: date, steps: int, *, weekly: bool) -> date | None:
        """``steps`` days (or weeks) with items away from ``day``; as far as there are, None if none."""
        direction = 1 if steps > 0 else -1
        target: date | None = None
        for _ in range(abs(steps)):
            found = self.services.step_day(target or day, direction, weekly=weekly)
            if found is None:
                break
            target = found
        return target

    @work(thread=True, exit_on_error=False, group="retag")
    def _retag_worker(self) -> None:
        """Themes changed since the items were tagged: re-tag them all once, off the loop."""
        count = self.services.retag_if_stale()
        if count:
            self.post_message(Retagged(count))

    def on_retagged(self, message: Retagged) -> None:
        """Say so, and repaint the view with the new tags (the cache was dropped)."""
        self.notify(f"themes changed: re-tagged {message.count} item{'s' if message.count != 1 else ''}",
                    title="Themes", markup=False)
        if self.request is not None and self._painted == self._generation:
            self.reload()
        else:  # a load is in flight and may have read the old tags: reload once it is painted
            self._reload_after_paint = True

    @work(thread=True, exit_on_error=False, exclusive=True, group="prefetch")
    def _prefetch_worker(self, request: ViewRequest) -> None:
        """After a view is shown, read the neighbouring days so [ and ] answer from memory."""
        self.services.prefetch(request.day, 1, weekly=request.weekly)

    # -- other processes' writes -----------------------------------------------------------

    def _poll_outside(self) -> None:
        """Timer: look for other processes' writes, unless a poll or a load is under way."""
        if self._watching or self.request is None or self._painted != self._generation:
            return
        self._watching = True
        self._watch_worker()

    @work(thread=True, exit_on_error=False, group="watch")
    def _watch_worker(self) -> None:
        change = self.services.outside_changes()
        self._watching = False  # an error leaves it set: polling stops (see on_worker_state_changed)
        if change is not None:
            self.post_message(OutsideChanged(change))

    def on_outside_changed(self, message: OutsideChanged) -> None:
        """Reload the view in place (cursor and open item kept) and say what came in."""
        notice = message.change.notice()
        if notice:
            self.notify(notice, title="Updated", markup=False)
        if self.request is not None and not (message.change.new_items and self._showing_empty_default()):
            self.reload()
        else:  # the first items of an empty home: go where they landed
            self.load(replace(self.request, day=self.services.default_day()) if self.request else None)

    def on_load_skipped(self, message: LoadSkipped) -> None:
        """Nothing new to paint, but no load is pending any more."""
        if message.generation == self._generation:
            self._steps = self._wanted = None
            self._painted = message.generation
            self._reload_if_retagged()

    def on_view_loaded(self, message: ViewLoaded) -> None:
        """Paint a freshly built view, unless a newer load was started meanwhile."""
        if message.generation != self._generation:
            return
        view = message.view
        keep = self.query_one(StoryList).highlighted_item if message.follow else message.keep
        self._steps = None
        self._wanted = None
        first_paint = self.view is None
        self.view = view
        self.request = view.request
        self._painted = message.generation
        if first_paint and self._after_first_paint is not None:
            self.call_after_refresh(self._after_first_paint)
        start, end = view.span
        self._paint_header()
        entries = [ThemeEntryData(ALL, "All themes", view.total, [])]
        entries += [ThemeEntryData(t.id, t.title, t.count, t.spark) for t in view.themes]
        self.query_one(ThemeColumn).show(entries, view.request.theme)
        self.query_one(StoryList).show(view.groups, multi_day=start != end or view.archive, keep=keep,
                                       hidden_by=view.hidden_by, zone=self._zone, day=start)
        self._fit_story_width()
        search = self.query_one(SearchBar)
        if view.request.query.strip():
            if view.query_error:
                search.set_status(view.query_error, error=True)
            else:
                more = "" if view.complete else " so far…"
                search.set_status(f"{view.shown} match{'es' if view.shown != 1 else ''}{more}")
        if self.open_item and self.open_item in view.items:
            self._show_item(view.items[self.open_item])
        elif self.open_item is not None:  # the open item left the view (other day, filtered out)
            self.close_item()
        else:
            self._show_theme_for_cursor()
        if message.open_after and message.open_after in view.items:
            self._read_in_reader(message.open_after)
        self._reload_if_retagged()

    def on_resize(self) -> None:
        """A new width: share it again between the headlines and the pane."""
        self._widest_row = 0
        self._fit_story_width()

    def _fit_story_width(self) -> None:
        """Wide terminals: the story list gets the width its headlines need (the widest row
        since the last resize), the pane the rest (at least :data:`PANE_MIN` columns, at most
        40%); below :data:`WIDE` the CSS rules.

        Set only when it changes (a quarter-column step would relayout the screen on every
        day switch for nothing).
        """
        pane = self.query_one(AnalysisPane)
        width = self.size.width
        if width < WIDE:
            if self._pane_width is not None:  # the narrow overlay's CSS width applies again
                pane.styles.clear_rule("width")
                self._pane_width = None
            return
        themes = self.query_one(ThemeColumn).outer_size.width or 30
        # The widest row seen so far, not this view's: a width that followed every day would
        # relayout the whole screen on most day switches (~25 ms at 160x48).
        self._widest_row = max(self._widest_row, self.query_one(StoryList).widest_row())
        spare = width - themes - self._widest_row - 1
        target = max(PANE_MIN, min(int(width * 0.4), spare))
        target -= target % 4
        if target != self._pane_width:
            pane.styles.width = target
            self._pane_width = target

    def _reload_if_retagged(self) -> None:
        """A re-tag landed while the view just painted was loading: read it again, once."""
        if self._reload_after_paint:
            self._reload_after_paint = False
            self.reload()

    def _paint_header(self) -> None:
        """Header figures from the current view (also after a flag flips: unread changes)."""
        view = self.view
        if view is None:
            return
        start, end = view.span
        filters = []
        if view.request.theme:
            filters.append(f"theme: {self.services.theme_titles().get(view.request.theme, view.request.theme)}")
        if view.request.unread_only:
            filters.append("unread only")
        if view.request.query.strip():
            filters.append(f"/{view.request.query.strip()}")
            filters.append(self._searched_label(view))
        self.query_one(HeaderBar).show(
            HeaderInfo(start, end, view.total, view.shown, view.unread, view.last_refresh, view.demo,
                       self.services.clock(), tuple(filters), hidden=view.hidden,
                       showing_hidden=view.request.show_hidden,
                       zone=zone_label(self._zone, self.services.clock()), order=view.request.order)
        )

    @staticmethod
    def _searched_label(view: BriefingView) -> str:
        """Which days the search covers: all stored (still reading, or the newest N) or dates."""
        if view.archive:
            if not view.complete:
                return "searching all stored…"
            from core.search import LIMIT

            return f"all stored (newest {LIMIT})" if view.limited else "all stored"
        if view.searched is not None:
            return "dates from the query"
        return "this week" if view.request.weekly else "this day"

    def reload(self, **changes: Any) -> None:
        """Reload the current view with some request fields changed, keeping the cursor's item."""
        if self.request is None:
            return
        keep = self.query_one(StoryList).highlighted_item
        if self._steps is not None:  # day steps are on their way: change the request they move
            base, steps = self._steps
            self.load(replace(base, **changes), keep=keep, step=steps)
            self._steps = (replace(base, **changes), steps)
            return
        self.load(replace(self.latest_request() or self.request, **changes), keep=keep)

    def latest_request(self) -> ViewRequest | None:
        """The request the screen is heading for: a load's still on its way, else the painted one.

        Toggles read it, so ``u`` then ``w`` typed faster than a load both count (each used to
        start from the painted request, and the second load overtook the first).
        """
        if self._steps is not None:
            return self._steps[0]
        return self._wanted or self.request

    # -- analysis pane --------------------------------------------------------------------

    def _show_theme(self, theme_id: str | None) -> None:
        if theme_id is None:
            return
        pane = self.query_one(AnalysisPane)
        titles = self.services.theme_titles()
        count = None
        if self.view is not None:
            for summary in self.view.themes:
                if summary.id == theme_id:
                    count = summary.count
        if theme_id == ALL:
            analysis = getattr(self.services.themes, "analysis", "")
            theme = type("Analysis", (), {"thesis": analysis, "watch": None})()
            pane.show_theme(ALL, theme, title="The compute cold war", count=self.view.total if self.view else None)
            return
        pane.show_theme(theme_id, self.services.theme(theme_id), title=titles.get(theme_id, theme_id), count=count)

    def _show_theme_for_cursor(self) -> None:
        stories = self.query_one(StoryList)
        item_id = stories.highlighted_item
        theme = stories._theme_of.get(item_id) if item_id else None
        self._show_theme(theme or (self.request.theme if self.request else None) or ALL)

    @on(StoryList.Highlighted)
    def _story_highlighted(self, message: StoryList.Highlighted) -> None:
        if self.open_item is None:
            self._show_theme(message.theme or ALL)

    @on(ThemeColumn.Highlighted)
    def _theme_highlighted(self, message: ThemeColumn.Highlighted) -> None:
        if self.open_item is None:
            self._show_theme(message.theme)

    @on(ThemeColumn.Selected)
    def _theme_selected(self, message: ThemeColumn.Selected) -> None:
        self.reload(theme=message.theme)
        self.query_one(StoryList).focus()

    @on(StoryList.Opened)
    def _story_opened(self, message: StoryList.Opened) -> None:
        self.open(message.item_id)

    def open(self, item_id: str) -> None:
        """Show an item in the analysis pane (an overlay when narrow) and mark it read."""
        if self.view is None or item_id not in self.view.items:
            return
        item = self.view.items[item_id]
        self.open_item = item_id
        self.add_class("-item-open")
        self._show_item(item)
        if not item.get("read"):
            self._set_flag(item, read=True)
        if item_id not in self._full_texts:
            self._full_text_worker(item, asked=False)  # shows a cached article, fetches nothing

    def _show_item(self, item: dict) -> None:
        """The item in the analysis pane, with the ignore rule that hides it (if one does)."""
        hidden_by = self.view.hidden_by.get(item["id"]) if self.view is not None else None
        full = self._full_texts.get(item["id"])
        if full is not None:  # the article replaces the teaser (a copy: the view keeps its item)
            item = {**item, "summary": full}
        self.query_one(AnalysisPane).show_item(item, self.services.theme_titles(), hidden_by=hidden_by,
                                               zone=self._zone)

    def close_item(self) -> None:
        """Back from an open item to the theme analysis."""
        self.open_item = None
        self.remove_class("-item-open")
        self._show_theme_for_cursor()

    # -- flags ----------------------------------------------------------------------------

    def current_item(self) -> dict | None:
        """The open item, else the item under the cursor."""
        if self.view is None:
            return None
        item_id = self.open_item or self.query_one(StoryList).highlighted_item
        return self.view.items.get(item_id) if item_id else None

    def _set_flag(self, item: dict, *, read: bool | None = None, starred: bool | None = None) -> None:
        """Flip a flag now in the view, persist it in a worker (the store write is off-loop)."""
        if read is not None and read != bool(item.get("read")) and self.view is not None:
            self.view.unread += -1 if read else 1
        if read is not None:
            item["read"] = read
        if starred is not None:
            item["starred"] = starred
        self.query_one(StoryList).refresh_item(item)
        self._paint_header()
        if self.open_item == item["id"]:
            self._show_item(item)
        self._flags_worker([item["id"]], read=read, starred=starred)

    # -- messages from workers ------------------------------------------------------------

    def on_notice(self, message: Notice) -> None:
        """Show a worker's notice (plain text)."""
        self.notify(message.text, severity=message.severity, markup=False)  # type: ignore[arg-type]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker failures: tell the person, keep the app alive."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "refresh":
            self._end_refresh()
            what = "Refresh failed"
        elif event.worker.group == "flags":
            what = "Could not save the flag"
        elif event.worker.group == "export":
            what = "Export failed"
        elif event.worker.group == "retag":
            what = "Could not re-tag the stored items"
        elif event.worker.group == "fulltext":
            what = "Could not get the full text"
        elif event.worker.group == "watch":
            self._watching = True  # say it once, and stop polling a store that cannot be read
            what = "Stopped checking for other processes' changes"
        else:
            self._painted = self._generation  # no view is coming: let a resume reload again
            self._steps = self._wanted = None
            what = "Could not load the briefing"
        self.notify(f"{what}: {error}", severity="error", markup=False, timeout=10)

    # -- refresh --------------------------------------------------------------------------

    def start_refresh(self, *, force: bool = False) -> bool:
        """Start the refresh worker unless a refresh runs (here or on the feeds screen)."""
        if self.refreshing or self.services.refresh_running:
            return False
        self.refreshing = True
        self.query_one(RefreshBar).start()
        self._refresh_worker(force)
        return True

    def _auto_refresh(self) -> None:
        self.start_refresh()

    @work(thread=True, exit_on_error=False, group="refresh")
    def _refresh_worker(self, force: bool) -> None:
        def progress(done: int, total: int, outcome: Any) -> None:
            self.post_message(RefreshProgress(done, total, str(getattr(outcome, "title", "") or "")))

        try:
            report = self.services.refresh(force=force, on_progress=progress)
        except RefreshBusy as exc:  # another refresh took the lock between the check and here
            self.post_message(Notice(str(exc), "warning"))
            report = None
        new_to_view = self.services.watcher.take_new_items() if report is not None else None
        self.post_message(RefreshDone(report, new_to_view))

    def on_refresh_progress(self, message: RefreshProgress) -> None:
        """Move the progress bar."""
        self.query_one(RefreshBar).advance(message.done, message.total, message.title)

    def _end_refresh(self) -> None:
        self.refreshing = False
        self.query_one(RefreshBar).finish()

    def on_refresh_done(self, message: RefreshDone) -> None:
        """Summarise the refresh and reload the view, keeping the cursor on the same item."""
        self._end_refresh()
        report = message.report
        if report is None:  # refused: nothing ran, nothing to reload
            return
        new = max(len(getattr(report, "new_ids", []) or []), message.new_to_view or 0)
        failed = list(getattr(report, "failed", []) or [])
        summary = f"{new} new item{'s' if new != 1 else ''}"
        if failed:
            names = ", ".join((o.title or o.url)[:40] for o in failed[:3])
            more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
            summary += f"; {len(failed)} feed{'s' if len(failed) != 1 else ''} failed: {names}{more}"
        self.notify(summary, title="Refresh", severity="warning" if failed else "information", markup=False)
        hook_error = getattr(report, "hook_error", None)
        if hook_error:  # the items are stored; the person's own command failed
            self.notify(hook_error, title="New-items hook", severity="warning", markup=False, timeout=10)
        if self.request is not None and not (new and self._showing_empty_default()):
            self.reload()
        else:
            # First refresh of an empty home (or new items while an empty day is shown): go to
            # the default day — today, or the latest day with items — instead of staying on
            # an empty page while the news landed on earlier days.
            self.load(replace(self.request, day=self.services.default_day()) if self.request else None)

    def _showing_empty_default(self) -> bool:
        """Is the screen on an unfiltered, empty single day?"""
        view, request = self.view, self.request
        if view is None or request is None or view.total or view.searched:
            return False
        return not (request.weekly or request.theme or request.query.strip() or request.unread_only)

    # -- actions (keys and palette) -------------------------------------------------------

    def _focused_pane(self) -> Any:
        focused = self.focused
        for pane in (ThemeColumn, StoryList, AnalysisPane):
            if isinstance(focused, pane):
                return focused
        return self.query_one(StoryList)

    def action_cursor_down(self) -> None:
        """j / down."""
        pane = self._focused_pane()
        if isinstance(pane, ThemeColumn):
            pane.move(1)
        elif isinstance(pane, AnalysisPane):
            pane.scroll_down(animate=False)
        else:
            pane.action_cursor_down()

    def action_cursor_up(self) -> None:
        """k / up."""
        pane = self._focused_pane()
        if isinstance(pane, ThemeColumn):
            pane.move(-1)
        elif isinstance(pane, AnalysisPane):
            pane.scroll_up(animate=False)
        else:
            pane.action_cursor_up()

    def action_cursor_top(self) -> None:
        """g."""
        pane = self._focused_pane()
        if isinstance(pane, ThemeColumn):
            pane.move_to(0)
        elif isinstance(pane, AnalysisPane):
            pane.scroll_home(animate=False)
        else:
            pane.action_first()

    def action_cursor_bottom(self) -> None:
        """G."""
        pane = self._focused_pane()
        if isinstance(pane, ThemeColumn):
            pane.move_to(-1)
        elif isinstance(pane, AnalysisPane):
            pane.scroll_end(animate=False)
        else:
            pane.action_last()

    def _panes(self) -> list[Any]:
        panes: list[Any] = [self.query_one(ThemeColumn), self.query_one(StoryList)]
        analysis = self.query_one(AnalysisPane)
        if analysis.display and analysis.region.width > 0:
            panes.append(analysis)
        return panes

    def _cycle(self, delta: int) -> None:
        panes = self._panes()
        current = self._focused_pane()
        index = panes.index(current) if current in panes else 1
        panes[(index + delta) % len(panes)].focus()

    def action_next_pane(self) -> None:
        """tab."""
        self._cycle(1)

    def action_prev_pane(self) -> None:
        """shift+tab."""
        self._cycle(-1)

    def action_open(self) -> None:
        """enter outside the list: open the item under the list cursor."""
        pane = self._focused_pane()
        if isinstance(pane, ThemeColumn):
            pane.action_select()
            return
        item_id = self.query_one(StoryList).highlighted_item
        if item_id:
            self.open(item_id)

    def action_expand(self) -> None:
        """space / l: show or hide a story's other sources."""
        self.query_one(StoryList).toggle_expand()

    def action_back(self) -> None:
        """escape, one level at a time: close the item (reader -> list), then clear the search
        (results -> day), drop the overlay, then the theme filter.

        The item closes first: an item opened from search results goes back to the results,
        and the search stays until its own escape.
        """
        if self.open_item is not None:
            self.close_item()
            self.query_one(StoryList).focus()
            return
        search = self.query_one(SearchBar)
        if search.display or (self.request and self.request.query):
            search.input.value = ""
            search.display = False
            self.query_one(StoryList).focus()
            if self.request and self.request.query:
                self.reload(query="")
            return
        if self.has_class("-show-analysis"):
            self.remove_class("-show-analysis")
            self.query_one(StoryList).focus()
            return
        if self.request and self.request.theme:
            self.reload(theme=None)
            return
        if not isinstance(self.focused, StoryList):
            self.query_one(StoryList).focus()

    def action_prev_day(self) -> None:
        """[: the previous day (or week) with items."""
        self._step(-1)

    def action_next_day(self) -> None:
        """]: the next day (or week) with items."""
        self._step(1)

    def _step(self, delta: int) -> None:
        """Move ``delta`` days, adding to the steps of a day load still on its way.

        Each press used to start from the painted day, and a newer load drops the one before,
        so ``[[[`` typed faster than a load moved one or two days, not three.
        """
        if self.request is None:
            return
        base, steps = self._steps if self._steps is not None else (self.request, 0)
        steps += delta
        if steps == 0:  # ``[`` then ``]``: back where the screen is
            self._steps = None
            self.load(base)
            return
        self.load(base, step=steps)
        self._steps = (base, steps)

    def goto_day(self, day: date) -> None:
        """Show a given day (palette "go to date")."""
        if self.request is not None:
            self.load(replace(self.request, day=day))
        else:
            self.load(ViewRequest(day=day))

    def action_goto_date(self) -> None:
        """Palette "Go to date…": type a day; no items that day -> the nearest earlier day."""
        from tui.screens.date_prompt import DatePrompt

        def chosen(day: date | None) -> None:
            if day is not None:
                self._goto_typed_worker(day)

        self.app.push_screen(DatePrompt(self.services.today()), chosen)

    @work(thread=True, exit_on_error=False, group="view")
    def _goto_typed_worker(self, day: date) -> None:
        target, note = self.services.resolve_day(day)
        if note:
            self.post_message(Notice(note))
        self.app.call_from_thread(self.goto_day, target)

    def action_toggle_hidden(self) -> None:
        """H: show or hide again the items ignore.toml rules hide (shown ones are dimmed)."""
        if self.request is not None:
            showing = not (self.latest_request() or self.request).show_hidden
            self.reload(show_hidden=showing)
            hidden = self.view.hidden if self.view is not None else 0
            if showing and not hidden:
                self.notify("No items are hidden by ignore rules in this view.", markup=False)

    def action_pick_theme(self) -> None:
        """t: a small dialog of the themes with the view's counts; enter filters, escape cancels."""
        from tui.screens.theme_picker import ALL_THEMES, ThemeChoice, ThemePicker

        if self.view is None:
            return
        choices = [ThemeChoice(ALL_THEMES, "All themes", self.view.total)]
        choices += [ThemeChoice(t.id, t.title, t.count) for t in self.view.themes]

        def picked(choice: str | None) -> None:
            if choice is None:
                return
            self.reload(theme=None if choice == ALL_THEMES else choice)
            self.query_one(StoryList).focus()

        self.app.push_screen(ThemePicker(choices, self.view.request.theme), picked)

    def set_theme(self, theme: str | None) -> None:
        """Filter to a theme (palette)."""
        self.reload(theme=theme)

    def action_search(self) -> None:
        """/: open the live filter."""
        search = self.query_one(SearchBar)
        if self.request is not None:
            search.input.value = self.request.query
        search.open()

    def search_for(self, query: str) -> None:
        """Show a search (the feeds screen's enter: ``=feed``) with the search bar showing it;
        escape clears it as it clears a typed one."""
        search = self.query_one(SearchBar)
        search.input.value = query
        search.display = True
        self.query_one(StoryList).focus()
        if self.request is not None:
            # Set now: the search bar's own Changed (from the value set above) reloads this.
            self.request = replace(self.request, query=query, theme=None)
            self.load(self.request)

    @on(SearchBar.Changed)
    def _search_changed(self, message: SearchBar.Changed) -> None:
        self.reload(query=message.text)

    @on(SearchBar.Done)
    def _search_done(self, message: SearchBar.Done) -> None:
        self.query_one(StoryList).focus()

    @on(SearchBar.Cancelled)
    def _search_cancelled(self, message: SearchBar.Cancelled) -> None:
        self.query_one(StoryList).focus()
        self.reload(query="")

    def action_toggle_unread(self) -> None:
        """u: unread only."""
        if self.request is not None:
            self.reload(unread_only=not (self.latest_request() or self.request).unread_only)

    def action_toggle_weekly(self) -> None:
        """w: day / week."""
        if self.request is not None:
            self.reload(weekly=not (self.latest_request() or self.request).weekly)

    def action_toggle_star(self) -> None:
        """s: star or unstar the current item."""
        item = self.current_item()
        if item is not None:
            self._set_flag(item, starred=not item.get("starred"))

    def action_toggle_read(self) -> None:
        """m: mark read or unread."""
        item = self.current_item()
        if item is not None:
            self._set_flag(item, read=not item.get("read"))

    def action_mark_all_read(self) -> None:
        """A: mark every item in view read — after a filter or search, only those it shows
        (newsboat's "mark feed read" for the briefing). Other sources of a story included."""
        if self.view is None:
            return
        unread = [item for item in self.view.items.values() if not item.get("read")]
        if not unread:
            self.notify("Nothing unread in view.", markup=False)
            return
        for item in unread:
            item["read"] = True
        self.view.unread = max(0, self.view.unread - len(unread))
        self.query_one(StoryList).refresh_items(unread)
        self._paint_header()
        if self.open_item and self.open_item in self.view.items:
            self._show_item(self.view.items[self.open_item])
        self._flags_worker([item["id"] for item in unread], read=True)
        self.notify(f"Marked {len(unread)} item{'s' if len(unread) != 1 else ''} read.", markup=False)

    @work(thread=True, exit_on_error=False, group="flags")
    def _flags_worker(self, ids: list[str], *, read: bool | None = None, starred: bool | None = None) -> None:
        """Persist flags off the event loop (the view already shows them)."""
        self.services.set_flags(ids, read=read, starred=starred)

    def action_open_link(self) -> None:
        """o: open the link in the browser; only http(s) links are handed over."""
        item = self.current_item()
        if item is None:
            return
        link = item.get("link") or ""
        if not link:
            self.notify("This item has no link.", severity="warning", markup=False)
            return
        self.open_url(link, openable=bool(item.get("openable", True)))

    def open_url(self, link: str, *, openable: bool = True) -> None:
        """Hand an http(s) URL to the opener (``o`` and the numbered links); refuse anything else."""
        if not openable or not _is_web_link(link):
            self.notify(f"Refused to open a non-web link: {link[:80]}", severity="warning", markup=False)
            return
        if self.opener.needs_terminal():
            # A console browser (w3m, lynx...) needs the terminal: hand it over until it exits.
            from textual.app import SuspendNotSupported

            try:
                with self.app.suspend():
                    opened = self.opener.open(link)
            except SuspendNotSupported:  # e.g. a headless or web driver: no terminal to lend
                self._open_worker(link)
                return
            if opened is False:
                self.notify(f"No browser could be started for {link[:80]} — c copies the link.",
                            severity="warning", markup=False)
            return
        self._open_worker(link)

    @work(thread=True, exit_on_error=False, group="opener")
    def _open_worker(self, link: str) -> None:
        # webbrowser.open says False when no browser could be started (an SSH session, a
        # server): say so rather than leave the key looking broken.
        if self.opener.open(link) is False:
            self.post_message(Notice(f"No browser could be started for {link[:80]} — c copies the link.",
                                     "warning"))

    def action_copy_link(self) -> None:
        """c: copy the link to the clipboard."""
        item = self.current_item()
        link = (item or {}).get("link") or ""
        if not link:
            self.notify("This item has no link.", severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(link)
        self.notify(f"Copied {link[:80]}", markup=False)

    def action_refresh(self) -> None:
        """r: refresh the feeds in the background."""
        if not self.start_refresh():
            self.notify(REFRESH_BUSY, markup=False)

    def action_full_text(self) -> None:
        """F: fetch the item's article page and show its text instead of the feed's teaser."""
        item = self.current_item()
        if item is None:
            return
        if item["id"] in self._full_texts:
            self.notify("Full text already shown.", markup=False)
            return
        self.notify("Fetching the full text…", markup=False)
        self._full_text_worker(item, asked=True)

    @work(thread=True, exit_on_error=False, group="fulltext")
    def _full_text_worker(self, item: dict, *, asked: bool) -> None:
        self.post_message(FullTextLoaded(self.services.full_text(item, cached_only=not asked), asked))

    def on_full_text_loaded(self, message: FullTextLoaded) -> None:
        """Keep the text for the item and show it if the item is still the one on screen."""
        result = message.result
        if result is None:
            return
        if result.text is None:
            if message.asked:
                self.notify(result.error or "No full text.", severity="warning", markup=False)
            return
        self._full_texts[result.item_id] = result.text
        if message.asked:
            where = f" from {result.source[:60]}" if result.source else ""
            self.notify(f"Full text: {len(result.text):,} characters{where}.", markup=False)
        if self.view is not None and result.item_id in self.view.items:
            if self.open_item is None and message.asked:
                self.open(result.item_id)
            elif self.open_item == result.item_id:
                self._show_item(self.view.items[result.item_id])

    def action_export(self) -> None:
        """e: export the current view as a Markdown digest."""
        if self.view is not None:
            self._export_worker(None, None)

    def export_range(self, start: date, end: date) -> None:
        """Palette "export range"."""
        if self.view is not None:
            self._export_worker(start, end)

    @work(thread=True, exit_on_error=False, group="export")
    def _export_worker(self, start: date | None, end: date | None) -> None:
        assert self.view is not None
        path = self.services.export(self.view, start=start, end=end)
        self.post_message(Notice(f"Digest written to {path}"))

    def action_toggle_analysis(self) -> None:
        """a: show/hide the analysis pane (an overlay when the terminal is narrow)."""
        self.toggle_class("-show-analysis" if self.has_class("-narrow") else "-hide-analysis")
        if self.has_class("-narrow"):
            self.remove_class("-hide-analysis")
            if self.has_class("-show-analysis"):
                self.query_one(AnalysisPane).focus()
            else:
                self.query_one(StoryList).focus()
        else:
            self.remove_class("-show-analysis")
            if self.has_class("-hide-analysis") and isinstance(self.focused, AnalysisPane):
                self.query_one(StoryList).focus()
