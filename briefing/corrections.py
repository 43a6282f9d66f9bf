"""The user's theme corrections and how they reach items: pure domain, no I/O.

Why: a tagger is wrong some of the time, and a reader who says "this is not export controls"
should never have to say it twice. A :class:`Correction` records, per item id, the themes the
person added, rejected and confirmed, with enough of the item (title, the start of its summary,
feed, story key, date) to recognise the same news when it comes back: from another feed, as a
re-post, or as the same story. :class:`CorrectionBook` indexes the corrections and applies the
matching one to freshly computed tags, so a re-tag or a refresh can never undo the person's
judgement.

Matching, strongest first:

* the corrected item itself (by id);
* an item of the same story (the story key the store gives items reporting one event);
* a near-identical item: normalised titles (``briefing.stories.normalise_title``) with
  rapidfuzz ``token_set_ratio`` >= :data:`TITLE_THRESHOLD`, token Jaccard >= :data:`MIN_JACCARD`,
  no conflicting model numbers, both at least :data:`MIN_TOKENS` tokens, published within
  :data:`SPREAD_DAYS` of the corrected item. Stricter than story grouping (80): a correction
  changes what the briefing says, so it spreads only to what is plainly the same text.

When several corrections match, the most recent one wins. Applied themes carry
``"source": "user"``; the tagger's carry no source in the store and read as :data:`RULE`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from briefing.stories import normalise_title

USER = "user"
"""``source`` of a theme the person added or confirmed."""
RULE = "rule"
"""``source`` of a theme the tagger gave (stored without a source; :func:`with_sources` fills it)."""

TITLE_THRESHOLD = 90.0
MIN_JACCARD = 0.6
MIN_TOKENS = 3
SPREAD_DAYS = 7
SUMMARY_KEPT = 2000
"""Characters of the summary kept with a correction: enough for matching and for the export."""
USER_SCORE = 10.0
"""Score of a theme the tagger did not give: ranks with strong tagger themes, never below them."""


@dataclass(frozen=True)
class Correction:
    """The person's judgement of one item's themes, and what is needed to recognise it again."""

    item_id: str
    added: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()
    confirmed: tuple[str, ...] = ()
    when: str = ""
    title: str = ""
    summary: str = ""
    feed: str = ""
    story: str = ""
    published: str = ""
    themes: tuple[str, ...] = ()
    """The item's theme ids after the correction, as last seen: the label the export writes."""

    @property
    def empty(self) -> bool:
        return not (self.added or self.rejected or self.confirmed)

    @property
    def wanted(self) -> tuple[str, ...]:
        """Themes the item must carry: added, then confirmed."""
        return tuple(dict.fromkeys(self.added + self.confirmed))

    def to_json(self) -> dict[str, Any]:
        """The stored form (item id is the key it is stored under, and kept inside too)."""
        return {
            "id": self.item_id, "added": list(self.added), "rejected": list(self.rejected),
            "confirmed": list(self.confirmed), "when": self.when, "title": self.title,
            "summary": self.summary, "feed": self.feed, "story": self.story,
            "published": self.published, "themes": list(self.themes),
        }

    @classmethod
    def from_json(cls, item_id: str, data: Any) -> "Correction | None":
        """Read a stored correction; None when it is not usable (the file is user-editable)."""
        if not isinstance(data, Mapping) or not isinstance(item_id, str) or not item_id:
            return None

        def ids(key: str) -> tuple[str, ...]:
            value = data.get(key)
            if not isinstance(value, list):
                return ()
            return tuple(dict.fromkeys(v for v in value if isinstance(v, str) and v))

        def text(key: str, limit: int = SUMMARY_KEPT) -> str:
            value = data.get(key)
            return value[:limit] if isinstance(value, str) else ""

        return cls(
            item_id=item_id, added=ids("added"), rejected=ids("rejected"), confirmed=ids("confirmed"),
            when=text("when", 40), title=text("title", 1000), summary=text("summary"),
            feed=text("feed", 4000), story=text("story", 1000), published=text("published", 40),
            themes=ids("themes"),
        )


def amend(
    previous: Correction | None,
    item: Mapping[str, Any],
    *,
    add: Sequence[str] = (),
    reject: Sequence[str] = (),
    confirm: Sequence[str] = (),
    clear: bool = False,
    when: str,
) -> Correction:
    """The correction after one more judgement on ``item`` (the newest judgement wins a conflict).

    ``clear`` forgets what was said before this call. The item snapshot is refreshed from
    ``item`` so matching uses its latest title.
    """
    base = Correction(item_id=str(item["id"])) if previous is None or clear else previous
    added = [t for t in base.added if t not in reject]
    rejected = [t for t in base.rejected if t not in add and t not in confirm]
    confirmed = [t for t in base.confirmed if t not in reject]
    added += [t for t in add if t not in added]
    rejected += [t for t in reject if t not in rejected]
    confirmed += [t for t in confirm if t not in confirmed and t not in added]
    return replace(
        base,
        added=tuple(added), rejected=tuple(rejected), confirmed=tuple(confirmed), when=when,
        title=str(item.get("title") or "")[:1000], summary=str(item.get("summary") or "")[:SUMMARY_KEPT],
        feed=str(item.get("feed") or ""), story=str(item.get("story") or ""),
        published=str(item.get("published") or ""),
    )


def apply(themes: Sequence[Mapping[str, Any]], correction: Correction, *, direct: bool) -> list[dict]:
    """``themes`` (the tagger's, best first) as the correction says they should be.

    Rejected themes go; added and confirmed ones are kept or added with ``"source": "user"``
    and evidence saying why: "you added/confirmed this theme" on the corrected item itself,
    "as you corrected “<title>”" where it spread. User themes come first (the person's word
    ranks above the tagger's), the tagger's follow in their order.
    """
    rejected = set(correction.rejected)
    kept = [dict(t) for t in themes if t.get("id") not in rejected]
    by_id = {t.get("id"): t for t in kept}
    top = max((t["score"] for t in kept if isinstance(t.get("score"), (int, float))), default=USER_SCORE)
    users = []
    for theme_id in correction.wanted:
        if direct:
            verb = "confirmed" if theme_id in correction.confirmed and theme_id not in correction.added else "added"
            note = f"you {verb} this theme"
        else:
            note = f"as you corrected \u201c{correction.title}\u201d"
        theme = by_id.pop(theme_id, None)
        if theme is None:
            theme = {"id": theme_id, "score": max(top, USER_SCORE), "evidence": []}
        evidence = [e for e in theme.get("evidence") or [] if e != note]
        theme["evidence"] = [note, *evidence]
        theme["source"] = USER
        users.append(theme)
    return users + [t for t in kept if t.get("id") in by_id]


def note_for(correction: Correction, *, direct: bool) -> dict[str, Any]:
    """The item's ``correction`` field: which correction shaped its themes (rejections included)."""
    return {
        "item": correction.item_id, "title": correction.title, "direct": direct,
        "added": list(correction.wanted), "rejected": list(correction.rejected),
    }


def with_sources(themes: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Theme objects with ``source`` filled in (:data:`RULE` unless stored otherwise), for output."""
    return [dict(t) if t.get("source") else {**t, "source": RULE} for t in themes]


def _moment(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else None


@dataclass
class _Entry:
    correction: Correction
    tokens: frozenset[str]
    text: str
    digits: frozenset[str]
    moment: datetime | None


def _title_key(title: str) -> tuple[frozenset[str], str, frozenset[str]]:
    tokens = normalise_title(title or "")
    return frozenset(tokens), " ".join(tokens), frozenset(t for t in tokens if not t.isalpha())


@dataclass
class CorrectionBook:
    """All corrections, indexed by item id, story key and title token for matching."""

    corrections: list[Correction] = field(default_factory=list)

    def __post_init__(self) -> None:
        live = [c for c in self.corrections if not c.empty]
        live.sort(key=lambda c: (c.when, c.item_id))  # later entries overwrite: newest wins
        self.by_id = {c.item_id: c for c in live}
        self.by_story = {c.story: c for c in live if c.story}
        self._entries: list[_Entry] = []
        self._postings: dict[tuple[frozenset[str], str], list[int]] = {}
        for c in live:
            tokens, text, digits = _title_key(c.title)
            if len(tokens) >= MIN_TOKENS:
                self._entries.append(_Entry(c, tokens, text, digits, _moment(c.published)))
        # Prefix filtering (as in briefing.stories): with tokens in one global order, rarest
        # first, two sets with Jaccard >= t share a token among each one's first
        # len - ceil(t * len) + 1 tokens. Only those are indexed and probed, so words every
        # headline shares ("chip", "china") never make each item meet every correction.
        self._freq: dict[str, int] = {}
        for entry in self._entries:
            for token in entry.tokens:
                self._freq[token] = self._freq.get(token, 0) + 1
        for index, entry in enumerate(self._entries):
            for token in self._prefix(entry.tokens):  # keyed by the model numbers too: they must agree
                self._postings.setdefault((entry.digits, token), []).append(index)

    def _prefix(self, tokens: frozenset[str]) -> list[str]:
        ordered = sorted(tokens, key=lambda t: (self._freq.get(t, 0), t))
        return ordered[: len(ordered) - math.ceil(MIN_JACCARD * len(ordered)) + 1]

    def __bool__(self) -> bool:
        return bool(self.by_id)

    def match(self, item: Mapping[str, Any]) -> tuple[Correction, bool] | None:
        """The correction that governs ``item`` and whether it is the item's own; None if none."""
        own = self.by_id.get(item.get("id"))  # type: ignore[arg-type]
        if own is not None:
            return own, True
        candidates: list[Correction] = []
        story = item.get("story")
        if isinstance(story, str) and story in self.by_story:
            candidates.append(self.by_story[story])
        similar = self._similar(item)
        if similar is not None:
            candidates.append(similar)
        if not candidates:
            return None
        return max(candidates, key=lambda c: (c.when, c.item_id)), False

    def _similar(self, item: Mapping[str, Any]) -> Correction | None:
        """The newest correction of a near-identical title published within the window."""
        if not self._entries:
            return None
        tokens, text, digits = _title_key(str(item.get("title") or ""))
        moment = _moment(str(item.get("published") or ""))
        if len(tokens) < MIN_TOKENS or moment is None:
            return None
        seen: set[int] = set()
        best: Correction | None = None
        window = timedelta(days=SPREAD_DAYS)
        from rapidfuzz.fuzz import token_set_ratio

        for token in self._prefix(tokens):
            for index in self._postings.get((digits, token), ()):
                if index in seen:
                    continue
                seen.add(index)
                entry = self._entries[index]
                if entry.moment is None or abs(entry.moment - moment) > window:
                    continue
                shared = len(tokens & entry.tokens)
                if shared / (len(tokens) + len(entry.tokens) - shared) < MIN_JACCARD:
                    continue
                if token_set_ratio(text, entry.text, score_cutoff=TITLE_THRESHOLD) < TITLE_THRESHOLD:
                    continue
                if best is None or (entry.correction.when, entry.correction.item_id) > (best.when, best.item_id):
                    best = entry.correction
        return best

    def correct(self, item: Mapping[str, Any], themes: Sequence[Mapping[str, Any]]) -> tuple[list[dict], dict | None]:
        """(themes as corrected, the item's ``correction`` note) for freshly computed ``themes``."""
        found = self.match(item)
        if found is None:
            return [dict(t) for t in themes], None
        correction, direct = found
        return apply(themes, correction, direct=direct), note_for(correction, direct=direct)

    def correct_items(self, items: Iterable[dict]) -> int:
        """Apply the book to items in place (their ``themes`` as tagged); returns how many changed."""
        changed = 0
        if not self:
            return 0
        for item in items:
            found = self.match(item)
            if found is None:
                continue
            correction, direct = found
            item["themes"] = apply(item.get("themes") or [], correction, direct=direct)
            item["correction"] = note_for(correction, direct=direct)
            changed += 1
        return changed
