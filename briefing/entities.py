"""Named chips, companies, agencies and places in an item, from a small curated table.

The table (``data/entities.toml``) is data so it can grow without code changes. Aliases are
compiled once into two regexes — case-insensitive ones through the same trie compiler as the
tagger, case-sensitive ones ("Meta", "BIS", "US") separately — so extraction costs one or two
C-level scans per item. Names come out canonical ("H-20" -> "H20", "U.S." -> "United States"),
ordered by kind (chip, company, agency, place) and then by first appearance, title first.
"""

from __future__ import annotations

import bisect

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from briefing.phrases import (
    PAD,
    compile_one,
    compile_phrases,
    literal_key,
    literal_trie,
    lower_same_length,
    normalise_phrase,
    span_variants,
    text_key,
)

_UNSEEN = object()

#: Output order of kinds.
KINDS: tuple[str, ...] = ("chip", "company", "agency", "place")


@dataclass(frozen=True)
class Entity:
    """One row of the table."""

    name: str
    kind: str
    aliases: tuple[str, ...]
    exact: bool = False
    #: Lower-case phrases whose presence means the alias names something else
    #: ("Bank for International Settlements" is also "BIS").
    unless: tuple[str, ...] = ()


class EntityTable:
    """The compiled table; build once, call :meth:`extract` per item."""

    def __init__(self, entities: list[Entity]) -> None:
        self.entities = entities
        loose: dict[str, Entity] = {}
        exact: dict[str, Entity] = {}
        for entity in entities:
            if entity.kind not in KINDS:
                raise ValueError(f"entity {entity.name!r}: unknown kind {entity.kind!r}")
            for alias in entity.aliases:
                if entity.exact:
                    exact.setdefault(alias, entity)
                else:
                    loose.setdefault(normalise_phrase(alias), entity)
        self._loose = loose
        self._loose_pattern = compile_phrases(loose) if loose else None
        # One pattern per alias, compiled on first need and tried only for spans that start
        # like the alias (see phrases.literal_key): compiling them all cost every tagging
        # process ~25 ms. Buckets keep the table's order: the first alias that matches wins.
        self._loose_order = list(loose.items())
        self._loose_buckets: dict[str, list[int]] = {}
        for index, alias in enumerate(loose):
            self._loose_buckets.setdefault(literal_key(alias), []).append(index)
        self._loose_compiled: dict[int, re.Pattern[str]] = {}
        self._exact = exact
        # Like the loose pattern (see phrases.compile_phrases), this one starts by *consuming*
        # the character before a name and runs over PAD + text: a leading look-behind made the
        # engine try all the names at every position; now it skips in C to the next non-word.
        self._exact_pattern = (
            re.compile(
                r"[^\w\-]((?:" + literal_trie(exact) + r")(?:s|'s|’s)?)(?![\w\-])"
            )
            if exact
            else None
        )
        self._exact_plain = re.compile(r"(?:s|'s|’s)$")
        self._cache: dict[str, Entity | None] = {}
        self._rank = {kind: i for i, kind in enumerate(KINDS)}

    def _loose_entity(self, span: str, *, exhaustive: bool = False) -> Entity | None:
        """The entity whose alias matches ``span`` (first in table order), or None.

        ``exhaustive`` tries every alias instead of the span's bucket, uncached (for tests).
        """
        if not exhaustive and span in self._cache:
            return self._cache[span]
        found = None
        # The combined pattern matches the plural/possessive ending once for every alias, so
        # a span may carry one its alias does not take; the bare variant is tried second.
        for variant in span_variants(span):
            if exhaustive:
                indexes: list[int] | range = range(len(self._loose_order))
            else:
                key = text_key(variant)
                buckets = self._loose_buckets
                indexes = sorted([*buckets.get(key, ()), *(buckets.get(key[:1], ()) if len(key) == 2 else ()),
                                  *buckets.get("", ())])
            for index in indexes:
                regex = self._loose_compiled.get(index)
                if regex is None:
                    regex = self._loose_compiled[index] = compile_one(self._loose_order[index][0])
                if regex.fullmatch(variant):
                    found = self._loose_order[index][1]
                    break
            if found is not None:
                break
        if exhaustive:
            return found
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[span] = found
        return found

    def _exact_entity(self, span: str) -> Entity | None:
        entity = self._exact.get(span)
        if entity is None:
            entity = self._exact.get(self._exact_plain.sub("", span))
        return entity

    def extract(self, title: str, summary: str) -> list[dict[str, str]]:
        """``[{"name", "kind"}]`` for every table entity named in the item."""
        text = f"{PAD}{title or ''}\n{summary or ''}"
        # Both patterns run over PAD + text (see compile_phrases); positions stay in that padded
        # frame, since they are only compared with each other (order and overlap).
        # Only each entity's first position matters (output order), so matches are folded into
        # ``first`` as they come instead of being collected and sorted: a name-dense summary
        # repeats a few names dozens of times.
        first: dict[int, tuple[int, Entity]] = {}
        taken_starts: list[int] = []
        taken_ends: list[int] = []
        low = lower_same_length(text)
        if self._loose_pattern is not None:
            cache = self._cache
            for m in self._loose_pattern.finditer(low):
                span = m[1]
                entity = cache.get(span, _UNSEEN)
                if entity is _UNSEEN:
                    entity = self._loose_entity(span)
                if entity is not None:
                    start, end = m.span(1)
                    taken_starts.append(start)
                    taken_ends.append(end)
                    key = id(entity)
                    if key not in first:
                        first[key] = (start, entity)
        if self._exact_pattern is not None:
            # The loose spans come from one finditer: sorted and non-overlapping, so the only
            # span that can overlap [start, end) is the last one starting before ``end``
            # (bisect). A linear scan here made a long summary full of names quadratic.
            exact = self._exact
            for m in self._exact_pattern.finditer(text):
                name = m[1]
                entity = exact.get(name)
                if entity is None:
                    entity = self._exact_entity(name)
                    if entity is None:
                        continue
                start, end = m.span(1)
                # A longer case-insensitive alias ("Ascend 910B") already covers this span.
                i = bisect.bisect_left(taken_starts, end) - 1
                if i >= 0 and taken_ends[i] > start:
                    continue
                seen_at = first.get(id(entity))
                if seen_at is None or start < seen_at[0]:
                    first[id(entity)] = (start, entity)
        if not first:
            return []
        rank = self._rank
        # (rank, position) is unique per entity: distinct entities never share a start.
        found = sorted(
            (rank[entity.kind], pos, i, entity)
            for i, (pos, entity) in enumerate(first.values())
            if not entity.unless or not any(low.find(u, len(PAD)) >= 0 for u in entity.unless)
        )
        out: list[dict[str, str]] = []
        seen: set[str] = set()
        for _, _, _, entity in found:
            if entity.name not in seen:
                seen.add(entity.name)
                out.append({"name": entity.name, "kind": entity.kind})
        return out


def parse_table(data: bytes) -> list[Entity]:
    """Parse ``entities.toml`` bytes into rows."""
    doc = tomllib.loads(data.decode("utf-8"))
    rows = []
    for raw in doc.get("entity", []):
        rows.append(
            Entity(
                name=raw["name"],
                kind=raw["kind"],
                aliases=tuple(raw.get("aliases", [raw["name"]])),
                exact=bool(raw.get("exact", False)),
                unless=tuple(u.lower() for u in raw.get("unless", [])),
            )
        )
    return rows


@lru_cache(maxsize=1)
def builtin_table() -> EntityTable:
    """The shipped table, compiled once per process."""
    data = resources.files("briefing.data").joinpath("entities.toml").read_bytes()
    return EntityTable(parse_table(data))


def extract_entities(title: str, summary: str) -> list[dict[str, str]]:
    """Entities named in an item: ``[{"name", "kind"}]`` (the item record's ``entities``)."""
    return builtin_table().extract(title, summary)
