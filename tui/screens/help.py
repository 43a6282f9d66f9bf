"""The help screen (``?``): every key as it is *now* bound, and the ``/`` query language.

Why read the live keymap rather than print the defaults: a person who remapped ``star = "x"``
in ``config.toml`` must see ``x`` here, or help lies exactly when it is needed. The keys come
from :data:`tui.keymap.KEY_SPECS` (every binding of the app and the briefing screen, by id)
with the app's active keymap laid over them, and from the feeds screen's own bindings.

Everything is rendered as :class:`rich.text.Text` inside Rich grids: key names from the user's
config are never parsed as markup (``[`` is a key).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Iterable, Mapping

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from tui import keymap
from tui.screens.feeds import SCREENS_CSS, FeedsScreen

if TYPE_CHECKING:  # pragma: no cover
    from textual.app import App

    from core.session import Services

#: The ``/`` filter language, one line per token kind (mirrors ``briefing.query``'s docstring).
QUERY_HELP: tuple[tuple[str, str], ...] = (
    ("word  \"a phrase\"", "must occur in title, summary, feed or entity (all words must match)"),
    ("+theme  -theme", "require / exclude a theme (id or unique prefix: +gray)"),
    ("@7d  @2w  @1m", "published in the last 7 days / 2 weeks / 1 month (also h and y); "
                      "a date token sets the days searched, not just the day on screen"),
    ("@2026-11-01", "published on that UTC day"),
    ("@2026-11-01..2026-11-20", "in that inclusive day range; either end may be open (@2026-11-01..)"),
    ("=source", "feed title or URL contains it; several = are alternatives"),
    ("!regex", "hide items whose title or summary matches (case-insensitive)"),
    ("*", "starred only"),
    ("?", "unread only"),
)
QUERY_EXAMPLES: tuple[str, ...] = (
    "+export-controls @7d H20",
    "+gray -enforcement =reuters",
    "? * @2026-11-01..",
    "nvidia !rumou?r",
)
#: What the marks on a story row mean (they read without colour).
ROW_MARKS: tuple[tuple[str, str], ...] = (
    ("●", "unread"),
    ("★", "starred"),
    ("▸+N", "a story: N more feeds report it; space (or enter) shows them, ▾ when shown"),
    ("+N sources", "the same count at the end of the row, after the lead's feed"),
    ("[theme-id]", "other themes the item touches (it is filed under its best one)"),
    ("Mon 30 Nov 06:45", "the row is not on the day the header names (a week, a search, another zone)"),
    ("⊘ hidden", "an ignore.toml rule hides it; shown because of H"),
)
#: Other help that is not a binding of ours.
OTHER_KEYS: tuple[tuple[str, str], ...] = (
    ("ctrl+p", "command palette: every action by name, go to a date, export a range"),
    ("ctrl+q", "quit from anywhere"),
)


def key_display(app: "App", keys: str) -> str:
    """``"left_square_bracket,j"`` -> ``"[  j"``: Textual's own key names, as the footer shows them."""
    shown = []
    for key in keys.split(","):
        key = key.strip()
        if key:
            shown.append(app.get_key_display(Binding(key, "")))
    return "  ".join(shown)


def active_keymap(app: "App") -> Mapping[str, str]:
    """Binding id -> keys the app applies now (``App.set_keymap`` keeps it as ``_keymap``)."""
    return dict(getattr(app, "_keymap", {}) or {})


def bound_keys(binding_id: str | None, default: str, remap: Mapping[str, str]) -> str:
    """The keys a binding answers to after remaps (a remap replaces the defaults)."""
    if binding_id and binding_id in remap:
        return remap[binding_id]
    return default


def _long_names() -> Mapping[str, str]:
    """The command palette's fuller action names ("Open link in browser" beats "Browser").

    ``tui.commands`` keeps them in a private table today; read it defensively so help still
    works (with the footer labels) if it moves.
    """
    from tui import commands

    names = getattr(commands, "ACTION_NAMES", None) or getattr(commands, "_NAMES", None)
    return names if isinstance(names, Mapping) else {}


def spec_keys(app: "App", binding_id: str) -> str:
    """The displayed keys of one :data:`~tui.keymap.KEY_SPECS` binding, after remaps."""
    for spec in keymap.KEY_SPECS:
        if spec.id == binding_id:
            return key_display(app, bound_keys(spec.id, spec.keys, active_keymap(app)))
    return ""


def keymap_rows(app: "App", scope: str) -> list[tuple[str, str]]:
    """(keys, description) for every :data:`~tui.keymap.KEY_SPECS` entry of a scope."""
    remap = active_keymap(app)
    names = _long_names()
    return [
        (key_display(app, bound_keys(spec.id, spec.keys, remap)), names.get(spec.action, spec.description))
        for spec in keymap.KEY_SPECS
        if spec.scope == scope
    ]


def binding_rows(app: "App", bindings: Iterable[Binding]) -> list[tuple[str, str]]:
    """(keys, description) for a screen's own ``BINDINGS`` list, after remaps."""
    remap = active_keymap(app)
    return [
        (key_display(app, bound_keys(b.id, b.key, remap)), b.description)
        for b in bindings
        if b.description
    ]


def _grid(rows: Iterable[tuple[str, str]], key_width: int) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(width=key_width, no_wrap=True)
    grid.add_column(ratio=1)
    for keys, description in rows:
        grid.add_row(Text(keys, style="bold"), Text(description))
    return grid


def _section(title: str, body: Table | Text) -> Group:
    return Group(Text(title, style="bold underline"), body, Text(""))


def _briefing_rows(app: "App") -> list[tuple[str, str]]:
    """The briefing's keys, the nine link digits folded into one row."""
    rows: list[tuple[str, str]] = []
    for spec, row in zip((s for s in keymap.KEY_SPECS if s.scope == "briefing"), keymap_rows(app, "briefing")):
        if spec.id.startswith("link-") and spec.id != "link-number":
            if spec.id == "link-1":
                rows.append((f"{row[0]}…{spec_keys(app, 'link-9')}", "open link 1–9 of the item (its [n] marks)"))
            continue
        rows.append(row)
    return rows


def keys_renderable(app: "App") -> Group:
    """The left column: briefing keys, keys that work everywhere, the feeds screen's keys."""
    return Group(
        _section("Briefing", _grid(_briefing_rows(app), 12)),
        _section("Reader (the item pane, focused: n, tab or a)",
                 _grid(keymap_rows(app, "reader") + [("j k g G", "line down / up, top, bottom")], 12)),
        _section("Story rows", _grid(ROW_MARKS, 16)),
        _section("Everywhere", _grid(keymap_rows(app, "app") + list(OTHER_KEYS), 12)),
        _section(f"Feeds screen ({spec_keys(app, 'feeds')})", _grid(binding_rows(app, FeedsScreen.BINDINGS), 12)),
    )


def search_renderable(theme_titles: Mapping[str, str]) -> Group:
    """The right column: the query language, examples, and the theme ids ``+theme`` takes."""
    examples = Text()
    for n, example in enumerate(QUERY_EXAMPLES):
        examples.append(("\n" if n else "") + "/" + example)
    themes = Table.grid(padding=(0, 2))
    themes.add_column(no_wrap=True)
    themes.add_column(ratio=1)
    for theme_id, title in theme_titles.items():
        if theme_id != "other":
            themes.add_row(Text(theme_id, style="bold"), Text(title))
    intro = Text("Press / and type; the list filters as you type. Tokens combine (all must hold).",
                 style="dim")
    return Group(
        _section("Search (/)", Group(intro, _grid(QUERY_HELP, 24))),
        _section("Examples", examples),
        _section("Themes for +theme / -theme", themes),
    )


class HelpScreen(ModalScreen[None]):
    """Keys (as remapped) and the search language, scrollable; ``escape``/``q``/``?`` close it.

    Modal so the app's keys do not act underneath; the help key closes it again because its
    close binding shares the id ``help`` with the key that opened it (remaps move both).
    """

    CSS_PATH = SCREENS_CSS
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS: ClassVar[list[Binding]] = [
        *keymap.bindings("help")[:1],
        Binding("question_mark", "close", "Close", show=False, id="help"),
        *keymap.bindings("help")[1:],
    ]

    def __init__(self, services: "Services") -> None:
        super().__init__(id="help")
        self.services = services

    def compose(self) -> ComposeResult:
        yield Static(Text("Help"), id="help-header")
        with VerticalScroll(id="help-body"):
            with Horizontal(id="help-columns"):
                yield Static(Text(""), id="help-keys", classes="help-section")
                yield Static(Text(""), id="help-search", classes="help-section")
        yield Footer()

    def on_mount(self) -> None:
        closes = "  ".join(k for k in (binding_rows(self.app, self.BINDINGS[:2])[i][0] for i in (0, 1)) if k)
        header = Text()
        header.append("Help", style="bold")
        header.append(f"  keys as bound now, [keys] remaps included  ·  {closes} close", style="dim")
        self.query_one("#help-header", Static).update(header)
        self.query_one("#help-keys", Static).update(keys_renderable(self.app))
        self.query_one("#help-search", Static).update(search_renderable(self.services.theme_titles()))
        self.query_one("#help-body", VerticalScroll).focus()

    @property
    def text(self) -> str:
        """Everything the screen lists, as plain text (for tests and for copying)."""
        from rich.console import Console

        console = Console(width=200, color_system=None, record=True, file=_NullFile())
        console.print(keys_renderable(self.app))
        console.print(search_renderable(self.services.theme_titles()))
        return console.export_text()

    def action_close(self) -> None:
        """Back to the screen help was opened from."""
        self.dismiss()

    def action_scroll(self, lines: int) -> None:
        """j/k: scroll the help text."""
        body = self.query_one("#help-body", VerticalScroll)
        body.scroll_relative(y=lines, animate=False)

    def action_scroll_home(self) -> None:
        """g: top."""
        self.query_one("#help-body", VerticalScroll).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        """G: bottom."""
        self.query_one("#help-body", VerticalScroll).scroll_end(animate=False)


class _NullFile:
    """A write-only sink so the recording console prints nowhere."""

    def write(self, _text: str) -> int:
        return 0

    def flush(self) -> None:
        return None
