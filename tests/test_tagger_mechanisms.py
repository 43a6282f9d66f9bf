"""The tagger's mechanisms, one by one: framing clauses, sense rules, genre gates, conventions.

Each test pairs an item where a theme is the subject with a near miss that borrows its words,
so a mechanism that stops working fails one side or the other. The sentences are in-house.
"""

from __future__ import annotations

import pytest

from briefing.clauses import blank_framing, framing_clauses
from briefing.tagger import Tagger
from briefing.themes import load_builtin, parse_themes, theme_file_text


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_builtin())


def ids(tagger: Tagger, title: str, summary: str = "") -> set[str]:
    return {t["id"] for t in tagger.tag(title, summary)}


# --- clause weighting -------------------------------------------------------------------------

def test_framing_clauses_are_found_and_blanked_to_the_same_length():
    text = "Lab ships a new model despite U.S. export controls, officials say."
    assert framing_clauses(text) == ["despite U.S. export controls"]
    blanked = blank_framing(text.lower())
    assert len(blanked) == len(text)
    assert "export" not in blanked and blanked.endswith(", officials say.")
    assert framing_clauses("Beijing mulls new subsidies as the region weighs chip curbs; more later") == [
        "as the region weighs chip curbs"]


@pytest.mark.parametrize("lead", ["despite", "amid", "in response to", "in the wake of"])
def test_a_theme_only_in_a_framing_clause_is_background(tagger, lead):
    title = f"Streaming service raises prices {lead} US chip export controls"
    assert "export-controls" not in ids(tagger, title)
    # The same words in the main clause are the subject.
    assert "export-controls" in ids(tagger, "US tightens chip export controls on China")


def test_evidence_from_the_main_clause_is_quoted_as_written(tagger):
    tags = tagger.tag("Broker charged with smuggling H100 GPUs, amid wider China trade talks", "")
    by_id = {t["id"]: t for t in tags}
    assert "gray-market" in by_id
    assert "compute-geopolitics" not in by_id
    assert all(e in "Broker charged with smuggling H100 GPUs" for e in by_id["gray-market"]["evidence"])


# --- sense rules ------------------------------------------------------------------------------

def test_divert_needs_a_destination_or_concealment_cue(tagger):
    own = "Founder diverted 10,000 H100 GPUs from the carmaker to his AI start-up"
    assert "gray-market" not in ids(tagger, own)
    assert "compute-bottleneck" in ids(tagger, own)
    assert "gray-market" in ids(tagger, "Distributor diverted H100 GPUs to China through Malaysia")


def test_investigation_needs_a_violation(tagger):
    assert "enforcement" in ids(tagger, "Commerce opens investigation into GPU exports in violation of export controls")
    assert "enforcement" not in ids(tagger, "Commerce opens Section 232 investigation into chip imports")
    assert "enforcement" not in ids(tagger, "Chipmaker's new chief enforces cost discipline across fabs")


def test_antitrust_probe_is_leverage_not_enforcement(tagger):
    got = ids(tagger, "Beijing opens anti-monopoly probe into US chip designer")
    assert "compute-geopolitics" in got and "enforcement" not in got


def test_fragmented_vendors_inside_one_country_are_not_two_tracks(tagger):
    assert "fragmentation" not in ids(tagger, "Fragmented ecosystems slow China's AI chip push")


# --- genre gates ------------------------------------------------------------------------------

def test_a_genre_marker_in_the_title_raises_the_bar():
    text = theme_file_text()
    gated = Tagger(parse_themes(text.encode(), source="<test>"))
    ungated = Tagger(parse_themes(text.replace("genre_gate = 2.5", "genre_gate = 0.0").encode(), source="<test>"))
    title, summary = "Cloud provider earnings beat forecasts", "Executives said waiting lists for GPUs are long."
    assert "compute-bottleneck" in ids(ungated, title, summary)
    assert "compute-bottleneck" not in ids(gated, title, summary)
    # A strong, distinct signal still gets through the gate.
    strong = "Earnings: cloud provider says GPU shortage leaves customers on waiting lists"
    assert "compute-bottleneck" in ids(gated, strong)


# --- labelling conventions --------------------------------------------------------------------

def test_a_smuggling_case_is_not_export_controls_unless_a_rule_is_news(tagger):
    case = ids(tagger, "Two charged with smuggling GPUs to China in breach of US export controls")
    assert {"gray-market", "enforcement"} <= case and "export-controls" not in case
    rule = ids(tagger, "US tightens export controls to close smuggling loophole for GPUs")
    assert "export-controls" in rule


def test_a_buy_local_mandate_restricts_buying_not_exporting(tagger):
    got = ids(tagger, "Beijing bans foreign AI chips in state-funded data centres",
              "Operators must use only domestic accelerators.")
    assert "export-controls" not in got
    assert {"supplier-concentration", "compute-geopolitics"} <= got


def test_training_on_domestic_chips_is_also_fragmentation(tagger):
    got = ids(tagger, "Start-up says its model was trained entirely on Ascend chips")
    assert {"domestic-alternatives", "fragmentation"} <= got


def test_an_unless_group_vetoes_its_rule():
    text = theme_file_text().replace(
        'rules = [\n    { weight = 4, all = ["@scarcity", "@chip"] },',
        'rules = [\n    { weight = 4, all = ["@scarcity", "@chip"], unless = ["zebra"] },', 1)
    assert text != theme_file_text()
    vetoed = Tagger(parse_themes(text.encode(), source="<test>"))
    assert "compute-bottleneck" in ids(vetoed, "GPU lead times lengthen for labs")
    assert "compute-bottleneck" not in ids(vetoed, "GPU lead times lengthen for labs", "Zebra farm buys GPUs")


def test_only_a_consumer_launch_is_a_genre(tagger):
    """Launching a phone is a genre that quotes the themes; launching a cluster is the news."""
    assert "frontier-demand" in ids(tagger, "Cloud firm launches 100,000-GPU cluster for frontier training")
    title, summary = "Vendor launches gaming laptop with new GPU", "Reviewers note waiting lists for GPUs are long."
    assert "compute-bottleneck" not in ids(tagger, title, summary)
