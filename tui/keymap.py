"""Key binding ids, their default keys, and the remap from ``config.toml`` ``[keys]``.

Every binding in the app is declared here once, with a stable id, so that a person can remap
any key by id (``[keys] star = "x"``) through :meth:`textual.app.App.set_keymap`, the help
screen can list them, and the command palette can offer the same actions by name. The ids are
a contract with users' config files: add, never rename.

Ids are TOML bare keys without dots (``feeds-add``, not ``feeds.add``): in ``[keys]`` a dotted
key is a nested table, and ``feeds.add = "x"`` next to ``feeds = "F"`` is a TOML error.

No Textual import at module level: ``core.settings`` validates ``[keys]`` against
:data:`BINDING_IDS` without paying for Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:  # pragma: no cover - typing only
    from textual.binding import Binding


@dataclass(frozen=True)
class KeySpec:
    """One remappable binding.

    Attributes:
        id: stable binding id used in ``[keys]`` and by ``App.set_keymap``.
        keys: default keys, comma separated, in Textual key names.
        action: the action the key runs (on the screen or app that holds it).
        description: the short label the Footer and help show.
        show: whether the Footer shows it (the rest are in help and the palette).
        wide: also shown in the briefing's footer when the terminal is at least
            ``tui.widgets.briefing_footer.WIDE_FOOTER`` columns wide (the everyday keys that
            do not fit at 80 columns).
        scope: ``"app"`` for bindings that work on every screen, ``"briefing"`` for the home
            screen, ``"feeds"``, ``"help"``, ``"welcome"`` for those screens and ``"picker"``
            for the small pick-a-theme dialog. Only app and briefing actions go in the
            briefing's command palette; the other screens offer their own.
    """

    id: str
    keys: str
    action: str
    description: str
    show: bool = False
    scope: str = "briefing"
    wide: bool = False


#: Every binding of the app, in the order the help screen lists them.
KEY_SPECS: tuple[KeySpec, ...] = (
    KeySpec("down", "j,down", "cursor_down", "Down"),
    KeySpec("up", "k,up", "cursor_up", "Up"),
    KeySpec("top", "g,home", "cursor_top", "Top"),
    KeySpec("bottom", "G,end", "cursor_bottom", "Bottom"),
    KeySpec("next-pane", "tab", "next_pane", "Next pane"),
    KeySpec("prev-pane", "shift+tab", "prev_pane", "Previous pane"),
    KeySpec("open", "enter", "open", "Open", show=True),
    KeySpec("expand", "space,l", "expand", "Expand story"),
    KeySpec("back", "escape", "back", "Back"),
    KeySpec("next-unread", "n", "next_unread", "Next unread", wide=True),
    KeySpec("prev-unread", "N", "prev_unread", "Prev unread"),
    KeySpec("prev-day", "left_square_bracket", "prev_day", "Prev day", show=True),
    KeySpec("next-day", "right_square_bracket", "next_day", "Next day", show=True),
    KeySpec("theme", "t", "pick_theme", "Theme", show=True),
    # Correcting the item's themes (remembered for good; see ``core.corrections``).
    KeySpec("theme-reject", "minus", "reject_theme", "Reject theme"),
    KeySpec("theme-add", "plus", "add_theme", "Add theme"),
    KeySpec("theme-confirm", "equals_sign", "confirm_theme", "Confirm theme"),
    KeySpec("search", "slash", "search", "Search", show=True),
    KeySpec("unread", "u", "toggle_unread", "Unread", wide=True),
    KeySpec("star", "s", "toggle_star", "Star", show=True),
    KeySpec("read", "m", "toggle_read", "Read", wide=True),
    KeySpec("read-all", "A", "mark_all_read", "All read"),
    KeySpec("open-link", "o", "open_link", "Browser", wide=True),
    *(KeySpec(f"link-{n}", str(n), f"open_numbered_link({n})", f"Open link {n} of the item") for n in range(1, 10)),
    KeySpec("link-number", "L", "pick_link", "Open link number…"),
    KeySpec("sort", "O", "toggle_order", "Sort", wide=True),
    KeySpec("copy-link", "c", "copy_link", "Copy link"),
    KeySpec("full-text", "F", "full_text", "Full text"),
    KeySpec("refresh", "r", "refresh", "Refresh", show=True),
    KeySpec("export", "e", "export", "Export", wide=True),
    KeySpec("analysis", "a", "toggle_analysis", "Analysis"),
    KeySpec("weekly", "w", "toggle_weekly", "Week"),
    KeySpec("hidden", "H", "toggle_hidden", "Hidden"),
    KeySpec("feeds", "f", "app.feeds", "Feeds", scope="app", wide=True),
    KeySpec("help", "question_mark", "app.help", "Help", show=True, scope="app"),
    KeySpec("quit", "q", "app.quit", "Quit", show=True, scope="app"),
    # The item pane ("reader") once focused: it pages like a pager; j/k/g/G are the screen's.
    KeySpec("reader-page-down", "space,pagedown", "page_down", "Page down", scope="reader"),
    KeySpec("reader-page-up", "b,pageup", "page_up", "Page up", scope="reader"),
    # The feeds screen (its help key reuses the app's ``help`` id, so one remap moves both).
    KeySpec("feeds-add", "a", "add_feed", "Add", show=True, scope="feeds"),
    KeySpec("feeds-remove", "d,delete", "remove_feed", "Remove", show=True, scope="feeds"),
    KeySpec("feeds-refresh", "r", "refresh_feed", "Refresh feed", show=True, scope="feeds"),
    KeySpec("feeds-down", "j", "cursor_down", "Down", scope="feeds"),
    KeySpec("feeds-up", "k", "cursor_up", "Up", scope="feeds"),
    KeySpec("feeds-back", "escape,q", "back", "Back", show=True, scope="feeds"),
    # The help screen (``?`` closes it again under the app's ``help`` id).
    KeySpec("help-close", "escape,q", "close", "Close", show=True, scope="help"),
    KeySpec("help-down", "j,down", "scroll(1)", "Down", scope="help"),
    KeySpec("help-up", "k,up", "scroll(-1)", "Up", scope="help"),
    KeySpec("help-top", "g,home", "scroll_home", "Top", scope="help"),
    KeySpec("help-bottom", "G,end", "scroll_end", "Bottom", scope="help"),
    # The first-run welcome dialog.
    KeySpec("welcome-refresh", "r", "refresh_defaults", "Refresh default feeds", show=True, scope="welcome"),
    KeySpec("welcome-demo", "d", "demo", "Open the demo", show=True, scope="welcome"),
    KeySpec("welcome-later", "escape,q", "later", "Later", show=True, scope="welcome"),
    # The pick-a-theme dialog (``t``); enter and the arrows are the list's own keys.
    KeySpec("picker-down", "j", "cursor_down", "Down", scope="picker"),
    KeySpec("picker-up", "k", "cursor_up", "Up", scope="picker"),
    KeySpec("picker-cancel", "escape,q", "cancel", "Cancel", show=True, scope="picker"),
)

#: Scopes whose actions the briefing screen's command palette offers.
PALETTE_SCOPES: frozenset[str] = frozenset({"app", "briefing"})

#: All binding ids, for validating ``[keys]`` in config.toml.
BINDING_IDS: frozenset[str] = frozenset(spec.id for spec in KEY_SPECS)


def bindings(scope: str) -> list["Binding"]:
    """Textual ``Binding`` objects (each with its ``id``) for one scope.

    Args:
        scope: a :attr:`KeySpec.scope` (``"app"``, ``"briefing"``, ``"feeds"``...).
    """
    from textual.binding import Binding

    result = []
    for spec in KEY_SPECS:
        if spec.scope != scope:
            continue
        action = spec.action.removeprefix("app.") if scope == "app" else spec.action
        result.append(Binding(spec.keys, action, spec.description, show=spec.show, id=spec.id))
    return result


def keymap_from_settings(keys: Mapping[str, str] | None) -> tuple[dict[str, str], list[str]]:
    """Turn the ``[keys]`` table into a keymap for ``App.set_keymap``.

    Unknown ids are not fatal (a typo must not stop the morning briefing); they come back as
    warnings so the app can show them once.

    Returns:
        ``(keymap, warnings)``.
    """
    keymap: dict[str, str] = {}
    warnings: list[str] = []
    for binding_id, value in (keys or {}).items():
        if binding_id not in BINDING_IDS:
            warnings.append(f"[keys] {binding_id!r} is not a binding id")
            continue
        value = ",".join(part.strip() for part in str(value).split(",") if part.strip())
        if not value:
            warnings.append(f"[keys] {binding_id!r} has no key")
            continue
        keymap[binding_id] = value
    return keymap, warnings
