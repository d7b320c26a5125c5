"""The graph of a spec: where the failover target sits, where the global stack is drawn, the
probes and the Region switch plan."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dr_compiler.model import Spec
from dr_compiler.pipeline import load_model
from dr_compiler.topology.build import build_graph, column_order
from tests.specbuild import PROD_SPEC


def test_the_failover_target_sits_next_to_the_primary() -> None:
    assert column_order("a", ("b",)) == ("a", "b")
    assert column_order("a", ("b", "c")) == ("c", "a", "b")
    assert column_order("a", ("b", "c", "d", "e")) == ("e", "c", "a", "b", "d")


def test_the_global_stack_is_shown_in_us_east_1_whatever_the_primary() -> None:
    prod = load_model(PROD_SPEC)
    moved = replace(prod, regions=replace(prod.regions, primary="eu-west-1"))
    for spec in (prod, moved):
        graph = build_graph(spec)
        assert graph.node("global").detail == "Route 53 and the failover topic (us-east-1)"


@pytest.mark.parametrize("spec", ["prod", "three-regions"], indirect=True)
def test_every_secondary_probes_the_primary_and_starts_its_own_failover(
    spec: Spec,
) -> None:
    graph = build_graph(spec)
    primary = spec.regions.primary.replace("-", "_")
    edges = {(e.source, e.target, e.kind) for e in graph.edges}
    for region in spec.regions.secondaries:
        r = region.replace("-", "_")
        assert (f"probe_{r}", f"probe_{primary}", "probe") in edges
        assert (f"probe_{r}", f"fn_failover_trigger_{r}", "failover") in edges
        assert (f"fn_failover_trigger_{r}", f"aurora_{r}", "failover") in edges
    assert graph.node(f"probe_{primary}").title == "GET /health (HTTPS)"


def test_a_region_switch_plan_is_drawn_with_its_trigger_and_workflow() -> None:
    staging = load_model(PROD_SPEC.parent / "staging.yaml")
    graph = build_graph(staging)
    plan = graph.node("failover_topic")
    assert (plan.kind, plan.title, plan.detail) == (
        "plan",
        "ARC Region switch plan",
        "1. promote-database, 2. shift-dns",
    )
    failover = {(e.source, e.target, e.label) for e in graph.edges if e.kind == "failover"}
    assert failover == {
        ("probe_us_west_2", "failover_topic", "trigger alarm"),
        ("failover_topic", "aurora_us_west_2", "promotes"),
    }
    assert ("probe_us_west_2", "probe_us_east_1", "probe") in {
        (e.source, e.target, e.kind) for e in graph.edges
    }
    # The plan orchestrates: no failover function is drawn.
    assert not [n for n in graph.nodes if n.kind == "function"]
