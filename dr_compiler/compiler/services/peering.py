"""VPC peering: the primary VPC with every secondary VPC, routed both ways (DR051).

The primary stack requests one peering connection per secondary. Both VPCs are in the same
account, so CloudFormation accepts the connection itself, with no peer role (the
AWS::EC2::VPCPeeringConnection reference: "If the requester and acceptor VPCs are in the same
account, the peering request is accepted without a peering role").

Values that only exist after a deploy flow as StackSet parameters:
- the secondary's VPC id: its base stack (wave before the primary) outputs "Vpc";
- the connection id: the primary stack outputs it, the secondary's attach stack (wave after the
  primary) reads it and routes its private subnets back to the primary CIDR.
"""

from __future__ import annotations

from collections.abc import Iterator

from troposphere import AWSObject, Output, Ref
from troposphere.ec2 import Route, VPCPeeringConnection

from dr_compiler.compiler import ids
from dr_compiler.compiler.context import Inbound, Phase, Sourced, StackContext, StackId, sourced
from dr_compiler.compiler.services.network import vpc_cidr

PEERING_CONNECTION_PARAMETER = "PeeringConnectionId"
"""Attach-stack parameter: the connection the primary stack requested for this region."""


def peer_vpc_parameter(region: str) -> str:
    """Primary-stack parameter: the VPC id of a secondary region, e.g. PeerVpcIdUsWest2."""
    return f"PeerVpcId{ids.pascal(region)}"


def build(ctx: StackContext) -> Iterator[AWSObject | Output | Inbound | Sourced]:
    if not ctx.spec.network.peering:
        return
    if ctx.phase is Phase.PRIMARY:
        for region in ctx.spec.regions.secondaries:
            yield from sourced(_request(ctx, region), "network", "peering")
    elif ctx.phase is Phase.ATTACH:
        yield from sourced(_routes_back(ctx), "network", "peering")


def _request(ctx: StackContext, region: str) -> Iterator[AWSObject | Output | Inbound]:
    """In the primary stack: the connection to `region` and the routes to its CIDR."""
    parameter = peer_vpc_parameter(region)
    yield Inbound(
        parameter,
        StackId(Phase.BASE, region),
        ids.VPC_OUTPUT,
        f"VPC id of {region} (output {ids.VPC_OUTPUT} of its base stack)",
    )
    connection = ids.peering_connection(region)
    yield VPCPeeringConnection(
        connection,
        VpcId=Ref(ids.VPC),
        PeerVpcId=Ref(parameter),
        PeerRegion=region,
        PeerOwnerId=Ref("AWS::AccountId"),
    )
    peer_cidr = str(vpc_cidr(ctx.spec, region))
    for az in range(ctx.azs):
        # Ref of the connection orders each route after it (it is active once created).
        yield Route(
            f"PeeringRoute{ids.pascal(region)}{az + 1}",
            RouteTableId=Ref(ids.private_route_table(az)),
            DestinationCidrBlock=peer_cidr,
            VpcPeeringConnectionId=Ref(connection),
        )
    yield Output(
        ids.peering_output(region),
        Value=Ref(connection),
        Description=f"Peering connection with {region}, read by its attach stack",
    )


def _routes_back(ctx: StackContext) -> Iterator[AWSObject | Inbound]:
    """In a secondary's attach stack: its private route tables to the primary CIDR."""
    primary = ctx.spec.regions.primary
    output = ids.peering_output(ctx.region)
    yield Inbound(
        PEERING_CONNECTION_PARAMETER,
        StackId(Phase.PRIMARY, primary),
        output,
        f"Peering connection from {primary} (output {output} of the primary stack)",
    )
    primary_cidr = str(vpc_cidr(ctx.spec, primary))
    for az in range(ctx.azs):
        # The route tables are imported from the base stack, the connection id is a parameter:
        # both exist before this stack deploys (attach runs after base and primary).
        yield Route(
            f"PeeringRoute{az + 1}",
            RouteTableId=ctx.ref(ids.private_route_table(az)),
            DestinationCidrBlock=primary_cidr,
            VpcPeeringConnectionId=Ref(PEERING_CONNECTION_PARAMETER),
        )
