"""The person's theme corrections between the store and the tagger (headless: no UI, no printing).

Three places assign themes, and each goes through here so a correction can never be undone:

* a refresh tags new items in worker processes, then calls :func:`apply_stored_corrections`
  on them in the parent before they are stored (it needs their story keys);
* a re-tag (``chipwire retag``, or the automatic one after a themes change) builds each item
  with :func:`retagged`;
* a new judgement (``chipwire label``, the app's keys) goes through :func:`relabel`, which
  stores it and re-tags the items it can reach (the item, its story, near-identical items
  within ``SPREAD_DAYS``) so the archive looks as a full re-tag would leave it.

The matching itself is pure and lives in ``briefing.corrections``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from briefing.corrections import SPREAD_DAYS, Correction, CorrectionBook, amend, apply

if TYPE_CHECKING:  # pragma: no cover - typing only
    from briefing.themes import ThemeSet
    from store import Store


def load_book(store: "Store") -> CorrectionBook:
    """Every usable stored correction, indexed (entries that do not parse are skipped, not lost)."""
    found = (Correction.from_json(key, value) for key, value in store.corrections().items())
    return CorrectionBook([c for c in found if c is not None])


def apply_stored_corrections(store: "Store", items: list[dict]) -> int:
    """Refresh hook: freshly tagged ``items`` take the corrections that match them (in place)."""
    return load_book(store).correct_items(items)  # an empty book returns at once


def retagged(item: dict, themes: list[dict], entities: list[dict], book: CorrectionBook) -> dict | None:
    """The stored ``item`` with fresh tagger ``themes`` and ``entities`` corrected, or None if unchanged."""
    new_themes, note = book.correct(item, themes)
    if new_themes == item.get("themes") and entities == item.get("entities") and note == item.get("correction"):
        return None
    out = dict(item)
    out["themes"] = new_themes
    out["entities"] = entities
    if note is None:
        out.pop("correction", None)
    else:
        out["correction"] = note
    return out


def retagger(themes: "ThemeSet | Any", book: CorrectionBook) -> Callable[[dict], dict | None]:
    """A ``Store.rewrite_items`` function: the tagger's themes for the item, then its correction.

    ``themes`` is a ThemeSet, or a Tagger already built from one (building costs tens of ms).
    """
    from briefing.entities import extract_entities

    tagger = _tagger(themes)

    def retag(item: dict) -> dict | None:
        title, summary = item.get("title", ""), item.get("summary", "")
        # A theme inherited from the item's story survives until its own text earns one.
        themes = tagger.tag(title, summary) or [
            t for t in item.get("themes") or () if isinstance(t, dict) and t.get("source") == "story"]
        return retagged(item, themes, extract_entities(title, summary), book)

    return retag


def _tagger(themes: "ThemeSet | Any") -> Any:
    from briefing.tagger import Tagger

    return themes if isinstance(themes, Tagger) else Tagger(themes)


@dataclass
class LabelResult:
    """What one :func:`relabel` did."""

    item: dict | None
    """The corrected item as stored now (None when it is no longer in the store)."""
    correction: Correction | None
    """The item's correction now (None when cleared)."""
    spread: int
    """Other stored items whose themes changed with it (same story, near-identical)."""


class UnknownItem(LookupError):
    """No stored item (and no stored correction, for ``clear``) has this id."""


def _months_around(day: date, days: int) -> set[str]:
    months = set()
    current = day - timedelta(days=days)
    while current <= day + timedelta(days=days):
        months.add(current.isoformat()[:7])
        current += timedelta(days=1)
    return months


def relabel(
    store: "Store",
    themes: "ThemeSet",
    item_id: str,
    *,
    add: Sequence[str] = (),
    reject: Sequence[str] = (),
    confirm: Sequence[str] = (),
    clear: bool = False,
    now: datetime | None = None,
) -> LabelResult:
    """Record a judgement on ``item_id`` and re-tag what it reaches. Raises UnknownItem.

    Theme ids must be known ones (the caller checks them: it knows how to say which it meant).
    A correction left with nothing in it is forgotten; everything else is kept forever.
    """
    now = now or datetime.now(timezone.utc)
    stored = store.corrections()
    previous = Correction.from_json(item_id, stored[item_id]) if item_id in stored else None
    item = store.get(item_id)
    if item is None:
        if previous is None or not clear or add or reject or confirm:
            raise UnknownItem(item_id)
        store.save_correction(item_id, None)  # the item was pruned: only the judgement remains
        return LabelResult(None, None, 0)
    when = now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    tagger = _tagger(themes)
    raw = tagger.tag(item.get("title", ""), item.get("summary", ""))
    given = {t["id"] for t in raw}  # "+theme" on a theme the tagger gave is a confirmation
    confirm = [*confirm, *(t for t in add if t in given)]
    add = [t for t in add if t not in given]
    correction = amend(previous, item, add=add, reject=reject, confirm=confirm, clear=clear, when=when)
    final = tuple(t["id"] for t in apply(raw, correction, direct=True))
    correction = replace(correction, themes=final)
    store.save_correction(item_id, None if correction.empty else correction.to_json())
    reach = CorrectionBook([c for c in (previous, correction) if c is not None])
    changed = _spread(store, tagger, item, reach)
    current = store.get(item_id)
    return LabelResult(current, None if correction.empty else correction, max(0, changed - 1))


def _spread(store: "Store", tagger: Any, item: dict, reach: CorrectionBook) -> int:
    """Re-tag the item and the stored items its old or new correction reaches; returns how many changed.

    Only those: items nobody corrected keep their stored tags untouched (whatever else put
    them there), so a judgement on one item never reshuffles the rest of the week.
    """
    retag = retagger(tagger, load_book(store))
    try:
        day = date.fromisoformat(str(item.get("published", ""))[:10])
    except ValueError:
        day = None
    lo = (day - timedelta(days=SPREAD_DAYS)).isoformat() if day else ""
    hi = (day + timedelta(days=SPREAD_DAYS)).isoformat() if day else ""

    def within(candidate: dict) -> dict | None:
        if candidate["id"] != item["id"]:
            published = str(candidate.get("published", ""))[:10]
            if not (day and lo <= published <= hi) or reach.match(candidate) is None:
                return None
        return retag(candidate)

    months: Iterable[str] = _months_around(day, SPREAD_DAYS) if day else {str(item.get("published", ""))[:7]}
    return store.rewrite_items(within, months=months)


def labelled_rows(store: "Store") -> list[dict[str, Any]]:
    """The corrections as a labelled set: ``{"title", "summary", "themes"}`` rows (``chipwire eval``).

    The themes are the item's themes after the person's correction, as they stood when the
    person last judged it — their judgement, not whatever the tagger says today.
    """
    rows = []
    book = load_book(store)
    for correction in sorted(book.by_id.values(), key=lambda c: (c.when, c.item_id)):
        rows.append({"title": correction.title, "summary": correction.summary, "themes": list(correction.themes)})
    return rows
