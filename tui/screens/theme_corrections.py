"""The correction keys of the briefing screen: ``-`` rejects a theme, ``+`` adds one, ``=`` confirms one.

A mixin so the briefing screen gains three actions without its module growing: the keys ask
which theme (a :class:`~tui.dialogs.label_picker.LabelPicker`, or straight away when only one
theme can be meant), the store write and the re-tag of the story and near-identical items run
in a thread worker (``Services.label``), and the view reloads with the new tags. Nothing here
touches the store or blocks the event loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from tui.messages import Labelled

if TYPE_CHECKING:  # pragma: no cover - typing only
    from core.session import Services

#: verb -> (question, the past tense for the notice)
_WORDS = {
    "reject": ("Reject which theme?", "Rejected"),
    "add": ("Add which theme?", "Added"),
    "confirm": ("Confirm which theme?", "Confirmed"),
}




class ThemeCorrections:
    """Mixed into ``BriefingScreen`` (needs ``services``, ``current_item``, ``reload``)."""

    services: "Services"

    def action_reject_theme(self) -> None:
        """-: the open item is not about one of its themes."""
        self._ask_theme("reject")

    def action_add_theme(self) -> None:
        """+: the open item is about a theme the tagger missed."""
        self._ask_theme("add")

    def action_confirm_theme(self) -> None:
        """=: one of the tagger's themes is right (it becomes the person's, and spreads)."""
        self._ask_theme("confirm")

    def _candidates(self, item: dict, verb: str) -> list[str]:
        themes = [t for t in item.get("themes") or [] if isinstance(t, dict)]
        if verb == "add":
            present = {t.get("id") for t in themes}
            return [i for i in self.services.theme_ids if i not in present]
        if verb == "confirm":
            return [t["id"] for t in themes if t.get("source") != "user"]
        return [t["id"] for t in themes]

    def _ask_theme(self, verb: str) -> None:
        from tui.dialogs.label_picker import LabelPicker
        from tui.dialogs.theme_picker import ThemeChoice

        item = self.current_item()  # type: ignore[attr-defined]
        if item is None:
            self.notify("Open an item to correct its themes.", markup=False)  # type: ignore[attr-defined]
            return
        ids = self._candidates(item, verb)
        if not ids:
            self.notify(f"No theme to {verb} on this item.", markup=False)  # type: ignore[attr-defined]
            return
        item_id = item["id"]
        if len(ids) == 1 and verb != "add":  # only one theme can be meant
            self._label_worker(item_id, verb, ids[0])
            return
        titles = self.services.theme_titles()
        choices = [ThemeChoice(i, titles.get(i, i), 0) for i in ids]

        def picked(theme: str | None) -> None:
            if theme is not None:
                self._label_worker(item_id, verb, theme)

        self.app.push_screen(LabelPicker(_WORDS[verb][0], choices), picked)  # type: ignore[attr-defined]

    @work(thread=True, exit_on_error=False, group="label")
    def _label_worker(self, item_id: str, verb: str, theme: str) -> None:
        try:
            _item, spread = self.services.label(item_id, **{verb: [theme]})
        except Exception as exc:  # noqa: BLE001 - any failure is told, the app stays up
            self.post_message(Labelled(verb, theme, 0, error=str(exc) or type(exc).__name__))  # type: ignore[attr-defined]
            return
        self.post_message(Labelled(verb, theme, spread))  # type: ignore[attr-defined]

    def on_labelled(self, message: Labelled) -> None:
        """Say what was remembered, and repaint with the corrected tags."""
        if message.error:
            self.notify(f"Could not save the correction: {message.error}", severity="error",  # type: ignore[attr-defined]
                        markup=False, timeout=10)
            return
        title = self.services.theme_titles().get(message.theme, message.theme)
        text = f"{_WORDS[message.verb][1]} {title}: chipwire will remember"
        if message.spread:
            text += f" (also {message.spread} similar item{'s' if message.spread != 1 else ''})"
        self.notify(text, title="Themes", markup=False)  # type: ignore[attr-defined]
        self.reload()  # type: ignore[attr-defined]
