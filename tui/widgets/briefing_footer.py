"""The briefing's footer: the usual keys, and the everyday reading keys once there is room.

At 80 columns only the keys marked ``show`` fit; from :data:`WIDE_FOOTER` columns on, the keys
marked ``wide`` in :data:`tui.keymap.KEY_SPECS` (``n``, ``u``, ``m``, ``o``, ``e``, ``f``...) are
listed too, so a newcomer sees the reading loop without opening help.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tui import keymap

#: From this terminal width on, the ``wide`` keys join the footer.
WIDE_FOOTER = 120
#: From this width on, the keys keep their padding again.
ROOMY_FOOTER = 160

_WIDE_IDS = frozenset(spec.id for spec in keymap.KEY_SPECS if spec.wide)


class BriefingFooter(Footer):
    """A Footer that also lists the ``wide`` bindings when the terminal is wide enough.

    Textual's Footer shows only ``Binding.show``; this one composes the same ``FooterKey``
    widgets from the screen's active bindings with the width rule added (Textual is pinned
    exactly, so the private ``FooterKey`` import is safe).
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._wide: bool | None = None

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        self._wide = self.app.size.width >= WIDE_FOOTER
        seen: set[str] = set()
        keys = []
        for _, binding, enabled, tooltip in self.screen.active_bindings.values():
            if not (binding.show or (self._wide and binding.id in _WIDE_IDS)) or binding.action in seen:
                continue
            seen.add(binding.action)
            keys.append((binding, enabled, tooltip))
        # Sixteen keys fit in 120 columns only without the padding; from 160 they have room.
        self.compact = self._wide and self.app.size.width < ROOMY_FOOTER
        self.styles.grid_size_columns = len(keys)
        for binding, enabled, tooltip in keys:
            # "[ ] Day": the two day keys share one label (the footer's widest saving).
            description = "" if binding.id == "prev-day" else "Day" if binding.id == "next-day" else binding.description
            yield FooterKey(binding.key, self.app.get_key_display(binding), description, binding.action,
                            disabled=not enabled, tooltip=tooltip or binding.description).data_bind(compact=Footer.compact)

    def on_resize(self, event: events.Resize) -> None:
        """Crossing :data:`WIDE_FOOTER` or :data:`ROOMY_FOOTER` changes the keys or their padding."""
        width = self.app.size.width
        wide = width >= WIDE_FOOTER
        if self._wide is not None and (wide != self._wide or (wide and width < ROOMY_FOOTER) != self.compact):
            self.refresh(recompose=True)
