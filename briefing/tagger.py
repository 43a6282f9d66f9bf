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

_MAX_EVIDENCE = 5
_CACHE_LIMIT = 100_000
_TOKEN = re.compile(r"[^\s\-]+")


@dataclass(frozen=True)
class _CompiledRule:
    weight: float
    #: One bit mask per group (bit i = atom i); the rule fires when every mask hits.
    groups: tuple[int, ...]
    mask: int


@dataclass(frozen=True)
class _CompiledTheme:
    id: str
    index: int
    threshold: float
    rules: tuple[_CompiledRule, ...]
    triggers: int


class Tagger:
    """Compiles a :class:`~briefing.themes.ThemeSet` once; :meth:`tag` is then cheap.

    Atoms are numbered and sets of atoms are Python ints used as bit masks: checking a rule is
    a couple of integer ANDs, far cheaper than set operations at tens of thousands of items a
    second. Instances may be shared between threads (the span cache is a plain dict whose
    worst case under a race is computing one entry twice).
    """

    def __init__(self, themeset: ThemeSet) -> None:
        self.themeset = themeset
        self.title_weight = themeset.title_weight
        expanded = {name: _expand(name, themeset.concepts) for name in themeset.concepts}
        raw_themes: list[tuple[int, object, list[tuple[float, list[set[str]]]]]] = []
        atoms: set[str] = set()
        for index, theme in enumerate(themeset.themes):
            rules = []
            for rule in theme.rules:
                groups = []
                for group in rule.groups:
                    keys: set[str] = set()
                    for term in group:
                        keys.update(expanded[term[1:]] if term.startswith("@") else (normalise_phrase(term),))
                    groups.append(keys)
                    atoms |= keys
                rules.append((rule.weight, groups))
            raw_themes.append((index, theme, rules))
        self._atoms = sorted(atoms)
        bit = {atom: 1 << i for i, atom in enumerate(self._atoms)}

        def mask_of(keys: Iterable[str]) -> int:
            m = 0
            for key in keys:
                m |= bit[key]
            return m

        themes: list[_CompiledTheme] = []
        for index, theme, rules in raw_themes:
            compiled = []
            for weight, groups in rules:
                masks = tuple(mask_of(g) for g in groups)
                total = 0
                for m in masks:
                    total |= m
                compiled.append(_CompiledRule(weight, masks, total))
            triggers = 0
            for rule in compiled:
                if rule.weight > 0:
                    triggers |= rule.mask
            threshold = theme.threshold if theme.threshold is not None else themeset.threshold
            themes.append(_CompiledTheme(theme.id, index, threshold, tuple(compiled), triggers))
        self._themes = tuple(themes)
        self._score = _build_scorer(self._themes, self.title_weight)
        self._bit = bit
        self._pattern = compile_phrases(self._atoms)
        # Single-phrase patterns are compiled lazily: only spans never seen before need them,
        # and compiling all ~1,000 up front would triple start-up time.
        self._single: dict[str, list[str]] = {}
        for atom in self._atoms:
            first = "" if atom.startswith("re:") else atom[0]
            self._single.setdefault(first, []).append(atom)
        self._compiled_single: dict[str, re.Pattern[str]] = {}
        self._span_masks: dict[str, int] = {}

    @property
    def pattern(self) -> re.Pattern[str]:
        """The single compiled regex (exposed for benchmarks and debugging)."""
        return self._pattern

    def atoms_of(self, span: str) -> set[str]:
        """Every atom (normalised phrase) matching ``span`` or a word-aligned part of it."""
        tokens = [m.span() for m in _TOKEN.finditer(span)]
        result: set[str] = set()
        raw = self._single.get("", [])
        compiled = self._compiled_single
        for i in range(len(tokens)):
            for j in range(i, len(tokens)):
                part = span[tokens[i][0]:tokens[j][1]]
                for atom in (*self._single.get(part[0], ()), *raw):
                    regex = compiled.get(atom)
                    if regex is None:
                        regex = compiled[atom] = compile_one(atom)
                    if regex.fullmatch(part):
                        result.add(atom)
        return result

    def _mask_of_span(self, span: str) -> int:
        """Bit mask of :meth:`atoms_of` (cached: the same spans recur across items)."""
        mask = 0
        for atom in self.atoms_of(span):
            mask |= self._bit[atom]
        if len(self._span_masks) >= _CACHE_LIMIT:
            self._span_masks.clear()
        self._span_masks[span] = mask
        return mask

    def scan(self, title: str, summary: str) -> tuple[int, int, list[str], list[str]]:
        """One pass over the item: (present mask, title mask, title spans, summary spans).

        ``findall`` (strings, no match objects) is markedly faster than ``finditer``; positions
        are only needed to quote evidence, which :func:`_evidence` recovers for tagged items.
        """
        cache = self._span_masks
        find = self._pattern.findall
        title_spans = find(lower_same_length(title)) if title else []
        summary_spans = find(lower_same_length(summary)) if summary else []
        in_title = 0
        for key in title_spans:
            mask = cache.get(key)
            in_title |= self._mask_of_span(key) if mask is None else mask
        present = in_title
        for key in summary_spans:
            mask = cache.get(key)
            present |= self._mask_of_span(key) if mask is None else mask
        return present, in_title, title_spans, summary_spans

    def present_atoms(self, title: str, summary: str) -> set[str]:
        """The atoms found in an item (for debugging lexicons)."""
        present = self.scan(title, summary)[0]
        return {atom for atom, b in self._bit.items() if present & b}

    def tag(self, title: str, summary: str) -> list[dict]:
        """The item's themes: ``[{"id", "score", "evidence"}]``, best first; ``[]`` if none."""
        title = title or ""
        summary = summary or ""
        present, in_title, title_spans, summary_spans = self.scan(title, summary)
        if not present:
            return []
        scored = self._score(present, in_title)
        if not scored:
            return []
        scored.sort(key=lambda r: (-r[0], r[1]))
        hits = self._hits(title, title_spans) + self._hits(summary, summary_spans)
        themes = self._themes
        return [
            {"id": themes[index].id, "score": round(score, 2), "evidence": _evidence(evidence & present, hits)}
            for score, index, evidence in scored
        ]

    def _hits(self, text: str, spans: list[str]) -> list[tuple[str, int]]:
        """(text as it appeared, mask) for each matched span, found again in order."""
        if not spans:
            return []
        low = lower_same_length(text)
        cache = self._span_masks
        out = []
        cursor = 0
        for key in spans:
            start = low.find(key, cursor)
            if start < 0:  # cannot happen: findall returned it from this text
                continue
            cursor = start + len(key)
            mask = cache.get(key)
            out.append((text[start:cursor], self._mask_of_span(key) if mask is None else mask))
        return out

    def tag_many(self, items: Iterable[tuple[str, str]]) -> list[list[dict]]:
        """Tag ``(title, summary)`` pairs; a convenience for batch callers and benchmarks."""
        return [self.tag(t, s) for t, s in items]


def _build_scorer(themes: tuple[_CompiledTheme, ...], title_weight: float):
    """Generate one straight-line Python function that scores every theme.

    Why: walking rule objects in a loop costs more than the regex scan itself. The rules are
    fixed once compiled, so they are turned into plain ``if`` statements over integer masks
    (inlined as constants) and compiled once. The semantics are exactly those documented in
    the module docstring: a rule fires when every group hits; its weight is multiplied by the
    title weight when every group hits in the title; positive rules contribute evidence.
    Returns ``[(score, theme index, evidence mask)]`` for themes at or above their threshold.
    """
    lines = ["def score(present, in_title):", "    out = []"]
    for theme in themes:
        lines.append(f"    if present & {theme.triggers}:")
        lines.append("        s = 0.0")
        lines.append("        ev = 0")
        for rule in theme.rules:
            fire = " and ".join(f"present & {g}" for g in rule.groups)
            boost = " and ".join(f"in_title & {g}" for g in rule.groups)
            lines.append(f"        if {fire}:")
            lines.append(f"            s += {rule.weight * title_weight!r} if ({boost}) else {rule.weight!r}")
            if rule.weight > 0:
                lines.append(f"            ev |= {rule.mask}")
        lines.append(f"        if s >= {theme.threshold!r}:")
        lines.append(f"            out.append((s, {theme.index}, ev))")
    lines.append("    return out")
    namespace: dict = {}
    exec(compile("\n".join(lines), "<briefing.tagger rules>", "exec"), namespace)  # noqa: S102 - generated from validated numbers only
    return namespace["score"]


def _evidence(mask: int, hits: list[tuple[str, int]]) -> list[str]:
    """Phrases as they appeared, in order of appearance, case-insensitively unique, at most 5."""
    out: list[str] = []
    seen: set[str] = set()
    for quoted, hit_mask in hits:
        if hit_mask & mask:
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
