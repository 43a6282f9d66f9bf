"""Resolving a matched span to its phrases tries only the phrases that can start like it.

The tagger (and the entity table) compile one pattern per phrase, lazily, to ``fullmatch`` the
spans the combined pattern finds. Trying only the phrases whose first two literal characters
match the span's must give exactly what trying every phrase gives: these tests compare both on
every phrase's own spellings (plurals, hyphens, British/American forms, letter/digit breaks)
and on the text of the bundled sample feeds.
"""

from __future__ import annotations

import re
from importlib import resources

import pytest
from hypothesis import given, settings, strategies as st

from briefing.entities import builtin_table
from briefing.phrases import PAD, literal_key, text_key
from briefing.tagger import Tagger
from briefing.themes import load_builtin

_SWAPS = [("licence", "license"), ("license", "licence"), ("centre", "center"), ("center", "centre"),
          ("gray", "grey"), ("grey", "gray"), ("ize", "ise"), ("ise", "ize"), ("our", "or"),
          ("defence", "defense"), ("programme", "program")]


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_builtin())


def spellings(atom: str) -> list[str]:
    """Surface forms a writer might use for a plain phrase."""
    base = atom.replace("*", "ers")
    forms = {base, base + "s", base + "'s", base + "es", base.replace(" ", "-"), base.replace(" ", ""),
             re.sub(r"([a-z])(\d)", r"\1-\2", base), re.sub(r"([a-z])(\d)", r"\1 \2", base),
             re.sub(r"(\d)([a-z])", r"\1-\2", base), "the " + base, base + " chips"}
    for old, new in _SWAPS:
        if old in base:
            forms.add(base.replace(old, new))
    return sorted(forms)


def spans_of(tagger: Tagger, text: str) -> set[str]:
    return set(tagger.pattern.findall(PAD + text.lower()))


def test_literal_keys() -> None:
    assert literal_key("export controls") == "ex"
    assert literal_key("h 20") == "h2" and text_key("h-20s") == "h2" and text_key("h 20") == "h2"
    assert literal_key("x*") == "x" and literal_key("smuggl*") == "sm" and literal_key("a* chips") == "a"
    assert literal_key("re:\\bfoo") == ""
    assert literal_key("u.s.") == "u."


def test_every_phrase_spelling_resolves_as_with_every_phrase_tried(tagger: Tagger) -> None:
    atoms = [a for a in tagger._atoms if not a.startswith("re:")]  # noqa: SLF001
    text = " . ".join(form for atom in atoms for form in spellings(atom))
    spans = spans_of(tagger, text)
    assert len(spans) > len(atoms)  # the forms really produced spans
    for span in sorted(spans):
        assert tagger.atoms_of(span) == tagger.atoms_of(span, exhaustive=True), span


def test_sample_feed_text_resolves_as_with_every_phrase_tried(tagger: Tagger) -> None:
    folder = resources.files("feeds.samples")
    text = " ".join(f.read_text(encoding="utf-8") for f in folder.iterdir() if f.name.endswith((".xml", ".json")))
    spans = spans_of(tagger, re.sub(r"<[^>]+>", " ", text))
    assert len(spans) > 100
    for span in sorted(spans):
        assert tagger.atoms_of(span) == tagger.atoms_of(span, exhaustive=True), span


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=4),
       st.sampled_from([" ", "-", "", "  "]))
def test_random_phrase_runs_resolve_as_with_every_phrase_tried(picks: list[int], glue: str) -> None:
    tagger = _TAGGER
    atoms = [a for a in tagger._atoms if not a.startswith("re:")]  # noqa: SLF001
    text = glue.join(spellings(atoms[p % len(atoms)])[p % 7 % len(spellings(atoms[p % len(atoms)]))] for p in picks)
    for span in spans_of(tagger, text):
        assert tagger.atoms_of(span) == tagger.atoms_of(span, exhaustive=True), span


_TAGGER = Tagger(load_builtin())


def test_entity_aliases_resolve_as_with_every_alias_tried() -> None:
    table = builtin_table()
    aliases = list(table._loose)  # noqa: SLF001
    text = " . ".join(form for alias in aliases for form in spellings(alias))
    found = {m for m in table._loose_pattern.findall(PAD + text.lower())}  # noqa: SLF001
    assert len(found) >= len(aliases)
    for span in sorted(found):
        assert table._loose_entity(span) is table._loose_entity(span, exhaustive=True), span  # noqa: SLF001
