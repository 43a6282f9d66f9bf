"""Word families: a theme is recognised by the kind of thing said, not one phrasing of it.

The lexicon's phrases fitted the sets they were written against; reporting says the same
thing in other inflections and other words. Each family rule is checked on in-house
sentences that none of the theme's listed phrases match, beside a near miss that borrows
the family's words without the theme.
"""

from __future__ import annotations

import pytest

from briefing.tagger import Tagger
from briefing.themes import load_builtin


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_builtin())


def ids(tagger: Tagger, title: str, summary: str = "") -> set[str]:
    return {t["id"] for t in tagger.tag(title, summary)}


@pytest.mark.parametrize("title", [
    "Cloud start-up says its accelerators are oversubscribed into the spring",
    "Backlogged GPU orders leave smaller labs idle",
    "Neocloud's H200 capacity is constrained until new racks arrive",
    "Supply of accelerators lags orders again, integrators say",
])
def test_scarcity_in_any_inflection_beside_compute_is_the_bottleneck(tagger, title):
    assert "compute-bottleneck" in ids(tagger, title)


@pytest.mark.parametrize("title", [
    "Airline's new routes are oversubscribed into the spring",
    "Carmaker's backlogged orders leave dealers idle as chip supply lags",
    "Supply of lithium lags orders again, miners say",
])
def test_scarcity_words_without_compute_are_not_the_bottleneck(tagger, title):
    assert "compute-bottleneck" not in ids(tagger, title)


def test_a_family_path_does_not_add_to_the_scarcity_rule_it_mirrors(tagger):
    """The same shortage said twice ("shortage", "waiting lists") scores like once: the family
    is another way in, not more evidence, so a gated earnings headline stays untagged."""
    title, summary = "Cloud provider earnings beat forecasts", "Executives said waiting lists for GPUs are long."
    assert "compute-bottleneck" not in ids(tagger, title, summary)


@pytest.mark.parametrize("title", [
    "Start-up ported its inference kernels to Cambricon accelerators in six weeks",
    "Lab says its new model was fine-tuned entirely on a domestic cluster",
])
def test_stack_work_on_china_hardware_is_fragmentation(tagger, title):
    assert "fragmentation" in ids(tagger, title)


@pytest.mark.parametrize("title", [
    "Chinese AI chips and CUDA diverge further as toolchains drift",
    "Ascend software stacks grow incompatible with Western AI frameworks",
])
def test_a_split_in_any_words_beside_china_stack_is_fragmentation(tagger, title):
    assert "fragmentation" in ids(tagger, title)


@pytest.mark.parametrize("title, summary", [
    ("Chinese carmaker splits with its partner", "It will build its own models at a separate plant."),
    ("Chinese retailer splits its logistics arm", "The two companies will run separate warehouses."),
    ("Domestic chipmaker's vendors are fragmented", "A scattered field of Chinese chip suppliers compete on price."),
])
def test_split_words_outside_ai_hardware_are_not_fragmentation(tagger, title, summary):
    assert "fragmentation" not in ids(tagger, title, summary)


@pytest.mark.parametrize("title", [
    "New AI racks will draw 140 kW each, forcing data centres to rebuild",
    "Campus for training clusters signs for 800 MW of nuclear power",
])
def test_power_in_data_centre_units_is_frontier_appetite(tagger, title):
    assert "frontier-demand" in ids(tagger, title)


def test_power_units_without_ai_infrastructure_are_not_frontier_appetite(tagger):
    assert "frontier-demand" not in ids(tagger, "Town's new 40 MW solar farm opens beside the river")


def test_money_at_scale_for_ai_infrastructure_is_frontier_appetite(tagger):
    assert "frontier-demand" in ids(
        tagger, "Cloud group commits $45 billion to new AI data centres", "Contracts run for six years.")
    # Billions alone, for something that is not compute, are not the appetite.
    assert "frontier-demand" not in ids(tagger, "Retailer commits $45 billion to new stores", "Leases run for six years.")
