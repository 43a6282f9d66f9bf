"""Stories carry themes: an untagged item takes the themes of the story it belongs to.

Why: a follow-up rarely repeats the words that made the first report taggable. "Week in
review: the <case> widens to two more countries" names a case, charges and arrests, but not
the chips, so on its own it files under Other while every earlier report of the same case
sits under gray-market and enforcement. A reader expects the follow-up beside them.

Two links make an item part of a story here:

* the same story id (``item["story"]``, set by :mod:`briefing.stories`: the same event from
  several feeds), or
* a clear follow-up: the item's *title* names the same distinctive case, company or
  shipment (a run of two or more capitalised words that is not a well-known name from the
  entity table, such as "United States" or "Entity List") as a tagged item's title or
  summary, published within ``FOLLOW_UP_DAYS``.

Only items the tagger left untagged inherit; an item with themes of its own keeps them. The
inherited themes are those carried by over half of the tagged items linked to it. Each
inherited tag says so: ``"source": "story"`` and evidence ``same story as "<title>"``, naming
the best-scoring sibling, and its score is that sibling's, discounted, so an inherited tag
never outranks first-hand evidence. Pure: no I/O, deterministic for a given input.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from briefing.entities import extract_entities

FOLLOW_UP_DAYS = 7
#: An inherited tag's score is the sibling's times this.
DISCOUNT = 0.8
_MAX_QUOTE = 90

#: Runs of capitalised words ("Harbor Peak Logistics"); joined by spaces only.
_NAME = re.compile(r"\b[A-Z][\w'’&-]*(?: [A-Z][\w'’&-]*)+")
#: Capitalised words that start headlines or label a genre, never part of a case name.
_NOT_NAMES = frozenset(
    """week review update analysis opinion explainer exclusive breaking live report
    the a an in on at of for and to with how why what who when new""".split()
)


#: Capitalised phrases every other item of the beat shares; they name no particular case.
_COMMON_NAMES = frozenset(
    name.strip() for name in """entity list|southeast asia|middle east|east asia|chip security act|wall street|silicon valley|
    prime minister|federal register|supreme court|district court|foreign ministry|state council|
    european union|european commission|artificial intelligence|ai chips|data center|data centre|
    export administration regulations|foreign direct product rule|trade representative""".split("|")
)


def case_names(text: str) -> set[str]:
    """Distinctive names in ``text``: capitalised runs of 2+ words and their 2+ word parts,
    lower-cased.

    Leading genre words are dropped ("Week In Review Harbor Peak" -> "harbor peak"); a name
    that contains a well-known entity (a big company, an agency, a country) is not
    distinctive, since every other item would share it.
    """
    out = set()
    for match in _NAME.finditer(text or ""):
        words = match.group().split()
        while words and words[0].lower() in _NOT_NAMES:
            words.pop(0)
        while words and words[-1].lower() in _NOT_NAMES:
            words.pop()
        # Every run of two or more of its words: "the Coral Ridge case" follows up a report on
        # "Coral Ridge Freight".
        for start in range(len(words) - 1):
            for end in range(start + 2, len(words) + 1):
                name = " ".join(words[start:end])
                if name.lower() not in _COMMON_NAMES and not extract_entities(name, ""):
                    out.add(name.lower())
    return out


def _when(item: Mapping) -> float | None:
    raw = item.get("published")
    if not isinstance(raw, str):
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _quote(title: str) -> str:
    title = " ".join((title or "").split())
    return title if len(title) <= _MAX_QUOTE else title[: _MAX_QUOTE - 1].rstrip() + "…"


def _own_themes(item: Mapping) -> list[Mapping]:
    """Themes the item carries from its own text (inherited ones do not propagate further)."""
    return [t for t in item.get("themes") or () if isinstance(t, Mapping) and t.get("source") != "story"]


def inherit_story_themes(items: Sequence[dict], context: Sequence[Mapping] = ()) -> list[str]:
    """Give each untagged item in ``items`` its story's themes, in place.

    ``context`` holds other items (e.g. stored ones near in time) that may be siblings but
    are not changed. Returns the ids of the items that inherited.
    """
    everyone: dict[str, Mapping] = {}
    for item in (*context, *items):
        if isinstance(item.get("id"), str):
            everyone[item["id"]] = item
    tagged = [i for i in everyone.values() if _own_themes(i)]
    if not tagged:
        return []
    by_story: dict[str, list[Mapping]] = defaultdict(list)
    by_name: dict[str, list[Mapping]] = defaultdict(list)
    for item in tagged:
        by_story[item.get("story") or item["id"]].append(item)
        for name in case_names(item.get("title", "")) | case_names(item.get("summary", "")):
            by_name[name].append(item)
    changed = []
    window = FOLLOW_UP_DAYS * 86400
    for item in items:
        if item.get("themes") or not isinstance(item.get("id"), str):
            continue
        siblings = {id(s): s for s in by_story.get(item.get("story") or item["id"], ())}
        when = _when(item)
        if when is not None:
            for name in case_names(item.get("title", "")):
                for other in by_name.get(name, ()):
                    other_when = _when(other)
                    if other_when is not None and abs(other_when - when) <= window:
                        siblings[id(other)] = other
        siblings.pop(id(item), None)
        themes = _inherited(list(siblings.values()))
        if themes:
            item["themes"] = themes
            changed.append(item["id"])
    return changed


def _inherited(siblings: list[Mapping]) -> list[dict]:
    """Themes carried by over half of ``siblings``, each citing its best sibling."""
    if not siblings:
        return []
    siblings.sort(key=lambda s: (str(s.get("published") or ""), s.get("id", "")))
    votes: Counter[str] = Counter()
    best: dict[str, tuple[float, Mapping]] = {}
    for sibling in siblings:
        for theme in _own_themes(sibling):
            tid = theme.get("id")
            if not isinstance(tid, str):
                continue
            votes[tid] += 1
            score = float(theme.get("score") or 0.0)
            if tid not in best or score > best[tid][0]:
                best[tid] = (score, sibling)
    out = []
    for tid, count in votes.items():
        if 2 * count > len(siblings):
            score, sibling = best[tid]
            out.append({
                "id": tid,
                "score": round(score * DISCOUNT, 2),
                "evidence": [f'same story as "{_quote(sibling.get("title", ""))}"'],
                "source": "story",
                "from": sibling.get("id"),
            })
    out.sort(key=lambda t: (-t["score"], t["id"]))
    return out
