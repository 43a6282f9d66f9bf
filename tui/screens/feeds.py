"""The feeds screen: every subscription with its last fetch outcome, and add / remove / refresh.

Why a screen of its own: when a feed goes quiet the person needs to see *why* (HTTP 403, a
parse error, a timeout) and since when, without reading logs. Everything shown comes from
``feeds.toml`` (the subscriptions) and the store's per-feed state and item counts.

Rules this module keeps:

- feed titles, URLs and error messages are untrusted: cells and the detail pane get
  :class:`rich.text.Text`, notifications ``markup=False``;
- file and store I/O run in thread workers (``exit_on_error=False``) and report back with
  messages; failures of any worker are turned into one notification in
  :meth:`FeedsScreen.on_worker_state_changed`;
- ``feeds.toml`` is edited only through ``core.subscribe``, as the CLI does (it keeps the
  person's comments and refuses to touch a broken file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from styles import SCREENS_CSS
from tui.dialogs.add_feed import AddFeedModal
from tui.dialogs.confirm import ConfirmModal
from tui import keymap
from tui.messages import FeedsLoaded, FeedsNotice, ShowFeedItems
from core.session import REFRESH_BUSY

if TYPE_CHECKING:  # pragma: no cover
    from core.session import Services

#: Columns of the table, in order: (key, label).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("status", "Status"),
    ("title", "Feed"),
    ("items", "Unread/Items"),
    ("last", "Last success"),
    ("failures", "Fails"),
)
#: Width the non-title columns take (cells + DataTable padding); the title gets the rest.
_FIXED_WIDTH = 14 + 13 + 24 + 6 + 2 * len(COLUMNS) + 2
#: Status word -> symbol, so meaning never rests on colour alone.
_STATUS_SYMBOL = {
    "ok": "●",
    "not-modified": "●",
    "unchanged": "●",
    "skipped": "◌",
    "error": "✗",
    "never": "○",
    "disabled": "–",
}


# -- data (no Textual here: built in a worker thread) ----------------------------------------


@dataclass(frozen=True)
class FeedRow:
    """One subscription and what the store remembers about it (plain data, safe across threads).

    Attributes:
        url: the subscription URL or absolute path (the feed's key).
        title: the override, else the feed's own title, else the URL (untrusted).
        enabled: False when ``enabled = false`` in feeds.toml.
        status: ``"ok"``, ``"not-modified"``, ``"unchanged"``, ``"error"``..., ``"never"``.
        error_kind, message, http_status: the last outcome's details (untrusted message).
        last_success, last_attempt, next_fetch: store ISO times or None.
        next_reason: why ``next_fetch`` is what it is (minimum interval, Retry-After...).
        failures: consecutive failures.
        items: items stored from this feed.
        unread: of those, how many are unread.
        category: the OPML folder, if any.
    """

    url: str
    title: str
    enabled: bool = True
    status: str = "never"
    error_kind: str | None = None
    message: str | None = None
    http_status: int | None = None
    last_success: str | None = None
    last_attempt: str | None = None
    next_fetch: str | None = None
    next_reason: str | None = None
    failures: int = 0
    items: int = 0
    category: str | None = None
    unread: int = 0

    @property
    def shown_status(self) -> str:
        """The status word the table shows (``disabled`` wins over the last outcome)."""
        return self.status if self.enabled else "disabled"


@dataclass
class FeedsData:
    """What the screen paints: the rows, or the reason feeds.toml could not be read."""

    rows: list[FeedRow] = field(default_factory=list)
    error: str | None = None


def load_feed_rows(services: "Services") -> FeedsData:
    """Read feeds.toml and the store's feed states and counts (call from a thread worker).

    A broken feeds.toml is not an exception here: the screen shows the file:line message so
    the person can fix it, instead of an empty table.
    """
    from core.subscribe import SubscribeError, load_sources

    try:
        subs = load_sources(services.paths)
    except SubscribeError as exc:
        return FeedsData(error=str(exc))
    states: dict[str, dict] = {}
    counts: dict[str, int] = {}
    unread: dict[str, int] = {}
    if services.paths.db_dir.exists():
        with services.lock:
            store = services.store
            states = store.feed_states()
            counts = store.feed_item_counts()
            unread = store.feed_unread_counts()
    rows = []
    for sub in subs:
        st = states.get(sub.url, {})
        rows.append(FeedRow(
            url=sub.url,
            title=sub.title or st.get("title") or sub.url,
            enabled=sub.enabled,
            status=st.get("status") or "never",
            error_kind=st.get("error_kind"),
            message=st.get("message"),
            http_status=st.get("http_status"),
            last_success=st.get("last_success"),
            last_attempt=st.get("last_attempt"),
            next_fetch=st.get("next_fetch"),
            next_reason=st.get("next_reason"),
            failures=int(st.get("consecutive_failures") or 0),
            items=int(counts.get(sub.url, 0)),
            category=sub.category,
            unread=int(unread.get(sub.url, 0)),
        ))
    return FeedsData(rows=rows)


def parse_time(text: str | None) -> datetime | None:
    """A store ISO time as an aware datetime; None when missing or unreadable."""
    from core.refresh import from_iso

    return from_iso(text)


def relative_time(when: datetime, now: datetime) -> str:
    """``"5m ago"``, ``"3h ago"``, ``"2d ago"``, ``"in 40m"``: coarse, because the absolute time is beside it."""
    seconds = int((now - when).total_seconds())
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 60:
        return "just now" if not future else "in <1m"
    if seconds < 3600:
        amount = f"{seconds // 60}m"
    elif seconds < 86400:
        amount = f"{seconds // 3600}h"
    else:
        amount = f"{seconds // 86400}d"
    return f"in {amount}" if future else f"{amount} ago"


def when_text(text: str | None, now: datetime, *, never: str = "never") -> str:
    """Relative and absolute (UTC) form of a store time, e.g. ``"2h ago · 28 Nov 05:30"``."""
    when = parse_time(text)
    if when is None:
        return never
    stamp = when.astimezone(timezone.utc).strftime("%d %b %H:%M")
    return f"{relative_time(when, now)} · {stamp}"


def truncate(text: str, width: int) -> str:
    """Cut to ``width`` cells with an ellipsis (titles are single-line, cleaned text)."""
    if width <= 1 or len(text) <= width:
        return text if width > 1 else text[:1]
    return text[: width - 1] + "…"


def status_cell(row: FeedRow) -> Text:
    """Symbol + word; errors bold, never-fetched and disabled dim."""
    word = row.shown_status
    symbol = _STATUS_SYMBOL.get(word, "?")
    style = "bold" if word == "error" else "dim" if word in ("never", "disabled", "skipped") else ""
    return Text(f"{symbol} {word}", style=style)


def detail_text(row: FeedRow | None, now: datetime) -> Text:
    """The detail pane of the selected feed: the full error, the URL and the schedule.

    Built with ``Text.append`` so nothing from the feed or the server is ever parsed.
    """
    text = Text()
    if row is None:
        text.append("No feed selected. Press ", style="dim")
        text.append("a", style="bold")
        text.append(" to add one.", style="dim")
        return text
    text.append(row.title, style="bold")
    if row.category:
        text.append(f"  [{row.category}]", style="dim")
    text.append("\n")
    text.append("URL       ", style="dim")
    text.append(row.url)
    text.append("\n")
    text.append("Status    ", style="dim")
    text.append(row.shown_status, style="bold" if row.status == "error" else "")
    if row.status == "error":
        parts = [row.error_kind or "error"]
        if row.http_status:
            parts.append(f"HTTP {row.http_status}")
        text.append(f" ({', '.join(parts)})")
        if row.failures:
            text.append(f", {row.failures} failure{'s' if row.failures != 1 else ''} in a row")
    text.append("\n")
    if row.message:
        text.append("Message   ", style="dim")
        text.append(row.message)
        text.append("\n")
    text.append("Last ok   ", style="dim")
    text.append(when_text(row.last_success, now))
    text.append("   tried ", style="dim")
    text.append(when_text(row.last_attempt, now))
    text.append("\n")
    text.append("Next      ", style="dim")
    if not row.enabled:
        text.append("disabled in feeds.toml (enabled = false)")
    else:
        text.append(when_text(row.next_fetch, now, never="with the next refresh"))
        if row.next_reason and row.next_fetch:
            text.append(f" ({row.next_reason})", style="dim")
    text.append("\n")
    text.append("Items     ", style="dim")
    text.append(f"{row.items} ({row.unread} unread)")
    text.append("   enter shows them", style="dim")
    return text


def unread_cell(row: FeedRow) -> Text:
    """``unread / total``; bold while something is unread, so the eye finds what is new."""
    text = Text(justify="right", no_wrap=True)
    text.append(str(row.unread), style="bold" if row.unread else "dim")
    text.append(f" / {row.items}")
    return text


def feed_query(url: str) -> str:
    """The ``/`` query showing one feed's items: ``=`` with its URL (quoted when needed)."""
    from briefing.query import quote_value

    return "=" + quote_value(url)


# -- messages from workers -------------------------------------------------------------------








# -- command palette -------------------------------------------------------------------------


class FeedsCommands(Provider):
    """The feeds screen's actions by name in ctrl+p (habit 9: every key is also a command)."""

    COMMANDS: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("Add a feed", "add_feed", "subscribe to a URL or a local feed file"),
        ("Remove selected feed", "remove_feed", "unsubscribe; stored items are kept"),
        ("Refresh selected feed", "refresh_feed", "fetch it now, ignoring its schedule"),
        ("Back to the briefing", "back", "close the feeds screen"),
    )

    def _hits(self) -> list[tuple[str, Any, str]]:
        screen = self.screen
        if not isinstance(screen, FeedsScreen):
            return []
        return [(name, partial(screen.run_action, action), help_text) for name, action, help_text in self.COMMANDS]

    async def discover(self) -> Hits:
        """Shown before anything is typed."""
        for name, callback, help_text in self._hits():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        """Fuzzy match the feeds commands."""
        matcher = self.matcher(query)
        for name, callback, help_text in self._hits():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)


# -- the screen ------------------------------------------------------------------------------


class FeedsScreen(ModalScreen[None]):
    """Subscriptions table, the selected feed's details, and add / remove / refresh one feed.

    Modal (though it covers the whole terminal) so the briefing's app-level keys stop here:
    ``f`` must not stack a second feeds screen. Help is offered again under the same binding
    id (``help``), so a remapped help key works here too.
    """

    CSS_PATH = SCREENS_CSS
    COMMANDS = {FeedsCommands}
    BINDINGS: ClassVar[list[Binding]] = [
        *keymap.bindings("feeds"),
        Binding("question_mark", "app.help", "Help", id="help"),
        # priority: the table would take enter for its own (click-alike) row selection.
        Binding("enter", "show_feed_items", "Items", id="feeds-items", priority=True),
    ]

    def __init__(self, services: "Services") -> None:
        super().__init__(id="feeds")
        self.services = services
        self.data: FeedsData | None = None
        #: Rows by URL in table order (the table's row keys are the URLs).
        self.rows: dict[str, FeedRow] = {}
        self.refreshing: str | None = None

    # -- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(Text("Feeds"), id="feeds-header")
        table: DataTable = DataTable(id="feeds-table", cursor_type="row", zebra_stripes=True)
        yield table
        with VerticalScroll(id="feeds-detail-scroll"):
            yield Static(Text(""), id="feeds-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(Text(label), key=key)
        table.focus()
        self.reload()

    # -- loading --------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Re-read feeds.toml and the store in a worker; keep the cursor on ``select`` (a URL)."""
        if select is None:
            select = self.selected_url
        self._load_worker(select)

    @work(thread=True, exit_on_error=False, group="feeds-load", exclusive=True)
    def _load_worker(self, select: str | None) -> None:
        self.post_message(FeedsLoaded(load_feed_rows(self.services), select))

    def on_feeds_loaded(self, message: FeedsLoaded) -> None:
        """Fill the table and the detail pane from freshly loaded rows."""
        self.data = message.data
        self.rows = {row.url: row for row in message.data.rows}
        self._paint(message.select)

    def _title_width(self) -> int:
        return max(16, self.size.width - _FIXED_WIDTH)

    def _paint(self, select: str | None = None) -> None:
        data = self.data
        if data is None:
            return
        table = self.query_one(DataTable)
        now = self.services.clock()
        table.clear()
        width = self._title_width()
        for row in data.rows:
            last = when_text(row.last_success, now)
            table.add_row(
                status_cell(row),
                Text(truncate(row.title, width), no_wrap=True),
                unread_cell(row),
                Text(last, style="dim" if row.last_success is None else ""),
                Text(str(row.failures) if row.failures else "", justify="right",
                     style="bold" if row.failures else ""),
                key=row.url,
            )
        failing = sum(1 for r in data.rows if r.enabled and r.status == "error")
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("Feeds", style="bold")
        header.append(f"  {len(data.rows)} subscription{'s' if len(data.rows) != 1 else ''}")
        if failing:
            header.append(f", {failing} failing", style="bold")
        header.append("  ·  ", style="dim")
        header.append(str(self.services.paths.feeds_file), style="dim")
        self.query_one("#feeds-header", Static).update(header)
        if select in self.rows:
            table.move_cursor(row=list(self.rows).index(select), animate=False)
        self._show_detail()
        if data.error:
            error = Text()
            error.append("feeds.toml could not be read\n", style="bold")
            error.append(data.error)
            error.append("\nFix the file (or remove it to get the default list) and reopen this screen.", style="dim")
            self.query_one("#feeds-detail", Static).update(error)

    def on_resize(self) -> None:
        """Titles are cut to the width available, so a resize repaints the table."""
        if self.data is not None:
            self._paint(self.selected_url)

    @property
    def selected_url(self) -> str | None:
        """The URL of the row under the cursor, or None when the table is empty."""
        if not self.is_mounted:
            return None
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:  # noqa: BLE001 - cursor outside a table being rebuilt
            return None
        return key.value if key is not None else None

    @property
    def selected(self) -> FeedRow | None:
        """The row under the cursor."""
        url = self.selected_url
        return self.rows.get(url) if url else None

    def _show_detail(self) -> None:
        self.query_one("#feeds-detail", Static).update(detail_text(self.selected, self.services.clock()))

    @on(DataTable.RowHighlighted)
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    # -- actions --------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        """j: next feed."""
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        """k: previous feed."""
        self.query_one(DataTable).action_cursor_up()

    def action_back(self) -> None:
        """escape / q: back to where the feeds screen was opened from."""
        self.dismiss()

    def action_show_feed_items(self) -> None:
        """enter: back to the briefing, searching the archive for this feed's items.

        A key binding rather than the table's RowSelected, so a click on a row stays harmless.
        """
        url = self.selected_url
        if not url:
            return
        self.app.post_message(ShowFeedItems(feed_query(url)))
        self.dismiss()

    def action_add_feed(self) -> None:
        """a: ask for a URL or path, then subscribe in a worker."""

        def added(source: str | None) -> None:
            if source is not None and source.strip():
                self._add_worker(source)

        self.app.push_screen(AddFeedModal(), added)

    @work(thread=True, exit_on_error=False, group="feeds-write")
    def _add_worker(self, source: str) -> None:
        from core.subscribe import AlreadySubscribed, SubscribeError, add_source, normalise_source

        try:
            sub = add_source(self.services.paths, normalise_source(source))
        except AlreadySubscribed:
            self.post_message(FeedsNotice(f"Already subscribed: {source.strip()}", "warning"))
            return
        except SubscribeError as exc:
            self.post_message(FeedsNotice(str(exc), "error"))
            return
        self.post_message(FeedsNotice(f"Added {sub.url}. Press r to fetch it now."))
        self.post_message(FeedsLoaded(load_feed_rows(self.services), sub.url))

    def action_remove_feed(self) -> None:
        """d / delete: confirm, then unsubscribe (stored items are kept)."""
        row = self.selected
        if row is None:
            return
        question = Text()
        question.append("Unsubscribe from\n")
        question.append(row.title, style="bold")
        question.append("\n")
        question.append(row.url, style="dim")
        question.append(f"?\n\nIts {row.items} stored item{'s' if row.items != 1 else ''} are kept.")

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._remove_worker(row.url)

        self.app.push_screen(ConfirmModal(question), confirmed)

    @work(thread=True, exit_on_error=False, group="feeds-write")
    def _remove_worker(self, url: str) -> None:
        from core.subscribe import SubscribeError, remove_source

        try:
            removed = remove_source(self.services.paths, url)
        except SubscribeError as exc:
            self.post_message(FeedsNotice(str(exc), "error"))
            return
        if not removed:
            self.post_message(FeedsNotice(f"Not subscribed any more: {url}", "warning"))
        else:
            self.post_message(FeedsNotice(f"Removed {url} (its stored items are kept)."))
        data = load_feed_rows(self.services)
        urls = [r.url for r in (self.data.rows if self.data else [])]
        index = urls.index(url) if url in urls else 0
        rest = [u for u in urls if u != url]
        select = rest[min(index, len(rest) - 1)] if rest else None
        self.post_message(FeedsLoaded(data, select))

    def action_refresh_feed(self) -> None:
        """r: fetch just the selected feed now (ignoring its schedule)."""
        row = self.selected
        if row is None:
            return
        if self.refreshing is not None or self.services.refresh_running:
            self.notify(REFRESH_BUSY, markup=False)
            return
        self.refreshing = row.url
        self.notify(f"Refreshing {truncate(row.title, 60)}…", markup=False)
        self._refresh_worker(row.url)

    @work(thread=True, exit_on_error=False, group="feeds-refresh", exclusive=True)
    def _refresh_worker(self, url: str) -> None:
        from core.session import RefreshBusy

        try:
            report = refresh_one(self.services, url)
        except RefreshBusy as exc:  # the briefing's refresh started between the check and here
            self.post_message(FeedsNotice(str(exc), "warning"))
            return
        outcome = next((o for o in getattr(report, "outcomes", []) if o.url == url), None)
        if outcome is None:
            self.post_message(FeedsNotice(f"{url} is not in feeds.toml any more.", "warning"))
        elif outcome.status == "error":
            detail = f"HTTP {outcome.http_status}: " if outcome.http_status else ""
            self.post_message(FeedsNotice(f"{outcome.title}: {detail}{outcome.message}", "error"))
        else:
            news = f"{outcome.new} new, {outcome.updated} updated" if outcome.status == "ok" else outcome.message
            self.post_message(FeedsNotice(f"{outcome.title}: {news}"))
        self.post_message(FeedsLoaded(load_feed_rows(self.services), url))

    def on_feeds_notice(self, message: FeedsNotice) -> None:
        """Show a worker's notice as plain text."""
        self.notify(message.text, severity=message.severity, markup=False)  # type: ignore[arg-type]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """One place for worker endings: clear the refresh flag, report failures, keep the app alive."""
        if event.worker.group == "feeds-refresh" and event.state in (
            WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED
        ):
            self.refreshing = None
        if event.state != WorkerState.ERROR:
            return
        what = {
            "feeds-load": "Could not read the feeds",
            "feeds-write": "Could not change feeds.toml",
            "feeds-refresh": "Refresh failed",
        }.get(event.worker.group, "Something failed")
        self.notify(f"{what}: {event.worker.error}", severity="error", markup=False, timeout=10)


def refresh_one(services: "Services", url: str) -> Any:
    """Refresh one feed now, ignoring its schedule, through :meth:`Services.refresh` (a worker call).

    Going through the services means the one refresh lock of the app guards it: while the
    briefing's refresh runs this raises :class:`~core.session.RefreshBusy` instead of starting
    a second writer on the same store; the services also drop their caches, so the briefing
    shows the new items when the person goes back.
    """
    return services.refresh(force=True, only=[url])
