"""The peering builder: requested in the primary stack, routed both ways across waves, when a
spec opts in (network.peering; off in the shipped specs, DR054)."""

from __future__ import annotations

from typing import Any

import pytest

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Phase, StackContext, StackId
from dr_compiler.compiler.services import peering
from dr_compiler.compiler.stage import CompiledSpec

CONNECTION = "PeeringConnectionUsWest2"


def resources(compiled: CompiledSpec, key: str) -> dict[str, Any]:
    return compiled.stack(key).template["Resources"]


def routes_via(
    compiled: CompiledSpec, key: str, connection: dict[str, str]
) -> list[dict[str, Any]]:
    return [
        r["Properties"]
        for r in resources(compiled, key).values()
        if r["Type"] == "AWS::EC2::Route"
        and r["Properties"].get("VpcPeeringConnectionId") == connection
    ]


def test_primary_requests_the_connection_with_the_inbound_peer_vpc_parameter(
    compiled_peered: CompiledSpec,
) -> None:
    template = compiled_peered.stack("us-east-1").template
    connection = template["Resources"][CONNECTION]
    assert connection["Type"] == "AWS::EC2::VPCPeeringConnection"
    properties = {k: v for k, v in connection["Properties"].items() if k != "Tags"}
    assert properties == {
        "VpcId": {"Ref": "Vpc"},
        "PeerVpcId": {"Ref": "PeerVpcIdUsWest2"},
        "PeerRegion": "us-west-2",
        "PeerOwnerId": {"Ref": "AWS::AccountId"},
    }
    assert template["Parameters"]["PeerVpcIdUsWest2"]["Type"] == "String"


def test_primary_reads_the_secondary_vpc_from_its_base_stack_output(
    compiled_peered: CompiledSpec,
) -> None:
    primary = compiled_peered.stack("us-east-1")
    flows = [f for f in primary.inbound if f.parameter == "PeerVpcIdUsWest2"]
    assert [(f.source.key, f.output) for f in flows] == [("us-west-2-base", ids.VPC_OUTPUT)]
    base_outputs = compiled_peered.stack("us-west-2-base").template["Outputs"]
    assert base_outputs[ids.VPC_OUTPUT]["Value"] == {"Ref": "Vpc"}


@pytest.mark.parametrize(("fixture", "azs"), [("compiled_peered", 3), ("compiled_peered_dev", 2)])
def test_every_primary_private_route_table_routes_the_secondary_cidr_over_the_connection(
    request: pytest.FixtureRequest, fixture: str, azs: int
) -> None:
    compiled = request.getfixturevalue(fixture)
    routes = routes_via(compiled, "us-east-1", {"Ref": CONNECTION})
    assert sorted(r["RouteTableId"]["Ref"] for r in routes) == [
        f"PrivateRouteTable{az + 1}" for az in range(azs)
    ]
    assert {r["DestinationCidrBlock"] for r in routes} == {compiled.spec.network.cidrs["us-west-2"]}


def test_primary_outputs_the_connection_for_the_attach_stack(compiled_peered: CompiledSpec) -> None:
    outputs = compiled_peered.stack("us-east-1").template["Outputs"]
    assert outputs[ids.peering_output("us-west-2")]["Value"] == {"Ref": CONNECTION}


def test_attach_stack_reads_the_connection_from_the_primary_stack(
    compiled_peered: CompiledSpec,
) -> None:
    attach = compiled_peered.stack("us-west-2-attach")
    flows = [f for f in attach.inbound if f.parameter == peering.PEERING_CONNECTION_PARAMETER]
    assert [(f.source, f.output) for f in flows] == [
        (StackId(Phase.PRIMARY, "us-east-1"), ids.peering_output("us-west-2"))
    ]
    assert attach.template["Parameters"][peering.PEERING_CONNECTION_PARAMETER]["Type"] == "String"


@pytest.mark.parametrize(("fixture", "azs"), [("compiled_peered", 3), ("compiled_peered_dev", 2)])
def test_attach_routes_its_imported_private_tables_to_the_primary_cidr_with_the_parameter(
    request: pytest.FixtureRequest, fixture: str, azs: int
) -> None:
    compiled = request.getfixturevalue(fixture)
    env = compiled.spec.environment
    routes = routes_via(compiled, "us-west-2-attach", {"Ref": peering.PEERING_CONNECTION_PARAMETER})
    assert [r["RouteTableId"] for r in routes] == [
        {"Fn::ImportValue": f"payments-us-west-2-base-{env}-PrivateRouteTable{az + 1}"}
        for az in range(azs)
    ]
    assert {r["DestinationCidrBlock"] for r in routes} == {compiled.spec.network.cidrs["us-east-1"]}


def test_waves_deploy_base_then_primary_then_attach(compiled_peered: CompiledSpec) -> None:
    waves = {s.stack.key: s.wave for s in compiled_peered.stacks}
    assert waves["us-west-2-base"] < waves["us-east-1"] < waves["us-west-2-attach"]


def test_no_peering_resources_or_flows_when_peering_is_off(compiled_prod: CompiledSpec) -> None:
    assert compiled_prod.spec.network.peering is False
    for stack in compiled_prod.stacks:
        kinds = {r["Type"] for r in stack.template["Resources"].values()}
        assert "AWS::EC2::VPCPeeringConnection" not in kinds, stack.stack.key
        routes = [r for r in stack.template["Resources"].values() if r["Type"] == "AWS::EC2::Route"]
        assert all("VpcPeeringConnectionId" not in r["Properties"] for r in routes)
        assert [f.parameter for f in stack.inbound if "Peer" in f.parameter] == []


def test_base_and_global_stacks_get_no_peering(compiled_peered: CompiledSpec) -> None:
    for stack in (StackId(Phase.BASE, "us-west-2"), StackId(Phase.GLOBAL, "us-east-1")):
        assert list(peering.build(StackContext(compiled_peered.spec, stack))) == []
