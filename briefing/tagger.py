"""Tag items with the themes they are *about*, with a score and the evidence that decided it.

How it works, and why:

1. Every phrase of every rule and concept becomes an *atom*. All atoms are compiled once into
   a single regex (see :mod:`briefing.phrases`) and run once over ``title + summary``,
   lower-cased: one C-level scan per item instead of one per phrase, which is what makes
   tens of thousands of items per second possible.
2. The regex reports the longest phrase at each position, so "export controls" hides "controls".
   Each distinct matched span is therefore mapped (once, then cached) to *every* atom that
   matches it or one of its word-aligned sub-spans: a rule asking for "controls" still sees it.
3. Rules are evaluated per theme: a rule fires when each of its groups has a present atom;
   its weight is boosted when the firing evidence is in the title (titles say what an item is
   about). Negative rules hold a theme off items that only borrow its words. The theme is
   attached when its score reaches the threshold, so a single word in passing is not enough.

The output is deterministic: themes sorted by score, ties by theme order; evidence in order of
appearance, de-duplicated case-insensitively, at most five phrases, quoted as they appeared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from briefing.phrases import compile_one, compile_phrases, lower_same_length, normalise_phrase
from briefing.themes import ThemeSet

#: Joins title and summary; never produced by feeds.clean, so no phrase can span it.
_JOIN = "\x00"
_MAX_EVIDENCE = 5
_CACHE_LIMIT = 100_000
_TOKEN = re.compile(r"[^\s\-]+")


@dataclass(frozen=True)
class _CompiledRule:
    weight: float
    groups: tuple[frozenset[str], ...]
    atoms: frozenset[str]


@dataclass(frozen=True)
class _CompiledTheme:
    id: str
    index: int
    threshold: float
    rules: tuple[_CompiledRule, ...]
    triggers: frozenset[str]


class Tagger:
    """Compiles a :class:`~briefing.themes.ThemeSet` once; :meth:`tag` is then cheap.

    Instances are safe to share between threads for reading (the span cache is a plain dict
    whose worst case under a race is computing one entry twice).
    """

    def __init__(self, themeset: ThemeSet) -> None:
        self.themeset = themeset
        self.title_weight = themeset.title_weight
        expanded = {name: _expand(name, themeset.concepts) for name in themeset.concepts}
        atoms: set[str] = set()
        themes: list[_CompiledTheme] = []
        for index, theme in enumerate(themeset.themes):
            rules: list[_CompiledRule] = []
            for rule in theme.rules:
                groups = []
                for group in rule.groups:
                    keys: set[str] = set()
                    for term in group:
                        if term.startswith("@"):
                            keys.update(expanded[term[1:]])
                        else:
                            keys.add(normalise_phrase(term))
                    groups.append(frozenset(keys))
                    atoms.update(keys)
                rules.append(_CompiledRule(rule.weight, tuple(groups), frozenset().union(*groups)))
            triggers = frozenset().union(*(r.atoms for r in rules if r.weight > 0)) if rules else frozenset()
            threshold = theme.threshold if theme.threshold is not None else themeset.threshold
            themes.append(_CompiledTheme(theme.id, index, threshold, tuple(rules), triggers))
        self._themes = tuple(themes)
        self._atoms = sorted(atoms)
        self._pattern = compile_phrases(self._atoms)
        self._single: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        for atom in self._atoms:
            source_first = atom[0] if not atom.startswith("re:") else ""
            self._single.setdefault(source_first, []).append((atom, compile_one(atom)))
        self._span_atoms: dict[str, frozenset[str]] = {}

    @property
    def pattern(self) -> re.Pattern[str]:
        """The single compiled regex (exposed for benchmarks and debugging)."""
        return self._pattern

    def _atoms_of(self, span: str) -> frozenset[str]:
        """Every atom matching ``span`` or a word-aligned part of it (cached)."""
        found = self._span_atoms.get(span)
        if found is not None:
            return found
        tokens = [m.span() for m in _TOKEN.finditer(span)]
        result: set[str] = set()
        candidates_raw = self._single.get("", ())
        for i in range(len(tokens)):
            for j in range(i, len(tokens)):
                part = span[tokens[i][0]:tokens[j][1]]
                for atom, regex in (*self._single.get(part[0], ()), *candidates_raw):
                    if regex.fullmatch(part):
                        result.add(atom)
        found = frozenset(result)
        if len(self._span_atoms) >= _CACHE_LIMIT:
            self._span_atoms.clear()
        self._span_atoms[span] = found
        return found

    def scan(self, title: str, summary: str) -> tuple[set[str], set[str], dict[str, list[tuple[int, str]]]]:
        """Find atoms: (present, present in title, atom -> [(position, text as it appeared)])."""
        text = f"{title}{_JOIN}{summary}"
        low = lower_same_length(text)
        title_end = len(title)
        present: set[str] = set()
        in_title: set[str] = set()
        spans: dict[str, list[tuple[int, str]]] = {}
        atoms_of = self._atoms_of
        cache = self._span_atoms
        for m in self._pattern.finditer(low):
            key = m.group()
            atoms = cache.get(key) or atoms_of(key)
            if not atoms:
                continue
            start = m.start()
            present.update(atoms)
            if start < title_end:
                in_title.update(atoms)
            quoted = (start, text[start:m.end()])
            for atom in atoms:
                spans.setdefault(atom, []).append(quoted)
        return present, in_title, spans

    def tag(self, title: str, summary: str) -> list[dict]:
        """The item's themes: ``[{"id", "score", "evidence"}]``, best first; ``[]`` if none."""
        present, in_title, spans = self.scan(title or "", summary or "")
        if not present:
            return []
        results: list[tuple[float, int, str, list[str]]] = []
        title_weight = self.title_weight
        for theme in self._themes:
            if theme.triggers.isdisjoint(present):
                continue
            score = 0.0
            evidence_atoms: set[str] = set()
            for rule in theme.rules:
                if any(group.isdisjoint(present) for group in rule.groups):
                    continue
                # Boost only when the title alone states the rule (every group in the title):
                # "chip" in a title must not boost "restrictions" mentioned in passing below.
                in_title_all = in_title and not any(g.isdisjoint(in_title) for g in rule.groups)
                weight = rule.weight * title_weight if in_title_all else rule.weight
                score += weight
                if rule.weight > 0:
                    evidence_atoms |= rule.atoms & present
            if score >= theme.threshold:
                results.append((round(score, 2), theme.index, theme.id, _evidence(evidence_atoms, spans)))
        results.sort(key=lambda r: (-r[0], r[1]))
        return [{"id": tid, "score": score, "evidence": ev} for score, _, tid, ev in results]

    def tag_many(self, items: Iterable[tuple[str, str]]) -> list[list[dict]]:
        """Tag ``(title, summary)`` pairs; a convenience for batch callers and benchmarks."""
        return [self.tag(t, s) for t, s in items]


def _evidence(atoms: set[str], spans: dict[str, list[tuple[int, str]]]) -> list[str]:
    """Phrases as they appeared, in order of appearance, case-insensitively unique, at most 5."""
    seen_at: dict[int, str] = {}
    for atom in atoms:
        for position, quoted in spans.get(atom, ()):
            seen_at[position] = quoted
    out: list[str] = []
    seen: set[str] = set()
    for position in sorted(seen_at):
        quoted = seen_at[position]
        folded = quoted.casefold()
        if folded not in seen:
            seen.add(folded)
            out.append(quoted)
            if len(out) == _MAX_EVIDENCE:
                break
    return out


def _expand(name: str, concepts: dict[str, tuple[str, ...]], stack: tuple[str, ...] = ()) -> frozenset[str]:
    """All normalised phrases of a concept, following ``@other`` inclusions (validated acyclic)."""
    out: set[str] = set()
    for phrase in concepts[name]:
        if phrase.startswith("@"):
            if phrase[1:] not in stack:
                out |= _expand(phrase[1:], concepts, (*stack, name))
        else:
            out.add(normalise_phrase(phrase))
    return frozenset(out)
