"""The analysis pane: the thesis and "what to watch" of a theme, or one open item.

Everything is one ``rich.text.Text`` assembled from parts inside a ``Static(markup=False)``:
titles, summaries, evidence and entity names come from feeds and are shown exactly as written.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from typing import Any, Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from briefing.titles import display_title
from tui import keymap

#: A link marker the feed layer put after a link's text: `` [3]``.
_MARKER = re.compile(r"\[(\d{1,3})\]")


def zone_label(zone: tzinfo, moment: datetime) -> str:
    """A short name for ``zone`` at ``moment``: ``UTC``, ``CET``, else the offset (``+0530``)."""
    if zone is timezone.utc:
        return "UTC"
    name = moment.astimezone(zone).tzname() or ""
    if name and not name.startswith(("+", "-")):
        return name
    return moment.astimezone(zone).strftime("%z")


def summary_text(summary: str, links: Sequence[Mapping[str, Any]]) -> Text:
    """The summary with its ``[n]`` link markers picked out (only numbers that have a link)."""
    text = Text(summary)
    for match in _MARKER.finditer(summary):
        if 1 <= int(match.group(1)) <= len(links):
            text.stylize("bold cyan", match.start(), match.end())
    return text


def links_text(links: Sequence[Mapping[str, Any]]) -> Text:
    """The numbered link list under the summary: ``[n] text`` then the URL, dimmed."""
    text = Text()
    text.append("\nLinks", style="bold")
    text.append("   1–9 or L and a number opens one\n", style="dim")
    for number, link in enumerate(links, start=1):
        text.append(f"  [{number}] ", style="bold cyan")
        text.append(str(link.get("text") or ""))
        text.append("\n      ")
        text.append(str(link.get("url") or ""), style="underline dim")
        text.append("\n")
    return text


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


def item_text(item: Mapping[str, Any], theme_titles: Mapping[str, str], *, hidden_by: str | None = None,
              zone: tzinfo = timezone.utc) -> Text:
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
        moment = datetime.fromisoformat(published.replace("Z", "+00:00"))
        when = moment.astimezone(zone).strftime("%a %d %b %Y %H:%M ") + zone_label(zone, moment)
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
    links = [link for link in item.get("links") or [] if isinstance(link, Mapping)]
    if summary:
        text.append_text(summary_text(summary, links))
    else:
        text.append("(no summary in the feed)", style="dim italic")
    text.append("\n")
    if links:
        text.append_text(links_text(links))
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
    """Scrollable pane; the screen calls :meth:`show_theme` or :meth:`show_item`.

    Focused, it reads like a pager: ``space``/``b`` and ``PgDn``/``PgUp`` page (the screen's
    own ``space`` expands a story, so the pane's binding must win while it has focus).
    """

    BINDINGS = keymap.bindings("reader")

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
                  hidden_by: str | None = None, zone: tzinfo = timezone.utc) -> None:
        """Show one item in full (with the ignore rule hiding it, when one does).

        The same item again (a flag flipped, the view reloaded) keeps the reading position:
        pressing ``m`` half-way down a long article must not jump back to its top.
        """
        same = self.item_id == str(item.get("id"))
        self.item_id = str(item.get("id"))
        self.theme_id = None
        self._shown = None
        self.set_class(True, "-item")
        body = item_text(item, theme_titles, hidden_by=hidden_by, zone=zone)
        if same:
            self.query_one("#analysis-body", Static).update(body)
        else:
            self._set(body)
