"""Group items that report the same event from several feeds into one story.

A reader of ten feeds sees the same export-rule headline five times; collapsing those into one
row (with the other sources listed) is what makes a briefing readable. Matching is deliberately
conservative: a wrong merge hides news, a missed merge only costs a duplicate row.

Two items belong to one story when, within ``window_hours`` of each other, they

* share a link (any feeds, even the same one), or
* come from *different* feeds and have near-duplicate normalised titles.

Title normalisation lower-cases, strips a trailing source suffix (" - Reuters", " | SCMP";
not when that would leave under three words), folds "U.S." to "us", drops punctuation and stop
words and applies a crude stemmer. Two normalised titles match when

* each has at least two tokens (one word names a subject, not an event),
* no model number conflicts (each side has a digit-bearing token the other lacks: "H20" vs
  "H200", "MI350" vs "MI400", "80 firms" vs "12 firms"),
* their token-set Jaccard overlap is at least 0.4 (stops "Nvidia earnings" from swallowing
  every longer Nvidia-earnings headline, which rapidfuzz's token_set_ratio alone scores 100),
* very short titles (three tokens or fewer on either side) overlap at least 0.75, and
* rapidfuzz ``fuzz.token_set_ratio`` reaches ``threshold`` (default 80, chosen on the pairs in
  ``tests/test_stories.py``: true pairs score 80-100, the closest false pairs 60-78).

Speed: candidate pairs come from PPJoin prefix filtering on tokens ordered rarest first plus an
index of digit-token sets (see ``_title_matches``), so common words like "nvidia" or "china"
never produce quadratic work and only a few pairs are scored; a test checks the blocking finds
exactly the pairs a brute-force comparison finds.

Assignment is greedy over items sorted by ``(published, id)``: each item joins the story of its
best-matching earlier item (if that story began within the window and, for a title match, holds
no item of the same feed), else starts its own story. The story id is therefore the id of the
story's earliest item, and input order never matters.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from functools import lru_cache
from itertools import chain, combinations, islice

__all__ = [
    "DEFAULT_THRESHOLD",
    "assign_stories",
    "merge_story_ids",
    "normalise_title",
    "titles_match",
]

DEFAULT_THRESHOLD = 80.0
"""Minimum rapidfuzz token_set_ratio (0-100) for two normalised titles to be one story."""

_MIN_JACCARD = 0.4
_MIN_TOKENS = 2
_SHORT_TOKENS = 3
_SHORT_JACCARD = 0.75

_STOP_WORDS = frozenset(
    """a an the to of in on for and or as at by with from after over amid into onto about
    is are be been was were will would could should may might can its it this that these those
    new says said say report reports reported via than then just also more""".split()
)

# A trailing " - Reuters", " | SCMP", " — Financial Times" (at most five words, no digits so a
# model number after a dash survives).
_SOURCE_SUFFIX = re.compile(r"\s+[-|\u2013\u2014]\s+[^\W\d_]+(?:[ .&']+[^\W\d_]+){0,4}\.?$")
_US = re.compile(r"\bu\.\s?s\.?(?=\W|$)")
_UK = re.compile(r"\bu\.\s?k\.?(?=\W|$)")
_TOKEN = re.compile(r"[^\W_]+")


@lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    """Strip common English inflections so "charged"/"charges"/"charge" compare equal."""
    if len(word) <= 3 or any(c.isdigit() for c in word):
        return word
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    return word


def normalise_title(title: str) -> list[str]:
    """Return the comparable tokens of a headline (order kept, duplicates dropped)."""
    return list(_normalise(title))


@lru_cache(maxsize=8192)
def _normalise(title: str) -> tuple[str, ...]:
    """Cached because a refresh re-groups the same stored headlines every time."""
    text = title.casefold().replace("\u2019", "'")
    if " - " in text or " | " in text or " \u2013 " in text or " \u2014 " in text:
        stripped = _SOURCE_SUFFIX.sub("", text)
        # "Nvidia - the shortage explained" is a headline, not "Nvidia" from a source.
        if len(stripped.split()) >= 3:
            text = stripped
    if "u." in text:
        text = _UK.sub("uk", _US.sub("us", text))
    if "'s" in text:
        text = text.replace("'s ", " ")
    seen: dict[str, None] = {}
    for raw in _TOKEN.findall(text):
        if raw not in _STOP_WORDS:
            seen[_stem(raw)] = None
    return tuple(seen)


class _Title:
    """A normalised title with what the matcher needs precomputed (it runs per candidate pair)."""

    __slots__ = ("text", "tokens", "digits")

    def __init__(self, tokens: list[str]) -> None:
        self.text = " ".join(tokens)
        self.tokens = frozenset(tokens)
        self.digits = frozenset(t for t in tokens if not t.isalpha())


def _score(a: _Title, b: _Title, threshold: float) -> float:
    """Similarity 0-100 of two normalised titles, or 0 when they must not merge."""
    sa, sb = a.tokens, b.tokens
    if len(sa) < _MIN_TOKENS or len(sb) < _MIN_TOKENS:
        return 0.0  # one word ("Nvidia") names a subject, not an event
    shared = len(sa & sb)
    jaccard = shared / (len(sa) + len(sb) - shared)
    short = min(len(sa), len(sb)) <= _SHORT_TOKENS
    if jaccard < (_SHORT_JACCARD if short else _MIN_JACCARD):
        return 0.0
    if a.digits != b.digits and (a.digits - b.digits) and (b.digits - a.digits):
        return 0.0
    return float(_token_set_ratio()(a.text, b.text, score_cutoff=threshold))


def _token_set_ratio():  # type: ignore[no-untyped-def]
    """rapidfuzz's scorer, imported on first use so importing chipwire stays cheap."""
    global _SCORER
    if _SCORER is None:
        from rapidfuzz.fuzz import token_set_ratio

        _SCORER = token_set_ratio
    return _SCORER


_SCORER = None


def titles_match(a: str, b: str, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Whether two raw headlines would be grouped into one story (ignoring feeds and time)."""
    return _score(_Title(normalise_title(a)), _Title(normalise_title(b)), threshold) >= threshold


def _timestamp(item: Mapping) -> float:
    """Seconds since the epoch of ``published``; unparsable dates sort first (0)."""
    try:
        dt = datetime.fromisoformat(str(item.get("published") or ""))
    except ValueError:
        return 0.0
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def assign_stories(
    items: Sequence[Mapping],
    *,
    window_hours: int = 72,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, str]:
    """Map every item id to a story id (the id of the story's earliest item).

    Args:
        items: item records; uses ``id``, ``feed``, ``title``, ``link`` and ``published``.
        window_hours: two items further apart than this never merge, and a story never spans
            more than this from its first item (no chaining across a week of follow-ups).
        threshold: rapidfuzz token_set_ratio needed for a title match.

    Returns:
        ``{item id: story id}``; an item alone in its story maps to its own id. Duplicate ids
        in the input are treated as one item (the first after sorting).
    """
    ordered = sorted(
        ((_timestamp(it), str(it.get("id", "")), it) for it in items),
        key=lambda t: (t[0], t[1]),
    )
    rows: list[tuple[float, str, Mapping]] = []
    seen_ids: set[str] = set()
    for row in ordered:
        if row[1] not in seen_ids:
            seen_ids.add(row[1])
            rows.append(row)

    window = window_hours * 3600.0
    times = [r[0] for r in rows]
    feeds = [str(r[2].get("feed") or "") for r in rows]
    titles = [_Title(normalise_title(str(r[2].get("title") or ""))) for r in rows]
    matches = _title_matches(titles, times, feeds, window, threshold)

    by_link: dict[str, list[int]] = defaultdict(list)
    story_of: list[int] = []  # row position -> row position of the story's first item
    story_feeds: dict[int, set[str]] = defaultdict(set)
    result: dict[str, str] = {}
    for i, (ts, item_id, item) in enumerate(rows):
        link = str(item.get("link") or "")
        # Candidates as (score, earlier position); a shared link beats any title score.
        candidates = [(101.0, j) for j in by_link.get(link, ())] if link else []
        candidates.extend(matches.get(i, ()))
        root = i
        # Best score first, then the latest earlier item (closest in time).
        for score, j in sorted(candidates, reverse=True):
            r = story_of[j]
            if ts - times[j] > window or ts - times[r] > window:
                continue
            if score <= 100.0 and feeds[i] in story_feeds[r]:
                continue  # one feed repeating itself is not a second source
            root = r
            break
        story_of.append(root)
        story_feeds[root].add(feeds[i])
        result[item_id] = rows[root][1]
        if link:
            by_link[link].append(i)
    return result


def _title_matches(
    titles: list[_Title],
    times: list[float],
    feeds: list[str],
    window: float,
    threshold: float,
) -> dict[int, list[tuple[float, int]]]:
    """All title-matching pairs across feeds within the window: ``{later: [(score, earlier)]}``.

    Two blocking rules keep this near-linear, so only a few pairs reach rapidfuzz:

    * Model numbers: two titles that both carry digit tokens can only match when one digit set
      contains the other (see ``_score``). Such pairs are found by exact lookups of digit-token
      sets and their subsets (``_DigitIndex``), so a common model number ("H20") shared by a
      few hundred headlines never floods the candidates.
    * Every other pair involves a title without digits and is found by PPJoin-style prefix and
      positional filtering (Xiao et al., WWW 2008) over tokens ordered rarest first: every pair
      with Jaccard >= ``_MIN_JACCARD`` is found, and common words never cause quadratic work.
    """
    t = _MIN_JACCARD
    df: dict[str, int] = defaultdict(int)
    for title in titles:
        for tok in title.tokens:
            df[tok] += 1
    order_of = {tok: n for n, tok in enumerate(sorted(df, key=lambda tok: (df[tok], tok)))}
    by_rarity = order_of.__getitem__
    ranked = [sorted(title.tokens, key=by_rarity) for title in titles]
    sizes = [len(r) for r in ranked]
    # Increasing size lets the index prefix be shorter than the probe prefix (PPJoin).
    order = sorted(range(len(titles)), key=lambda k: (sizes[k], k))

    # token -> [(row, position)], split by whether the indexed title carries digits.
    plain_index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    digit_index: dict[str, list[tuple[int, int]]] = defaultdict(list)
    starts: dict[tuple[int, str], int] = defaultdict(int)  # skip entries now too short
    digit_sets = _DigitIndex()
    found: dict[int, list[tuple[float, int]]] = defaultdict(list)
    ratio = t / (1 + t)
    for x in order:
        toks = ranked[x]
        nx = sizes[x]
        if nx == 0:
            continue
        has_digits = bool(titles[x].digits)
        overlap: dict[int, int] = {}
        get = overlap.get
        min_ny = t * nx
        probe = toks[: nx - math.ceil(t * nx) + 1]
        indexes = (plain_index,) if has_digits else (plain_index, digit_index)
        for which, index in enumerate(indexes):
            for i, tok in enumerate(probe):
                postings = index.get(tok)
                if not postings:
                    continue
                key = (which, tok)
                first = starts[key]
                while first < len(postings) and sizes[postings[first][0]] < min_ny:
                    first += 1
                starts[key] = first
                rest_x = nx - i - 1
                for y, j in islice(postings, first, None):
                    have = get(y, 0)
                    if have < 0:
                        continue  # already pruned
                    ny = sizes[y]
                    rest = ny - j - 1
                    if rest > rest_x:
                        rest = rest_x
                    # Positional filter: even if every later token matched, is it enough?
                    if have + 1 + rest >= ratio * (nx + ny) - 1e-9:
                        overlap[y] = have + 1
                    else:
                        overlap[y] = -1
        candidates = {y for y, have in overlap.items() if have > 0}
        if has_digits:
            candidates.update(digit_sets.related(titles[x].digits))
        sx = titles[x].tokens
        tx = times[x]
        fx = feeds[x]
        for y in candidates:
            if feeds[y] == fx or abs(tx - times[y]) > window:
                continue
            sy = titles[y].tokens
            shared = len(sx & sy)
            if shared < t * (nx + len(sy) - shared):
                continue  # cheap Jaccard bound before the full check
            score = _score(titles[x], titles[y], threshold)
            if score >= threshold:
                later, earlier = (x, y) if (tx, x) > (times[y], y) else (y, x)
                found[later].append((score, earlier))
        mid = nx - math.ceil(2 * ratio * nx - 1e-9) + 1
        target = digit_index if has_digits else plain_index
        for i, tok in enumerate(toks[:mid]):
            target[tok].append((x, i))
        if has_digits:
            digit_sets.add(x, titles[x].digits)
    return found


class _DigitIndex:
    """Find earlier titles whose digit-token set contains, or is contained in, a given one.

    Sets of up to ``MAX`` tokens (nearly all headlines) are indexed exactly and under every
    non-empty subset, so both directions are plain dict lookups; larger sets are rare and are
    simply scanned.
    """

    MAX = 4

    def __init__(self) -> None:
        self.exact: dict[frozenset[str], list[int]] = defaultdict(list)
        self.supersets: dict[frozenset[str], list[int]] = defaultdict(list)
        self.large: list[tuple[int, frozenset[str]]] = []

    def add(self, row: int, digits: frozenset[str]) -> None:
        self.exact[digits].append(row)
        if len(digits) <= self.MAX:
            for sub in _subsets(digits):
                self.supersets[sub].append(row)
        else:
            self.large.append((row, digits))

    def related(self, digits: frozenset[str]) -> list[int]:
        rows: list[int] = list(self.supersets.get(digits, ()))
        rows.extend(r for r, d in self.large if digits <= d or d <= digits)
        if len(digits) <= self.MAX:
            for sub in _subsets(digits):
                rows.extend(self.exact.get(sub, ()))
        elif _small_subset_count(len(digits), self.MAX) <= len(self.exact):
            # Look up its subsets of indexable size rather than scanning every indexed set:
            # a headline with five numbers costs 30 look-ups, not one per earlier digit set.
            ordered = sorted(digits)
            for size in range(1, self.MAX + 1):
                for combo in combinations(ordered, size):
                    rows.extend(self.exact.get(frozenset(combo), ()))
        else:
            rows.extend(
                r for d, rs in self.exact.items() if len(d) <= self.MAX and d <= digits
                for r in rs
            )
        return rows


def _small_subset_count(n: int, most: int) -> int:
    """How many subsets of 1..``most`` elements a set of ``n`` elements has."""
    return sum(math.comb(n, k) for k in range(1, min(n, most) + 1))


@lru_cache(maxsize=8192)
def _subsets(items: frozenset[str]) -> tuple[frozenset[str], ...]:
    """Every non-empty subset of a small set (cached: each title asks twice, index and probe).

    Built with ``itertools.combinations`` (C) rather than by doubling a list of sets: with
    four model numbers per title that was most of grouping 5,000 new items.
    """
    return tuple(map(frozenset, chain.from_iterable(combinations(items, k) for k in range(1, len(items) + 1))))


def merge_story_ids(existing: Mapping[str, str], new: Mapping[str, str]) -> dict[str, str]:
    """Keep story ids stable when new items join stories already stored.

    ``assign_stories`` names a story after its earliest item, so a late-arriving older copy
    would rename a story the user has already seen (and starred rows would jump). This keeps
    every id already in ``existing`` on its stored story id, and gives an item not yet stored
    the stored story id of its group: that of the group's root item if it is stored, else the
    smallest stored story id among the group's members; a group with no stored member keeps
    the id ``assign_stories`` chose.

    Args:
        existing: ``{item id: story id}`` as stored before this refresh.
        new: ``assign_stories`` output over the stored window plus the new items.

    Returns:
        ``{item id: story id}`` for every id in ``new``.
    """
    members: dict[str, list[str]] = defaultdict(list)
    for item_id, story in new.items():
        members[story].append(item_id)
    chosen: dict[str, str] = {}
    for story, ids in members.items():
        if story in existing:
            chosen[story] = existing[story]
            continue
        stored = sorted(existing[i] for i in ids if i in existing)
        chosen[story] = stored[0] if stored else story
    return {
        item_id: existing[item_id] if item_id in existing else chosen[story]
        for item_id, story in new.items()
    }
