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
    # Three regions to a row: the others fill the next rows in order.
    assert column_order("a", ("b", "c", "d", "e")) == ("c", "a", "b", "d", "e")


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


@pytest.mark.parametrize("spec", ["prod", "orders", "ten-regions"], indirect=True)
def test_every_region_shows_its_queues_workers_topic_and_dns_path(spec: Spec) -> None:
    graph = build_graph(spec)
    edges = {(e.source, e.target, e.kind, e.label) for e in graph.edges}
    for region in spec.regions.all:
        r = region.replace("-", "_")
        kinds = {n.id: n.kind for n in graph.nodes if n.region == region}
        assert kinds[f"alerts_{r}"] == "topic"
        for queue in spec.queues:
            q = queue.name.replace("-", "_")
            assert (kinds[f"queue_{q}_{r}"], kinds[f"dlq_{q}_{r}"]) == ("queue", "queue")
            receives = f"{queue.max_receive_count} receives"
            assert (f"queue_{q}_{r}", f"dlq_{q}_{r}", "redrive", receives) in edges
            for function in spec.functions:
                if function.trigger_queue == queue.name:
                    worker = f"fn_{function.name.replace('-', '_')}_{r}"
                    assert kinds[worker] == "worker"
                    assert (f"queue_{q}_{r}", worker, "trigger", "invokes") in edges
    # The failover chain reaches every secondary, in order.
    dns = [(e.target, e.label) for e in graph.edges if e.kind == "dns"]
    secondaries = spec.regions.secondaries
    assert dns == [
        (f"alb_{spec.regions.primary.replace('-', '_')}", "PRIMARY"),
        *(
            (
                f"alb_{s.replace('-', '_')}",
                "SECONDARY" if len(secondaries) == 1 else f"SECONDARY {i}",
            )
            for i, s in enumerate(secondaries, 1)
        ),
    ]


def test_scheduled_functions_are_drawn_unless_they_are_the_probe() -> None:
    prod = load_model(PROD_SPEC)
    assert not [
        n
        for n in build_graph(prod).nodes
        if n.title == "Lambda health-monitor" and n.kind == "worker"
    ]
    # Without a failover function to start, the monitor only pages: a scheduled worker.
    manual = replace(prod, failover=replace(prod.failover, automatic=False))
    workers = {n.detail for n in build_graph(manual).nodes if n.title == "Lambda health-monitor"}
    assert workers == {"rate(1 minute)"}
