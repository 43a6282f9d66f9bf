"""The digest as a use case: query the store, build the digest, write it, remember it was sent.

``chipwire export`` and the app's ``e`` both come here, so a digest reads the same from either
and "sent" means the same thing: :func:`record` is called only for a digest written to a file
(or a preview the person explicitly asked to count), never for a stdout preview or a dry run —
otherwise a preview would use up ``--since-last`` and the real digest would miss what it matched.

The rendering is :mod:`briefing.digest` (pure, no store); this module does every read and write:
it loads the range (and the ranges before it, for the pulse), applies one filter to all of it,
so the pulse counts exactly what the digest selects, and states that filter in words and as a
query. Headless: no printing, no argparse, no Textual.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from briefing.digest import Digest, DigestOptions, DigestScope, pulse_rows, range_label, render_digest
from briefing.model import OTHER, build_briefing
from core.digest_file import digest_file_name, write_new

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.ignore import IgnoreRules
    from briefing.query import Query
    from briefing.themes import ThemeSet

__all__ = [
    "ExportMemory",
    "ExportRequest",
    "LOG_LIMIT",
    "RETENTION_DAYS",
    "StoreLike",
    "build",
    "describe",
    "digest_file_name",
    "export_log",
    "export_folder",
    "exported_ids",
    "id_key",
    "query_of",
    "record",
    "sent_files",
    "write_new",
    "write_to_folder",
]

#: Sent-item ids are remembered for items published in the last this-many days; older ones
#: are dropped at each record so the meta entry stays bounded (an item older than that cannot
#: fall in a "since last time" digest of recent news anyway).
RETENTION_DAYS = 400
#: At most this many export log entries are kept (newest last).
LOG_LIMIT = 200


class StoreLike(Protocol):
    """The part of ``store.Store`` an export uses (a read-only store does for a preview)."""

    def items(self, *, start: date | None = ..., end: date | None = ...) -> list[dict]: ...
    def meta(self, key: str, default: Any = None) -> Any: ...
    def set_meta(self, key: str, value: Any) -> None: ...
    def commit(self) -> None: ...


@dataclass(frozen=True)
class ExportRequest:
    """What to put in a digest: the range, the filter and the layout options.

    Filters combine: ``theme_ids`` keeps items carrying any of them (``"other"`` = untagged)
    and files each under the best of them; ``min_score`` keeps items whose best theme score
    reaches it (untagged items have none); ``query`` is the app's query language;
    ``since_last`` leaves out items an earlier *sent* digest listed.
    """

    start: date
    end: date
    week: bool = False
    theme_ids: tuple[str, ...] = ()
    unread: bool = False
    starred: bool = False
    min_score: float | None = None
    tagged_only: bool = False
    query: "Query | None" = None
    since_last: bool = False
    tz: tzinfo = timezone.utc
    options: DigestOptions = field(default_factory=DigestOptions)

    @property
    def label(self) -> str:
        """The range label used in file names."""
        return range_label(self.start, self.end, week=self.week)


# --------------------------------------------------------------------------------------------
# The filter, in words and as a query


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


def _passes(item: Mapping[str, Any], req: ExportRequest, query: "Query | None", now: datetime) -> bool:
    """Every filter but the range, the ignore rules and the since-last memory."""
    wanted = req.theme_ids
    if req.unread and item.get("read"):
        return False
    if req.starred and not item.get("starred"):
        return False
    if wanted and not _carries(item, wanted):
        return False
    if (req.tagged_only or req.min_score is not None) and not item.get("themes"):
        return False
    if req.min_score is not None and _best_score(item, wanted) < req.min_score:
        return False
    return query is None or query.is_empty or query.matches(item, now)


def query_of(req: ExportRequest, themes: "ThemeSet", now: datetime, *, section: str | None | bool = False) -> str:
    """The request (or one section of it) in the query language, its days written out.

    What the language cannot say (``min_score``, "any of several themes", ``tagged_only``,
    since-last) is left out, so the query lists a superset of the digest: run through
    ``chipwire items --query``, it shows every story the digest lists or leaves to a "more"
    line. ``section`` adds that section's theme (``None`` = Other: no theme at all).
    """
    from briefing.query import Query

    q = req.query or Query()
    first, last = q.date_range(now)
    start = max(req.start, first) if first else req.start
    end = min(req.end, last) if last else req.end
    include, exclude = list(q.include_themes), list(q.exclude_themes)
    wanted = list(req.theme_ids)
    if section is not False:
        wanted = [section if section is not None else OTHER]
    if wanted == [OTHER]:
        exclude += [t for t in themes.ids if t not in exclude]
    elif len(wanted) == 1:
        include += [] if wanted[0] in include else wanted
    q = replace(q, include_themes=tuple(include), exclude_themes=tuple(exclude), relative=(),
                ranges=((start, end),), unread=q.unread or req.unread, starred=q.starred or req.starred)
    return str(q)


def describe(req: ExportRequest, themes: "ThemeSet") -> str:
    """The filter in plain words ("" when there is none), e.g. "unread items carrying Enforcement"."""
    q = req.query
    title = themes.title_of
    adjectives = [w for w, on in (("unread", req.unread or bool(q and q.unread)),
                                  ("starred", req.starred or bool(q and q.starred)),
                                  ("tagged", req.tagged_only)) if on]
    parts: list[str] = []
    named = [("untagged" if t == OTHER else title(t)) for t in req.theme_ids]
    if named:
        parts.append(("carrying " if len(named) == 1 else "carrying any of ") + " or ".join(named))
    if q is not None:
        parts += [f"carrying {title(t)}" for t in q.include_themes]
        parts += [f"not carrying {title(t)}" for t in q.exclude_themes]
        if q.words:
            parts.append("containing " + " and ".join(f"“{w}”" for w in q.words))
        if q.sources:
            parts.append("from sources matching " + " or ".join(f"“{s}”" for s in q.sources))
        if q.exclude_regexes:
            parts.append("hiding titles or summaries matching " + " or ".join(f"“{r.source}”" for r in q.exclude_regexes))
        units = {"h": "hour", "d": "day", "w": "week", "m": "month", "y": "year"}
        parts += [f"published in the last {n} {units[u]}{'' if n == 1 else 's'}" for n, u in q.relative]
    if req.min_score is not None:
        parts.append(f"best theme score at least {req.min_score:g}")
    if not parts and not adjectives:
        return ""
    return " ".join([*adjectives, "items", *([", ".join(parts)] if parts else [])])


def _zone_name(tz: tzinfo) -> str:
    return str(getattr(tz, "key", "") or tz.tzname(datetime.now(timezone.utc)) or tz)


# --------------------------------------------------------------------------------------------
# Building


@dataclass
class _Selection:
    items: list[dict] = field(default_factory=list)
    day_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    hidden: int = 0

    def count(self, item: Mapping[str, Any], day: str) -> None:
        """Add the item to the pulse's per-day counts (every theme it carries, like the store's)."""
        counts = self.day_counts.setdefault(day, {})
        counts["total"] = counts.get("total", 0) + 1
        ids = {t.get("id") for t in item.get("themes") or () if isinstance(t, Mapping)} or {OTHER}
        for theme in ids:
            counts[str(theme)] = counts.get(str(theme), 0) + 1


def _select(store: StoreLike, req: ExportRequest, *, now: datetime, ignore: "IgnoreRules | None",
            memory: "ExportMemory | None") -> _Selection:
    """The range's items that pass the filter, and the same filter's per-day counts back far
    enough for the pulse's previous range and a single day's 7-day sparkline."""
    length = (req.end - req.start).days + 1
    first = min(req.start - timedelta(days=length), req.end - timedelta(days=6))
    start, end = req.start.isoformat(), req.end.isoformat()
    # Before the range the query's own dates (``@2w``) would empty the comparison: drop them there.
    dateless = replace(req.query, relative=(), ranges=()) if req.query is not None else None
    out = _Selection()
    for item in store.items(start=first, end=req.end):
        day = str(item.get("published") or "")[:10]
        inside = start <= day <= end
        if not _passes(item, req, req.query if inside else dateless, now):
            continue
        if ignore is not None and ignore.hides(item, now):
            out.hidden += inside
            continue
        if inside and memory is not None and item.get("id") in memory:
            continue
        out.count(item, day)
        if inside:
            out.items.append(item)
    return out


def build(store: StoreLike, themes: "ThemeSet", req: ExportRequest, *, now: datetime,
          ignore: "IgnoreRules | None" = None, version: str | None = None) -> Digest:
    """Select, group (via the briefing model) and render one digest. Nothing is written.

    Call :func:`record` once the digest is safely written (and only then) so ``--since-last``
    leaves its items out next time.
    """
    memory = exported_ids(store) if req.since_last else None
    picked = _select(store, req, now=now, ignore=ignore, memory=memory)
    wanted = [t for t in req.theme_ids if t != OTHER] if req.theme_ids else []
    briefing = build_briefing(
        picked.items,
        # With theme_ids the briefing knows only the chosen themes, so each item is filed
        # under the best of those (its other themes still show as badges).
        theme_titles={t.id: t.title for t in themes.themes if not req.theme_ids or t.id in wanted},
        start=req.start,
        end=req.end,
        now=now,
    )
    log = export_log(store) if req.since_last else []
    scope = DigestScope(
        start=req.start, end=req.end, week=req.week, filter_words=describe(req, themes),
        query=query_of(req, themes, now), zone=_zone_name(req.tz), since_last=req.since_last,
        last_sent=_last_sent(log), hidden=picked.hidden,
    )
    return render_digest(
        briefing,
        themes=themes,
        pulse_rows=pulse_rows(picked.day_counts, list(req.theme_ids or themes.ids), req.start, req.end),
        scope=scope,
        generated_at=now,
        version=version or _version(),
        tz=req.tz,
        options=replace(req.options, tagged_only=req.options.tagged_only or req.tagged_only),
        more_queries={g.theme: query_of(req, themes, now, section=g.theme) for g in briefing.groups},
    )


def _last_sent(log: Sequence[Mapping[str, Any]]) -> str | None:
    """When the last digest was sent, ``YYYY-MM-DD HH:MM UTC`` (None before the first)."""
    if not log:
        return None
    at = str(log[-1].get("at") or "")
    return at[:16].replace("T", " ") + " UTC" if len(at) >= 16 else None


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chipwire")
    except PackageNotFoundError:  # a source tree without an install
        return "0.0.0"


# --------------------------------------------------------------------------------------------
# The since-last memory (store meta "exports")


def id_key(item_id: str) -> str:
    """The 64-bit digest a sent id is remembered by.

    The memory lives in the store's ``state.json``, which is rewritten on every commit, so it
    keeps 16 hex characters per item instead of ids that can run to hundreds of characters
    (a year of heavy use stays around a megabyte). A false "already sent" needs a 64-bit
    collision among the remembered items: negligible.
    """
    return hashlib.sha1(item_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class ExportMemory:
    """The set of items earlier sent digests listed; ``item_id in memory`` tests membership."""

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
    """What earlier sent digests listed (within :data:`RETENTION_DAYS`)."""
    return ExportMemory(_memory(store)[1])


def export_log(store: StoreLike) -> list[dict]:
    """Earlier sent digests, oldest first: ``{"at", "range", "file", "count"}``."""
    return _memory(store)[0]


def record(store: StoreLike, digest: Digest, *, at: datetime, file: str) -> None:
    """Remember that ``digest`` was sent (the items it lists and a log line), and commit.

    Meta layout (``exports``)::

        {"log": [{"at": ISO, "range": label, "file": path or "-", "count": n}, ...],  # <= LOG_LIMIT
         "seen": {"YYYY-MM-DD": "<id_key> <id_key> ...", ...}}  # by the items' published day

    Days more than :data:`RETENTION_DAYS` before ``at`` are dropped and the log keeps its last
    :data:`LOG_LIMIT` entries, so the entry stays bounded however long chipwire is used; keys
    are sorted so the stored JSON is deterministic. Raises whatever the store raises (e.g.
    locked, or opened read-only): the caller decides.
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


def sent_files(store: StoreLike, *, since: str = "") -> list[Path]:
    """Files digests were written to (log entries at or after ``since``, an ISO time), in order."""
    files = [str(e.get("file") or "") for e in export_log(store) if str(e.get("at") or "") >= since]
    return [Path(f) for f in dict.fromkeys(files) if f and f != "-"]


def export_folder(exports_dir: Path, *, demo: bool) -> Path:
    """Where the app's ``e`` writes: the home's exports folder, or — in a demo, whose home is
    deleted when the app quits — the current folder, so the digests outlive the demo."""
    return Path.cwd() if demo else exports_dir


def write_to_folder(folder: Path, digest: Digest) -> Path:
    """Write under the first free ``chipwire-digest-<range>[-n].md`` in ``folder`` (never clobbers)."""
    return write_new(folder, digest.label, digest.text)
