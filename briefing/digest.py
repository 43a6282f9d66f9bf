"""Markdown digests of a day, a week or any range: what ``chipwire export`` and the TUI's ``e`` write.

A digest is the briefing (:func:`briefing.model.build_briefing` does the grouping, story
collapsing and ordering; this module only lays it out) plus a "theme pulse" table, written so
it reads well as plain text and renders as CommonMark/GFM. Three promises:

* **Inert feed text.** Every title, source, evidence phrase and URL goes through
  :mod:`briefing.mdescape`; only http/https links become links; no raw HTML ever reaches the
  file; feed text never starts a line, so it cannot open a block.
* **Deterministic bytes.** Same store, same options, same clock -> the same file: every list is
  sorted or comes sorted from the model, and the only clock is the ``generated_at`` argument.
* **Since last time.** :func:`record_export` remembers which items each export contained in the
  store's meta (``exports``), so ``--since-last`` can leave them out next time.

The store is passed in as any object with the :class:`StoreLike` methods, so this module keeps
to the briefing layer (no store, no tinydb import).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from briefing.mdescape import escape, link
from briefing.model import OTHER, OTHER_TITLE, build_briefing, daily_counts, pulse
from briefing.titles import display_title

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.ignore import IgnoreRules
    from briefing.model import Briefing, StoryRow  # noqa: F401  (annotations)
    from briefing.query import Query
    from briefing.themes import ThemeSet

__all__ = [
    "Digest",
    "PulseRow",
    "RETENTION_DAYS",
    "build_digest",
    "ExportMemory",
    "export_log",
    "exported_ids",
    "id_key",
    "pulse_rows",
    "range_label",
    "record_export",
    "render_digest",
]

#: Exported-item ids are remembered for items published in the last this-many days; older
#: ones are dropped at each export so the meta entry stays bounded (an item older than that
#: cannot fall in a "since last time" digest of recent news anyway).
RETENTION_DAYS = 400
#: At most this many export log entries are kept (newest last).
LOG_LIMIT = 200
#: Titles longer than this are cut with an ellipsis: a digest line is for reading.
TITLE_MAX = 300
#: Sparklines longer than this bucket several days per character.
SPARK_MAX = 31
_SPARKS = "▁▂▃▄▅▆▇█"
_MINUS = "\u2212"
#: A sentence end: terminator, then space and a capital (or quote), or the end of the text.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z\"“‘'(]|$)")
#: An initialism or a common abbreviation just before a full stop (``U.S.``, ``e.g.``, ``Dr.``).
_ABBREV = re.compile(r"(?:\b[A-Za-z]\.)+[A-Za-z]\.$|\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Ms|No|Inc|Corp|Ltd)\.$")


class StoreLike(Protocol):
    """The part of ``store.Store`` a digest uses (kept structural to respect the layers)."""

    def items(self, *, start: date | None = ..., end: date | None = ..., starred: bool | None = ...,
              unread: bool | None = ...) -> list[dict]: ...
    def day_counts(self) -> dict[str, dict[str, int]]: ...
    def meta(self, key: str, default: Any = None) -> Any: ...
    def set_meta(self, key: str, value: Any) -> None: ...
    def commit(self) -> None: ...


@dataclass(frozen=True)
class PulseRow:
    """One theme's line in the pulse table.

    Attributes:
        theme: theme id.
        count: items carrying the theme in the range (store day counts, before any filter:
            the pulse describes the news flow, not the selection).
        previous: the same for the previous range of equal length.
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
class Digest:
    """A rendered digest and what it contains (for the since-last memory and reports).

    Attributes:
        text: the Markdown, UTF-8-ready, ending in exactly one newline.
        item_ids: ids of every item listed (leads and same-story sources), sorted.
        published: item id -> UTC day of ``published``, used to age ids out of the memory.
        stories: number of story rows (top-level bullets).
        label: the range label (``2026-11-20``, ``2026-W47``, ``2026-11-16_2026-11-22``).
    """

    text: str
    item_ids: tuple[str, ...]
    published: dict[str, str] = field(default_factory=dict)
    stories: int = 0
    label: str = ""


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


def _range_title(start: date, end: date, week: bool) -> str:
    if week:
        return f"week {range_label(start, end, week=True)} ({start.isoformat()} to {end.isoformat()})"
    if start == end:
        return start.isoformat()
    return f"{start.isoformat()} to {end.isoformat()}"


def pulse_rows(day_counts: Mapping[str, Mapping[str, int]], theme_ids: Sequence[str],
               start: date, end: date) -> list[PulseRow]:
    """Per theme: items in ``start..end``, in the equal-length range before it, and a sparkline.

    ``day_counts`` is the store's ``{"YYYY-MM-DD": {theme: n, ...}}`` (no item scan needed);
    the sums come from :func:`briefing.model.pulse` so the TUI and the digest agree. A single
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
# Rendering


def first_sentence(text: str) -> str:
    """The thesis's first sentence: the digest quotes one line, not the whole argument."""
    flat = " ".join((text or "").split())
    for end in _SENTENCE_END.finditer(flat):
        candidate = flat[: end.end()]
        if not _ABBREV.search(candidate):
            return candidate
    return flat


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
    """The item's other configured themes, best first.

    Computed here rather than taken from ``StoryRow.badges`` because a ``--theme`` digest
    builds its briefing over the chosen themes only, yet should still name all the others.
    """
    known = set(themes.ids)
    tags = [t for t in item.get("themes") or () if isinstance(t, Mapping) and t.get("id") in known]
    tags.sort(key=lambda t: -float(t.get("score") or 0))
    out: list[str] = []
    for tag in tags:
        if tag["id"] != theme and tag["id"] not in out:
            out.append(tag["id"])
    return out


def _title_of(item: Mapping[str, Any]) -> str:
    return display_title(item)


def _story_bullet(row: "StoryRow", themes: "ThemeSet", tz: tzinfo) -> list[str]:
    lead = row.lead
    parts = [link(_title_of(lead), str(lead.get("link") or ""), TITLE_MAX)]
    head = ("★ " if lead.get("starred") else "") + parts[0]
    meta = [escape(str(lead.get("feed_title") or lead.get("feed") or "unknown source"), 120), _when(lead, tz)]
    badges = _badges(lead, row.theme, themes)
    if badges:
        meta.append("also " + ", ".join(escape(themes.title_of(b)) for b in badges))
    evidence = _evidence(lead, row.theme)
    if evidence:
        meta.append("evidence: " + ", ".join(f"“{escape(e, 80)}”" for e in evidence))
    lines = [f"- {head} — " + " · ".join(meta)]
    for other in row.others:
        source = escape(str(other.get("feed_title") or other.get("feed") or "unknown source"), 120)
        star = "★ " if other.get("starred") else ""
        lines.append(
            f"  - {star}{source}: {link(_title_of(other), str(other.get('link') or ''), TITLE_MAX)}"
            f" · {_when(other, tz)}"
        )
    return lines


def _items_of(briefing: "Briefing") -> list[dict]:
    return [item for row in briefing.rows() for item in (row.lead, *row.others)]


def _summary(briefing: "Briefing", themes: "ThemeSet") -> str:
    items = _items_of(briefing)
    feeds = {str(i.get("feed") or i.get("feed_title") or "") for i in items}
    known = set(themes.ids)
    touched = {t.get("id") for i in items for t in (i.get("themes") or ()) if isinstance(t, Mapping)} & known
    starred = sum(1 for i in items if i.get("starred"))
    stories = len(briefing.rows())
    text = (
        f"{len(items)} {'item' if len(items) == 1 else 'items'} in {stories} "
        f"{'story' if stories == 1 else 'stories'} from {len(feeds)} {'feed' if len(feeds) == 1 else 'feeds'}"
        f" · {len(touched)} of {len(known)} themes touched"
    )
    if starred:
        text += f" · {starred} starred"
    hidden = int(getattr(briefing, "hidden", 0) or 0)
    if hidden:
        text += f" · {hidden} hidden by ignore rules"
    return text + "."


def _pulse_table(rows: Sequence[PulseRow], themes: "ThemeSet", single_day: bool) -> list[str]:
    trend = "Last 7 days" if single_day else "Per day"
    lines = [f"| Theme | Items | Change | {trend} |", "|:---|---:|---:|:---|"]
    for row in rows:
        title = OTHER_TITLE if row.theme == OTHER else themes.title_of(row.theme)
        lines.append(f"| {escape(title)} | {row.count} | {row.change} | {sparkline(row.spark)} |")
    return lines


def render_digest(
    briefing: "Briefing",
    *,
    themes: "ThemeSet",
    pulse_rows: Sequence[PulseRow],
    start: date,
    end: date,
    generated_at: datetime,
    version: str,
    tz: tzinfo = timezone.utc,
    week: bool = False,
    tagged_only: bool = False,
    note: str | None = None,
) -> str:
    """The Markdown of one digest.

    Args:
        briefing: the grouped stories, from :func:`briefing.model.build_briefing`.
        themes: titles and theses, and the contract order of sections.
        pulse_rows: the pulse table, one row per theme (see :func:`pulse_rows`).
        start, end: the inclusive UTC days the digest covers.
        generated_at: the time stamped in the footer (pass the frozen clock in tests).
        version: chipwire's version for the footer.
        tz: zone for item times (UTC by default, always named).
        week: title the range as an ISO week.
        tagged_only: leave out the "Other" (untagged) section.
        note: an extra line under the summary (e.g. "Only items not in an earlier digest.").
    """
    out: list[str] = [f"# chipwire digest: {_range_title(start, end, week)}", "", _summary(briefing, themes)]
    if note:
        out += ["", escape(note)]
    out += ["", "## Theme pulse", "", *_pulse_table(pulse_rows, themes, start == end)]
    groups = {g.theme: g for g in briefing.groups}
    order: list[str | None] = [t.id for t in themes.themes if t.id in groups]
    order += sorted((k for k in groups if k is not None and k not in order), key=str)
    if None in groups and not tagged_only:
        order.append(None)
    if not any(groups[k].rows for k in order):
        out += ["", "No items match this digest's range and filters."]
    for key in order:
        group = groups[key]
        if not group.rows:
            continue
        if key is None:
            out += ["", "## Other", "", "Items that touch none of the themes."]
        else:
            theme = themes.by_id(key)
            out += ["", f"## {escape(themes.title_of(key))}"]
            thesis = first_sentence(theme.thesis) if theme is not None else ""
            if thesis:
                out += ["", f"> {escape(thesis)}"]
        out.append("")
        for row in group.rows:
            out += _story_bullet(row, themes, tz)
    stamp = generated_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out += [
        "",
        "---",
        "",
        f"Generated by chipwire {escape(version, 40, leading=False)} on {stamp} — items tagged against the compute "
        "cold war analysis.",
    ]
    return "\n".join(line.rstrip() for line in out) + "\n"


# --------------------------------------------------------------------------------------------
# From the store to a digest


def _carries(item: Mapping[str, Any], wanted: Sequence[str]) -> bool:
    """Whether the item carries one of ``wanted`` (``"other"`` stands for "untagged")."""
    tags = [t.get("id") for t in item.get("themes") or () if isinstance(t, Mapping)]
    return any(t in wanted for t in tags) or (not tags and OTHER in wanted)


def _best_score(item: Mapping[str, Any], wanted: Sequence[str]) -> float:
    """The item's best theme score (among ``wanted`` themes when some are chosen)."""
    scores = [
        float(t.get("score") or 0)
        for t in item.get("themes") or ()
        if isinstance(t, Mapping) and (not wanted or t.get("id") in wanted)
    ]
    return max(scores, default=0.0)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chipwire")
    except PackageNotFoundError:  # a source tree without an install
        return "0.0.0"


def build_digest(
    store: StoreLike,
    themes: "ThemeSet",
    *,
    start: date,
    end: date,
    now: datetime,
    theme_ids: Sequence[str] | None = None,
    unread: bool = False,
    starred: bool = False,
    min_score: float | None = None,
    tagged_only: bool = False,
    query: "Query | None" = None,
    ignore: "IgnoreRules | None" = None,
    exclude_ids: "ExportMemory | Iterable[str]" = (),
    week: bool = False,
    tz: tzinfo = timezone.utc,
    version: str | None = None,
    note: str | None = None,
) -> Digest:
    """Load a range from the store, select, group (via the briefing model) and render it.

    The CLI ``export`` and the TUI ``e`` key both call this, so a digest looks the same from
    either. Filters combine: ``theme_ids`` keeps items carrying any of those themes (``"other"``
    for untagged items, like the TUI's theme filter) and files each under the best of them;
    ``min_score`` keeps items whose best theme score reaches it (untagged items have none, so
    it drops them); ``exclude_ids`` leaves out items already
    exported (see :func:`exported_ids`). Nothing is written: call :func:`record_export` after
    the file is safely on disk.
    """
    items = store.items(start=start, end=end, starred=True if starred else None, unread=True if unread else None)
    excluded = exclude_ids if isinstance(exclude_ids, (ExportMemory, set, frozenset)) else set(exclude_ids)
    wanted = list(theme_ids or ())
    selected: list[dict] = []
    for item in items:
        if item.get("id") in excluded:
            continue
        if wanted and not _carries(item, wanted):
            continue
        if (tagged_only or min_score is not None) and not item.get("themes"):
            continue
        if min_score is not None and _best_score(item, wanted) < min_score:
            continue
        selected.append(item)
    briefing = build_briefing(
        selected,
        # With --theme, the briefing knows only the chosen themes, so each item is filed under
        # the best of those (its other themes still show as "also ...").
        theme_titles={t.id: t.title for t in themes.themes if not wanted or t.id in wanted},
        start=start,
        end=end,
        query=query,
        ignore=ignore,
        now=now,
    )
    text = render_digest(
        briefing,
        themes=themes,
        pulse_rows=pulse_rows(store.day_counts(), list(wanted or themes.ids), start, end),
        start=start,
        end=end,
        generated_at=now,
        version=version or _version(),
        tz=tz,
        week=week,
        tagged_only=tagged_only,
        note=note,
    )
    listed = _items_of(briefing)
    return Digest(
        text=text,
        item_ids=tuple(sorted({str(i["id"]) for i in listed})),
        published={str(i["id"]): str(i.get("published") or "")[:10] for i in listed},
        stories=len(briefing.rows()),
        label=range_label(start, end, week=week),
    )


# --------------------------------------------------------------------------------------------
# The since-last memory (store meta "exports")


def id_key(item_id: str) -> str:
    """The 64-bit digest an exported id is remembered by.

    The memory lives in the store's ``state.json``, which is rewritten on every commit, so it
    keeps 16 hex characters per item instead of ids that can run to hundreds of characters
    (a year of heavy use stays around a megabyte). A false "already exported" needs a 64-bit
    collision among the remembered items: negligible.
    """
    return hashlib.sha1(item_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class ExportMemory:
    """The set of items earlier digests contained; ``item_id in memory`` tests membership."""

    def __init__(self, seen: Mapping[str, str]) -> None:
        self.by_day: dict[str, set[str]] = {day: set(keys.split()) for day, keys in seen.items()}
        self._all: set[str] = set().union(*self.by_day.values()) if self.by_day else set()

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, str) and id_key(item_id) in self._all

    def __len__(self) -> int:
        return len(self._all)


def _memory(store: StoreLike) -> tuple[list[dict], dict[str, str]]:
    """``(log, seen)`` from meta ``exports``; anything malformed reads as empty, never fails."""
    raw = store.meta("exports", None)
    if not isinstance(raw, dict):
        return [], {}
    log = [e for e in raw.get("log") or () if isinstance(e, dict)] if isinstance(raw.get("log"), list) else []
    seen = raw.get("seen") if isinstance(raw.get("seen"), dict) else {}
    return log, {k: v for k, v in seen.items() if isinstance(k, str) and isinstance(v, str)}


def exported_ids(store: StoreLike) -> ExportMemory:
    """What earlier digests contained (within :data:`RETENTION_DAYS`), for ``exclude_ids``."""
    return ExportMemory(_memory(store)[1])


def export_log(store: StoreLike) -> list[dict]:
    """Earlier exports, oldest first: ``{"at", "range", "file", "count"}``."""
    return _memory(store)[0]


def record_export(store: StoreLike, digest: Digest, *, at: datetime, file: str) -> None:
    """Remember that ``digest`` was exported (its items and a log line), and commit.

    Meta layout (``exports``)::

        {"log": [{"at": ISO, "range": label, "file": path or "-", "count": n}, ...],  # <= LOG_LIMIT
         "seen": {"YYYY-MM-DD": "<id_key> <id_key> ...", ...}}  # by the items' published day

    Days more than :data:`RETENTION_DAYS` before ``at`` are dropped and the log keeps its last
    :data:`LOG_LIMIT` entries, so the entry stays bounded however long chipwire is used; keys
    are sorted so the stored JSON is deterministic. Raises whatever the store raises (e.g.
    locked): the caller decides.
    """
    log, seen = _memory(store)
    cutoff = (at.astimezone(timezone.utc).date() - timedelta(days=RETENTION_DAYS)).isoformat()
    days = {day: set(keys.split()) for day, keys in seen.items() if day >= cutoff}
    for item_id, day in digest.published.items():
        if day >= cutoff:
            days.setdefault(day, set()).add(id_key(item_id))
    log = log + [{
        "at": at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "range": digest.label,
        "file": file,
        "count": len(digest.item_ids),
    }]
    store.set_meta("exports", {
        "log": log[-LOG_LIMIT:],
        "seen": {day: " ".join(sorted(keys)) for day, keys in sorted(days.items())},
    })
    store.commit()
