"""Markdown digests of a day, a week or any range: the layout ``chipwire export`` and the app's ``e`` write.

Pure rendering: :mod:`core.export` loads and selects the items, builds the briefing
(:func:`briefing.model.build_briefing` groups, collapses stories and orders them), counts the
pulse and remembers what was sent; this module only lays a digest out, so it can be tested on
plain data and never touches the store. What a digest promises:

* **It says what it is.** Under the title: the range, the filter in words and as the query the
  app understands, and the zone of the times. The pulse counts the same selection, and a
  section's count is the number of stories listed under it.
* **Each story in a line.** Linked title, source(s), local time, the other themes as short
  badges, then a one-sentence lede cut from the summary. Tagging evidence and star marks only
  when asked (a digest is usually for someone else).
* **It knows when to stop.** At most ``per_theme`` stories a section, most relevant first,
  then one "and N more" line with the ``chipwire items`` command that lists the rest.
* **Inert feed text.** Every title, source, lede, evidence phrase and URL goes through
  :mod:`briefing.mdescape`; only http/https links become links; no raw HTML ever reaches the
  file; feed text never starts a line, so it cannot open a block.
* **Deterministic bytes.** Same input, same options, same clock -> the same file.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone, tzinfo
from typing import TYPE_CHECKING, Any

from briefing.mdescape import escape, link, one_line
from briefing.model import OTHER, OTHER_TITLE, daily_counts, pulse
from briefing.titles import display_title

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.model import Briefing, StoryRow
    from briefing.themes import ThemeSet

__all__ = [
    "Digest",
    "DigestOptions",
    "DigestScope",
    "PER_THEME",
    "PulseRow",
    "first_sentence",
    "lede",
    "pulse_rows",
    "range_label",
    "render_digest",
    "sparkline",
]

#: Stories listed per theme section unless ``--per-theme N`` or ``--all`` says otherwise.
PER_THEME = 10
#: Stories in the opening "The day in five" list.
TOP_STORIES = 5
#: Titles longer than this are cut with an ellipsis: a digest line is for reading.
TITLE_MAX = 300
#: A lede is one sentence of at most this many characters (before escaping).
LEDE_MAX = 200
#: Other sources linked on a story's line; more are counted ("+3 more sources").
SOURCES_SHOWN = 3
#: "What to watch" lines closing a section, at most.
WATCH_MAX = 2
#: Sparklines longer than this bucket several days per character.
SPARK_MAX = 31
_SPARKS = "▁▂▃▄▅▆▇█"
_MINUS = "\u2212"
#: A sentence end: terminator, then space and a capital (or quote), or the end of the text.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"“‘'(]|$)")
#: An initialism or a common abbreviation just before a full stop (``U.S.``, ``e.g.``, ``Dr.``).
_ABBREV = re.compile(r"(?:\b[A-Za-z]\.)+[A-Za-z]\.$|\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Ms|No|Inc|Corp|Ltd)\.$")
#: Feed boilerplate that ends many summaries and says nothing about the story.
_BOILERPLATE = re.compile(
    r"\s*(?:\[(?:…|\.\.\.)\]|(?:continue|read) (?:reading|more)\W*$|the post .{1,300} appeared first on .{1,200}$)",
    re.I,
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class PulseRow:
    """One theme's line in the pulse table.

    Attributes:
        theme: theme id.
        count: the digest's items carrying the theme in the range (not only those filed under it).
        previous: the same filter's count for the previous range of equal length.
        spark: per-day counts drawn as the sparkline (the range, or the last 7 days for a day).
    """

    theme: str
    count: int
    previous: int
    spark: tuple[int, ...]

    @property
    def change(self) -> str:
        """``+3``, ``−2`` (a real minus sign), ``±0``, or ``new`` when the theme was silent."""
        if self.previous == 0 and self.count > 0:
            return "new"
        diff = self.count - self.previous
        if diff == 0:
            return "±0"
        return f"+{diff}" if diff > 0 else f"{_MINUS}{-diff}"


@dataclass(frozen=True)
class DigestScope:
    """What a digest covers, stated under its title so a forwarded copy explains itself.

    Attributes:
        start, end: the inclusive UTC days.
        week: the range is an ISO week (titled so, and "The week in five").
        filter_words: the filter in plain words ("" for none), e.g. "unread items carrying Enforcement".
        query: the same filter in the query language, range included (``+enforcement @2026-11-20``).
        zone: the name of the zone item times are shown in (``UTC``, ``Europe/Berlin``).
        since_last: only items no earlier sent digest contained.
        last_sent: when the last digest was sent (for the since-last line), if known.
        hidden: items ignore rules left out.
    """

    start: date
    end: date
    week: bool = False
    filter_words: str = ""
    query: str = ""
    zone: str = "UTC"
    since_last: bool = False
    last_sent: str | None = None
    hidden: int = 0


@dataclass(frozen=True)
class DigestOptions:
    """How much a digest shows (the CLI's flags; the app uses the defaults).

    Attributes:
        per_theme: stories listed per section; ``None`` lists all.
        evidence: show the tagger's evidence phrases on each line.
        stars: mark starred items with ★ (off by default: a digest is for others).
        front_matter: start with YAML front matter for notes vaults.
        tagged_only: leave out the "Other" (untagged) section.
    """

    per_theme: int | None = PER_THEME
    evidence: bool = False
    stars: bool = False
    front_matter: bool = False
    tagged_only: bool = False


@dataclass(frozen=True)
class Digest:
    """A rendered digest and what it lists (for the since-last memory and reports).

    Attributes:
        text: the Markdown, UTF-8-ready, ending in exactly one newline.
        item_ids: ids of every item listed (leads and same-story sources), sorted. Stories
            left to an "and N more" line are not listed, so they are not remembered as sent.
        published: item id -> UTC day of ``published``, used to age ids out of the memory.
        stories: number of stories listed (bullets under the theme sections).
        label: the range label (``2026-11-20``, ``2026-W47``, ``2026-11-16_2026-11-22``).
        matched: items that matched the filter (listed or not).
        more: stories matched but left to the "and N more" lines.
    """

    text: str
    item_ids: tuple[str, ...]
    published: dict[str, str] = field(default_factory=dict)
    stories: int = 0
    label: str = ""
    matched: int = 0
    more: int = 0


# --------------------------------------------------------------------------------------------
# Ranges and the pulse


def range_label(start: date, end: date, *, week: bool = False) -> str:
    """The range as used in file names: a day, an ISO week, or ``first_last``."""
    if week:
        year, number, _ = start.isocalendar()
        return f"{year}-W{number:02d}"
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()}_{end.isoformat()}"


def pulse_rows(day_counts: Mapping[str, Mapping[str, int]], theme_ids: Sequence[str],
               start: date, end: date) -> list[PulseRow]:
    """Per theme: items in ``start..end``, in the equal-length range before it, and a sparkline.

    ``day_counts`` is the store's ``{"YYYY-MM-DD": {theme: n, ...}}`` (no item scan needed);
    :mod:`core.export` passes the counts of the digest's own selection, so the pulse counts
    what the digest filters; the sums come from :func:`briefing.model.pulse`. A single
    day is drawn over the 7 days ending on it, so the line has a shape.
    """
    length = (end - start).days + 1
    series = daily_counts(day_counts, list(theme_ids), end, days=7 if length == 1 else length)
    return [
        PulseRow(theme=row["theme"], count=row["count"], previous=row["previous"], spark=tuple(series[row["theme"]]))
        for row in pulse(day_counts, list(theme_ids), start, end)
    ]


def sparkline(values: Sequence[int]) -> str:
    """Eight-level text sparkline scaled to the row's maximum; only zero draws the lowest bar."""
    if len(values) > SPARK_MAX:
        size = math.ceil(len(values) / SPARK_MAX)
        values = [sum(values[i : i + size]) for i in range(0, len(values), size)]
    top = max(values, default=0)
    if top <= 0:
        return _SPARKS[0] * len(values)
    # Non-zero values take levels 1..7 (ceil, so any item shows above the floor).
    return "".join(_SPARKS[0] if v <= 0 else _SPARKS[max(1, math.ceil(v * 7 / top))] for v in values)


# --------------------------------------------------------------------------------------------
# Story lines


def first_sentence(text: str) -> str:
    """The first sentence of ``text``: the digest quotes one line, not the whole argument."""
    flat = " ".join((text or "").split())
    for end in _SENTENCE_END.finditer(flat):
        candidate = flat[: end.end()]
        if not _ABBREV.search(candidate):
            return candidate
    return flat


def _cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-–—") + "…"


def lede(item: Mapping[str, Any], limit: int = LEDE_MAX) -> str:
    """One plain sentence of the item's summary (at most ``limit`` characters), or "".

    Cleaned: whitespace collapsed, control characters dropped, feed boilerplate ("The post ...
    appeared first on ...", "[…]", "Read more") removed, a title repeated at its start dropped,
    and an untitled item (shown by its summary already) gives nothing. Cut at the first sentence end, else at a word. Not escaped: the
    caller escapes it for its medium.
    """
    title = one_line(str(item.get("title") or ""))
    if not title:
        return ""  # an untitled item is already shown by its summary's start
    text = one_line(str(item.get("summary") or ""))
    text = _BOILERPLATE.sub("", text).strip()
    if title and text.casefold().startswith(title.casefold()) and text[len(title):][:1] in ("", ".", ":", "!", "?", "—", "–", "|"):
        text = text[len(title):].lstrip(" .:!?–—|")  # the summary only repeats the title first
    if len(text) < 3:
        return ""
    return _cut(first_sentence(text), limit)


def _when(item: Mapping[str, Any], tz: tzinfo) -> str:
    raw = str(item.get("published") or "")
    try:
        moment = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return escape(raw[:25]) or "date unknown"
    local = moment.astimezone(tz)
    zone = local.tzname() or local.strftime("%z")
    text = f"{local:%Y-%m-%d %H:%M} {escape(zone)}"
    if item.get("published_estimated"):
        text += " (date estimated)"
    return text


def _evidence(item: Mapping[str, Any], theme: str | None) -> list[str]:
    for tag in item.get("themes") or ():
        if isinstance(tag, Mapping) and tag.get("id") == theme:
            # The tagger's order is kept (it is deterministic); duplicates are dropped.
            return list(dict.fromkeys(str(e) for e in tag.get("evidence") or () if str(e).strip()))
    return []


def _badges(item: Mapping[str, Any], theme: str | None, themes: "ThemeSet") -> list[str]:
    """The item's other configured theme ids, best first: short badges after the time.

    Computed here rather than taken from ``StoryRow.badges`` because a ``--theme`` digest
    builds its briefing over the chosen themes only, yet should still name all the others.
    """
    known = set(themes.ids)
    tags = [t for t in item.get("themes") or () if isinstance(t, Mapping) and t.get("id") in known]
    tags.sort(key=lambda t: -float(t.get("score") or 0))
    return list(dict.fromkeys(str(t["id"]) for t in tags if t["id"] != theme))


def _source(item: Mapping[str, Any]) -> str:
    return str(item.get("feed_title") or item.get("feed") or "unknown source")


def _sources(row: "StoryRow") -> str:
    """The lead's source, then the same story's other sources linked to their own reports."""
    parts = [escape(_source(row.lead), 120)]
    for other in row.others[:SOURCES_SHOWN]:
        parts.append(link(_source(other), str(other.get("link") or ""), 120))
    extra = len(row.others) - SOURCES_SHOWN
    if extra > 0:
        parts.append(f"+{extra} more {'source' if extra == 1 else 'sources'}")
    return ", ".join(parts)


def _story_bullet(row: "StoryRow", themes: "ThemeSet", tz: tzinfo, options: DigestOptions) -> list[str]:
    """``- [title](url) — sources · time · also: badges``, then the lede on the next line."""
    lead = row.lead
    head = link(display_title(lead), str(lead.get("link") or ""), TITLE_MAX)
    if options.stars and any(i.get("starred") for i in row.items):
        head = "★ " + head
    meta = [_sources(row), _when(lead, tz)]
    badges = _badges(lead, row.theme, themes)
    if badges:
        meta.append("also: " + ", ".join(escape(b, 60) for b in badges))
    if options.evidence:
        evidence = _evidence(lead, row.theme)
        if evidence:
            meta.append("evidence: " + ", ".join(f"“{escape(e, 80)}”" for e in evidence))
    lines = [f"- {head} — " + " · ".join(meta)]
    sentence = lede(lead)
    if sentence:
        lines.append(f"  {escape(sentence)}")
    return lines


# --------------------------------------------------------------------------------------------
# The head: title, scope, summary, the five, the pulse


def code_span(text: str) -> str:
    """``text`` as an inline code span (literal, whatever backticks it holds)."""
    flat = one_line(text)
    longest = max((len(m) for m in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or longest else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def items_command(query: str) -> str:
    """The ``chipwire items`` command that lists what a query matches (shell-quoted)."""
    return f"chipwire items --query {shlex.quote(one_line(query))}"


def _range_title(scope: DigestScope) -> str:
    start, end = scope.start, scope.end
    if scope.week:
        return f"week {range_label(start, end, week=True)} ({start.isoformat()} to {end.isoformat()})"
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()} to {end.isoformat()}"


def _period(scope: DigestScope) -> str:
    """``day``, ``week`` or ``period``: the word the opening list and the pulse use."""
    length = (scope.end - scope.start).days + 1
    return "day" if length == 1 else "week" if scope.week or length == 7 else "period"


def _scope_line(scope: DigestScope) -> str:
    """Range, filter in words and as the query, zone: what a forwarded copy needs to be read right."""
    days = (scope.end - scope.start).days + 1
    if days == 1:
        span = f"{scope.start.isoformat()} (one UTC day)"
    else:
        week = f"ISO week {range_label(scope.start, scope.end, week=True)}, " if scope.week else ""
        span = f"{scope.start.isoformat()} to {scope.end.isoformat()} ({week}{days} UTC days)"
    words = scope.filter_words or "all items"
    text = f"Covers {span} · {escape(words, 400)}"
    if scope.since_last:
        text += " · only items no earlier digest contained"
        if scope.last_sent:
            text += f" (last sent {escape(scope.last_sent, 40)})"
    text += f" · query: {code_span(scope.query)}" if scope.query else ""
    return text + f" · times in {escape(scope.zone, 60)}."


def _summary(briefing: "Briefing", themes: "ThemeSet", listed: int, options: DigestOptions,
             scope: DigestScope) -> str:
    items = [item for row in briefing.rows() for item in row.items]
    feeds = {str(i.get("feed") or i.get("feed_title") or "") for i in items}
    known = set(themes.ids)
    touched = {t.get("id") for i in items for t in (i.get("themes") or ()) if isinstance(t, Mapping)} & known
    stories = len(briefing.rows())
    text = (
        f"{len(items)} {'item' if len(items) == 1 else 'items'} in {stories} "
        f"{'story' if stories == 1 else 'stories'} from {len(feeds)} {'feed' if len(feeds) == 1 else 'feeds'}"
        f" · {len(touched)} of {len(known)} themes touched"
    )
    if listed < stories:
        text += f" · {listed} stories listed, the other {stories - listed} behind each section's “more” line"
    starred = sum(1 for i in items if i.get("starred"))
    if options.stars and starred:
        text += f" · {starred} starred"
    if scope.hidden:
        text += f" · {scope.hidden} hidden by ignore rules"
    return text + "."


def _top_stories(rows: Sequence["StoryRow"], themes: "ThemeSet", scope: DigestScope) -> list[str]:
    """"The day in five": the stories with the most sources, then the highest scores, each once."""
    if len(rows) <= TOP_STORIES:
        return []
    ranked = sorted(rows, key=lambda r: r.story)
    ranked.sort(key=lambda r: str(r.lead.get("published") or ""), reverse=True)
    ranked.sort(key=lambda r: (len(r.items), r.score), reverse=True)
    out = ["", f"## The {_period(scope)} in five", ""]
    for number, row in enumerate(ranked[:TOP_STORIES], 1):
        sources = len({_source(i) for i in row.items})
        where = OTHER_TITLE if row.theme is None else themes.title_of(row.theme)
        title = link(display_title(row.lead), str(row.lead.get("link") or ""), TITLE_MAX)
        count = f"{sources} {'source' if sources == 1 else 'sources'}"
        out.append(f"{number}. {title} — {count} · {escape(where, 120)}")
    return out


def _pulse_table(rows: Sequence[PulseRow], themes: "ThemeSet", scope: DigestScope) -> list[str]:
    period = _period(scope)
    days = (scope.end - scope.start).days + 1
    before = f"previous {period}" if period != "period" else f"previous {days} days"
    trend = "Last 7 days" if days == 1 else "Per day"
    lines = [
        "", "## Theme pulse", "",
        f"| Theme | Items carrying the theme | Change vs {before} | {trend} |", "|:---|---:|---:|:---|",
    ]
    for row in rows:
        if not (row.count or row.previous or any(row.spark)):
            continue  # a theme silent all along: a row of zeros says nothing
        title = OTHER_TITLE if row.theme == OTHER else themes.title_of(row.theme)
        lines.append(f"| {escape(title)} | {row.count} | {row.change} | {sparkline(row.spark)} |")
    lines += ["", "Counted over this digest's filter; an item carrying several themes counts in each row, "
              "but is listed once, under its best theme."]
    return lines


# --------------------------------------------------------------------------------------------
# Sections


def _words(text: str) -> set[str]:
    """Lower-case words with a plural ``s`` dropped, for matching watch lines to evidence."""
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in _WORD.findall(text.casefold())}


def watch_lines(watch: Sequence[str], theme: str, rows: Sequence["StoryRow"], limit: int = WATCH_MAX) -> list[str]:
    """The analysis's "what to watch" lines this section's stories speak to, most spoken-to first.

    A story speaks to a line when every word of one of its evidence phrases for the theme
    (what made the tagger file it there) occurs in the line. Lines no story speaks to are
    left out, so a section closes on the analysis only where the news touches it.
    """
    phrases = [[_words(e) for e in _evidence(item, theme)] for row in rows for item in row.items]
    scored: list[tuple[int, int, str]] = []
    for index, line in enumerate(watch):
        words = _words(line)
        hits = sum(1 for story in phrases if any(p and p <= words for p in story))
        if hits:
            scored.append((-hits, index, line))
    return [line for _, _, line in sorted(scored)[:limit]]


def _section(group: Any, themes: "ThemeSet", tz: tzinfo, options: DigestOptions,
             more_query: str | None) -> tuple[list[str], list["StoryRow"]]:
    """One theme's section and the rows it lists (the rest go to the "more" line)."""
    cap = options.per_theme
    rows = group.rows if cap is None else group.rows[:cap]
    count = f"{len(rows)} {'story' if len(rows) == 1 else 'stories'}"
    if group.theme is None:
        out = ["", f"## {OTHER_TITLE} · {count}", "", "Items that touch none of the themes."]
    else:
        out = ["", f"## {escape(themes.title_of(group.theme))} · {count}"]
        theme = themes.by_id(group.theme)
        thesis = first_sentence(theme.thesis) if theme is not None else ""
        if thesis:
            out += ["", f"> {escape(thesis)}"]
    out.append("")
    for row in rows:
        out += _story_bullet(row, themes, tz, options)
    rest = len(group.rows) - len(rows)
    if rest:
        where = f" — {code_span(items_command(more_query))}" if more_query else ""
        out += ["", f"and {rest} more {'story' if rest == 1 else 'stories'}{where}"]
    theme = themes.by_id(group.theme) if group.theme is not None else None
    watching = watch_lines(theme.watch, theme.id, rows) if theme is not None else []
    if watching:
        out += ["", "What to watch: " + "; ".join(escape(w.rstrip("."), 200) for w in watching) + "."]
    return out, list(rows)


def _front_matter(briefing: "Briefing", scope: DigestScope, listed: Sequence["StoryRow"],
                  generated_at: datetime) -> list[str]:
    """YAML front matter for notes vaults; every string is a JSON string (valid YAML)."""
    def q(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)

    themes = list(dict.fromkeys(r.theme or OTHER for r in listed))
    return [
        "---",
        f"title: {q('chipwire digest: ' + _range_title(scope))}",
        f"start: {scope.start.isoformat()}",
        f"end: {scope.end.isoformat()}",
        f"filter: {q(scope.filter_words or 'all items')}",
        f"query: {q(scope.query)}",
        f"since_last: {'true' if scope.since_last else 'false'}",
        f"items: {briefing.total_items}",
        f"stories: {len(briefing.rows())}",
        f"listed: {len(listed)}",
        f"themes: [{', '.join(q(t) for t in themes)}]",
        f"generated: {q(generated_at.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ'))}",
        "---",
        "",
    ]


def _order(briefing: "Briefing", themes: "ThemeSet", tagged_only: bool) -> list[Any]:
    groups = {g.theme: g for g in briefing.groups}
    order: list[str | None] = [t.id for t in themes.themes if t.id in groups]
    order += sorted((k for k in groups if k is not None and k not in order), key=str)
    if None in groups and not tagged_only:
        order.append(None)
    return [groups[k] for k in order if groups[k].rows]


def render_digest(
    briefing: "Briefing",
    *,
    themes: "ThemeSet",
    pulse_rows: Sequence[PulseRow],
    scope: DigestScope,
    generated_at: datetime,
    version: str,
    tz: tzinfo = timezone.utc,
    options: DigestOptions = DigestOptions(),
    more_queries: Mapping[str | None, str] | None = None,
) -> Digest:
    """Lay one digest out and say what it lists.

    Args:
        briefing: the selected stories, from :func:`briefing.model.build_briefing`.
        themes: titles, theses and watch lines, and the contract order of sections.
        pulse_rows: the pulse table, one row per theme (see :func:`pulse_rows`).
        scope: what the digest covers (stated under the title).
        generated_at: the time stamped in the footer (pass the frozen clock in tests).
        version: chipwire's version for the footer.
        tz: zone for item times (always named on each line).
        options: caps and the optional parts.
        more_queries: section theme id (``None`` for Other) -> the query listing that section's
            stories, for the "and N more" line; a section without one gets no command.
    """
    sections = _order(briefing, themes, options.tagged_only)
    body: list[str] = []
    listed: list["StoryRow"] = []
    for group in sections:
        lines, rows = _section(group, themes, tz, options, (more_queries or {}).get(group.theme))
        body += lines
        listed += rows
    out: list[str] = [f"# chipwire digest: {_range_title(scope)}", "", _scope_line(scope)]
    if scope.since_last and not briefing.rows():
        out += ["", "Nothing new since the last digest: every item in this range and filter was in an earlier one."]
    else:
        out += ["", _summary(briefing, themes, len(listed), options, scope)]
        out += _top_stories(listed, themes, scope)
        out += _pulse_table(pulse_rows, themes, scope)
        out += body or ["", "No items match this digest's range and filters."]
    stamp = generated_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out += ["", "---", "", f"Generated by chipwire {escape(version, 40, leading=False)} on {stamp} — items "
            "tagged against the compute cold war analysis."]
    if options.front_matter:
        out = _front_matter(briefing, scope, listed, generated_at) + out
    items = [item for row in listed for item in row.items]
    return Digest(
        text="\n".join(line.rstrip() for line in out) + "\n",
        item_ids=tuple(sorted({str(i["id"]) for i in items})),
        published={str(i["id"]): str(i.get("published") or "")[:10] for i in items},
        stories=len(listed),
        label=range_label(scope.start, scope.end, week=scope.week),
        matched=briefing.total_items,
        more=len(briefing.rows()) - len(listed) if sections else 0,
    )
