"""Stories carry themes: untagged siblings and clear follow-ups inherit, with evidence saying so."""

from __future__ import annotations

from briefing.inherit import case_names, inherit_story_themes


def tagged(item_id: str, title: str, published: str, themes: list[tuple[str, float]], story: str | None = None) -> dict:
    return {
        "id": item_id, "title": title, "summary": "", "published": published, "story": story or item_id,
        "themes": [{"id": t, "score": s, "evidence": ["x"]} for t, s in themes],
    }


def untagged(item_id: str, title: str, published: str, story: str | None = None, summary: str = "") -> dict:
    return {"id": item_id, "title": title, "summary": summary, "published": published,
            "story": story or item_id, "themes": []}


def test_an_untagged_member_of_a_story_takes_its_themes_with_evidence():
    lead = tagged("a", "Broker charged over smuggled GPUs", "2026-11-16T10:00:00Z",
                  [("gray-market", 12.0), ("enforcement", 10.0)], story="s1")
    quiet = untagged("b", "Court hears first motions", "2026-11-16T12:00:00Z", story="s1")
    assert inherit_story_themes([lead, quiet]) == ["b"]
    assert [t["id"] for t in quiet["themes"]] == ["gray-market", "enforcement"]
    first = quiet["themes"][0]
    assert first["source"] == "story" and first["from"] == "a"
    assert first["evidence"] == ['same story as "Broker charged over smuggled GPUs"']
    assert first["score"] < 12.0  # an inherited tag never outranks first-hand evidence


def test_a_follow_up_naming_the_same_case_within_days_inherits():
    older = [
        tagged("a", "Arrests in Coral Ridge Freight chip case", "2026-11-16T10:00:00Z",
               [("gray-market", 12.0), ("enforcement", 10.0)]),
        tagged("b", "Coral Ridge Freight added to Entity List", "2026-11-17T10:00:00Z",
               [("gray-market", 8.0), ("export-controls", 6.0)]),
    ]
    follow = untagged("c", "Week in review: Coral Ridge case widens", "2026-11-21T10:00:00Z")
    late = untagged("d", "Coral Ridge Freight case closes", "2026-12-20T10:00:00Z")
    changed = inherit_story_themes([follow, late], context=older)
    assert changed == ["c"]  # a month later is not a follow-up
    # gray-market is carried by both siblings, the others by one of two: not the story's theme.
    assert [t["id"] for t in follow["themes"]] == ["gray-market"]
    assert late["themes"] == []
    assert older[0]["themes"][0].get("source") is None  # context is never changed


def test_well_known_names_and_genre_words_do_not_link_stories():
    assert case_names("Week In Review: Coral Ridge Freight case") == {"coral ridge freight", "coral ridge",
                                                                        "ridge freight"}
    assert case_names("United States and Entity List news") == set()
    lead = tagged("a", "Nvidia Corp sees GPU shortage in United States", "2026-11-16T10:00:00Z",
                  [("compute-bottleneck", 8.0)])
    other = untagged("b", "United States weather service upgrades radar", "2026-11-16T12:00:00Z")
    assert inherit_story_themes([other], context=[lead]) == []


def test_items_with_their_own_themes_keep_them_and_inherited_ones_do_not_spread():
    lead = tagged("a", "Smuggling case", "2026-11-16T10:00:00Z", [("gray-market", 12.0)], story="s")
    own = tagged("b", "Chip rules", "2026-11-16T11:00:00Z", [("export-controls", 9.0)], story="s")
    assert inherit_story_themes([own], context=[lead]) == []
    assert [t["id"] for t in own["themes"]] == ["export-controls"]
    relay = untagged("c", "Something else", "2026-11-16T12:00:00Z", story="t")
    relay["themes"] = [{"id": "gray-market", "score": 5.0, "evidence": ["same story as"], "source": "story"}]
    quiet = untagged("d", "Quiet", "2026-11-16T13:00:00Z", story="t")
    assert inherit_story_themes([quiet], context=[relay]) == []
