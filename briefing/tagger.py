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
from functools import reduce
from itertools import compress, islice, repeat
from operator import and_, or_
from typing import Iterable

from briefing.phrases import (
    PAD,
    compile_one,
    compile_phrases,
    literal_key,
    lower_same_length,
    normalise_phrase,
    span_variants,
    text_key,
)
from briefing.clauses import blank_framing
from briefing.themes import ThemeSet

_MAX_EVIDENCE = 5
_CACHE_LIMIT = 100_000
_TOKEN = re.compile(r"[^\s\-]+")
#: ASCII characters that are certainly not part of a word (the pattern's ``[^\w]``).
_NON_WORD = frozenset(chr(c) for c in range(128) if not (chr(c).isalnum() or chr(c) == "_"))


@dataclass(frozen=True)
class _CompiledRule:
    weight: float
    #: Bits of the rule's groups (bit i = distinct group i); the rule fires when all are set.
    mask: int
    #: Bit of the rule's ``unless`` group (0 if none): when set, the rule does not fire.
    unless: int = 0


@dataclass(frozen=True)
class _CompiledTheme:
    id: str
    index: int
    threshold: float
    rules: tuple[_CompiledRule, ...]
    triggers: int


class _SpanMasks(dict):
    """Matched span -> bit mask of the rule groups it satisfies, computed on first sight.

    A ``dict`` subclass with ``__missing__`` so the hot loop can map spans to masks with
    ``map(cache.__getitem__, spans)`` entirely in C. Safe to share between threads: the worst
    case under a race is computing one entry twice.
    """

    def __init__(self, compute) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, span: str) -> int:
        mask = self._compute(span)
        if len(self) >= _CACHE_LIMIT:
            self.clear()
        self[span] = mask
        return mask


class _Rounded(dict):
    """``-negative score`` -> the score rounded to 2 places, computed once per distinct value.

    ``round(x, 2)`` on a float goes through a decimal string conversion, which showed up as
    ~5% of tagging a theme-dense item; scores are sums of a few rule weights, so an item's
    scores almost always repeat earlier ones. Bounded; a race only computes a value twice.
    """

    def __missing__(self, negative: float) -> float:
        value = round(-negative, 2)
        if len(self) >= 4096:
            self.clear()
        self[negative] = value
        return value


_ROUNDED = _Rounded()


class Tagger:
    """Compiles a :class:`~briefing.themes.ThemeSet` once; :meth:`tag` is then cheap.

    Rules only ever ask "does this group of phrases occur?", so what a matched span means is
    reduced once to the set of *groups* it satisfies, kept as a bit mask (a Python int; bit i =
    distinct group i, ~200 of them). Checking a rule is then one AND and one compare on a small
    int. Instances may be shared between threads.
    """

    def __init__(self, themeset: ThemeSet) -> None:
        self.themeset = themeset
        self.title_weight = themeset.title_weight
        expanded = {name: _expand(name, themeset.concepts) for name in themeset.concepts}
        group_bit: dict[frozenset[str], int] = {}

        def bit_of(group: tuple[str, ...]) -> int:
            keys: set[str] = set()
            for term in group:
                keys.update(expanded[term[1:]] if term.startswith("@") else (normalise_phrase(term),))
            return group_bit.setdefault(frozenset(keys), 1 << len(group_bit))

        raw_themes: list[tuple[int, object, list[tuple[float, int, int]]]] = []
        for index, theme in enumerate(themeset.themes):
            rules = []
            for rule in theme.rules:
                mask = 0
                for group in rule.groups:
                    mask |= bit_of(group)
                unless = bit_of(rule.unless) if rule.unless else 0
                rules.append((rule.weight, mask, unless))
            raw_themes.append((index, theme, rules))
        # Genre markers (earnings, reviews, launches) in a title raise every threshold: such
        # items quote the themes' words without being about them (see ThemeSet.genre_gate).
        self._genre = bit_of(("@genre",)) if "genre" in themeset.concepts and themeset.genre_gate else 0
        self._gate = themeset.genre_gate
        #: Atom (normalised phrase) -> bits of the groups that contain it.
        atom_groups: dict[str, int] = {}
        for keys, bit in group_bit.items():
            for atom in keys:
                atom_groups[atom] = atom_groups.get(atom, 0) | bit
        self._atom_groups = atom_groups
        self._atoms = sorted(atom_groups)
        themes: list[_CompiledTheme] = []
        for index, theme, rules in raw_themes:
            compiled = tuple(_CompiledRule(weight, mask, unless) for weight, mask, unless in rules)
            triggers = 0
            for rule in compiled:
                if rule.weight > 0:
                    triggers |= rule.mask
            threshold = theme.threshold if theme.threshold is not None else themeset.threshold
            themes.append(_CompiledTheme(theme.id, index, threshold, compiled, triggers))
        self._themes = tuple(themes)
        self._ids = tuple(theme.id for theme in themes)
        self._score = _build_scorer(self._themes, self.title_weight)
        self._pattern = compile_phrases(self._atoms)
        # Single-phrase patterns are compiled lazily: only spans never seen before need them,
        # and compiling all ~1,000 up front would triple start-up time. They are bucketed by
        # the two characters a match must start with, so a new span tries (and compiles) only
        # the few phrases that could match it.
        self._single: dict[str, list[str]] = {}
        for atom in self._atoms:
            self._single.setdefault(literal_key(atom), []).append(atom)
        self._compiled_single: dict[str, re.Pattern[str]] = {}
        self._span_masks = _SpanMasks(self._mask_of_span)

    @property
    def pattern(self) -> re.Pattern[str]:
        """The single compiled regex (exposed for benchmarks and debugging)."""
        return self._pattern

    def atoms_of(self, span: str, *, exhaustive: bool = False) -> set[str]:
        """Every atom (normalised phrase) matching ``span`` or a word-aligned part of it.

        ``exhaustive`` tries every atom instead of the bucket of the part's first two
        characters (the tests check both give the same answer).
        """
        tokens = [m.span() for m in _TOKEN.finditer(span)]
        result: set[str] = set()
        single = self._single
        raw = single.get("", [])
        compiled = self._compiled_single
        for i in range(len(tokens)):
            for j in range(i, len(tokens)):
                part = span[tokens[i][0]:tokens[j][1]]
                for variant in span_variants(part):
                    if exhaustive:
                        candidates = [a for a in self._atoms if variant is part or not a.startswith("re:")]
                    else:
                        key = text_key(variant)
                        candidates = [*single.get(key, ()), *(single.get(key[:1], ()) if len(key) == 2 else ())]
                        if variant is part:  # raw regexes see the part as found; phrases also the bare form
                            candidates += raw
                    for atom in candidates:
                        regex = compiled.get(atom)
                        if regex is None:
                            regex = compiled[atom] = compile_one(atom)
                        if regex.fullmatch(variant):
                            result.add(atom)
        return result

    def _mask_of_span(self, span: str) -> int:
        """Group bits of :meth:`atoms_of` (cached by :class:`_SpanMasks`)."""
        mask = 0
        groups = self._atom_groups
        for atom in self.atoms_of(span):
            mask |= groups[atom]
        return mask

    def scan(self, title: str, summary: str) -> tuple[int, int, list[str], list[str]]:
        """One pass over the item: (present groups, title groups, title spans, summary spans).

        ``findall`` (strings, no match objects) is markedly faster than ``finditer``; positions
        are only needed to quote evidence, which is recovered for tagged items only. Spans are
        lower-cased text.
        """
        find = self._pattern.findall
        get = self._span_masks.__getitem__
        title_spans = find(PAD + blank_framing(_lower(title))) if title else []
        summary_spans = find(PAD + blank_framing(_lower(summary))) if summary else []
        in_title = reduce(or_, map(get, title_spans), 0)
        present = reduce(or_, map(get, summary_spans), in_title)
        return present, in_title, title_spans, summary_spans

    def present_atoms(self, title: str, summary: str) -> set[str]:
        """The atoms found in an item (for debugging lexicons)."""
        title_spans, summary_spans = self.scan(title or "", summary or "")[2:]
        out: set[str] = set()
        for span in {*title_spans, *summary_spans}:
            out |= self.atoms_of(span)
        return out

    def tag(self, title: str, summary: str) -> list[dict]:
        """The item's themes: ``[{"id", "score", "evidence"}]``, best first; ``[]`` if none."""
        # The body of scan(), inlined: at tens of thousands of items a second a call and a
        # tuple are measurable, and the lower-cased texts are reused for quoting.
        find = self._pattern.findall
        get = self._span_masks.__getitem__
        title = title or ""
        summary = summary or ""
        # Framing clauses ("despite US curbs", "amid ...") are blanked out: background is not
        # the subject. Blanking keeps the length, so quotes still map to the original text.
        low_title = blank_framing(_lower(title))
        low_summary = blank_framing(_lower(summary))
        title_spans = find(PAD + low_title) if title else []
        summary_spans = find(PAD + low_summary) if summary else []
        in_title = reduce(or_, map(get, title_spans), 0)
        present = reduce(or_, map(get, summary_spans), in_title)
        if not present:
            return []
        scored = self._score(present, in_title, self._gate if in_title & self._genre else 0.0)
        if not scored:
            return []
        scored.sort()  # (-score, theme index, evidence): best first, ties in theme order
        # Evidence: distinct spans in order of first appearance (title first). Positions are
        # recovered only for the spans that end up quoted, not for every hit of every item.
        order = dict.fromkeys(title_spans)
        n_title = len(order)
        order.update(dict.fromkeys(summary_spans))
        spans = list(order)
        masks = list(map(get, spans))
        ids = self._ids
        rounded = _ROUNDED
        # str.isascii is O(1) on whole texts (a flag), the join only runs for non-ASCII items.
        if (title.isascii() and summary.isascii()) or "".join(spans).isascii():
            # Distinct lower-case ASCII spans never fold together, so the de-duplication the
            # contract asks for is already done: take each theme's first five citations.
            # Choosing them is C-level (compress/islice over ANDed masks); each span is quoted
            # once however many themes cite it.
            out = []
            quotes: dict[int, str] = {}
            indexes = range(len(spans))
            # Quoting: the first whole-word occurrence of a span, usually its first occurrence
            # at all. Both texts are padded so the characters around it need no bounds checks;
            # a neighbour that is not plainly a non-word character takes the careful path.
            pad_title = PAD + low_title + PAD
            pad_summary = PAD + low_summary + PAD
            for negative, index, evidence in scored:
                cited = []
                for i in islice(compress(indexes, map(and_, masks, repeat(evidence))), _MAX_EVIDENCE):
                    quoted = quotes.get(i)
                    if quoted is None:
                        span = spans[i]
                        if i < n_title:
                            text, padded = title, pad_title
                        else:
                            text, padded = summary, pad_summary
                        start = padded.find(span)
                        end = start + len(span)
                        if start > 0 and padded[start - 1] in _NON_WORD and padded[end] in _NON_WORD:
                            quoted = text[start - 1:end - 1]
                        else:
                            quoted = _quote(text, padded[1:-1], span)
                        quotes[i] = quoted
                    cited.append(quoted)
                out.append({"id": ids[index], "score": rounded[negative], "evidence": cited})
            return out
        quoted_all = [
            _quote(title, low_title, span) if i < n_title else _quote(summary, low_summary, span)
            for i, span in enumerate(spans)
        ]
        return [
            {"id": ids[index], "score": rounded[negative], "evidence": _evidence(evidence, masks, quoted_all)}
            for negative, index, evidence in scored
        ]

    def tag_many(self, items: Iterable[tuple[str, str]]) -> list[list[dict]]:
        """Tag ``(title, summary)`` pairs; a convenience for batch callers and benchmarks."""
        tag = self.tag
        return [tag(t, s) for t, s in items]


def _lower(text: str) -> str:
    """Lower-case for matching; index-preserving (see :func:`lower_same_length`)."""
    low = text.lower()
    return low if len(low) == len(text) else lower_same_length(text)


def _quote(text: str, low: str, span: str) -> str:
    """``span`` (lower-cased) as it first appears in ``text`` as a whole word, in original case.

    Positions are recovered only for spans that end up as evidence, instead of asking the
    regex for match objects for every hit of every item. ``low`` is ``text`` lower-cased with
    the same length; the caller passes the text the pattern found the span in (title first).
    Usually the first occurrence is the whole-word one, so that case is checked inline.
    """
    start = low.find(span)
    if start < 0:
        return span  # cannot happen: the pattern found it in this text
    end = start + len(span)
    before = low[start - 1] if start > 0 else " "
    after = low[end] if end < len(low) else " "
    if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
        return text[start:end]
    limit = len(low)
    size = len(span)
    while start >= 0:
        end = start + size
        if (not start or not _is_word(low[start - 1])) and (end == limit or not _is_word(low[end])):
            return text[start:end]
        start = low.find(span, start + 1)
    return span  # cannot happen: the pattern found it in this text


def _is_word(char: str) -> bool:
    """What the pattern's ``\\w`` boundary counts as part of a word."""
    return char.isalnum() or char == "_"


def _build_scorer(themes: tuple[_CompiledTheme, ...], title_weight: float):
    """Generate one straight-line Python function that scores every theme.

    Why: walking rule objects in a loop costs more than the regex scan itself. The rules are
    fixed once compiled, so they are turned into plain ``if`` statements over integer masks
    (inlined as constants) and compiled once. The semantics are exactly those documented in
    the module docstring: a rule fires when every group hits; its weight is multiplied by the
    title weight when every group hits in the title; positive rules contribute evidence.
    Returns ``[(-score, theme index, evidence mask)]`` for themes at or above their threshold
    (negated so a plain sort puts the best first and breaks ties by theme order).
    """
    lines = ["def score(present, in_title, gate):", "    out = []"]
    for theme in themes:
        lines.append(f"    if present & {theme.triggers}:")
        lines.append("        s = 0.0")
        lines.append("        ev = 0")
        for rule in theme.rules:
            m = rule.mask
            single = m & (m - 1) == 0  # one group: a plain AND says it all
            fire = f"present & {m}" if single else f"present & {m} == {m}"
            boost = f"in_title & {m}" if single else f"in_title & {m} == {m}"
            if rule.unless:
                fire = f"({fire}) and not present & {rule.unless}"
            lines.append(f"        if {fire}:")
            lines.append(f"            s += {rule.weight * title_weight!r} if {boost} else {rule.weight!r}")
            if rule.weight > 0:
                lines.append(f"            ev |= {m}")
        lines.append(f"        if s >= {theme.threshold!r} + gate:")
        lines.append(f"            out.append((-s, {theme.index}, ev))")
    lines.append("    return out")
    namespace: dict = {}
    exec(compile("\n".join(lines), "<briefing.tagger rules>", "exec"), namespace)  # noqa: S102 - generated from validated numbers only
    return namespace["score"]


def _evidence(mask: int, masks: list[int], quotes: list[str]) -> list[str]:
    """Quotes cited by ``mask``, in order of appearance, case-insensitively unique, at most 5.

    The general path, for items whose spans are not all ASCII (where two distinct lower-case
    spans may still fold to the same text).
    """
    out: list[str] = []
    seen: set[str] = set()
    for span_mask, quoted in zip(masks, quotes):
        if span_mask & mask:
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
