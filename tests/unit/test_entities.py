"""Entity extraction from the curated table: canonical names, order, ambiguity guards."""

from __future__ import annotations

import time

from briefing.entities import KINDS, builtin_table, extract_entities


def names(title: str, summary: str = "") -> list[str]:
    return [e["name"] for e in extract_entities(title, summary)]


def test_canonical_names_and_kinds():
    got = extract_entities(
        "U.S. weighs licences for H-20 and MI308X sales",
        "Nvidia and AMD told the Commerce Department; SK Hynix supplies HBM. Shipments via Malaysia to China.",
    )
    assert {"name": "H20", "kind": "chip"} in got
    assert {"name": "MI308", "kind": "chip"} in got
    assert {"name": "United States", "kind": "place"} in got
    assert {"name": "Commerce Department", "kind": "agency"} in got
    assert {"name": "SK Hynix", "kind": "company"} in got


def test_order_is_kind_then_first_appearance():
    got = extract_entities("China and Taiwan", "Huawei, then Nvidia; the Ascend 910C and the H100; BIS.")
    kinds = [e["kind"] for e in got]
    assert kinds == sorted(kinds, key=KINDS.index)
    assert [e["name"] for e in got] == ["Ascend 910C", "H100", "Huawei", "Nvidia", "BIS", "China", "Taiwan"]


def test_deduplicated_and_plural_forms():
    assert names("H100s, more H100s and an H100", "") == ["H100"]
    assert names("TPUs and Trainium2", "") == ["TPU", "Trainium"]


def test_longer_alias_wins_over_shorter_case_sensitive_one():
    assert names("Huawei Ascend 910B", "") == ["Ascend 910B", "Huawei"]


def test_ambiguous_words_need_their_case():
    assert names("the meta question", "Five micron features; an oracle of sorts; let us go") == []
    assert names("Meta and Micron sign deal", "Oracle too.") == ["Meta", "Micron", "Oracle"]
    assert names("Meta-analysis of sleep", "") == []


def test_bank_for_international_settlements_is_not_bis():
    assert "BIS" not in names("BIS warns on valuations", "The Bank for International Settlements said so.")
    assert "BIS" in names("BIS adds entities", "The Bureau of Industry and Security said so.")


def test_honda_engine_is_still_named_b20_chip_only_by_table():
    # The table is literal: context-free names like B20 stay in; the tagger decides themes.
    assert names("Restoring a Honda B20 engine", "") == ["B20"]


def test_empty_and_untrusted_text():
    assert extract_entities("", "") == []
    assert extract_entities("[bold]Nvidia[/bold] <script>", "") == [{"name": "Nvidia", "kind": "company"}]


def test_a_summary_full_of_names_stays_linear():
    # Hostile input, not a speed target: 20,000 characters of entity names once made
    # extraction quadratic (every match scanned every earlier one). Seconds of CPU here would
    # mean that came back; the real cost is a few milliseconds.
    table = builtin_table()
    names = ["Nvidia", "Huawei", "SMIC", "TSMC", "H100 accelerators", "Ascend 910C", "BIS", "Malaysia"]
    summary = " ".join(names[i % len(names)] for i in range(2600))[:20000]
    start = time.process_time()
    found = table.extract("Nvidia H20", summary)
    assert time.process_time() - start < 2.0
    assert {"name": "Nvidia", "kind": "company"} in found and len(found) == len({e["name"] for e in found})


def test_literal_trie_matches_like_a_longest_first_alternation():
    """The case-sensitive names are compiled as a trie; it must pick exactly what the flat
    longest-first alternation it replaced picked, at every position (names that are prefixes of
    each other, suffixes, boundaries), or entity output would change."""
    import random
    import re

    from briefing.phrases import literal_trie

    names = ["US", "USA", "U.S.", "U.S.A.", "US Congress", "US Treasury", "Meta", "Meta Platforms",
             "Gaudi", "Gaudi 2", "Gaudi2", "Ascend", "Ascend 910", "Ascend 920", "BIS", "A", "AB", "ABC"]
    tail = r")(?:s|'s|’s)?)(?![\w\-])"
    flat = re.compile(r"[^\w\-]((?:" + "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n))) + tail)
    trie = re.compile(r"[^\w\-]((?:" + literal_trie(names) + tail)
    assert flat.pattern != trie.pattern
    pieces = [*names, " ", "-", "s", "'s", "’s", " Platforms", " 910", "2", "3", "x", ".", "C", "A"]
    rnd = random.Random(7)
    hits = 0
    for _ in range(3000):
        text = " " + "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 8)))
        want = [(m.span(1), m[1]) for m in flat.finditer(text)]
        assert [(m.span(1), m[1]) for m in trie.finditer(text)] == want, text
        hits += len(want)
    assert hits > 1000  # the texts really exercise the names
