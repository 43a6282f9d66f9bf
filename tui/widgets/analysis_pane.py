"""The analysis pane: the thesis and "what to watch" of a theme, or one open item.

Everything is one ``rich.text.Text`` assembled from parts inside a ``Static(markup=False)``:
titles, summaries, evidence and entity names come from feeds and are shown exactly as written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from briefing.titles import display_title


def _lines(value: Any) -> list[str]:
    """A theme's ``watch`` may be a list or a paragraph; show both as bullet lines."""
    if not value:
        return []
    if isinstance(value, str):
        return [line.strip(" -•") for line in value.splitlines() if line.strip()]
    return [str(v) for v in value]


def theme_text(theme: Any, *, title: str, count: int | None = None) -> Text:
    """A theme's analysis: title, thesis, what to watch."""
    text = Text()
    text.append(title, style="bold underline")
    if count is not None:
        text.append(f"   {count} item{'s' if count != 1 else ''} in view", style="dim")
    text.append("\n\n")
    thesis = getattr(theme, "thesis", "") if theme is not None else ""
    if thesis:
        text.append(str(thesis).strip())
        text.append("\n")
    watch = _lines(getattr(theme, "watch", None) if theme is not None else None)
    if watch:
        text.append("\nWhat to watch\n", style="bold")
        for line in watch:
            text.append("  • ")
            text.append(line)
            text.append("\n")
    if theme is None and not thesis:
        text.append("Items that touch none of the ten themes: general technology news.", style="italic")
    return text


def item_text(item: Mapping[str, Any], theme_titles: Mapping[str, str], *, hidden_by: str | None = None) -> Text:
    """An open item: title, source, time, link, summary, themes with evidence, entities.

    ``hidden_by`` is the name of the ignore rule hiding the item (shown with ``H``): the pane
    says which rule, so a rule that is too broad can be found and fixed.
    """
    text = Text()
    text.append(display_title(item), style="bold")
    text.append("\n")
    if hidden_by is not None:
        text.append("⊘ hidden: ", style="bold")
        text.append(hidden_by, style="italic")
        text.append("  (ignore.toml)\n", style="dim")
    text.append(item.get("feed_title") or item.get("feed") or "", style="italic")
    published = item.get("published") or ""
    try:
        when = datetime.fromisoformat(published.replace("Z", "+00:00")).strftime("%a %d %b %Y %H:%M UTC")
    except ValueError:
        when = published
    text.append(f"  ·  {when}", style="dim")
    if item.get("published_estimated"):
        text.append(" (date estimated)", style="dim")
    if item.get("author"):
        text.append("  ·  ")
        text.append(str(item["author"]), style="dim")
    flags = []
    if item.get("starred"):
        flags.append("★ starred")
    flags.append("read" if item.get("read") else "● unread")
    text.append("  ·  " + ", ".join(flags), style="dim")
    text.append("\n")
    link = item.get("link") or ""
    if link:
        text.append(link, style="underline" if item.get("openable") else "dim")
        if not item.get("openable"):
            text.append("  (not an http/https link: won't open)", style="dim")
        text.append("\n")
    text.append("\n")
    summary = (item.get("summary") or "").strip()
    text.append(summary if summary else "(no summary in the feed)", style="" if summary else "dim italic")
    text.append("\n")
    themes: Sequence[Mapping[str, Any]] = item.get("themes") or []
    text.append("\nThemes\n", style="bold")
    if not themes:
        text.append("  none (Other)\n", style="dim")
    for tag in themes:
        theme_id = str(tag.get("id", ""))
        text.append(f"  [{theme_id}] ", style="bold")
        text.append(theme_titles.get(theme_id, theme_id))
        score = tag.get("score")
        if isinstance(score, (int, float)):
            text.append(f"  {score:.2f}", style="dim")
        text.append("\n")
        for evidence in tag.get("evidence") or []:
            text.append("      “")
            text.append(str(evidence))
            text.append("”\n", style="")
    entities: Sequence[Mapping[str, Any]] = item.get("entities") or []
    if entities:
        text.append("\nEntities\n", style="bold")
        for entity in entities:
            text.append("  ")
            text.append(str(entity.get("name", "")))
            text.append(f"  ({entity.get('kind', '')})\n", style="dim")
    return text


class AnalysisPane(VerticalScroll, can_focus=True):
    """Scrollable pane; the screen calls :meth:`show_theme` or :meth:`show_item`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.item_id: str | None = None
        self.theme_id: str | None = None
        self._shown: tuple[str, str, int | None] | None = None  # (theme, title, count) on screen

    def compose(self) -> ComposeResult:
        yield Static("", id="analysis-body", markup=False)

    def _set(self, text: Text) -> None:
        self.query_one("#analysis-body", Static).update(text)
        self.scroll_home(animate=False)

    def show_theme(self, theme_id: str, theme: Any, *, title: str, count: int | None = None) -> None:
        """Show a theme's analysis (no-op when it is already shown, to keep j/k cheap).

        "Already shown" includes the count: after a day switch the same theme usually stays
        under the cursor, but its "N items in view" line must follow the new day.
        """
        if self.item_id is None and self._shown == (theme_id, title, count):
            return
        self.item_id = None
        self.theme_id = theme_id
        self._shown = (theme_id, title, count)
        self.set_class(False, "-item")
        self._set(theme_text(theme, title=title, count=count))

    def show_item(self, item: Mapping[str, Any], theme_titles: Mapping[str, str], *,
                  hidden_by: str | None = None) -> None:
        """Show one item in full (with the ignore rule hiding it, when one does)."""
        self.item_id = str(item.get("id"))
        self.theme_id = None
        self._shown = None
        self.set_class(True, "-item")
        self._set(item_text(item, theme_titles, hidden_by=hidden_by))
