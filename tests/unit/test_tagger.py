"""Unit tests of the tagger: each theme's positive and negative rules, on our own sentences.

None of these lines come from the labelled dev set; they exercise the concepts the lexicon
names (a rule per idea), the negative/context rules and the output contract.
"""

from __future__ import annotations

import pytest

from briefing.tagger import Tagger
from briefing.themes import THEME_IDS, load_builtin, parse_themes


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_builtin())


def ids(tagger: Tagger, title: str, summary: str = "") -> list[str]:
    return [t["id"] for t in tagger.tag(title, summary)]


POSITIVE = [
    ("compute-bottleneck", "Start-ups wait nine months for H200 deliveries",
     "A severe GPU shortage means cloud providers are allocating capacity only to their largest tenants."),
    ("compute-bottleneck", "Research lab says it cannot get enough accelerators for its next model", ""),
    ("export-controls", "Commerce tightens export controls on advanced AI chips",
     "The Bureau of Industry and Security lowered the performance threshold for a licence."),
    ("export-controls", "Japan adds lithography tools to its list of items needing an export licence", ""),
    ("compliant-chips", "Nvidia readies a cut-down Blackwell part for the Chinese market",
     "The China-specific accelerator is designed to fall under the threshold set by US rules."),
    ("compliant-chips", "Demand for the A800 collapses", "Buyers of the Nvidia accelerator switch to newer parts."),
    ("frontier-demand", "Lab plans a training run on 200,000 GPUs",
     "The new campus will draw more than a gigawatt when it is finished."),
    ("domestic-alternatives", "Cambricon ships its newest accelerator to Chinese cloud providers", ""),
    ("domestic-alternatives", "SMIC moves to a 5nm-class process for Huawei's AI chips", ""),
    ("gray-market", "Smugglers moved Nvidia GPUs to China through Thailand, report says",
     "A network of brokers and front companies relabelled servers as networking gear."),
    ("enforcement", "Three charged with exporting AI chips without a licence",
     "Prosecutors say the men lied about the end user of the GPUs."),
    ("enforcement", "Lawmakers push location verification for exported accelerators", ""),
    ("fragmentation", "Chinese developers build a software stack that never touches CUDA",
     "Frameworks and compilers tuned for domestic accelerators are decoupling the two ecosystems."),
    ("supplier-concentration", "Hyperscaler shifts training to its own custom silicon",
     "The move reduces its dependence on Nvidia, which sells most of the world's AI accelerators."),
    ("supplier-concentration", "Europe funds a sovereign AI compute programme", ""),
    ("compute-geopolitics", "Chip access becomes a bargaining chip in trade talks",
     "Officials discussed licences for Nvidia processors alongside tariffs at the summit."),
    ("compute-geopolitics", "War games ask what a blockade of Taiwan would do to chip supply", ""),
    ("compute-geopolitics", "Chinese regulators tell firms to stop buying a China-specific Nvidia chip", ""),
    ("compute-bottleneck", "Cloud GPU prices jump as demand outstrips supply", ""),
    ("frontier-demand", "Cloud provider to supply a lab with up to one million TPUs", ""),
    ("frontier-demand", "Utility signs nuclear power deal for AI data centres", ""),
    ("export-controls", "Senators propose bill to require exporters of AI chips to verify buyers", ""),
    ("fragmentation", "Lab says its next model is optimised for next-generation domestic chips",
     "The Chinese developer changed its number format to suit local accelerators."),
    # The food context rule names foods, not the word "food": GPUs hidden in a food shipment
    # are still smuggled GPUs.
    ("gray-market", "Smugglers hid GPUs in food shipments bound for China", ""),
]

NEGATIVE = [
    ("compliant-chips", "GeForce Game Ready driver adds support for new titles",
     "The driver update improves frame rates on the RTX 4090 and RTX 4090D in several games."),
    ("gray-market", "Cigarette smuggling network dismantled in Singapore",
     "Customs officers seized contraband tobacco hidden in a shipment declared as furniture."),
    ("gray-market", "Grey-market concert tickets resold at triple face value", ""),
    # These three carry chip words too, so only the negative/context rules keep them off.
    ("gray-market", "Cigarette smuggling ring used a semiconductor distributor as a front company", ""),
    ("compute-geopolitics", "Typhoon halts Taiwan chip fabs for a day", "TSMC said output would recover."),
    ("enforcement", "Police arrest two over cigarette smuggling", "The tobacco was hidden in a lorry."),
    ("compute-geopolitics", "Typhoon brings Taiwan to a standstill",
     "Flights and trains were cancelled as the storm crossed the island."),
    ("compute-geopolitics", "Leaders agree on farm purchases at summit", "Beef and soybeans dominated the talks."),
    ("export-controls", "BIS report warns of stretched bank balance sheets",
     "The Bank for International Settlements said lending standards have loosened."),
    ("frontier-demand", "Phone maker's new model tops the camera leaderboard", ""),
    ("compute-bottleneck", "Container scheduler improves GPU device allocation",
     "The Kubernetes release lets pods share accelerators."),
    ("domestic-alternatives", "Huawei's new foldable phone goes on sale", "The handset has a bigger battery."),
    ("fragmentation", "Chipmaker announces a ten-for-one stock split", ""),
    ("fragmentation", "Chinese carmaker splits with its partner", "It will build its own models at a separate plant."),
    ("compute-geopolitics", "Chipmaker signs supply deal with a phone maker", "The agreement covers silicon for three years."),
    ("supplier-concentration", "Nvidia beats estimates; shares climb after the bell", ""),
    # Chips that are not silicon: a food recall's "undeclared" allergen is not a misdeclared GPU.
    ("gray-market", "Snack maker recalls tortilla chips over undeclared milk", ""),
    ("compute-bottleneck", "Potato chip shortage leaves supermarket shelves empty", ""),
    ("enforcement", "Casino chips seized in a raid on an illegal gambling den", ""),
]


@pytest.mark.parametrize("theme,title,summary", POSITIVE, ids=[f"{p[0]}:{p[1][:30]}" for p in POSITIVE])
def test_positive(tagger, theme, title, summary):
    assert theme in ids(tagger, title, summary)


@pytest.mark.parametrize("theme,title,summary", NEGATIVE, ids=[f"{n[0]}:{n[1][:30]}" for n in NEGATIVE])
def test_negative(tagger, theme, title, summary):
    assert theme not in ids(tagger, title, summary)


def test_every_contract_theme_has_positive_and_negative_cases():
    assert {p[0] for p in POSITIVE} == set(THEME_IDS)
    assert len({n[0] for n in NEGATIVE}) >= 9


def test_general_news_is_untagged(tagger):
    assert tagger.tag("Local bakery wins bread award", "The sourdough took first prize.") == []
    assert tagger.tag("", "") == []


def test_output_shape_order_and_evidence(tagger):
    title = "Broker indicted for smuggling H100 GPUs to China"
    summary = "Prosecutors say the H100 chips were relabelled and shipped via Malaysia. " * 3
    themes = tagger.tag(title, summary)
    assert themes, "expected themes"
    for t in themes:
        assert set(t) == {"id", "score", "evidence"}
        assert isinstance(t["score"], float)
        assert 1 <= len(t["evidence"]) <= 5
        lowered = [e.casefold() for e in t["evidence"]]
        assert len(lowered) == len(set(lowered)), "evidence must be de-duplicated"
    scores = [t["score"] for t in themes]
    assert scores == sorted(scores, reverse=True)
    gray = next(t for t in themes if t["id"] == "gray-market")
    # Quoted as it appeared (original case), title first.
    assert gray["evidence"][0] in title
    assert "smuggling" in gray["evidence"]
    assert tagger.tag(title, summary) == themes, "deterministic"


def test_spelling_hyphen_and_plural_variants(tagger):
    a = tagger.tag("US revokes export licenses for the H-20", "Nvidia must stop shipping the chips.")
    b = tagger.tag("US revokes export licences for the H20", "Nvidia must stop shipping the chips.")
    assert [t["id"] for t in a] == [t["id"] for t in b]
    assert "compliant-chips" in [t["id"] for t in a]
    assert "H-20" in next(t for t in a if t["id"] == "compliant-chips")["evidence"]
    assert "gray-market" in ids(tagger, "Grey-market GPUs", "Smuggled accelerators reach Shenzhen.")
    assert "frontier-demand" in ids(tagger, "Datacenter campus", "Training clusters need a gigawatt of power.")


def test_title_outweighs_summary(tagger):
    in_title = tagger.tag("GPU shortage hits labs", "Nothing else to say here.")
    in_summary = tagger.tag("Nothing else to say here", "GPU shortage hits labs.")
    score = lambda res: next(t["score"] for t in res if t["id"] == "compute-bottleneck")  # noqa: E731
    assert score(in_title) > score(in_summary)


def test_passing_mention_is_not_a_subject(tagger):
    # One weak word in a summary must not tag the item.
    assert "export-controls" not in ids(
        tagger, "Phone maker posts record quarter", "Sales rose despite restrictions on some imports."
    )


def test_ties_broken_by_theme_order():
    text = b'''
removed = ["compute-bottleneck", "export-controls", "compliant-chips", "frontier-demand",
  "domestic-alternatives", "gray-market", "enforcement", "fragmentation",
  "supplier-concentration", "compute-geopolitics"]
[[theme]]
id = "zeta"
title = "Z"
rules = [{ weight = 3, any = ["widget"] }]
[[theme]]
id = "alpha"
title = "A"
rules = [{ weight = 3, any = ["widget"] }]
'''
    tagger = Tagger(parse_themes(text, source="<test>"))
    assert [t["id"] for t in tagger.tag("", "a widget")] == ["zeta", "alpha"]


def test_user_theme_and_raw_regex_and_negative_rule():
    text = b'''
removed = ["compute-bottleneck", "export-controls", "compliant-chips", "frontier-demand",
  "domestic-alternatives", "gray-market", "enforcement", "fragmentation",
  "supplier-concentration", "compute-geopolitics"]
[tagger]
threshold = 2
[concepts]
fab = ["fab", "foundry"]
[[theme]]
id = "fab-watch"
title = "Fabs"
rules = [
  { weight = 2, all = ["@fab", "re:\\\\d+ ?nm"] },
  { weight = -5, any = ["fab four"] },
]
'''
    tagger = Tagger(parse_themes(text, source="<test>"))
    assert [t["id"] for t in tagger.tag("New foundry starts 3nm output", "")] == ["fab-watch"]
    assert tagger.tag("Fab Four tribute band plays 2 nm of songs", "") == []
    assert tagger.tag("New foundry opens", "") == []


def test_evidence_quotes_the_first_whole_word_occurrence(tagger):
    # "ban" occurs inside "Urban" first; the quote must come from the word itself, as written.
    summary = "Washington urban planners back a BAN on Nvidia chip sales to China."
    themes = tagger.tag("Planners meet", summary)
    export = next(t for t in themes if t["id"] == "export-controls")
    assert "BAN" in export["evidence"] and "ban" not in export["evidence"]
    assert all(e in summary for e in export["evidence"])


def test_possessive_after_a_stem_still_counts(tagger):
    # "smuggl*" takes no ending of its own; the shared plural/possessive ending must not hide it.
    plain = ids(tagger, "Smugglers moved Nvidia GPUs to China", "")
    possessive = ids(tagger, "The smuggler’s haul of Nvidia GPUs reached China", "")
    assert "gray-market" in plain and "gray-market" in possessive


def test_tag_many_matches_tag(tagger):
    items = [(p[1], p[2]) for p in POSITIVE[:6]] + [("", ""), ("Local bakery", "")]
    assert tagger.tag_many(items) == [tagger.tag(t, s) for t, s in items]


def test_non_ascii_spans_dedupe_by_casefold(tagger):
    # Spans that are not ASCII take the general evidence path; output keeps the contract.
    themes = tagger.tag("Nvidia’s H20 chips: Beijing’s curbs", "The H20’s export licence was revoked; Nvidia’s chips.")
    for t in themes:
        folded = [e.casefold() for e in t["evidence"]]
        assert len(folded) == len(set(folded)) and 1 <= len(folded) <= 5
