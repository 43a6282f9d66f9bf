"""Matching and applying the person's theme corrections (briefing.corrections), and their file."""

from __future__ import annotations

import json

import pytest

from briefing.corrections import (
    RULE,
    USER,
    Correction,
    CorrectionBook,
    amend,
    apply,
    with_sources,
)
from store import Store, StoreError

TITLE = "Harbor Peak ring charged with routing accelerator boards through a Penang shell firm"


def item(item_id: str = "a", title: str = TITLE, published: str = "2026-03-02T08:00:00Z", **extra) -> dict:
    return {"id": item_id, "title": title, "summary": "Prosecutors say ...", "feed": "http://one/feed",
            "story": extra.pop("story", item_id), "published": published, **extra}


TAGS = [
    {"id": "export-controls", "score": 7.0, "evidence": ["export"]},
    {"id": "gray-market", "score": 5.0, "evidence": ["shell firm"]},
]


def corrected(**changes) -> Correction:
    return amend(None, item(), when="2026-03-03T10:00:00Z", **changes)


def test_apply_removes_rejected_and_marks_added_as_the_users():
    c = corrected(add=["enforcement"], reject=["export-controls"])
    out = apply(TAGS, c, direct=True)
    assert [t["id"] for t in out] == ["enforcement", "gray-market"]
    assert out[0]["source"] == USER and out[0]["evidence"] == ["you added this theme"]
    assert "source" not in out[1]  # the tagger's own stays unmarked (reads as "rule")
    assert TAGS[0]["id"] == "export-controls" and "source" not in TAGS[1]  # input untouched


def test_confirm_keeps_the_tagger_evidence_and_marks_it():
    out = apply(TAGS, corrected(confirm=["gray-market"]), direct=True)
    assert [t["id"] for t in out] == ["gray-market", "export-controls"]
    assert out[0]["source"] == USER
    assert out[0]["evidence"] == ["you confirmed this theme", "shell firm"]
    assert out[0]["score"] == 5.0


def test_spread_evidence_names_the_corrected_item():
    out = apply(TAGS, corrected(add=["enforcement"]), direct=False)
    assert out[0]["evidence"] == [f"as you corrected \u201c{TITLE}\u201d"]


def test_applying_twice_changes_nothing():
    c = corrected(add=["enforcement"], confirm=["gray-market"], reject=["export-controls"])
    once = apply(TAGS, c, direct=True)
    assert apply(once, c, direct=True) == once


def test_amend_newest_judgement_wins_and_clear_forgets():
    c = corrected(reject=["gray-market"])
    c = amend(c, item(), add=["gray-market"], when="2026-03-04T00:00:00Z")
    assert c.added == ("gray-market",) and c.rejected == ()
    c = amend(c, item(), reject=["gray-market"], when="2026-03-05T00:00:00Z")
    assert c.rejected == ("gray-market",) and c.added == ()
    assert amend(c, item(), clear=True, when="x").empty


def test_book_matches_own_item_story_and_near_identical_titles():
    book = CorrectionBook([corrected(reject=["export-controls"])])
    assert book.match(item("a")) == (book.by_id["a"], True)
    assert book.match(item("b", title="Unrelated fab news", story="a"))[1] is False
    repost = item("c", title="Harbor Peak ring charged with routing accelerator boards through Penang shell firm - Wire",
                  published="2026-03-04T12:00:00Z", feed="http://two/feed")
    assert book.match(repost) is not None
    assert book.match(item("d", title="Harbor Peak quarterly results beat estimates")) is None


@pytest.mark.parametrize("title, published", [
    (TITLE, "2026-03-20T00:00:00Z"),  # same words, weeks later: news of its own
    (TITLE.replace("accelerator boards", "H200 boards"), "2026-03-02T09:00:00Z"),  # another model number
    ("Harbor Peak ring charged", "2026-03-02T09:00:00Z"),  # a subset is not near-identical
])
def test_book_does_not_spread_to_what_is_not_the_same_item(title, published):
    book = CorrectionBook([corrected(reject=["export-controls"])])
    assert book.match(item("z", title=title, published=published)) is None


def test_newest_correction_wins_between_story_and_title_matches():
    older = amend(None, item("s1", title="Fab tool shipments stall at the border", story="s1"),
                  when="2026-03-01T00:00:00Z", add=["supplier-concentration"])
    newer = amend(None, item("t1"), when="2026-03-05T00:00:00Z", add=["enforcement"])
    book = CorrectionBook([older, newer])
    found = book.match(item("x", story="s1", published="2026-03-02T10:00:00Z"))
    assert found == (newer, False)


def test_correct_items_sets_themes_and_note():
    book = CorrectionBook([corrected(reject=["export-controls"], add=["enforcement"])])
    items = [item("b", story="a", themes=list(TAGS)), item("q", title="Other news entirely here", themes=[])]
    assert book.correct_items(items) == 1
    assert [t["id"] for t in items[0]["themes"]] == ["enforcement", "gray-market"]
    assert items[0]["correction"] == {"item": "a", "title": TITLE, "direct": False,
                                      "added": ["enforcement"], "rejected": ["export-controls"]}
    assert "correction" not in items[1]


def test_with_sources_fills_rule_and_keeps_user():
    out = with_sources([{"id": "a"}, {"id": "b", "source": USER}])
    assert [t["source"] for t in out] == [RULE, USER]


def test_from_json_survives_a_hand_edited_entry():
    c = Correction.from_json("a", {"added": ["x", 3, None, "x"], "title": ["no"], "when": 5})
    assert c is not None and c.added == ("x",) and c.title == "" and c.when == ""
    assert Correction.from_json("a", "nonsense") is None
    round_trip = Correction.from_json("a", corrected(add=["enforcement"]).to_json())
    assert round_trip == corrected(add=["enforcement"])


# -- the store file ------------------------------------------------------------------------


def test_corrections_file_is_kept_across_opens_and_prune(tmp_path):
    from datetime import datetime, timezone

    store = Store.open(tmp_path / "db")
    store.upsert_items([item("a", published="2020-01-01T00:00:00Z")], now=datetime(2026, 3, 1, tzinfo=timezone.utc))
    store.commit()
    store.save_correction("a", corrected(reject=["gray-market"]).to_json())
    assert store.prune(keep_days=30, now=datetime(2026, 3, 1, tzinfo=timezone.utc)) == 1
    store.close()
    again = Store.open(tmp_path / "db", readonly=True)
    assert again.get("a") is None
    assert again.corrections()["a"]["rejected"] == ["gray-market"]


def test_corrections_from_another_process_are_not_overwritten(tmp_path):
    one = Store.open(tmp_path / "db")
    two = Store.open(tmp_path / "db")
    one.save_correction("a", {"rejected": ["x"]})
    two.save_correction("b", {"added": ["y"]})
    assert set(one.corrections()) == {"a", "b"}
    one.save_correction("a", None)
    assert set(two.corrections()) == {"b"}


def test_corrupt_corrections_file_is_reported_and_never_rewritten(tmp_path):
    db = tmp_path / "db"
    store = Store.open(db)
    (db / "corrections.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match="corrections.json"):
        store.corrections()
    with pytest.raises(StoreError):
        store.save_correction("a", {"added": ["x"]})
    assert (db / "corrections.json").read_text(encoding="utf-8") == "{not json"
    assert any("corrections.json" in str(p) for p in store.check())


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "db"
    store = Store.open(db)
    (db / "corrections.json").write_text(json.dumps({"_meta": {"schema": 99}, "corrections": {}}))
    with pytest.raises(StoreError, match="newer chipwire"):
        store.corrections()


# -- relabel: the store, the tagger and the book together -------------------------------------


def test_relabel_reaches_the_story_and_leaves_everything_else_alone(tmp_path):
    from datetime import datetime, timezone

    from briefing.themes import load_builtin
    from core.corrections import UnknownItem, relabel

    now = datetime(2026, 3, 3, tzinfo=timezone.utc)
    hand = [{"id": "fragmentation", "score": 1.0, "evidence": ["set by hand"]}]
    store = Store.open(tmp_path / "db")
    store.upsert_items([
        item("a", themes=list(TAGS)),
        item("b", title="Second outlet on the Penang accelerator case", story="a", themes=list(hand)),
        item("c", title="Unrelated packaging plant opens", themes=list(hand)),
    ], now=now)
    store.commit()
    result = relabel(store, load_builtin(), "a", add=["compute-geopolitics"], reject=["gray-market"], now=now)
    assert result.spread == 1
    assert [t["id"] for t in result.item["themes"]][0] == "compute-geopolitics"
    assert "gray-market" not in [t["id"] for t in result.item["themes"]]
    sibling = store.get("b")
    assert sibling["themes"][0]["evidence"] == [f"as you corrected \u201c{TITLE}\u201d"]
    assert sibling["correction"]["item"] == "a"
    assert store.get("c")["themes"] == hand  # nobody corrected it: its tags are not recomputed
    with pytest.raises(UnknownItem):
        relabel(store, load_builtin(), "nope", reject=["gray-market"], now=now)


def test_the_indexed_title_match_finds_exactly_what_comparing_every_pair_finds():
    """The prefix index is only a shortcut: it must neither miss nor add a near-identical pair."""
    import random

    from rapidfuzz.fuzz import token_set_ratio

    from briefing import corrections as mod
    from briefing.stories import normalise_title

    rng = random.Random(3)
    words = "chip rule broker court fab wafer cluster licence tariff probe memory board server cloud".split()

    def title() -> str:
        return " ".join(rng.sample(words, rng.randint(3, 8))) + (f" h{rng.randint(1, 3)}00" if rng.random() < .3 else "")

    book_items = [item(f"c{n}", title=title(), story=f"c{n}") for n in range(150)]
    book = CorrectionBook([amend(None, i, reject=["export-controls"], when=f"w{n:03d}") for n, i in enumerate(book_items)])
    probes = [item(f"p{n}", title=title(), story=f"p{n}") for n in range(300)]
    probes += [item(f"r{n}", title=i["title"] + " extra", story=f"r{n}") for n, i in enumerate(book_items[:40])]

    def brute(probe: dict) -> str | None:
        a = normalise_title(probe["title"])
        best = None
        for c in book.by_id.values():
            b = normalise_title(c.title)
            sa, sb = set(a), set(b)
            if len(sa) < mod.MIN_TOKENS or len(sb) < mod.MIN_TOKENS:
                continue
            if len(sa & sb) / len(sa | sb) < mod.MIN_JACCARD:
                continue
            if {t for t in sa if not t.isalpha()} != {t for t in sb if not t.isalpha()}:
                continue
            if token_set_ratio(" ".join(a), " ".join(b)) < mod.TITLE_THRESHOLD:
                continue
            if best is None or c.when > best.when:
                best = c
        return best.item_id if best else None

    found = [(m[0].item_id if (m := book.match(p)) else None) for p in probes]
    assert found == [brute(p) for p in probes]
    assert sum(f is not None for f in found) >= 40  # the re-posts, at least
